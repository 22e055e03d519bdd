"""Scenario files (guests/*.scn; grammar in guests/README.md) on both
backends: one pytest item per check line, per scenario result and per
malformed fixture.

The items are generated from the scenario files, and a few boots run them
all (shared by every item of a pytest run, across xdist workers too), each
booted as scripts/hvaccel.py decides (svm: QEMU TCG -cpu max, vmx: Bochs
Haswell, either as QEMU+KVM on a host of its vendor with nested KVM):
  svm1  svm, 1 CPU    scn.hang first, then every scenario, then the
                      guests/malformed/ fixtures
  svm2  svm, 2 CPUs   scn.hang first, then every scenario
  vmx   vmx, 2 CPUs   scn.hang first, then every scenario
Without its quirk every scenario must PASS (scn.hang: TIMEOUT by design);
test_quirks.py runs the historic-bug scenarios with their quirk on.  The
scenario files are read through the project's parser (build/scn-info).
"""
import glob
import json
import os
import re
import subprocess

import pytest

import hvrun
from conftest import TOP, Results, shared_boot

GUESTS = os.path.join(TOP, "guests")
SCN_INFO = os.path.join(TOP, "build", "scn-info")
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
# guests/malformed/*.scn: the message (after FILE:) the kernel and
# build/scn-info must both give.
MALFORMED = {
    "bad_absent": "5: quirk-absent: svm is not one of the scenario's backends",
    "bad_action": "3: on mark: unknown action 'fly' (the actions are listed in "
                  "guests/README.md)",
    "bad_args": "3: on mark: pageout takes 2 arguments, got 1 (usage: pageout GPA LEN)",
    "bad_cpu": "2: cpu: phys-bits 53 is out of range 32..52",
    "bad_dup": "3: vcpus: duplicate (first on line 2; at most one per file)",
    "bad_mem": "2: mem: 3M is out of range 4M..1G",
    "bad_noguest": "3: no 'guest IMAGE' line in the file",
    "bad_nosymptom": "2: quirk: no 'symptom /REGEX/' line: what the quirk shows is needed",
    "bad_range": "2: expect marks: '9..2' is not a range (N, A..B with A <= B, A.. or ..B)",
    "bad_regex": "3: expect serial: bad regex /[abc/: unterminated [class]",
    "bad_vcpus": "2: vcpus: 9 is out of range 1..8",
}


def scn_info(paths):
    """Scenario files as the project's parser reads them (build/scn-info,
    testkern/scn/scn_info.c: the kernel's parser and action table built for
    this machine; `make` builds it): one dict per file, "error" set when
    the file is malformed."""
    if not os.access(SCN_INFO, os.X_OK):
        raise RuntimeError("%s is missing: run `make build/scn-info` (make test-qemu "
                           "builds it)" % SCN_INFO)
    out = subprocess.run([SCN_INFO] + paths, check=True, capture_output=True,
                         text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


class Scenario:
    """What the harness needs from a .scn file, from build/scn-info."""

    def __init__(self, info):
        assert info["error"] is None, info["error"]
        self.path = info["file"]
        self.name = os.path.basename(self.path)[:-4]
        self.expects = info["expects"]      # the text after `expect `, in file order
        self.backends = set(info["backends"])
        self.cpus = info["cpus"]
        self.quirk = info["quirk"] or None
        self.symptom = info["symptom"] or None
        self.quirk_on = set(info["quirk_on"])   # backends with a quirk-on run
        self.quirk_absent = info["quirk_absent"]  # {backend: why not}

    def result_for(self, backend, ncpus):
        if backend not in self.backends or ncpus < self.cpus:
            return "SKIP"
        return EXPECT_RESULT.get(self.name, "PASS")

    def check_for(self, n, backend, ncpus):
        r = self.result_for(backend, ncpus)
        return "SKIP" if r == "SKIP" else EXPECT_CHECK.get((self.name, n), "PASS")


SCENARIOS = [Scenario(i) for i in scn_info(sorted(glob.glob(os.path.join(GUESTS, "*.scn"))))]
BY_NAME = {s.name: s for s in SCENARIOS}
MALFORMED_FILES = sorted(glob.glob(os.path.join(GUESTS, "malformed", "*.scn")))
MALFORMED_INFO = {os.path.basename(i["file"])[:-4]: i for i in scn_info(MALFORMED_FILES)}


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


@pytest.mark.timeout(600)
@pytest.mark.parametrize("boot", [pytest.param(b, marks=BOOT_MARKS[BOOTS[b][0]], id=b)
                                  for b in BOOTS])
def test_flood_drop_summary(batch, boot):
    """scn.flood (guests/flood.asm): of the 4537 lines its first console
    window got, 100 were printed; the 4437 others (3413 characters) are
    named by one summary line, printed when the next window opens, right
    before the guest's last line, and by no other line."""
    b = batch(boot)
    text = hvrun.clean(b.res.text)
    end = text.index("\nRESULT scn.flood ")
    seg = text[text.rfind("\nRESULT ", 0, end):end]
    drops = hvrun.parse_console_drops(seg)
    assert [(d["lines"], d["bytes"]) for d in drops] == [(4437, 3413)], b.log
    vm = drops[0]["vm"]
    assert re.search(r"^guest%d: 4437 console lines dropped \(3413 bytes\)\n"
                     r"guest%d\.0: after the flood$" % (vm, vm), seg, re.M), b.log


def test_malformed_fixtures_listed():
    """Every fixture in guests/malformed/ has its expected message here."""
    assert sorted(MALFORMED) == sorted(MALFORMED_INFO)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_scn_info(name):
    """build/scn-info gives the expected message: FILE:LINE: directive: what."""
    assert MALFORMED_INFO[name]["error"] == "%s.scn:%s" % (name, MALFORMED[name])


@pytest.mark.qemu
@pytest.mark.svm
@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed(batch, name):
    """A malformed file: `error: FILE:LINE: message`, RESULT FAIL with that
    reason and no check, and the run went on (the next RESULT is there)."""
    b = batch("svm1")
    want = re.escape("%s.scn:%s" % (name, MALFORMED[name]))
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
