/*
 * t_ntable.c - the nested-table tree (ntable.c) with the test format and
 * the real EPT and NPT formats: 4 KiB / 2 MiB map, unmap, lookup, splits,
 * table page counts, freeing everything, allocation failure.
 */
#include "test.h"

extern const struct hv_ntable_fmt vmx_ept_fmt, svm_npt_fmt;

static const struct hv_ntable_fmt *const fmts[] = {
	&fake_ntfmt, &vmx_ept_fmt, &svm_npt_fmt,
};
#define NFMTS (sizeof(fmts) / sizeof(fmts[0]))

static int
look(struct hv_ntable *nt, uint64_t gpa, uint64_t *hpa, unsigned *prot)
{
	int level = 0;

	return hv_ntable_lookup(nt, gpa, hpa, prot, &level) == 0 ? level : 0;
}

void
test_ntable_map_4k(void)
{
	struct hv_ntable nt;
	uint64_t hpa;
	unsigned prot, i;

	for (i = 0; i < NFMTS; i++) {
		CHECK_EQ(hv_ntable_init(&nt, fmts[i]), 0);
		CHECK_EQ(nt.table_pages, 1);
		CHECK_EQ(hv_ntable_map(&nt, 0x1234000, 0xabc000, 1, HV_PROT_RWX), 0);
		CHECK_EQ(nt.table_pages, 4);		/* PDPT, PD, PT */
		CHECK_EQ(look(&nt, 0x1234567, &hpa, &prot), 1);
		CHECK_EQ(hpa, 0xabc567);
		CHECK_EQ(prot, HV_PROT_RWX);
		CHECK_EQ(look(&nt, 0x1235000, &hpa, &prot), 0);
		CHECK_EQ(look(&nt, 0x1233fff, &hpa, &prot), 0);
		/* a neighbour shares the tables; rights come back as mapped */
		CHECK_EQ(hv_ntable_map(&nt, 0x1235000, 0x7000, 1, HV_PROT_R | HV_PROT_W), 0);
		CHECK_EQ(nt.table_pages, 4);
		CHECK_EQ(look(&nt, 0x1235008, &hpa, &prot), 1);
		CHECK_EQ(hpa, 0x7008);
		CHECK_EQ(prot, HV_PROT_R | HV_PROT_W);
		/* remap replaces */
		CHECK_EQ(hv_ntable_map(&nt, 0x1235000, 0x9000, 1, HV_PROT_RWX), 0);
		CHECK_EQ(look(&nt, 0x1235000, &hpa, &prot), 1);
		CHECK_EQ(hpa, 0x9000);
		/* unmap removes only that page */
		CHECK_EQ(hv_ntable_unmap(&nt, 0x1234000), 0);
		CHECK_EQ(look(&nt, 0x1234000, &hpa, &prot), 0);
		CHECK_EQ(look(&nt, 0x1235000, &hpa, &prot), 1);
		/* unmapping where no table exists allocates nothing */
		CHECK_EQ(hv_ntable_unmap(&nt, 0x8000000000ull), 0);
		CHECK_EQ(nt.table_pages, 4);
		/* bad arguments */
		CHECK_EQ(hv_ntable_map(&nt, 0x1234800, 0xabc000, 1, HV_PROT_RWX), HV_EINVAL);
		CHECK_EQ(hv_ntable_map(&nt, 0x1234000, 0xabc001, 1, HV_PROT_RWX), HV_EINVAL);
		CHECK_EQ(hv_ntable_map(&nt, 0x40000000, 0, 3, HV_PROT_RWX), HV_EINVAL);
		CHECK_EQ(hv_ntable_map(&nt, 0x1234000, 0, 1, 8), HV_EINVAL);
		hv_ntable_fini(&nt);
		CHECK_EQ(fake_pages_live, 0);
	}
}

