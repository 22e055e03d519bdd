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
	const struct vmcb_intercept *r = vmcb_required;
	uint8_t *v = aligned_alloc(HV_PAGE_SIZE, HV_PAGE_SIZE);
	const char *why;
	size_t i;

	memset(v, 0, HV_PAGE_SIZE);
	CHECK(vmcb_check_intercepts(v) != NULL);	/* a blank VMCB */
	vmcb_init_control(v, &vm, 1u << X86_VEC_MC, 0x30000);
	CHECK(vmcb_check_intercepts(v) == NULL);
	CHECK_EQ(vmcb_rd32(v, VMCB_INTERCEPT_EXC), 1u << X86_VEC_MC);
	/* #MC and the six host-CPU instructions of hv/exit.c */
	CHECK_EQ(vmcb_nrequired, 7);
	CHECK(r[0].word == VMCB_INTERCEPT_EXC && r[0].bit == 1u << X86_VEC_MC &&
	    strcmp(r[0].name, "#MC intercept not set") == 0);
	for (i = 0; i < vmcb_nrequired; i++) {
		uint32_t w = vmcb_rd32(v, r[i].word);

		vmcb_wr32(v, r[i].word, w & ~r[i].bit);
		why = vmcb_check_intercepts(v);
		CHECK(why != NULL && strcmp(why, r[i].name) == 0);
		vmcb_wr32(v, r[i].word, w);
		CHECK(vmcb_check_intercepts(v) == NULL);
	}
	/* the per-run form checks again only when a word it reads changed:
	 * every required bit lies in one of them */
	for (i = 0; i < vmcb_nrequired; i++)
		CHECK(r[i].word == VMCB_INTERCEPT_EXC ||
		    r[i].word == VMCB_INTERCEPT_MISC1 ||
		    r[i].word == VMCB_INTERCEPT_MISC2);
	{
		uint32_t seen[3] = { ~0u, ~0u, ~0u };
		uint32_t w = vmcb_rd32(v, VMCB_INTERCEPT_MISC2);

		CHECK(vmcb_check_intercepts_changed(v, seen) == NULL);
		CHECK_EQ(seen[2], w);
		vmcb_wr32(v, VMCB_INTERCEPT_MISC2, w & ~VMCB_I2_MWAIT);
		why = vmcb_check_intercepts_changed(v, seen);
		CHECK(why != NULL && strcmp(why, "MWAIT intercept not set") == 0);
		CHECK_EQ(seen[2], w);	/* a refused set is never cached */
		why = vmcb_check_intercepts_changed(v, seen);
		CHECK(why != NULL);
	}
	free(v);
}
