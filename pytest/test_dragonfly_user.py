"""vmm.ko from DragonFly user space: a real DragonFly kernel boots with a UFS
md root whose init is vmmcheck (hv/dragonfly/user), which kldloads vmm.ko,
drives every /dev/vmm ioctl, reads the hw.vmm sysctls, checks %fs:0 of two
TLS threads after every VM exit, and unloads vmm.ko (`make dfly-user`).
One boot per image and backend (svm: QEMU, vmx: Bochs), shared by the items;
each item checks one CHECK line (or one finding) with its specific values.

The quirks image carries a test build of vmm.ko (-DHV_QUIRKS) and sets
hw.vmm.quirk.zero_host_fs=1 (loader variable vmmcheck.sysctl) before the
FS-base test: there the 2013 bug must show (%fs:0 wrong after VM exits),
while the shipped vmm.ko passes.  Skipped without the DragonFly sources.
"""
import os
import re

import pytest

import hvrun
from conftest import TOP, shared_boot

SRC = os.environ.get("DFLY_SRC", os.path.join(
    TOP, "..", "shared", "dragonfly", "dragonfly-src-f875a8eec7.tar.xz"))
OUT = os.path.join(TOP, "build", "dfly")
IMAGES = {"ship": os.path.join(OUT, "vmmcheck.iso"),
          "quirks": os.path.join(OUT, "vmmcheck-quirks.iso")}
BACKENDS = ["svm", "vmx"]
# seconds for the whole boot (Bochs: about a minute alone)
TIMEOUT = {"svm": 240, "vmx": 480}

pytestmark = [pytest.mark.dragonfly,
              pytest.mark.skipif(not os.path.isfile(SRC),
                                 reason="no DragonFly sources %s (set DFLY_SRC)" % SRC)]

TYPE = {"svm": "SVM from AMD", "vmx": "VMX from Intel"}
# A write to the kernel's own vmm's enable while vmm.ko is loaded: under VMX
# the built-in vmm is usable, its leaf writable, and vmm.ko's guard answers
# EBUSY (without it: EINVAL after the built-in's VMXON failed); under SVM the
# built-in vmm has no SVM support and its leaf is read-only (EPERM).
BUILTIN_ERR = {"svm": "EPERM", "vmx": "EBUSY"}
E = re.escape
HEX = r"0x[0-9a-f]+"

