"""Issue 2: sysctl listing, lookup, setting, boot-time setting and its errors."""

import pytest

from conftest import accel, sysctl_leaves as leaves

pytestmark = pytest.mark.qemu


@pytest.mark.smp
def test_sysctl_tree_sorted_and_prefix(boot):
    con = boot(smp=2)
    everything = leaves(con.cmd("sysctl"))
    names = [n for n, _ in everything]
    assert names == sorted(names) and len(set(names)) == len(names)
    assert dict(everything)["kern.ncpus"] == "2"
    # an interior node lists exactly the leaves under it
    kern = [n for n, _ in leaves(con.cmd("sysctl kern"))]
    assert kern == [n for n in names if n.startswith("kern.")] and len(kern) > 1
    assert leaves(con.cmd("sysctl kern.ncpus")) == [("kern.ncpus", "2")]


def test_sysctl_set_and_errors(boot):
    con = boot()
    assert con.cmd("sysctl hw.vmm.enable") == "hw.vmm.enable: 0"
    assert con.cmd("sysctl hw.vmm.enable=1") == "hw.vmm.enable: 0 -> 1"
    assert con.cmd("sysctl hw.vmm.enable") == "hw.vmm.enable: 1"
    assert con.cmd("sysctl hw.vmm.enable=abc") == "error: sysctl: hw.vmm.enable: bad value 'abc'"
    assert con.cmd("sysctl kern.ncpus=3") == "error: sysctl: kern.ncpus is read-only"
    assert con.cmd("sysctl kern.ncpus") == "kern.ncpus: 1"
    assert con.cmd("sysctl hw.vmm.enable=0") == "hw.vmm.enable: 1 -> 0"


def test_sysctl_from_command_line(boot):
    """key=value words on the kernel command line set sysctls at boot."""
    con = boot(cmdline="hw.vmm.enable=1")
    assert "hw.vmm.enable: 0 -> 1" in con.banner
    assert con.cmd("sysctl hw.vmm.enable") == "hw.vmm.enable: 1"
    assert con.cmd("sysctl kern.cmdline") == "kern.cmdline: hw.vmm.enable=1"


@pytest.mark.svm
def test_qemu_reports_svm_with_npt(boot):
    """QEMU TCG -cpu max: SVM with nested paging and no NRIPS (EMULATORS.md);
    under nested KVM on AMD whatever the host has, NPT at least."""
    con = boot()
    assert "hv: SVM from AMD" in con.banner
    assert con.cmd("sysctl hw.vmm.svm.npt") == "hw.vmm.svm.npt: 1"
    if accel("svm").accel == "tcg":
        assert con.cmd("sysctl hw.vmm.svm.nrips") == "hw.vmm.svm.nrips: 0"
