/*
 * asid.c - ASID allocation, per CPU and by generation (AMD APM Vol. 2
 * 15.16).  Each vCPU gets its own ASID on the CPU it runs on (two vCPUs of a
 * VM share the nested table but not their guest page tables, and a VMRUN does
 * not flush).  ASIDs 1..nasid-1 are handed out in order; when they run out
 * the CPU's generation moves on, every ASID is flushed once, and vCPUs
 * holding an ASID of the old generation take a new one.  ASID 0 is the
 * host's and is never used (Bochs rejects it; QEMU does not check).
 */
#include "svm.h"
#include "vmcb.h"

/* Times a CPU ran out of ASIDs and started a new generation. */
uint64_t svm_asid_generations;

/* On cpu_enable: whatever the TLB holds for guest ASIDs is unknown. */
void
svm_asid_cpu_init(int cpu)
{
	struct svm_pcpu *p = &svm_pcpu[cpu];

	p->asid_next = 1;
	p->asid_gen++;		/* vCPUs holding older ASIDs take new ones */
	p->asid_flush_all = true;
}

/*
 * Pinned on `cpu`, just before VMRUN: give the vCPU a usable ASID and set
 * TLB_CONTROL for this entry.
 */
void
svm_asid_prepare(struct hv_vcpu *vcpu, int cpu)
{
	struct svm_pcpu *p = &svm_pcpu[cpu];
	struct svm_vcpu *s = svm_of(vcpu);
	uint64_t gen = vcpu->vm->inval_gen;
	uint8_t tlb;

	/*
	 * hv_pre_entry() flushes once per CPU and VM generation, but every
	 * vCPU of the VM that ran here has its own ASID: each checks itself.
	 */
	if (s->asid_inval_gen != gen)
		svm_flush_nested(vcpu);
	/*
	 * An ASID is only good on the CPU that gave it out, and only if the
	 * vCPU has not run elsewhere since (its guest TLB state there is not
	 * visible here: a guest INVLPG on another CPU did not reach us).
	 */
	if (s->asid_cpu != cpu || s->asid_gen != p->asid_gen) {
		if (p->asid_next >= svm_caps.nasid) {
			p->asid_gen++;
			p->asid_next = 1;
			p->asid_flush_all = true;
			__atomic_fetch_add(&svm_asid_generations, 1,
			    __ATOMIC_RELAXED);
		}
		s->asid = p->asid_next++;
		s->asid_gen = p->asid_gen;
		s->asid_cpu = cpu;
		s->asid_inval_gen = gen;
	}
	tlb = s->tlb_control;
	s->tlb_control = TLB_CONTROL_NONE;
	if (p->asid_flush_all) {
		tlb = TLB_CONTROL_ALL;
		p->asid_flush_all = false;
	}
	vmcb_wr32(s->vmcb, VMCB_GUEST_ASID, s->asid);
	vmcb_wr8(s->vmcb, VMCB_TLB_CONTROL, tlb);
}
