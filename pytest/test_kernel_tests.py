"""Issue 2: kernel tests run from the shell report consistent result lines."""
import re

import pytest

pytestmark = pytest.mark.qemu

MEM_RE = re.compile(r"mem: pages total=(\d+) free=(\d+) used=(\d+) heap=(\d+)")


def assert_passed(res, test):
    r = res.result(test)
    checks = res.checks_of(test)
    assert r["status"] == "PASS", res.text
    assert r["checks"] == len(checks) > 0
    assert r["failed"] == 0
    assert [c["n"] for c in checks] == list(range(1, len(checks) + 1))
    assert all(c["status"] == "PASS" for c in checks), res.text
    assert res.summary == {"passed": 1, "failed": 0, "skipped": 0, "timeout": 0}


@pytest.mark.parametrize("test", ["aspace", "copyin"])
def test_kernel_test_passes(boot, test):
    con = boot()
    assert_passed(con.run(test), test)


@pytest.mark.smp
def test_fsbase_on_two_cpus(boot):
    con = boot(smp=2)
    assert_passed(con.run("fsbase"), "fsbase")


def mem(con):
    m = MEM_RE.fullmatch(con.cmd("mem"))
    assert m, "bad mem line"
    return dict(zip(("total", "free", "used", "heap"), map(int, m.groups())))


def test_leak_frees_every_page(boot):
    con = boot()
    before = mem(con)
    assert before["used"] > 0 and before["free"] + before["used"] <= before["total"]
    assert_passed(con.run("leak"), "leak")
    after = mem(con)
    assert after["used"] == before["used"], "pages leaked: %d" % (after["used"] - before["used"])
    assert after["free"] == before["free"] and after["total"] == before["total"]


@pytest.mark.parametrize("test,vector,name", [("fault_pf", 14, "#PF"),
                                              ("fault_gp", 13, "#GP")])
def test_fault_dump_and_shell_survives(boot, test, vector, name):
    con = boot()
    out = con.cmd("run " + test)
    assert name in out, out
    for field in ("err", "rip", "cr2", "cr3", "thread"):
        assert re.search(r"\b%s\b" % field, out, re.I), "no %s in dump:\n%s" % (field, out)
    assert "help" in con.cmd("help")


@pytest.mark.smp
def test_batch_run_exit_status(run_batch):
    """run= at boot: the runner maps the kernel's exit to PASS (0) with the
    result lines, as `make run` uses it."""
    status, res, msg = run_batch("aspace,copyin", smp=2)
    assert status == 0, msg
    assert [r["test"] for r in res.results] == ["aspace", "copyin"]
    assert res.summary == {"passed": 2, "failed": 0, "skipped": 0, "timeout": 0}
