"""vmm.ko in a real DragonFly BSD kernel (make dfly: build/dfly/hvtest.iso).

The image boots DragonFly's kernel (built here from its sources,
hv/dragonfly/kernel/HVTEST) with vmm.ko and hvtest.ko preloaded; vmm.ko's
MOD_LOAD turns VMX or SVM on on every CPU, then hvtest.ko runs the guests
through vmm.ko's hv API and prints CHECK/RESULT/SUMMARY lines
(docs/CONSOLE.md).  One boot per backend (svm: QEMU -cpu max, vmx: Bochs
Haswell; 2 CPUs each, scripts/dragonfly/run.sh) is shared by every item, also
across xdist workers; each item checks one line of that console.

Skipped, with the reason, when the DragonFly source tarball (DFLY_SRC) is
not there.  The build happens in make (`make test-qemu`, `make dfly`), never
under a pytest timeout.
"""
import os
import re

import pytest

import conftest
import hvrun

TOP = conftest.TOP
DFLY_SRC = os.path.join(TOP, os.environ.get(
    "DFLY_SRC", "../shared/dragonfly/dragonfly-src-f875a8eec7.tar.xz"))
ISO = os.path.join(TOP, "build", "dfly", "hvtest.iso")
RUN = os.path.join(TOP, "scripts", "dragonfly", "run.sh")
# Seconds from emulator start to hvtest's SUMMARY line before the boot fails.
BOOT_TIMEOUT = {"svm": 240, "vmx": 600}

pytestmark = [
    pytest.mark.dragonfly,
    # the first item of each backend waits for its boot
    pytest.mark.timeout(max(BOOT_TIMEOUT.values()) + 60),
    pytest.mark.skipif(not os.path.isfile(DFLY_SRC),
                       reason="no DragonFly sources %s (set DFLY_SRC)" % DFLY_SRC),
]

BACKENDS = [pytest.param("svm", marks=[pytest.mark.qemu, pytest.mark.svm]),
            pytest.param("vmx", marks=[pytest.mark.bochs, pytest.mark.vmx])]

HV_TYPE = {"svm": "SVM from AMD", "vmx": "VMX from Intel"}

# Every CHECK line hvtest.ko prints: (test, n) -> regex its message must
# match in full, per backend where the value differs.  The guest's own
# checks come first (guests/NAME.asm), then the host's (hvtest_vm.c).
GUEST_MEM = "0x1000000"		# HVT_VM_MEM, 16 MiB


def exit0(image, ms=r"\d+"):
    return r"%s: ended by done, exit code 0, %s ms" % (re.escape(image), ms)


def reports(image, n):
    return r"%s: guest reports=%d \(want %d\) failed=0" % (re.escape(image), n, n)


def got(label, value):
    """A guest CHECK_EQ message: label, got and want the same value."""
    return r"%s: got=%s want=%s" % (re.escape(label), value, value)


