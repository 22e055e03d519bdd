/*
 * fuzz_copyin.c - libFuzzer target: the copyin family (hv/copyin.c) on a
 * real VM of the core (fake OS and backend), through fuzzed guest page
 * tables, optionally all paged out first so that every table and data page
 * is faulted back in by the walk itself.
 *
 * Input: a 24-byte header (op, CPL 0/3, CR0.WP, EFER.NXE, CR0.PG, pageout;
 * CR3 page; GVA; length) then 12-byte records, each storing one 64-bit
 * word at (page 0..15, slot) of guest-physical memory (4 MiB; the rest zero).
 *
 * Checked (abort on violation), against a shadow of the 16 pages and the
 * reference walk of ref_walk.c on the memory as it was before the call (a
 * copy only sets accessed/dirty flags in present entries, which never
 * changes a translation nor whether a byte is zero):
 * - copyin / fubyte / fuword: success exactly when every page of the range
 *   translates (read, at the vCPU's CPL) inside memory; the bytes are the
 *   guest's, up to the A/D bits;
 * - copyinstr: the result (0, ENAMETOOLONG, EFAULT) and count the reference
 *   computes byte by byte;
 * - copyout refused by the reference: EFAULT and guest memory unchanged but
 *   for A/D bits;
 * - every page faulted in once: page-ins + pages newly backed == pages
 *   resident afterwards (all were out before);
 * - after destroy, every page and allocation is freed.
 */
#include <string.h>
#include "test.h"
#include "fuzz.h"
#include "ref_walk.h"
#include "x86_arch.h"

#define MEM		(4ull << 20)
#define NSHADOW		16
#define MAXLEN		12288
#define AD		(X86_PTE_A | X86_PTE_D)

static uint8_t shadow[NSHADOW * 4096];

/* The guest's memory before the call: the 16 shadowed pages, zero above. */
static bool
shadow_read(void *arg, uint64_t gpa, uint64_t *val)
{
	if (gpa + 8 > MEM)
		return false;
	if (gpa + 8 <= sizeof(shadow))
		memcpy(val, shadow + gpa, 8);
	else
		*val = 0;
	return true;
}

static uint8_t
shadow_byte(uint64_t gpa)
{
	return gpa < sizeof(shadow) ? shadow[gpa] : 0;
}

struct regs_in {
	uint64_t cr3;
	bool	 user, wp, nxe, pg;
};

/* The reference's GPA of gva for this access, or -1. */
static int
ref_gpa(const struct regs_in *r, uint64_t gva, bool write, uint64_t *gpa)
{
	struct ref_trace t;

	if (!r->pg) {
		*gpa = gva;
		return gva < MEM ? 0 : -1;
	}
	if (ref_walk(shadow_read, NULL, HV_GWALK_4LEVEL, false, r->cr3, gva,
	    (write ? HV_ACC_WRITE : 0) | (r->user ? HV_ACC_USER : 0), r->nxe,
	    r->wp, hv_guest_maxphyaddr, gpa, &t) != 0 || *gpa >= MEM)
		return -1;
	return 0;
}

/* Bytes equal up to A/D bits (bits 5, 6 of the low byte of a word). */
static bool
same_but_ad(uint64_t gpa, uint8_t a, uint8_t b)
{
	return ((a ^ b) & ~((gpa & 7) == 0 ? AD : 0)) == 0;
}

