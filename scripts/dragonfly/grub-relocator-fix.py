#!/usr/bin/env python3
"""grub-relocator-fix.py - fix the 64-bit entry jump of GRUB's relocator.mod.

    scripts/dragonfly/grub-relocator-fix.py DIR

DIR is a copy of /usr/lib/grub/i386-pc (given to grub-mkrescue -d).  In
Debian 12's grub-pc-bin 2.06-13+deb12u2, grub_relocator64's last instruction,
`jmp *disp32(%rip)` (FF 25 disp32: JMP r/m64 with RIP-relative addressing,
Intel SDM Vol. 2A 2.2.1.6), has disp32 = 0, but the 64-bit target it should
read (the quad at symbol grub_relocator64_rip) lies 4 bytes after the
instruction's end.  So GRUB's `kfreebsd` enters every 64-bit kernel at the
wrong address (the entry point shifted left by 32 bits) and the machine
triple-faults.

The fix is made only on exactly the known bytes: the symbol must exist in
.text, the 10 bytes before it must be FF 25 00 00 00 00 and 4 zero bytes of
padding, and no relocation may touch the displacement.  Then disp32 becomes
4.  If disp32 is already 4 (a fixed GRUB), nothing is changed.  Anything else
is refused with one line on stderr and status 1.
"""
import struct
import sys

SYMBOL = b"grub_relocator64_rip"
JMP_RIP = b"\xff\x25"		# JMP r/m64, ModRM 00 100 101: [RIP + disp32]
PAD = 4			# zero bytes between the jump and the target quad
BROKEN = JMP_RIP + b"\x00\x00\x00\x00" + b"\x00" * PAD
FIXED = JMP_RIP + struct.pack("<i", PAD) + b"\x00" * PAD
SHT_SYMTAB, SHT_REL, SHT_RELA = 2, 9, 4


def refuse(msg):
    sys.stderr.write("grub-relocator-fix: %s\n" % msg)
    sys.exit(1)


def sections(data):
    """(name, type, offset, size, link, info, entsize) of each section of an ELF32 file."""
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 1:
        refuse("not a little-endian ELF32 file")
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2e)
    raw = [struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize) for i in range(shnum)]
    names = raw[shstrndx][4]

    def cstr(off):
        return bytes(data[off:data.index(b"\0", off)])
    return [(cstr(names + s[0]), s[1], s[4], s[5], s[6], s[7], s[9]) for s in raw]


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: grub-relocator-fix.py DIR\n")
        sys.exit(2)
    path = sys.argv[1] + "/relocator.mod"
    try:
        data = bytearray(open(path, "rb").read())
    except OSError as e:
        refuse("%s: %s" % (path, e.strerror))
    secs = sections(data)
    text = [i for i, s in enumerate(secs) if s[0] == b".text"]
    symtab = [s for s in secs if s[1] == SHT_SYMTAB]
    if len(text) != 1 or len(symtab) != 1:
        refuse("%s: no single .text and symbol table" % path)
    text_idx, text_off, text_size = text[0], secs[text[0]][2], secs[text[0]][3]

    _, _, st_off, st_size, st_link, _, st_ent = symtab[0]
    strtab_off = secs[st_link][2]
    value = None
    for off in range(st_off, st_off + st_size, st_ent):
        name, val, _, _, _, shndx = struct.unpack_from("<IIIBBH", data, off)
        end = data.index(b"\0", strtab_off + name)
        if data[strtab_off + name:end] == SYMBOL and shndx == text_idx:
            value = val
    if value is None or not len(BROKEN) <= value <= text_size:
        refuse("%s: no symbol %s in .text" % (path, SYMBOL.decode()))
    jmp = value - len(BROKEN)		# offset of the jump in .text

    # No relocation may apply to the displacement (it is a constant).
    for _, typ, off, size, _, info, ent in secs:
        if typ in (SHT_REL, SHT_RELA) and info == text_idx:
            for r in range(off, off + size, ent):
                where, = struct.unpack_from("<I", data, r)
                if jmp <= where < value:
                    refuse("%s: a relocation at .text+%#x touches the jump" % (path, where))

    at = text_off + jmp
    found = bytes(data[at:at + len(BROKEN)])
    if found == FIXED:
        print("grub-relocator-fix: %s: jump at .text+%#x already correct" % (path, jmp))
        return
    if found != BROKEN:
        refuse("%s: unknown bytes before %s: %s (want %s): not patching"
               % (path, SYMBOL.decode(), found.hex(" "), BROKEN.hex(" ")))
    data[at:at + len(FIXED)] = FIXED
    with open(path, "wb") as f:
        f.write(data)
    print("grub-relocator-fix: %s: jump at .text+%#x: disp32 0 -> %d" % (path, jmp, PAD))


main()
