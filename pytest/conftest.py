"""Fixtures that boot testkern images in QEMU or Bochs and drive the COM1 shell.

    def test_x(boot):
        con = boot("svm", smp=2)            # waits for the first `hv> `
        out = con.cmd("cpus")               # text between the command and the next prompt
        res = con.run("aspace")             # parsed CHECK/RESULT/SUMMARY lines
        res.facts("aspace", 1)              # the key=value facts of CHECK aspace.1

    def test_y(boot, backend):              # one item per backend: svm, vmx
        con = boot(backend)

A test names the backend it wants, "svm" or "vmx"; the `backend` fixture
runs a test once per backend (marks qemu+svm, bochs+vmx).  What really boots
it is scripts/hvaccel.py's decision (accel(backend)): QEMU+KVM on a host of
that vendor with nested KVM, else QEMU TCG (svm) or Bochs (vmx).  The
decisions are printed in pytest's header and added to the report of a
failed test.

The kernel is build/testkern.elf (HV_KERNEL overrides it).  Each boot's serial
log is kept as build/logs/<test id>[.N].log; on failure the last 60 lines are
added to the report.  Result-line parsing lives in scripts/hvrun.py, shared
with the runners.
"""
import fcntl
import glob
import json
import os
import re
import subprocess
import sys

import pexpect
import pytest

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "scripts"))
import hvaccel  # noqa: E402
import hvrun  # noqa: E402

LOGDIR = os.path.join(TOP, "build", "logs")
PROMPT = "hv> "
TAIL_LINES = 60
# Seconds from emulator start to the first prompt before the boot counts as
# failed, by the runner that boots.
BOOT_TIMEOUT = {"qemu": 30, "bochs": 90}
# The `backend` fixture's items: each backend with the markers of what boots
# it unless nested KVM does (pytest_configure describes them).
BACKEND_PARAMS = [
    pytest.param("svm", marks=[pytest.mark.qemu, pytest.mark.svm], id="svm"),
    pytest.param("vmx", marks=[pytest.mark.bochs, pytest.mark.vmx], id="vmx"),
]


def accel(backend):
    """hvaccel's Decision for backend: .runner (qemu, bochs), .accel (kvm,
    tcg, bochs), .cpu, .why.  Tests check emulator-specific values only
    under the emulator that has them."""
    return hvaccel.decide(backend)


def runner_cmd(backend, cpu=None):
    """(runner argv prefix, one-line description) that boots backend; cpu:
    another CPU model than hvaccel's."""
    d = accel(backend)
    if cpu is not None:
        d = d._replace(cpu=cpu)
    return hvaccel.runner_argv(d), hvaccel.describe(d)


class BootError(Exception):
    pass


class Console:
    """The testkern shell on COM1 of one emulator run (pexpect on run-qemu or
    run-bochs with --serial stdio), booting `backend` as hvaccel decides."""

    def __init__(self, backend, image, log, smp, mem, extra):
        self.emulator = accel(backend).runner
        self.log = log
        self.status = None
        runner, self.accel = runner_cmd(backend)
        argv = runner[1:] + ["-i", image, "-n", str(smp), "-m", mem, "--serial", "stdio",
                             "--log", log, "--timeout", "600"] + list(extra)
        self.p = pexpect.spawn(runner[0], argv, encoding="utf-8", codec_errors="replace",
                               timeout=30, echo=False)

    def _fail_text(self, what):
        # the report adds the log tail (pytest_runtest_makereport)
        return "%s %s; serial log %s" % (self.emulator, what, self.log)

    def wait_prompt(self, timeout):
        """Wait for `hv> `; a dead emulator or a silent one raises BootError
        at once with the runner's verdict, not a late pytest timeout."""
        i = self.p.expect_exact([PROMPT, pexpect.EOF, pexpect.TIMEOUT], timeout=timeout)
        if i == 1:
            self.close()
            raise BootError(self._fail_text(
                "exited before the prompt (runner status %s: %s)" % (
                    self.status, runner_line(self.p.before))))
        if i == 2:
            raise BootError(self._fail_text("gave no `hv> ` prompt within %d s" % timeout))
        return hvrun.clean(self.p.before)

    def cmd(self, line, timeout=30):
        """Send one command line; return its output (echo and prompt removed)."""
        self.p.send(line + "\r")
        out = self.wait_prompt(timeout)
        lines = out.split("\n")
        if lines and lines[0].strip() == line.strip():
            lines = lines[1:]
        return "\n".join(lines).rstrip("\n")

    def expect(self, regex, timeout=30):
        """Wait for regex in the output; returns the match object."""
        i = self.p.expect([regex, pexpect.EOF, pexpect.TIMEOUT], timeout=timeout)
        if i != 0:
            raise BootError(self._fail_text("never printed /%s/ (%s)" % (
                regex, "emulator exited" if i == 1 else "timeout %d s" % timeout)))
        return self.p.match

    def run(self, names, timeout=60):
        """`run NAMES` and its parsed result lines."""
        out = self.cmd("run " + names, timeout=timeout)
        return Results(out)

    def poweroff(self, timeout=30):
        """`poweroff`; returns the runner's exit status (hvrun.PASS...)."""
        self.p.send("poweroff\r")
        self.p.expect(pexpect.EOF, timeout=timeout)
        self.close()
        return self.status

    def close(self):
        if self.status is None:
            self.p.close(force=True)
            self.status = self.p.exitstatus if self.p.exitstatus is not None else \
                -(self.p.signalstatus or 0)


