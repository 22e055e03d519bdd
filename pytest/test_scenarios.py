"""Scenario files (guests/*.scn; grammar in guests/README.md) on both
backends: one pytest item per check line, per scenario result, per
malformed fixture and per declared quirk.

The items are generated from the scenario files, and a few boots run them
all (shared by every item of a pytest run, across xdist workers too), each
booted as scripts/hvaccel.py decides (svm: QEMU TCG -cpu max, vmx: Bochs
Haswell, either as QEMU+KVM on a host of its vendor with nested KVM):
  svm1  svm, 1 CPU    scn.hang first, then every scenario, then the
                      guests/malformed/ fixtures
  svm2  svm, 2 CPUs   scn.hang first, then every scenario
  vmx   vmx, 2 CPUs   scn.hang first, then every scenario
  quirk one boot per (backend, quirk) with hw.vmm.quirk.NAME=1 on the kernel
        command line, running the scenarios that declare that quirk
Without its quirk every scenario must PASS (scn.hang: TIMEOUT by design);
with it, FAIL or TIMEOUT with the declared symptom in the RESULT reason.
"""
import glob
import os
import re

import pytest

import hvrun
from conftest import TOP, Results, shared_boot

GUESTS = os.path.join(TOP, "guests")
BOOT_TIMEOUT = {"svm": 120, "vmx": 400}
BOOTS = {  # name: (backend, CPUs, with the malformed fixtures)
    "svm1": ("svm", 1, True),
    "svm2": ("svm", 2, False),
    "vmx": ("vmx", 2, False),
}
BOOT_MARKS = {"svm": [pytest.mark.qemu, pytest.mark.svm],
              "vmx": [pytest.mark.bochs, pytest.mark.vmx]}
# Scenarios whose outcome without a quirk is not PASS, and their checks.
EXPECT_RESULT = {"hang": "TIMEOUT"}
EXPECT_CHECK = {("hang", 1): "TIMEOUT"}
# The first two scenarios of each batch: the hang, then one that must pass.
FIRST, SECOND = "hang", "hello"
# guests/malformed/*.scn: the line and message the kernel must print.
MALFORMED = {
    "bad_action": (3, r"unknown action 'fly'"),
    "bad_dup": (3, r"duplicate 'vcpus'"),
    "bad_noguest": (3, r"no 'guest IMAGE' line in the file"),
    "bad_range": (2, r"bad range '9\.\.2'"),
    "bad_regex": (3, r"unterminated \[class\] '\[abc'"),
}


