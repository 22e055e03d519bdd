#!/usr/bin/env python3
"""kut-table.py - the README's kvm-unit-tests results table.

    scripts/kut-table.py [--reference]

Reads what `make test-kut` left in build/logs/test_kut_*.log and
prints one Markdown row per configuration pytest/test_kut.py runs: the
outcome and the PASS/FAIL/SKIP line counts on hv with SVM and with VMX,
beside the same binary run directly on QEMU TCG (`-kernel`, the emulator as
the hypervisor; --reference runs those, cached in build/kut/reference/),
then the totals.  A pass is counted in the totals only with at least one
PASS line (a benchmark prints figures, no checks).
"""
import argparse
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
sys.path[:0] = [os.path.join(TOP, "pytest"), os.path.join(TOP, "scripts")]
import test_kut  # noqa: E402  (the configurations and the log parser)
from conftest import Results  # noqa: E402

REF_DIR = os.path.join(TOP, "build", "kut", "reference")
REF_TIMEOUT = 40
PEER_LINE = re.compile(r"^(PASS|FAIL|SKIP|XFAIL|XPASS): ", re.M)


def reference(name, sec):
    """(outcome, pass, fail, skip) of the configuration run directly on QEMU TCG."""
    os.makedirs(REF_DIR, exist_ok=True)
    out = os.path.join(REF_DIR, name + ".log")
    if not os.path.exists(out):
        argv = ["qemu-system-x86_64", "-machine", "pc,accel=tcg", "-cpu", "max", "-m",
                str(test_kut.mem_of(sec)), "-display", "none", "-serial", "stdio",
                "-monitor", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
                "-kernel", os.path.join(test_kut.X86, sec["file"])]
        args = sec.get("test_args", "").strip("'\"")
        if args:
            argv += ["-append", args]
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=REF_TIMEOUT,
                               errors="replace")
            text, rc = p.stdout, p.returncode
        except subprocess.TimeoutExpired as e:
            text, rc = (e.stdout or b"").decode(errors="replace"), -1
        with open(out, "w") as f:
            f.write("%d\n%s" % (rc, text))
    with open(out) as f:
        rc, text = int(f.readline()), f.read()
    kinds = PEER_LINE.findall(text)
    code = rc >> 1 if rc > 0 and rc & 1 else None
    outcome = "abort" if rc == -1 else test_kut.EXIT_OUTCOME.get(code, "abort")
    if outcome == "pass" and kinds and all(k == "SKIP" for k in kinds):
        outcome = "skip"
    return outcome, kinds.count("PASS"), kinds.count("FAIL"), kinds.count("SKIP")


def on_hv(res, name):
    if res is None:
        return None
    try:
        r = test_kut.KutRun(res, name)
    except AssertionError:
        return None
    kinds = [k for k, _ in r.lines]
    return r.outcome(), kinds.count("PASS"), kinds.count("FAIL"), kinds.count("SKIP")


def cell(x):
    if x is None:
        return "not run"
    return "%s %d/%d/%d" % x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--reference", action="store_true",
                    help="run (or reuse) the direct QEMU TCG runs")
    a = ap.parse_args()
    logs = {}

    def log_of(name, backend):
        boot = test_kut.boot_of(name, backend)[0]
        if boot not in logs:
            path = os.path.join(TOP, "build", "logs", boot + ".log")
            logs[boot] = Results(open(path, errors="replace").read()) \
                if os.path.exists(path) else None
        return logs[boot]
    cols = (["QEMU TCG direct"] if a.reference else []) + ["hv SVM", "hv VMX"]
    print("| configuration | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    totals = {c: 0 for c in cols}
    for name in sorted(test_kut.CONFIGS):
        sec = test_kut.CONFIGS[name]
        row = ([reference(name, sec)] if a.reference else []) + \
            [None if test_kut.slow_on(b, sec) else on_hv(log_of(name, b), name)
             for b in test_kut.BACKENDS]
        for c, x in zip(cols, row):
            if x is not None and x[0] == "pass" and x[1] > 0:
                totals[c] += 1
        print("| %s | %s |" % (name, " | ".join(cell(x) for x in row)))
    print("| **passing with checks** (of %d) | %s |" % (
        len(test_kut.CONFIGS), " | ".join("**%d**" % totals[c] for c in cols)))


if __name__ == "__main__":
    main()