# (check id, regex of its message); {type}/{builtin} per backend
CHECKS = [
    ("dfly_load.1", r"kldload\(/boot/vmm\.ko\) = [1-9]\d*"),
    ("dfly_load.2", r'hw\.vmm\.type = "{type}" \(0\)'),
    ("dfly_dev.1", r"open\(/dev/vmm\) = \d+"),
    ("dfly_dev.2", E("VCPU_CREATE before VM_CREATE = ENOENT")),
    ("dfly_dev.3", E("VM_CREATE(16 MiB) = 0")),
    ("dfly_dev.4", E("VM_CREATE again = EEXIST")),
    ("dfly_dev.5", E("VCPU_CREATE(0) = 0")),
    ("dfly_dev.6", E("VCPU_CREATE(0) again = EEXIST")),
    ("dfly_dev.7", E("VCPU_CREATE(8) = EINVAL")),
    ("dfly_dev.8", r"LOAD_IMAGE\(hello\.bin, \d+ bytes\) = 0"),
    ("dfly_dev.9", E("GET_REGS = 0: rip=0x200000 rdi=0x1000000 cr3=0x1000")),
    ("dfly_dev.10", E("SET_REGS = 0: rbx read back 0x5eed1234")),
    ("dfly_dev.11", E("SET_CR3(0x1000) = 0: cr3 0x1000")),
    ("dfly_dev.12", E("SET_TLS(0x800000000000) = EINVAL (not canonical)")),
    ("dfly_dev.13", E("SET_TLS(0x7000) = 0")),
    ("dfly_dev.14", E("TRANSLATE(0x200123) = 0: gpa 0x200123 (identity map)")),
    ("dfly_dev.15", E("TRANSLATE(0x10000000000) = EFAULT (unmapped)")),
    ("dfly_dev.16", E("MEM_READ(0x200000, 16) = 0: the image's first bytes")),
    ("dfly_dev.17", E('MEM_WRITE(0x900ffc, 8) across a page = 0: read back "vmmchk!"')),
    ("dfly_dev.18", E("MEM_READ past the end of guest memory = EFAULT")),
    ("dfly_dev.19", r"RUN until done: 0, kind 2, exit code 0, \d+ runs, 1 hypercalls"),
    ("dfly_dev.20", r"guest report \(1, 0 failed\): hello: vcpu=0 mem=0x1000000 "
                    r"vmmcall={vmmcall}"),
    ("dfly_dev.21", E("GET_REGS after the run = 0: fs_base 0x7000 (SET_TLS applied at "
                      "the entry)")),
    ("dfly_dev.22", E("VM_DESTROY = 0")),
    ("dfly_dev.23", E("RUN after VM_DESTROY = ENOENT")),
    ("dfly_dev.24", E("VM_DESTROY again = ENOENT")),
    ("dfly_dev.25", E("unknown ioctl = ENOTTY")),
    ("dfly_dev.26", E("close = 0")),
    ("dfly_irq.1", r"irqrecv\.bin \(\d+ bytes\), 2 vCPUs: 0"),
    ("dfly_irq.2", E("lwp_create for vCPU 1 = 0")),
    ("dfly_irq.3", E("vCPU 0: 0, kind 2, exit code 0, 5 marks")),
    ("dfly_irq.4", E("vCPU 1: 0, kind 2, exit code 0, 1 marks")),
    ("dfly_irq.5", E("INJECT_IRQ from vCPU 0's thread: 0x40 0, 31 EINVAL, vCPU 2 ENOENT, "
                     "0x41 0, 0x40 0, 0x40 0, 0x41 0")),
    ("dfly_irq.6", E("INJECT_IRQ(vCPU 0, 0x42) from the second thread while vCPU 0 "
                     "runs = 0")),
    ("dfly_irq.7", E("guest reports (6, 0 failed), last: arrivals logged: got=6 want=6")),
    ("dfly_irq.8", E("close with the VM = 0")),
    ("dfly_destroy.1", r"spin\.bin \(\d+ bytes\): 0"),
    ("dfly_destroy.2", r"vCPU 0 runs in the second thread: guest counter [1-9]\d*"),
    ("dfly_destroy.3", E("VM_DESTROY while it runs = 0")),
    ("dfly_destroy.4", r"its VMM_IOC_RUN returned ENOENT after [1-9]\d* runs"),
    ("dfly_destroy.5", E("GET_REGS after = ENOENT")),
    ("dfly_destroy.6", E("close = 0")),
    ("dfly_fsbase.1", r"hist_tls\.bin \(\d+ bytes\); page 0 mapped \(0\) holding "
                      r"0x304553414253462e"),
    ("dfly_fsbase.2", E("main thread (FS base 0) on CPU 0 (0): hist_tls 0, exit code 0")),
    ("dfly_fsbase.3", r"thread 0 on CPU 0 \(0\), set_tls_area\((0x[0-9a-f]+)\) = 0, "
                      r"%fs:0 = \1, VM 0"),
    ("dfly_fsbase.4", r"thread 0: hist_tls 0, exit code 0, 48 SET_TLS, \d+ runs, guest: "
                      r"hist_tls: wrong %fs:0 reads .*: got=0 want=0"),
    ("dfly_fsbase.5", r"thread 0: %fs:0 after VMM_IOC_RUN wrong 0 of [1-9]\d* times, "
                      r"first 0x0 \(want 0x[0-9a-f]+\)"),
    ("dfly_fsbase.6", r"thread 1 on CPU 0 \(0\), set_tls_area\((0x[0-9a-f]+)\) = 0, "
                      r"%fs:0 = \1, VM 0"),
    ("dfly_fsbase.7", r"thread 1: hist_tls 0, exit code 0, 48 SET_TLS, \d+ runs, guest: "
                      r"hist_tls: wrong %fs:0 reads .*: got=0 want=0"),
    ("dfly_fsbase.8", r"thread 1: %fs:0 after VMM_IOC_RUN wrong 0 of [1-9]\d* times, "
                      r"first 0x0 \(want 0x[0-9a-f]+\)"),
    ("dfly_sysctl.1", E("hw.vmm.enable = 1 (0)")),
    ("dfly_sysctl.2", r"hw\.vmm\.stats\.exits = \d+, hypercalls_host = \d+ \(0, 0\)"),
    ("dfly_sysctl.3", E("hw.vmm.stats.irqs_injected = 6 (0)")),
    ("dfly_sysctl.4", E("hw.vmm.enable=0 with no VM = 0")),
    ("dfly_sysctl.5", E("hw.vmm.enable=1 again = 0: 1")),
    ("dfly_sysctl.6", r"hw\.vmm_builtin\.enable = 0; writing 1: {builtin}; then 0, "
                      r"hw\.vmm\.enable = 1"),
    ("dfly_unload.1", r"open\(/dev/vmm\) = \d+"),
    ("dfly_unload.2", r"kldunload\(\d+\) with /dev/vmm open = EBUSY"),
    ("dfly_unload.3", E("vmm.ko still loaded: hw.vmm_builtin.enable = 0 (0)")),
    ("dfly_unload.4", E("last close = 0")),
    ("dfly_unload.5", r"kldunload\(\d+\) after = 0"),
    ("dfly_unload.6", E("open(/dev/vmm) after = ENOENT")),
    ("dfly_unload.7", E("hw.vmm_builtin after = ENOENT")),
    ("dfly_unload.8", E("hw.vmm.enable (the kernel's own vmm again) = 0 (0)")),
]
TESTS = ["dfly_load", "dfly_dev", "dfly_irq", "dfly_destroy", "dfly_fsbase",
         "dfly_sysctl", "dfly_unload"]


