"""VM tests: guests (guests/*.asm) run on hv by testkern's vm_* tests.

Every backend-neutral test runs on both backends (the `backend` fixture),
booted as scripts/hvaccel.py decides (conftest.accel):
  svm: QEMU TCG `-cpu max` (SVM + NPT), or QEMU+KVM on an AMD host with
       nested KVM                              markers qemu, svm
  vmx: Bochs Haswell (VMX + EPT), or QEMU+KVM on an Intel host with nested
       KVM                                     markers bochs, vmx
The non-interactive tests share one boot per backend (`run=` at boot, two
CPUs so vm_smp runs too): Bochs is slow, so it boots twice in this file (the
batch and the db> session).  The assertions read the facts of the CHECK
lines (key=value, docs/CONSOLE.md), by check number: f[n] is CHECK <test>.<n>.
"""
import re

import pytest

import hvrun
from conftest import Results, accel, shared_boot

# seconds for the whole batch boot
BATCH_TIMEOUT = {"svm": 120, "vmx": 600}

BATCH = ["vm_hello", "vm_boot", "vm_boot32", "vm_cpuid", "vm_tls", "vm_paging", "vm_demand", "vm_copy",
         "vm_runaway", "vm_badstate", "vm_oob", "vm_rerun_triple", "vm_hcbad", "vm_badinput",
         "vm_hoststate", "vm_leak", "vm_enable", "vm_smp", "vm_shootdown", "vm_fpu",
         "vm_avx", "vm_xcr0_host", "hv_reinit"]

# What each backend must say; the rest of the assertions are the same.
# raw: the backend's exit code (SVM EXITCODE, VMX exit reason; APM Vol. 2
# App. C, SDM Vol. 3 App. C); decoded: text hv's decoded error contains.
EXPECT = {
    "svm": {
        "vendor": "AuthenticAMD", "vmmcall": 1, "type": "SVM from AMD", "per_cpu_pages": 3,
        "badstate": (0xffffffffffffffff,
                     "VMRUN failed: invalid VMCB: EFER.LME=1 and CR0.PG=1 with CR0.PE=0"),
        "oob": "#NPF outside guest memory: gpa 0x7f000000 (memory ends at 0x1000000)",
    },
    "vmx": {
        "vendor": "GenuineIntel", "vmmcall": 0, "type": "VMX from Intel", "per_cpu_pages": 2,
        "badstate": (0x80000021, ".0: VM-entry failure: invalid guest state"),
        "oob": ".0: EPT violation outside guest memory at gpa=0x7f000000 (read,",
    },
}


class Batch:
    def __init__(self, status, res, log, stderr, accel):
        self.status, self.res, self.log, self.stderr = status, res, log, stderr
        self.accel = accel  # hvaccel's description of what booted it

    def passed(self, test, backend, nchecks):
        """The test's RESULT is PASS on `backend`, its nchecks CHECK lines are
        numbered 1..n, all PASS, and match the RESULT's counts; every check
        that reports got and want has them equal.  Returns {n: facts}."""
        r = self.res.result(test)
        checks = self.res.checks_of(test)
        bad = [c for c in checks if c["status"] != "PASS"]
        assert r["status"] == "PASS" and not bad, \
            "%s: %s, failed checks: %s (log %s)" % (test, r["status"], bad, self.log)
        assert r["backend"] == backend
        assert r["checks"] == len(checks) == nchecks and r["failed"] == 0, \
            [c["message"] for c in checks]
        assert [c["n"] for c in checks] == list(range(1, nchecks + 1))
        for c in checks:
            f = c["facts"]
            assert "got" not in f or f["got"] == f["want"], c
        return {c["n"]: c["facts"] for c in checks}


def ran(f, end="done", code=0):
    """A vm_run_exit0-style check: the guest's run ended as wanted."""
    assert (f["end"], f["exit"]) == (end, code), f


@pytest.fixture(scope="module")
def batch(make_image, request):
    """batch(backend) -> Batch: one boot per backend and pytest run executes
    every BATCH test.  xdist workers share it through a locked result file, so
    the slow Bochs boot happens once however the tests are distributed."""
    done = {}

    def get(backend):
        if backend in done:
            return done[backend]
        image = make_image("run=" + ",".join(BATCH))
        status, stderr, log, how = shared_boot(request.config,
                                               "test_vm_batch_%s" % backend, image,
                                               backend, 2, BATCH_TIMEOUT[backend])
        done[backend] = Batch(status, Results(hvrun.read_log(log)), log, stderr, how)
        return done[backend]
    return get


