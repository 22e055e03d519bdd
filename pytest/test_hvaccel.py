"""scripts/hvaccel.py, without booting: which runner and accelerator boot each
backend, from a fake /proc/cpuinfo, a fake /sys/module and a fake /dev/kvm
probe; then the same decision on this machine, and run-qemu obeying it."""
import os
import subprocess

import pytest

from conftest import TOP, runner_cmd
import hvaccel  # scripts/hvaccel.py (conftest puts scripts/ on the path)

SCRIPTS = os.path.join(TOP, "scripts")
KVM_OK = (True, "fake /dev/kvm creates a VM and a vCPU")
KVM_NO = (False, "/dev/kvm: No such file or directory")


def cpuinfo(vendor, *flags):
    """Two CPUs as /proc/cpuinfo prints them (tab before the colon)."""
    return "".join("processor\t: %d\nvendor_id\t: %s\nmodel name\t: fake\n"
                   "flags\t\t: fpu pae msr %s lm hypervisor\n\n" % (i, vendor, " ".join(flags))
                   for i in range(2))


INTEL = cpuinfo("GenuineIntel", "vmx", "ept")
AMD = cpuinfo("AuthenticAMD", "svm", "npt")
NO_FLAGS = cpuinfo("AuthenticAMD")


def fake_host(tmp_path, text, kvm, nested=None, env=None):
    """hvaccel.read_host on fake files: text as /proc/cpuinfo, nested as
    {module: parameter} under a fake /sys/module, kvm as the probe's answer."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    info = tmp_path / "cpuinfo"
    info.write_text(text)
    sysfs = tmp_path / "module"
    for module, value in (nested or {}).items():
        (sysfs / module / "parameters").mkdir(parents=True)
        (sysfs / module / "parameters" / "nested").write_text(value + "\n")
    return hvaccel.read_host(str(info), lambda: kvm, str(sysfs), env or {})


def test_parse_cpuinfo():
    vendor, flags = hvaccel.parse_cpuinfo(INTEL)
    assert vendor == "GenuineIntel"
    assert {"vmx", "ept", "hypervisor"} <= flags and "svm" not in flags


def test_intel_with_nested_kvm(tmp_path):
    """vmx through KVM -cpu host; svm never (the guest would get VMX): TCG."""
    host = fake_host(tmp_path, INTEL, KVM_OK, {"kvm_intel": "Y"})
    vmx = hvaccel.decide("vmx", host)
    assert (vmx.runner, vmx.accel, vmx.cpu) == ("qemu", "kvm", "host")
    assert vmx.why == "fake /dev/kvm creates a VM and a vCPU; GenuineIntel host CPU " \
                      "with vmx, kvm_intel nested=Y"
    assert hvaccel.qemu_args(vmx) == ["-machine", "pc,accel=kvm", "-cpu", "host"]
    assert hvaccel.runner_argv(vmx) == [os.path.join(SCRIPTS, "run-qemu"), "--backend",
                                        "vmx", "--accel", "kvm"]
    svm = hvaccel.decide("svm", host)
    assert (svm.runner, svm.accel, svm.cpu) == ("qemu", "tcg", "max")
    assert svm.why == "no nested KVM: host CPU vendor is GenuineIntel, not AuthenticAMD " \
                      "or HygonGenuine; host CPU flags lack svm; " \
                      "no /sys/module/kvm_amd/parameters/nested"
    assert hvaccel.qemu_args(svm) == ["-machine", "pc,accel=tcg", "-cpu", "max"]
    assert hvaccel.describe(svm).startswith("svm: QEMU TCG -cpu max (no nested KVM: ")
    assert hvaccel.describe(vmx).startswith("vmx: QEMU+KVM -cpu host (fake /dev/kvm")


def test_amd_with_nested_kvm(tmp_path):
    """svm through KVM -cpu host; vmx stays on Bochs."""
    host = fake_host(tmp_path, AMD, KVM_OK, {"kvm_amd": "1"})
    svm = hvaccel.decide("svm", host)
    assert (svm.runner, svm.accel, svm.cpu) == ("qemu", "kvm", "host")
    assert hvaccel.runner_argv(svm)[1:] == ["--backend", "svm", "--accel", "kvm"]
    vmx = hvaccel.decide("vmx", host)
    assert (vmx.runner, vmx.accel, vmx.cpu) == ("bochs", "bochs", "corei7_haswell_4770")
    assert "host CPU vendor is AuthenticAMD, not GenuineIntel" in vmx.why
    assert hvaccel.runner_argv(vmx) == [os.path.join(SCRIPTS, "run-bochs"), "--cpu",
                                        "corei7_haswell_4770"]
    # a Hygon CPU implements SVM too
    hygon = fake_host(tmp_path / "h", cpuinfo("HygonGenuine", "svm"), KVM_OK,
                      {"kvm_amd": "1"})
    assert hvaccel.decide("svm", hygon).accel == "kvm"


@pytest.mark.parametrize("text,kvm,nested,reason", [
    (INTEL, KVM_NO, {"kvm_intel": "Y"}, "/dev/kvm: No such file or directory"),
    (AMD, KVM_NO, {"kvm_amd": "1"}, "/dev/kvm: No such file or directory"),
    (INTEL, KVM_OK, {"kvm_intel": "N"}, "kvm_intel nested=N"),
    (AMD, KVM_OK, {"kvm_amd": "0"}, "kvm_amd nested=0"),
    (INTEL, KVM_OK, {}, "no /sys/module/kvm_intel/parameters/nested"),
    # /dev/kvm works but the CPU shows no virtualization (this machine: kvm_pvm)
    (NO_FLAGS, KVM_OK, {"kvm_amd": "1"}, "host CPU flags lack svm"),
])
def test_no_nested_kvm_means_emulators(tmp_path, text, kvm, nested, reason):
    host = fake_host(tmp_path, text, kvm, nested)
    svm, vmx = hvaccel.decide("svm", host), hvaccel.decide("vmx", host)
    assert (svm.runner, svm.accel, svm.cpu) == ("qemu", "tcg", "max")
    assert (vmx.runner, vmx.accel, vmx.cpu) == ("bochs", "bochs", "corei7_haswell_4770")
    own = svm if "AMD" in text else vmx
    assert own.why.startswith("no nested KVM: ") and reason in own.why, own.why


def test_hv_no_kvm_forces_emulators(tmp_path):
    host = fake_host(tmp_path, INTEL, KVM_OK, {"kvm_intel": "Y"}, {"HV_NO_KVM": "1"})
    d = hvaccel.decide("vmx", host)
    assert d.runner == "bochs" and d.why == "no nested KVM: HV_NO_KVM is set"
    host = fake_host(tmp_path / "z", INTEL, KVM_OK, {"kvm_intel": "Y"}, {"HV_NO_KVM": "0"})
    assert hvaccel.decide("vmx", host).accel == "kvm"


def test_run_qemu_choices(tmp_path):
    """run-qemu's --backend/--accel: never the other vendor's backend."""
    intel = fake_host(tmp_path / "i", INTEL, KVM_OK, {"kvm_intel": "Y"})
    amd = fake_host(tmp_path / "a", AMD, KVM_OK, {"kvm_amd": "1"})
    none = fake_host(tmp_path / "n", NO_FLAGS, KVM_OK)
    assert hvaccel.for_qemu("svm", "auto", intel).accel == "tcg"
    assert hvaccel.for_qemu("vmx", "auto", intel).accel == "kvm"
    assert hvaccel.for_qemu("svm", "auto", amd).accel == "kvm"
    assert hvaccel.for_qemu("svm", "tcg", amd)[1:4] == ("qemu", "tcg", "max")
    with pytest.raises(ValueError, match=r"^the vmx backend runs under scripts/run-bochs"):
        hvaccel.for_qemu("vmx", "auto", amd)
    with pytest.raises(ValueError, match=r"^QEMU TCG has no VMX"):
        hvaccel.for_qemu("vmx", "tcg", intel)
    with pytest.raises(ValueError, match=r"^KVM requested for svm but unusable: .*lack svm"):
        hvaccel.for_qemu("svm", "kvm", intel)
    # no --backend: the old rule, KVM whenever it works and the CPU has vmx/svm
    old = hvaccel.for_qemu(None, "auto", intel)
    assert (old.accel, old.cpu) == ("kvm", "host")
    assert hvaccel.for_qemu(None, "auto", none)[2:] == (
        "tcg", "max", "host CPU flags have neither vmx nor svm")
    with pytest.raises(ValueError, match="KVM requested but unusable"):
        hvaccel.for_qemu(None, "kvm", none)


def test_this_machine():
    """The real decision agrees with facts read here independently.  Measured
    on the project's machine: /dev/kvm exists and creates a VM and a vCPU
    (module kvm_pvm), but /proc/cpuinfo shows neither vmx nor svm and there
    is no kvm_amd/kvm_intel module: no nested KVM, so svm runs under QEMU TCG
    and vmx under Bochs."""
    with open("/proc/cpuinfo") as f:
        vendor, flags = hvaccel.parse_cpuinfo(f.read())
    host = hvaccel.this_host()
    assert (host.vendor, host.flags) == (vendor, flags)
    for backend in hvaccel.BACKENDS:
        d = hvaccel.decide(backend, host)
        if backend not in flags:
            assert d.accel != "kvm" and "host CPU flags lack %s" % backend in d.why, d
        if vendor not in hvaccel.VENDORS[backend]:
            assert d.accel != "kvm" and "host CPU vendor is %s" % vendor in d.why, d
        # what pytest boots is this decision
        assert runner_cmd(backend) == (hvaccel.runner_argv(d), hvaccel.describe(d))
        out = subprocess.run([os.path.join(SCRIPTS, "run-qemu"), "--detect-accel",
                              "--backend", backend], capture_output=True, text=True)
        assert out.stdout == hvaccel.describe(d) + "\n"
        assert out.returncode == (0 if d.accel == "kvm" else 1)
    out = subprocess.run([os.path.join(SCRIPTS, "hvaccel.py"), "-v"],
                         capture_output=True, text=True)
    lines = out.stdout.splitlines()
    assert out.returncode == 0 and lines[0].startswith("host: vendor %s" % vendor)
    assert lines[1:] == [hvaccel.describe(hvaccel.decide(b)) for b in hvaccel.BACKENDS]


def test_run_qemu_refuses_vmx_without_kvm():
    """QEMU never boots the vmx backend without nested KVM (exit 4, before any
    image is looked at)."""
    r = subprocess.run([os.path.join(SCRIPTS, "run-qemu"), "--backend", "vmx",
                        "--accel", "tcg", "-i", "/nonexistent.iso"],
                       capture_output=True, text=True)
    assert r.returncode == 4 and r.stderr.startswith("run-qemu: QEMU TCG has no VMX"), r.stderr
    if hvaccel.decide("vmx").runner == "bochs":
        r = subprocess.run([os.path.join(SCRIPTS, "run-qemu"), "--backend", "vmx",
                            "-i", "/nonexistent.iso"], capture_output=True, text=True)
        assert r.returncode == 4 and "runs under scripts/run-bochs here" in r.stderr


def test_pytest_and_bench_follow_the_decision(tmp_path, monkeypatch):
    """With this host replaced by a fake Intel one with nested KVM, pytest's
    runner for vmx is run-qemu on KVM (not Bochs), svm stays on TCG, and the
    benchmark drops -icount (refused with KVM) only for the KVM backend."""
    import bench
    intel = fake_host(tmp_path, INTEL, KVM_OK, {"kvm_intel": "Y"})
    monkeypatch.setattr(hvaccel, "this_host", lambda: intel)
    run_qemu = os.path.join(SCRIPTS, "run-qemu")
    assert runner_cmd("vmx")[0] == [run_qemu, "--backend", "vmx", "--accel", "kvm"]
    assert runner_cmd("svm")[0] == [run_qemu, "--backend", "svm", "--accel", "tcg"]
    assert bench.icount_args(hvaccel.decide("vmx")) == []
    assert bench.icount_args(hvaccel.decide("svm")) == ["--", "-icount", "shift=0,sleep=off"]
    amd = fake_host(tmp_path / "a", AMD, KVM_OK, {"kvm_amd": "1"})
    monkeypatch.setattr(hvaccel, "this_host", lambda: amd)
    assert runner_cmd("svm")[0] == [run_qemu, "--backend", "svm", "--accel", "kvm"]
    assert runner_cmd("vmx")[0] == [os.path.join(SCRIPTS, "run-bochs"), "--cpu",
                                    "corei7_haswell_4770"]
    assert bench.icount_args(hvaccel.decide("svm")) == []
