/*
 * mb2.c - parse the multiboot2 boot information (multiboot2 spec 3.6) and
 * copy what the kernel keeps: memory map, command line, modules, RSDP.  The
 * copy lets the page allocator reuse the memory GRUB put the MBI in.
 */
#include "mb2.h"

#define MB2_BOOT_MAGIC	0x36d76289
#define TAG_END		0
#define TAG_CMDLINE	1
#define TAG_MODULE	3
#define TAG_MMAP	6
#define TAG_ACPI_OLD	14
#define TAG_ACPI_NEW	15

struct mb2_tag {
	uint32_t type, size;
};

struct mb2_mmap_e {
	uint64_t base, len;
	uint32_t type, zero;
};

struct mb2_mmap_entry mb2_mmap[MB2_MMAP_MAX];
int mb2_mmap_count;
char mb2_cmdline[1024];
uint8_t mb2_rsdp[64];
size_t mb2_rsdp_len;

static struct kmodule modules[MB2_MOD_MAX];
static char mod_strings[MB2_MOD_MAX][192];
static int nmodules;

static void
add_module(const uint8_t *p)
{
	uint32_t start = *(const uint32_t *)(p + 8), end = *(const uint32_t *)(p + 12);
	const char *str = (const char *)(p + 16);
	if (nmodules == MB2_MOD_MAX) {
		kprintf("mb2: more than %d modules, ignoring '%s'\n", MB2_MOD_MAX, str);
		return;
	}
	struct kmodule *m = &modules[nmodules];
	char *s = mod_strings[nmodules];
	strlcpy(s, str, sizeof(mod_strings[0]));
	while (*s == ' ')
		s++;
	size_t n = 0;
	while (s[n] && s[n] != ' ' && n + 1 < sizeof(m->name)) {
		m->name[n] = s[n];
		n++;
	}
	m->name[n] = 0;
	s += n;
	while (*s == ' ')
		s++;
	m->args = s;
	m->pa = start;
	m->size = end - start;
	m->data = phys_to_virt(start);
	nmodules++;
}

void
mb2_init(uint32_t magic, uint64_t mbi_pa)
{
	if (magic != MB2_BOOT_MAGIC)
		panic("mb2: bad boot magic %#x", magic);
	const uint8_t *mbi = phys_to_virt(mbi_pa);
	uint32_t total = *(const uint32_t *)mbi;
	bool have_new_rsdp = false;

	for (uint32_t off = 8; off + 8 <= total;) {
		const struct mb2_tag *t = (const void *)(mbi + off);
		const uint8_t *p = (const uint8_t *)t;
		if (t->type == TAG_END)
			break;
		switch (t->type) {
		case TAG_CMDLINE:
			strlcpy(mb2_cmdline, (const char *)(p + 8), sizeof(mb2_cmdline));
			break;
		case TAG_MODULE:
			add_module(p);
			break;
		case TAG_MMAP: {
			uint32_t esize = *(const uint32_t *)(p + 8);
			for (uint32_t e = 16; e + esize <= t->size && esize >= 24; e += esize) {
				const struct mb2_mmap_e *me = (const void *)(p + e);
				if (mb2_mmap_count == MB2_MMAP_MAX)
					break;
				mb2_mmap[mb2_mmap_count].base = me->base;
				mb2_mmap[mb2_mmap_count].len = me->len;
				mb2_mmap[mb2_mmap_count].type = me->type;
				mb2_mmap_count++;
			}
			break;
		}
		case TAG_ACPI_OLD:
		case TAG_ACPI_NEW:
			if (t->type == TAG_ACPI_OLD && have_new_rsdp)
				break;
			mb2_rsdp_len = MIN(t->size - 8, sizeof(mb2_rsdp));
			memcpy(mb2_rsdp, p + 8, mb2_rsdp_len);
			have_new_rsdp = t->type == TAG_ACPI_NEW;
			break;
		}
		off += ALIGN_UP(t->size, 8);
	}
	if (mb2_mmap_count == 0)
		panic("mb2: no memory map from the boot loader");
}

int
module_count(void)
{
	return nmodules;
}

const struct kmodule *
module_get(int i)
{
	return i >= 0 && i < nmodules ? &modules[i] : NULL;
}

const struct kmodule *
module_find(const char *name)
{
	for (int i = 0; i < nmodules; i++)
		if (strcmp(modules[i].name, name) == 0)
			return &modules[i];
	return NULL;
}