pytestmark = pytest.mark.timeout(700)


def test_batch_status(batch, backend):
    """The whole batch: every test PASS, the runner's status PASS (exit code
    and SUMMARY agree)."""
    b = batch(backend)
    assert b.res.summary == {"passed": len(BATCH), "failed": 0, "skipped": 0,
                             "timeout": 0}, "log %s: %s (%s)" % (b.log, b.stderr, b.accel)
    assert b.status == hvrun.PASS, b.stderr
    assert [r["test"] for r in b.res.results] == BATCH


def test_vm_hello(batch, backend):
    b = batch(backend)
    f = b.passed("vm_hello", backend, 3)
    assert f[1] == {"vcpu": 0, "mem": 0x1000000, "vmmcall": EXPECT[backend]["vmmcall"]}
    ran(f[2])
    assert (f[3]["reports"], f[3]["want"], f[3]["failed"]) == (1, 1, 0)
    # both output paths reach the host console, one line each
    text = hvrun.clean(b.res.text)
    assert re.search(r"^guest\d+\.0: hello from the guest via HC_PUTS$", text, re.M)
    assert re.search(r"^guest\d+\.0: hello from the guest via COM1$", text, re.M)


def test_vm_boot(batch, backend):
    """The boot state of hv_abi.h as the guest reads it.  VM entry keeps the
    host's CR0.CD/NW (SDM Vol. 3 26.3.2.1), so on VMX this also checks that
    the host runs with caches enabled."""
    f = batch(backend).passed("vm_boot", backend, 12)
    assert f[1]["cr0"] == 0x80010033            # PE, PG; CD=0, NW=0
    # CR4.PAE, EFER.LME|LMA, CR3, CS, SS, DS, RDI (memory size), RSI (vCPU id)
    assert [f[n]["got"] for n in range(2, 10)] == \
        [0x20, 0x500, 0x1000, 0x8, 0x10, 0x10, 0x1000000, 0]
    ran(f[11])
    assert (f[12]["reports"], f[12]["want"], f[12]["failed"]) == (10, 10, 0)


def test_vm_boot32(batch, backend):
    """hv's 32-bit protected-mode boot state (a multiboot v1 entry) as the
    guest reads it at its first instruction, then the guest's own switch to
    long mode: on SVM the CPU sets EFER.LMA, on VMX hv's CR0 exit does (with
    the IA-32e mode guest entry control; the entry fails without it)."""
    f = batch(backend).passed("vm_boot32", backend, 13)
    # EAX, EBX, CR0 (PE|ET), CR4, EFER, EFLAGS at entry; then EFER.LME|LMA,
    # CR0.PE|PG, CR3 in 64-bit code; CPUID.1:ECX.OSXSAVE (bit 27) following
    # the guest's CR4.OSXSAVE, 0 then 1 (the host's is 1 on both emulators)
    assert [(f[n]["got"], f[n]["want"]) for n in range(1, 12)] == \
        [(v, v) for v in (0x2badb002, 0x9000, 0x11, 0, 0, 2, 0x500, 0x80000001, 0x10000,
                          0, 1 << 27)]
    ran(f[12])
    assert (f[13]["reports"], f[13]["want"], f[13]["failed"]) == (11, 11, 0)


def test_vm_cpuid(batch, backend):
    f = batch(backend).passed("vm_cpuid", backend, 9)
    assert [f[n]["got"] for n in (1, 2, 3)] == [0x68207668, 0x76682076, 0x20766820]
    e = EXPECT[backend]
    assert f[5] == {"vendor": e["vendor"], "leaf_eax": e["vmmcall"],
                    "vmmcall_flag": e["vmmcall"], "want": e["vmmcall"]}
    assert f[6]["got"] == 0 and f[7]["got"] == 0   # VMX and SVM flags hidden
    ran(f[8])
    assert (f[9]["reports"], f[9]["failed"]) == (7, 0)


