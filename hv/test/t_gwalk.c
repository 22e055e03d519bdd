/*
 * t_gwalk.c - the guest page-table walker: every combination of missing
 * W/U/NX at each level against each access kind with CR0.WP and EFER.NXE,
 * large pages and their frame masks, reserved bits, non-canonical
 * addresses, and reads of not-yet-backed tables.
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"

#define P	X86_PTE_P
#define W	X86_PTE_RW
#define U	X86_PTE_US
#define A	X86_PTE_A
#define D	X86_PTE_D
#define PS	X86_PTE_PS
#define NX	X86_PTE_NX

/* Guest-physical memory of the walker tests: 16 pages at GPA 0. */
static uint64_t mem[16][512];
static int reads;

static int
mem_read64(void *arg, uint64_t gpa, uint64_t *val)
{
	reads++;
	if (gpa >= sizeof(mem))
		return HV_EFAULT;
	*val = mem[gpa >> 12][(gpa & 0xfff) / 8];
	return 0;
}

static int ors;

static int
mem_or64(void *arg, uint64_t gpa, uint64_t bits)
{
	ors++;
	if (gpa >= sizeof(mem) || (gpa & 7) != 0)
		return HV_EFAULT;
	mem[gpa >> 12][(gpa & 0xfff) / 8] |= bits;
	return 0;
}

static struct hv_gwalk_ctx
ctx_of(bool nxe, bool wp)
{
	struct hv_gwalk_ctx c = { .read64 = mem_read64, .cr3 = 0x1000, .nxe = nxe,
	    .wp = wp, .maxphyaddr = 40, .or64 = mem_or64,
	    .mode = HV_GWALK_4LEVEL };

	return c;
}

/* 0x7f8040201000 (PML4 255, PDPT 1, PD 1, PT 1) -> page 5, through pages 1-4. */
#define VA	0x00007f8040201000ull
static void
build_4k(uint64_t extra_clear[5], uint64_t extra_set[5])
{
	memset(mem, 0, sizeof(mem));
	mem[1][255] = 0x2000 | P | W | U;
	mem[2][1] = 0x3000 | P | W | U;
	mem[3][1] = 0x4000 | P | W | U;
	mem[4][1] = 0x5000 | P | W | U;
	if (extra_clear != NULL) {
		mem[1][255] = (mem[1][255] & ~extra_clear[4]) | extra_set[4];
		mem[2][1] = (mem[2][1] & ~extra_clear[3]) | extra_set[3];
		mem[3][1] = (mem[3][1] & ~extra_clear[2]) | extra_set[2];
		mem[4][1] = (mem[4][1] & ~extra_clear[1]) | extra_set[1];
	}
}

static int
walk(bool nxe, bool wp, uint64_t va, unsigned acc, uint64_t *gpa)
{
	struct hv_gwalk_ctx c = ctx_of(nxe, wp);

	return hv_gwalk(&c, va, acc, gpa);
}

void
test_gwalk_rights_all_combinations(void)
{
	int level, combo, acc, wp, nxe, bad = 0, n = 0;

	for (level = 1; level <= 4; level++) {
		for (combo = 0; combo < 8; combo++) {
			/* combo bit 0: W cleared, 1: U cleared, 2: NX set, at `level` */
			uint64_t clr[5] = { 0 }, set[5] = { 0 };

			clr[level] = (combo & 1 ? W : 0) | (combo & 2 ? U : 0);
			set[level] = combo & 4 ? NX : 0;
			build_4k(clr, set);
			for (acc = 0; acc < 8; acc++) {
				for (wp = 0; wp < 2; wp++) {
					for (nxe = 0; nxe < 2; nxe++) {
						bool w = !(combo & 1), u = !(combo & 2);
						bool nx = combo & 4;
						bool wr = acc & HV_ACC_WRITE, us = acc & HV_ACC_USER;
						bool ex = acc & HV_ACC_EXEC;
						/* SDM 4.6: NX with NXE=0 is a reserved bit */
						bool fault = (nx && !nxe) || (us && !u) ||
						    (wr && !w && (us || wp)) || (ex && nx && nxe);
						uint64_t gpa = 0;
						int rc = walk(nxe, wp, VA + 0x123, (unsigned)acc, &gpa);

						n++;
						if (fault ? rc != HV_EFAULT :
						    rc != 0 || gpa != 0x5123)
							bad++;
					}
				}
			}
		}
	}
	CHECK_EQ(n, 4 * 8 * 8 * 4);
	CHECK_EQ(bad, 0);
}