class Results:
    def __init__(self, text):
        self.text = hvrun.clean(text)
        self.checks = hvrun.parse_checks(text)
        self.results = hvrun.parse_results(text)
        summaries = hvrun.parse_summaries(text)
        self.summary = summaries[-1] if summaries else None

    def result(self, test):
        found = [r for r in self.results if r["test"] == test]
        assert len(found) == 1, "expected one RESULT line for %s in:\n%s" % (test, self.text)
        return found[0]

    def checks_of(self, test):
        return [c for c in self.checks if c["test"] == test]

    def facts(self, test, n):
        """The facts (key=value, docs/CONSOLE.md) of CHECK <test>.<n>."""
        found = [c for c in self.checks_of(test) if c["n"] == n]
        assert len(found) == 1, "expected one CHECK %s.%d in:\n%s" % (test, n, self.text)
        return found[0]["facts"]


SYSCTL_LEAF_RE = re.compile(r"([a-z0-9_.]+): (.*)")


def sysctl_leaves(out):
    """`sysctl` output (docs/CONSOLE.md: `name: value` lines) as a list of
    (name, value) in the printed order; any other line fails the test."""
    found = [SYSCTL_LEAF_RE.fullmatch(line) for line in out.splitlines()]
    assert all(found), "line not `name: value` in:\n" + out
    return [(m[1], m[2]) for m in found]


def runner_line(text):
    m = re.search(r"run-\w+: .*", hvrun.clean(text or ""))
    return m.group(0) if m else "no status line"


def log_tail(path, n=TAIL_LINES):
    return "\n".join(hvrun.clean(hvrun.read_log(path)).splitlines()[-n:])


def log_name(nodeid):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")


def run_id(config):
    """One id per pytest run, the same in every xdist worker."""
    worker = getattr(config, "workerinput", None)
    return worker["testrunuid"] if worker else str(os.getpid())


