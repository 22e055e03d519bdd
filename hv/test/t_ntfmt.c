/*
 * t_ntfmt.c - the EPT and NPT entry bits themselves (hv/intel/ept.c,
 * hv/amd/npt.c), alone and as the tree writes them: EPT rights, memory type
 * and ignore-PAT in leaves only, large bit, frame masks per level, the EPT
 * pointer; NPT present/RW/U/S at every level (every nested access is a user
 * access), NX for non-executable leaves, PS, nothing at all for no rights.
 */
#include <string.h>
#include "test.h"
#include "intel/vmx.h"

extern const struct hv_ntable_fmt svm_npt_fmt;

#define BIT(n)	(1ull << (n))

void
test_ntfmt_ept_bits(void)
{
	const struct hv_ntable_fmt *f = &vmx_ept_fmt;
	/* SDM 28.2.2 leaf: R 0, W 1, X 2, memory type 5:3 (6 = WB), ignore PAT 6 */
	const uint64_t wb = 6ull << 3 | BIT(6);
	struct hv_ntable nt;
	const uint64_t *t;
	int l;

	CHECK_EQ(f->leaf(0x1234000, 1, HV_PROT_R), 0x1234000 | BIT(0) | wb);
	CHECK_EQ(f->leaf(0x1234000, 1, HV_PROT_RWX), 0x1234000 | 7 | wb);
	/* write without read would be a misconfiguration: R is added */
	CHECK_EQ(f->leaf(0x1234000, 1, HV_PROT_W), 0x1234000 | 3 | wb);
	CHECK_EQ(f->prot(f->leaf(0, 1, HV_PROT_W)), HV_PROT_R | HV_PROT_W);
	/* execute-only stays execute-only */
	CHECK_EQ(f->leaf(0x5000, 1, HV_PROT_X), 0x5000 | BIT(2) | wb);
	CHECK_EQ(f->prot(f->leaf(0x5000, 1, HV_PROT_X)), HV_PROT_X);
	/* no rights: not present (bits 2:0 clear) */
	CHECK(!f->present(f->leaf(0x5000, 1, 0)));
	CHECK(f->present(BIT(2)) && f->present(BIT(1)) && f->present(BIT(0)));
	CHECK(!f->present(~7ull));
	/* large pages: bit 7 at levels 2 and 3 only */
	CHECK_EQ(f->leaf(0x40000000, 2, HV_PROT_R), 0x40000000 | BIT(0) | wb | BIT(7));
	CHECK(f->large(f->leaf(0x40000000, 3, HV_PROT_R), 3));
	CHECK(f->large(BIT(7) | 1, 2));
	CHECK(!f->large(BIT(7) | 1, 1));	/* bit 7 of a PTE is not "large" */
	CHECK(!f->large(BIT(7) | 1, 4));
	/* frame masks: 51:12, 51:21, 51:30; bits above 51 are not address */
	CHECK_EQ(f->addr(0xfff0000040201fffull, 1), 0x40201000);
	CHECK_EQ(f->addr(0x40201000 | BIT(7) | 1, 2), 0x40200000);
	CHECK_EQ(f->addr(0x7fc0201000ull | BIT(7) | 1, 3), 0x7fc0000000ull);
	CHECK_EQ(f->addr(0x40201000 | 7, 2), 0x40201000);	/* a table */
	/* non-leaf: everything allowed, bits 7:3 reserved there (28.2.2) */
	CHECK_EQ(f->table(0xabcd000 | 0xfff), 0xabcd000 | 7);
	/* EPTP (24.6.11): WB, walk length 3 (= 4 levels), flags below 12 dropped */
	CHECK_EQ(vmx_eptp(0x345000 | 0x123), 0x345000 | 6 | 3 << 3);

	/* as the tree writes them: memory type in both leaf sizes, not above */
	CHECK_EQ(hv_ntable_init(&nt, f), 0);
	CHECK_EQ(hv_ntable_map(&nt, 0x40201000, 0x7000, 1, HV_PROT_R | HV_PROT_W), 0);
	CHECK_EQ(hv_ntable_map(&nt, 0x40400000, 0x800000, 2, HV_PROT_X), 0);
	t = nt.root;
	for (l = 4; l > 1; l--) {
		uint64_t e = t[(0x40201000ull >> (12 + 9 * (l - 1))) & 511];

		CHECK_EQ(e & 0xff, 7);		/* RWX, no memory type, not large */
		t = hv_os_phys_to_virt(e & 0x000ffffffffff000ull);
	}
	CHECK_EQ(t[0x201 & 511], 0x7000 | 3 | wb);
	t = hv_os_phys_to_virt(((const uint64_t *)hv_os_phys_to_virt(nt.root[0] &
	    ~0xfffull))[1] & ~0xfffull);
	CHECK_EQ(t[2], 0x800000 | BIT(2) | wb | BIT(7));
	hv_ntable_fini(&nt);
}