def boot(request, kind, backend):
    """The console of image `kind` booted on `backend` (once per run)."""
    image = IMAGES[kind]
    if not os.path.isfile(image):
        pytest.fail("no image %s: run `make dfly-user` (make test-qemu does)" % image)
    name = "dfly-user-%s-%s" % (kind, backend)
    log = os.path.join(TOP, "build", "logs", name + ".log")
    argv = [os.path.join(TOP, "scripts", "dragonfly", "run.sh"), "-i", image, "-l", log,
            "-t", str(TIMEOUT[backend]), "-u", r"^SUMMARY |^db> |^panic|mountroot>", backend]
    status, stderr, log, how = shared_boot(request.config, name, image, backend, 2,
                                           TIMEOUT[backend], argv=argv)
    request.node.hv_logs = [log]
    request.node.hv_accels = [how]
    text = hvrun.clean(hvrun.read_log(log))
    assert status == 0 and hvrun.parse_summaries(text), \
        "%s: no SUMMARY line (run.sh status %d: %s)" % (name, status, stderr)
    return text


def check_line(text, cid):
    test, n = cid.rsplit(".", 1)
    found = [c for c in hvrun.parse_checks(text) if c["test"] == test and c["n"] == int(n)]
    assert len(found) == 1, "CHECK %s appears %d times" % (cid, len(found))
    return found[0]


def fill(rx, backend):
    return rx.format(type=TYPE[backend], builtin=BUILTIN_ERR[backend],
                     vmmcall=1 if backend == "svm" else 0)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("cid,rx", CHECKS, ids=[c[0] for c in CHECKS])
def test_check(request, backend, cid, rx):
    """Each CHECK of the shipped vmm.ko: PASS with its specific values."""
    c = check_line(boot(request, "ship", backend), cid)
    assert c["status"] == "PASS", "CHECK %s: %s" % (cid, c["message"])
    assert re.fullmatch(fill(rx, backend), c["message"]), \
        "CHECK %s says %r, want /%s/" % (cid, c["message"], fill(rx, backend))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("test", TESTS)
def test_result(request, backend, test):
    """Each test's RESULT: PASS on the backend, its CHECK lines counted."""
    text = boot(request, "ship", backend)
    res = [r for r in hvrun.parse_results(text) if r["test"] == test]
    n = len([c for c in CHECKS if c[0].startswith(test + ".")])
    assert len(res) == 1, "RESULT %s appears %d times" % (test, len(res))
    assert (res[0]["status"], res[0]["checks"], res[0]["failed"], res[0]["backend"]) == \
        ("PASS", n, 0, backend)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", BACKENDS)
