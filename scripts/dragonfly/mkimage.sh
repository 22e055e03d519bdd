#!/usr/bin/env bash
# mkimage.sh - a GRUB 2 ISO that boots a DragonFly kernel with preloaded
# files, through GRUB's FreeBSD loader (`kfreebsd`).
#
#   scripts/dragonfly/mkimage.sh [-k KERNEL] [-o OUT] [-e KLD]... [-f FILE:TYPE]...
#                                [-s NAME=VALUE]... [-v]
#
#   -k KERNEL     default build/dfly/kernel (scripts/dragonfly/build.sh)
#   -e KLD        a kernel module (ELF object, e.g. build/dfly/modules/vmm.ko),
#                 linked at boot by the kernel's module linker; give them in
#                 dependency order
#   -f FILE:TYPE  any other file, preloaded with that type, e.g.
#                 build/guests/hello.bin:hv_guest (hvtest.ko runs each
#                 hv_guest), root.img:md_image (a memory-disk root)
#   -s NAME=VALUE a loader variable the kernel reads as a tunable (kenv),
#                 e.g. vfs.root.mountfrom=ufs:md0
#   -v            verbose kernel boot (boot -v)
#
# Files keep their base names under /boot/ in the image, so the kernel sees
# each preloaded file as /boot/NAME.  The console is COM1 (boot -h).
# Always set: hw.calibrate_timers_with_hpet=0 (this kernel snapshot faults in
# cputimer_intr_reload when it calibrates with the HPET before any interrupt
# timer exists).
# GRUB's own relocator.mod is fixed first (grub-relocator-fix.py: Debian 12's
# enters 64-bit kernels at a wrong address); a GRUB whose bytes it does not
# recognise is refused.  Images are cached by content in build/dfly/images/;
# prints the image path (OUT if given).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kernel=$top/build/dfly/kernel
out="" verbose=""
klds=() files=() vars=()
usage() { echo "usage: $0 [-k KERNEL] [-o OUT] [-e KLD]... [-f FILE:TYPE]... [-s NAME=VALUE]... [-v]" >&2; exit 2; }
die() { echo "mkimage: $*" >&2; exit 1; }
while getopts "k:o:e:f:s:vh" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	o) out=$OPTARG ;;
	e) klds+=("$OPTARG") ;;
	f) files+=("$OPTARG") ;;
	s) vars+=("$OPTARG") ;;
	v) verbose=" -v" ;;
	*) usage ;;
	esac
done
[ $OPTIND -gt $# ] || usage

[ -f "$kernel" ] || die "no kernel $kernel (scripts/dragonfly/build.sh)"
# GRUB's parser would split or expand these characters.
safe='^[A-Za-z0-9_.,:/+=-]+$'
names=()
for k in "${klds[@]}"; do
	[ -f "$k" ] || die "no module $k"
	names+=("$(basename "$k")")
done
for f in "${files[@]}"; do
	[[ $f == *:* ]] || die "-f $f: want FILE:TYPE"
	[ -f "${f%:*}" ] || die "no file ${f%:*}"
	[[ ${f##*:} =~ $safe ]] || die "-f $f: bad type"
	names+=("$(basename "${f%:*}")")
done
for n in "${names[@]}"; do
	[[ $n =~ $safe ]] || die "file name $n: unsupported characters"
done
dup=$(printf '%s\n' "${names[@]}" kernel | sort | uniq -d | head -n 1)
[ -z "$dup" ] || die "two preloaded files named $dup"
for v in "${vars[@]}"; do
	[[ $v =~ ^[A-Za-z0-9_.]+=.+$ && ${v#*=} =~ $safe ]] || die "-s $v: want NAME=VALUE (VALUE of $safe)"
done
for tool in grub-mkrescue xorriso mformat; do
	command -v "$tool" >/dev/null || die "$tool missing (make deps)"
done

cfg="set timeout=0
serial --unit=0 --speed=9600
terminal_output serial console
menuentry \"DragonFly $(basename "$kernel")\" {
	insmod bsd
	kfreebsd /boot/kernel -h$verbose
	set kFreeBSD.hw.calibrate_timers_with_hpet=0"
for v in "${vars[@]}"; do
	cfg+=$'\n'"	set kFreeBSD.$v"
done
for k in "${klds[@]}"; do
	cfg+=$'\n'"	kfreebsd_module_elf /boot/$(basename "$k")"
done
for f in "${files[@]}"; do
	cfg+=$'\n'"	kfreebsd_module /boot/$(basename "${f%:*}") type=${f##*:}"
done
cfg+=$'\n'"	boot
}"

images=$top/build/dfly/images
mkdir -p "$images"

# GRUB modules with the relocator fixed, once per installed GRUB.
grub_src=/usr/lib/grub/i386-pc
grub_key=$(cat "$grub_src/relocator.mod" "$top/scripts/dragonfly/grub-relocator-fix.py" |
	sha256sum | cut -c1-16)
grub_dir=$images/grub-i386-pc.$grub_key
if [ ! -d "$grub_dir" ]; then
	tmp=$(mktemp -d "$images/grub.XXXXXX")
	cp -a "$grub_src/." "$tmp/"
	"$top/scripts/dragonfly/grub-relocator-fix.py" "$tmp" >/dev/null || { rm -rf "$tmp"; exit 1; }
	# a parallel run may have made it meanwhile: keep that one
	mv -T "$tmp" "$grub_dir" 2>/dev/null || rm -rf "$tmp"
fi

key=$({ printf '%s\n' "$cfg" "$grub_key"; cat "$kernel" "${klds[@]}";
	for f in "${files[@]}"; do cat "${f%:*}"; done; } | sha256sum | cut -c1-16)
iso=$images/$key.iso
if [ ! -f "$iso" ]; then
	stage=$(mktemp -d "$images/stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage/root/boot/grub"
	cp "$kernel" "$stage/root/boot/kernel"
	for k in "${klds[@]}"; do cp "$k" "$stage/root/boot/"; done
	for f in "${files[@]}"; do cp "${f%:*}" "$stage/root/boot/"; done
	printf '%s\n' "$cfg" >"$stage/root/boot/grub/grub.cfg"
	if ! grub-mkrescue -d "$grub_dir" -o "$stage/img.iso" "$stage/root" >"$stage/log" 2>&1; then
		cat "$stage/log" >&2
		exit 1
	fi
	mv "$stage/img.iso" "$iso"	# atomic: a parallel build never sees half an image
	ls -t "$images"/*.iso 2>/dev/null | tail -n +17 | xargs -r rm -f
fi

if [ -n "$out" ]; then
	mkdir -p "$(dirname "$out")"
	cp "$iso" "$out.tmp.$$" && mv "$out.tmp.$$" "$out"
	echo "$out"
else
	touch "$iso"
	echo "$iso"
fi
