/*
 * acpi.c - find the CPUs: RSDP (from the multiboot2 tag) -> XSDT or RSDT ->
 * MADT ("APIC"), whose local APIC entries list every processor (ACPI 6.x
 * 5.2.12).  Bochs has no fw_cfg, so the MADT is the only portable source.
 */
#include "cpu.h"
#include "mb2.h"

struct sdt_hdr {
	char	 sig[4];
	uint32_t len;
	uint8_t	 rev, csum;
	char	 oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

struct madt_cpu acpi_cpus[MAX_CPUS];
int acpi_ncpus;
uint64_t acpi_lapic_pa;

static bool
csum_ok(const void *p, size_t len)
{
	uint8_t s = 0;
	for (size_t i = 0; i < len; i++)
		s += ((const uint8_t *)p)[i];
	return s == 0;
}

static void
add_cpu(uint32_t apic_id)
{
	for (int i = 0; i < acpi_ncpus; i++)
		if (acpi_cpus[i].apic_id == apic_id)
			return;
	if (acpi_ncpus == MAX_CPUS) {
		kprintf("acpi: more than %d CPUs, ignoring apic %u\n", MAX_CPUS, apic_id);
		return;
	}
	acpi_cpus[acpi_ncpus++].apic_id = apic_id;
}

static void
parse_madt(const struct sdt_hdr *h)
{
	const uint8_t *p = (const uint8_t *)h;
	acpi_lapic_pa = *(const uint32_t *)(p + 36);
	for (uint32_t off = 44; off + 2 <= h->len;) {
		uint8_t type = p[off], len = p[off + 1];
		if (len < 2)
			break;
		if (type == 0 && len >= 8) {		/* processor local APIC */
			uint32_t flags = *(const uint32_t *)(p + off + 4);
			if (flags & 1)			/* enabled */
				add_cpu(p[off + 3]);
		} else if (type == 5 && len >= 12) {	/* local APIC address override */
			acpi_lapic_pa = *(const uint64_t *)(p + off + 4);
		} else if (type == 9 && len >= 16) {	/* processor local x2APIC */
			uint32_t id = *(const uint32_t *)(p + off + 4);
			uint32_t flags = *(const uint32_t *)(p + off + 8);
			if ((flags & 1) && id < 255)	/* xAPIC mode reaches ids < 255 only */
				add_cpu(id);
		}
		off += len;
	}
}

int
acpi_init(void)
{
	if (mb2_rsdp_len < 20 || memcmp(mb2_rsdp, "RSD PTR ", 8) != 0) {
		kprintf("acpi: no RSDP from the boot loader\n");
		return ENOENT;
	}
	uint8_t rev = mb2_rsdp[15];
	uint64_t root;
	size_t esize;
	if (rev >= 2 && mb2_rsdp_len >= 32 && *(const uint64_t *)(mb2_rsdp + 24)) {
		root = *(const uint64_t *)(mb2_rsdp + 24);	/* XSDT: 64-bit entries */
		esize = 8;
	} else {
		root = *(const uint32_t *)(mb2_rsdp + 16);	/* RSDT: 32-bit entries */
		esize = 4;
	}
	const struct sdt_hdr *rh = phys_to_virt(root);
	if (!csum_ok(rh, rh->len)) {
		kprintf("acpi: bad root table checksum\n");
		return EINVAL;
	}
	const uint8_t *ents = (const uint8_t *)rh + sizeof(*rh);
	size_t n = (rh->len - sizeof(*rh)) / esize;
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = esize == 8 ? *(const uint64_t *)(ents + i * 8) : *(const uint32_t *)(ents + i * 4);
		const struct sdt_hdr *h = phys_to_virt(pa);
		if (memcmp(h->sig, "APIC", 4) == 0 && csum_ok(h, h->len)) {
			parse_madt(h);
			return acpi_ncpus ? 0 : ENOENT;
		}
	}
	kprintf("acpi: no MADT\n");
	return ENOENT;
}
