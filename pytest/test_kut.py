"""kvm-unit-tests (the suite KVM is tested against) as outside guests on hv:
one item per (configuration of its x86/unittests.cfg, backend) for the
64-bit, one-CPU configurations, each booted unmodified as a multiboot v1
kernel by a generated scenario (guests/README.md: `multiboot`, `module`).

`make kut` builds the suite under build/kut/ from KUT_SRC; without it every
item is skipped with that reason.  One boot per backend runs every
configuration (svm: QEMU TCG, vmx: Bochs, as scripts/hvaccel.py decides);
on Bochs those that test a feature its Haswell model lacks boot apart on a
newer model (NEEDS_NEWER_CPU), and one that leaves the emulator in a state
later guests would inherit boots alone under it (APART_ON_TCG).
An item asserts the peer's own lines: its PASS:/FAIL:/SKIP: checks, its
SUMMARY and its exit code (through the debug-exit port), against
pytest/kut/expect_<backend>.txt, which lists every configuration that does
not pass and every check known to fail, with the hv feature it lacks.  A
configuration that starts passing, or a check that starts failing, fails
its item until the file says so.
"""
import configparser
import os
import re
import shlex

import pytest

from conftest import TOP, Results, accel, check_backend, shared_boot

KUT = os.path.join(TOP, "build", "kut", "kvm-unit-tests")
X86 = os.path.join(KUT, "x86")
SCN_DIR = os.path.join(TOP, "build", "kut", "scn")
EXPECT_DIR = os.path.join(TOP, "pytest", "kut")
BACKENDS = ("svm", "vmx")
MARKS = {"svm": [pytest.mark.kut, pytest.mark.qemu, pytest.mark.svm],
         "vmx": [pytest.mark.kut, pytest.mark.bochs, pytest.mark.vmx]}
MEM_MB = 128            # guest memory unless the configuration asks for more (-m)
MEM_MAX_MB = 256
SCN_TIMEOUT_MS = {"svm": 20000, "vmx": 20000}  # one configuration's watchdog (CI time)
# ...longer where a configuration passes but needs more of Bochs' emulated time:
# xsave prints 386 check lines, two exits (LSR poll, OUT) per character to hv's
# COM1: 31 s emulated, about 15 s of wall time
SCN_TIMEOUT_LONG_MS = {("xsave", "vmx"): 45000, ("msr", "vmx"): 90000,
                       ("msr64", "vmx"): 90000,
                       # access: 1,916,935 page-walk permutations (no PKU, no
                       # LA57 on Bochs' model) at ~4,700 a second of Bochs'
                       # emulated time, 407 s as measured (about 35 s of wall
                       # time): exits are ~0.02 a permutation, the guest's own
                       # walks run in the emulator
                       ("access", "vmx"): 600000}
# hw.vmm.hostcheck (on in testkern) compares the host's state after every exit,
# which makes each exit a whole run of hv_vcpu_run (no pinned fast path):
# about 1 ms of Bochs' emulated time per exit instead of 0.17.  msr and msr64
# write the MSRs hv switches (SYSENTER, SYSCALL, EFER, PAT, bases) in their
# first ~2500 exits, then probe ~1400 absent MCE and x2APIC MSRs for #GP,
# ~147000 exits for 1052 check lines: with the check on throughout that is
# ~150 s emulated (over the scenario limit of 100 s); on for the first 5000
# exits, then off, 33-44 s emulated as measured (about 10 s of wall time each;
# the watchdog leaves room for twice that).
HOSTCHECK_EXITS = {"msr": 5000, "msr64": 5000}
BOOT_TIMEOUT = {"svm": 600, "vmx": 1500}
# The peer's exit codes (lib/x86/io.c: code written to the debug-exit port).
EXIT_OUTCOME = {0: "pass", 1: "fail", 38: "skip"}
LINE_RE = re.compile(r"^guest\d+\.0: (PASS|FAIL|SKIP|XFAIL|XPASS): (.*)$", re.M)
SUMMARY_RE = re.compile(r"^guest\d+\.0: SUMMARY: (\d+) tests(?:, (\d+) unexpected failures)?"
                        r"(?:, (\d+) expected failures)?(?:, (\d+) skipped)?", re.M)