void
test_ntable_map_2m(void)
{
	struct hv_ntable nt;
	uint64_t hpa;
	unsigned prot, i;

	for (i = 0; i < NFMTS; i++) {
		CHECK_EQ(hv_ntable_init(&nt, fmts[i]), 0);
		CHECK_EQ(hv_ntable_map(&nt, 0x40000000, 0x80000000, 2, HV_PROT_RWX), 0);
		CHECK_EQ(nt.table_pages, 3);		/* PDPT, PD */
		CHECK_EQ(look(&nt, 0x40123456, &hpa, &prot), 2);
		CHECK_EQ(hpa, 0x80123456);
		CHECK_EQ(prot, HV_PROT_RWX);
		CHECK_EQ(look(&nt, 0x401fffff, &hpa, &prot), 2);
		CHECK_EQ(hpa, 0x801fffff);
		CHECK_EQ(look(&nt, 0x40200000, &hpa, &prot), 0);
		CHECK_EQ(hv_ntable_map(&nt, 0x40100000, 0x80000000, 2, HV_PROT_RWX),
		    HV_EINVAL);
		CHECK_EQ(hv_ntable_map(&nt, 0x40200000, 0x80001000, 2, HV_PROT_RWX),
		    HV_EINVAL);
		hv_ntable_fini(&nt);
		CHECK_EQ(fake_pages_live, 0);
	}
}

void
test_ntable_split(void)
{
	struct hv_ntable nt;
	uint64_t hpa, g;
	unsigned prot, i;
	bool all = true;

	for (i = 0; i < NFMTS; i++) {
		CHECK_EQ(hv_ntable_init(&nt, fmts[i]), 0);
		CHECK_EQ(hv_ntable_map(&nt, 0x40000000, 0x80000000, 2,
		    HV_PROT_R | HV_PROT_X), 0);
		/* 4 KiB unmap inside the 2 MiB page splits it */
		CHECK_EQ(hv_ntable_unmap(&nt, 0x40005000), 0);
		CHECK_EQ(nt.table_pages, 4);
		CHECK_EQ(look(&nt, 0x40005000, &hpa, &prot), 0);
		for (g = 0x40000000; g < 0x40200000; g += 0x1000) {
			if (g == 0x40005000)
				continue;
			if (look(&nt, g + 0x10, &hpa, &prot) != 1 ||
			    hpa != g + 0x40000010 || prot != (HV_PROT_R | HV_PROT_X))
				all = false;
		}
		CHECK(all);	/* the 511 others keep frame and rights */
		/* 4 KiB map inside another 2 MiB page splits it too */
		CHECK_EQ(hv_ntable_map(&nt, 0x40200000, 0x80200000, 2, HV_PROT_RWX), 0);
		CHECK_EQ(hv_ntable_map(&nt, 0x40207000, 0x5000, 1, HV_PROT_R), 0);
		CHECK_EQ(nt.table_pages, 5);
		CHECK_EQ(look(&nt, 0x40207000, &hpa, &prot), 1);
		CHECK_EQ(hpa, 0x5000);
		CHECK_EQ(prot, HV_PROT_R);
		CHECK_EQ(look(&nt, 0x40208000, &hpa, &prot), 1);
		CHECK_EQ(hpa, 0x80208000);
		/* a 2 MiB map over a split range frees its page table */
		CHECK_EQ(hv_ntable_map(&nt, 0x40000000, 0x80000000, 2, HV_PROT_RWX), 0);
		CHECK_EQ(nt.table_pages, 4);
		CHECK_EQ(look(&nt, 0x40005000, &hpa, &prot), 2);
		CHECK_EQ(hpa, 0x80005000);
		/* the page table the last 4 KiB map reached goes under a 2 MiB
		 * map: the next 4 KiB map there splits the leaf again, into a
		 * new table (ntable.c's nt->pt must not point at the old one) */
		CHECK_EQ(hv_ntable_map(&nt, 0x40201000, 0x6000, 1, HV_PROT_R), 0);
		CHECK_EQ(hv_ntable_map(&nt, 0x40200000, 0x80200000, 2, HV_PROT_RWX), 0);
		CHECK_EQ(nt.table_pages, 3);
		CHECK_EQ(hv_ntable_map(&nt, 0x40203000, 0x7000, 1, HV_PROT_R), 0);
		CHECK_EQ(nt.table_pages, 4);
		CHECK_EQ(look(&nt, 0x40203000, &hpa, &prot), 1);
		CHECK_EQ(hpa, 0x7000);
		CHECK_EQ(look(&nt, 0x40201000, &hpa, &prot), 1);
		CHECK_EQ(hpa, 0x80201000);
		hv_ntable_fini(&nt);
		CHECK_EQ(fake_pages_live, 0);
	}
}

