#!/usr/bin/python3
"""bench.py - run testkern's `bench` test on both backends and report it.

    bench.py run [--top DIR] [--out DIR] [--iters N]
        boots DIR's build/testkern.elf (with its guests) with
        `run=bench kern.bench_iters=N`: SVM under QEMU TCG -icount shift=0,
        VMX under Bochs (Haswell, clock sync=none, default ips), both with
        2 CPUs and at the same time; prints the table and writes
        OUT/results.json, OUT/svm.png, OUT/vmx.png, OUT/<backend>.log.
        On a host with nested KVM a backend of the host's vendor runs under
        QEMU+KVM instead (scripts/hvaccel.py decides; results.json records
        it per backend as "accel").
    bench.py compare BASE.json NEW.json [--tolerance PCT]
        the ratio NEW/BASE of every figure's median; exit 1 when one grew by
        more than PCT percent (default 5).
    bench.py table RESULTS.json
        the table again.

Under -icount shift=0 (QEMU) and Bochs' sync=none clock the TSC advances one
tick per retired instruction (the calib_201_insns figure shows it), so a
figure is an instruction count, the same on every run (not under KVM: there
a tick is host TSC time, and -icount is not available).  For the exit_*
figures the host-side instruction count is the round trip minus rdtsc_pair
(the guest's own timing instructions): everything between the guest's exit
and its next entry, the world switch included.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import hvaccel  # noqa: E402
import hvrun  # noqa: E402

BENCH_RE = re.compile(r"^BENCH (\S+) (\S+) median=(\d+) p10=(\d+) p90=(\d+) "
                      r"n=(\d+) unit=(\S+)\s*$", re.M)

BACKENDS = hvaccel.BACKENDS
# what the note says for each accelerator
EMULATOR_NOTE = {
    "tcg": "QEMU TCG -cpu max -smp 2 -icount shift=0,sleep=off (single-threaded TCG)",
    "bochs": "Bochs corei7_haswell_4770, 2 CPUs, clock sync=none, ips 4000000",
    "kvm": "QEMU+KVM -cpu host -smp 2 (ticks are host TSC time, not instructions)",
}


def icount_args(d):
    """run-qemu arguments making the TSC count instructions: under TCG only
    (QEMU refuses -icount with KVM)."""
    return ["--", "-icount", "shift=0,sleep=off"] if d.accel == "tcg" else []

# What each figure is, in table order (the kernel prints them in its order).
FIGURES = [
    ("rdtsc_pair", "guest RDTSC pair, nothing between (timing overhead)"),
    ("calib_201_insns", "guest loop of 201 instructions (ticks per instruction)"),
    ("exit_hc_nop", "hypercall HC_NOP round trip (fast path)"),
    ("exit_cpuid", "CPUID round trip"),
    ("exit_cpuid_hostcheck", "CPUID round trip with testkern's hw.vmm.hostcheck=1"),
    ("exit_io_out", "OUT to port 0x3ff round trip"),
    ("exit_rdmsr", "RDMSR EFER through the MSR bitmap, round trip"),
    ("exit_hlt_wake", "STI;HLT: exit to the host run loop, yield, re-entry"),
    ("exit_hc_host", "HC_HOST to the host run loop and back"),
    ("npf_first_touch", "first write to a guest page: nested fault, demand allocation"),
    ("npf_refault", "write to a paged-out page: nested fault, page-in"),
    ("vcpu_migrate", "HC_HOST; host moves the vCPU thread to the other CPU"),
    ("copyin_64", "hv_copyin 64 B through the guest page walk"),
    ("copyin_4k", "hv_copyin 4 KiB"),
    ("copyin_64k", "hv_copyin 64 KiB"),
    ("copyout_64", "hv_copyout 64 B"),
    ("copyout_4k", "hv_copyout 4 KiB"),
    ("copyout_64k", "hv_copyout 64 KiB"),
    ("memcpy_64", "host memcpy 64 B"),
    ("memcpy_4k", "host memcpy 4 KiB"),
    ("memcpy_64k", "host memcpy 64 KiB"),
    ("vm_create_destroy", "hv_vm_create + vCPU create/destroy + hv_vm_destroy"),
    ("vmm_enable_toggle", "sysctl hw.vmm.enable 1 -> 0 -> 1 (all CPUs)"),
]
ORDER = {name: i for i, (name, _) in enumerate(FIGURES)}
COPY_BYTES = {"64": 64, "4k": 4096, "64k": 65536}


def parse(text):
    """{backend: {name: {median, p10, p90, n, unit}}} from serial text."""
    out = {}
    for m in BENCH_RE.finditer(hvrun.clean(text)):
        out.setdefault(m[1], {})[m[2]] = {
            "median": int(m[3]), "p10": int(m[4]), "p90": int(m[5]),
            "n": int(m[6]), "unit": m[7]}
    return out


def derive(figs):
    """Add host_insns to exit figures and bytes_per_tick / vs_memcpy to copies."""
    base = figs.get("rdtsc_pair", {}).get("median")
    for name, f in figs.items():
        if name.startswith("exit_") and base is not None:
            f["host_insns"] = f["median"] - base
        m = re.match(r"(copyin|copyout|memcpy)_(64k|4k|64)$", name)
        if m:
            f["bytes"] = COPY_BYTES[m[2]]
            f["bytes_per_tick"] = round(f["bytes"] / max(f["median"], 1), 4)
            mc = figs.get("memcpy_" + m[2])
            if m[1] != "memcpy" and mc:
                f["vs_memcpy"] = round(f["median"] / max(mc["median"], 1), 2)
    return figs


def boot(top, backend, iters, out, results, errors):
    """One emulator run of `run=bench`; fills results[backend]."""
    d = hvaccel.decide(backend)
    kernel = os.path.join(top, "build", "testkern.elf")
    guests = sorted(os.path.join(top, "build", "guests", g)
                    for g in os.listdir(os.path.join(top, "build", "guests"))
                    if g.endswith(".bin"))
    # the test watchdog counts emulated time: Bochs emulates 4M instructions
    # a second, so give it an hour
    cmdline = "kern.bench_iters=%d kern.test_timeout_ms=3600000 run=bench" % iters
    r = subprocess.run([os.path.join(hvrun.TOP, "scripts", "mkimage.sh"), "-k", kernel,
                        "-c", cmdline] + guests, capture_output=True, text=True)
    if r.returncode:
        errors.append("%s: mkimage.sh failed: %s" % (backend, r.stderr.strip()))
        return
    log = os.path.join(out, backend + ".log")
    t0 = time.monotonic()
    r = subprocess.run(hvaccel.runner_argv(d) + [
                        "-i", r.stdout.strip(), "-n", "2", "--serial", "file", "--log", log,
                        "--timeout", "540"] + icount_args(d), capture_output=True, text=True)
    secs = time.monotonic() - t0
    figs = parse(hvrun.read_log(log)).get(backend, {})
    if r.returncode != hvrun.PASS:
        errors.append("%s: %s (see %s)" % (backend, r.stderr.strip(), log))
    if not figs:
        errors.append("%s: no BENCH lines for this backend in %s" % (backend, log))
    results[backend] = {"emulator": EMULATOR_NOTE[d.accel], "accel": hvaccel.describe(d),
                        "wall_s": round(secs, 1),
                        "runner_status": hvrun.STATUS_NAMES.get(r.returncode, r.returncode),
                        "figures": derive(figs)}


def git_rev(top):
    r = subprocess.run(["git", "-C", top, "describe", "--always", "--dirty"],
                       capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


def fmt_fig(f):
    if f is None:
        return "-", "-"
    return str(f["median"]), "%d-%d" % (f["p10"], f["p90"])


def note(f):
    if f is None:
        return ""
    if "host_insns" in f:
        return "%d host insns" % f["host_insns"]
    if "vs_memcpy" in f:
        return "%.1fx memcpy" % f["vs_memcpy"]
    return ""


def table(res):
    """The console table: every figure, both backends."""
    bk = res["backends"]
    names = sorted({n for b in bk.values() for n in b["figures"]},
                   key=lambda n: (ORDER.get(n, 999), n))
    rows = [("figure (TSC ticks per op)", "svm median", "svm p10-p90", "svm note",
             "vmx median", "vmx p10-p90", "vmx note")]
    for n in names:
        s = bk.get("svm", {}).get("figures", {}).get(n)
        v = bk.get("vmx", {}).get("figures", {}).get(n)
        rows.append((n,) + fmt_fig(s) + (note(s),) + fmt_fig(v) + (note(v),))
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w[j]) if j in (0, 3, 6) else c.rjust(w[j])
                               for j, c in enumerate(r)).rstrip())
        if i == 0:
            lines.append("-" * len(lines[0]))
    for b in sorted(bk):
        lines.append("%s: %s; n=%s per figure; %.1f s" % (
            b, bk[b]["emulator"], res["meta"]["iters"], bk[b]["wall_s"]))
    return "\n".join(lines)


def chart(res, backend, path):
    """Horizontal bars of the medians (log scale), p10-p90 as error bars."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = res["backends"][backend]["figures"]
    names = sorted(figs, key=lambda n: (ORDER.get(n, 999), n))
    med = [max(figs[n]["median"], 1) for n in names]
    lo = [m - max(figs[n]["p10"], 1) for m, n in zip(med, names)]
    hi = [figs[n]["p90"] - m for m, n in zip(med, names)]
    colors = ["#d62728" if n.startswith("exit_") else "#ff7f0e" if n.startswith("npf_")
              else "#1f77b4" if n.startswith(("copy", "memcpy")) else "#7f7f7f"
              for n in names]
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(names) + 1.4))
    y = range(len(names))
    ax.barh(y, med, xerr=[lo, hi], color=colors, capsize=2)
    ax.set_yticks(list(y))
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("TSC ticks per operation (= instructions under icount), median, p10-p90")
    for i, m in enumerate(med):
        ax.text(m, i, " %d" % m, va="center", fontsize=7)
    ax.set_title("hv %s: %s @ %s" % (backend, res["backends"][backend]["emulator"],
                                    res["meta"]["git"]), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def cmd_run(a):
    top = os.path.abspath(a.top)
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    results, errors, threads = {}, [], []
    t0 = time.monotonic()
    for b in BACKENDS:
        print("bench: %s" % hvaccel.describe(hvaccel.decide(b)), flush=True)
    # both emulators at once: one core each
    for b in BACKENDS:
        t = threading.Thread(target=boot, args=(top, b, a.iters, out, results, errors))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    res = {"meta": {"git": git_rev(top), "top": top, "iters": a.iters,
                    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                        timespec="seconds"),
                    "wall_s": round(time.monotonic() - t0, 1), "unit": "tsc",
                    "figure_descr": dict(FIGURES)},
           "backends": results}
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    for b in results:
        if results[b]["figures"]:
            chart(res, b, os.path.join(out, b + ".png"))
    print(table(res))
    print("results: %s, charts: %s" % (os.path.join(out, "results.json"), ", ".join(
        os.path.join(out, b + ".png") for b in sorted(results) if results[b]["figures"])))
    for e in errors:
        sys.stderr.write("bench: %s\n" % e)
    return 1 if errors else 0