CHECKS = {
    ("vm_hello", 1): {"svm": r"hello: vcpu=0 mem=%s vmmcall=1" % GUEST_MEM,
                      "vmx": r"hello: vcpu=0 mem=%s vmmcall=0" % GUEST_MEM},
    ("vm_hello", 2): exit0("hello.bin"),
    ("vm_hello", 3): reports("hello.bin", 1),

    ("vm_boot", 1): re.escape("boot: cr0=0x80010033 (want PE=1 PG=1 CD=0 NW=0)"),
    ("vm_boot", 2): got("boot: cr4.pae", "0x20"),
    ("vm_boot", 3): got("boot: efer.lme|lma", "0x500"),
    ("vm_boot", 4): got("boot: cr3", "0x1000"),
    ("vm_boot", 5): got("boot: cs", "0x8"),
    ("vm_boot", 6): got("boot: ss", "0x10"),
    ("vm_boot", 7): got("boot: ds", "0x10"),
    ("vm_boot", 8): got("boot: rdi = guest memory size", GUEST_MEM),
    ("vm_boot", 9): got("boot: rsi = vcpu id", "0"),
    ("vm_boot", 10): r"boot: last byte of guest memory readable",
    ("vm_boot", 11): exit0("boot.bin"),
    ("vm_boot", 12): reports("boot.bin", 10),

    # hv's CPUID leaf 0x40000000: signature "hv hv hv " in ebx, ecx, edx
    ("vm_cpuid", 1): got("cpuid: leaf 0x40000000 ebx", "0x68207668"),
    ("vm_cpuid", 2): got("cpuid: leaf 0x40000000 ecx", "0x76682076"),
    ("vm_cpuid", 3): got("cpuid: leaf 0x40000000 edx", "0x20766820"),
    ("vm_cpuid", 4): got("cpuid: reserved flag bits of leaf eax", "0x0"),
    ("vm_cpuid", 5): {"svm": r"cpuid: vendor=AuthenticAMD leaf_eax=0x1 vmmcall_flag=1 want=1",
                      "vmx": r"cpuid: vendor=GenuineIntel leaf_eax=0x0 vmmcall_flag=0 want=0"},
    ("vm_cpuid", 6): got("cpuid: leaf 1 ecx.vmx (bit 5) hidden", "0"),
    ("vm_cpuid", 7): got("cpuid: leaf 0x80000001 ecx.svm (bit 2) hidden", "0"),
    ("vm_cpuid", 8): exit0("cpuid.bin"),
    ("vm_cpuid", 9): reports("cpuid.bin", 7),

    ("vm_paging", 1): got("paging: EFER.NXE set by the guest", "0x800"),
    ("vm_paging", 2): got("paging: 4 KiB alias write seen through the 2 MiB page",
                          "0xa11a5a11a5a11a5"),
    ("vm_paging", 3): got("paging: same word through the identity map", "0xa11a5a11a5a11a5"),
    ("vm_paging", 4): got("paging: #PF error executing an NX page", "0x11"),
    ("vm_paging", 5): got("paging: CR2 of the NX fault", "0x40401000"),
    ("vm_paging", 6): got("paging: #PF error writing a read-only page", "0x3"),
    ("vm_paging", 7): got("paging: CR2 of the write fault", "0x40402008"),
    ("vm_paging", 8): got("paging: #PF error reading a supervisor page at CPL 3", "0x5"),
    ("vm_paging", 9): got("paging: CR2 of the CPL 3 fault", "0x40403010"),
    ("vm_paging", 10): got("paging: the CPL 3 fault came from the user CS", "0x1b"),
    ("vm_paging", 11): exit0("paging.bin"),
    ("vm_paging", 12): reports("paging.bin", 10),

    # 64 fresh pages at 0x800000: 64 nested faults, pageout, 64 refaults
    ("vm_demand", 1): r"demand: guest memory %s holds the test range up to 0x840000" % GUEST_MEM,
    ("vm_demand", 2): r"demand: nested faults for 64 fresh pages: 64",
    ("vm_demand", 3): r"demand: resident pages grew by 64 \((\d+) -> (\d+)\)",
    ("vm_demand", 4): r"demand: hv_vm_pageout of 64 pages: error 0, resident (\d+) "
                      r"\(before the touches \1\)",
    ("vm_demand", 5): got("demand: mismatches after writing 64 pages", "0"),
    ("vm_demand", 6): r"demand: refaults after pageout: nested faults 64, page-ins 64",
    ("vm_demand", 7): r"demand: resident pages after the refaults grew by 64",
    ("vm_demand", 8): got("demand: mismatches after pageout and refault", "0"),
    ("vm_demand", 9): r"demand: hv_vm_pageout of all guest memory: error 0, resident 0",
    ("vm_demand", 10): got("demand: mismatches after paging out all guest memory", "0"),
    ("vm_demand", 11): exit0("demand.bin"),
    ("vm_demand", 12): reports("demand.bin", 4),
    ("vm_demand", 13): r"demand: marks seen 4 \(want 4\)",

    # two vCPUs, each thread moved to the other CPU at the guest's mark
    ("vm_smp", 1): r"smp: vCPU 0 ended by done, exit code 0",
    ("vm_smp", 2): r"smp: vCPU 0 thread migrated cpu 0 -> 1 \(want 0 -> 1\)",
    ("vm_smp", 3): r"smp: vCPU 1 ended by done, exit code 0",
    ("vm_smp", 4): r"smp: vCPU 1 thread migrated cpu 1 -> 0 \(want 1 -> 0\)",
    ("vm_smp", 5): r"smp: vCPU 0 guest check: smp: shared counter after both vCPUs: "
                   r"got=80000 want=80000",

    ("vm_triple", 1): r"triple: run ended by error \(want error\)",
    # hv's one stop format, the same on both backends, with the triple fault's
    # facts: the guest's stack, boot CR0/CR3 and the empty IDT it loaded
    ("vm_triple", 2): r"triple: decoded error: guest0\.0: triple fault at rip=0x2002e1 "
                      r"rsp=0x1ffff8 cr0=0x80010033 cr3=0x1000 idtr=0x0 idtr_limit=0x0",

    ("vm_oob", 1): r"oob: run ended by error, error 14 \(want error, 14\)",
    ("vm_oob", 2): {"svm": r"oob: decoded error: guest0\.0: #NPF outside guest memory: "
                           r"gpa 0x7f000000 \(memory ends at 0x1000000\), error code "
                           r"0x100000004 at rip=0x2004c9",
                    "vmx": r"oob: decoded error: guest0\.0: EPT violation outside guest memory "
                           r"at gpa=0x7f000000 \(read, memory 0x1000000 bytes\) at rip=0x2004c9"},
}