void
test_gwalk_rights_spot(void)
{
	uint64_t clr[5] = { 0 }, set[5] = { 0 }, gpa;

	/* supervisor write to a read-only page: allowed only without CR0.WP */
	clr[1] = W;
	build_4k(clr, set);
	CHECK_EQ(walk(true, false, VA, HV_ACC_WRITE, &gpa), 0);
	CHECK_EQ(walk(true, true, VA, HV_ACC_WRITE, &gpa), HV_EFAULT);
	CHECK_EQ(walk(true, false, VA, HV_ACC_WRITE | HV_ACC_USER, &gpa), HV_EFAULT);
	CHECK_EQ(walk(true, true, VA, 0, &gpa), 0);
	/* a supervisor-only PML4 entry hides the whole 512 GiB from CPL 3 */
	clr[1] = 0;
	clr[4] = U;
	build_4k(clr, set);
	CHECK_EQ(walk(true, true, VA, HV_ACC_USER, &gpa), HV_EFAULT);
	CHECK_EQ(walk(true, true, VA, 0, &gpa), 0);
	/* NX in the PDPT entry forbids execution below it */
	clr[4] = 0;
	set[3] = NX;
	build_4k(clr, set);
	CHECK_EQ(walk(true, true, VA, HV_ACC_EXEC, &gpa), HV_EFAULT);
	CHECK_EQ(walk(true, true, VA, HV_ACC_WRITE, &gpa), 0);
	CHECK_EQ(walk(false, true, VA, 0, &gpa), HV_EFAULT);	/* reserved */
}

