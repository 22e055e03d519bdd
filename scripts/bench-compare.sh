#!/usr/bin/env bash
# bench-compare.sh BASE [ITERS [TOLERANCE]] - `make bench` for git revision
# BASE and for this tree, then the ratio new/base of every figure
# (scripts/bench.py compare).  BASE is built in a detached git worktree at
# build/bench-base (kept and reused); its results go to build/bench/base/.
# Exit status: 0, 1 when a figure got more than TOLERANCE percent slower
# (default 5), 4 when BASE cannot be built or has no bench test.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BASE [ITERS [TOLERANCE]]" >&2; exit 4; }
base=$1
iters=${2:-1000}
tol=${3:-5}
py=/usr/bin/python3

if ! rev=$(git -C "$top" rev-parse --verify --quiet "$base^{commit}"); then
	echo "bench-compare: unknown git revision '$base'" >&2
	exit 4
fi
wt=$top/build/bench-base
git -C "$top" worktree prune
if [ -e "$wt/.git" ]; then
	git -C "$wt" checkout -q --detach "$rev"
else
	rm -rf "$wt"
	git -C "$top" worktree add -q --detach "$wt" "$rev"
fi
echo "bench-compare: building $base ($rev) in $wt" >&2
if ! make -C "$wt" -s iso >"$top/build/bench-base.make.log" 2>&1; then
	echo "bench-compare: $base does not build (see build/bench-base.make.log)" >&2
	exit 4
fi
if [ ! -f "$wt/build/guests/bench.bin" ]; then
	echo "bench-compare: $base has no bench guest (guests/bench/): nothing to compare" >&2
	exit 4
fi
status=0
"$py" "$top/scripts/bench.py" run --top "$wt" --out "$top/build/bench/base" --iters "$iters" || status=$?
"$py" "$top/scripts/bench.py" run --top "$top" --out "$top/build/bench" --iters "$iters" || status=$?
if [ "$status" -ne 0 ]; then
	echo "bench-compare: a bench run failed (status $status); ratios below may be partial" >&2
fi
"$py" "$top/scripts/bench.py" compare --tolerance "$tol" \
	"$top/build/bench/base/results.json" "$top/build/bench/results.json"
