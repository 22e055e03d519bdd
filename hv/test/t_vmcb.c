/*
 * t_vmcb.c - the VMCB control area hv/amd/vmcb.c writes, and hv's own
 * check that the intercepts keeping the host's machine checks, caches,
 * counters and sleep from the guest are set (vmcb_check_intercepts).
 */
#include <stdlib.h>
#include <string.h>
#include "test.h"
#include "amd/svm.h"
#include "amd/vmcb.h"

void
test_svm_intercepts_check(void)
{
	struct svm_vm vm = { .iopm_pa = 0x10000, .msrpm_pa = 0x20000 };
	static const struct {
		unsigned word;
		uint32_t bit;
		const char *name;
	} cases[] = {
		{ VMCB_INTERCEPT_EXC, 1u << X86_VEC_MC, "#MC intercept not set" },
		{ VMCB_INTERCEPT_MISC1, VMCB_I1_INVD, "INVD intercept not set" },
		{ VMCB_INTERCEPT_MISC1, VMCB_I1_RDPMC, "RDPMC intercept not set" },
		{ VMCB_INTERCEPT_MISC1, VMCB_I1_INVLPGA, "INVLPGA intercept not set" },
		{ VMCB_INTERCEPT_MISC2, VMCB_I2_WBINVD, "WBINVD intercept not set" },
		{ VMCB_INTERCEPT_MISC2, VMCB_I2_MONITOR, "MONITOR intercept not set" },
		{ VMCB_INTERCEPT_MISC2, VMCB_I2_MWAIT, "MWAIT intercept not set" },
	};
	uint8_t *v = aligned_alloc(HV_PAGE_SIZE, HV_PAGE_SIZE);
	const char *why;
	size_t i;

	memset(v, 0, HV_PAGE_SIZE);
	CHECK(vmcb_check_intercepts(v) != NULL);	/* a blank VMCB */
	vmcb_init_control(v, &vm, 0x30000);
	CHECK(vmcb_check_intercepts(v) == NULL);
	/* the #MC is the host's: vector 18 intercepted, next to #BP and #UD */
	CHECK_EQ(vmcb_rd32(v, VMCB_INTERCEPT_EXC), (1u << X86_VEC_BP) |
	    (1u << X86_VEC_UD) | (1u << X86_VEC_MC));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t w = vmcb_rd32(v, cases[i].word);

		vmcb_wr32(v, cases[i].word, w & ~cases[i].bit);
		why = vmcb_check_intercepts(v);
		CHECK(why != NULL && strcmp(why, cases[i].name) == 0);
		vmcb_wr32(v, cases[i].word, w);
		CHECK(vmcb_check_intercepts(v) == NULL);
	}
	free(v);
}
