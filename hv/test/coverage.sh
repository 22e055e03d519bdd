#!/bin/sh
# coverage.sh OUTDIR SOURCE... - build the hosted unit tests with gcc
# --coverage (no sanitizers: make test-unit runs those), run them, and print
# line coverage of the hv/ and testkern/ sources among SOURCE (everything
# outside hv/test/) per file, then totals: core hv/*.c, the backend files,
# the scenario parser, all.
# `make coverage` runs it; the HTML report lands in OUTDIR/html.
set -eu
out=$1; shift
top=$(pwd)
rm -rf "$out"
mkdir -p "$out"
srcs=""
for f in "$@"; do srcs="$srcs $top/$f"; done
(cd "$out" && gcc -std=gnu11 -g -O0 --coverage -pthread -no-pie -fno-pie \
    -ffunction-sections -fdata-sections -Wl,--gc-sections -Wl,--wrap=hv_cpuid \
    -I"$top/hv" -I"$top/hv/test" -o hv-unit-cov $srcs)
"$out/hv-unit-cov" >"$out/run.log" || { tail -n 20 "$out/run.log"; exit 1; }
tail -n 1 "$out/run.log"
# lcov 1.16 on Debian 12 prints Perl "redefined" warnings: drop them
lcov -q -c -d "$out" -o "$out/all.info" 2>&1 | grep -v 'redefined at' || true
core="" back="" scn="" all=""
for f in "$@"; do
	case $f in
	hv/test/*) continue ;;
	hv/*/*) back="$back $top/$f" ;;
	hv/*) core="$core $top/$f" ;;
	testkern/*) scn="$scn $top/$f" ;;
	*) continue ;;
	esac
	all="$all $top/$f"
done
# shellcheck disable=SC2086
lcov -q -e "$out/all.info" $all -o "$out/hv.info"
echo "line coverage by the unit tests:"
lcov --list "$out/hv.info" 2>/dev/null | grep -v '^Reading'
summary() {	# NAME FILES...
	name=$1; shift
	# shellcheck disable=SC2086
	lcov -q -e "$out/all.info" "$@" -o "$out/part.info"
	printf '%-36s %s\n' "$name" "$(lcov --summary "$out/part.info" 2>&1 | \
	    sed -n 's/^ *lines\.*: //p')"
}
# shellcheck disable=SC2086
summary "core hv/*.c:" $core
# shellcheck disable=SC2086
summary "backend files (entry formats, names, controls):" $back
# shellcheck disable=SC2086
summary "scenario parser testkern/scn_*.c:" $scn
# shellcheck disable=SC2086
summary "all of the above:" $all
genhtml -q -o "$out/html" "$out/hv.info" >/dev/null 2>&1 || true
