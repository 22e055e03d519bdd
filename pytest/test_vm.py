"""VM tests: guests (guests/*.asm) run on hv by testkern's vm_* tests.

Every backend-neutral test runs on both backends, booted as
scripts/hvaccel.py decides (conftest.accel):
  svm: QEMU TCG `-cpu max` (SVM + NPT), or QEMU+KVM on an AMD host with
       nested KVM                              markers qemu, svm
  vmx: Bochs Haswell (VMX + EPT), or QEMU+KVM on an Intel host with nested
       KVM                                     markers bochs, vmx
The non-interactive tests share one boot per backend (`run=` at boot, two
CPUs so vm_smp runs too): Bochs is slow, so it boots twice in this file (the
batch and the db> session).  Assertions read the values in the CHECK lines.
"""
import re

import pytest

import hvrun
from conftest import Results, accel, shared_boot

BACKENDS = [
    pytest.param("svm", marks=[pytest.mark.qemu, pytest.mark.svm], id="svm"),
    pytest.param("vmx", marks=[pytest.mark.bochs, pytest.mark.vmx], id="vmx"),
]
# seconds for the whole batch boot
BATCH_TIMEOUT = {"svm": 120, "vmx": 600}

BATCH = ["vm_hello", "vm_boot", "vm_cpuid", "vm_tls", "vm_paging", "vm_demand", "vm_copy",
         "vm_triple", "vm_runaway", "vm_badstate", "vm_oob", "vm_hcbad", "vm_badinput",
         "vm_hoststate", "vm_leak", "vm_enable", "vm_smp", "vm_shootdown", "vm_fpu",
         "vm_avx", "hv_reinit"]

# What each backend must say; the rest of the assertions are the same.
EXPECT = {
    "svm": {
        "vendor": "AuthenticAMD", "vmmcall": 1,
        "triple": r"guest\d+\.0: triple fault at rip=0x[0-9a-f]+",
        "badstate": r"guest\d+\.0: VMRUN failed: invalid VMCB: EFER\.LME=1 and CR0\.PG=1 with CR0\.PE=0",
        "oob": r"guest\d+\.0: #NPF outside guest memory: gpa 0x7f000000 \(memory ends at 0x1000000\)",
    },
    "vmx": {
        "vendor": "GenuineIntel", "vmmcall": 0,
        "triple": r"guest\d+\.0: triple fault at rip=0x[0-9a-f]+",
        "badstate": r"guest\d+\.0: VM-entry failure: invalid guest state .*CR0",
        "oob": r"guest\d+\.0: EPT violation outside guest memory at gpa=0x7f000000 \(read,",
    },
}


class Batch:
    def __init__(self, status, res, log, stderr, accel):
        self.status, self.res, self.log, self.stderr = status, res, log, stderr
        self.accel = accel  # hvaccel's description of what booted it

    def passed(self, test, backend, nchecks=None):
        """The test's RESULT is PASS on `backend`, its CHECK lines are numbered
        1..n, all PASS, and match the RESULT's counts; returns the messages."""
        r = self.res.result(test)
        checks = self.res.checks_of(test)
        bad = [c for c in checks if c["status"] != "PASS"]
        assert r["status"] == "PASS" and not bad, \
            "%s: %s, failed checks: %s (log %s)" % (test, r["status"], bad, self.log)
        assert r["backend"] == backend
        assert r["checks"] == len(checks) and r["failed"] == 0
        assert [c["n"] for c in checks] == list(range(1, len(checks) + 1))
        if nchecks is not None:
            assert len(checks) == nchecks, [c["message"] for c in checks]
        return [c["message"] for c in checks]


