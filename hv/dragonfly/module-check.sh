#!/bin/bash
# module-check.sh OUTDIR - what `make module-check` runs on Linux.
#
# 0. The module's source list (hv/dragonfly/Makefile) covers every hv/
#    source, names no file twice, and names every glue file.
# 1. Every hv/ source compiles with DragonFly's kernel-module flags and
#    warning set, -Werror, and only <stddef.h> <stdint.h> <stdbool.h>
#    <stdarg.h> visible; the linked result calls nothing but hv_os.h and the
#    mem* functions every DragonFly kernel has.  Also on the build machine:
#    vmm_dev.c on the real hv core with fake OS/backend/DragonFly (test/).
# 2. With DFLY_SYSDIR=<DragonFly src>/sys: hv/ and hv/dragonfly/ compiled
#    against that tree as bsd.kmod.mk would (links, machine/ forwarding
#    headers, opt_*.h, flags), linked into vmm.ko; the load handler must be
#    there and every undefined symbol must be defined in that tree, in a
#    file the pc64 kernel always builds, and no global of vmm.ko may clash
#    with one of the kernel's.
# 3. With bmake installed and DragonFly's share/mk beside DFLY_SYSDIR: the
#    real hv/dragonfly/Makefile run through bsd.kmod.mk must build a vmm.ko
#    with the same undefined symbols, printing no diagnostics.
# Prints one "module-check: ..." line per verdict; exit 1 on any failure.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
# symbols and sysctl names of the testkern-only code (HV_QUIRKS, HV_HOSTCHECK)
testonly="hv_quirk|vmm\\.quirk|hv_hostcheck|vmm\\.hostcheck"
mk="$top/hv/dragonfly/Makefile"
out=${1:?usage: module-check.sh OUTDIR}
mkdir -p "$out" && out=$(cd "$out" && pwd)
CC=${CC:-gcc}
LD=${LD:-ld}
fail=0

say() { echo "module-check: $*"; }
bad() { echo "module-check: FAIL: $*"; fail=1; }

# compile NAME HOW OBJ CC ARGS...: CC ARGS -c -o OBJ; a failure or any
# compiler output (the flags have -Werror) is a FAIL with the first lines of
# it; returns 1 when there is no object.
compile() {
	local name=$1 how=$2 o=$3
	shift 3
	if ! "$@" -c -o "$o" 2> "$o.err"; then
		bad "$name does not compile $how:"
		sed 's/^/    /' "$o.err" | head -n 30
		return 1
	fi
	if [ -s "$o.err" ]; then
		bad "$name: compiler output $how"
		sed 's/^/    /' "$o.err" | head -n 30
	fi
}

# A one-line variable of hv/dragonfly/Makefile ("NAME=<tab>value").
mkvar() {
	sed -n "s/^$1[?+]*=[[:space:]]*//p" "$mk" | head -n 1
}

# ---- 0. source list --------------------------------------------------------

globs=$(mkvar HV_GLOBS)
dfly_srcs=$(mkvar DFLY_SRCS)
[ -n "$globs" ] || bad "HV_GLOBS not found in $mk"
# shellcheck disable=SC2086
hv_srcs=$(cd "$top/hv" && ls $globs 2>/dev/null)

# Every C or assembly file of hv/ outside test/ and dragonfly/ must match.
for f in $(cd "$top/hv" && find . \( -path ./test -o -path ./dragonfly \) -prune \
    -o \( -name '*.c' -o -name '*.S' -o -name '*.s' \) -print | sed 's|^\./||' | sort); do
	case " $(echo $hv_srcs) " in
	*" $f "*) ;;
	*) bad "hv/$f is not matched by HV_GLOBS in hv/dragonfly/Makefile" ;;
	esac
done
for f in $(cd "$top/hv/dragonfly" && ls *.c); do
	case " $dfly_srcs " in
	*" $f "*) ;;
	*) bad "hv/dragonfly/$f is not in DFLY_SRCS" ;;
	esac
done
for f in $dfly_srcs; do
	case "$f" in opt_*.h) continue ;; esac
	[ -f "$top/hv/dragonfly/$f" ] || bad "DFLY_SRCS names missing file $f"
