#!/usr/bin/env bash
# mkimage.sh - build a GRUB2 (multiboot2) ISO of the test kernel.
#
#   scripts/mkimage.sh [-k KERNEL] [-c CMDLINE] [-o OUT] [MODULE...]
#
# KERNEL defaults to build/testkern.elf.  Each MODULE file is loaded as a
# multiboot2 module named after its file name.  grub.cfg comes from
# boot/grub.cfg.in when present (@CMDLINE@ and @MODULES@ are replaced outside
# comment lines), else
# from a built-in template.  Images are cached by the hash of grub.cfg, the
# kernel and the modules under build/images/, so booting the same kernel with
# the same command line twice builds one image.  Prints the image path (OUT if
# given, a copy of the cached image).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernel=$top/build/testkern.elf
cmdline=""
out=""
usage() { echo "usage: $0 [-k KERNEL] [-c CMDLINE] [-o OUT] [MODULE...]" >&2; exit 2; }
while getopts "k:c:o:h" opt; do
	case $opt in
	k) kernel=$OPTARG ;;
	c) cmdline=$OPTARG ;;
	o) out=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
modules=("$@")

[ -f "$kernel" ] || { echo "mkimage: no kernel $kernel (make kernel)" >&2; exit 1; }
for m in "${modules[@]}"; do
	[ -f "$m" ] || { echo "mkimage: no module file $m" >&2; exit 1; }
done
# GRUB's parser would split or expand these; the kernel command line never needs them.
case $cmdline in
*[\;\"\'\$\\\{\}]* | *$'\n'*) echo "mkimage: unsupported character in command line: $cmdline" >&2; exit 1 ;;
esac
for tool in grub-mkrescue xorriso mformat; do
	command -v "$tool" >/dev/null || { echo "mkimage: $tool missing (make deps)" >&2; exit 1; }
done

modlines=""
for m in "${modules[@]}"; do
	name=$(basename "$m")
	modlines+="	module2 /boot/mod/$name $name"$'\n'
done
template=$top/boot/grub.cfg.in
if [ -f "$template" ]; then
	cfg=$(awk -v cmd="$cmdline" -v mods="${modlines%$'\n'}" \
		'!/^[ \t]*#/ { gsub(/@CMDLINE@/, cmd); gsub(/@MODULES@/, mods) } { print }' "$template")
else
	cfg="set timeout=0
set default=0
menuentry \"hv testkern\" {
	multiboot2 /boot/testkern.elf $cmdline
${modlines}	boot
}"
fi

images=$top/build/images
mkdir -p "$images"
key=$({ printf '%s\n' "$cfg"; cat "$kernel"; for m in "${modules[@]}"; do cat "$m"; done; } |
	sha256sum | cut -c1-16)
iso=$images/$key.iso

if [ ! -f "$iso" ]; then
	stage=$(mktemp -d "$images/stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage/root/boot/grub" "$stage/root/boot/mod"
	cp "$kernel" "$stage/root/boot/testkern.elf"
	for m in "${modules[@]}"; do cp "$m" "$stage/root/boot/mod/"; done
	printf '%s\n' "$cfg" >"$stage/root/boot/grub/grub.cfg"
	if ! grub-mkrescue -o "$stage/img.iso" "$stage/root" >"$stage/log" 2>&1; then
		cat "$stage/log" >&2
		exit 1
	fi
	# rename is atomic: parallel builders of the same key never see half an image
	mv "$stage/img.iso" "$iso"
	# keep the cache small: the 32 newest images
	ls -t "$images"/*.iso 2>/dev/null | tail -n +33 | xargs -r rm -f
fi

if [ -n "$out" ]; then
	mkdir -p "$(dirname "$out")"
	cp "$iso" "$out.tmp.$$" && mv "$out.tmp.$$" "$out"
	echo "$out"
else
	touch "$iso"
	echo "$iso"
fi