def find(messages, regex):
    """The match of regex in the one message that has it."""
    hits = [m for m in (re.search(regex, msg) for msg in messages) if m]
    assert len(hits) == 1, "want one message matching /%s/ in:\n%s" % (
        regex, "\n".join(messages))
    return hits[0]


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


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_batch_status(batch, backend):
    """The whole batch: every test PASS, the runner's status PASS (exit code
    and SUMMARY agree)."""
    b = batch(backend)
    assert b.res.summary == {"passed": len(BATCH), "failed": 0, "skipped": 0,
                             "timeout": 0}, "log %s: %s (%s)" % (b.log, b.stderr, b.accel)
    assert b.status == hvrun.PASS, b.stderr
    assert [r["test"] for r in b.res.results] == BATCH


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_hello(batch, backend):
    b = batch(backend)
    msgs = b.passed("vm_hello", backend, nchecks=3)
    find(msgs, r"^hello: vcpu=0 mem=0x1000000 vmmcall=%d$" % EXPECT[backend]["vmmcall"])
    find(msgs, r"^hello\.bin: ended by done, exit code 0")
    # both output paths reach the host console, one line each
    text = hvrun.clean(b.res.text)
    assert re.search(r"^guest\d+\.0: hello from the guest via HC_PUTS$", text, re.M)
    assert re.search(r"^guest\d+\.0: hello from the guest via COM1$", text, re.M)


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_boot(batch, backend):
    """The boot state of hv_abi.h as the guest reads it.  VM entry keeps the
    host's CR0.CD/NW (SDM Vol. 3 26.3.2.1), so on VMX this also checks that
    the host runs with caches enabled."""
    msgs = batch(backend).passed("vm_boot", backend, nchecks=12)
    find(msgs, r"^boot: cr0=0x80010033 \(want PE=1 PG=1 CD=0 NW=0\)$")
    find(msgs, r"^boot: efer\.lme\|lma: got=0x500 want=0x500$")
    find(msgs, r"^boot: cr3: got=0x1000 want=0x1000$")
    find(msgs, r"^boot: rdi = guest memory size: got=0x1000000 want=0x1000000$")


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_cpuid(batch, backend):
    msgs = batch(backend).passed("vm_cpuid", backend, nchecks=9)
    for reg, sig in (("ebx", "0x68207668"), ("ecx", "0x76682076"), ("edx", "0x20766820")):
        find(msgs, r"leaf 0x40000000 %s: got=%s want=%s$" % (reg, sig, sig))
    e = EXPECT[backend]
    find(msgs, r"^cpuid: vendor=%s leaf_eax=0x%d vmmcall_flag=%d want=%d$" % (
        e["vendor"], e["vmmcall"], e["vmmcall"], e["vmmcall"]))
    find(msgs, r"ecx\.vmx \(bit 5\) hidden: got=0 want=0")
    find(msgs, r"ecx\.svm \(bit 2\) hidden: got=0 want=0")


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_tls(batch, backend):
    msgs = batch(backend).passed("vm_tls", backend, nchecks=7)
    find(msgs, r"^tls: fs:0 after HC_SET_TLS: got=0x7115da7a00000001 want=")
    find(msgs, r"^tls: HC_SET_TLS\(non-canonical\) result: got=-22 want=-22$")
    find(msgs, r"^tls: fs:0 after the refused HC_SET_TLS: got=0x7115da7a00000001 ")


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_fpu(batch, backend):
    """hv/fpu.c: guest and host each keep their x87 control word across
    entries, also when the host runs the guest with CR0.TS set (lazy FPU),
    and CR0.TS is left set."""
    msgs = batch(backend).passed("vm_fpu", backend, nchecks=5)
    find(msgs, r"^host FCW after the guest loaded 0x0b7f: 0xa7f ")
    find(msgs, r"^guest FCW after the host loaded 0x0e7f: 0xb7f ")
    find(msgs, r"^host FCW at the end: 0xe7f ")
    find(msgs, r"after it: 1 \(want 1: left as found\)$")


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_avx(batch, backend):
    """hv/fpu.c with XSAVE: the host's ymm0 upper half survives a guest that
    loads its own with VEX code, and the guest finds its own after a host
    round trip (testkern enables AVX at boot; both emulators have it)."""
    msgs = batch(backend).passed("vm_avx", backend, nchecks=5)
    find(msgs, r"^host XCR0 0x7 \(want 0x7: set at boot\), XSAVE area \d+ bytes")
    find(msgs, r"^host ymm0\[255:128\] after the guest loaded its own: "
               r"0x55556666777788881111222233334444 ")
    find(msgs, r"^guest ymm0\[255:128\] XOR its pattern after a host round trip: 0x0 ")
    find(msgs, r"^host ymm0\[255:128\] at the end: 0xccccddddeeeeffff99990000aaaabbbb ")


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_hv_reinit(batch, backend):
    """hv_fini frees every per-CPU page (2 CPUs: VMXON region + FPU area,
    or SVM host save area + host VMCB + FPU area), hv_init restores it all."""
    msgs = batch(backend).passed("hv_reinit", backend, nchecks=8)
    per_cpu = {"svm": 3, "vmx": 2}[backend]
    find(msgs, r"^hv_fini freed %d pages \(want %d: 2 CPUs x %d\), hv holds 0 \(want 0\)$" % (
        2 * per_cpu, 2 * per_cpu, per_cpu))
    m = find(msgs, r"^pages in use: (\d+) before, (\d+) after hv_fini")
    assert m.group(1) == m.group(2)
    find(msgs, r"^hw\.vmm\.type readable again: '(SVM from AMD|VMX from Intel)'")


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_paging(batch, backend):
    """The guest's own paging under EPT/NPT: its #PF handler sees the error
    codes the SDM defines (P=1, W=2, U=4, I/D=16)."""
    msgs = batch(backend).passed("vm_paging", backend, nchecks=12)
    find(msgs, r"#PF error executing an NX page: got=0x11 want=0x11$")
    find(msgs, r"#PF error writing a read-only page: got=0x3 want=0x3$")
    find(msgs, r"#PF error reading a supervisor page at CPL 3: got=0x5 want=0x5$")
    find(msgs, r"4 KiB alias write seen through the 2 MiB page: got=0xa11a5a11a5a11a5 ")


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_demand(batch, backend):
    msgs = batch(backend).passed("vm_demand", backend, nchecks=12)
    # exactly one nested fault and one new resident page per fresh 4 KiB page
    find(msgs, r"^demand: nested faults for 64 fresh pages: 64$")
    find(msgs, r"^demand: resident pages grew by 64 ")
    m = find(msgs, r"hv_vm_pageout of 64 pages: ok, resident (\d+) \(before the touches (\d+)\)")
    assert m.group(1) == m.group(2)
    find(msgs, r"^demand: refaults after pageout: nested faults 64, page-ins 64$")
    find(msgs, r"^demand: mismatches after pageout and refault: got=0 want=0$")
    # all of guest memory out (code, stack, page tables): the guest goes on
    find(msgs, r"^demand: hv_vm_pageout of all guest memory: ok, resident 0$")
    find(msgs, r"^demand: mismatches after paging out all guest memory: got=0 want=0$")


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_copy(batch, backend):
    msgs = batch(backend).passed("vm_copy", backend, nchecks=49)
    # CPL decides: the supervisor page reads at CPL 0, faults at CPL 3
    m = find(msgs, r"copy cpl0: copyin supervisor page, fnv: got=(0x[0-9a-f]+) want=(\S+)")
    assert m.group(1) == m.group(2)
    find(msgs, r"copy cpl3: copyin supervisor-only page: got=-14 want=-14")
    # page-crossing data read through non-contiguous guest-physical pages
    m = find(msgs, r"copy cpl0: copyin 64 bytes across U0/U1, fnv: got=(0x[0-9a-f]+) want=(\S+)")
    assert m.group(1) == m.group(2)
    # 36 characters + NUL copied by copyinstr
    for cpl in (0, 3):
        m = find(msgs, r"copy cpl%d: copyinstr across U1/U2, done<<32\|fnv: "
                 r"got=(0x25[0-9a-f]{8}) want=(\S+)" % cpl)
        assert m.group(1) == m.group(2)
    find(msgs, r"copyinstr no NUL within max 16: got=-63 want=-63")
    for what in ("copyin unmapped page", "copyin non-canonical 0x800000000000",
                 "copyin page mapped beyond guest memory",
                 "suword32 to a read-only page \\(CR0\\.WP=1\\)"):
        find(msgs, r"copy cpl0: %s: got=-14 want=-14" % what)
    find(msgs, r"copy: returned from CPL 3 with its token: got=0x600d")
    # hv_vcpu_translate: gpa through the guest's tables, rights checked,
    # and it sets no A/D flag (checked right after it on U4)
    find(msgs, r"copy cpl0: translate U1\+0x123: got=0x605123 want=0x605123$")
    find(msgs, r"copy cpl0: translate read-only U2 for a write: got=-14 want=-14$")
    find(msgs, r"copy cpl3: translate the supervisor-only page: got=-14 want=-14$")
    find(msgs, r"A/D of U3 and U4 before any access: got=0x0 want=0x0$")
    # host accesses set the guest PTE's accessed/dirty flags like the CPU
    find(msgs, r"U3 PTE A/D after the host's write: got=0x60 want=0x60$")
    find(msgs, r"U4 PTE A/D after the host's read: got=0x20 want=0x20$")
    # a copyout that faults part-way leaves the guest's bytes untouched
    find(msgs, r"copy cpl0: copyout running into a read-only page: got=-14 want=-14")
    m = find(msgs, r"bytes before the read-only page untouched, fnv: got=(\S+) want=(\S+)")
    assert m.group(1) == m.group(2)


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_triple(batch, backend):
    msgs = batch(backend).passed("vm_triple", backend, nchecks=2)
    find(msgs, r"^triple: run ended by error")
    find(msgs, r"^triple: decoded error: " + EXPECT[backend]["triple"])


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_runaway(batch, backend):
    msgs = batch(backend).passed("vm_runaway", backend, nchecks=3)
    find(msgs, r"^runaway: run ended by timeout")
    ms = int(find(msgs, r"^runaway: stopped after (\d+) ms").group(1))
    # the watchdog is checked at exits, which must come often even with IF=0
    assert 2000 <= ms < 3000
    assert int(find(msgs, r"host-interrupt exits while spinning: (\d+)").group(1)) > 0


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_badstate(batch, backend):
    msgs = batch(backend).passed("vm_badstate", backend, nchecks=3)
    find(msgs, r"^badstate: set CR0=0x[0-9a-f]+ \(PG=1, PE=0\): ok$")
    find(msgs, r"^badstate: run ended by error")
    find(msgs, r"^badstate: decoded error: " + EXPECT[backend]["badstate"])


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_oob(batch, backend):
    msgs = batch(backend).passed("vm_oob", backend, nchecks=2)
    find(msgs, r"^oob: run ended by error, EFAULT")
    find(msgs, r"^oob: decoded error: " + EXPECT[backend]["oob"])


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_hcbad(batch, backend):
    b = batch(backend)
    msgs = b.passed("vm_hcbad", backend, nchecks=8)
    find(msgs, r"unknown hypercall 99: got=-22 want=-22$")
    find(msgs, r"HC_PUTS from an unmapped address: got=-14 want=-14$")
    find(msgs, r"HC_PUTS of 5000 bytes: got=-22 want=-22$")


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_badinput(batch, backend):
    msgs = batch(backend).passed("vm_badinput", backend, nchecks=20)
    find(msgs, r"hv_vm_create\(0\): EINVAL$")
    find(msgs, r"hv_vcpu_create\(0\) again: EEXIST$")
    find(msgs, r"hv_copyin across the end of memory: EFAULT$")
    m = find(msgs, r"pages used (\d+) -> (\d+), heap bytes (\d+) -> (\d+)$")
    assert m.group(1) == m.group(2) and m.group(3) == m.group(4)


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_hoststate(batch, backend):
    """The 2013 bugs: after guest runs separated by vmspace and TLS switches
    the host's CR3 and FS base are still the thread's own."""
    msgs = batch(backend).passed("vm_hoststate", backend, nchecks=3)
    find(msgs, r"marks 40, host checks 40 \(want 40 each\)$")
    find(msgs, r"wrong host CR3 after 0 runs, wrong FS base after 0 ")


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_leak(batch, backend):
    msgs = batch(backend).passed("vm_leak", backend, nchecks=3)
    find(msgs, r"VMs created, run to exit 0, destroyed: 100 of 100$")
    m = find(msgs, r"pages used before=(\d+) after=(\d+)$")
    assert m.group(1) == m.group(2)
    m = find(msgs, r"heap bytes before=(\d+) after=(\d+)$")
    assert m.group(1) == m.group(2)


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_enable(batch, backend):
    msgs = batch(backend).passed("vm_enable", backend, nchecks=12)
    find(msgs, r"^enable: 1 -> 0 while a VM exists: EBUSY \(16\), enabled=1$")
    find(msgs, r"^enable: 1 -> 1 \(same value\) while a VM exists: ok$")
    find(msgs, r"^enable: the VM created before the writes runs: done, exit code 0$")
    find(msgs, r"^enable: hv_vm_create while disabled refused: ENODEV$")