void
test_gwalk_large_pages(void)
{
	uint64_t gpa;

	build_4k(NULL, NULL);
	/* 2 MiB: PD entry 1 maps 0x40000000; PAT (bit 12) is not address */
	mem[3][1] = 0x40000000 | P | W | U | PS | (1ull << 12);
	CHECK_EQ(walk(true, true, VA + 0x1234, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x40000000 + ((VA & 0x1fffff) + 0x1234));
	CHECK_EQ(walk(true, true, 0x00007f80403fffffull, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x401fffff);
	/* 2 MiB frame bits 20:13 are reserved */
	mem[3][1] = 0x40000000 | P | W | PS | (1ull << 13);
	CHECK_EQ(walk(true, true, VA, 0, &gpa), HV_EFAULT);
	mem[3][1] = 0x40000000 | P | W | PS | (1ull << 20);
	CHECK_EQ(walk(true, true, VA, 0, &gpa), HV_EFAULT);
	/* 1 GiB: PDPT entry 1 maps 0x80000000 */
	mem[2][1] = 0x80000000 | P | W | U | PS;
	CHECK_EQ(walk(true, true, VA + 0x1234, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x80000000 + ((VA & 0x3fffffff) + 0x1234));
	CHECK_EQ(walk(true, true, 0x00007f807fffffffull, HV_ACC_USER, &gpa), 0);
	CHECK_EQ(gpa, 0xbfffffff);
	/* 1 GiB frame bits 29:13 are reserved */
	mem[2][1] = 0x80000000 | P | W | PS | (1ull << 21);
	CHECK_EQ(walk(true, true, VA, 0, &gpa), HV_EFAULT);
	mem[2][1] = 0x80000000 | P | W | PS | (1ull << 29);
	CHECK_EQ(walk(true, true, VA, 0, &gpa), HV_EFAULT);
	/* rights of a large page are checked like a 4 KiB one */
	mem[2][1] = 0x80000000 | P | PS | U;
	CHECK_EQ(walk(true, true, VA, HV_ACC_WRITE, &gpa), HV_EFAULT);
	CHECK_EQ(walk(true, false, VA, HV_ACC_WRITE | HV_ACC_USER, &gpa), HV_EFAULT);
}

void
test_gwalk_reserved_and_canonical(void)
{
	uint64_t gpa;

	build_4k(NULL, NULL);
	CHECK_EQ(walk(true, true, VA, 0, &gpa), 0);
	/* PS in a PML4 entry */
	mem[1][255] |= PS;
	CHECK_EQ(walk(true, true, VA, 0, &gpa), HV_EFAULT);
	build_4k(NULL, NULL);
	/* an address bit at MAXPHYADDR (40) in any level */
	mem[4][1] |= 1ull << 40;
	CHECK_EQ(walk(true, true, VA, 0, &gpa), HV_EFAULT);
	build_4k(NULL, NULL);
	mem[2][1] |= 1ull << 45;
	CHECK_EQ(walk(true, true, VA, 0, &gpa), HV_EFAULT);
	build_4k(NULL, NULL);
	/* bits 62:52 are ignored, bit 39 is a valid address bit */
	mem[4][1] |= 0x7ffull << 52;
	CHECK_EQ(walk(true, true, VA, 0, &gpa), 0);
	mem[4][1] |= 1ull << 39;
	CHECK_EQ(walk(true, true, VA, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x8000005000ull);
	/* not present at each level */
	build_4k(NULL, NULL);
	mem[3][1] &= ~P;
	CHECK_EQ(walk(true, true, VA, 0, &gpa), HV_EFAULT);
	/* non-canonical addresses fault before any table read */
	reads = 0;
	CHECK_EQ(walk(true, true, 0x0000800000000000ull, 0, &gpa), HV_EFAULT);
	CHECK_EQ(walk(true, true, 0xffff7fffffffffffull, 0, &gpa), HV_EFAULT);
	CHECK_EQ(walk(true, true, 0x8000000000001000ull, 0, &gpa), HV_EFAULT);
	CHECK_EQ(reads, 0);
	/* the canonical upper half works (PML4 slot 511) */
	mem[1][511] = 0x2000 | P | W;
	mem[2][510] = 0x3000 | P | W;
	mem[3][0] = 0x4000 | P | W;
	mem[4][0] = 0x6000 | P | W;
	CHECK_EQ(walk(true, true, 0xffffffff80000010ull, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x6010);
	/* a walk reads exactly one entry per level */
	build_4k(NULL, NULL);
	reads = 0;
	CHECK_EQ(walk(true, true, VA, 0, &gpa), 0);
	CHECK_EQ(reads, 4);
	/* a table outside guest memory: the read fails, so does the walk */
	mem[3][1] = 0x100000 | P | W;
	CHECK_EQ(walk(true, true, VA, 0, &gpa), HV_EFAULT);
}

void
test_gwalk_accessed_dirty(void)
{
	uint64_t gpa, clr[5] = { 0 }, set[5] = { 0 };
	int l;

	/* a read sets A at every level, D nowhere */
	build_4k(NULL, NULL);
	ors = 0;
	CHECK_EQ(walk(true, true, VA, 0, &gpa), 0);
	CHECK_EQ(ors, 4);
	CHECK_EQ(mem[1][255] & (A | D), A);
	CHECK_EQ(mem[2][1] & (A | D), A);
	CHECK_EQ(mem[3][1] & (A | D), A);
	CHECK_EQ(mem[4][1] & (A | D), A);
	/* a write then sets D in the leaf only; flags already set: no writes */
	CHECK_EQ(walk(true, true, VA, HV_ACC_WRITE, &gpa), 0);
	CHECK_EQ(ors, 5);
	CHECK_EQ(mem[4][1] & (A | D), A | D);
	CHECK_EQ(mem[3][1] & D, 0);
	CHECK_EQ(walk(true, true, VA, HV_ACC_WRITE, &gpa), 0);
	CHECK_EQ(ors, 5);
	/* a faulting access marks nothing */
	clr[1] = W;
	build_4k(clr, set);
	ors = 0;
	CHECK_EQ(walk(true, true, VA, HV_ACC_WRITE, &gpa), HV_EFAULT);
	CHECK_EQ(ors, 0);
	for (l = 1; l <= 4; l++)
		CHECK_EQ(mem[l][l == 1 ? 255 : 1] & (A | D), 0);
	/* a 2 MiB leaf gets D itself; the levels above only A */
	build_4k(NULL, NULL);
	mem[3][1] = 0x40000000 | P | W | PS;
	CHECK_EQ(walk(true, true, VA, HV_ACC_WRITE, &gpa), 0);
	CHECK_EQ(mem[3][1] & (A | D), A | D);
	CHECK_EQ(mem[2][1] & (A | D), A);
	CHECK_EQ(mem[4][1] & (A | D), 0);	/* not used by this walk */
}

void
test_gwalk_not_present_each_level(void)
{
	uint64_t clr[5] = { 0 }, set[5] = { 0 }, gpa;
	int level, acc, bad = 0;

	/* P clear at one level: every access kind faults after reading
	 * exactly the entries down to that level, and marks nothing */
	for (level = 4; level >= 1; level--) {
		clr[level] = P;
		build_4k(clr, set);
		for (acc = 0; acc < 8; acc++) {
			reads = ors = 0;
			if (walk(true, true, VA, (unsigned)acc, &gpa) != HV_EFAULT ||
			    reads != 5 - level || ors != 0)
				bad++;
		}
		/* the rest of the entry does not matter once P is clear */
		set[level] = ~P & ~(1ull << 63);
		build_4k(clr, set);
		reads = 0;
		if (walk(true, true, VA, 0, &gpa) != HV_EFAULT || reads != 5 - level)
			bad++;
		clr[level] = set[level] = 0;
	}
	CHECK_EQ(bad, 0);
	/* CR3 above MAXPHYADDR, or a MAXPHYADDR outside 32..52: no read at all */
	build_4k(NULL, NULL);
	{
		struct hv_gwalk_ctx c = ctx_of(true, true);

		reads = 0;
		c.cr3 = 1ull << 40;
		CHECK_EQ(hv_gwalk(&c, VA, 0, &gpa), HV_EFAULT);
		c.cr3 = 0x1000 | 0x18;		/* PWT/PCD bits are not address */
		CHECK_EQ(hv_gwalk(&c, VA, 0, &gpa), 0);
		c.maxphyaddr = 31;
		CHECK_EQ(hv_gwalk(&c, VA, 0, &gpa), HV_EFAULT);
		c.maxphyaddr = 53;
		CHECK_EQ(hv_gwalk(&c, VA, 0, &gpa), HV_EFAULT);
		c.maxphyaddr = 52;
		CHECK_EQ(hv_gwalk(&c, VA, 0, &gpa), 0);
		CHECK_EQ(reads, 8);
	}
}

/* ---- the other paging modes (SDM Vol. 3A 4.1.1) ----------------------------- */

void
test_gwalk_mode_select(void)
{
	const uint64_t pg = X86_CR0_PG | X86_CR0_PE, lma = X86_EFER_LMA | X86_EFER_LME;
	struct hv_gwalk_ctx c = ctx_of(true, true);
	uint64_t gpa;

	CHECK_EQ(hv_gwalk_mode(X86_CR0_PE, X86_CR4_PAE, 0), HV_GWALK_OFF);
	CHECK_EQ(hv_gwalk_mode(pg, X86_CR4_PSE, 0), HV_GWALK_32BIT);
	CHECK_EQ(hv_gwalk_mode(pg, X86_CR4_PAE, X86_EFER_NXE), HV_GWALK_PAE);
	CHECK_EQ(hv_gwalk_mode(pg, X86_CR4_PAE, lma), HV_GWALK_4LEVEL);
	CHECK_EQ(hv_gwalk_mode(pg, X86_CR4_PAE | X86_CR4_LA57, lma), HV_GWALK_5LEVEL);
	/* nothing to walk without paging: refused, not a translation */
	c.mode = HV_GWALK_OFF;
	CHECK_EQ(hv_gwalk(&c, 0x1000, 0, &gpa), HV_EINVAL);
}

/* a 4-byte entry of 32-bit paging at gpa */
static void
put32(uint64_t gpa, uint32_t v)
{
	memcpy((uint8_t *)mem + gpa, &v, 4);
}

static uint32_t
get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, (uint8_t *)mem + gpa, 4);
	return v;
}

static struct hv_gwalk_ctx
ctx_mode(enum hv_gwalk_mode mode, uint64_t cr3, bool pse)
{
	struct hv_gwalk_ctx c = ctx_of(true, true);

	c.mode = mode;
	c.cr3 = cr3;
	c.pse = pse;
	return c;
}

/* 32-bit paging (SDM 4.3): 10-bit indices, 4-byte entries, 4 MiB pages
 * with CR4.PSE (PSE-36 high bits), no NX, 32-bit linear addresses */
void
test_gwalk_32bit(void)
{
	struct hv_gwalk_ctx c = ctx_mode(HV_GWALK_32BIT, 0x1000, true);
	uint64_t gpa = 0;

	memset(mem, 0, sizeof(mem));
	put32(0x1000, 0xdead0000u | P);		/* PDE 0: its neighbour */
	put32(0x1004, 0x2000 | P | W | U);	/* PDE 1 -> PT at 0x2000 */
	put32(0x2004, 0x5000 | P | W | U);	/* PTE 1 -> page 5 */
	put32(0x2000, 0xbeef0000u | P);		/* PTE 0: its neighbour */
	reads = ors = 0;
	CHECK_EQ(hv_gwalk(&c, 0x00401123, HV_ACC_WRITE | HV_ACC_USER, &gpa), 0);
	CHECK_EQ(gpa, 0x5123);
	CHECK_EQ(reads, 2);
	/* A in the PDE, A and D in the PTE; the other half of each word kept */
	CHECK_EQ(get32(0x1004), 0x2000 | P | W | U | A);
	CHECK_EQ(get32(0x2004), 0x5000 | P | W | U | A | D);
	CHECK_EQ(get32(0x1000), 0xdead0000u | P);
	CHECK_EQ(get32(0x2000), 0xbeef0000u | P);
	/* no NX bit in 32-bit paging, EFER.NXE or not */
	CHECK_EQ(hv_gwalk(&c, 0x00401123, HV_ACC_EXEC, &gpa), 0);
	/* rights: a supervisor PTE, a read-only one with CR0.WP */
	put32(0x2004, 0x5000 | P | W);
	CHECK_EQ(hv_gwalk(&c, 0x00401123, HV_ACC_USER, &gpa), HV_EFAULT);
	put32(0x2004, 0x5000 | P | U);
	CHECK_EQ(hv_gwalk(&c, 0x00401123, HV_ACC_WRITE, &gpa), HV_EFAULT);
	/* a 4 MiB page: PA 31:22 from the PDE, 39:32 from its bits 20:13 */
	put32(0x1008, 0x00c00000u | (0x3u << 13) | P | W | U | PS);
	CHECK_EQ(hv_gwalk(&c, 0x00812345, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x300c12345ull);
	/* bit 21 is reserved; so are the high bits beyond MAXPHYADDR */
	put32(0x1008, 0x00c00000u | (1u << 21) | P | PS);
	CHECK_EQ(hv_gwalk(&c, 0x00812345, 0, &gpa), HV_EFAULT);
	put32(0x1008, 0x00c00000u | (1u << 17) | P | PS);	/* PA bit 36 */
	c.maxphyaddr = 36;
	CHECK_EQ(hv_gwalk(&c, 0x00812345, 0, &gpa), HV_EFAULT);
	c.maxphyaddr = 40;
	CHECK_EQ(hv_gwalk(&c, 0x00812345, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x1000c12345ull);
	/* without CR4.PSE, PS is ignored: the PDE names a page table */
	put32(0x100c, 0x3000 | P | W | U | PS);
	put32(0x3000 + 4 * 5, 0x6000 | P);
	CHECK_EQ(hv_gwalk(&c, 0x00c05123, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x100000000ull | 0x5123);	/* PSE: bit 13 -> PA bit 32 */
	c.pse = false;
	CHECK_EQ(hv_gwalk(&c, 0x00c05123, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x6123);
	/* linear addresses are 32 bits */
	CHECK_EQ(hv_gwalk(&c, 0x100401123ull, 0, &gpa), HV_EFAULT);
}

/* PAE paging (SDM 4.4): the PDPT at CR3 bits 31:5, four PDPTEs with no
 * rights and reserved bits of their own, 8-byte PDEs/PTEs with NX */
void
test_gwalk_pae(void)
{
	struct hv_gwalk_ctx c = ctx_mode(HV_GWALK_PAE, 0x1020, false);
	uint64_t gpa = 0;

	memset(mem, 0, sizeof(mem));
	mem[1][5] = 0x2000 | P;			/* PDPTE 1 (0x1028) */
	mem[2][1] = 0x3000 | P | W | U;		/* PDE 1 */
	mem[3][1] = 0x5000 | P | W | U;		/* PTE 1 */
	reads = 0;
	CHECK_EQ(hv_gwalk(&c, 0x40201123, HV_ACC_WRITE | HV_ACC_USER, &gpa), 0);
	CHECK_EQ(gpa, 0x5123);
	CHECK_EQ(reads, 3);
	/* no accessed flag in a PDPTE (bit 5 is reserved there) */
	CHECK_EQ(mem[1][5], 0x2000 | P);
	CHECK_EQ(mem[2][1], 0x3000 | P | W | U | A);
	CHECK_EQ(mem[3][1], 0x5000 | P | W | U | A | D);
	/* PDPTE bits 2:1, 8:5 and 63:MAXPHYADDR are reserved */
	mem[1][5] = 0x2000 | P | W;
	CHECK_EQ(hv_gwalk(&c, 0x40201123, 0, &gpa), HV_EFAULT);
	mem[1][5] = 0x2000 | P | (1ull << 55);	/* the fuzzer's find */
	CHECK_EQ(hv_gwalk(&c, 0x40201123, 0, &gpa), HV_EFAULT);
	mem[1][5] = 0x2000 | P | NX;
	CHECK_EQ(hv_gwalk(&c, 0x40201123, 0, &gpa), HV_EFAULT);
	mem[1][5] = 0x2000 | P;
	/* bits 62:52 of a PTE are reserved (ignored in 4-level paging) */
	mem[3][1] |= 1ull << 60;
	CHECK_EQ(hv_gwalk(&c, 0x40201123, 0, &gpa), HV_EFAULT);
	mem[3][1] &= ~(1ull << 60);
	/* NX with EFER.NXE */
	mem[2][1] |= NX;
	CHECK_EQ(hv_gwalk(&c, 0x40201123, HV_ACC_EXEC, &gpa), HV_EFAULT);
	CHECK_EQ(hv_gwalk(&c, 0x40201123, 0, &gpa), 0);
	mem[2][1] &= ~NX;
	/* a 2 MiB page */
	mem[2][2] = 0x400000 | P | W | U | PS;
	CHECK_EQ(hv_gwalk(&c, 0x40412345, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x412345);
	/* linear addresses are 32 bits */
	CHECK_EQ(hv_gwalk(&c, 0x140201123ull, 0, &gpa), HV_EFAULT);
}

/* 5-level paging (SDM 4.5, CR4.LA57): a PML5 above the PML4, 57-bit
 * canonical addresses */
void
test_gwalk_5level(void)
{
	struct hv_gwalk_ctx c = ctx_mode(HV_GWALK_5LEVEL, 0x1000, false);
	const uint64_t va = (1ull << 48) | (1ull << 39) | (1ull << 30) |
	    (1ull << 21) | (1ull << 12) | 0x123;
	uint64_t gpa = 0;
	int l;

	memset(mem, 0, sizeof(mem));
	mem[1][1] = 0x2000 | P | W | U;		/* PML5E 1 */
	mem[2][1] = 0x3000 | P | W | U;		/* PML4E 1 */
	mem[3][1] = 0x4000 | P | W | U;		/* PDPTE 1 */
	mem[4][1] = 0x6000 | P | W | U;		/* PDE 1 */
	mem[6][1] = 0x7000 | P | W | U;		/* PTE 1 */
	reads = 0;
	CHECK_EQ(hv_gwalk(&c, va, 0, &gpa), 0);
	CHECK_EQ(gpa, 0x7123);
	CHECK_EQ(reads, 5);
	for (l = 1; l <= 6; l++)
		if (l != 5)
			CHECK((mem[l][1] & A) != 0);
	/* 57-bit canonical: bit 56 copied up; the same VA is not 48-bit one */
	CHECK_EQ(hv_gwalk(&c, 1ull << 57, 0, &gpa), HV_EFAULT);
	c.mode = HV_GWALK_4LEVEL;
	CHECK_EQ(hv_gwalk(&c, va, 0, &gpa), HV_EFAULT);
	c.mode = HV_GWALK_5LEVEL;
	/* PS is reserved in a PML5E */
	mem[1][1] |= PS;
	CHECK_EQ(hv_gwalk(&c, va, 0, &gpa), HV_EFAULT);
}

/*
 * Why a walk faults, as the #PF error code (SDM Vol. 3A 4.7): P clear only
 * for a not-present entry; RSVD (with P) for an address bit at or above
 * MAXPHYADDR, with where a wider CPU would have gone; W, U from the
 * access; I/D for a fetch only with NX in use or SMEP.
 */
void
test_gwalk_pf_error_codes(void)
{
	struct hv_gwalk_ctx c = ctx_of(true, true);
	struct hv_gwalk_fault f;
	uint64_t gpa, clr[5] = { 0 }, set[5] = { 0 };

	build_4k(NULL, NULL);
	CHECK_EQ(hv_gwalk_pf(&c, VA + 0x123, HV_ACC_WRITE, &gpa, &f), 0);
	CHECK_EQ(gpa, 0x5123);
	/* not present at the PTE: W and U from the access, P clear */
	clr[1] = P;
	build_4k(clr, set);
	CHECK_EQ(hv_gwalk_pf(&c, VA, HV_ACC_WRITE | HV_ACC_USER, &gpa, &f), HV_EFAULT);
	CHECK_EQ(f.pfec, X86_PFERR_W | X86_PFERR_U);
	/* rights: a read-only PTE written with CR0.WP */
	clr[1] = W;
	build_4k(clr, set);
	CHECK_EQ(hv_gwalk_pf(&c, VA, HV_ACC_WRITE, &gpa, &f), HV_EFAULT);
	CHECK_EQ(f.pfec, X86_PFERR_P | X86_PFERR_W);
	/* PTE frame bit 36 with MAXPHYADDR 36: RSVD, next = the byte it maps */
	clr[1] = 0;
	set[1] = 1ull << 36;
	build_4k(clr, set);
	c.maxphyaddr = 36;
	CHECK_EQ(hv_gwalk_pf(&c, VA + 0x123, 0, &gpa, &f), HV_EFAULT);
	CHECK_EQ(f.pfec, X86_PFERR_P | X86_PFERR_RSVD);
	CHECK_EQ(f.next, (1ull << 36) | 0x5123);
	/* the same with 40 bits walks through */
	c.maxphyaddr = 40;
	CHECK_EQ(hv_gwalk_pf(&c, VA + 0x123, 0, &gpa, &f), 0);
	CHECK_EQ(gpa, (1ull << 36) | 0x5123);
	/* in a PDE: next is the PTE slot in the table it names (index 1) */
	set[1] = 0;
	set[2] = 1ull << 37;
	build_4k(clr, set);
	c.maxphyaddr = 36;
	CHECK_EQ(hv_gwalk_pf(&c, VA, HV_ACC_EXEC | HV_ACC_USER, &gpa, &f), HV_EFAULT);
	CHECK_EQ(f.pfec, X86_PFERR_P | X86_PFERR_RSVD | X86_PFERR_U | X86_PFERR_ID);
	CHECK_EQ(f.next, (1ull << 37) | 0x4008);
	/* a fetch's I/D needs EFER.NXE or CR4.SMEP */
	c.nxe = false;
	CHECK_EQ(hv_gwalk_pf(&c, VA, HV_ACC_EXEC, &gpa, &f), HV_EFAULT);
	CHECK_EQ(f.pfec, X86_PFERR_P | X86_PFERR_RSVD);
	c.smep = true;
	CHECK_EQ(hv_gwalk_pf(&c, VA, HV_ACC_EXEC, &gpa, &f), HV_EFAULT);
	CHECK_EQ(f.pfec, X86_PFERR_P | X86_PFERR_RSVD | X86_PFERR_ID);
	/* a non-canonical address is no page fault (#GP) */
	CHECK_EQ(hv_gwalk_pf(&c, 0x0000800000000000ull, 0, &gpa, &f), HV_EFAULT);
	CHECK_EQ(f.pfec, 0);
}