def config_excluded(sec):
    """Why a configuration is not run here, or None."""
    groups = sec.get("groups", "").split()
    if sec.get("arch", "x86_64") != "x86_64":
        return "a %s configuration (the suite is built for x86_64)" % sec["arch"]
    if not os.path.isfile(os.path.join(X86, sec["file"])):
        return "no %s in the build" % sec["file"]
    if "vmx" in groups or "svm" in groups or sec["file"] in ("svm.flat", "vmx.flat"):
        return "nested virtualization: hv hides VMX and SVM from its guests"
    if int(sec.get("smp", "1")) > 1:
        return "needs %s vCPUs: a multiboot guest has one" % sec["smp"]
    return None


def slow_on(backend, sec):
    """Why a configuration is not run on this backend (CI time), or None."""
    if backend == "vmx" and "vmexit" in sec.get("groups", "").split():
        return ("an exit-latency benchmark: its iteration counts take over 60 s "
                "each under Bochs")
    return None


# Configurations that test a CPU feature Bochs' default VMX model (Haswell,
# scripts/hvaccel.py) lacks boot apart on Bochs 2.7's newest model, as
# unittests.cfg picks a QEMU -cpu per configuration: {name: the feature}.
NEWER_BOCHS_CPU = "tigerlake"
NEEDS_NEWER_CPU = {"smap": "SMAP", "pku": "PKU", "pks": "PKS"}


# Configurations that leave QEMU TCG itself in a state no later guest of the
# same boot may inherit boot alone under it: {name: why}.
APART_ON_TCG = {
    "debug": (
        "QEMU 7.2 TCG keeps the instruction breakpoints a guest armed by MOV "
        "DR7 after #VMEXIT, which sets DR7 to 0x400 without disarming them "
        "(APM Vol. 2 15.6: all host breakpoints disabled); the host's later "
        "MOV of the same 0x400 changes nothing in it, so a later guest "
        "faulted at debug's hw_bp2 address (pks, then triple fault)"),
}


def boot_of(name, backend):
    """The boot (and its log, build/logs/<boot>.log) that runs configuration
    name on backend, and the Bochs model it needs instead of the default, or
    None."""
    if backend == "vmx" and name in NEEDS_NEWER_CPU and accel("vmx").runner == "bochs":
        return "test_kut_vmx_%s" % NEWER_BOCHS_CPU, NEWER_BOCHS_CPU
    if name in APART_ON_TCG and accel(backend).accel == "tcg":
        return "test_kut_%s_%s" % (backend, name), None
    return "test_kut_%s" % backend, None


def selected(name):
    """KUT_ONLY=a,b (environment) boots only those configurations: a quick
    look at a few while working on them; the others are then not run."""
    only = os.environ.get("KUT_ONLY")
    return not only or name in only.split(",")


def mem_of(sec):
    m = re.search(r"-m\s+(\d+)([MG]?)", sec.get("qemu_params", ""))
    if not m:
        return MEM_MB
    mb = int(m.group(1)) * (1024 if m.group(2) == "G" else 1)
    return min(mb, MEM_MAX_MB)


# QEMU's -cpu vendor= values as the scenario's `cpu` line names them
CPU_VENDORS = {"GenuineIntel": "intel", "AuthenticAMD": "amd"}


def cpu_of(sec):
    """The machine the configuration asks QEMU for (its qemu_params: -cpu
    ...,vendor=V and ...,phys-bits=N; -machine vmport=on) as a scenario
    `cpu` line (guests/README.md; hv_vm_set_model), "" for the host's CPU."""
    params = sec.get("qemu_params", "")
    words = []
    m = re.search(r"\bvendor=(\w+)", params)
    if m:
        assert m.group(1) in CPU_VENDORS, "unknown -cpu vendor=%s" % m.group(1)
        words.append(CPU_VENDORS[m.group(1)])
    m = re.search(r"\bphys-bits=(\d+)", params)
    if m:
        words += ["phys-bits", m.group(1)]
    if re.search(r"-machine\s+(\S+,)?vmport=on\b", params):
        words.append("vmware-backdoor")
    return "cpu %s\n" % " ".join(words) if words else ""


def scn_name(cfg):
    return "kut_" + re.sub(r"[^a-z0-9_.-]", "_", cfg.lower())


def read_configs():
    """{name: section} of x86/unittests.cfg, and {name: why excluded}."""
    path = os.path.join(X86, "unittests.cfg")
    if not os.path.isfile(path):
        return {}, {}
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.read(path)
    run, out = {}, {}
    for name in cp.sections():
        sec = dict(cp[name])
        why = config_excluded(sec)
        if why:
            out[name] = why
        else:
            run[name] = sec
    return run, out


