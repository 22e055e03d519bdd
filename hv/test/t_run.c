/*
 * t_run.c - hv_vcpu_run()'s outcomes: disabled, a decoded error exit
 * (counted), and the use-after-free check of the vCPU and VM magics before
 * the entry and after it (a teardown under a running vCPU: DragonFly 2013's
 * reboot/execve bug), which reports instead of touching the dead objects.
 */
#include <string.h>
#include "test.h"


static uint64_t *corrupt_at;	/* run hook: overwrite this magic */

static int
error_exit(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	hv_exit_error(ex, HV_EIO, 33, "exit %u (%s)", 33u, "entry_fail_guest_state");
	return 0;
}

static int
torn_down_inside(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	*corrupt_at = HV_DEAD_MAGIC;
	ex->kind = HV_EXIT_INTR;
	return 0;
}

void
test_vcpu_run_outcomes(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	struct hv_exit ex;

	t_setup_vcpu(&vm, &vcpu);
	/* an error exit reaches the host and is counted */
	fake_run_hook = error_exit;
	CHECK_EQ(hv_vcpu_run(vcpu, &ex), 0);
	CHECK_EQ(ex.kind, HV_EXIT_ERROR);
	CHECK(strcmp(ex.msg, "exit 33 (entry_fail_guest_state)") == 0);
	CHECK_EQ(HV_STAT(guest_errors), 1);
	/* a dead vCPU or VM before the entry: reported, no entry */
	fake_run_hook = NULL;
	vcpu->magic = HV_DEAD_MAGIC;
	fake_log_clear();
	CHECK_EQ(hv_vcpu_run(vcpu, &ex), 0);
	CHECK_EQ(ex.kind, HV_EXIT_ERROR);
	CHECK(strstr(ex.msg, "use-after-free: vcpu ") != NULL &&
	    strstr(ex.msg, "ran after its teardown (magic 0x6465616466726565)") != NULL);
	CHECK(strstr(fake_log(), "use-after-free") != NULL);
	CHECK_EQ(vcpu->entries, 0);
	vcpu->magic = HV_VCPU_MAGIC;
	vm->magic = HV_DEAD_MAGIC;
	CHECK_EQ(hv_vcpu_run(vcpu, &ex), 0);
	CHECK(strstr(ex.msg, "use-after-free: vcpu 0 ran after its VM ") != NULL);
	vm->magic = HV_VM_MAGIC;
	CHECK_EQ(vcpu->entries, 0);
	/* torn down while inside the backend's run: reported after it */
	corrupt_at = &vm->magic;
	fake_run_hook = torn_down_inside;
	CHECK_EQ(hv_vcpu_run(vcpu, &ex), 0);
	CHECK_EQ(ex.kind, HV_EXIT_ERROR);
	CHECK(strstr(ex.msg, "was torn down") != NULL);
	/* the report leaves the run claimed (nothing of the dead objects is
	 * touched); revive them for the teardown of this test */
	vm->magic = HV_VM_MAGIC;
	vcpu->in_run = 0;
	vcpu->running_on = -1;
	fake_run_hook = NULL;
	CHECK_EQ(hv_vcpu_run(vcpu, &ex), 0);
	CHECK_EQ(ex.kind, HV_EXIT_INTR);
	/* disabled: refused before anything */
	CHECK_EQ(hv_set_enable(false), HV_EBUSY);	/* a VM exists */
	CHECK_EQ(hv_vm_destroy(vm), 0);
	CHECK_EQ(hv_set_enable(false), 0);
	CHECK_EQ(hv_vcpu_run(vcpu, &ex), HV_ENODEV);	/* not dereferenced */
	hv_fini();
}

/* hv_vcpu_boot: the core refuses what a boot state cannot hold, and a good
 * one reaches the backend whole. */
void
test_vcpu_boot_states(void)
{
	struct hv_boot b = { .mode = HV_BOOT_PROT32, .rip = 0x400000, .rsp = 0x8000,
	    .eax = 0x2badb002, .ebx = 0x9500 };
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	struct hv_regs r;

	t_setup_vcpu(&vm, &vcpu);
	CHECK_EQ(hv_vcpu_boot(vcpu, &b), 0);
	CHECK_EQ(hv_vcpu_get_regs(vcpu, &r), 0);
	CHECK_EQ(r.rip, 0x400000);
	CHECK_EQ(r.rsp, 0x8000);
	CHECK_EQ(r.rax, 0x2badb002);
	CHECK_EQ(r.rbx, 0x9500);
	CHECK_EQ(r.cr0, 0x11);
	/* a 32-bit entry cannot start above 4 GiB */
	b.rip = 0x100000000ull;
	CHECK_EQ(hv_vcpu_boot(vcpu, &b), HV_EINVAL);
	b.rip = 0x400000;
	b.rsp = 0x100000000ull;
	CHECK_EQ(hv_vcpu_boot(vcpu, &b), HV_EINVAL);
	/* a 64-bit one not at a non-canonical address */
	b.mode = HV_BOOT_LONG64;
	b.rsp = 0x8000;
	b.rip = 0x0000800000000000ull;
	CHECK_EQ(hv_vcpu_boot(vcpu, &b), HV_EINVAL);
	b.mode = (enum hv_boot_mode)7;
	b.rip = 0x400000;
	CHECK_EQ(hv_vcpu_boot(vcpu, &b), HV_EINVAL);
	/* nothing refused changed the vCPU */
	CHECK_EQ(hv_vcpu_get_regs(vcpu, &r), 0);
	CHECK_EQ(r.rip, 0x400000);
	CHECK_EQ(r.rax, 0x2badb002);
	/* and back to hv_abi.h's */
	CHECK_EQ(hv_vcpu_boot(vcpu, &hv_boot_abi), 0);
	CHECK_EQ(hv_vcpu_get_regs(vcpu, &r), 0);
	CHECK_EQ(r.rip, HV_GUEST_LOAD_GPA);
	CHECK_EQ(r.rdi, T_MEM);
	CHECK_EQ(r.efer, 0xd00);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}
