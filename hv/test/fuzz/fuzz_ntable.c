/*
 * fuzz_ntable.c - libFuzzer target: the nested-table tree (ntable.c) in
 * the test, EPT and NPT entry formats, driven by a sequence of map / unmap /
 * lookup / injected allocation failure / spare-page operations over a small
 * guest-physical space (2 PML4 x 2 PDPT x 4 PD slots = 16 x 2 MiB), so that
 * operations collide, split and replace each other.
 *
 * A model kept here, independent of the tree, says for every 4 KiB page what
 * lookup must return (frame, rights as the format stores them, level) and
 * which table pages must exist.  Checked after every operation: the
 * touched pages, the table page count against the model and against the
 * fake OS's live page count; at the end every page of the space, and that
 * fini frees every page.  Input: byte 0 picks the format, then 8-byte ops.
 */
#include <string.h>
#include "test.h"
#include "fuzz.h"

extern const struct hv_ntable_fmt vmx_ept_fmt, svm_npt_fmt;

#define NREG	16			/* 2 MiB regions */
#define NPG	(NREG * 512)

enum { R_NONE, R_LEAF, R_TABLE };

static struct {
	uint64_t hpa[NPG];
	uint8_t	 prot[NPG];		/* 0: not mapped */
	uint8_t	 level[NPG];
	uint8_t	 region[NREG];
	bool	 pdpt[2], pd[4];
	int	 fmt;
} m;

static uint64_t
reg_gpa(unsigned r)		/* region r: PML4 bit 3, PDPT bit 2, PD 1:0 */
{
	return ((uint64_t)(r >> 3) << 39) | ((uint64_t)((r >> 2) & 1) << 30) |
	    ((uint64_t)(r & 3) << 21);
}

/* The rights a leaf of this format hands back for prot (0: not present). */
static unsigned
norm(unsigned prot)
{
	if (prot == 0)
		return 0;
	if (m.fmt == 1 && (prot & HV_PROT_W))
		return prot | HV_PROT_R;	/* EPT: no write without read */
	if (m.fmt == 2)
		return prot | HV_PROT_R;	/* NPT: present means readable */
	return prot;
}

static uint64_t
model_tables(void)
{
	uint64_t n = 1;
	int i;

	for (i = 0; i < 2; i++)
		n += m.pdpt[i];
	for (i = 0; i < 4; i++)
		n += m.pd[i];
	for (i = 0; i < NREG; i++)
		n += m.region[i] == R_TABLE;
	return n;
}

static void
check_page(struct hv_ntable *nt, unsigned pg, unsigned off)
{
	uint64_t gpa = reg_gpa(pg / 512) + (uint64_t)(pg % 512) * 4096 + off, hpa = 0;
	unsigned prot = 0;
	int level = 0, rc;

	rc = hv_ntable_lookup(nt, gpa, &hpa, &prot, &level);
	if (m.prot[pg] == 0) {
		if (rc != HV_ENOENT)
			FUZZ_FAIL("gpa 0x%llx: lookup %d, model unmapped",
			    (unsigned long long)gpa, rc);
		return;
	}
	if (rc != 0 || hpa != m.hpa[pg] + off || prot != m.prot[pg] ||
	    level != m.level[pg])
		FUZZ_FAIL("gpa 0x%llx: lookup %d hpa 0x%llx prot %u level %d, model "
		    "hpa 0x%llx prot %u level %u", (unsigned long long)gpa, rc,
		    (unsigned long long)hpa, prot, level,
		    (unsigned long long)(m.hpa[pg] + off), m.prot[pg], m.level[pg]);
}

static void
check_counts(struct hv_ntable *nt)
{
	if (nt->table_pages != model_tables())
		FUZZ_FAIL("table pages %llu, model %llu",
		    (unsigned long long)nt->table_pages,
		    (unsigned long long)model_tables());
	if ((uint64_t)fake_pages_live != nt->table_pages + (uint64_t)nt->nspare)
		FUZZ_FAIL("live pages %ld, tree %llu + spare %d", fake_pages_live,
		    (unsigned long long)nt->table_pages, nt->nspare);
}

/*
 * The tables an operation on region r creates, in the tree's order (PDPT,
 * PD, then a PT when need_pt), until creation number fail_at (1-based; 0:
 * none fails).  Returns false if that one failed.
 */
