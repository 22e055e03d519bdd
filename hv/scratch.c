/*
 * scratch.c - scratch I/O ports (hv.h: hv_vm_add_scratch_port): four bytes
 * of storage at four consecutive ports that a test platform places, as the
 * PC test device of some emulators has at 0xe0.  A byte written at port
 * base+k is read back at base+k; a wider access is a run of bytes
 * (hv_pio_access), so any size at any offset reaches the bytes that fall
 * inside the four.  The bytes are shared by the VM's vCPUs: each is one
 * atomic byte access, as a device register would be.
 */
#include "core.h"

int
hv_vm_add_scratch_port(struct hv_vm *vm, unsigned port)
{
	unsigned i, p;

	if (vm == NULL || port > 0x10000 - HV_SCRATCH_BYTES)
		return HV_EINVAL;
	/* not over a port hv gives its own meaning */
	for (p = port; p < port + HV_SCRATCH_BYTES; p++)
		if ((p >= HV_GUEST_COM1 && p < HV_GUEST_COM1 + 8) ||
		    p == HV_GUEST_DEBUG_EXIT)
			return HV_EINVAL;
	for (i = 0; i < vm->nscratch; i++)
		if (port < vm->scratch[i].port + HV_SCRATCH_BYTES &&
		    vm->scratch[i].port < port + HV_SCRATCH_BYTES)
			return HV_EEXIST;
	if (vm->nscratch == HV_SCRATCH_MAX)
		return HV_ENOSPC;
	/* the vCPUs read the list without a lock: it is fixed before them */
	if (__atomic_load_n(&vm->nvcpus, __ATOMIC_SEQ_CST) != 0)
		return HV_EBUSY;
	vm->scratch[vm->nscratch].port = (uint16_t)port;
	hv_memset(vm->scratch[vm->nscratch].b, 0, HV_SCRATCH_BYTES);
	vm->nscratch++;
	return 0;
}

bool
hv_scratch_byte(struct hv_vm *vm, unsigned port, bool in, uint8_t *b)
{
	unsigned i, k;

	for (i = 0; i < vm->nscratch; i++) {
		k = port - vm->scratch[i].port;
		if (k >= HV_SCRATCH_BYTES)	/* below wraps to a large k */
			continue;
		if (in)
			*b = __atomic_load_n(&vm->scratch[i].b[k], __ATOMIC_RELAXED);
		else
			__atomic_store_n(&vm->scratch[i].b[k], *b, __ATOMIC_RELAXED);
		return true;
	}
	return false;
}
