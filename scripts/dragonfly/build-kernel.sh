#!/usr/bin/env bash
# build-kernel.sh - build a DragonFly BSD x86-64 kernel on Debian from
# DragonFly's sources: config(8) built for Linux, the project's kernel
# configuration hv/dragonfly/kernel/HVTEST, bmake with the tree's share/mk
# and Debian's gcc.
#
#   scripts/dragonfly/build-kernel.sh
#
# Environment: DFLY_SRC, DFLY_OUT (common.sh); DFLY_JOBS, parallel jobs of
# the kernel build (default 2).
# Outputs (in DFLY_OUT, default build/dfly): src/ (the extracted tarball,
# redone when the tarball's hash changes), kernel (without debug
# information, what GRUB loads), kernel.debug (with symbols), log/.
# Cached: nothing is rebuilt while the hash of the tarball, HVTEST, this
# script and common.sh is the one in DFLY_OUT/kernel.key.
set -euo pipefail
. "$(dirname "$0")/common.sh"

jobs=${DFLY_JOBS:-2}
conf=$top/hv/dragonfly/kernel/HVTEST
for tool in bmake bison flex gcc ld; do
	command -v $tool >/dev/null || die "$tool missing (make deps)"
done
[ -f /usr/include/bsd/string.h ] || die "libbsd-dev missing (make deps)"

tar_hash=$(sha256sum "$src_tar" | cut -c1-16)
key=$( { echo "$tar_hash"; cat "$conf" "$0" "$(dirname "$0")/common.sh"; } | sha256sum | cut -c1-16)
if [ "$(cat "$out/kernel.key" 2>/dev/null)" = "$key" ] && [ -f "$out/kernel" ] &&
   [ "$(cat "$src/.tarball" 2>/dev/null)" = "$tar_hash" ]; then
	step "kernel up to date (key $key)"
	exit 0
fi
rm -f "$out/kernel" "$out/kernel.debug" "$out/kernel.key"

# ---- sources ----
if [ "$(cat "$src/.tarball" 2>/dev/null)" != "$tar_hash" ]; then
	rm -rf "$src" && mkdir -p "$src"
	tar -xJf "$src_tar" -C "$src"
	for f in sys/kern/init_main.c include/stdio.h share/mk/bsd.kmod.mk usr.sbin/config/config.y; do
		[ -f "$src/$f" ] || die "$src_tar has no $f"
	done
	echo "$tar_hash" >"$src/.tarball"
	step "extracted $src_tar"
fi

# ---- config(8) for Linux ----
# config.y calls newdev() before its static definition without a prototype,
# which gcc 12 rejects; strlcpy and friends come from libbsd.
cb=$out/config-build
rm -rf "$cb" && mkdir -p "$cb" && cp "$src"/usr.sbin/config/* "$cb/"
sed -i 's/^static int connect(char \*, int);$/&\nstatic void newdev(struct device *);/' "$cb/config.y"
grep -q '^static void newdev(struct device \*);$' "$cb/config.y" ||
	die "config.y: the line to put newdev's prototype after is not there"
run_logged "$out/log/config-build.log" bash -c "cd '$cb' &&
	bison -y -d -o y.tab.c config.y && flex -o lang.c lang.l &&
	gcc -O1 -w -D_GNU_SOURCE -include bsd/string.h -I. -o config \
	    y.tab.c lang.c main.c mkioconf.c mkmakefile.c mkheaders.c mkoptions.c -lfl -lbsd"
step "config(8) built"

kobj=$out/obj/HVTEST
rm -rf "$kobj" && mkdir -p "$kobj"
cp "$conf" "$src/sys/config/HVTEST"
run_logged "$out/log/config.log" bash -c "cd '$src/sys/config' && '$cb/config' -d '$kobj' HVTEST"
step "kernel configured"

# ---- the kernel ----
# -no-pie: Debian's gcc links PIE by default.  --no-as-needed: the link
# needs _DYNAMIC from the linker script, which --as-needed drops.  gcc 12
# warns a lot about this tree (-Warray-bounds): no -Werror.
# The generated headers first, serially: without `make depend` nothing
# orders e.g. mpboot.S after assym.s, and a parallel build can race them.
kargs=(NO_WERROR=1 WERROR= DEBUG=-g NO_MODULES=1
	'CC=gcc -no-pie -Wl,--no-as-needed' "CONF_CFLAGS=-fno-pie $dfly_defs")
gen=$(cd "$kobj" && "${bm[@]}" -V BEFORE_DEPEND)
run_logged "$out/log/kernel-gen.log" bash -c "cd '$kobj' && ${bm[*]@Q} ${kargs[*]@Q} assym.s $gen"
run_logged "$out/log/kernel.log" bash -c "cd '$kobj' && ${bm[*]@Q} -j$jobs ${kargs[*]@Q}"
# kernel.stripped keeps the symbol tables (modules link against them).
for f in kernel.debug kernel.stripped; do
	[ -f "$kobj/$f" ] || die "no $kobj/$f after the build"
done
cp "$kobj/kernel.debug" "$out/kernel.debug"
cp "$kobj/kernel.stripped" "$out/kernel"
echo "$key" >"$out/kernel.key"
step "kernel built: $(grep -c ' -c ' "$out/log/kernel.log") files compiled, $(grep -c 'warning:' "$out/log/kernel.log") warnings"