static void
check_unchanged(struct hv_vm *vm, const char *why)
{
	static uint8_t now[sizeof(shadow)];
	uint64_t i;

	if (hv_gpa_read(vm, 0, now, sizeof(now)) != 0)
		FUZZ_FAIL("%s: read back", why);
	for (i = 0; i < sizeof(now); i++)
		if (!same_but_ad(i, now[i], shadow[i]))
			FUZZ_FAIL("%s: guest byte 0x%llx changed", why,
			    (unsigned long long)i);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[MAXLEN], pattern[MAXLEN];
	struct regs_in r;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	struct hv_regs *fr;
	uint64_t gva, gpa, len, page, backed0, pageins0;
	unsigned op;
	bool pageout;
	size_t off, i, done = 0;
	int rc, want;

	if (size < 24)
		return 0;
	op = data[0] % 6;
	r.user = data[1] & 1;
	r.wp = (data[1] >> 1) & 1;
	r.nxe = (data[1] >> 2) & 1;
	r.pg = !((data[1] >> 3) & 1);	/* paging off only now and then */
	pageout = (data[1] >> 4) & 1;
	r.cr3 = (uint64_t)(data[2] % NSHADOW) << 12 | (data[3] & 0x18);
	memcpy(&gva, data + 8, 8);
	len = (uint64_t)(data[16] | data[17] << 8) % (MAXLEN + 1);

	fake_os_reset();
	fake_backend_reset();
	memset(&hv_stats, 0, sizeof(hv_stats));
	memset(shadow, 0, sizeof(shadow));
	t_setup_enabled();
	if (hv_vm_create(MEM, &vm) != 0 || hv_vcpu_create(vm, 0, &vcpu) != 0)
		FUZZ_FAIL("setup");
	for (off = 24; off + 12 <= size; off += 12) {
		uint64_t at = (uint64_t)(data[off] % NSHADOW) * 4096 +
		    (uint64_t)((data[off + 1] | data[off + 2] << 8) & 511) * 8;

		memcpy(shadow + at, data + off + 4, 8);
	}
	/* only the pages that hold something are backed */
	for (page = 0; page < NSHADOW; page++) {
		for (i = 0; i < 4096 && shadow[page * 4096 + i] == 0; i++)
			;
		if (i < 4096 && hv_gpa_write(vm, page * 4096, shadow + page * 4096,
		    4096) != 0)
			FUZZ_FAIL("fill");
	}
	fr = fake_regs(vcpu);
	fr->cr3 = r.cr3;
	fr->cpl = r.user ? 3 : 0;
	fr->cr0 = r.pg ? 0x80010033ull : 0x10033ull;
	if (!r.wp)
		fr->cr0 &= ~(1ull << 16);
	fr->efer = r.nxe ? 0xd00 : 0x500;
	if (pageout && hv_vm_pageout(vm, 0, MEM) != 0)
		FUZZ_FAIL("pageout");
	backed0 = HV_STAT(pages_backed);
	pageins0 = HV_STAT(pageins);
	if (pageout && hv_vm_resident_pages(vm) != 0)
		FUZZ_FAIL("resident after pageout");

	/* what the reference expects of each page of the range */
	want = 0;
	if (len > 0 && gva + len - 1 < gva)
		want = -1;
	for (page = gva & ~0xfffull; want == 0 && len > 0 && page <= gva + len - 1;
	    page += 4096) {
		if (ref_gpa(&r, page, op == 2, &gpa) != 0)
			want = -1;
		if (page + 4096 < page)
			break;
	}

	switch (op) {
	case 0:		/* copyin */
	case 1:		/* fuword64 (len 8) */
		if (op == 1)
			len = 8, want = ref_gpa(&r, gva, false, &gpa) ||
			    ref_gpa(&r, gva + 7, false, &gpa) || gva + 7 < gva ? -1 : 0;
		memset(buf, 0xee, len);
		rc = op == 0 ? hv_copyin(vcpu, gva, buf, len) :
		    hv_fuword64(vcpu, gva, (uint64_t *)(void *)buf);
		if ((rc == 0) != (want == 0) || (rc != 0 && rc != HV_EFAULT))
			FUZZ_FAIL("copyin of %llu at 0x%llx: %d, reference %d",
			    (unsigned long long)len, (unsigned long long)gva, rc, want);
		for (i = 0; rc == 0 && i < len; i++, gpa++) {
			if ((i == 0 || ((gva + i) & 0xfff) == 0) &&
			    ref_gpa(&r, gva + i, false, &gpa) != 0)
				FUZZ_FAIL("reference lost byte %zu", i);
			if (!same_but_ad(gpa, buf[i], shadow_byte(gpa)))
				FUZZ_FAIL("copyin byte %zu: 0x%x, guest 0x%x", i, buf[i],
				    shadow_byte(gpa));
		}
		break;
	case 2:		/* copyout */
		for (i = 0; i < len; i++)
			pattern[i] = (uint8_t)(0x5a ^ i);
		rc = hv_copyout(vcpu, pattern, gva, len);
		if (want != 0) {
			if (rc != HV_EFAULT)
				FUZZ_FAIL("copyout refused by the reference: %d", rc);
			check_unchanged(vm, "failed copyout");
		} else if (rc != 0 && rc != HV_EFAULT)
			FUZZ_FAIL("copyout: %d", rc);
		break;
	case 3:		/* copyinstr */
	case 4: {
		uint64_t k;
		int wantrc = HV_ENAMETOOLONG;
		size_t wantdone = len;

		/* byte by byte: the first NUL ends it; a page that does not
		 * translate before that is EFAULT, and so is reading on past
		 * the top of the address space (a NUL before the top counts) */
		for (k = 0; k < len; k++) {
			if ((k > 0 && gva + k == 0) ||
			    ref_gpa(&r, gva + k, false, &gpa) != 0) {
				wantrc = HV_EFAULT;
				break;
			}
			if (shadow_byte(gpa) == 0) {
				wantrc = 0;
				wantdone = k + 1;
				break;
			}
		}
		rc = hv_copyinstr(vcpu, gva, (char *)buf,
		    (uint64_t)(data[16] | data[17] << 8) % (MAXLEN + 1), &done);
		if (rc != wantrc || (rc != HV_EFAULT && done != wantdone))
			FUZZ_FAIL("copyinstr max %llu at 0x%llx: %d done %zu, reference "
			    "%d done %zu", (unsigned long long)len,
			    (unsigned long long)gva, rc, done, wantrc, wantdone);
		break;
	}
	default:	/* fubyte */
		rc = hv_fubyte(vcpu, gva);
		want = ref_gpa(&r, gva, false, &gpa) == 0 ? shadow_byte(gpa) : -1;
		if (want >= 0 ? rc < 0 || !same_but_ad(gpa, (uint8_t)rc, (uint8_t)want) :
		    rc != -1)
			FUZZ_FAIL("fubyte 0x%llx: %d, reference %d",
			    (unsigned long long)gva, rc, want);
		break;
	}
	/* each page came back once: all were out, each fault made one resident */
	if (pageout && (HV_STAT(pageins) - pageins0) + (HV_STAT(pages_backed) -
	    backed0) != hv_vm_resident_pages(vm))
		FUZZ_FAIL("page-ins %llu + backed %llu != resident %llu",
		    (unsigned long long)(HV_STAT(pageins) - pageins0),
		    (unsigned long long)(HV_STAT(pages_backed) - backed0),
		    (unsigned long long)hv_vm_resident_pages(vm));
	if (hv_vm_destroy(vm) != 0)
		FUZZ_FAIL("destroy");
	t_teardown();
	if (fake_pages_live != 0 || fake_mallocs_live != 0)
		FUZZ_FAIL("leak: %ld pages, %ld allocations", fake_pages_live,
		    fake_mallocs_live);
	return 0;
}
