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
	struct hv_gwalk_ctx c = { mem_read64, NULL, 0x1000, nxe, wp, 40, mem_or64 };

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