class Scenario:
    """What the harness needs from a .scn file (the kernel parses it for real)."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-4]
        self.expects = []          # the text after `expect `, in file order
        self.backends = {"svm", "vmx"}
        self.cpus = 1
        self.quirk = None
        self.symptom = None
        self.quirk_backends = None  # `# quirk-backends: vmx ...` (default: backends)
        with open(path) as f:
            for line in f:
                words = line.split()
                if words[:2] == ["#", "quirk-backends:"]:
                    self.quirk_backends = set(words[2:])
                if not words or words[0].startswith("#"):
                    continue
                rest = line.strip()[len(words[0]):].strip()
                if words[0] == "expect":
                    self.expects.append(rest)
                elif words[0] == "backends":
                    self.backends = set(words[1:])
                elif words[0] == "cpus":
                    self.cpus = int(words[1], 0)
                elif words[0] == "quirk":
                    self.quirk = words[1]
                elif words[0] == "symptom":
                    self.symptom = rest[1:-1]

    def result_for(self, backend, ncpus):
        if backend not in self.backends or ncpus < self.cpus:
            return "SKIP"
        return EXPECT_RESULT.get(self.name, "PASS")

    def check_for(self, n, backend, ncpus):
        r = self.result_for(backend, ncpus)
        return "SKIP" if r == "SKIP" else EXPECT_CHECK.get((self.name, n), "PASS")


SCENARIOS = [Scenario(p) for p in sorted(glob.glob(os.path.join(GUESTS, "*.scn")))]
BY_NAME = {s.name: s for s in SCENARIOS}
MALFORMED_FILES = sorted(glob.glob(os.path.join(GUESTS, "malformed", "*.scn")))


def order():
    """Scenario names in batch order: FIRST, SECOND, then the rest by name."""
    return [FIRST, SECOND] + [s.name for s in SCENARIOS if s.name not in (FIRST, SECOND)]


def modules(malformed=False):
    mods = sorted(glob.glob(os.path.join(TOP, "build", "guests", "*.bin")))
    mods += [s.path for s in SCENARIOS]
    return mods + (MALFORMED_FILES if malformed else [])


class Boot:
    def __init__(self, status, res, log, stderr):
        self.status, self.res, self.log, self.stderr = status, res, log, stderr

    def result(self, name):
        found = [r for r in self.res.results if r["test"] == "scn." + name]
        assert len(found) == 1, "want one RESULT for scn.%s in %s" % (name, self.log)
        return found[0]


@pytest.fixture(scope="module")
def boots(make_image, request):
    """boots(key, backend, ncpus, cmdline, mods) -> Boot, once per key and
    pytest run; xdist workers share it through a locked result file."""
    done = {}

    def get(key, backend, ncpus, cmdline, mods):
        if key in done:
            return done[key]
        image = make_image(cmdline, mods)
        status, stderr, log, _ = shared_boot(request.config, "test_scenarios_%s" % key,
                                             image, backend, ncpus, BOOT_TIMEOUT[backend])
        done[key] = Boot(status, Results(hvrun.read_log(log)), log, stderr)
        return done[key]
    return get


@pytest.fixture(scope="module")
def batch(boots):
    """batch(name) -> Boot of one of BOOTS (every scenario, no quirk)."""
    def get(name):
        backend, ncpus, malformed = BOOTS[name]
        names = ["scn." + n for n in order()]
        if malformed:
            names += ["scn." + os.path.basename(p)[:-4] for p in MALFORMED_FILES]
        return boots(name, backend, ncpus, "run=" + ",".join(names), modules(malformed))
    return get


def boot_params(items):
    """pytest params over BOOTS x items, marked by backend."""
    return [pytest.param(b, *it, marks=BOOT_MARKS[BOOTS[b][0]],
                         id="%s-%s" % (b, "-".join(str(x) for x in it)))
            for b in BOOTS for it in items]


CHECK_ITEMS = [(s.name, n) for s in SCENARIOS for n in range(1, len(s.expects) + 1)]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("boot,scn,n", boot_params(CHECK_ITEMS))
def test_check(batch, boot, scn, n):
    """One expectation of one scenario: its CHECK line has the stable id
    scn.NAME.n, the wanted status, the backend and the counters."""
    b = batch(boot)
    backend, ncpus, _ = BOOTS[boot]
    s = BY_NAME[scn]
    found = [c for c in b.res.checks if c["test"] == "scn." + scn and c["n"] == n]
    assert len(found) == 1, "no single CHECK scn.%s.%d in %s" % (scn, n, b.log)
    c = found[0]
    want = s.check_for(n, backend, ncpus)
    assert c["status"] == want, "CHECK scn.%s.%d: %s (want %s): %s (log %s)" % (
        scn, n, c["status"], want, c["message"], b.log)
    m = re.match(r"backend=(\w+) exits=(\d+) faults=(\d+) ticks=(\d+) (.*)$", c["message"])
    assert m, c["message"]
    assert m[1] == backend
    assert m[5].startswith(s.expects[n - 1] + ": ")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("boot,scn", boot_params([(s.name,) for s in SCENARIOS]))
def test_result(batch, boot, scn):
    """The scenario's RESULT: status, one check per expectation, the counters,
    and no page left behind (pages=0: scenarios are independent)."""
    b = batch(boot)
    backend, ncpus, _ = BOOTS[boot]
    s = BY_NAME[scn]
    r = b.result(scn)
    want = s.result_for(backend, ncpus)
    assert r["status"] == want, "scn.%s: %s (want %s) reason %r (log %s)" % (
        scn, r["status"], want, r["reason"], b.log)
    assert r["backend"] == backend
    assert r["checks"] == len(s.expects)
    assert set(r["fields"]) == {"exits", "faults", "ticks", "pages"}
    assert r["fields"]["pages"] == 0, "scn.%s left %d pages" % (scn, r["fields"]["pages"])
    if want == "PASS":
        assert r["failed"] == 0 and r["fields"]["exits"] > 0


@pytest.mark.timeout(600)
@pytest.mark.parametrize("boot", [pytest.param(b, marks=BOOT_MARKS[BOOTS[b][0]], id=b)
                                  for b in BOOTS])
def test_hang_then_next(batch, boot):
    """scn.hang spins with IF=0: the progress watchdog (1000 ms) ends it as
    TIMEOUT naming the last exit (a host-interrupt exit: the preemption timer
    on VMX, the INTR intercept on SVM); the next scenario in the same boot
    still runs and passes, and the SUMMARY agrees with the RESULT lines."""
    b = batch(boot)
    backend, ncpus, malformed = BOOTS[boot]
    r = b.result("hang")
    assert re.fullmatch(r"watchdog: no progress for 1000 ms; last exit vcpu0 host "
                        r"interrupt \(raw reason 0x[0-9a-f]+\)", r["reason"]), r["reason"]
    assert 1000 <= r["ms"] < 3000
    tests = [x["test"] for x in b.res.results]
    assert tests[0] == "scn.hang"
    nxt = b.result(order()[1])
    assert nxt["status"] == BY_NAME[order()[1]].result_for(backend, ncpus) == "PASS"
    n = len(SCENARIOS) + (len(MALFORMED_FILES) if malformed else 0)
    assert len(b.res.results) == n, b.log
    tally = {k: sum(1 for x in b.res.results if x["status"] == v)
             for k, v in (("passed", "PASS"), ("failed", "FAIL"), ("skipped", "SKIP"),
                          ("timeout", "TIMEOUT"))}
    assert b.res.summary == tally, b.log
    assert b.status == hvrun.FAIL, b.stderr


@pytest.mark.qemu
@pytest.mark.svm
@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed(batch, name):
    """A malformed file: `error: FILE:LINE: message`, RESULT FAIL with that
    reason and no check, and the run went on (the next RESULT is there)."""
    b = batch("svm1")
    line, msg = MALFORMED[name]
    want = r"%s\.scn:%d: %s" % (name, line, msg)
    assert re.search(r"^error: %s$" % want, hvrun.clean(b.res.text), re.M), b.log
    r = b.result(name)
    assert r["status"] == "FAIL" and r["checks"] == 0 and r["backend"] == "svm"
    assert r["fields"] == {"exits": 0, "faults": 0, "ticks": 0, "pages": 0}
    assert re.fullmatch(want, r["reason"]), r["reason"]


@pytest.mark.qemu
@pytest.mark.svm
def test_shell_list_and_run(boot):
    """Scenarios are tests like the others: `list` shows scn.NAME with the
    file's descr, `run` takes their names and globs."""
    con = boot("svm")
    listed = {}
    for line in con.cmd("list").splitlines():
        m = re.fullmatch(r"  (\S+)  +(\S.*)", line)
        assert m, line
        listed[m[1]] = m[2]
    assert listed["scn.hello"] == \
        "hello.bin prints through HC_PUTS and COM1 and exits 0"
    assert {"scn." + s.name for s in SCENARIOS} <= set(listed)
    res = con.run("scn.hel* scn.pageout", timeout=60)
    assert [r["test"] for r in res.results] == ["scn.hello", "scn.pageout"]
    assert all(r["status"] == "PASS" for r in res.results)
    assert res.summary == {"passed": 2, "failed": 0, "skipped": 0, "timeout": 0}