def cmd_compare(a):
    with open(a.base) as f:
        base = json.load(f)
    with open(a.new) as f:
        new = json.load(f)
    worse = []
    print("ratio new/base of the medians (base %s, new %s); > 1 is slower" % (
        base["meta"]["git"], new["meta"]["git"]))
    for b in sorted(set(base["backends"]) | set(new["backends"])):
        bf = base["backends"].get(b, {}).get("figures", {})
        nf = new["backends"].get(b, {}).get("figures", {})
        names = sorted(set(bf) | set(nf), key=lambda n: (ORDER.get(n, 999), n))
        print("%s:" % b)
        kinds = [x["backends"].get(b, {}).get("emulator") for x in (base, new)]
        if None not in kinds and kinds[0] != kinds[1]:
            print("  note: base ran under %s, new under %s: not comparable" % tuple(kinds))
        for n in names:
            if n not in bf or n not in nf:
                print("  %-20s %s" % (n, "only in " + ("new" if n in nf else "base")))
                continue
            r = nf[n]["median"] / max(bf[n]["median"], 1)
            flag = ""
            if r > 1 + a.tolerance / 100:
                flag = "  SLOWER"
                worse.append("%s %s" % (b, n))
            elif r < 1 - a.tolerance / 100:
                flag = "  faster"
            print("  %-20s %10d -> %10d  x%.3f%s" % (n, bf[n]["median"], nf[n]["median"],
                                                     r, flag))
    if worse:
        print("bench-compare: %d figure(s) more than %g%% slower: %s" % (
            len(worse), a.tolerance, ", ".join(worse)))
        return 1
    print("bench-compare: no figure more than %g%% slower" % a.tolerance)
    return 0


def cmd_table(a):
    with open(a.results) as f:
        print(table(json.load(f)))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--top", default=hvrun.TOP, help="tree whose build/ is booted")
    r.add_argument("--out", default=os.path.join(hvrun.TOP, "build", "bench"))
    r.add_argument("--iters", type=int, default=1000)
    c = sub.add_parser("compare")
    c.add_argument("base")
    c.add_argument("new")
    c.add_argument("--tolerance", type=float, default=5.0)
    t = sub.add_parser("table")
    t.add_argument("results")
    a = ap.parse_args()
    return {"run": cmd_run, "compare": cmd_compare, "table": cmd_table}[a.cmd](a)


if __name__ == "__main__":
    hvrun.main("bench.py", main)
