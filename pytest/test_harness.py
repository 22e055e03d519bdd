"""The harness itself, without booting: exit-status mapping, result parsing,
image caching, KVM detection.  A wrong mapping here would turn crashes into
passes everywhere else."""
import os
import signal
import subprocess

import pytest

from conftest import TOP, hvrun

SUMMARY_OK = "SUMMARY passed=2 failed=0 skipped=0 timeout=0\n"
SUMMARY_BAD = "SUMMARY passed=1 failed=1 skipped=0 timeout=0\n"
RESULTS = ("CHECK a.1 PASS first\r\nCHECK a.2 FAIL second one\r\n"
           "RESULT a FAIL checks=2 failed=1 ms=12 backend=svm reason=\"x y\"\r\n"
           "RESULT b PASS checks=3 failed=0 ms=0\r\n")


def test_parsers_read_crlf_lines():
    checks = hvrun.parse_checks(RESULTS)
    assert [(c["test"], c["n"], c["status"], c["message"]) for c in checks] == \
        [("a", 1, "PASS", "first"), ("a", 2, "FAIL", "second one")]
    a, b = hvrun.parse_results(RESULTS)
    assert (a["status"], a["checks"], a["failed"], a["ms"], a["backend"], a["reason"]) == \
        ("FAIL", 2, 1, 12, "svm", "x y")
    assert (b["status"], b["backend"], b["reason"]) == ("PASS", None, None)
    assert hvrun.parse_summaries(SUMMARY_BAD) == \
        [{"passed": 1, "failed": 1, "skipped": 0, "timeout": 0}]


@pytest.mark.parametrize("message,facts", [
    ("demand: nested faults for fresh pages: pages=64 faults=64", {"pages": 64, "faults": 64}),
    # hex, negative, words; "(" may precede a key; , ; ) . : end a value
    ("copy: got=0x25740d2cf7 want=-14 (first error=ok), x=y; ts=1.",
     {"got": 0x25740d2cf7, "want": -14, "error": "ok", "x": "y", "ts": 1}),
    # quoted text; a repeated key keeps its first value; upper-case words
    # (CR0.PG=1) and glued ones (fs:0=) are prose
    ('oob: decoded="guest0.0: EPT violation at gpa=0x7f000000" gpa=1 CR0.PG=1 fs:0=2',
     {"decoded": "guest0.0: EPT violation at gpa=0x7f000000", "gpa": 1}),
    # a quoted value cut at the message length limit runs to the end
    ('raw=0x2 decoded="guest0.0: VM-entry failure: bits 0x1 viol',
     {"raw": 2, "decoded": "guest0.0: VM-entry failure: bits 0x1 viol"}),
    ("backend=svm exits=12 faults=0 ticks=3 reg rax=0x5: seen rax=0x6",
     {"backend": "svm", "exits": 12, "faults": 0, "ticks": 3, "rax": 5}),
    ("boot: last byte of guest memory readable", {}),
])
def test_check_facts(message, facts):
    """docs/CONSOLE.md: the key=value facts of a CHECK message."""
    assert hvrun.facts(message) == facts
    line = "CHECK t.1 PASS %s\r\n" % message
    assert hvrun.parse_checks(line)[0]["facts"] == facts


def test_table_shows_failed_checks():
    table = hvrun.result_table(RESULTS + SUMMARY_BAD).splitlines()
    assert table[1].split() == ["a", "FAIL", "2", "1", "12", "svm", "(x", "y)"]
    assert table[2].split() == ["b", "PASS", "3", "0", "0", "-"]
    assert table[3] == "  FAILED CHECK a.2: second one"
    assert table[4] == SUMMARY_BAD.strip()


@pytest.mark.parametrize("signal_seen,text,status", [
    ("pass", SUMMARY_OK, hvrun.PASS),
    ("pass", "", hvrun.NORESULT),                 # a bare exit code is never PASS
    ("pass", SUMMARY_BAD, hvrun.FAIL),            # lines contradict the signal
    ("pass", "RESULT a TIMEOUT checks=0 failed=0 ms=9\n" + SUMMARY_OK, hvrun.FAIL),
    ("fail", SUMMARY_BAD, hvrun.FAIL),
    ("fail", "", hvrun.FAIL),
    ("none", SUMMARY_OK, hvrun.NORESULT),         # triple fault after the summary
    ("timeout", SUMMARY_OK, hvrun.TIMEOUT),
])
def test_verdict(signal_seen, text, status):
    assert hvrun.verdict(text, signal_seen)[0] == status