void
test_ntfmt_npt_bits(void)
{
	const struct hv_ntable_fmt *f = &svm_npt_fmt;
	const uint64_t P = BIT(0), RW = BIT(1), US = BIT(2), PS = BIT(7), NX = BIT(63);
	struct hv_ntable nt;
	const uint64_t *t;
	int l;

	/* APM 15.25.5: U/S always (nested accesses are user accesses) */
	CHECK_EQ(f->leaf(0x1234000, 1, HV_PROT_R), 0x1234000 | P | US | NX);
	CHECK_EQ(f->leaf(0x1234000, 1, HV_PROT_R | HV_PROT_W), 0x1234000 | P | RW | US | NX);
	CHECK_EQ(f->leaf(0x1234000, 1, HV_PROT_RWX), 0x1234000 | P | RW | US);
	/* no read bit: execute-only and write-only come back readable */
	CHECK_EQ(f->prot(f->leaf(0x5000, 1, HV_PROT_X)), HV_PROT_R | HV_PROT_X);
	CHECK_EQ(f->prot(f->leaf(0x5000, 1, HV_PROT_W)), HV_PROT_R | HV_PROT_W);
	/* no rights: the entry is 0 (not present) */
	CHECK_EQ(f->leaf(0x5000, 1, 0), 0);
	CHECK_EQ(f->prot(0x5000 | RW | US), 0);
	/* large: PS, frame 51:21 (bit 12 would be PAT), 51:30 */
	CHECK_EQ(f->leaf(0x40201000, 2, HV_PROT_RWX), 0x40200000 | P | RW | US | PS);
	CHECK_EQ(f->leaf(0x7fc0201000ull, 3, HV_PROT_R), 0x7fc0000000ull | P | US | PS | NX);
	CHECK(f->large(P | PS, 2) && f->large(P | PS, 3));
	CHECK(!f->large(P | PS, 1));		/* PAT bit of a PTE */
	CHECK_EQ(f->addr(0x40201000 | P | PS | BIT(12), 2), 0x40200000);
	CHECK_EQ(f->addr(0x40201000 | P | RW | US, 2), 0x40201000);	/* a table */
	CHECK_EQ(f->addr(NX | 0x40201000 | P, 1), 0x40201000);
	CHECK_EQ(f->table(0xabcd000 | 0xfff), 0xabcd000 | P | RW | US);

	/* as the tree writes them: P|RW|US above, NX only in the leaf */
	CHECK_EQ(hv_ntable_init(&nt, f), 0);
	CHECK_EQ(hv_ntable_map(&nt, 0x40201000, 0x7000, 1, HV_PROT_R), 0);
	CHECK_EQ(hv_ntable_map(&nt, 0x40400000, 0x800000, 2, HV_PROT_RWX), 0);
	t = nt.root;
	for (l = 4; l > 1; l--) {
		uint64_t e = t[(0x40201000ull >> (12 + 9 * (l - 1))) & 511];

		CHECK_EQ(e & (NX | 0xfff), P | RW | US);
		t = hv_os_phys_to_virt(e & 0x000ffffffffff000ull);
	}
	CHECK_EQ(t[1], 0x7000 | P | US | NX);
	t = hv_os_phys_to_virt(((const uint64_t *)hv_os_phys_to_virt(nt.root[0] &
	    ~0xfffull))[1] & ~0xfffull);
	CHECK_EQ(t[2], 0x800000 | P | RW | US | PS);
	hv_ntable_fini(&nt);
}