TESTS = ["vm_hello", "vm_boot", "vm_cpuid", "vm_paging", "vm_demand", "vm_smp",
         "vm_triple", "vm_oob"]


@pytest.fixture(scope="module", params=BACKENDS)
def dfly_boot(request):
    """This pytest run's one boot of a backend: booted by the first worker
    that asks (conftest.shared_boot's lock), read by every item.
    -> (backend, console text, run.sh's status line, log, accelerator)."""
    backend = request.param
    if not os.path.isfile(ISO):
        pytest.fail("no %s: run `make dfly` (make test-qemu does)" % ISO, pytrace=False)
    log = os.path.join(conftest.LOGDIR, "dragonfly-%s.log" % backend)
    argv = [RUN, "-i", ISO, "-l", log, "-t", str(BOOT_TIMEOUT[backend]), backend]
    status, stderr, log, how = conftest.shared_boot(
        request.config, "dragonfly-%s" % backend, ISO, backend, 2,
        BOOT_TIMEOUT[backend], argv=argv)
    return backend, status, hvrun.clean(hvrun.read_log(log)), stderr, log, how


@pytest.fixture
def con(dfly_boot, request):
    """The boot's (backend, console text); a failing item shows its log tail."""
    backend, status, text, stderr, log, how = dfly_boot
    request.node.hv_logs = [log]
    request.node.hv_accels = ["%s: %s" % (log, how)]
    assert status == 0, "scripts/dragonfly/run.sh %s: status %d: %s" % (backend, status, stderr)
    return backend, text


def lines_starting(text, prefix):
    return [ln for ln in text.splitlines() if ln.startswith(prefix)]


def test_vmm_loaded(con):
    """vmm.ko's MOD_LOAD lines, and no other: the kernel's own hw.vmm moved
    aside, then the backend on both CPUs."""
    backend, text = con
    assert lines_starting(text, "vmm: ") == [
        "vmm: the kernel's hw.vmm is hw.vmm_builtin while vmm.ko is loaded; "
        "writes to its enable are refused",
        "vmm: %s enabled on 2 CPUs, control device /dev/vmm" % HV_TYPE[backend]]


def test_hvtest_started(con):
    """hvtest.ko's MOD_LOAD ran after vmm.ko's, on the same backend."""
    backend, text = con
    assert lines_starting(text, "hvtest: %d tests" % len(TESTS)) == \
        ["hvtest: %d tests on %s, 2 CPUs" % (len(TESTS), HV_TYPE[backend])]


@pytest.mark.parametrize("test,n", sorted(CHECKS), ids=lambda v: str(v))
def test_check(con, test, n):
    """One CHECK line of hvtest.ko: PASS, and its message with the values
    the test wants (a message that names other values fails)."""
    backend, text = con
    found = [c for c in hvrun.parse_checks(text) if c["test"] == test and c["n"] == n]
    assert len(found) == 1, "want one CHECK %s.%d" % (test, n)
    want = CHECKS[(test, n)]
    want = want[backend] if isinstance(want, dict) else want
    assert found[0]["status"] == "PASS", found[0]["message"]
    assert re.fullmatch(want, found[0]["message"]), \
        "CHECK %s.%d message %r does not match %r" % (test, n, found[0]["message"], want)


@pytest.mark.parametrize("test", TESTS)
def test_result(con, test):
    """One RESULT line per test: PASS with exactly its checks, on this backend."""
    backend, text = con
    res = [r for r in hvrun.parse_results(text) if r["test"] == test]
    assert len(res) == 1, "want one RESULT %s" % test
    want_checks = len([k for k in CHECKS if k[0] == test])
    assert (res[0]["status"], res[0]["checks"], res[0]["failed"], res[0]["backend"]) == \
        ("PASS", want_checks, 0, backend), res[0]


def test_summary(con):
    """The SUMMARY line; no CHECK line beyond the known ones; no panic."""
    backend, text = con
    assert hvrun.parse_summaries(text) == [
        {"passed": len(TESTS), "failed": 0, "skipped": 0, "timeout": 0}]
    ids = sorted((c["test"], c["n"]) for c in hvrun.parse_checks(text))
    assert ids == sorted(CHECKS)
    assert not re.search(r"^(panic|Fatal trap)", text, re.M)