void
test_ntable_free_all(void)
{
	struct hv_ntable nt;
	uint64_t g;
	unsigned i;

	for (i = 0; i < NFMTS; i++) {
		CHECK_EQ(hv_ntable_init(&nt, fmts[i]), 0);
		/* 3 PML4 slots x 2 PDPT slots x 3 PD slots x 4 pages */
		for (g = 0; g < 3; g++) {
			uint64_t a = g << 39, b, c, d;

			for (b = 0; b < 2; b++)
				for (c = 0; c < 3; c++)
					for (d = 0; d < 4; d++)
						CHECK_EQ(hv_ntable_map(&nt, a + (b << 30) +
						    (c << 21) + (d << 12), 0x1000, 1,
						    HV_PROT_RWX), 0);
		}
		CHECK_EQ(nt.table_pages, 1 + 3 + 3 * 2 + 3 * 2 * 3);
		CHECK_EQ(fake_pages_live, (long)nt.table_pages);
		hv_ntable_fini(&nt);
		CHECK_EQ(fake_pages_live, 0);
		CHECK(nt.root == NULL);
	}
}

void
test_ntable_nomem(void)
{
	struct hv_ntable nt;
	uint64_t hpa;
	unsigned prot;
	long before;

	CHECK_EQ(hv_ntable_init(&nt, &fake_ntfmt), 0);
	/* the PD allocation fails: error, and the tree still works */
	fake_fail_at = fake_allocs + 2;
	CHECK_EQ(hv_ntable_map(&nt, 0x3000, 0x3000, 1, HV_PROT_RWX), HV_ENOMEM);
	CHECK_EQ(look(&nt, 0x3000, &hpa, &prot), 0);
	CHECK_EQ(nt.table_pages, (uint64_t)fake_pages_live);
	CHECK_EQ(hv_ntable_map(&nt, 0x3000, 0x3000, 1, HV_PROT_RWX), 0);
	CHECK_EQ(look(&nt, 0x3000, &hpa, &prot), 1);
	/* a split that cannot get its page leaves the large page intact */
	CHECK_EQ(hv_ntable_map(&nt, 0x200000, 0x400000, 2, HV_PROT_RWX), 0);
	fake_fail_at = fake_allocs + 1;
	CHECK_EQ(hv_ntable_unmap(&nt, 0x201000), HV_ENOMEM);
	CHECK_EQ(look(&nt, 0x201000, &hpa, &prot), 2);
	/* with a full spare pool, map and split allocate nothing */
	CHECK(hv_ntable_give(&nt, hv_os_page_alloc()));
	CHECK(hv_ntable_give(&nt, hv_os_page_alloc()));
	CHECK(hv_ntable_give(&nt, hv_os_page_alloc()));
	{
		void *extra = hv_os_page_alloc();

		CHECK(!hv_ntable_give(&nt, extra));	/* full */
		hv_os_page_free(extra);
	}
	CHECK_EQ(nt.nspare, HV_NT_SPARE);
	before = fake_allocs;
	CHECK_EQ(hv_ntable_unmap(&nt, 0x201000), 0);		/* PT */
	CHECK_EQ(hv_ntable_map(&nt, 0x40000000, 0x1000, 1, HV_PROT_RWX), 0); /* PD, PT */
	CHECK_EQ(fake_allocs, before);
	CHECK_EQ(nt.nspare, 0);
	CHECK_EQ(nt.table_pages + 0, (uint64_t)fake_pages_live);
	hv_ntable_fini(&nt);
}