done
# bsd.kmod.mk finds sources by name along .PATH: names must be unique.
dups=$(for f in $hv_srcs $dfly_srcs; do basename "$f"; done | sort | uniq -d)
[ -z "$dups" ] || bad "source names used twice (the module's .PATH finds one): $dups"
nsrc=$(echo $hv_srcs | wc -w)
say "sources: $nsrc hv/ files + $(echo $dfly_srcs | wc -w) glue files listed by hv/dragonfly/Makefile"

# ---- 1. hv/ with DragonFly's module flags, no DragonFly tree needed -------

# DragonFly bsd.kern.mk + platform/pc64/conf/kern.mk (x86_64) for modules.
KMOD_FLAGS="-O2 -pipe -fno-pie -ffreestanding -fno-common -fno-stack-protector
 -fno-strict-aliasing -fno-strict-overflow -mcmodel=kernel -mno-red-zone
 -mno-mmx -mno-3dnow -mno-sse -mno-sse2 -mno-sse3 -msoft-float
 -fno-asynchronous-unwind-tables -fno-omit-frame-pointer -std=c99
 -D_KERNEL -DKLD_MODULE"
KMOD_WARN="-Wall -Wredundant-decls -Wnested-externs -Wstrict-prototypes
 -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wold-style-definition
 -Wmissing-include-dirs -Wno-pointer-sign -Winit-self -Wundef
 -Wno-unused-but-set-variable -Wold-style-declaration -Werror"

s1="$out/step1"
rm -rf "$s1" && mkdir -p "$s1/stdinc"
# Only the four headers hv/ may use; everything else must be missing.
gccinc=$($CC -print-file-name=include)
for h in stddef.h stdint.h stdbool.h stdarg.h; do
	echo "#include \"$gccinc/$h\"" > "$s1/stdinc/$h"
