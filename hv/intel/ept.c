/*
 * ept.c - the EPT entry format for the shared nested-table code, the EPT
 * pointer, and INVEPT.  SDM Vol. 3C 28.2 (EPT), 28.3.3 (invalidation).
 */
#include "vmx.h"
#include "vmx_cpu.h"

#define EPT_R		(1ull << 0)
#define EPT_W		(1ull << 1)
#define EPT_X		(1ull << 2)
#define EPT_MT_SHIFT	3		/* leaf memory type, bits 5:3 */
#define EPT_MT_WB	6ull
#define EPT_IGNORE_PAT	(1ull << 6)
#define EPT_LARGE	(1ull << 7)	/* PDE/PDPTE maps a 2M/1G page */
#define EPT_ADDR_MASK	0x000ffffffffff000ull	/* bits 51:12 */

/* SDM 28.2.2: a non-leaf entry grants everything; the leaf decides. */
static uint64_t
ept_table(uint64_t pa)
{
	return (pa & EPT_ADDR_MASK) | EPT_R | EPT_W | EPT_X;
}

static uint64_t
ept_leaf(uint64_t pa, int level, unsigned prot)
{
	uint64_t e;

	e = (pa & EPT_ADDR_MASK) | (EPT_MT_WB << EPT_MT_SHIFT) | EPT_IGNORE_PAT;
	if (prot & HV_PROT_R)
		e |= EPT_R;
	if (prot & HV_PROT_W)
		e |= EPT_W | EPT_R;	/* write without read is a misconfiguration */
	if (prot & HV_PROT_X)
		e |= EPT_X;
	if (level > 1)
		e |= EPT_LARGE;
	return e;
}

/* SDM 28.2.2: an entry is present when any of bits 2:0 is set. */
static bool
ept_present(uint64_t e)
{
	return (e & (EPT_R | EPT_W | EPT_X)) != 0;
}

static bool
ept_large(uint64_t e, int level)
{
	return (level == 2 || level == 3) && (e & EPT_LARGE) != 0;
}

static uint64_t
ept_addr(uint64_t e, int level)
{
	if (level == 3 && (e & EPT_LARGE))
		return e & EPT_ADDR_MASK & ~((1ull << 30) - 1);
	if (level == 2 && (e & EPT_LARGE))
		return e & EPT_ADDR_MASK & ~((1ull << 21) - 1);
	return e & EPT_ADDR_MASK;
}

static unsigned
ept_prot(uint64_t e)
{
	return ((e & EPT_R) ? HV_PROT_R : 0) | ((e & EPT_W) ? HV_PROT_W : 0) |
	    ((e & EPT_X) ? HV_PROT_X : 0);
}

const struct hv_ntable_fmt vmx_ept_fmt = {
	.name = "EPT",
	.table = ept_table,
	.leaf = ept_leaf,
	.present = ept_present,
	.large = ept_large,
	.addr = ept_addr,
	.prot = ept_prot,
};

/* SDM 24.6.11: memory type WB (bits 2:0), walk length 4 - 1 (bits 5:3). */
uint64_t
vmx_eptp(uint64_t root_pa)
{
	return (root_pa & EPT_ADDR_MASK) | EPT_MT_WB | (3ull << 3);
}

/*
 * Drop the guest-physical and combined translations derived from this VM's
 * EPT on this CPU: single-context when the CPU has it, else all-context.
 */
void
vmx_flush_nested(struct hv_vcpu *vcpu)
{
	struct vmx_vm *vv = vcpu->vm->backend;
	int rc;

	if (vmx_caps.invept_single)
		rc = vmx_invept(INVEPT_SINGLE, vv->eptp);
	else
		rc = vmx_invept(INVEPT_ALL, 0);
	if (rc != VMX_OK)
		(void)vmx_insn_fail("INVEPT", rc);
}

/* Why the CPU would call this entry a misconfiguration (SDM 28.2.3.1). */
static const char *
ept_misconfig_why(uint64_t e, int level)
{
	uint64_t mt;

	if ((e & (EPT_R | EPT_W)) == EPT_W)
		return "write without read";
	if ((e & (EPT_R | EPT_W | EPT_X)) == EPT_X && !(vmx_caps.ept_vpid_cap & 1))
		return "execute-only not supported";
	if (level == 1 || (level <= 3 && (e & EPT_LARGE))) {
		mt = (e >> EPT_MT_SHIFT) & 7;
		if (mt == 2 || mt == 3 || mt == 7)
			return "reserved memory type";
		if (level == 3 && !(vmx_caps.ept_vpid_cap & (1ull << 17)))
			return "1 GiB page not supported";
	} else if (e & 0x78) {
		return "reserved bits 6:3 set in a non-leaf entry";
	}
	if (level == 4 && (e & EPT_LARGE))
		return "bit 7 set in a PML4 entry";
	return NULL;
}

void
vmx_ept_describe(const struct hv_vm *vm, uint64_t gpa, char *buf, size_t len)
{
	static const char *const lname[] = { "", "PTE", "PDE", "PDPTE", "PML4E" };
	const uint64_t *table = vm->nt.root;
	size_t off = 0;
	const char *why;
	uint64_t e;
	int level;

	buf[0] = '\0';
	for (level = 4; level >= 1 && table != NULL; level--) {
		e = table[(gpa >> (12 + 9 * (level - 1))) & 511];
		why = ept_misconfig_why(e, level);
		off += (size_t)hv_snprintf(buf + off, off < len ? len - off : 0,
		    "%s%s=0x%llx%s%s", off ? " " : "", lname[level],
		    (unsigned long long)e, why ? " BAD: " : "", why ? why : "");
		if (off >= len || !ept_present(e) || ept_large(e, level) ||
		    level == 1)
			break;
		table = hv_os_phys_to_virt(ept_addr(e, level));
	}
}