def shared_boot(config, name, image, backend, ncpus, timeout, argv=None, cpu=None):
    """Boot image through the runner (`run=` images: no shell) once per pytest
    run and name: xdist workers share the outcome through a locked
    build/logs/<name>.json, so the boot happens once however the tests are
    distributed.  argv: another command that boots image and writes its
    serial log to build/logs/<name>.log, instead of the runner.  cpu:
    another CPU model than hvaccel's (runner_cmd).
    -> (runner's status, its stderr, serial log path, hvaccel's description
    of what booted it)."""
    os.makedirs(LOGDIR, exist_ok=True)
    base = os.path.join(LOGDIR, name)
    log = base + ".log"
    uid = run_id(config)
    runner, how = runner_cmd(backend, cpu)
    with open(base + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(base + ".json") as f:
                prev = json.load(f)
        except (OSError, ValueError):
            prev = {}
        if prev.get("run") == uid and prev.get("image") == image:
            status, stderr = prev["status"], prev["stderr"]
        else:
            p = subprocess.run(argv or runner + ["-i", image, "-n", str(ncpus), "--serial",
                                                 "file", "--log", log, "--timeout", str(timeout)],
                               capture_output=True, text=True)
            status, stderr = p.returncode, p.stderr.strip()
            with open(base + ".json", "w") as f:
                json.dump({"run": uid, "image": image, "status": status,
                           "stderr": stderr, "accel": how}, f)
    return status, stderr, log, how


@pytest.fixture(scope="session")
def kernel():
    path = os.environ.get("HV_KERNEL", os.path.join(TOP, "build", "testkern.elf"))
    if not os.path.isfile(path):
        pytest.exit("no kernel %s: run `make kernel` (make test-qemu does)" % path, 2)
    return path


@pytest.fixture(scope="session")
def make_image(kernel):
    """make_image(cmdline, modules=None) -> ISO path (cached by scripts/mkimage.sh).
    modules defaults to every built guest and every guests/*.scn scenario, as
    in build/hv.iso."""
    def make(cmdline="shell", modules=None):
        if modules is None:
            modules = sorted(glob.glob(os.path.join(TOP, "build", "guests", "*.bin"))) + \
                sorted(glob.glob(os.path.join(TOP, "guests", "*.scn")))
        r = subprocess.run([os.path.join(TOP, "scripts", "mkimage.sh"), "-k", kernel,
                            "-c", cmdline] + list(modules),
                           capture_output=True, text=True)
        if r.returncode:
            pytest.fail("mkimage.sh failed:\n" + r.stderr)
        return r.stdout.strip()
    return make


@pytest.fixture
def logfile(request):
    """logfile(backend) -> a fresh build/logs/<test id>[.N].log path for this
    test's next boot of backend (the report of a failure names the
    accelerator of each)."""
    os.makedirs(LOGDIR, exist_ok=True)
    base = os.path.join(LOGDIR, log_name(request.node.nodeid))
    made = []
    request.node.hv_accels = []

    def new(backend):
        path = base + (".%d" % len(made) if made else "") + ".log"
        made.append(path)
        request.node.hv_accels.append("%s: %s" % (path, runner_cmd(backend)[1]))
        return path
    request.node.hv_logs = made
    return new


def check_backend(backend):
    if backend not in hvaccel.BACKENDS:
        pytest.fail("unknown backend %r (want one of %s)" % (
            backend, ", ".join(hvaccel.BACKENDS)), pytrace=False)


@pytest.fixture(params=BACKEND_PARAMS)
def backend(request):
    """Each backend in turn: a test taking it runs once on svm, once on vmx."""
    return request.param


@pytest.fixture
def boot(make_image, logfile):
    """boot(backend="svm", smp=1, cmdline="shell", mem="256M", modules=None,
    extra=()) -> Console at the first prompt, booted as hvaccel decides for
    that backend.  Emulators still running at the end of the test are
    killed."""
    consoles = []

    def start(backend="svm", smp=1, cmdline="shell", mem="256M", modules=None,
              extra=(), boot_timeout=None):
        check_backend(backend)
        image = make_image(cmdline, modules)
        con = Console(backend, image, logfile(backend), smp, mem, extra)
        consoles.append(con)
        try:
            con.banner = con.wait_prompt(boot_timeout or BOOT_TIMEOUT[con.emulator])
            return con
        except BootError as e:
            failure = str(e)
        pytest.fail(failure, pytrace=False)

    yield start
    for con in consoles:
        con.close()


@pytest.fixture
def run_batch(make_image, logfile):
    """run_batch(tests, backend="svm", smp=1, timeout=120, extra=()) ->
    (status, Results, runner's stderr): boots with `run=TESTS` (no shell)
    through the runner, as `make run` does."""
    def go(tests, backend="svm", smp=1, timeout=120, extra=()):
        check_backend(backend)
        image = make_image("run=" + tests)
        log = logfile(backend)
        r = subprocess.run(runner_cmd(backend)[0] + [
                            "-i", image, "-n", str(smp), "--serial", "file", "--log", log,
                            "--timeout", str(timeout)] + list(extra),
                           capture_output=True, text=True)
        return r.returncode, Results(hvrun.read_log(log)), r.stderr.strip()
    return go


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        if getattr(item, "hv_accels", None):
            rep.sections.append(("accelerators", "\n".join(item.hv_accels)))
        for path in getattr(item, "hv_logs", []):
            rep.sections.append(("serial log tail (full log: %s)" % path,
                                 log_tail(path)))


def pytest_configure(config):
    for name, what in (("qemu", "boots the svm backend (QEMU TCG, or QEMU+KVM on an AMD "
                                "host with nested KVM)"),
                       ("bochs", "boots the vmx backend (Bochs, or QEMU+KVM on an Intel "
                                 "host with nested KVM)"),
                       ("smp", "needs more than one CPU"),
                       ("kut", "runs kvm-unit-tests' binaries as guests (make kut)"),
                       ("vmx", "needs Intel VMX"), ("svm", "needs AMD SVM")):
        config.addinivalue_line("markers", "%s: %s" % (name, what))


def pytest_report_header(config):
    """Which accelerator boots each backend in this run, and why."""
    return ["hv accelerators (scripts/hvaccel.py):"] + [
        "  " + runner_cmd(b)[1] for b in hvaccel.BACKENDS]
