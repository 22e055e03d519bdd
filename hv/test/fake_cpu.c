/*
 * fake_cpu.c - a fake CPUID for the hosted tests.  The unit-test link wraps
 * hv_cpuid (-Wl,--wrap=hv_cpuid), so the calls other hv/ files make come
 * here: with no leaf set they go to the real instruction, otherwise the
 * table answers (leaves not in it read as zeros, as past the maximum leaf).
 */
#include <string.h>
#include "test.h"

#define NLEAVES	16

static struct {
	uint32_t leaf, subleaf, r[4];
} leaves[NLEAVES];
static int nleaves;

void	 __real_hv_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4]);
void	 __wrap_hv_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4]);

void
fake_cpuid_reset(void)
{
	nleaves = 0;
}

void
fake_cpuid_set(uint32_t leaf, uint32_t subleaf, uint32_t a, uint32_t b,
    uint32_t c, uint32_t d)
{
	int i;

	for (i = 0; i < nleaves; i++)
		if (leaves[i].leaf == leaf && leaves[i].subleaf == subleaf)
			break;
	if (i == NLEAVES)
		return;
	if (i == nleaves)
		nleaves++;
	leaves[i].leaf = leaf;
	leaves[i].subleaf = subleaf;
	leaves[i].r[0] = a;
	leaves[i].r[1] = b;
	leaves[i].r[2] = c;
	leaves[i].r[3] = d;
}

void
fake_cpuid_vendor(const char *v12)
{
	uint32_t b, c, d;

	/* leaf 0: the vendor string is EBX, EDX, ECX */
	memcpy(&b, v12, 4);
	memcpy(&d, v12 + 4, 4);
	memcpy(&c, v12 + 8, 4);
	fake_cpuid_set(0, 0, 0x16, b, c, d);
}

void
__wrap_hv_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	int i;

	if (nleaves == 0) {
		__real_hv_cpuid(leaf, subleaf, r);
		return;
	}
	memset(r, 0, 4 * sizeof(r[0]));
	for (i = 0; i < nleaves; i++)
		if (leaves[i].leaf == leaf && leaves[i].subleaf == subleaf)
			memcpy(r, leaves[i].r, sizeof(leaves[i].r));
}
