"""Issue 2: the image that QEMU boots also boots under Bochs (VMX CPU model)."""
import pytest

pytestmark = [pytest.mark.bochs, pytest.mark.timeout(240)]


def test_bochs_reaches_shell(boot):
    con = boot("bochs")
    assert con.cmd("cpus").splitlines()[-1] == "cpus: 1 online"
    res = con.run("aspace")
    assert res.result("aspace")["status"] == "PASS"
