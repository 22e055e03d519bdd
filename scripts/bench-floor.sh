#!/usr/bin/env bash
# bench-floor.sh [KUT_TREE [TARBALL]] - the floor of an SVM exit on the QEMU `make bench`
# uses: kvm-unit-tests' svm.flat, sub-test latency_run_exit (a minimal L1
# hypervisor loop: VMRUN, #VMEXIT, VMRUN), under -icount shift=0,sleep=off so
# that its TSC ticks are retired instructions like ours.  The suite is the
# one `make kut` builds from TARBALL (never committed).  Prints its round trip
# (avg, min) beside the SVM exit figures of build/bench/results.json (when
# `make bench` ran) and their ratios.  Exit 0, also when the build is absent
# (one line says why nothing was measured); 1 when the build or run fails.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kut=${1:-$top/build/kut/kvm-unit-tests}
tarball=${2:-../shared/peers/kvm-unit-tests-1da1819e.tar.xz}
py=/usr/bin/python3

if [ ! -f "$kut/x86/svm.flat" ]; then
	echo "bench-floor: SKIP: no kvm-unit-tests build in $kut (make kut; its tarball: $tarball)"
	exit 0
fi
out=$(timeout 300 qemu-system-x86_64 -machine pc,accel=tcg -cpu max -m 256 \
	-display none -monitor none -serial stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=0x4 \
	-kernel "$kut/x86/svm.flat" -append latency_run_exit \
	-icount shift=0,sleep=off 2>/dev/null) || true
line=$(printf '%s\n' "$out" | grep -m1 'Latency VMRUN' || true)
if [ -z "$line" ] || ! printf '%s\n' "$out" | grep -q '^PASS: latency_run_exit'; then
	echo "bench-floor: svm.flat latency_run_exit gave no result:" >&2
	printf '%s\n' "$out" | tail -5 >&2
	exit 1
fi
"$py" - "$line" "$top/build/bench/results.json" <<'EOF'
import json, os, re, sys

m = re.search(r"min: (\d+) avg: (\d+)", sys.argv[1])
lo, avg = int(m[1]), int(m[2])
print("bench-floor: kvm-unit-tests svm latency_run_exit round trip: avg=%d min=%d "
      "(instructions, QEMU TCG -icount shift=0)" % (avg, lo))
path = sys.argv[2]
if not os.path.isfile(path):
    print("bench-floor: no build/bench/results.json (make bench) to compare with")
    sys.exit(0)
figs = json.load(open(path))["backends"].get("svm", {}).get("figures", {})
for name in ("exit_hc_nop", "exit_cpuid", "exit_io_out", "exit_rdmsr"):
    if name in figs:
        med = figs[name]["median"]
        print("bench-floor: %-12s median=%d  x%.2f of avg  x%.2f of min"
              % (name, med, med / avg, med / lo))
EOF