@pytest.mark.parametrize("rc,seen", [(33, "pass"), (35, "fail"), (0, "none"),
                                     (1, "none"), (None, "timeout")])
def test_qemu_exit_codes(rc, seen):
    assert hvrun.qemu_signal(rc) == seen


QUIT0 = "00075i[SIM   ] quit_sim called with exit code 0\n"
QUIT1 = "00075p[CPU0  ] >>PANIC<< exception(): 3rd (13) exception with no resolution\n" \
        "00075i[SIM   ] quit_sim called with exit code 1\n"


@pytest.mark.parametrize("rc,blog,serial,seen", [
    (0, QUIT0, SUMMARY_OK, "pass"),
    (-signal.SIGSEGV, QUIT0, SUMMARY_OK, "pass"),  # the rare segfault after quit
    (139, QUIT0, SUMMARY_OK, "pass"),
    (-signal.SIGSEGV, QUIT1, "", "none"),          # triple fault, then segfault
    (-signal.SIGSEGV, "", SUMMARY_OK, "none"),     # segfault without a clean quit
    (1, "", SUMMARY_BAD, "fail"),                  # "Shutdown" on port 0x8900
    (1, QUIT1, "", "none"),                        # triple fault
    (None, "", "", "timeout"),
])
def test_bochs_exit_codes(rc, blog, serial, seen):
    assert hvrun.bochs_signal(rc, blog, serial) == seen


def test_segfault_after_quit_needs_the_serial_result():
    seen = hvrun.bochs_signal(-signal.SIGSEGV, QUIT0, "")
    assert hvrun.verdict("", seen)[0] == hvrun.NORESULT


def test_kvm_only_with_vmx_or_svm():
    out = subprocess.run([os.path.join(TOP, "scripts", "run-qemu"), "--detect-accel"],
                         capture_output=True, text=True)
    with open("/proc/cpuinfo") as f:
        flags = set(" ".join(l.split(":", 1)[1] for l in f if l.startswith("flags")).split())
    if not flags & {"vmx", "svm"}:
        assert out.returncode == 1
        assert out.stdout.startswith("kvm: no (") and "neither vmx nor svm" in out.stdout
    else:
        assert out.stdout.startswith("kvm: yes" if out.returncode == 0 else "kvm: no")


def test_mkimage_caches_by_content(kernel, tmp_path):
    mk = os.path.join(TOP, "scripts", "mkimage.sh")
    mod = tmp_path / "m.bin"
    mod.write_bytes(b"one")

    def image(cmdline):
        r = subprocess.run([mk, "-k", kernel, "-c", cmdline, str(mod)],
                           capture_output=True, text=True, check=True)
        return r.stdout.strip()
    a = image("run=aspace")
    assert image("run=aspace") == a and os.path.isfile(a)
    cfg = tmp_path / "grub.cfg"
    subprocess.run(["xorriso", "-osirrox", "on", "-indev", a, "-extract",
                    "/boot/grub/grub.cfg", str(cfg)], capture_output=True, check=True)
    lines = [line.strip() for line in cfg.read_text().splitlines()]
    assert [line for line in lines if line.startswith("multiboot2")] == \
        ["multiboot2 /boot/testkern.elf run=aspace"]
    # one module line, inside the menu entry (never in a comment or at top level)
    assert [line for line in lines if "m.bin" in line] == ["module2 /boot/mod/m.bin m.bin"]
    assert lines.index("module2 /boot/mod/m.bin m.bin") > lines.index(
        "multiboot2 /boot/testkern.elf run=aspace")
    assert image("run=copyin") != a
    mod.write_bytes(b"two")
    assert image("run=aspace") != a
    bad = subprocess.run([mk, "-k", kernel, "-c", "x; reboot"], capture_output=True, text=True)
    assert bad.returncode == 1 and "unsupported character" in bad.stderr
