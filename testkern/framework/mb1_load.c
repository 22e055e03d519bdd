/*
 * mb1_load.c - load a guest kernel into a fresh VM as a multiboot v1 boot
 * loader does (Multiboot Specification 0.6.96, sections 3.1-3.3): the
 * header in the first 8 KiB, the ELF32 or ELF64 image placed by its program
 * headers at their physical addresses, the boot information with the memory
 * sizes, the command line and the modules, and the machine state of 3.2 as
 * hv's HV_BOOT_PROT32 (EAX = the boot magic, EBX = the information).
 * Nothing here knows which kernel it loads.
 */
#include "kern.h"
#include "mm.h"
#include "vmtests.h"

#define MB1_HEADER_MAGIC	0x1badb002u
#define MB1_BOOT_MAGIC		0x2badb002u
#define MB1_SEARCH		8192	/* the header is in the first 8 KiB, 4-aligned */
/* header flags: bits 0-15 are requirements a loader must meet or refuse */
#define MB1_HF_PAGE_ALIGN	(1u << 0)	/* modules page-aligned: they are */
#define MB1_HF_MEMINFO		(1u << 1)	/* mem_* fields: always given */
#define MB1_HF_KNOWN		(MB1_HF_PAGE_ALIGN | MB1_HF_MEMINFO)
#define MB1_HF_AOUT_KLUDGE	(1u << 16)	/* load addresses in the header */
/* information flags */
#define MB1_IF_MEM		(1u << 0)
#define MB1_IF_CMDLINE		(1u << 2)
#define MB1_IF_MODS		(1u << 3)

/*
 * Where the loader's own data goes (the spec leaves it to the loader, 3.3):
 * the information structure and its strings in one page, the module text in
 * the next (page-aligned), two pages no program header touches.  Preferred:
 * the highest such pair in conventional memory (below 640 KiB, above the
 * first page, which holds a real-mode kernel's interrupt vector table);
 * else the pair just above the image's highest segment; else the image is
 * refused.
 */
#define MB1_PAGE		4096u
#define MB1_AREA		(2 * MB1_PAGE)	/* information page, module page */
#define MB1_LOW_KB		640u	/* mem_lower: conventional memory */
#define MB1_LOW_END		((uint64_t)MB1_LOW_KB << 10)
#define MB1_AREA_MIN		MB1_PAGE	/* page 0: the real-mode IVT */

/* The fields of the boot information this loader fills (spec 3.3). */
struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4], mmap_length, mmap_addr;
};

struct mb1_module {
	uint32_t mod_start, mod_end, string, reserved;
};

/* ELF identification and the header fields used (System V ABI, gABI 4.1). */
#define EI_CLASS	4
#define ELFCLASS32	1
#define ELFCLASS64	2
#define ET_EXEC		2
#define PT_LOAD		1
#define EM_386		3
#define EM_X86_64	62

struct elf_seg {
	uint64_t offset, paddr, filesz, memsz;
};