@pytest.mark.smp
@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_smp(batch, backend):
    msgs = batch(backend).passed("vm_smp", backend, nchecks=5)
    find(msgs, r"vCPU 0 thread migrated cpu 0 -> 1 \(want 0 -> 1\): ok")
    find(msgs, r"vCPU 1 thread migrated cpu 1 -> 0 \(want 1 -> 0\): ok")
    find(msgs, r"shared counter after both vCPUs: got=80000 want=80000")


@pytest.mark.smp
@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_shootdown(batch, backend):
    msgs = batch(backend).passed("vm_shootdown", backend, nchecks=6)
    find(msgs, r"hv_vm_pageout calls that succeeded: 200 of 200")
    m = find(msgs, r"updates lost by vCPU 1: 0 in (\d+) iterations \(exit code 0\)")
    assert int(m.group(1)) > 0
    m = find(msgs, r"word in the page (0x[0-9a-f]+), vCPU 1 wrote last (0x[0-9a-f]+)")
    assert m.group(1) == m.group(2)
    m = find(msgs, r"page-ins (\d+), pages paged out (\d+), nested faults (\d+), "
                   r"invalidation IPIs (\d+)")
    assert int(m.group(3)) > 0 and int(m.group(4)) > 0


@pytest.mark.qemu
@pytest.mark.svm
def test_vm_smp_skips_on_one_cpu(boot):
    con = boot("qemu", smp=1)
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


