#!/bin/sh
# coverage.sh OUTDIR SOURCE... - build the hosted unit tests with gcc
# --coverage (no sanitizers: make test-unit runs those), run them, and print
# line coverage of the hv/ sources among SOURCE (everything outside hv/test/)
# per file, then the total of the core (hv/*.c) and of all of them.
# `make coverage` runs it; the HTML report lands in OUTDIR/html.
set -eu
out=$1; shift
top=$(pwd)
rm -rf "$out"
mkdir -p "$out"
srcs=""
for f in "$@"; do srcs="$srcs $top/$f"; done
(cd "$out" && gcc -std=gnu11 -g -O0 --coverage -pthread -no-pie -fno-pie \
    -ffunction-sections -fdata-sections -Wl,--gc-sections \
    -I"$top/hv" -I"$top/hv/test" -o hv-unit-cov $srcs)
"$out/hv-unit-cov" >"$out/run.log" || { tail -n 20 "$out/run.log"; exit 1; }
tail -n 1 "$out/run.log"
# lcov 1.16 on Debian 12 prints Perl "redefined" warnings: drop them
lcov -q -c -d "$out" -o "$out/all.info" 2>&1 | grep -v 'redefined at' || true
core="" all=""
for f in "$@"; do
	case $f in
	hv/test/*) ;;
	hv/*/*) all="$all $top/$f" ;;
	hv/*) core="$core $top/$f"; all="$all $top/$f" ;;
	esac
done
# shellcheck disable=SC2086
lcov -q -e "$out/all.info" $all -o "$out/hv.info"
# shellcheck disable=SC2086
lcov -q -e "$out/all.info" $core -o "$out/core.info"
echo "line coverage of the hv/ sources in the unit tests:"
lcov --list "$out/hv.info" 2>/dev/null | grep -v '^Reading'
printf 'core hv/*.c:       '
lcov --summary "$out/core.info" 2>&1 | grep 'lines\.'
printf 'all hv/ files above: '
lcov --summary "$out/hv.info" 2>&1 | grep 'lines\.'
genhtml -q -o "$out/html" "$out/hv.info" >/dev/null 2>&1 || true
