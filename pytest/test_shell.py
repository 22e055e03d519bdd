"""Issue 2: the shell boots on 1, 2 and 4 CPUs and answers its commands."""
import re

import pytest

pytestmark = pytest.mark.qemu

CPU_RE = re.compile(r"cpu (\d+): apic (\d+) (bsp|ap) online ipi (ok|FAILED)")
COMMANDS = {"help", "cpus", "mem", "sysctl", "list", "run", "poweroff"}


@pytest.mark.parametrize("ncpu", [1, pytest.param(2, marks=pytest.mark.smp),
                                  pytest.param(4, marks=pytest.mark.smp)])
def test_cpus_online(boot, ncpu):
    con = boot(smp=ncpu)
    lines = con.cmd("cpus").splitlines()
    assert lines[-1] == "cpus: %d online" % ncpu
    cpus = [CPU_RE.fullmatch(line) for line in lines[:-1]]
    assert all(cpus), "malformed cpu line in %r" % lines
    assert [int(m[1]) for m in cpus] == list(range(ncpu))
    assert len({m[2] for m in cpus}) == ncpu, "APIC ids not distinct"
    assert [m[3] for m in cpus] == ["bsp"] + ["ap"] * (ncpu - 1)
    assert [m[4] for m in cpus] == ["ok"] * ncpu


def test_help_lists_every_command(boot):
    con = boot()
    lines = con.cmd("help").splitlines()
    names = set()
    for line in lines:
        m = re.fullmatch(r"  (\S+)  +\S.*", line)
        assert m, "help line not `  NAME  description`: %r" % line
        names.add(m[1])
    assert COMMANDS <= names


def test_list_has_issue2_tests(boot):
    con = boot()
    names = set()
    for line in con.cmd("list").splitlines():
        m = re.fullmatch(r"  (\S+)  +\S.*", line)
        assert m, "list line not `  NAME  description`: %r" % line
        names.add(m[1])
    assert {"leak", "fault_pf", "fault_gp", "aspace", "fsbase", "copyin"} <= names


def test_bad_input_one_line_errors(boot):
    con = boot()
    assert con.cmd("frobnicate now") == \
        "error: unknown command 'frobnicate' (try 'help')"
    assert con.cmd("sysctl no.such.name") == "error: sysctl: unknown name 'no.such.name'"
    assert con.cmd("run no_such_test") == "error: run: no test named 'no_such_test'"
    # the shell goes on after each error
    assert "cpus: 1 online" in con.cmd("cpus")


def test_poweroff_without_failures_is_not_a_pass(boot):
    """poweroff after no run: the kernel signals PASS, but the runner
    requires result lines, so the status is NORESULT (2), never PASS (0)."""
    con = boot()
    assert con.poweroff() == 2