def test_vm_tls(batch, backend):
    f = batch(backend).passed("vm_tls", backend, 7)
    assert f[2]["got"] == 0x7115da7a00000001
    assert f[4]["got"] == -22                   # non-canonical base: EINVAL
    assert f[5]["got"] == 0x7115da7a00000001    # unchanged by the refused call
    assert (f[7]["reports"], f[7]["failed"]) == (5, 0)


def test_vm_fpu(batch, backend):
    """hv/fpu.c: guest and host each keep their x87 control word across
    entries, also when the host runs the guest with CR0.TS set (lazy FPU),
    and CR0.TS is left set."""
    f = batch(backend).passed("vm_fpu", backend, 5)
    assert f[1]["error"] == "ok"
    assert [f[n]["fcw"] for n in (2, 3, 4)] == [0xa7f, 0xb7f, 0xe7f]
    assert f[5]["ts"] == 1


def test_vm_avx(batch, backend):
    """hv/fpu.c with XSAVE: the host's ymm0 upper half survives a guest that
    loads its own with VEX code, and the guest finds its own after a host
    round trip (testkern enables AVX at boot; both emulators have it)."""
    f = batch(backend).passed("vm_avx", backend, 5)
    assert f[1]["xcr0"] == 0x7 and f[1]["bytes"] >= 832   # legacy + header + AVX
    assert f[3]["got"] == 0x55556666777788881111222233334444
    assert f[4]["xor"] == 0 and f[4]["error"] == "ok"
    assert f[5]["got"] == 0xccccddddeeeeffff99990000aaaabbbb


def test_vm_xcr0_host(batch, backend):
    """A guest XSETBV of XCR0=1 then HLT with IF=0: the guest's XCR0 (set by
    hv/xsave.c on VMX, by QEMU TCG itself on SVM, which ignores the
    intercept) is switched back to the host's by hv_fpu_leave; without that
    the host's XRSTOR faults and testkern panics."""
    f = batch(backend).passed("vm_xcr0_host", backend, 2)
    assert f[2]["got"] == f[2]["want"] == 0x7


def test_hv_reinit(batch, backend):
    """hv_fini frees every per-CPU page (2 CPUs: VMXON region + FPU area,
    or SVM host save area + host VMCB + FPU area), hv_init restores it all."""
    f = batch(backend).passed("hv_reinit", backend, 8)
    per_cpu = EXPECT[backend]["per_cpu_pages"]
    assert (f[1]["type"], f[1]["enabled"]) == ("none", 0)
    assert (f[2]["freed"], f[2]["want"], f[2]["cpus"], f[2]["per_cpu"], f[2]["holds"]) == \
        (2 * per_cpu, 2 * per_cpu, 2, per_cpu, 0)
    assert f[3]["leaves"] == 0 and f[4]["error"] == "ok"
    assert f[5]["before"] == f[5]["after"] and f[5]["held"] == f[5]["held_before"]
    assert f[6]["type"] == f[6]["type_before"] == EXPECT[backend]["type"]
    assert f[7]["enabled"] == f[7]["before"]
    ran(f[8])


def test_vm_paging(batch, backend):
    """The guest's own paging under EPT/NPT: its #PF handler sees the error
    codes the SDM defines (P=1, W=2, U=4, I/D=16)."""
    f = batch(backend).passed("vm_paging", backend, 12)
    assert f[2]["got"] == 0xa11a5a11a5a11a5     # 4 KiB alias seen through the 2 MiB page
    assert [f[n]["got"] for n in (4, 6, 8)] == [0x11, 0x3, 0x5]   # NX, RO write, U/S
    ran(f[11])


def test_vm_demand(batch, backend):
    f = batch(backend).passed("vm_demand", backend, 12)
    # exactly one nested fault and one new resident page per fresh 4 KiB page
    assert (f[2]["pages"], f[2]["faults"]) == (64, 64)
    assert f[3]["grew"] == 64 and f[3]["after"] - f[3]["before"] == 64
    assert (f[4]["pages"], f[4]["error"]) == (64, "ok")
    assert f[4]["resident"] == f[4]["resident_before"]
    assert f[5]["got"] == 0                     # mismatches
    assert (f[6]["faults"], f[6]["pageins"]) == (64, 64)
    assert f[7]["grew"] == 64 and f[8]["got"] == 0
    # all of guest memory out (code, stack, page tables): the guest goes on
    assert (f[9]["error"], f[9]["resident"]) == ("ok", 0)
    assert f[10]["got"] == 0
    ran(f[11])
    assert f[12]["marks"] == 4