static int
fail(char *err, size_t len, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(err, len, fmt, ap);
	va_end(ap);
	return error;
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The multiboot header: its flags, or -1 (err says why). */
static int64_t
header_flags(const uint8_t *img, size_t len, char *err, size_t errlen)
{
	size_t off;

	for (off = 0; off + 12 <= len && off < MB1_SEARCH; off += 4) {
		uint32_t magic = rd32(img + off), flags = rd32(img + off + 4);

		if (magic == MB1_HEADER_MAGIC && magic + flags + rd32(img + off + 8) == 0)
			return flags;
	}
	fail(err, errlen, 0, "no multiboot v1 header (magic 0x%x with its checksum) "
	    "in the first %d bytes", MB1_HEADER_MAGIC, MB1_SEARCH);
	return -1;
}

/* Program header i of the ELF32 or ELF64 image into *s; false if not PT_LOAD. */
static bool
elf_seg(const uint8_t *ph, bool is64, struct elf_seg *s)
{
	if (rd32(ph) != PT_LOAD)
		return false;
	if (is64) {
		s->offset = rd64(ph + 8);
		s->paddr = rd64(ph + 24);
		s->filesz = rd64(ph + 32);
		s->memsz = rd64(ph + 40);
	} else {
		s->offset = rd32(ph + 4);
		s->paddr = rd32(ph + 12);
		s->filesz = rd32(ph + 16);
		s->memsz = rd32(ph + 20);
	}
	return true;
}

/* The image's program header table, parsed and bounds-checked once. */
struct elf_img {
	const uint8_t	*img;
	size_t		 len;
	bool		 is64;
	uint64_t	 phoff;
	unsigned	 phentsize, phnum;
};

/* The ELF header of img into *e; *entry the entry point.  0 or an errno. */
static int
parse_elf(const uint8_t *img, size_t len, struct elf_img *e, uint64_t *entry,
    char *err, size_t errlen)
{
	if (len < 64 || memcmp(img, "\177ELF", 4) != 0)
		return fail(err, errlen, EINVAL, "not an ELF image");
	if (img[EI_CLASS] != ELFCLASS32 && img[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, EINVAL, "ELF class %u is neither 32 nor 64-bit",
		    img[EI_CLASS]);
	e->img = img;
	e->len = len;
	e->is64 = img[EI_CLASS] == ELFCLASS64;
	if (rd16(img + 16) != ET_EXEC ||
	    (rd16(img + 18) != EM_386 && rd16(img + 18) != EM_X86_64))
		return fail(err, errlen, EINVAL, "ELF type %u machine %u: not an x86 "
		    "executable", rd16(img + 16), rd16(img + 18));
	*entry = e->is64 ? rd64(img + 24) : rd32(img + 24);
	e->phoff = e->is64 ? rd64(img + 32) : rd32(img + 28);
	e->phentsize = rd16(img + (e->is64 ? 54 : 42));
	e->phnum = rd16(img + (e->is64 ? 56 : 44));
	if (e->phentsize < (e->is64 ? 56u : 32u) || e->phoff > len ||
	    (uint64_t)e->phnum * e->phentsize > len - e->phoff)
		return fail(err, errlen, EINVAL, "program headers outside the image "
		    "(offset %lu, %u of %u bytes)", (unsigned long)e->phoff, e->phnum,
		    e->phentsize);
	return 0;
}

/* Program header i, when PT_LOAD, into *s. */
static bool
elf_load_seg(const struct elf_img *e, unsigned i, struct elf_seg *s)
{
	return elf_seg(e->img + e->phoff + (uint64_t)i * e->phentsize, e->is64, s);
}

/* Load every PT_LOAD segment (checked against memory).  0 or an errno. */
static int
load_elf(struct hv_vm *vm, const struct elf_img *e, uint64_t mem, char *err,
    size_t errlen)
{
	unsigned i, loaded = 0;
	struct elf_seg s;
	int error;

	for (i = 0; i < e->phnum; i++) {
		if (!elf_load_seg(e, i, &s))
			continue;
		if (s.filesz > s.memsz || s.offset > e->len || s.filesz > e->len - s.offset)
			return fail(err, errlen, EINVAL, "segment %u: file bytes outside "
			    "the image", i);
		if (s.paddr > mem || s.memsz > mem - s.paddr)
			return fail(err, errlen, ERANGE, "segment %u at 0x%lx+0x%lx is "
			    "beyond guest memory (0x%lx)", i, (unsigned long)s.paddr,
			    (unsigned long)s.memsz, (unsigned long)mem);
		/* the bytes past filesz stay zero: a fresh VM's memory reads as 0 */
		error = hv_gpa_write(vm, s.paddr, e->img + s.offset, s.filesz);
		if (error != 0)
			return fail(err, errlen, error, "segment %u: hv_gpa_write: %s",
			    i, errno_name(error));
		loaded++;
	}
	if (loaded == 0)
		return fail(err, errlen, EINVAL, "no loadable segment");
	return 0;
}

/* Whether [lo, lo + MB1_AREA) is clear of every loaded segment; *top the
 * end of the highest segment. */
static bool
area_free(const struct elf_img *e, uint64_t lo, uint64_t *top)
{
	struct elf_seg s;
	unsigned i;
	bool free = true;

	*top = 0;
	for (i = 0; i < e->phnum; i++) {
		if (!elf_load_seg(e, i, &s) || s.memsz == 0)
			continue;
		if (s.paddr < lo + MB1_AREA && s.paddr + s.memsz > lo)
			free = false;
		if (s.paddr + s.memsz > *top)
			*top = s.paddr + s.memsz;
	}
	return free;
}

/*
 * The guest-physical address of the loader's two pages (MB1_AREA, above):
 * top-down in conventional memory, else just above the image (below 4 GiB:
 * the information's addresses are 32-bit).  0 or an errno.
 */
static int
place_area(const struct elf_img *e, uint64_t mem, uint32_t *gpa, char *err,
    size_t errlen)
{
	uint64_t lo, top, end = (mem < MB1_LOW_END ? mem : MB1_LOW_END) &
	    ~(uint64_t)(MB1_PAGE - 1);

	for (lo = end; lo >= MB1_AREA_MIN + MB1_AREA; lo -= MB1_PAGE) {
		if (area_free(e, lo - MB1_AREA, &top)) {
			*gpa = (uint32_t)(lo - MB1_AREA);
			return 0;
		}
	}
	(void)area_free(e, 0, &top);
	lo = (top + MB1_PAGE - 1) & ~(uint64_t)(MB1_PAGE - 1);
	if (lo + MB1_AREA <= mem && lo + MB1_AREA <= (1ull << 32)) {
		*gpa = (uint32_t)lo;
		return 0;
	}
	return fail(err, errlen, ENOSPC, "no room for the boot information: the "
	    "image's segments cover conventional memory and end at 0x%lx of 0x%lx",
	    (unsigned long)top, (unsigned long)mem);
}

/*
 * The boot information page (zeroed, MB1_PAGE bytes) at `at`: the memory
 * sizes, the command line and, when given, the one module whose text goes
 * to the next page.  0 or an errno.
 */
static int
write_info(struct hv_vm *vm, uint64_t mem, const struct mb1_boot *mb, uint32_t at,
    uint8_t *page, char *err, size_t errlen)
{
	struct mb1_info *info = (struct mb1_info *)page;
	struct mb1_module *mod = (struct mb1_module *)(info + 1);
	char *strs = (char *)(mod + 1);
	size_t room = MB1_PAGE - (size_t)(strs - (char *)page), n;
	int error;

	info->flags = MB1_IF_MEM | MB1_IF_CMDLINE;
	info->mem_lower = MB1_LOW_KB;
	/* KiB from 1 MiB up to the end of memory, at most 4 GiB (a 32-bit field) */
	info->mem_upper = (uint32_t)(((mem < (4ull << 30) ? mem : (4ull << 30)) -
	    (1u << 20)) >> 10);
	n = strlen(mb->cmdline) + 1;
	if (n > room / 2)
		return fail(err, errlen, ENAMETOOLONG, "command line longer than %lu "
		    "bytes", (unsigned long)(room / 2 - 1));
	memcpy(strs, mb->cmdline, n);
	info->cmdline = at + (uint32_t)(strs - (char *)page);
	if (mb->module != NULL) {
		size_t mlen = strlen(mb->module);

		if (mlen > MB1_PAGE)
			return fail(err, errlen, ENAMETOOLONG, "module text longer than %u "
			    "bytes", MB1_PAGE);
		error = hv_gpa_write(vm, at + MB1_PAGE, mb->module, mlen);
		if (error != 0)
			return fail(err, errlen, error, "module: hv_gpa_write: %s",
			    errno_name(error));
		info->flags |= MB1_IF_MODS;
		info->mods_count = 1;
		info->mods_addr = at + (uint32_t)((char *)mod - (char *)page);
		mod->mod_start = at + MB1_PAGE;
		mod->mod_end = mod->mod_start + (uint32_t)mlen;
		/* the module's string: an empty one (it has no file name) */
		mod->string = info->cmdline + (uint32_t)n;
	}
	error = hv_gpa_write(vm, at, page, MB1_PAGE);
	if (error != 0)
		return fail(err, errlen, error, "boot information: hv_gpa_write: %s",
		    errno_name(error));
	return 0;
}

int
mb1_load(struct hv_vm *vm, const void *image, size_t len, const struct mb1_boot *mb,
    struct hv_boot *boot, char *err, size_t errlen)
{
	uint64_t mem = hv_vm_mem_size(vm), entry = 0;
	struct elf_img elf;
	uint32_t at = 0;
	int64_t flags;
	uint8_t *page;
	int error;

	flags = header_flags(image, len, err, errlen);
	if (flags < 0)
		return EINVAL;
	if (flags & MB1_HF_AOUT_KLUDGE)
		return fail(err, errlen, ENOTSUP, "multiboot header flags 0x%lx: load "
		    "addresses in the header are not supported (ELF only)", (long)flags);
	if ((flags & 0xffff) & ~MB1_HF_KNOWN)
		return fail(err, errlen, ENOTSUP, "multiboot header flags 0x%lx: "
		    "requirement bits 0x%lx not supported", (long)flags,
		    (long)((flags & 0xffff) & ~MB1_HF_KNOWN));
	if ((error = parse_elf(image, len, &elf, &entry, err, errlen)) != 0 ||
	    (error = load_elf(vm, &elf, mem, err, errlen)) != 0 ||
	    (error = place_area(&elf, mem, &at, err, errlen)) != 0)
		return error;
	if (entry >> 32)
		return fail(err, errlen, ERANGE, "entry 0x%lx above 4 GiB",
		    (unsigned long)entry);
	if ((page = kmalloc(MB1_PAGE)) == NULL)
		return fail(err, errlen, ENOMEM, "no memory for the boot information");
	error = write_info(vm, mem, mb, at, page, err, errlen);
	kfree(page);
	if (error != 0)
		return error;
	boot->mode = HV_BOOT_PROT32;
	boot->rip = entry;
	boot->rsp = at;		/* undefined by the spec; below the information */
	boot->eax = MB1_BOOT_MAGIC;
	boot->ebx = at;
	return 0;
}
