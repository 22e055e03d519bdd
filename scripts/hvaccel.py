#!/usr/bin/python3
"""hvaccel.py - how each hv backend is booted on this host (the one place
that decides; run-qemu, pytest/ and bench.py ask here).

    svm  QEMU+KVM -cpu host   when /dev/kvm creates a VM and a vCPU, the host
                              CPU is AMD (or Hygon) with the svm flag, and
                              kvm_amd's `nested` parameter is on
         else QEMU TCG -cpu max
    vmx  QEMU+KVM -cpu host   when /dev/kvm creates a VM and a vCPU, the host
                              CPU is Intel with the vmx flag, and kvm_intel's
                              `nested` parameter is on
         else Bochs corei7_haswell_4770 (QEMU TCG has no VMX at all)

KVM with `-cpu host` hands the guest the host vendor's virtualization, so a
backend only goes to KVM on a host of its own vendor: on an Intel host svm
stays on TCG, on an AMD host vmx stays on Bochs.  HV_NO_KVM=1 in the
environment forces the emulators (repeatable instruction counts).

    hvaccel.py [--backend svm|vmx] [-v]   print the decision per backend and
                                          why (-v: also the host facts read)
"""
import argparse
import collections
import fcntl
import functools
import os
import sys

SCRIPTS = os.path.dirname(os.path.realpath(__file__))
BACKENDS = ("svm", "vmx")
# /proc/cpuinfo vendor_id strings whose CPUs implement each backend
VENDORS = {"svm": ("AuthenticAMD", "HygonGenuine"), "vmx": ("GenuineIntel",)}
# the KVM module that nests each backend (its `nested` parameter: 1/Y on)
KVM_MODULE = {"svm": "kvm_amd", "vmx": "kvm_intel"}
BOCHS_CPU = "corei7_haswell_4770"

KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
KVM_CREATE_VCPU = 0xAE41

# What was read from the host: vendor_id, CPU flags, (kvm works, why not),
# {module: nested parameter text or None}, HV_NO_KVM set.
Host = collections.namedtuple("Host", "vendor flags kvm nested no_kvm")
# backend: svm, vmx or None (run-qemu without --backend); runner: qemu or
# bochs; accel: kvm, tcg or bochs; cpu: the -cpu / Bochs model; why: text.
Decision = collections.namedtuple("Decision", "backend runner accel cpu why")


def parse_cpuinfo(text):
    """(vendor_id, set of flags) of /proc/cpuinfo text (first CPU's vendor,
    flags of all CPUs)."""
    vendor, flags = None, set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "vendor_id" and vendor is None:
            vendor = value.strip()
        elif key == "flags":
            flags.update(value.split())
    return vendor, flags


