"""The historic 2013 bugs, quirk switches off and on (hw.vmm.quirk.*).

Each bug has one test: the scenario guests/<bug>.scn, which declares
`quirk NAME`, the `symptom /REGEX/` its detector (testkern/hist/) prints
with the quirk on, and `quirk-absent BACKEND WHY` where the bug has no
honest analogue (read through build/scn-info, the project's parser).
test_scenarios.py runs them with every quirk off (all PASS); here:
  - one boot per (backend, quirk) with hw.vmm.quirk.NAME=1 on the kernel
    command line runs the scenarios declaring that quirk: each must FAIL or
    TIMEOUT with its symptom in the RESULT reason, and scn.hello afterwards
    shows the host survived;
  - a backend where the quirk is absent is an explicit SKIP item with the
    scenario's reason;
  - without quirks (the test_scenarios.py batches) no symptom line appears
    anywhere on the console: the detectors do not fire on a healthy hv.
"""
import re

import pytest

import hvrun

from test_scenarios import BOOTS, BOOT_MARKS, SCENARIOS, batch, boots, modules  # noqa: F401

HIST = [s for s in SCENARIOS if s.quirk]
SMP_MARKS = {b: m + [pytest.mark.smp] for b, m in BOOT_MARKS.items()}


def quirk_boot(boots, backend, quirk, hostcheck=0):  # noqa: F811 (boots: the fixture)
    """The boot with hw.vmm.quirk.QUIRK=1 running its scenarios, then scn.hello.
    hw.vmm.hostcheck is off by default: the historic detectors must show the
    symptom the host's own code meets, which the check would name first."""
    names = [s.name for s in HIST if s.quirk == quirk and backend in s.quirk_on]
    run = ",".join("scn." + n for n in names + ["hello"])
    return boots("quirk_%s_%s_hc%d" % (backend, quirk, hostcheck), backend, 2,
                 "hw.vmm.quirk.%s=1 hw.vmm.hostcheck=%d run=%s" % (quirk, hostcheck, run),
                 modules())


QUIRK_ITEMS = [pytest.param(backend, s.name, marks=SMP_MARKS[backend],
                            id="%s-%s" % (backend, s.name))
               for s in HIST for backend in ("svm", "vmx") if backend in s.quirk_on]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend,scn", QUIRK_ITEMS)
def test_quirk_on(boots, backend, scn):  # noqa: F811
    """With hw.vmm.quirk.NAME=1 the scenario that declares NAME must FAIL or
    TIMEOUT, its reason matching the declared symptom (without the quirk the
    batches of test_scenarios.py require PASS); the host goes on."""
    s = next(x for x in HIST if x.name == scn)
    b = quirk_boot(boots, backend, s.quirk)
    r = b.result(scn)
    assert r["status"] in ("FAIL", "TIMEOUT"), "scn.%s with quirk %s: %s (log %s)" % (
        scn, s.quirk, r["status"], b.log)
    assert re.search(s.symptom, r["reason"] or ""), \
        "symptom /%s/ not in reason %r (log %s)" % (s.symptom, r["reason"], b.log)
    hello = b.result("hello")
    assert hello["status"] == "PASS", "host not healthy after the quirk run: %s" % b.log


SKIP_ITEMS = [pytest.param(s.name, b, why, id="%s-%s" % (b, s.name))
              for s in HIST for b, why in sorted(s.quirk_absent.items())]


@pytest.mark.parametrize("scn,backend,why", SKIP_ITEMS)
def test_quirk_absent(scn, backend, why):
    """A quirk without an analogue on this backend: declared, not faked."""
    s = next(x for x in HIST if x.name == scn)
    assert backend in s.backends and backend not in s.quirk_on
    pytest.skip("scn.%s with hw.vmm.quirk.%s=1 on %s: %s" % (scn, s.quirk, backend, why))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("boot", [pytest.param(b, marks=BOOT_MARKS[BOOTS[b][0]], id=b)
                                  for b in BOOTS])
def test_no_symptom_without_quirk(batch, boot):  # noqa: F811
    """Every quirk off: the historic-bug scenarios pass (test_scenarios.py)
    and no detector printed its symptom anywhere in the boot."""
    b = batch(boot)
    for s in HIST:
        assert not re.search(s.symptom, b.res.text), "symptom /%s/ without a quirk (log %s)" % (
            s.symptom, b.log)


# The quirks that leave the host on a wrong value after an exit, and the
# item hw.vmm.hostcheck must name: the FS base (VMX: HOST_FS_BASE 0; SVM:
# the host VMSAVE of an earlier entry) and CR3 (VMX: a stale HOST_CR3).
TEETH = [("svm", "zero_host_fs", "FS_BASE"), ("vmx", "zero_host_fs", "FS_BASE"),
         ("vmx", "stale_host_cr3", "CR3")]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend,quirk,item", [
    pytest.param(b, q, i, marks=SMP_MARKS[b], id="%s-%s" % (b, q)) for b, q, i in TEETH])
def test_hostcheck_names_quirk(boots, backend, quirk, item):  # noqa: F811
    """The host-state check has teeth: with a quirk that skips restoring one
    host item, hw.vmm.hostcheck=1 stops the VM at the first exit that left
    it wrong, naming the item and both values; the host goes on."""
    b = quirk_boot(boots, backend, quirk, hostcheck=1)
    s = next(x for x in HIST if x.quirk == quirk)
    r = b.result(s.name)
    assert r["status"] == "FAIL", "scn.%s: %s (log %s)" % (s.name, r["status"], b.log)
    changes = hvrun.host_state_changes(r["reason"] or "")
    assert changes, "no host-state stop in reason %r (log %s)" % (r["reason"], b.log)
    c = changes[0]
    assert c["name"] == item and c["before"] != c["after"], (c, b.log)
    if quirk == "zero_host_fs":
        # the vCPU thread's TLS base (tlsswap) before; what the quirk loads after
        assert c["before"] in (0x7f0000000000, 0x7f0000001000), (c, b.log)
        if backend == "vmx":
            assert c["after"] == 0, (c, b.log)
    else:
        assert c["before"] & ~0xfff and c["after"] & ~0xfff, (c, b.log)
    assert b.result("hello")["status"] == "PASS", "host not healthy after: %s" % b.log
