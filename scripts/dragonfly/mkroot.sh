#!/bin/sh
# mkroot.sh - the root file system of the DragonFly user-space test: a UFS1
# image (Debian's makefs, package makefs) that GRUB preloads as an MD disk
# (kfreebsd_module FILE type=md_image) and the kernel mounts as its root
# (vfs.root.mountfrom=ufs:md0).  It holds:
#	/sbin/init	vmmcheck (hv/dragonfly/user), started by the kernel
#	/boot/vmm.ko	loaded by vmmcheck with kldload(2), so it can unload it
#	/guests/*.bin	the guest images vmmcheck runs
#	/dev		where the kernel mounts devfs
# usage: mkroot.sh -o IMAGE -i VMMCHECK -k VMM_KO GUEST.bin...
set -eu
out= init= ko=
while getopts o:i:k: opt; do
	case $opt in
	o) out=$OPTARG ;;
	i) init=$OPTARG ;;
	k) ko=$OPTARG ;;
	*) echo "usage: $0 -o IMAGE -i VMMCHECK -k VMM_KO GUEST.bin..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$out" ] && [ -f "$init" ] && [ -f "$ko" ] && [ $# -gt 0 ] ||
	{ echo "usage: $0 -o IMAGE -i VMMCHECK -k VMM_KO GUEST.bin..." >&2; exit 2; }
command -v makefs > /dev/null ||
	{ echo "$0: makefs not found (Debian package makefs)" >&2; exit 1; }

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/sbin" "$tree/boot" "$tree/guests" "$tree/dev"
install -m 0555 "$init" "$tree/sbin/init"
install -m 0444 "$ko" "$tree/boot/vmm.ko"
for g in "$@"; do
	install -m 0444 "$g" "$tree/guests/$(basename "$g")"
done
# DragonFly's UFS is UFS1 (FFSv1), little-endian; root owns everything.
makefs -t ffs -o version=1 -B little -b 10% -f 64 "$out.tmp" "$tree" > /dev/null
mv "$out.tmp" "$out"