def kvm_probe(dev="/dev/kvm"):
    """(True, what) only if dev answers API version 12 and creates a VM and
    a vCPU; else (False, why)."""
    try:
        fd = os.open(dev, os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return False, "%s: %s" % (dev, e.strerror)
    try:
        if fcntl.ioctl(fd, KVM_GET_API_VERSION, 0) != 12:
            return False, "%s: unexpected KVM API version" % dev
        vm = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
        try:
            os.close(fcntl.ioctl(vm, KVM_CREATE_VCPU, 0))
        finally:
            os.close(vm)
    except OSError as e:
        return False, "%s: cannot create a VM/vCPU: %s" % (dev, e.strerror)
    finally:
        os.close(fd)
    return True, "%s creates a VM and a vCPU" % dev


def read_nested(sysfs, module):
    try:
        with open(os.path.join(sysfs, module, "parameters", "nested")) as f:
            return f.read().strip()
    except OSError:
        return None


def read_host(cpuinfo="/proc/cpuinfo", probe=kvm_probe, sysfs="/sys/module", env=None):
    """The host facts decide() needs; every source can be replaced (tests)."""
    try:
        with open(cpuinfo) as f:
            vendor, flags = parse_cpuinfo(f.read())
    except OSError:
        vendor, flags = None, set()
    env = os.environ if env is None else env
    return Host(vendor, flags, probe(),
                {m: read_nested(sysfs, m) for m in KVM_MODULE.values()},
                env.get("HV_NO_KVM", "") not in ("", "0"))


@functools.lru_cache(maxsize=None)
def this_host():
    return read_host()


def kvm_refusals(backend, host):
    """Why KVM cannot run `backend` nested on host (empty: it can)."""
    why = []
    if host.no_kvm:
        why.append("HV_NO_KVM is set")
    if host.vendor not in VENDORS[backend]:
        why.append("host CPU vendor is %s, not %s" % (host.vendor or "unknown",
                                                      " or ".join(VENDORS[backend])))
    if backend not in host.flags:
        why.append("host CPU flags lack %s" % backend)
    if not host.kvm[0]:
        why.append(host.kvm[1])
    module = KVM_MODULE[backend]
    nested = host.nested.get(module)
    if nested is None:
        why.append("no /sys/module/%s/parameters/nested" % module)
    elif nested not in ("1", "Y", "y"):
        why.append("%s nested=%s" % (module, nested))
    return why


def decide(backend, host=None):
    """The Decision for one backend (svm or vmx) on host (default: this one)."""
    if backend not in BACKENDS:
        raise ValueError("unknown backend %r (svm or vmx)" % backend)
    host = this_host() if host is None else host
    why = kvm_refusals(backend, host)
    if not why:
        return Decision(backend, "qemu", "kvm", "host", "%s; %s host CPU with %s, %s nested=%s"
                        % (host.kvm[1], host.vendor, backend, KVM_MODULE[backend],
                           host.nested[KVM_MODULE[backend]]))
    why = "no nested KVM: " + "; ".join(why)
    if backend == "svm":
        return Decision("svm", "qemu", "tcg", "max", why)
    return Decision("vmx", "bochs", "bochs", BOCHS_CPU, why)


def for_qemu(backend, accel, host=None):
    """What run-qemu boots for --backend (None: not given) and --accel
    (auto, kvm, tcg).  Raises ValueError with a one-line reason when QEMU
    cannot give the guest that backend that way.

    Without a backend, auto keeps run-qemu's old rule: KVM `-cpu host`
    whenever /dev/kvm works and the host CPU has vmx or svm (the guest then
    sees the host vendor's backend), else TCG `-cpu max` (SVM)."""
    host = this_host() if host is None else host
    if backend is None:
        why = []
        if not host.flags & {"vmx", "svm"}:
            why.append("host CPU flags have neither vmx nor svm")
        if not host.kvm[0]:
            why.append(host.kvm[1])
        if accel == "kvm" and why:
            raise ValueError("KVM requested but unusable: " + "; ".join(why))
        if accel == "tcg" or why:
            return Decision(None, "qemu", "tcg", "max", "; ".join(why) or "--accel tcg")
        return Decision(None, "qemu", "kvm", "host", "%s and the host CPU has %s" % (
            host.kvm[1], "/".join(sorted(host.flags & {"vmx", "svm"}))))
    d = decide(backend, host)
    if accel == "tcg":
        if backend == "vmx":
            raise ValueError("QEMU TCG has no VMX (the vmx backend runs under "
                             "scripts/run-bochs or nested KVM)")
        return Decision("svm", "qemu", "tcg", "max", "--accel tcg")
    if d.accel == "kvm":
        return d
    if accel == "kvm":
        raise ValueError("KVM requested for %s but unusable: %s" % (backend, d.why))
    if d.runner != "qemu":
        raise ValueError("the %s backend runs under scripts/run-bochs here (%s)" % (
            backend, d.why))
    return d


def qemu_args(d):
    """QEMU's -machine/-cpu arguments for a qemu Decision."""
    return ["-machine", "pc,accel=%s" % d.accel, "-cpu", d.cpu]


def runner_argv(d):
    """The runner command that boots Decision d (runner options such as -i,
    -n, --serial, --log follow; for run-qemu, QEMU arguments after --)."""
    if d.runner == "bochs":
        return [os.path.join(SCRIPTS, "run-bochs"), "--cpu", d.cpu]
    return [os.path.join(SCRIPTS, "run-qemu"), "--backend", d.backend, "--accel", d.accel]


def describe(d):
    """One line: what boots the backend and why."""
    what = {"kvm": "QEMU+KVM -cpu %s", "tcg": "QEMU TCG -cpu %s",
            "bochs": "Bochs %s"}[d.accel] % d.cpu
    return "%s: %s (%s)" % (d.backend or "any", what, d.why)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=BACKENDS, action="append",
                    help="only this backend (repeatable; default both)")
    ap.add_argument("--detect", action="store_true",
                    help="print the decisions (the default action)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="also print the host facts the decision read")
    a = ap.parse_args()
    host = this_host()
    if a.verbose:
        print("host: vendor %s, flags %s; kvm: %s; nested: %s; HV_NO_KVM %s" % (
            host.vendor or "unknown",
            " ".join(sorted(host.flags & {"vmx", "svm", "hypervisor"})) or "-",
            host.kvm[1], ", ".join("%s=%s" % (m, v or "absent")
                                   for m, v in sorted(host.nested.items())),
            "set" if host.no_kvm else "unset"))
    for b in a.backend or BACKENDS:
        print(describe(decide(b, host)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
