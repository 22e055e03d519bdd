/* mb2.h - what the kernel keeps from the multiboot2 boot information. */
#ifndef MB2_H
#define MB2_H

#include "kern.h"

#define MB2_MMAP_MAX	64
#define MB2_MOD_MAX	128	/* guest images and scenarios */

struct mb2_mmap_entry {
	uint64_t base, len;
	uint32_t type;		/* 1 available, 3 ACPI, 4 NVS, 5 bad, else reserved */
};

/* A multiboot2 module: a scenario or a guest image loaded by GRUB. */
struct kmodule {
	char		 name[64];	/* first word of the module string */
	const char	*args;		/* rest of the module string ("" if none) */
	uint64_t	 pa, size;
	const void	*data;		/* direct-map VA of the contents */
};

void	 mb2_init(uint32_t magic, uint64_t mbi_pa);	/* copies everything it needs */
extern struct mb2_mmap_entry mb2_mmap[MB2_MMAP_MAX];
extern int	 mb2_mmap_count;
extern char	 mb2_cmdline[1024];
extern uint8_t	 mb2_rsdp[64];		/* copy of the RSDP (new one preferred) */
extern size_t	 mb2_rsdp_len;

/* modules (kept reserved by the page allocator) */
int	 module_count(void);
const struct kmodule *module_get(int i);
const struct kmodule *module_find(const char *name);	/* NULL if absent */

#endif
