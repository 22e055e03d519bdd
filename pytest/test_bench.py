"""make bench's pieces, fast: the kernel's `bench` test with 10 iterations per
figure on both backends (its BENCH lines parse with scripts/bench.py's parser,
every figure is there and positive, and the ticks are instructions), and
`bench.py compare` on made-up results.  `make bench` itself is not run here.
Ticks are instructions only under the emulators (QEMU TCG -icount, Bochs);
under nested KVM (scripts/hvaccel.py) they are host time and only the
orderings are checked.
"""
import json
import os
import subprocess

import pytest

from conftest import TOP, accel
import bench  # scripts/bench.py (conftest puts scripts/ on the path)

ITERS = 10
# every figure testkern/bench/bench.c prints with 2 CPUs, in bench.py's order
FIGURES = [name for name, _ in bench.FIGURES]


def run_bench(con, backend):
    con.cmd("sysctl kern.bench_iters=%d" % ITERS)
    res = con.run("bench", timeout=90)
    assert res.result("bench")["status"] == "PASS", res.text
    figs = bench.parse(res.text)
    assert list(figs) == [backend], res.text
    return figs[backend]


def check_figures(figs):
    assert sorted(figs) == sorted(FIGURES)
    for name, f in figs.items():
        assert f["n"] == ITERS and f["unit"] == "tsc", name
        assert 0 < f["median"] and f["p10"] <= f["median"] <= f["p90"], (name, f)
    # the fast path is cheaper than any full exit, a full exit cheaper than
    # going out to the host's run loop
    assert figs["exit_hc_nop"]["median"] < figs["exit_cpuid"]["median"]
    assert figs["exit_cpuid"]["median"] < figs["exit_hc_host"]["median"]
    # testkern's host-state check (hw.vmm.hostcheck, off for the others) costs
    assert figs["exit_cpuid"]["median"] < figs["exit_cpuid_hostcheck"]["median"]
    assert figs["copyin_64k"]["median"] > figs["copyin_4k"]["median"] > \
        figs["copyin_64"]["median"]


@pytest.mark.qemu
@pytest.mark.svm
@pytest.mark.smp
def test_bench_smoke_svm(boot):
    tcg = accel("svm").accel == "tcg"
    # -icount runs both vCPUs in one host thread (no multi-threaded TCG):
    # the boot takes several times the plain one when the machine is busy
    con = boot("svm", smp=2, extra=bench.icount_args(accel("svm")), boot_timeout=90)
    figs = run_bench(con, "svm")
    check_figures(figs)
    if tcg:
        # -icount shift=0: one tick per instruction, exactly (201-instruction loop)
        assert figs["calib_201_insns"]["median"] - figs["rdtsc_pair"]["median"] == 201
        assert figs["calib_201_insns"]["p10"] == figs["calib_201_insns"]["p90"]


@pytest.mark.bochs
@pytest.mark.vmx
@pytest.mark.smp
def test_bench_smoke_vmx(boot):
    con = boot("vmx", smp=2)
    figs = run_bench(con, "vmx")
    check_figures(figs)
    if accel("vmx").runner == "bochs":
        # Bochs' TSC follows emulated instructions in steps of a few ticks
        calib = figs["calib_201_insns"]["median"] - figs["rdtsc_pair"]["median"]
        assert 195 <= calib <= 207, calib


def write(path, git, medians):
    res = {"meta": {"git": git, "iters": ITERS},
           "backends": {"svm": {"figures": {
               n: {"median": m, "p10": m, "p90": m, "n": ITERS, "unit": "tsc"}
               for n, m in medians.items()}}}}
    with open(path, "w") as f:
        json.dump(res, f)


def test_bench_compare(tmp_path):
    """compare: the ratio per figure; exit 1 only past the tolerance."""
    base, new = str(tmp_path / "base.json"), str(tmp_path / "new.json")
    script = os.path.join(TOP, "scripts", "bench.py")
    write(base, "a", {"exit_hc_nop": 200, "exit_cpuid": 400})
    write(new, "b", {"exit_hc_nop": 209, "exit_cpuid": 300})
    r = subprocess.run([script, "compare", base, new], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "x1.045" in r.stdout and "x0.750  faster" in r.stdout
    write(new, "b", {"exit_hc_nop": 220, "exit_cpuid": 400})
    r = subprocess.run([script, "compare", base, new], capture_output=True, text=True)
    assert r.returncode == 1
    assert "x1.100  SLOWER" in r.stdout and "svm exit_hc_nop" in r.stdout