def test_vm_copy(batch, backend):
    f = batch(backend).passed("vm_copy", backend, 49)
    efault, enametoolong = -14, -63
    # CPL decides: the supervisor page reads at CPL 0, faults at CPL 3
    assert f[7]["got"] > 0 and f[38]["got"] == efault
    # copyinstr across U1/U2: 36 characters + NUL copied (done << 32 | fnv)
    assert f[3]["got"] >> 32 == 0x25 and f[37]["got"] >> 32 == 0x25
    assert f[14]["got"] == enametoolong         # no NUL within max 16
    # unmapped, non-canonical, beyond guest memory, read-only with CR0.WP=1
    assert [f[n]["got"] for n in (8, 10, 12, 16)] == [efault] * 4
    assert f[47]["got"] == 0x600d               # returned from CPL 3 with its token
    # hv_vcpu_translate: gpa through the guest's tables, rights checked
    assert (f[26]["got"], f[28]["got"], f[43]["got"]) == (0x605123, efault, efault)
    # it sets no A/D flag; host accesses set them like the CPU (A=0x20, D=0x40)
    assert (f[31]["got"], f[33]["got"], f[35]["got"]) == (0, 0x60, 0x20)
    # a copyout that faults part-way leaves the guest's bytes untouched
    assert f[22]["got"] == efault and f[23]["got"] > 0
    ran(f[48])
    assert (f[49]["reports"], f[49]["want"], f[49]["failed"]) == (47, 47, 0)


def decoded(f, backend, what):
    """The check of a decoded error: the backend's raw code, the text."""
    raw, text = EXPECT[backend][what]
    assert f["raw"] == raw and text in f["decoded"], f


def test_vm_runaway(batch, backend):
    f = batch(backend).passed("vm_runaway", backend, 3)
    assert f[1]["end"] == "timeout"
    # the watchdog is checked at exits, which must come often even with IF=0
    assert f[2]["watchdog_ms"] == 2000 and 2000 <= f[2]["ms"] < 3000
    assert f[3]["intr_exits"] > 0


def test_vm_badstate(batch, backend):
    f = batch(backend).passed("vm_badstate", backend, 3)
    assert f[1]["error"] == "ok" and f[1]["cr0"] & 0x80000001 == 0x80000000   # PG, no PE
    assert f[2]["end"] == "error"
    decoded(f[3], backend, "badstate")


def test_vm_oob(batch, backend):
    f = batch(backend).passed("vm_oob", backend, 2)
    assert (f[1]["end"], f[1]["error"]) == ("error", "EFAULT")
    assert EXPECT[backend]["oob"] in f[2]["decoded"]


def test_vm_rerun_triple(batch, backend):
    f = batch(backend).passed("vm_rerun_triple", backend, 3)
    # the triple fault is the backend's own exit, counted once
    stat = {"svm": "exit.shutdown", "vmx": "exit.triple_fault"}[backend]
    assert f[1]["error"] == "ok" and f[1][stat] == 1, f[1]
    assert re.fullmatch(r"guest\d+\.0: triple fault at rip=0x[0-9a-f]+ rsp=0x[0-9a-f]+ "
                        r"cr0=0x[0-9a-f]+ cr3=0x1000 idtr=0x0 idtr_limit=0x0", f[1]["decoded"])
    # every later run: refused before any entry, one guest error each
    vm = f[1]["decoded"].split(":")[0]
    for n in (2, 3):
        assert (f[n]["error"], f[n]["ex_error"], f[n]["exits"], f[n]["guest_errors"]) == \
            ("ok", "EIO", 0, 1), f[n]
        assert f[n]["decoded"] == vm + ": cannot run after a triple fault", f[n]


