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


def facts_of(res, test, key):
    """The facts of the checks of test that report key."""
    return [c["facts"] for c in res.checks_of(test) if key in c["facts"]]


def test_aspace(boot):
    res = boot().run("aspace")
    assert_passed(res, "aspace")
    # after each switch: the process's CR3, and copyin reads its own data
    assert [(f["good"], f["rounds"]) for f in facts_of(res, "aspace", "rounds")] == [(20, 20)] * 2
    (frames,) = facts_of(res, "aspace", "frame_a")
    assert frames["frame_a"] != frames["frame_b"]


def test_copyin(boot):
    res = boot().run("copyin")
    assert_passed(res, "copyin")
    # copyinstr of "hello" (6 bytes with the NUL), no NUL within 16, an
    # unmapped page after 16 bytes
    assert [(f["error"], f["done"]) for f in facts_of(res, "copyin", "done")] == \
        [(0, 6), ("ENAMETOOLONG", 16), ("EFAULT", 16)]


@pytest.mark.smp
def test_fsbase_on_two_cpus(boot):
    res = boot(smp=2).run("fsbase")
    assert_passed(res, "fsbase")
    # each of the two threads: every %fs:0 read its own TLS, the switch's
    # cache agreed every time, and it migrated every 50 reads
    assert [(f["reads"], f["wrong"]) for f in facts_of(res, "fsbase", "wrong")] == [(2000, 0)] * 2
    assert [(f["matched"], f["reads"]) for f in facts_of(res, "fsbase", "matched")] == \
        [(2000, 2000)] * 2
    assert [(f["migrations"], f["failed"]) for f in facts_of(res, "fsbase", "migrations")] == \
        [(40, 0)] * 2


def mem(con):
    m = MEM_RE.fullmatch(con.cmd("mem"))
    assert m, "bad mem line"
    return dict(zip(("total", "free", "used", "heap"), map(int, m.groups())))


def test_leak_frees_every_page(boot):
    con = boot()
    before = mem(con)
    assert before["used"] > 0 and before["free"] + before["used"] <= before["total"]
    res = con.run("leak")
    assert_passed(res, "leak")
    assert [(f["created"], f["rounds"]) for f in facts_of(res, "leak", "created")] == [(50, 50)]
    for f in facts_of(res, "leak", "before"):   # pages, heap bytes, threads
        assert f["before"] == f["after"], f
    after = mem(con)
    assert after["used"] == before["used"], "pages leaked: %d" % (after["used"] - before["used"])
    assert after["free"] == before["free"] and after["total"] == before["total"]


FAULT_RE = re.compile(r"^FAULT: thread (\d+) '([^']+)' killed by (#\w+ [a-z ]+)$", re.M)
DUMP_RE = re.compile(
    r"^  (#\w+ [a-z ]+) \(vector (\d+)\) err=(0x[0-9a-f]+) cpu (\d+) thread (\d+) '([^']+)'\n"
    r"  rip=([0-9a-f]{16}) cs=([0-9a-f]{4}) .*\n"
    r"  cr2=([0-9a-f]{16}) cr3=([0-9a-f]{16}) ", re.M)
KERNEL_BASE = 0xffffffff80000000


@pytest.mark.parametrize("test,vector,name,err", [
    ("fault_pf", 14, "#PF page fault", 0x2),       # supervisor write, not present
    ("fault_gp", 13, "#GP general protection", 0x0)])  # non-canonical: no selector
def test_fault_dump_and_shell_survives(boot, test, vector, name, err):
    con = boot()
    mem_before = mem(con)
    res = con.run(test)
    assert_passed(res, test)
    fault = FAULT_RE.search(res.text)
    dump = DUMP_RE.search(res.text)
    assert fault and dump, "no decoded dump:\n" + res.text
    tid, thread, killed_by = fault.groups()
    assert killed_by == name
    assert dump[1] == name and int(dump[2]) == vector and int(dump[3], 16) == err
    assert (dump[5], dump[6]) == (tid, thread), "dump names another thread"
    assert int(dump[7], 16) >= KERNEL_BASE, "RIP not in the kernel image"
    assert int(dump[8], 16) == 0x08, "fault not in the kernel code segment"
    assert int(dump[10], 16) != 0 and int(dump[10], 16) & 0xfff == 0, "CR3 not a page table"
    if vector == 14:
        # the dump's CR2 is the address the test says it touched
        f = [c["facts"] for c in res.checks_of(test) if "cr2" in c["facts"]]
        assert len(f) == 1 and int(dump[9], 16) == f[0]["cr2"] == f[0]["want"], f
    # the shell still answers, and the killed thread left nothing behind
    assert "  run  " in con.cmd("help")
    assert mem(con) == mem_before


@pytest.mark.smp
def test_batch_run_exit_status(run_batch):
    """run= at boot: the runner maps the kernel's exit to PASS (0) with the
    result lines, as `make run` uses it."""
    status, res, msg = run_batch("aspace,copyin", smp=2)
    assert status == 0, msg
    assert [r["test"] for r in res.results] == ["aspace", "copyin"]
    assert res.summary == {"passed": 2, "failed": 0, "skipped": 0, "timeout": 0}


def test_batch_unknown_test_fails(run_batch):
    """run= with an unknown name: the one-line error, nothing runs, FAIL (1)."""
    status, res, msg = run_batch("aspace,no_such_test")
    assert status == 1, msg
    assert "error: run: no test named 'no_such_test'" in res.text.splitlines()
    assert res.results == [] and res.summary is None
