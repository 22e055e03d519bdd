/*
 * svm_maps.c - the I/O and MSR permission maps of a VM (AMD APM Vol. 2
 * 15.10.1, 15.11).  A set bit intercepts.  Every port is intercepted (the
 * guest serial port is emulated, nothing else exists); every MSR is too,
 * except reads of FS_BASE, GS_BASE and KERNEL_GS_BASE, which VMLOAD/VMSAVE
 * switch anyway, so the guest reads them at full speed.  Their writes exit
 * for hv/msr.c's canonical check (the VMLOAD before the next VMRUN takes
 * the value from the VMCB).
 */
#include "svm.h"

/*
 * MSRPM: three 2 KiB vectors for MSRs 0000_0000-0000_1FFF,
 * C000_0000-C000_1FFF and C001_0000-C001_1FFF; two bits per MSR (even bit:
 * read, odd bit: write).
 */
static void
msrpm_pass_read(uint8_t *pm, uint32_t msr)
{
	uint32_t base;
	unsigned bit;

	if (msr >= 0xc0010000u && msr < 0xc0012000u)
		base = 0x1000, msr -= 0xc0010000u;
	else if (msr >= 0xc0000000u && msr < 0xc0002000u)
		base = 0x800, msr -= 0xc0000000u;
	else
		base = 0, msr &= 0x1fff;
	bit = msr * 2;
	pm[base + bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

int
svm_maps_init(struct svm_vm *s)
{
	s->iopm = hv_os_contig_alloc(SVM_IOPM_PAGES);
	s->msrpm = hv_os_contig_alloc(SVM_MSRPM_PAGES);
	if (s->iopm == NULL || s->msrpm == NULL) {
		svm_maps_fini(s);
		return HV_ENOMEM;
	}
	hv_memset(s->iopm, 0xff, SVM_IOPM_PAGES * HV_PAGE_SIZE);
	hv_memset(s->msrpm, 0xff, SVM_MSRPM_PAGES * HV_PAGE_SIZE);
	msrpm_pass_read(s->msrpm, X86_MSR_FS_BASE);
	msrpm_pass_read(s->msrpm, X86_MSR_GS_BASE);
	msrpm_pass_read(s->msrpm, X86_MSR_KERNEL_GS_BASE);
	s->iopm_pa = hv_os_virt_to_phys(s->iopm);
	s->msrpm_pa = hv_os_virt_to_phys(s->msrpm);
	return 0;
}

void
svm_maps_fini(struct svm_vm *s)
{
	if (s->iopm != NULL)
		hv_os_contig_free(s->iopm, SVM_IOPM_PAGES);
	if (s->msrpm != NULL)
		hv_os_contig_free(s->msrpm, SVM_MSRPM_PAGES);
	s->iopm = NULL;
	s->msrpm = NULL;
}
