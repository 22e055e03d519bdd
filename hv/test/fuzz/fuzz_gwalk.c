/*
 * fuzz_gwalk.c - libFuzzer target: hv_gwalk() over fuzzed guest page-table
 * memory.
 *
 * Input: a 20-byte header (CR3, GVA, access kind, EFER.NXE, CR0.WP,
 * MAXPHYADDR, paging mode, CR4.PSE) followed by 10-byte records, each
 * storing one 64-bit word at (page, slot) of an 8-page guest-physical
 * memory at GPA 0 (the rest zero).  Mode byte % 4: 0 4-level, 1 5-level,
 * 2 PAE, 3 32-bit paging (enum hv_gwalk_mode).
 *
 * Invariants checked (abort on violation):
 * - no read outside the fake memory (ASan: the memory is exactly malloc'ed);
 * - the walk reads exactly the entries the reference reads, in its order:
 *   at most one per level, each in the table the level above named;
 * - result and GPA agree with ref_walk() (ref_walk.c), written separately
 *   from the SDM tables rather than from gwalk.c;
 * - the accessed/dirty flags written are exactly the ones the SDM says (4.8):
 *   the memory afterwards equals the reference's copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"
#include "fuzz.h"
#include "ref_walk.h"

#define NPAGES	8
#define MEMSZ	(NPAGES * 4096)

struct fmem {
	uint8_t	*bytes;		/* exactly MEMSZ bytes (ASan red zones around) */
	int	 reads;
	uint64_t read_at[8];
	int	 ors;
};

static int
f_read64(void *arg, uint64_t gpa, uint64_t *val)
{
	struct fmem *m = arg;

	if (m->reads < 8)
		m->read_at[m->reads] = gpa;
	m->reads++;
	if (gpa >= MEMSZ || (gpa & 7) != 0)
		return HV_EFAULT;
	memcpy(val, m->bytes + gpa, 8);
	return 0;
}

static int
f_or64(void *arg, uint64_t gpa, uint64_t bits)
{
	struct fmem *m = arg;
	uint64_t v;

	m->ors++;
	if (gpa >= MEMSZ || (gpa & 7) != 0)
		FUZZ_FAIL("or64 outside memory: 0x%llx", (unsigned long long)gpa);
	memcpy(&v, m->bytes + gpa, 8);
	v |= bits;
	memcpy(m->bytes + gpa, &v, 8);
	return 0;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static bool
ref_read(void *arg, uint64_t gpa, uint64_t *val)
{
	if (gpa + 8 > MEMSZ || (gpa & 7) != 0)
		return false;
	memcpy(val, (const uint8_t *)arg + gpa, 8);
	return true;
}

/* The reference walk on mem, with the A/D updates of a successful one
 * (A in each entry used, D in the leaf; entries of 4 or 8 bytes). */
static int
ref_walk_ad(uint8_t *mem, int mode, bool pse, uint64_t cr3, uint64_t va,
    unsigned acc, bool nxe, bool wp, int maxpa, uint64_t *gpa_out,
    struct ref_trace *t)
{
	uint32_t v;
	int i;

	if (ref_walk(ref_read, mem, mode, pse, cr3, va, acc, nxe, wp, maxpa,
	    gpa_out, t) != 0)
		return -1;
	for (i = t->first_no_a ? 1 : 0; i < t->n; i++) {
		/* bits 5 and 6 are in the low 4 bytes of either size */
		memcpy(&v, mem + t->slot[i], 4);
		v |= 1u << 5;
		if (i == t->n - 1 && (acc & HV_ACC_WRITE))
			v |= 1u << 6;
		memcpy(mem + t->slot[i], &v, 4);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t refmem[MEMSZ];
	struct hv_gwalk_ctx c;
	struct ref_trace t;
	struct fmem m;
	uint64_t cr3, va, gpa = 0, rgpa = 0;
	unsigned acc;
	bool nxe, wp, use_or, pse;
	int maxpa, rc, rrc, i, mode;
	size_t off;

	if (size < 20)
		return 0;
	cr3 = get64(data);
	va = get64(data + 8);
	acc = data[16] & 7;
	nxe = (data[16] >> 3) & 1;
	wp = (data[16] >> 4) & 1;
	use_or = !((data[16] >> 5) & 1);
	/* mostly 36..52; values 30..35 and 53 exercise the width guard */
	maxpa = 30 + data[17] % 24;
	mode = data[18] % 4;
	pse = data[19] & 1;
	m.bytes = calloc(1, MEMSZ);
	if (m.bytes == NULL)
		abort();
	for (off = 20; off + 10 <= size; off += 10) {
		unsigned page = data[off] % NPAGES;
		unsigned slot = (data[off + 1] | (data[off + 9] << 8)) & 511;

		memcpy(m.bytes + page * 4096 + slot * 8, data + off + 2, 8);
	}
	memcpy(refmem, m.bytes, MEMSZ);
	m.reads = m.ors = 0;
	c.read64 = f_read64;
	c.arg = &m;
	c.cr3 = cr3;
	c.nxe = nxe;
	c.wp = wp;
	c.maxphyaddr = maxpa;
	c.or64 = use_or ? f_or64 : NULL;
	c.mode = (enum hv_gwalk_mode)mode;
	c.pse = pse;

	rc = hv_gwalk(&c, va, acc, &gpa);
	rrc = ref_walk_ad(refmem, mode, pse, cr3, va, acc, nxe, wp, maxpa, &rgpa,
	    &t);

	/* the same entries as the reference, in its order (the word holding
	 * each: a 4-byte entry is read as the aligned 8 bytes around it) */
	if (m.reads != t.n)
		FUZZ_FAIL("%d entry reads, reference %d (mode %d)", m.reads, t.n,
		    mode);
	for (i = 0; i < m.reads; i++) {
		if (m.read_at[i] != (t.slot[i] & ~7ull))
			FUZZ_FAIL("read %d at 0x%llx, reference 0x%llx", i,
			    (unsigned long long)m.read_at[i],
			    (unsigned long long)t.slot[i]);
	}
	if ((rc == 0) != (rrc == 0))
		FUZZ_FAIL("walk %d, reference %d (mode %d va 0x%llx acc %u nxe %d "
		    "wp %d maxpa %d)", rc, rrc, mode, (unsigned long long)va, acc,
		    nxe, wp, maxpa);
	if (rc != 0 && rc != HV_EFAULT)
		FUZZ_FAIL("walk returned %d", rc);
	if (rc == 0 && gpa != rgpa)
		FUZZ_FAIL("gpa 0x%llx, reference 0x%llx", (unsigned long long)gpa,
		    (unsigned long long)rgpa);
	if (rc != 0 && m.ors != 0)
		FUZZ_FAIL("a failed walk set accessed/dirty flags");
	if (rc == 0 && use_or && memcmp(m.bytes, refmem, MEMSZ) != 0)
		FUZZ_FAIL("accessed/dirty flags differ from the reference");
	if (!use_or && m.ors != 0)
		FUZZ_FAIL("or64 called while NULL");
	free(m.bytes);
	return 0;
}
