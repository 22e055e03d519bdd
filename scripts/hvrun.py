"""Shared pieces of the emulator runners (run-qemu, run-bochs) and pytest/.

Result lines follow docs/CONSOLE.md.  The runners map what they saw to one
exit status, the same for both emulators:

    0  PASS      the kernel signalled PASS and printed a SUMMARY with no failure
    1  FAIL      the kernel signalled FAIL, or its result lines show a failure
    2  NORESULT  no PASS/FAIL signal or no SUMMARY line (triple fault, reset,
                 emulator crash, shell left by other means)
    3  TIMEOUT   the emulator was killed by the runner's timeout
    4  SETUP     bad arguments, missing image or emulator
"""
import ctypes
import os
import re
import signal
import subprocess
import sys
import termios
import time

PASS, FAIL, NORESULT, TIMEOUT, SETUP = 0, 1, 2, 3, 4
STATUS_NAMES = {PASS: "PASS", FAIL: "FAIL", NORESULT: "NORESULT",
                TIMEOUT: "TIMEOUT", SETUP: "SETUP"}

TOP = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))

# SKIP and TIMEOUT checks come from scenarios (scn.NAME, docs/CONSOLE.md).
CHECK_RE = re.compile(r"^CHECK (\S+)\.(\d+) (PASS|FAIL|SKIP|TIMEOUT) ?(.*)$", re.M)
# Scenario RESULT lines add ` key=N` fields (exits, faults, ticks, pages) after backend.
RESULT_RE = re.compile(
    r"^RESULT (\S+) (PASS|FAIL|SKIP|TIMEOUT) checks=(\d+) failed=(\d+) ms=(\d+)"
    r"(?: backend=(vmx|svm|none))?((?: [a-z_]+=-?\d+)*)(?: reason=\"([^\"]*)\")?\s*$", re.M)
FIELD_RE = re.compile(r" ([a-z_]+)=(-?\d+)")
# A fact in a CHECK message (docs/CONSOLE.md): key=value after a space, a
# "(" or the start; the value a "quoted text" (cut at the end of a message
# that reached the length limit) or a run without space , ; ( ).
FACT_RE = re.compile(r'(?:^|(?<=[\s(]))([a-z][a-z0-9_.]*)=("[^"]*(?:"|$)|[^\s,;()"]+)')
NUMBER_RE = re.compile(r"-?(?:0x[0-9a-f]+|[0-9]+)")
# The fuzz_guest test's line per episode (docs/CONSOLE.md).
FUZZ_EPISODE_RE = re.compile(r"^fuzz: (seed=\d+ rounds=.*)$", re.M)
SUMMARY_RE = re.compile(
    r"^SUMMARY passed=(\d+) failed=(\d+) skipped=(\d+) timeout=(\d+)\s*$", re.M)
# hv's guest console budget (hv/console.c): what one VM dropped since its last such line.
CONSOLE_DROPS_RE = re.compile(
    r"^guest(\d+): (\d+) console lines dropped \((\d+) bytes\)\s*$", re.M)
# hw.vmm.hostcheck's stop (docs/CONSOLE.md), anywhere in a line or a reason.
HOSTCHECK_RE = re.compile(
    r"host state changed by guest: ([A-Za-z0-9_.]+) before=(0x[0-9a-f]+) after=(0x[0-9a-f]+)")


def clean(text):
    """Serial text with CR removed (the kernel ends lines with CRLF)."""
    return text.replace("\r", "")


def fact_value(v):
    """A fact's value: an int for a decimal or 0x number, the text without
    its quotes for "text", else the word itself."""
    if v.startswith('"'):
        return v[1:-1] if v.endswith('"') and len(v) > 1 else v[1:]
    v = v.rstrip(":.") or v    # "rax=0x5: ..." ends the value at the colon
    if NUMBER_RE.fullmatch(v):
        return int(v, 16 if "0x" in v else 10)
    return v


def facts(message):
    """The key=value facts of a CHECK message as a dict; when a key repeats
    (text quoted from a scenario or hv), the first one counts."""
    found = {}
    for k, v in FACT_RE.findall(message):
        found.setdefault(k, fact_value(v))
    return found