QUIRKS = sorted({s.quirk for s in SCENARIOS if s.quirk})
QUIRK_ITEMS = [pytest.param(backend, s.name, marks=BOOT_MARKS[backend],
                            id="%s-%s" % (backend, s.name))
               for s in SCENARIOS if s.quirk for backend in ("svm", "vmx")
               if backend in s.backends and backend in (s.quirk_backends or s.backends)]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend,scn", QUIRK_ITEMS)
def test_quirk(boots, backend, scn):
    """With hw.vmm.quirk.NAME=1 the scenario that declares NAME must FAIL or
    TIMEOUT, its reason matching the declared symptom (without the quirk the
    batches above require PASS)."""
    s = BY_NAME[scn]
    same = [x.name for x in SCENARIOS if x.quirk == s.quirk and backend in x.backends and
            backend in (x.quirk_backends or x.backends)]
    b = boots("quirk_%s_%s" % (backend, s.quirk), backend, 2,
              "hw.vmm.quirk.%s=1 run=%s" % (s.quirk, ",".join("scn." + n for n in same)),
              modules())
    r = b.result(scn)
    assert r["status"] in ("FAIL", "TIMEOUT"), "scn.%s with quirk %s: %s (log %s)" % (
        scn, s.quirk, r["status"], b.log)
    assert s.symptom, "scn.%s declares quirk %s but no symptom" % (scn, s.quirk)
    assert re.search(s.symptom, r["reason"] or ""), \
        "symptom /%s/ not in reason %r (log %s)" % (s.symptom, r["reason"], b.log)
