# common.sh - sourced by build-kernel.sh and build.sh: where things are, the
# bmake command line for DragonFly's tree, and logging helpers.
#   DFLY_SRC   the DragonFly source tarball (sys/, include/, share/mk/,
#              usr.sbin/config/); default ../shared/dragonfly/
#              dragonfly-src-f875a8eec7.tar.xz beside the repository
#   DFLY_OUT   output directory (default build/dfly)

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
src_tar=${DFLY_SRC:-$top/../shared/dragonfly/dragonfly-src-f875a8eec7.tar.xz}
out=${DFLY_OUT:-$top/build/dfly}
src=$out/src		# the extracted tarball

die() { echo "${0##*/}: $*" >&2; exit 1; }
t0=$SECONDS
step() { echo "dfly: $* ($((SECONDS - t0)) s)"; }
# run_logged LOG CMD...: a failed command shows the end of its log.
run_logged() {
	local log=$1; shift
	"$@" >"$log" 2>&1 || { tail -n 25 "$log" >&2; die "failed, log: $log"; }
}

[ -f "$src_tar" ] || die "no DragonFly source tarball $src_tar (set DFLY_SRC)"
mkdir -p "$out/log"
out=$(cd "$out" && pwd)
src=$out/src

# bmake with the tree's own share/mk and the x86-64 machine variables.
#  -U__linux__...: Debian's gcc predefines them, which sends ACPICA to its
#     Linux headers; __DragonFly__ is what the tree's headers test instead.
#  -fno-pie: Debian's gcc builds PIE by default, which the kernel's code
#     model (-mcmodel=kernel) and locore's 32-bit relocations refuse.
dfly_defs="-U__linux__ -U__linux -Ulinux -U__gnu_linux__ -D__DragonFly__=5"
bm=(bmake -m "$src/share/mk" MACHINE=x86_64 MACHINE_ARCH=x86_64
    MACHINE_PLATFORM=pc64 CCVER=gcc80)

# The kernel's newvers.sh runs `make -V KERN_IDENT`: that make must be bmake.
mkdir -p "$out/bin"
printf '#!/bin/sh\nexec %s "$@"\n' "${bm[*]@Q}" >"$out/bin/make"
chmod +x "$out/bin/make"
export PATH="$out/bin:$PATH"