static bool
model_create(unsigned r, bool need_pt, int fail_at)
{
	int n = 0;

	if (!m.pdpt[r >> 3]) {
		if (++n == fail_at)
			return false;
		m.pdpt[r >> 3] = true;
	}
	if (!m.pd[r >> 2]) {
		if (++n == fail_at)
			return false;
		m.pd[r >> 2] = true;
	}
	if (need_pt) {
		if (++n == fail_at)
			return false;
		if (m.region[r] == R_LEAF) {	/* split: 512 x 4 KiB, same frames */
			unsigned i;

			for (i = 0; i < 512; i++)
				m.level[r * 512 + i] = 1;
		}
		m.region[r] = R_TABLE;
	}
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct hv_ntable_fmt *const fmts[] = {
		&fake_ntfmt, &vmx_ept_fmt, &svm_npt_fmt,
	};
	struct hv_ntable nt;
	size_t off;
	unsigned i;

	if (size < 1)
		return 0;
	fake_os_reset();
	memset(&m, 0, sizeof(m));
	m.fmt = data[0] % 3;
	if (hv_ntable_init(&nt, fmts[m.fmt]) != 0)
		FUZZ_FAIL("init");
	for (off = 1; off + 8 <= size; off += 8) {
		const uint8_t *o = data + off;
		unsigned op = o[0] & 7, prot = o[1] & 7;
		unsigned r = o[2] & (NREG - 1), pt = o[3] | ((o[4] & 1) << 8);
		unsigned pg = r * 512 + pt;
		uint64_t gpa = reg_gpa(r) + (uint64_t)pt * 4096;
		uint64_t hpa4k = (uint64_t)(o[5] | (o[6] << 8) | ((o[7] & 15) << 16)) << 12;
		uint64_t hpa2m = (uint64_t)((o[5] | (o[6] << 8)) & 0x3ff) << 21;
		int fail_at = 0, rc, want;

		if (op == 6) {
			/* this map fails at its 1st..4th allocator call, which
			 * comes after the spare pages are used up */
			fail_at = 1 + (o[1] >> 3) % 4;
			fake_fail_at = fake_allocs + fail_at;
			fail_at += nt.nspare;
			op = 0;
		}
		switch (op) {
		case 0:
		case 1:		/* map 4 KiB */
			want = model_create(r, m.region[r] != R_TABLE, fail_at) ?
			    0 : HV_ENOMEM;
			rc = hv_ntable_map(&nt, gpa, hpa4k, 1, prot);
			if (want == 0) {
				m.prot[pg] = (uint8_t)norm(prot);
				m.hpa[pg] = hpa4k;
				m.level[pg] = 1;
			}
			break;
		case 2:		/* map 2 MiB over the region */
			want = 0;
			rc = hv_ntable_map(&nt, reg_gpa(r), hpa2m, 2, prot);
			model_create(r, false, 0);
			m.region[r] = norm(prot) ? R_LEAF : R_NONE;
			for (i = 0; i < 512; i++) {
				m.prot[r * 512 + i] = (uint8_t)norm(prot);
				m.hpa[r * 512 + i] = hpa2m + i * 4096ull;
				m.level[r * 512 + i] = 2;
			}
			break;
		case 3:
		case 4:		/* unmap 4 KiB: splits a 2 MiB leaf, creates nothing */
			want = 0;
			if (m.pdpt[r >> 3] && m.pd[r >> 2] && m.region[r] != R_NONE) {
				model_create(r, true, 0);
				m.prot[pg] = 0;
			}
			rc = hv_ntable_unmap(&nt, gpa + (o[1] & 0xff8));
			break;
		case 5:		/* lookups: this page, and outside the space */
			want = rc = 0;
			check_page(&nt, pg, (o[1] << 4) & 0xfff);
			if (hv_ntable_lookup(&nt, gpa | (2ull << 39), NULL, NULL,
			    NULL) != HV_ENOENT)
				FUZZ_FAIL("mapping outside the space");
			break;
		default:	/* 7: hand in a spare page */
			want = rc = 0;
			{
				void *p = hv_os_page_alloc();
				bool full = nt.nspare == HV_NT_SPARE;

				if (hv_ntable_give(&nt, p) == full)
					FUZZ_FAIL("give with %d spares", nt.nspare);
				if (full)
					hv_os_page_free(p);
			}
			break;
		}
		if (rc != want)
			FUZZ_FAIL("op %u at 0x%llx: %d, model %d", op,
			    (unsigned long long)gpa, rc, want);
		if (op != 5)
			check_page(&nt, pg, (o[1] << 4) & 0xfff);
		fake_fail_at = 0;
		check_counts(&nt);
	}
	/* every page of a page table; of a 2 MiB leaf or an empty region
	 * (one entry each) the first, middle and last page */
	for (i = 0; i < NPG; i++)
		if (m.region[i / 512] == R_TABLE || i % 512 == 0 || i % 512 == 255 ||
		    i % 512 == 511)
			check_page(&nt, i, 0);
	hv_ntable_fini(&nt);
	if (fake_pages_live != 0)
		FUZZ_FAIL("%ld pages live after fini", fake_pages_live);
	return 0;
}