def test_vm_hcbad(batch, backend):
    f = batch(backend).passed("vm_hcbad", backend, 8)
    # unknown hypercall, HC_PUTS unmapped / too long, HC_COPY_TEST bad op /
    # too long, HC_HOST without a host action
    assert [f[n]["got"] for n in range(1, 7)] == [-22, -14, -22, -22, -22, -22]
    ran(f[7])
    assert (f[8]["reports"], f[8]["failed"]) == (6, 0)


def test_vm_badinput(batch, backend):
    f = batch(backend).passed("vm_badinput", backend, 20)
    assert [f[n]["error"] for n in range(1, 20)] == [
        "EINVAL", "EINVAL", "EINVAL", "ok",     # hv_vm_create: 0, 4 MiB + 1, 64 GiB, 4 MiB
        "EINVAL", "EINVAL", "ok",               # load: too big, empty, hello.bin
        "EFAULT", "EFAULT",                     # hv_gpa_read/write past the end
        "EINVAL", "EINVAL",                     # hv_vm_pageout: unaligned, past the end
        "EINVAL", "EINVAL", "ok", "EEXIST",     # hv_vcpu_create: -1, 1000, 0, 0 again
        "EINVAL",                               # non-canonical TLS base
        "EFAULT", "EFAULT",                     # hv_copyin: unmapped, across the end
        "ok"]                                   # hv_vm_destroy
    assert f[20]["pages_before"] == f[20]["pages_after"]
    assert f[20]["heap_before"] == f[20]["heap_after"]


def test_vm_hoststate(batch, backend):
    """The 2013 bugs (docs/HISTORY.md): after guest runs separated by vmspace
    and TLS switches the host's CR3 and FS base are still the thread's own."""
    f = batch(backend).passed("vm_hoststate", backend, 3)
    ran(f[1])
    assert (f[2]["marks"], f[2]["checks"]) == (40, 40)
    assert (f[3]["bad_cr3"], f[3]["bad_fs"]) == (0, 0)


def test_vm_leak(batch, backend):
    f = batch(backend).passed("vm_leak", backend, 3)
    assert f[1]["ok"] == f[1]["vms"] == 100
    assert f[2]["before"] == f[2]["after"]      # pages
    assert f[3]["before"] == f[3]["after"]      # heap bytes


def test_vm_enable(batch, backend):
    f = batch(backend).passed("vm_enable", backend, 12)
    assert (f[1]["error"], f[1]["enabled"]) == ("ok", 0)           # 1 -> 0
    assert f[2]["error"] == "ENODEV"                               # create while disabled
    assert f[3]["error"] == "ok"                                   # 0 -> 0
    assert (f[4]["error"], f[4]["enabled"]) == ("ok", 1)           # 0 -> 1
    ran(f[5])
    assert f[6]["error"] == "ok"                                   # VM and vCPU held
    assert (f[7]["error"], f[7]["errno"], f[7]["enabled"]) == ("EBUSY", 16, 1)
    assert f[8]["error"] == "ok"                                   # 1 -> 1 with a VM
    ran(f[9])
    assert f[10]["error"] == f[11]["error"] == "ok"                # 1 -> 0 -> 1
    ran(f[12])


@pytest.mark.smp
def test_vm_smp(batch, backend):
    f = batch(backend).passed("vm_smp", backend, 5)
    for n, vcpu, start, target in ((1, 0, 0, 1), (3, 1, 1, 0)):
        ran(f[n])
        assert f[n]["vcpu"] == f[n + 1]["vcpu"] == vcpu
        m = f[n + 1]
        assert (m["from"], m["to"], m["want_from"], m["want_to"], m["error"]) == \
            (start, target, start, target, "ok")
    assert f[5]["got"] == 80000                 # the shared counter


@pytest.mark.smp
def test_vm_shootdown(batch, backend):
    f = batch(backend).passed("vm_shootdown", backend, 6)
    assert f[1]["end"] == f[2]["end"] == "done"
    assert f[3]["ok"] == f[3]["calls"] == 200
    assert (f[4]["lost"], f[4]["exit"]) == (0, 0) and f[4]["iterations"] > 0
    assert f[5]["word"] == f[5]["last"]
    assert f[6]["faults"] > 0 and f[6]["ipis"] > 0