def parse_checks(text):
    """CHECK lines: message is the whole text after the status, facts its
    key=value facts."""
    return [{"test": m[0], "n": int(m[1]), "status": m[2], "message": m[3],
             "facts": facts(m[3])}
            for m in CHECK_RE.findall(clean(text))]


def parse_results(text):
    """RESULT lines; scenario fields (exits, faults, ticks, pages) are ints
    under "fields"."""
    return [{"test": m[0], "status": m[1], "checks": int(m[2]),
             "failed": int(m[3]), "ms": int(m[4]), "backend": m[5] or None,
             "fields": {k: int(v) for k, v in FIELD_RE.findall(m[6])},
             "reason": m[7] or None}
            for m in RESULT_RE.findall(clean(text))]


def parse_fuzz_episodes(text):
    """The fuzz_guest test's episode lines, each as its facts (seed, rounds,
    instructions, exits, outcome and, for a stop, why)."""
    return [facts(m) for m in FUZZ_EPISODE_RE.findall(clean(text))]
def host_state_changes(text):
    """Every `host state changed by guest: NAME before=0x.. after=0x..` in
    text, as dicts with name and the two values as ints."""
    return [{"name": m[0], "before": int(m[1], 16), "after": int(m[2], 16)}
            for m in HOSTCHECK_RE.findall(clean(text))]


def parse_summaries(text):
    return [{"passed": int(m[0]), "failed": int(m[1]), "skipped": int(m[2]),
             "timeout": int(m[3])}
            for m in SUMMARY_RE.findall(clean(text))]


def parse_console_drops(text):
    """hv's `guest<vm>: N console lines dropped (B bytes)` lines, in order."""
    return [{"vm": int(m[0]), "lines": int(m[1]), "bytes": int(m[2])}
            for m in CONSOLE_DROPS_RE.findall(clean(text))]


def verdict(text, signal_seen):
    """Exit status from the kernel's exit signal and its serial output.

    signal_seen is "pass", "fail", "none" (emulator ended without the exit
    device) or "timeout".  A bare PASS signal is never PASS: the SUMMARY
    lines must be there and agree."""
    summaries = parse_summaries(text)
    results = parse_results(text)
    if signal_seen == "timeout":
        return TIMEOUT, "killed by the runner's timeout"
    if signal_seen == "none":
        return NORESULT, "emulator ended without the exit device " \
            "(triple fault, reset or emulator error)"
    bad = [s for s in summaries if s["failed"] or s["timeout"]]
    bad_results = [r for r in results if r["status"] in ("FAIL", "TIMEOUT")]
    if signal_seen == "fail":
        return FAIL, "kernel signalled FAIL"
    if not summaries:
        return NORESULT, "PASS signal but no SUMMARY line on the serial port"
    if bad or bad_results:
        return FAIL, "PASS signal contradicts the result lines"
    return PASS, "SUMMARY " + ", ".join(
        "passed=%(passed)d failed=%(failed)d skipped=%(skipped)d" % s
        for s in summaries)


def qemu_signal(rc):
    """The kernel's exit signal from QEMU's exit code (None: timed out).
    isa-debug-exit turns 0x10/0x11 into 33/35; a triple fault with
    -no-reboot exits 0, so 0 is "none", never PASS."""
    return {None: "timeout", 33: "pass", 35: "fail"}.get(rc, "none")


def bochs_signal(rc, bochs_log, serial):
    """The kernel's exit signal from Bochs' exit code (None: timed out), its
    own log and the serial text.  0 follows the magic-break `quit` (PASS path);
    a segfault right after `quit_sim called with exit code 0` is that same
    clean exit; 1 is "Shutdown" on port 0x8900 (FAIL path) only when a
    SUMMARY was printed, else a triple fault or panic."""
    if rc is None:
        return "timeout"
    if rc == 0 or (rc in (-signal.SIGSEGV, 139) and
                   "quit_sim called with exit code 0" in bochs_log):
        return "pass"
    if rc == 1 and parse_summaries(serial):
        return "fail"
    return "none"