# binaries that print their own PASS/FAIL lines without the suite's
# library, and so no SUMMARY line
NO_SUMMARY = {"realmode": "x86/realmode.c: 16-bit code with its own report(); "
                          "its exit code is written before its last line"}

# lib/x86/ioram.h of the suite: IORAM_BASE_PHYS, IORAM_LEN
IORAM = "0xff000000 64K"
# QEMU's pc-testdev has a 4-byte scratch register at I/O port 0xe0 (the
# suite's TESTDEV_IO_PORT): a scratch port of the VM (`port ... scratch4`)
TESTDEV_PORT = "0xe0"


def write_scenario(name, sec, backend, boot):
    """build/kut/scn/BOOT/kut_NAME.scn: the configuration as a scenario."""
    args = " ".join(shlex.split(sec.get("test_args", "")))
    mem = mem_of(sec)
    path = os.path.join(SCN_DIR, boot, scn_name(name) + ".scn")
    # the platform the suite is written for has RAM at IORAM (QEMU's
    # pc-testdev memory): a second RAM range of the VM (`mem ... ram`);
    # and the device's scratch port
    text = ("descr kvm-unit-tests %s\nguest %s\nmultiboot %s\n"
            "module NR_CPUS=1 MEMSIZE=%d TEST_DEVICE=0\nmem %dM ram %s\n"
            "port %s scratch4\ntimeout %d\n"
            "stall 0\n%s"
            # the peer prints up to hundreds of check lines within a second:
            # lift its VM's console budget (hv/console.c) at the first exit,
            # before its serial output starts (restored at the end)
            "on exits 1 do sysctl hw.vmm.console.lines=100000\n"
            "on exits 1 do sysctl hw.vmm.console.bytes=10000000\n"
            "expect end exit 0\n" % (name, sec["file"], args, mem, mem, IORAM,
                                      TESTDEV_PORT,
                                      SCN_TIMEOUT_LONG_MS.get((name, backend),
                                                              SCN_TIMEOUT_MS[backend]),
                                      cpu_of(sec)))
    if name in HOSTCHECK_EXITS:
        text += "on exits %d do sysctl hw.vmm.hostcheck=0\n" % HOSTCHECK_EXITS[name]
    with open(path, "w") as f:
        f.write(text)
    return path


def read_expect(backend):
    """pytest/kut/expect_<backend>.txt: {config: (outcome, why)} and
    {config: {failing check: why}}."""
    outcomes, fails = {}, {}
    with open(os.path.join(EXPECT_DIR, "expect_%s.txt" % backend)) as f:
        for raw in f:
            line = raw.rstrip()
            if not line or line.startswith("#"):      # a comment line
                continue
            cfg, rest = line.split(None, 1)
            if rest.startswith("FAIL: "):
                check, _, why = rest[6:].partition(" -- ")
                fails.setdefault(cfg, {})[check.strip()] = why.strip()
            else:
                outcome, _, why = rest.partition(" ")
                outcomes[cfg] = (outcome, why.strip())
    return outcomes, fails


def check_key(name):
    """A check's name with long numbers (random test values) elided."""
    return re.sub(r"0x[0-9a-f]{9,}", "0x...", name)


CONFIGS, EXCLUDED = read_configs()


def peer_output(log_text, name):
    """The guest lines of scenario scn.NAME: after the RESULT before it."""
    text = log_text
    end = re.search(r"^RESULT scn\.%s .*$" % re.escape(name), text, re.M)
    assert end, "no RESULT scn.%s in the log" % name
    start = max((m.end() for m in re.finditer(r"^RESULT .*$", text[:end.start()], re.M)),
                default=0)
    return text[start:end.start()], end.group(0)


class KutRun:
    """What one configuration did on one backend, from the serial log."""

    def __init__(self, res, name):
        out, self.result_line = peer_output(res.text, scn_name(name))
        self.lines = LINE_RE.findall(out)
        s = SUMMARY_RE.findall(out)
        self.summary = tuple(int(x or 0) for x in s[-1]) if s else None
        r = res.result("scn." + scn_name(name))
        self.exit = None
        m = re.search(r"vcpu0 exit (\d+)", r["reason"] or "")
        if r["status"] == "PASS":
            self.exit = 0
        elif m:
            self.exit = int(m.group(1))
        self.status, self.reason = r["status"], r["reason"]

    def outcome(self):
        """pass (exit 0), skip (exit 38, or exit 0 with nothing but SKIP
        lines), fail (exit 1), abort (an unexpected exception: exit 63, or
        hv stopped it, or a watchdog).  A pass may have no check lines (the
        benchmarks print figures only): README counts those apart."""
        if self.exit == 0 and self.lines and all(k == "SKIP" for k, _ in self.lines):
            return "skip"
        return EXIT_OUTCOME.get(self.exit, "abort")

    def failed(self):
        return {c for k, c in self.lines if k == "FAIL"}