@pytest.mark.timeout(700)
@pytest.mark.parametrize("backend", BACKENDS)
def test_vm_int3_db(boot, backend):
    """int3 in the guest opens db> on the console: regs, x, errors, c; then
    a second run stopped with q."""
    slow = accel(backend).runner == "bochs"
    con = boot(backend=backend, smp=1)
    con.p.send("run vm_int3\r")
    bp = int(con.expect(r"int3: breakpoint at (0x[0-9a-f]+)\r", 120 if slow else 30)
             .group(1), 16)
    # a #BP the backend does not catch ends the test instead of prompting
    i = con.p.expect(["db> ", r"RESULT vm_int3 .*\n"], timeout=120 if slow else 30)
    assert i == 0, "no db> prompt: " + hvrun.clean(con.p.before + con.p.after)
    regs = db(con, "regs")
    # the backends step over the int3 before the #BP exit: RIP is the next byte
    assert re.search(r"\brip=0x%016x\b" % (bp + 1), regs), regs
    assert "rbx=0x1122334455667788" in regs and "r15=0x00000000feedface" in regs, regs
    assert re.search(r"\bcpl=0\b", regs) and re.search(r"\bcr3=0x1000\b", regs), regs
    for reg in ("rax", "rsp", "rflags", "cr0", "cr4", "efer"):
        assert re.search(r"\b%s=0x[0-9a-f]+" % reg, regs), regs
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
    out = con.wait_prompt(120 if slow else 30)
    res = Results(out)
    assert res.result("vm_int3")["status"] == "PASS", out
    assert "int3: resumed after the breakpoint, rbx: got=0x1122334455667788" in out

    # q stops the VM: the test records it as a failure with the reason
    con.p.send("run vm_int3\r")
    con.p.expect_exact("db> ", timeout=120 if slow else 30)
    con.p.send("q\r")
    out = con.wait_prompt(120 if slow else 30)
    res = Results(out)
    assert res.result("vm_int3")["status"] == "FAIL", out
    find([c["message"] for c in res.checks_of("vm_int3")],
         r"after the debugger prompt the guest ended by quit, exit code 0: stopped by q at the debugger prompt")


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
