#!/usr/bin/env bash
# run.sh - boot a DragonFly image (scripts/dragonfly/mkimage.sh) on one hv
# backend with 2 CPUs, save the serial console, stop at the end pattern.
#
#   scripts/dragonfly/run.sh [-i ISO] [-l LOG] [-t SECONDS] [-u REGEX] [-m MEM] svm|vmx
#
#   svm   QEMU TCG -cpu max (AMD SVM+NPT), vmx  Bochs Haswell (Intel VMX+EPT),
#         or QEMU+KVM with nested KVM of that vendor: scripts/hvaccel.py decides
#         (README "Accelerator selection"), run-qemu or run-bochs boots
#   -i    the image (default build/dfly/hvtest.iso, `make dfly`)
#   -l    the console log (default build/logs/dfly-BACKEND.log)
#   -t    give up after SECONDS (default 300)
#   -u    extended regex (grep -E) ending the run once a console line
#         matches it (default: hvtest's SUMMARY line, the kernel's
#         mountroot> prompt, or the ddb prompt after a panic)
#   -m    memory (default 512M)
#
# The kernel never powers the machine off, so the emulator is stopped when
# the pattern appears.  Prints `run.sh: BACKEND: ... after N s` on stderr.
# Exit status: 0 the pattern appeared, 3 timeout, 4 setup error, 2 the
# emulator ended first.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
iso=$top/build/dfly/hvtest.iso
log="" timeout=300 mem=512M
until_re='^SUMMARY |mountroot>|^db> '
usage() { echo "usage: $0 [-i ISO] [-l LOG] [-t SECONDS] [-u REGEX] [-m MEM] svm|vmx" >&2; exit 4; }
while getopts "i:l:t:u:m:h" opt; do
	case $opt in
	i) iso=$OPTARG ;;
	l) log=$OPTARG ;;
	t) timeout=$OPTARG ;;
	u) until_re=$OPTARG ;;
	m) mem=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
backend=$1
log=${log:-$top/build/logs/dfly-$backend.log}
[ -f "$iso" ] || { echo "run.sh: no image $iso (make dfly)" >&2; exit 4; }
mkdir -p "$(dirname "$log")"
: >"$log"

# scripts/hvaccel.py decides what boots the backend, as for testkern.
case $backend in svm | vmx) ;; *) usage ;; esac
mapfile -t runner < <(/usr/bin/python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import hvaccel
print("\n".join(hvaccel.runner_argv(hvaccel.decide(sys.argv[2]))))' "$top/scripts" "$backend")
[ ${#runner[@]} -gt 0 ] || { echo "run.sh: scripts/hvaccel.py gave no runner for $backend" >&2; exit 4; }
# The runners' own timeout is a backstop: this script stops them first.
"${runner[@]}" -i "$iso" -n 2 -m "$mem" --log "$log" --timeout $((timeout + 30)) \
	>/dev/null 2>"$log.runner" &
pid=$!
t0=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) $t0" | awk '{ printf "%.1f", $1 - $2 }'; }
stop() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
trap stop EXIT

# Bochs and QEMU write the log as the kernel prints.  After a match, one
# more second lets the rest of the line reach the log.
deadline=$(( $(date +%s) + timeout ))
while :; do
	if grep -aqE "$until_re" "$log" 2>/dev/null; then
		echo "run.sh: $backend: '$(grep -aoE "$until_re" "$log" | head -n 1)' after $(elapsed) s, log $log" >&2
		sleep 1
		exit 0
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "run.sh: $backend: the emulator ended after $(elapsed) s without /$until_re/: $(tail -n 1 "$log.runner"), log $log" >&2
		exit 2
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "run.sh: $backend: timeout after $(elapsed) s without /$until_re/, log $log" >&2
		exit 3
	fi
	sleep 0.5
done
