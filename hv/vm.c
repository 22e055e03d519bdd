/*
 * vm.c - VM objects: create, destroy, numbering, the guest boot image.
 */
#include "core.h"
#include "x86_arch.h"

static struct hv_vm *volatile hv_vms[HV_MAX_VMS];

int
hv_vm_slot_get(struct hv_vm *vm)
{
	int i;

	for (i = 0; i < HV_MAX_VMS; i++) {
		struct hv_vm *expect = NULL;

		if (__atomic_compare_exchange_n(&hv_vms[i], &expect, vm, false,
		    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			vm->id = i;
			return 0;
		}
	}
	return HV_ENOSPC;
}

void
hv_vm_slot_put(struct hv_vm *vm)
{
	__atomic_store_n(&hv_vms[vm->id], NULL, __ATOMIC_SEQ_CST);
}

int
hv_vm_set_user_hypercalls(struct hv_vm *vm, uint64_t mask)
{
	if (vm == NULL)
		return HV_EINVAL;
	__atomic_store_n(&vm->user_hypercalls, mask, __ATOMIC_RELAXED);
	return 0;
}

uint64_t
hv_vm_user_hypercalls(const struct hv_vm *vm)
{
	return __atomic_load_n(&vm->user_hypercalls, __ATOMIC_RELAXED);
}

int
hv_vm_set_debugger(struct hv_vm *vm, bool on)
{
	if (vm == NULL)
		return HV_EINVAL;
	/* each vCPU's exception intercepts were set from it at its creation */
	if (__atomic_load_n(&vm->nvcpus, __ATOMIC_SEQ_CST) != 0)
		return HV_EBUSY;
	vm->host_debugger = on;
	return 0;
}

uint64_t
hv_vm_mem_size(const struct hv_vm *vm)
{
	return vm->mem_size;
}

int
hv_vm_add_ram(struct hv_vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t n = len >> HV_PAGE_SHIFT, apic = X86_APIC_DEFAULT_PA, i;
	void **pages, **swapped, **old_pages, **old_swapped;

	if (((gpa | len) & HV_PAGE_MASK) != 0 || len == 0 || gpa < vm->mem_size ||
	    gpa > (1ull << 32) || len > (1ull << 32) - gpa ||
	    len > HV_MAX_MEM - vm->mem_size ||
	    (gpa < apic + X86_APIC_PAGE && gpa + len > apic))
		return HV_EINVAL;
	if (vm->ram2_size != 0)
		return HV_EEXIST;
	if (__atomic_load_n(&vm->nvcpus, __ATOMIC_SEQ_CST) != 0)
		return HV_EBUSY;
	pages = hv_os_malloc((vm->npages + n) * sizeof(void *));
	swapped = hv_os_malloc((vm->npages + n) * sizeof(void *));
	if (pages == NULL || swapped == NULL) {
		if (pages != NULL)
			hv_os_free(pages);
		if (swapped != NULL)
			hv_os_free(swapped);
		return HV_ENOMEM;
	}
	/* the pages at 0 may be backed already (an image loaded first) */
	hv_vm_lock(vm);
	for (i = 0; i < vm->npages; i++) {
		pages[i] = vm->pages[i];
		swapped[i] = vm->swapped[i];
	}
	old_pages = vm->pages;
	old_swapped = vm->swapped;
	vm->pages = pages;
	vm->swapped = swapped;
	vm->npages += n;
	vm->ram2_gpa = gpa;
	vm->ram2_size = len;
	hv_vm_unlock(vm);
	hv_os_free(old_pages);
	hv_os_free(old_swapped);
	return 0;
}

/* Undo a (partial) creation; every step checks what exists. */
static void
vm_free(struct hv_vm *vm, bool backend, bool slot)
{
	if (backend)
		hv_ops->vm_fini(vm);
	if (vm->nt.root != NULL)
		hv_ntable_fini(&vm->nt);
	if (vm->pages != NULL && vm->swapped != NULL)
		hv_gmem_free_all(vm);
	if (vm->pages != NULL)
		hv_os_free(vm->pages);
	if (vm->swapped != NULL)
		hv_os_free(vm->swapped);
	if (slot)
		hv_vm_slot_put(vm);
	__atomic_store_n(&vm->magic, HV_DEAD_MAGIC, __ATOMIC_SEQ_CST);
	hv_os_free(vm);
	hv_vm_count_put();
}

int
hv_vm_create(uint64_t mem_size, struct hv_vm **out)
{
	struct hv_vm *vm;
	int error;

	*out = NULL;
	if (mem_size < HV_GUEST_MIN_MEM || mem_size > HV_MAX_MEM ||
	    (mem_size & HV_PAGE_MASK) != 0) {
		hv_os_log("hv: bad guest memory size %llu (4 KiB multiple, "
		    "%u to %llu bytes)\n", (unsigned long long)mem_size,
		    HV_GUEST_MIN_MEM, (unsigned long long)HV_MAX_MEM);
		return HV_EINVAL;
	}
	error = hv_vm_count_get();
	if (error != 0)
		return error;
	vm = hv_os_malloc(sizeof(*vm));
	if (vm == NULL) {
		hv_vm_count_put();
		return HV_ENOMEM;
	}
	vm->magic = HV_VM_MAGIC;
	vm->mem_size = mem_size;
	vm->npages = mem_size >> HV_PAGE_SHIFT;
	/* generation 1: each CPU flushes before its first entry of this VM,
	 * dropping anything a previous user of the tag/root left behind */
	vm->inval_gen = 1;
	hv_vm_model_init(vm);
	vm->pages = hv_os_malloc(vm->npages * sizeof(void *));
	vm->swapped = hv_os_malloc(vm->npages * sizeof(void *));
	if (vm->pages == NULL || vm->swapped == NULL) {
		vm_free(vm, false, false);
		return HV_ENOMEM;
	}
	error = hv_ntable_init(&vm->nt, hv_ops->ntfmt);
	if (error != 0) {
		vm_free(vm, false, false);
		return error;
	}
	error = hv_vm_slot_get(vm);
	if (error != 0) {
		vm_free(vm, false, false);
		return error;
	}
	error = hv_ops->vm_init(vm);
	if (error != 0) {
		/* the backend undid its own part: do not call vm_fini */
		vm_free(vm, false, true);
		return error;
	}
	*out = vm;
	return 0;
}

int
hv_vm_destroy(struct hv_vm *vm)
{
	int i;

	if (vm == NULL)
		return HV_EINVAL;
	/* the quirk's handles die before dying is seen (hv_vcpu_kill_handle) */
	for (i = 0; HV_QUIRK(exec_frees_vmm) && i < HV_MAX_VCPUS; i++) {
		if (vm->vcpus[i] != NULL)
			hv_vcpu_kill_handle(vm->vcpus[i]);
	}
	if (__atomic_exchange_n(&vm->dying, 1, __ATOMIC_SEQ_CST) != 0)
		return HV_EBUSY;	/* a destroy is already under way */
	/* each vCPU is kicked out of the guest and waited for (its run sees
	 * dying and returns HV_ENOENT); its handle outlives the VM while held */
	for (i = 0; i < HV_MAX_VCPUS; i++) {
		if (vm->vcpus[i] != NULL)
			hv_vcpu_destroy_dying(vm->vcpus[i]);
	}
	hv_console_fini(vm);
	vm_free(vm, true, true);
	return 0;
}

bool
hv_vcpu_in_run(const struct hv_vcpu *vcpu)
{
	/* in_run is 1 inside hv_vcpu_run() (vcpu.c), 0 idle, -1 torn down */
	return __atomic_load_n(&vcpu->in_run, __ATOMIC_SEQ_CST) == 1;
}

/* Boot page tables (hv_abi.h): PML4, PDPT, PD at 0x1000, 0x2000, 0x3000. */
#define BOOT_PDPT	(HV_GUEST_PML4_GPA + 0x1000u)
#define BOOT_PD		(HV_GUEST_PML4_GPA + 0x2000u)

/*
 * Write a whole table page at gpa: entry i < n is e0 + i * step, the rest
 * zero (a reload must not keep stale entries).  In chunks, to keep the
 * kernel stack small.
 */
static int
write_table(struct hv_vm *vm, uint64_t gpa, uint64_t e0, uint64_t step, uint64_t n)
{
	uint64_t chunk[32], i, j;
	int error;

	for (i = 0; i < 512; i += 32) {
		for (j = 0; j < 32; j++)
			chunk[j] = i + j < n ? e0 + (i + j) * step : 0;
		error = hv_gpa_write(vm, gpa + i * 8, chunk, sizeof(chunk));
		if (error != 0)
			return error;
	}
	return 0;
}

int
hv_vm_load_image(struct hv_vm *vm, const void *image, size_t len)
{
	int error;

	if (len == 0 || len > vm->mem_size - HV_GUEST_LOAD_GPA) {
		hv_os_log("hv: guest image of %lu bytes does not fit in %llu bytes "
		    "of guest memory above 0x%x\n", (unsigned long)len,
		    (unsigned long long)vm->mem_size, HV_GUEST_LOAD_GPA);
		return HV_EINVAL;
	}
	error = hv_gpa_write(vm, HV_GUEST_LOAD_GPA, image, len);
	if (error == 0)
		error = write_table(vm, HV_GUEST_PML4_GPA, BOOT_PDPT | X86_PTE_P | X86_PTE_RW,
		    0, 1);
	if (error == 0)
		error = write_table(vm, BOOT_PDPT, BOOT_PD | X86_PTE_P | X86_PTE_RW, 0, 1);
	/* identity map of all guest memory; HV_MAX_MEM keeps it in one PD */
	if (error == 0)
		error = write_table(vm, BOOT_PD, X86_PTE_P | X86_PTE_RW | X86_PTE_PS, 1ull << 21,
		    (vm->mem_size + (1ull << 21) - 1) >> 21);
	return error;
}
