"""docs/ISOLATION.md's probe (guests/isolation.scn, every item a guest changes
without an exit): beyond its own expectations (38 guest reads, the check
silent), testkern's host-state check must have compared after every exit of
the run: hw.vmm.hostchecks grew by exactly the scenario's exit count.  The
guest's XSETBV of XCR0=0x3 completes (vector 0xff: none) on both backends
(hv/xsave.c on VMX; QEMU 7.2 TCG runs it without the SVM intercept), and the
guest reads its own XCR0 back after its exits (a guest CHECK) while the host
keeps its own (the host-state check)."""
import re

import pytest

from test_scenarios import BOOTS, BOOT_MARKS, batch, boots  # noqa: F401

GREW_RE = re.compile(r"hw\.vmm\.hostchecks grew by (\d+)")
XSETBV_RE = re.compile(r"isolation: XSETBV of XCR0=0x3: vector (0x[0-9a-f]+)")
XSETBV_VECTOR = "0xff"  # none


@pytest.mark.timeout(600)
@pytest.mark.parametrize("boot", [pytest.param(b, marks=BOOT_MARKS[BOOTS[b][0]], id=b)
                                  for b in BOOTS])
def test_hostcheck_after_every_exit(batch, boot):  # noqa: F811
    b = batch(boot)
    r = b.result("isolation")
    assert r["status"] == "PASS", "scn.isolation: %s %s (log %s)" % (
        r["status"], r["reason"], b.log)
    checks = [c for c in b.res.checks if c["test"] == "scn.isolation"
              and "hw.vmm.hostchecks" in c["message"]]
    assert len(checks) == 1, b.log
    grew = int(GREW_RE.search(checks[0]["message"])[1])
    exits = r["fields"]["exits"]
    assert exits >= 40 and grew == exits, "hostchecks +%d, exits %d (log %s)" % (
        grew, exits, b.log)
    with open(b.log, errors="replace") as f:
        # up to scn.isolation's RESULT line: lazydreg_*.scn run the same
        # guest later in the batch
        text = f.read()
        vectors = XSETBV_RE.findall(text[:text.index("RESULT scn.isolation ")])
    backend = r["backend"]
    assert vectors == [XSETBV_VECTOR], "XSETBV %s on %s (log %s)" % (
        vectors, backend, b.log)