@pytest.mark.qemu
@pytest.mark.svm
def test_vm_smp_skips_on_one_cpu(boot):
    con = boot("svm", smp=1)
    res = con.run("vm_smp vm_shootdown")
    for test in ("vm_smp", "vm_shootdown"):
        r = res.result(test)
        assert r["status"] == "SKIP" and r["reason"] == "needs 2 CPUs, 1 online", res.text
        assert res.checks_of(test) == []


def db(con, line, timeout=30):
    """One db> command; its output."""
    con.p.send(line + "\r")
    con.p.expect_exact("db> ", timeout=timeout)
    out = hvrun.clean(con.p.before).split("\n")
    if out and out[0].strip() == line:
        out = out[1:]
    return "\n".join(out).strip("\n")


def test_vm_int3_db(boot, backend):
    """int3 in the guest opens db> on the console: regs, x, errors, c; then
    a second run stopped with q."""
    slow = accel(backend).runner == "bochs"
    con = boot(backend, smp=1)
    con.p.send("run vm_int3\r")
    bp = int(con.expect(r"int3: breakpoint at (0x[0-9a-f]+)\r", 120 if slow else 30)
             .group(1), 16)
    # a #BP the backend does not catch ends the test instead of prompting
    i = con.p.expect(["db> ", r"RESULT vm_int3 .*\n"], timeout=120 if slow else 30)
    assert i == 0, "no db> prompt: " + hvrun.clean(con.p.before + con.p.after)
    regs = hvrun.facts(db(con, "regs"))
    # the backends step over the int3 before the #BP exit: RIP is the next byte
    assert regs["rip"] == bp + 1, regs
    assert (regs["rbx"], regs["r15"]) == (0x1122334455667788, 0xfeedface), regs
    assert (regs["cpl"], regs["cr3"]) == (0, 0x1000), regs
    assert {"rax", "rsp", "rflags", "cr0", "cr4", "efer"} <= set(regs), regs
    x = db(con, "x 0x%x 4" % bp)
    assert re.fullmatch(r"0x%016x: cc [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2}" % bp, x), x
    # two lines for 20 bytes, 16 then 4
    x = db(con, "x 0x%x 20" % bp)
    assert [len(l.split()) - 1 for l in x.split("\n")] == [16, 4], x
    # outside the guest's mappings: an error line, the prompt survives
    err = db(con, "x 0x40000000")
    assert err == "error: x: 0x40000000: EFAULT (14)", err
    assert db(con, "x zz").startswith("error: usage: x ADDR [N]")
    assert db(con, "frob") == "error: db: unknown command 'frob' (regs, x ADDR [N], c, q)"
    con.p.send("c\r")
    res = Results(con.wait_prompt(120 if slow else 30))
    assert res.result("vm_int3")["status"] == "PASS", res.text
    # the guest resumed after the breakpoint with its registers intact
    assert {"got": 0x1122334455667788, "want": 0x1122334455667788} in \
        [{k: c["facts"].get(k) for k in ("got", "want")} for c in res.checks_of("vm_int3")]

    # q stops the VM: the test records it as a failure with the reason
    con.p.send("run vm_int3\r")
    con.p.expect_exact("db> ", timeout=120 if slow else 30)
    con.p.send("q\r")
    res = Results(con.wait_prompt(120 if slow else 30))
    assert res.result("vm_int3")["status"] == "FAIL", res.text
    last = res.checks_of("vm_int3")[-1]
    assert (last["status"], last["facts"]["end"], last["facts"]["exit"]) == ("FAIL", "quit", 0)
    assert last["message"].endswith(": stopped by q at the debugger prompt"), last


@pytest.mark.qemu
def test_vm_tests_skip_without_virtualization(run_batch):
    """qemu64 has SVM but no NPT: hv_init fails and every vm_* test is SKIP
    with the reason, none FAIL."""
    status, res, msg = run_batch(",".join(BATCH), extra=["--", "-cpu", "qemu64"])
    assert [r["test"] for r in res.results] == BATCH, msg
    for r in res.results:
        assert r["status"] == "SKIP", r
        assert r["reason"] == "hv_init failed: no usable VMX or SVM (hw.vmm.type=none)"
    assert res.checks == []
    assert res.summary == {"passed": 0, "failed": 0, "skipped": len(BATCH), "timeout": 0}
    assert status == hvrun.PASS, msg
