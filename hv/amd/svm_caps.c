/*
 * svm_caps.c - SVM detection (AMD APM Vol. 2 15.4, 15.30.1) and the
 * hw.vmm.svm.* sysctls.
 */
#include "svm.h"

struct svm_caps svm_caps;

#define SVM_EDX_NP		(1u << 0)
#define SVM_EDX_NRIPS		(1u << 3)
#define SVM_EDX_VMCB_CLEAN	(1u << 5)
#define SVM_EDX_FLUSH_BY_ASID	(1u << 6)
#define SVM_EDX_DECODE_ASSISTS	(1u << 7)

static const struct hv_sysctl svm_sysctls[] = {
	{ "hw.vmm.svm.revision", "SVM revision (CPUID 8000_000A EAX)",
	    HV_SYSCTL_U32, &svm_caps.revision, NULL },
	{ "hw.vmm.svm.nasid", "number of ASIDs (CPUID 8000_000A EBX)",
	    HV_SYSCTL_U32, &svm_caps.nasid, NULL },
	{ "hw.vmm.svm.npt", "nested paging",
	    HV_SYSCTL_INT, &svm_caps.npt, NULL },
	{ "hw.vmm.svm.nrips", "next RIP saved on #VMEXIT",
	    HV_SYSCTL_INT, &svm_caps.nrips, NULL },
	{ "hw.vmm.svm.decode_assists", "decode assists",
	    HV_SYSCTL_INT, &svm_caps.decode_assists, NULL },
	{ "hw.vmm.svm.flush_by_asid", "TLB flush by ASID",
	    HV_SYSCTL_INT, &svm_caps.flush_by_asid, NULL },
	{ "hw.vmm.svm.asid_generations", "ASID generations started when a "
	    "CPU ran out of ASIDs (each flushes all of them)",
	    HV_SYSCTL_U64, &svm_asid_generations, NULL },
};

/* INVPCID is not intercepted (APM Vol. 2 15.9): it runs in the guest on
 * the guest's ASID, wherever the CPU has it. */
bool
svm_guest_invpcid(void)
{
	return true;
}

/* IA32_PKRS has no VMCB field: hv switches it itself (svm_msr.c) */
bool
svm_guest_pks(void)
{
	return svm_caps.pkrs;
}

int
svm_probe(void)
{
	uint32_t r[4];
	int error;

	hv_cpuid(0x80000000u, 0, r);
	if (r[0] < 0x8000000au)
		return HV_ENODEV;
	hv_cpuid(0x80000001u, 0, r);
	if (!(r[2] & X86_CPUID81_ECX_SVM))
		return HV_ENODEV;
	svm_caps.tsc_aux = (r[3] & X86_CPUID81_EDX_RDTSCP) != 0;
	hv_cpuid(0, 0, r);
	if (r[0] >= 7) {
		hv_cpuid(7, 0, r);
		svm_caps.tsc_aux |= (r[2] & X86_CPUID7_ECX_RDPID) != 0;
		/* the host's interrupt handlers of a stretch run with the
		 * guest's PKRS (svm_msr.c): harmless only while the host's
		 * own CR4.PKS is clear, as PKRS then rules none of its
		 * accesses (SDM Vol. 3A 4.6.2) */
		svm_caps.pkrs = (r[2] & X86_CPUID7_ECX_PKS) != 0 &&
		    !(hv_rdcr4() & X86_CR4_PKS);
	}
	/* APM 15.30.1: firmware can lock SVM off through VM_CR.SVMDIS. */
	if (hv_rdmsr(X86_MSR_VM_CR) & X86_VM_CR_SVMDIS) {
		hv_os_log("hv: SVM disabled by BIOS (VM_CR.SVMDIS=1)\n");
		return HV_ENODEV;
	}
	hv_cpuid(0x8000000au, 0, r);
	svm_caps.revision = r[0] & 0xff;
	svm_caps.nasid = r[1];
	svm_caps.edx = r[3];
	svm_caps.npt = (r[3] & SVM_EDX_NP) != 0;
	svm_caps.nrips = (r[3] & SVM_EDX_NRIPS) != 0;
	svm_caps.vmcb_clean = (r[3] & SVM_EDX_VMCB_CLEAN) != 0;
	svm_caps.flush_by_asid = (r[3] & SVM_EDX_FLUSH_BY_ASID) != 0;
	svm_caps.decode_assists = (r[3] & SVM_EDX_DECODE_ASSISTS) != 0;
	hv_cpuid(0x80000008u, 0, r);
	svm_caps.maxphyaddr = (int)(r[0] & 0xff);

	if (!svm_caps.npt) {
		hv_os_log("hv: SVM without nested paging (NPT) is not supported\n");
		return HV_ENODEV;
	}
	/* ASID 0 is the host's; a guest needs at least one more. */
	if (svm_caps.nasid < 2) {
		hv_os_log("hv: SVM reports %u ASIDs, need at least 2\n",
		    svm_caps.nasid);
		return HV_ENODEV;
	}
	error = hv_sysctl_add_all(svm_sysctls,
	    sizeof(svm_sysctls) / sizeof(svm_sysctls[0]));
	if (error != 0)
		return error;
	return svm_exit_stats_init();
}