def test_summary(request, backend):
    text = boot(request, "ship", backend)
    assert hvrun.parse_summaries(text) == [
        {"passed": len(TESTS), "failed": 0, "skipped": 0, "timeout": 0}]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("line", [
    # the kernel's side of the same events, one console line each
    r"vmm: the kernel's hw\.vmm is hw\.vmm_builtin while vmm\.ko is loaded; "
    r"writes to its enable are refused",
    r"vmm: {type} enabled on 2 CPUs, control device /dev/vmm",
    r"guest\d+\.0: hello from the guest via HC_PUTS",
    r"guest\d+\.0: irq 6: vector=0x42",
    r"guest\d+\.0: count vector=0x40 n=3",
    r"vmm: busy: 0 VM\(s\), 1 open /dev/vmm descriptor\(s\)",
    r"vmm: unloaded",
], ids=["builtin_renamed", "loaded", "hc_puts", "irq_from_thread", "irq_count",
        "unload_busy", "unloaded"])
def test_kernel_line(request, backend, line):
    text = boot(request, "ship", backend)
    rx = fill(line, backend)
    assert len(re.findall("^" + rx + "$", text, re.M)) == 1, "no line /%s/" % rx


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", BACKENDS)
def test_builtin_never_enabled(request, backend):
    """The kernel's own vmm never tried VMXON under vmm.ko (it prints
    `VMM: vmx_enable error N on cpuM` when it does, the bug before the fix)."""
    text = boot(request, "ship", backend)
    assert not re.search(r"^VMM: (vmxon failed|vmx_enable error|vmm enable\(\) failed)",
                         text, re.M)


def test_shipped_module_quirk_free():
    """The shipped vmm.ko has no quirk code, the test build has it."""
    for path, want in ((os.path.join(OUT, "modules", "vmm.ko"), False),
                       (os.path.join(OUT, "quirks", "vmm.ko"), True)):
        if not os.path.isfile(path):
            pytest.fail("no %s: run `make dfly-user`" % path)
        with open(path, "rb") as f:
            assert (b"hw.vmm.quirk.zero_host_fs" in f.read()) == want, path


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", BACKENDS)
def test_quirk_switched_on(request, backend):
    text = boot(request, "quirks", backend)
    assert re.search(r"^vmmcheck: sysctl hw\.vmm\.quirk\.zero_host_fs: 0 -> 1 \(0\)$",
                     text, re.M)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("thread", [0, 1])
def test_quirk_fs_base_symptom(request, backend, thread):
    """With zero_host_fs on, the thread's %fs:0 is wrong after VM exits: the
    host FS base was left 0 (VMX: HOST_FS_BASE 0; SVM: the host VMSAVE taken
    once per CPU, there by the main thread, which has no TLS), so %fs:0 reads
    page 0's marker.
    The guest's own FS (its check) stays right: only the host side breaks."""
    text = boot(request, "quirks", backend)
    tls = re.search(r"thread %d on CPU 0 \(0\), set_tls_area\((0x[0-9a-f]+)\)" % thread,
                    text).group(1)
    c = check_line(text, "dfly_fsbase.%d" % (5 + 3 * thread))
    m = re.fullmatch(r"thread %d: %%fs:0 after VMM_IOC_RUN wrong (\d+) of (\d+) times, "
                     r"first 0x304553414253462e = page 0: FS base 0 \(want %s\)"
                     % (thread, tls), c["message"])
    assert c["status"] == "FAIL" and m, "CHECK: %s %s" % (c["status"], c["message"])
    assert 1 <= int(m.group(1)) <= int(m.group(2))
    guest = check_line(text, "dfly_fsbase.%d" % (4 + 3 * thread))
    assert guest["status"] == "PASS", guest["message"]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", BACKENDS)
def test_quirk_only_fsbase_fails(request, backend):
    text = boot(request, "quirks", backend)
    status = {r["test"]: r["status"] for r in hvrun.parse_results(text)}
    assert status == {t: "FAIL" if t == "dfly_fsbase" else "PASS" for t in TESTS}