/* The misconfiguration report of the EPT path to a GPA (SDM 28.2.3.1). */
void
test_ntfmt_ept_describe(void)
{
	struct hv_vm vm;
	char buf[256], small[24];
	uint64_t *pml4, *pdpt, *pd, *pt, saved;

	memset(&vm, 0, sizeof(vm));
	memset(&vmx_caps, 0, sizeof(vmx_caps));
	CHECK_EQ(hv_ntable_init(&vm.nt, &vmx_ept_fmt), 0);
	CHECK_EQ(hv_ntable_map(&vm.nt, 0x40201000, 0x7000, 1, HV_PROT_RWX), 0);
	pml4 = vm.nt.root;
	pdpt = hv_os_phys_to_virt(pml4[0] & ~0xfffull);
	pd = hv_os_phys_to_virt(pdpt[1] & ~0xfffull);
	pt = hv_os_phys_to_virt(pd[1] & ~0xfffull);
	/* a good path: four entries, nothing BAD */
	vmx_ept_describe(&vm, 0x40201000, buf, sizeof(buf));
	CHECK(strncmp(buf, "PML4E=0x", 8) == 0);
	CHECK(strstr(buf, " PDPTE=0x") != NULL && strstr(buf, " PDE=0x") != NULL);
	CHECK(strstr(buf, " PTE=0x7077") != NULL);
	CHECK(strstr(buf, "BAD") == NULL);
	/* an absent entry ends the path */
	vmx_ept_describe(&vm, 0x40202000, buf, sizeof(buf));
	CHECK(strstr(buf, " PTE=0x0") != NULL && strstr(buf, "BAD") == NULL);
	vmx_ept_describe(&vm, 0x8000000000ull, buf, sizeof(buf));
	CHECK(strcmp(buf, "PML4E=0x0") == 0);
	/* each reason, in the entry that has it */
	saved = pt[1];
	pt[1] = 0x7000 | 2 | 6 << 3;
	vmx_ept_describe(&vm, 0x40201000, buf, sizeof(buf));
	CHECK(strstr(buf, "PTE=0x7032 BAD: write without read") != NULL);
	pt[1] = 0x7000 | 4 | 6 << 3;
	vmx_ept_describe(&vm, 0x40201000, buf, sizeof(buf));
	CHECK(strstr(buf, "BAD: execute-only not supported") != NULL);
	vmx_caps.ept_vpid_cap = 1;		/* execute-only allowed */
	vmx_ept_describe(&vm, 0x40201000, buf, sizeof(buf));
	CHECK(strstr(buf, "BAD") == NULL);
	pt[1] = 0x7000 | 1 | 7 << 3;
	vmx_ept_describe(&vm, 0x40201000, buf, sizeof(buf));
	CHECK(strstr(buf, "BAD: reserved memory type") != NULL);
	pt[1] = saved;
	pd[1] |= 0x8;				/* bits 6:3 of a non-leaf entry */
	vmx_ept_describe(&vm, 0x40201000, buf, sizeof(buf));
	CHECK(strstr(buf, "PDE=") != NULL &&
	    strstr(buf, "BAD: reserved bits 6:3 set in a non-leaf entry") != NULL);
	pd[1] &= ~0x8ull;
	pml4[0] |= 0x80;
	vmx_ept_describe(&vm, 0x40201000, buf, sizeof(buf));
	CHECK(strstr(buf, "BAD: bit 7 set in a PML4 entry") != NULL);
	pml4[0] &= ~0x80ull;
	/* a 1 GiB leaf: needs EPT_VPID_CAP bit 17; the path stops there */
	saved = pdpt[1];
	pdpt[1] = 0x40000000 | 7 | 6 << 3 | 0x80;
	vmx_ept_describe(&vm, 0x40201000, buf, sizeof(buf));
	CHECK(strstr(buf, "BAD: 1 GiB page not supported") != NULL);
	CHECK(strstr(buf, "PDE=") == NULL);
	vmx_caps.ept_vpid_cap |= 1ull << 17;
	vmx_ept_describe(&vm, 0x40201000, buf, sizeof(buf));
	CHECK(strstr(buf, "BAD") == NULL);
	CHECK_EQ(vmx_ept_fmt.addr(pdpt[1], 3), 0x40000000);
	pdpt[1] = saved;
	/* a short buffer: cut, terminated */
	vmx_ept_describe(&vm, 0x40201000, small, sizeof(small));
	CHECK_EQ(strlen(small), sizeof(small) - 1);
	memset(&vmx_caps, 0, sizeof(vmx_caps));
	hv_ntable_fini(&vm.nt);
}