done
# The world switches' generated headers (hv/genassym.sh), as the Makefiles make them.
syms=$(cd "$top/hv" && ls intel/*.sym amd/*.sym 2>/dev/null)
mkdir -p "$s1/gen"
for y in $syms; do
	# shellcheck disable=SC2086
	sh "$top/hv/genassym.sh" "$s1/gen/$(basename "${y%.sym}").h" "$top/hv/$y" \
	    $CC $KMOD_FLAGS $KMOD_WARN -nostdinc -I"$s1/stdinc" -I"$top/hv" ||
	    bad "hv/$y: genassym.sh failed"
done
objs1=""
n1=0
for f in $hv_srcs; do
	o="$s1/$(echo "$f" | tr / _).o"
	case "$f" in *.S) extra="-D__ASSEMBLY__ -I$s1/gen" ;; *) extra="" ;; esac
	# shellcheck disable=SC2086
	compile "hv/$f" "with DragonFly's module flags" "$o" $CC $KMOD_FLAGS \
	    $KMOD_WARN $extra -nostdinc -I"$s1/stdinc" -I"$top/hv" "$top/hv/$f" ||
		continue
	objs1="$objs1 $o"
	n1=$((n1 + 1))
done
say "step 1: $n1/$nsrc hv/ sources compiled with DragonFly module flags -Werror"

if [ -n "$objs1" ]; then
	# shellcheck disable=SC2086
	$LD -r -o "$s1/hv.o" $objs1 || bad "ld -r of the hv/ objects failed"
	# What hv/ may call: hv_os.h and the compiler's mem* helpers, which
	# DragonFly defines in platform/pc64/x86_64/support.s and memcmp.s.
	allowed=$(grep -o '\bhv_os_[a-z0-9_]*[[:space:]]*(' "$top/hv/hv_os.h" |
	    tr -d ' \t(' | sort -u)
	allowed="$allowed memcpy memset memmove memcmp"
	extra_syms=""
	for s in $(nm -u "$s1/hv.o" | awk '{print $2}'); do
		case " $(echo $allowed) " in
		*" $s "*) ;;
		*) extra_syms="$extra_syms $s" ;;
		esac
	done
	# The historic-bug switches (hv/quirk.c, HV_QUIRKS) and the host-state
	# check (hv/hostcheck.c, HV_HOSTCHECK) are testkern-only: no symbol or
	# sysctl name of theirs may reach the module's objects.
	q=$( (nm "$s1/hv.o"; strings -a "$s1/hv.o") | grep -E "$testonly" | sort -u | head -n 5)
	if [ -n "$q" ]; then
		bad "hv/ objects built with module flags contain test-only code: $(echo $q)"
	else
		say "step 1: no quirk or hostcheck symbol or sysctl name in the module-flag objects"
	fi
	if [ -n "$extra_syms" ]; then
		bad "hv/ calls symbols outside hv_os.h:$extra_syms"
	else
		say "step 1: hv/ undefined symbols are all hv_os.h or mem*: $(nm -u "$s1/hv.o" | awk '{print $2}' | tr '\n' ' ')"
	fi
fi

# ---- 1b. /dev/vmm on the build machine --------------------------------------

# vmm_dev.c against the real hv core with the unit tests' fake OS and backend
# (hv/test) and a fake of the DragonFly interfaces it uses (test/shim,
# test/fake_dfly.c), under ASan+UBSan: the ioctls, destroy under running
# vCPUs, destroy during a copy, close and unload (test/t_vmmdev.c).
HOSTCC=${HOSTCC:-cc}
t="$top/hv/dragonfly/test"
# shellcheck disable=SC2046
if ! (cd "$top" && $HOSTCC -std=gnu11 -g -O1 -pthread -fsanitize=address,undefined \
    -fno-sanitize-recover=all -fno-omit-frame-pointer -no-pie -fno-pie \
    -ffunction-sections -fdata-sections -Wl,--gc-sections -Wl,--wrap=hv_cpuid \
    -Wall -Wextra -Wno-unused-parameter -Werror -I"$t/shim" -I"$t" \
    -Ihv/dragonfly -Ihv -Ihv/test -o "$s1/vmmdev-test" $(ls hv/*.c) \
    hv/test/fake_os.c hv/test/fake_backend.c hv/test/fake_cpu.c hv/test/check_eq.c \
    hv/intel/ept.c hv/amd/npt.c hv/dragonfly/vmm_dev.c "$t/fake_dfly.c" "$t/t_vmmdev.c") \
    > "$s1/vmmdev-build.log" 2>&1; then
	bad "step 1: the hosted /dev/vmm test does not build:"
	sed 's/^/    /' "$s1/vmmdev-build.log" | head -n 30
elif timeout 120 "$s1/vmmdev-test" > "$s1/vmmdev-test.log" 2>&1 &&
    tail -n 1 "$s1/vmmdev-test.log" | grep -q '^vmmdev: [0-9]* checks, 0 failed$'; then
	say "step 1: hosted /dev/vmm test (vmm_dev.c on hv, fake backend, ASan): $(grep 'destroy while running' "$s1/vmmdev-test.log" | sed 's/^ *//'); $(tail -n 1 "$s1/vmmdev-test.log")"
else
	bad "step 1: the hosted /dev/vmm test failed ($s1/vmmdev-test.log):"
	grep -E 'FAIL|ERROR|SUMMARY|vmmdev:' "$s1/vmmdev-test.log" | head -n 20 | sed 's/^/    /'
fi

# hv_sysctl_dfly.c with a fake sysctl tree (test/fake_sysctl.c): the
# kernel's own hw.vmm renamed while vmm.ko is loaded, its enable leaf
# refusing writes, both given back at unload (test/t_builtin.c).
if ! (cd "$top" && $HOSTCC -std=gnu11 -g -O1 -pthread -fsanitize=address,undefined \
    -fno-sanitize-recover=all -Wall -Wextra -Wno-unused-parameter -Werror \
    -I"$t/shim" -I"$t" -Ihv/dragonfly -Ihv -o "$s1/builtin-test" \
    hv/dragonfly/hv_sysctl_dfly.c "$t/fake_sysctl.c" "$t/fake_dfly.c" \
    "$t/t_builtin.c") > "$s1/builtin-build.log" 2>&1; then
	bad "step 1: the hosted hw.vmm_builtin test does not build:"
	sed 's/^/    /' "$s1/builtin-build.log" | head -n 30
elif timeout 60 "$s1/builtin-test" > "$s1/builtin-test.log" 2>&1 &&
    tail -n 1 "$s1/builtin-test.log" | grep -q '^builtin: [0-9]* checks, 0 failed$'; then
	say "step 1: hosted hw.vmm_builtin test (hv_sysctl_dfly.c, fake sysctl tree, ASan): $(tail -n 1 "$s1/builtin-test.log")"
else
	bad "step 1: the hosted hw.vmm_builtin test failed ($s1/builtin-test.log):"
	head -n 20 "$s1/builtin-test.log" | sed 's/^/    /'
fi

# tools/guest_text.c, the one escape of guest text printed by vmmrun and
# vmmcheck: escape sequences, NUL, DEL, 8-bit bytes (test/t_guest_text.c).
if ! (cd "$top" && $HOSTCC -std=c99 -g -O1 -fsanitize=address,undefined \
    -fno-sanitize-recover=all -Wall -Wextra -Werror -Ihv/dragonfly/tools \
    -o "$s1/guest-text-test" hv/dragonfly/tools/guest_text.c "$t/t_guest_text.c") \
    > "$s1/guest-text-build.log" 2>&1; then
	bad "step 1: the hosted guest_text test does not build:"
	sed 's/^/    /' "$s1/guest-text-build.log" | head -n 30
elif timeout 60 "$s1/guest-text-test" > "$s1/guest-text-test.log" 2>&1 &&
    tail -n 1 "$s1/guest-text-test.log" | grep -q '^guest_text: [0-9]* checks, 0 failed$'; then
	say "step 1: hosted guest_text test (escapes of guest text, ASan): $(tail -n 1 "$s1/guest-text-test.log")"
else
	bad "step 1: the hosted guest_text test failed ($s1/guest-text-test.log):"
	head -n 20 "$s1/guest-text-test.log" | sed 's/^/    /'
fi

# ---- 2. against a DragonFly source tree -----------------------------------

if [ -z "${DFLY_SYSDIR:-}" ]; then
	say "step 2: SKIPPED: DFLY_SYSDIR is not set (point it at a DragonFly src/sys tree)"
	[ $fail -eq 0 ] && say "PASS" || say "FAILED"
	exit $fail
fi
sys=$(cd "$DFLY_SYSDIR" 2>/dev/null && pwd)
if [ -z "$sys" ] || [ ! -d "$sys/kern" ] || [ ! -f "$sys/conf/kmod.mk" ]; then
	bad "step 2: DFLY_SYSDIR=$DFLY_SYSDIR is not a DragonFly sys/ tree"
	say "FAILED"
	exit 1
fi

s2="$out/dfly"
rm -rf "$s2" && mkdir -p "$s2/forwarder_x86_64/include/machine"
cd "$s2" || exit 1
# bsd.kmod.mk's links (_ILINKS) for MACHINE_PLATFORM=pc64, MACHINE_ARCH=x86_64.
ln -s "$sys" @
ln -s "$sys/platform/pc64/include" machine
ln -s "$sys/platform/pc64" machine_base
ln -s "$sys/cpu/x86_64/include" cpu
ln -s "$sys/cpu/x86_64" cpu_base
# kern.fwd.mk: <machine/X.h> for headers that only cpu/x86_64/include has.
nfwd=0
for h in "$sys"/cpu/x86_64/include/*.h; do
	b=$(basename "$h")
	[ -e "$sys/platform/pc64/include/$b" ] && continue
	g=$(echo "_MACHINE_$b" | tr 'a-z.' 'A-Z_')
	printf '#ifndef %s_\n#define %s_\n#include <cpu/%s>\n#endif\n' \
	    "$g" "$g" "$b" > "forwarder_x86_64/include/machine/$b"
	nfwd=$((nfwd + 1))
done
# bsd.kmod.mk creates an empty opt_*.h for each one SRCS lists.
for f in $dfly_srcs; do
	case "$f" in opt_*.h) : > "$f" ;; esac
done

# The module Makefile's own KCFLAGS+= line, with its make variables resolved.
mkcflags=$(mkvar KCFLAGS | sed -e "s|\${.CURDIR}|$top/hv/dragonfly|g" \
    -e "s|\${HVDIR}|$top/hv|g")
case "$mkcflags" in *'${'*) bad "unresolved variable in KCFLAGS+=: $mkcflags" ;; esac
# kmod.mk with CCVER=gcc80: gcc-only flags of bsd.kern.mk and pc64 kern.mk.
GCC80="-finline-limit=8000 --param inline-unit-growth=100
 --param large-function-growth=1000 -mfpmath=387 -mpreferred-stack-boundary=4
 -mno-ssse3 -mno-sse4.1 -mno-sse4.2 -mno-sse4 -mno-sse4a -mno-abm -mno-aes
 -mno-avx -mno-pclmul -mno-popcnt -mindirect-branch=thunk-inline"
# shellcheck disable=SC2086
CFLAGS2="$KMOD_FLAGS $KMOD_WARN $GCC80 $mkcflags -nostdinc $mkcflags -I. -I@
 -I$s2/forwarder_x86_64/include"

# the world switches' generated headers, here in the object directory (-I.)
for y in $syms; do
	# shellcheck disable=SC2086
	sh "$top/hv/genassym.sh" "$(basename "${y%.sym}").h" "$top/hv/$y" $CC $CFLAGS2 ||
	    bad "hv/$y: genassym.sh failed against $sys"
done
objs2=""
n2=0
all2=0
for f in $(for x in $hv_srcs; do echo "$top/hv/$x"; done) \
    $(for x in $dfly_srcs; do case $x in *.c) echo "$top/hv/dragonfly/$x" ;; esac; done); do
	all2=$((all2 + 1))
	b=$(basename "$f")
	o="${b%.*}.o"
	case "$f" in *.S) extra="-D__ASSEMBLY__" ;; *) extra="" ;; esac
	# shellcheck disable=SC2086
	compile "${f#$top/}" "against $sys" "$o" $CC $CFLAGS2 $extra "$f" || continue
	objs2="$objs2 $o"
	n2=$((n2 + 1))
done
say "step 2: $n2/$all2 sources compiled against $sys ($nfwd machine/ forwarding headers)"
# On a compile failure still link the rest: the symbol report below shows
# what else is missing.
[ $n2 -eq $all2 ] || bad "step 2: $((all2 - n2)) source(s) did not compile; vmm.ko below is incomplete"

# vmm_dev.h is for user space too: compile a user program that includes it,
# and the vmmrun tool, against the tree's userland headers (include/ beside
# sys/), when present.
if [ -f "$sys/../include/stdio.h" ]; then
	# include/Makefile installs LHDRS (errno.h, fcntl.h, ...) as links
	# to sys/<name> in /usr/include.
	mkdir -p userinc
	for h in $(sed -n 's/^LHDRS=[[:space:]]*//p' "$sys/../include/Makefile"); do
		ln -sf "$sys/sys/$h" "userinc/$h"
	done
	cat > user_vmm_dev.c <<'EOC'
#include <sys/types.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include "vmm_dev.h"

/* every argument must fit the ioctl size field */
typedef char run_fits[sizeof(struct vmm_ioc_run) <= IOCPARM_MAX ? 1 : -1];
typedef char regs_fit[sizeof(struct vmm_ioc_regs) <= IOCPARM_MAX ? 1 : -1];
typedef char irq_fits[sizeof(struct vmm_ioc_irq) == 8 ? 1 : -1];

int main(void);

int
main(void)
{
	printf("%lu %lu %lu\n", (unsigned long)VMM_IOC_RUN,
	    (unsigned long)VMM_IOC_TRANSLATE, (unsigned long)VMM_IOC_INJECT_IRQ);
	return (0);
}
EOC
	# shellcheck disable=SC2086
	if $CC -fsyntax-only -std=c99 $KMOD_WARN -Wno-unused-local-typedefs -nostdinc \
	    -I"$sys/../include" -Iuserinc -I"$sys" -I. -I"$s2/forwarder_x86_64/include" \
	    -I"$top/hv/dragonfly" -I"$top/hv/dragonfly/tools" -I"$top/hv" \
	    -isystem "$($CC -print-file-name=include)" user_vmm_dev.c \
	    "$top/hv/dragonfly/tools/vmmrun.c" "$top/hv/dragonfly/tools/guest_text.c" 2> user.err &&
	    [ ! -s user.err ]; then
		say "step 2: vmm_dev.h and tools/vmmrun.c, guest_text.c compile as user programs against $sys/../include"
	else
		bad "vmm_dev.h or tools/vmmrun.c does not compile as a user program:"
		sed 's/^/    /' user.err | head -n 20
	fi
else
	say "step 2: user-space check of vmm_dev.h SKIPPED: no userland include/ beside $sys"
fi

# kmod.mk, x86_64: the module is a relocatable object, not a shared one.
# shellcheck disable=SC2086
if ! $CC -nostdlib -Wl,--hash-style=sysv -r -Wl,-d -o vmm.ko $objs2 2> link.err; then
	bad "linking vmm.ko failed:"
	sed 's/^/    /' link.err
	say "FAILED"
	exit 1
fi
[ -s link.err ] && { bad "linker output:"; sed 's/^/    /' link.err; }
say "step 2: linked $s2/vmm.ko ($(stat -c %s vmm.ko) bytes)"
if (nm vmm.ko; strings -a vmm.ko) | grep -qE "$testonly"; then
	bad "vmm.ko contains test-only code (HV_QUIRKS, HV_HOSTCHECK are for testkern builds only)"
else
	say "step 2: no quirk or hostcheck symbol or sysctl name in vmm.ko"
fi

# The module's load handler and the metadata that makes the kernel find it.
if nm vmm.ko | grep -q ' [tT] vmm_modevent$' &&
    nm vmm.ko | grep -q '_mod_metadata_md_vmm$'; then
	say "step 2: load handler vmm_modevent and module metadata _md_vmm present"
else
	bad "vmm_modevent or the DECLARE_MODULE metadata is missing from vmm.ko"
fi

# Every undefined symbol must be defined in a file the pc64 kernel builds.
std_files() {
	# "standard" entries of conf/files and platform/pc64/conf/files
	awk '$2 == "standard" {print $1}' \
	    "$sys/conf/files" "$sys/platform/pc64/conf/files"
}
stdlist="$s2/standard-files"
std_files | sort -u > "$stdlist"
# Candidate definitions of symbol $1 in the tree, "file:line", one per line.
defs() {
	local s=$1 n
	# functions (DragonFly style: the name starts the line) and variables
	grep -rnE --include='*.c' "^$s\(|^[a-z_][a-zA-Z0-9_[:space:]]*[[:space:]*]$s([[:space:]]*=.*|\[.*\])?;" \
	    "$sys" 2>/dev/null | grep -vE ':[0-9]+:extern[[:space:]]'
	# assembly entry points and absolute symbols
	grep -rnE --include='*.s' --include='*.S' \
	    "^(ENTRY|NON_GPROF_ENTRY)\($s\)|^$s:|^[[:space:]]*\.set[[:space:]]+$s," \
	    "$sys" 2>/dev/null
	# sysctl__<name>_children comes from SYSCTL_NODE(<parent>, nbr, <name>, ...)
	case "$s" in sysctl__*_children)
		n=${s#sysctl__}; n=${n%_children}; n=${n##*_}
		grep -rnE --include='*.c' \
		    "^SYSCTL_NODE\([_a-z]*,[[:space:]]*[A-Z_0-9]+,[[:space:]]*$n," \
		    "$sys" 2>/dev/null ;;
	esac
}
nundef=0
for s in $(nm -u vmm.ko | awk '{print $2}'); do
	nundef=$((nundef + 1))
	case "$s" in __start_set_*|__stop_set_*)
		# The kld loader resolves these from the module's own linker
		# set section (kern/link_elf_obj.c, link_elf_obj_fix_link_set).
		sect=${s#__start_}; sect=${sect#__stop_}
		if objdump -h vmm.ko | awk '{print $2}' | grep -qxF "$sect"; then
			say "undef $s -> section $sect of vmm.ko (kld loader, sys/kern/link_elf_obj.c)"
		else
			bad "undefined $s but vmm.ko has no section $sect"
		fi
		continue ;;
	esac
	hit=""
	first=""
	while IFS= read -r d; do
		[ -n "$d" ] || continue
		rel=${d#$sys/}; rel=${rel%%:*}
		[ -n "$first" ] || first=$d
		if grep -qxF "$rel" "$stdlist"; then
			hit=$d
			break
		fi
	done <<EOD
$(defs "$s")
EOD
	if [ -n "$hit" ]; then
		rel=${hit#$sys/}
		say "undef $s -> sys/$(echo "$rel" | cut -d: -f1,2) (standard)"
	elif [ -n "$first" ]; then
		rel=${first#$sys/}
		bad "undefined $s: only in sys/$(echo "$rel" | cut -d: -f1,2), not a standard pc64 kernel file"
	else
		bad "undefined $s: no definition found in $sys"
	fi
done
# A global of vmm.ko that the kernel defines too would be ambiguous to the
# kld linker and to ddb: none may exist (static definitions do not count).
pat=$(nm -g --defined-only vmm.ko | awk '{print $3}' | paste -sd'|')
nclash=0
if [ -n "$pat" ]; then
	while IFS= read -r d; do
		[ -n "$d" ] || continue
		f=${d%%:*}; l=$(echo "$d" | cut -d: -f2)
		grep -qxF "${f#$sys/}" "$stdlist" || continue
		# DragonFly puts "static int" on the line before the name
		sed -n "$((l - 1))p" "$f" | grep -q '^static' && continue
		bad "vmm.ko defines a symbol the kernel defines too: sys/${d#$sys/}"
		nclash=$((nclash + 1))
	done <<EOD
$(grep -rnE --include='*.c' --include='*.s' --include='*.S' \
    "^($pat)\(|^(ENTRY|NON_GPROF_ENTRY)\(($pat)\)|^[a-z_][a-zA-Z0-9_[:space:]]*[[:space:]*]($pat)([[:space:]]*=.*|\[.*\])?;" \
    "$sys" 2>/dev/null | grep -vE ':[0-9]+:(extern|static)[[:space:]]')
EOD
fi
say "step 2: $(nm -g --defined-only vmm.ko | wc -l) global symbols of vmm.ko, $nclash clash with the kernel's"
say "step 2: $nundef undefined symbols checked against $sys"

# ---- 3. the real hv/dragonfly/Makefile: bmake + DragonFly's share/mk ------

# Steps 1-2 mirror bsd.kmod.mk; this runs it, when the tools are here, and
# checks that it builds the same module.
mkdir=$(cd "$sys/../share/mk" 2>/dev/null && pwd)
if ! command -v bmake > /dev/null; then
	say "step 3: SKIPPED: bmake is not installed (Debian: apt-get install bmake)"
elif [ -z "$mkdir" ] || [ ! -f "$mkdir/bsd.kmod.mk" ]; then
	say "step 3: SKIPPED: no DragonFly share/mk beside DFLY_SYSDIR ($sys/../share/mk)"
else
	obj="$out/bmake-obj"
	rm -rf "$obj" && mkdir -p "$obj"
	# COPTS=-fno-pie: Debian's gcc defaults to PIE, which -mcmodel=kernel refuses.
	bm() {
		(cd "$top/hv/dragonfly" && MAKEOBJDIRPREFIX="$obj" bmake -m "$mkdir" \
		    SYSDIR="$sys" MACHINE=x86_64 MACHINE_ARCH=x86_64 \
		    MACHINE_PLATFORM=pc64 CCVER=gcc80 CC="$CC" COPTS=-fno-pie "$@")
	}
	# bsd.cpu.mk runs BSD find(1) with -s; GNU find's complaint is noise.
	noise='find -s |unknown predicate .-s.'
	if bm obj > "$out/bmake.log" 2>&1 && bm >> "$out/bmake.log" 2>&1; then
		ko="$(bm -V .OBJDIR 2>/dev/null | tail -n 1)/vmm.ko"
		warn=$(grep -E 'warning|error' "$out/bmake.log" | grep -vE "$noise" |
		    grep -v '^gcc \|^cc \|^clang ')
		if [ -n "$warn" ]; then
			bad "step 3: bsd.kmod.mk build printed diagnostics:"
			echo "$warn" | sed 's/^/    /' | head -n 30
		fi
		if [ ! -f "$ko" ]; then
			bad "step 3: bmake succeeded but $ko is missing"
		elif [ "$(nm -u "$ko" | sort)" != "$(nm -u vmm.ko | sort)" ]; then
			bad "step 3: bsd.kmod.mk's vmm.ko has other undefined symbols than step 2's:"
			diff <(nm -u "$ko" | sort) <(nm -u vmm.ko | sort) | sed 's/^/    /'
		else
			say "step 3: bsd.kmod.mk (bmake) built $ko: $(grep -c -- ' -c ' "$out/bmake.log") files compiled, same undefined symbols as step 2"
		fi
	else
		bad "step 3: bmake with bsd.kmod.mk failed (log: $out/bmake.log):"
		grep -vE "$noise" "$out/bmake.log" | grep -v '^gcc \|^cc ' | tail -n 20 | sed 's/^/    /'
	fi
fi
[ $fail -eq 0 ] && say "PASS" || say "FAILED"
exit $fail
