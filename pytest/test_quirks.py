"""The historic 2013 bugs, quirk switches off and on (hw.vmm.quirk.*).

The scenario side (guests/<bug>.scn with `quirk`/`symptom`) is run by
test_scenarios.py: PASS in the no-quirk batches, the symptom in the RESULT
reason with the quirk on.  Here:
  - each scenario x backend whose quirk has no honest analogue there
    (`# quirk-skip: BACKEND: why` in the .scn) is an explicit SKIP item;
  - the kernel tests of testkern/vmtests_hist.c (hist_*), which drive the
    same bugs through the vmtests runner (longer-lived TLS checker threads on
    both CPUs, four reboots under two running vCPUs, ...), run on each
    backend (2 CPUs) once with every quirk off (all PASS, no symptom line)
    and once with every quirk on (each FAILs naming its own symptom, or SKIPs
    where the quirk has no analogue), followed by vm_hello to show the host
    survived all of it.
"""
import re

import pytest

from test_scenarios import SCENARIOS, boots, modules  # noqa: F401 (fixture)

BACKENDS = ("svm", "vmx")
MARKS = {"svm": [pytest.mark.qemu, pytest.mark.svm, pytest.mark.smp],
         "vmx": [pytest.mark.bochs, pytest.mark.vmx, pytest.mark.smp]}
HEX = r"0x[0-9a-f]+"
# test: (quirk, symptom, backends where the quirk has an analogue)
HIST = {
    "hist_stale_host_cr3": ("stale_host_cr3",
                            r"copyin fault storm: va=%s cr3=%s expected=%s" % (HEX, HEX, HEX),
                            {"vmx"}),
    "hist_zero_host_fs": ("zero_host_fs",
                          r"fs base mismatch: thread=\S+ expected=%s got=%s" % (HEX, HEX),
                          {"vmx", "svm"}),
    "hist_std_copyin_on_guest": ("std_copyin_on_guest",
                                 r"syscall argument not intact: pid=\d+ op=copyin",
                                 {"vmx", "svm"}),
    "hist_no_cpusync_inval": ("no_cpusync_inval",
                              r"stale translation: gpa=0x900000 read=%s want=%s" % (HEX, HEX),
                              {"vmx", "svm"}),
    "hist_exec_frees_vmm": ("exec_frees_vmm",
                            r"use-after-free: vcpu %s ran after its teardown" % HEX,
                            {"vmx", "svm"}),
}
TESTS = sorted(HIST)
ALL_ON = " ".join("hw.vmm.quirk.%s=1" % q for q, _, _ in HIST.values())
SYMPTOMS = [s for _, s, _ in HIST.values()]


def quirk_skips(path):
    """{backend: why} from the `# quirk-skip: BACKEND: why` lines of a .scn."""
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"#\s*quirk-skip:\s*(\w+):\s*(.+?)\s*$", line)
            if m:
                out[m[1]] = m[2]
    return out


SKIP_ITEMS = [pytest.param(s.name, b, why, id="%s-%s" % (b, s.name))
              for s in SCENARIOS if s.quirk
              for b, why in sorted(quirk_skips(s.path).items())]


@pytest.mark.parametrize("scn,backend,why", SKIP_ITEMS)
def test_scenario_quirk_skip(scn, backend, why):
    """A quirk without an analogue on this backend: declared, not faked."""
    s = next(x for x in SCENARIOS if x.name == scn)
    assert backend not in (s.quirk_backends or s.backends), \
        "scn.%s declares quirk-skip %s but lists it in quirk-backends" % (scn, backend)
    pytest.skip("scn.%s with hw.vmm.quirk.%s=1 on %s: %s" % (scn, s.quirk, backend, why))


def hist_boot(boots, backend, on):  # noqa: F811 (boots is the imported fixture)
    tests = TESTS + (["vm_hello"] if on else [])
    cmd = (ALL_ON + " " if on else "") + "run=" + ",".join(tests)
    return boots("hist_%s_%s" % ("on" if on else "off", backend), backend, 2, cmd, modules())


def params():
    return [pytest.param(b, t, marks=MARKS[b], id="%s-%s" % (b, t))
            for b in BACKENDS for t in TESTS]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend,test", params())
def test_hist_quirk_off(boots, backend, test):  # noqa: F811
    """No quirk: the test passes with every check, and no detector fired."""
    b = hist_boot(boots, backend, False)
    r = b.res.result(test)
    assert r["status"] == "PASS", "%s: %s %r (log %s)" % (test, r["status"], r["reason"], b.log)
    assert r["backend"] == backend
    checks = b.res.checks_of(test)
    assert checks and all(c["status"] == "PASS" for c in checks)
    for sym in SYMPTOMS:
        assert not re.search(sym, b.res.text), "symptom /%s/ without a quirk (log %s)" % (
            sym, b.log)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend,test", params())
def test_hist_quirk_on(boots, backend, test):  # noqa: F811
    """Every quirk on: the test FAILs and one of its failed checks names its
    own symptom (not just FAIL); where the quirk has no analogue the kernel
    says SKIP and why.  vm_hello afterwards: the host survived."""
    quirk, symptom, where = HIST[test]
    b = hist_boot(boots, backend, True)
    hello = b.res.result("vm_hello")
    assert hello["status"] == "PASS", "host not healthy after the quirk runs: %s" % b.log
    r = b.res.result(test)
    if backend not in where:
        assert r["status"] == "SKIP" and "no SVM analogue" in r["reason"], r
        pytest.skip("%s with hw.vmm.quirk.%s=1 on %s: %s" % (test, quirk, backend,
                                                             r["reason"]))
    assert r["status"] == "FAIL", "%s with quirk %s: %s (log %s)" % (
        test, quirk, r["status"], b.log)
    failed = [c["message"] for c in b.res.checks_of(test) if c["status"] == "FAIL"]
    assert any(re.search(symptom, m) for m in failed), \
        "no failed check of %s names /%s/: %r (log %s)" % (test, symptom, failed, b.log)