def result_table(text):
    """A readable table of the RESULT lines, then the SUMMARY."""
    results = parse_results(text)
    failed_checks = [c for c in parse_checks(text) if c["status"] == "FAIL"]
    width = max([len(r["test"]) for r in results] + [4])
    lines = ["%-*s  %-7s  %6s  %6s  %7s  %s" % (width, "test", "result", "checks",
                                                "failed", "ms", "backend")]
    for r in results:
        lines.append("%-*s  %-7s  %6d  %6d  %7d  %s%s" % (
            width, r["test"], r["status"], r["checks"], r["failed"], r["ms"],
            r["backend"] or "-", "  (%s)" % r["reason"] if r["reason"] else ""))
    for c in failed_checks:
        lines.append("  FAILED CHECK %s.%d: %s" % (c["test"], c["n"], c["message"]))
    for s in parse_summaries(text):
        lines.append("SUMMARY passed=%(passed)d failed=%(failed)d "
                     "skipped=%(skipped)d timeout=%(timeout)d" % s)
    if not results:
        lines.append("(no RESULT lines)")
    return "\n".join(lines)


def _die_with_parent():
    """In the emulator child: SIGKILL it when the runner dies, so no emulator
    outlives a killed test (prctl PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)


def _die_with_parent_own_group():
    """Also leave the terminal's process group: a Ctrl-C must not reach Bochs
    (it exits 0 on SIGINT).  Not for QEMU on stdio: a background group
    reading the terminal would be stopped by SIGTTIN."""
    _die_with_parent()
    os.setpgid(0, 0)


def spawn(argv, own_group=False, **kw):
    """Start an emulator that is killed with the runner."""
    return subprocess.Popen(
        argv, preexec_fn=_die_with_parent_own_group if own_group else _die_with_parent,
        **kw)


def kill(proc):
    if proc.poll() is None:
        proc.kill()
        proc.wait()


class Killed(BaseException):
    """The runner got SIGTERM/SIGHUP/SIGINT; `finally` blocks kill the emulator."""


def _killed(signum, _frame):
    raise Killed(signum)


def catch_signals():
    """Turn SIGTERM/SIGHUP/SIGINT into Killed (exit NORESULT after cleanup).
    SIGINT must never reach Bochs: it exits 0 on it."""
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, _killed)


def main(prog, fn):
    """Run a runner's main(); a signal ends it as NORESULT."""
    catch_signals()
    try:
        sys.exit(fn())
    except Killed as k:
        sys.stderr.write("%s: NORESULT (killed by signal %d)\n" % (prog, k.args[0]))
        sys.exit(NORESULT)


def wait(proc, timeout):
    """Wait for proc; kill its group after timeout seconds (0 = no limit).
    Returns (returncode or None on timeout, seconds)."""
    t0 = time.monotonic()
    try:
        rc = proc.wait(timeout=timeout or None)
    except subprocess.TimeoutExpired:
        kill(proc)
        rc = None
    return rc, time.monotonic() - t0


def saved_tty():
    """The terminal settings of stdin when it is a tty (QEMU, and run-bochs
    when relaying, switch it to raw mode), for restore_tty()."""
    try:
        return termios.tcgetattr(0)
    except (termios.error, OSError):
        return None


def restore_tty(saved):
    if saved is not None:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)


def read_log(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def report(prog, status, detail, seconds, log):
    sys.stderr.write("%s: %s (%s) in %.1f s; serial log %s\n" % (
        prog, STATUS_NAMES[status], detail, seconds, log))


def fresh_log(path):
    """Absolute path of a serial log, its directory made and an old file of
    that name removed (its result lines must never count for this run)."""
    path = os.path.abspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    for p in (path, path + ".bochs", path + ".screen"):
        if os.path.exists(p):
            os.unlink(p)
    return path


def default_log(emulator):
    return os.path.join(TOP, "build", "logs", "%s.log" % emulator)


if __name__ == "__main__":
    # hvrun.py table LOG: print the result table of a serial log.
    if len(sys.argv) != 3 or sys.argv[1] != "table":
        sys.exit("usage: hvrun.py table SERIAL_LOG")
    print(result_table(read_log(sys.argv[2])))
