#!/bin/sh
# check-x86-facts.sh - every architectural x86 number has one definition:
# hv/x86_arch.h (NASM gets it as the generated x86_arch.inc).  Fails, naming
# file and line, when a C, GNU as or NASM file of the tree
#   1. defines (#define, %define, equ) one of x86_arch.h's names without
#      its X86_ prefix (CR0_PG, EFER_NXE, ...), an X86_ name, any MSR_ name,
#      or one of the older spellings (MSR_IA32_*, NPT_*, PTE_W, EXC_GP,
#      VEC_UD, PF_W, CPUID1_ECX_*, the event format's EVENT_*, INTR_INFO_*,
#      INTR_TYPE_*, TYPE_HW_EXC);
#   2. defines any name as one of x86_arch.h's MSR numbers (0x100 and up) or
#      as the page-frame mask 0x000ffffffffff000;
#   3. writes an EFER/FS/GS/KERNEL_GS/STAR MSR number as a bare literal;
#   4. open-codes the canonical-address check (use x86_canonical()).
# hv/dragonfly is the host's side (DragonFly's own specialreg.h names) and
# hv/test/fuzz/ref_walk.c a deliberately independent reference walker: both
# are left out.  Run from the top of the tree (make test-unit runs it).
set -eu

hdr=hv/x86_arch.h
files=$(git ls-files '*.c' '*.h' '*.S' '*.asm' '*.inc' |
	grep -v -e '^hv/dragonfly/' -e "^$hdr\$" -e '^hv/test/fuzz/ref_walk.c$')
[ -n "$files" ] || { echo "check-x86-facts: no files (run at the top of the tree)" >&2; exit 2; }

def='^[[:space:]]*(#[[:space:]]*define|%define|%assign)[[:space:]]+NAME\b|^[[:space:]]*NAME[[:space:]]+equ\b'
# the header's own names without X86_ (CR0_PG, MSR_EFER, PTE_NX, ...) and the
# other spellings they had: MSR_IA32_*, NPT_*, EXC_*, PTE_W, CPUID*_ECX_*
bases=$(sed -nE 's/^#define[[:space:]]+X86_([A-Z0-9_]+)[[:space:](].*/\1/p' "$hdr" | grep -vxE 'BIT|U64' | paste -sd'|')
kinds="$bases|X86_[A-Z0-9_]+|MSR_[A-Z0-9_]+|EVENT_[A-Z0-9_]+|INTR_(INFO|TYPE)[A-Z0-9_]*|TYPE_HW_EXC|(PTE|NPT)_(P|W|RW|U|US|PWT|PCD|A|D|PS|G|NX|ADDR|FRAME)|PF_(P|W|U|ID)|(EXC|VEC)_(DE|DB|NMI|BP|UD|NM|DF|GP|PF|MC)|CPUID[0-9A-Z_]*_E[ABCD]X_[A-Z0-9_]+"
bad=$(mktemp)
trap 'rm -f "$bad"' EXIT

# 1. names of the header's kinds
echo "$files" | xargs grep -nE "$(printf "%s\n" "$def" | sed "s/NAME/($kinds)/g")" |
	grep -vE ':[[:space:]]*#[[:space:]]*define[[:space:]]+[A-Z0-9_]+_H[[:space:]]*$' >>"$bad" || true

# 2. values: x86_arch.h's MSR numbers >= 0x100 and the frame mask.  The
#    VMX capability MSRs (0x480-0x490) are left to the name check: VMCB
#    offsets have the same numbers.  EPT entries are a format of their own
#    (SDM Vol. 3C 29.3.2) whose address mask happens to be the same.
vals=$(sed -nE 's/^#define[[:space:]]+X86_MSR_[A-Z0-9_]+[[:space:]]+(0x[0-9a-f]+).*/\1/p' "$hdr" |
	while read -r v; do
		if [ $((v)) -ge 256 ] && { [ $((v)) -lt 1152 ] || [ $((v)) -gt 1279 ]; }; then echo "$v"; fi
	done | paste -sd'|')
[ -n "$vals" ] || { echo "check-x86-facts: no MSR numbers read from $hdr" >&2; exit 2; }
vals="$vals|0x0*ffffffffff000"
echo "$files" | xargs grep -niE "^[[:space:]]*(#[[:space:]]*define[[:space:]]+[A-Za-z0-9_]+|%define[[:space:]]+[A-Za-z0-9_]+|[A-Za-z0-9_]+[[:space:]]+equ)[[:space:]]+\(?($vals)(u|ul|ull)?\b" |
	grep -vE ':[[:space:]]*#[[:space:]]*define[[:space:]]+EPT_' >>"$bad" || true

# 3. the long-mode MSR numbers as bare literals in code (comments aside)
echo "$files" | xargs perl -ne 'my $c = $_; $c =~ s{/\*.*|//.*|;.*}{}; print "$ARGV:$.:$_" if $c =~ /\b0xc00000(80|81|82|83|84)\b|\b0xc000010[012]\b/i; close ARGV if eof' >>"$bad"

# 4. the canonical check written out again
echo "$files" | xargs grep -nE '<<[[:space:]]*16\)[[:space:]]*>>[[:space:]]*16' >>"$bad" || true

if [ -s "$bad" ]; then
	sort -u "$bad"
	echo "check-x86-facts: $(sort -u "$bad" | wc -l) line(s) define an x86 fact outside $hdr" >&2
	exit 1
fi
echo "check-x86-facts: $(echo "$files" | wc -l) files, no x86 fact defined outside $hdr"