@pytest.fixture(scope="module")
def kut_boot(make_image, request):
    done = {}

    def get(cfg, backend):
        boot, cpu = boot_of(cfg, backend)
        if boot not in done:
            os.makedirs(os.path.join(SCN_DIR, boot), exist_ok=True)
            cfgs = {n: s for n, s in CONFIGS.items()
                    if not slow_on(backend, s) and selected(n) and boot_of(n, backend)[0] == boot}
            scns = [write_scenario(n, s, backend, boot) for n, s in sorted(cfgs.items())]
            flats = sorted({os.path.join(X86, s["file"]) for s in cfgs.values()})
            # the kernel's own per-test watchdog (kern.test_timeout_ms,
            # testkern/README.md) must outlast the longest scenario's
            longest = max([SCN_TIMEOUT_MS[backend]] + [SCN_TIMEOUT_LONG_MS.get((n, backend), 0)
                                                       for n in cfgs])
            image = make_image("run=scn.kut_* kern.test_timeout_ms=%d" % (longest + 60000),
                               flats + scns)
            status, stderr, log, _ = shared_boot(request.config, boot, image, backend, 1,
                                                 BOOT_TIMEOUT[backend], cpu=cpu)
            with open(log, errors="replace") as f:
                done[boot] = (Results(f.read()), log, stderr)
        return done[boot]
    return get


def params():
    if not CONFIGS:
        return [pytest.param(None, b, marks=MARKS[b] + [pytest.mark.skip(
            reason="no kvm-unit-tests build in build/kut (make kut; KUT_SRC)")], id=b)
            for b in BACKENDS]
    return [pytest.param(n, b, marks=MARKS[b] + (
        [pytest.mark.skip(reason=slow_on(b, CONFIGS[n]))] if slow_on(b, CONFIGS[n]) else []),
        id="%s-%s" % (n, b)) for n in sorted(CONFIGS) for b in BACKENDS if selected(n)]


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("cfg,backend", params())
def test_kut(kut_boot, cfg, backend):
    check_backend(backend)
    res, log, stderr = kut_boot(cfg, backend)
    outcomes, fails = read_expect(backend)
    run = KutRun(res, cfg)
    want, why = outcomes.get(cfg, ("pass", ""))
    got = run.outcome()
    detail = "%s on %s: %s (%s), summary %s, failed %s; log %s" % (
        cfg, backend, got, run.reason or "exit 0", run.summary, sorted(run.failed()), log)
    assert got == want, "want %s (%s): %s" % (want, why or "expect file", detail)
    # the peer's own accounting holds: SUMMARY counts its lines (a
    # benchmark prints no check and no SUMMARY)
    if got in ("pass", "fail") and run.lines and cfg not in NO_SUMMARY:
        assert run.summary is not None, detail
        total, failed = run.summary[0], run.summary[1]
        assert failed == len([1 for k, _ in run.lines if k == "FAIL"]), detail
        assert total >= len([1 for k, _ in run.lines if k in ("PASS", "FAIL")]), detail
    # a run that completed fails exactly the listed checks; one cut short
    # (abort) none but listed ones
    listed = {check_key(c) for c in fails.get(cfg, {})}
    seen = {check_key(c) for c in run.failed()}
    assert seen == listed or (got == "abort" and seen <= listed), \
        "failing checks differ from pytest/kut/expect_%s.txt: %s" % (backend, detail)


def test_kut_expect_files_name_real_configs():
    """Every configuration the expectation files name is one that runs."""
    if not CONFIGS:
        pytest.skip("no kvm-unit-tests build in build/kut (make kut; KUT_SRC)")
    for b in BACKENDS:
        outcomes, fails = read_expect(b)
        assert set(outcomes) | set(fails) <= set(CONFIGS), b
        for cfg, (outcome, why) in outcomes.items():
            assert outcome in ("pass", "fail", "skip", "abort") and why, (b, cfg)
