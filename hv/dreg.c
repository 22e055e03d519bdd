/*
 * dreg.c - the guest's debug registers DR0-DR3 and DR6, kept apart from the
 * host's, and the host's DR7 back after the exits.
 *
 * Neither world switch switches DR0-DR3: VMRUN loads the guest's DR6 and
 * DR7 from the VMCB (AMD APM Vol. 2 15.5.1, Appendix B save area) and VM
 * entry the guest's DR7 (with "load debug controls", Intel SDM Vol. 3C
 * 27.3.2.1), but a guest MOV to DR0-DR3 (and to DR6 on VMX) writes the
 * CPU's registers, which stay the guest's after the exit.  Neither exit
 * gives the host its DR7 back: a VM exit loads 0x400 (SDM 28.5.1) and DR7
 * is not among the host state VMRUN saves (APM 15.5.1).
 *
 * Lazily, as most guests never touch a debug register: a vCPU starts with
 * every MOV DR intercepted (SVM DR read/write intercepts, APM 15.11; VMX
 * "MOV-DR exiting", SDM 25.1.3), so the CPU's DR0-DR3 may stay the host's
 * while it runs: the guest can neither read them nor enable them (its DR7,
 * in the VMCB/VMCS, stays 0x400 until it may write it).  Only DR6, which a
 * #DB in the guest writes without any MOV DR, and the host's DR7 are
 * switched around each pinned stretch then.  The guest's first MOV DR
 * exits: hv_dreg_touched marks the vCPU, the backend drops the intercept
 * and lets the instruction run again, and from the next stretch on,
 * around each one, as hv/fpu.c does for the FPU: the host's DR0-DR3, DR6
 * and DR7 are saved; DR7 becomes 0x400 (no breakpoint enabled) while guest
 * addresses are in DR0-DR3; the guest's DR0-DR3 and DR6 are loaded.  After
 * the last exit the guest's are saved and the host's loaded back.  A
 * register is written only where the value differs: MOV to DR is
 * serializing.  On SVM the VMCB's DR6 is what VMRUN loads, so there the
 * value switched here is the one #VMEXIT left, the same.
 */
#include "core.h"
#include "x86_arch.h"

struct dreg_host {
	uint64_t	 dr[HV_DREGS];	/* DR0-DR3, DR6 */
	uint64_t	 dr7;
};

static struct dreg_host dreg_host[HV_MAX_CPUS];

/* guest_dr[i] is DR i for i < 4, then DR6 */
static int
dr_num(int i)
{
	return i < 4 ? i : 6;
}

uint64_t
hv_dr_read(int n)
{
	uint64_t v = 0;

	switch (n) {
	case 0: __asm__ __volatile__("mov %%db0, %0" : "=r"(v)); break;
	case 1: __asm__ __volatile__("mov %%db1, %0" : "=r"(v)); break;
	case 2: __asm__ __volatile__("mov %%db2, %0" : "=r"(v)); break;
	case 3: __asm__ __volatile__("mov %%db3, %0" : "=r"(v)); break;
	case 6: __asm__ __volatile__("mov %%db6, %0" : "=r"(v)); break;
	case 7: __asm__ __volatile__("mov %%db7, %0" : "=r"(v)); break;
	}
	return v;
}

void
hv_dr_write(int n, uint64_t v)
{
	switch (n) {
	case 0: __asm__ __volatile__("mov %0, %%db0" : : "r"(v)); break;
	case 1: __asm__ __volatile__("mov %0, %%db1" : : "r"(v)); break;
	case 2: __asm__ __volatile__("mov %0, %%db2" : : "r"(v)); break;
	case 3: __asm__ __volatile__("mov %0, %%db3" : : "r"(v)); break;
	case 6: __asm__ __volatile__("mov %0, %%db6" : : "r"(v)); break;
	case 7: __asm__ __volatile__("mov %0, %%db7" : : "r"(v)); break;
	}
}

void
hv_dreg_vcpu_init(struct hv_vcpu *vcpu)
{
	/* the architectural values at reset (SDM Vol. 3B 17.2): DR6's fixed
	 * bits read as 1 */
	vcpu->guest_dr[0] = vcpu->guest_dr[1] = 0;
	vcpu->guest_dr[2] = vcpu->guest_dr[3] = 0;
	vcpu->guest_dr[4] = X86_DR6_INIT;
	vcpu->dr_live = false;	/* MOV DR exits until the guest uses one */
}

/*
 * DR0-DR3 and DR6 in one straight run (guest_dr's order): this runs twice
 * per pinned stretch, and a read through hv_dr_read's switch costs a call
 * and a jump table each.
 */
static inline void
dr_read_all(uint64_t d[HV_DREGS])
{
	__asm__ __volatile__("mov %%db0, %0\n\tmov %%db1, %1\n\t"
	    "mov %%db2, %2\n\tmov %%db3, %3\n\tmov %%db6, %4"
	    : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3]), "=r"(d[4]));
}

static inline uint64_t
dr7_read(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%db7, %0" : "=r"(v));
	return v;
}

static inline uint64_t
dr6_read(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%db6, %0" : "=r"(v));
	return v;
}

void
hv_dreg_touched(struct hv_vcpu *vcpu)
{
	vcpu->dr_live = true;
}

void
hv_dreg_enter(struct hv_vcpu *vcpu, int cpu)
{
	struct dreg_host *h = &dreg_host[cpu];
	int i;

	h->dr7 = dr7_read();
	if (!vcpu->dr_live) {
		/* DR0-DR3 stay the host's (MOV DR exits); DR6 is the guest's */
		h->dr[4] = dr6_read();
		if (h->dr[4] != vcpu->guest_dr[4])
			hv_dr_write(6, vcpu->guest_dr[4]);
		return;
	}
	if (h->dr7 != X86_DR7_INIT)
		hv_dr_write(7, X86_DR7_INIT);
	dr_read_all(h->dr);
	for (i = 0; i < HV_DREGS; i++)
		if (h->dr[i] != vcpu->guest_dr[i])
			hv_dr_write(dr_num(i), vcpu->guest_dr[i]);
}

void
hv_dreg_leave(struct hv_vcpu *vcpu, int cpu)
{
	struct dreg_host *h = &dreg_host[cpu];
	int i;

	if (!vcpu->dr_live) {
		vcpu->guest_dr[4] = dr6_read();
		if (vcpu->guest_dr[4] != h->dr[4])
			hv_dr_write(6, h->dr[4]);
	} else {
		dr_read_all(vcpu->guest_dr);
		for (i = 0; i < HV_DREGS; i++)
			if (vcpu->guest_dr[i] != h->dr[i])
				hv_dr_write(dr_num(i), h->dr[i]);
	}
	if (dr7_read() != h->dr7)
		hv_dr_write(7, h->dr7);
}
