#!/usr/bin/env bash
# build.sh - the DragonFly kernel (build-kernel.sh, cached) and, through
# DragonFly's bsd.kmod.mk, vmm.ko (hv/dragonfly/Makefile) and the in-kernel
# test module hvtest.ko (hv/dragonfly/ktest).
#
#   scripts/dragonfly/build.sh [-V NAME -C CFLAGS]
#
# Environment: DFLY_SRC, DFLY_OUT (see common.sh), DFLY_JOBS (build-kernel.sh).
# Outputs (in DFLY_OUT, default build/dfly):
#   kernel, kernel.debug  from build-kernel.sh
#   modules/vmm.ko        hv/dragonfly/Makefile, never with extra flags
#   modules/hvtest.ko     hv/dragonfly/ktest/Makefile
#   NAME/vmm.ko           with -V NAME -C CFLAGS: only this (and the kernel if
#                         it is not up to date): vmm.ko built with CFLAGS
#                         added, e.g. -V quirks -C -DHV_QUIRKS
# The modules are rebuilt from scratch on every run: bsd.kmod.mk keeps no
# header dependencies without `make depend` (the Makefile's `make dfly`
# calls this only when a source changed).  Logs in DFLY_OUT/log/.
set -euo pipefail
. "$(dirname "$0")/common.sh"

variant="" variant_cflags=""
usage() { echo "usage: $0 [-V NAME -C CFLAGS]" >&2; exit 2; }
while getopts "V:C:h" opt; do
	case $opt in
	V) variant=$OPTARG ;;
	C) variant_cflags=$OPTARG ;;
	*) usage ;;
	esac
done
[ $OPTIND -gt $# ] || usage
if [ -n "$variant$variant_cflags" ]; then
	[[ $variant =~ ^[a-z0-9_-]+$ ]] && [ -n "$variant_cflags" ] &&
	    [ "$variant" != modules ] && [ "$variant" != obj ] ||
		die "-V NAME (a-z 0-9 _ -; not modules, obj) and -C CFLAGS go together"
fi

"$(dirname "$0")/build-kernel.sh"

# build_kmod DIR OBJPREFIX EXTRA-CFLAGS LOG: prints the object directory.
# No -j: bsd.kmod.mk's `all` lists its steps without ordering them.
build_kmod() {
	local dir=$1 objp=$2 cflags=$3 log=$4
	rm -rf "$objp" && mkdir -p "$objp"
	run_logged "$log" bash -c "cd '$dir' && export MAKEOBJDIRPREFIX='$objp' &&
		${bm[*]@Q} SYSDIR='$src/sys' CC=gcc 'COPTS=-fno-pie $dfly_defs $cflags' obj &&
		${bm[*]@Q} SYSDIR='$src/sys' CC=gcc 'COPTS=-fno-pie $dfly_defs $cflags'"
	echo "$objp$dir"
}

if [ -n "$variant" ]; then
	objdir=$(build_kmod "$top/hv/dragonfly" "$out/obj/vmm-$variant" "$variant_cflags" \
		"$out/log/vmm-$variant.log")
	mkdir -p "$out/$variant"
	cp "$objdir/vmm.ko" "$out/$variant/vmm.ko"
	step "$variant/vmm.ko built with $variant_cflags"
	exit 0
fi
mkdir -p "$out/modules"
objdir=$(build_kmod "$top/hv/dragonfly" "$out/obj/vmm" "" "$out/log/vmm.log")
cp "$objdir/vmm.ko" "$out/modules/vmm.ko"
step "vmm.ko built: $(grep -c ' -c ' "$out/log/vmm.log") files compiled"
objdir=$(build_kmod "$top/hv/dragonfly/ktest" "$out/obj/hvtest" "" "$out/log/hvtest.log")
cp "$objdir/hvtest.ko" "$out/modules/hvtest.ko"
step "hvtest.ko built"
