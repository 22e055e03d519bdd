/*
 * vmport.c - the VMware backdoor, for a VM whose CPU model has it
 * (hv_vm_set_model): the interface VMware documents for its guests, which
 * some guest software probes.  A 32-bit IN from I/O port 0x5658 with the
 * magic 0x564d5868 ("VMXh") in EAX runs the command in CX; hv answers
 * GETVERSION (10): EAX the interface version, EBX the magic, ECX the
 * product type; any other command leaves the registers as they were.  The
 * port answers at any CPL, whatever IOPL and the TSS I/O permission bitmap
 * say, and RDPMC of the pseudo-counters 0x10000 (the host's TSC), 0x10001
 * (real time) and 0x10002 (apparent time, the same here), in nanoseconds,
 * at any CPL whatever CR4.PCE says: the CPU raises #GP(0) for those before
 * any exit (SDM Vol. 2A IN, Vol. 2B RDPMC; APM Vol. 3), so with the
 * backdoor the VM intercepts #GP (hv_exception_intercepts) and hv_vx_gp
 * decodes the faulting instruction.  Port 0x5659 (the high-bandwidth
 * channel, REP INSB/OUTSB of a buffer the commands on 0x5658 set up) is
 * not given: its string I/O reaches an absent port (hv/strio.c), and so
 * does string I/O on 0x5658.
 */
#include "core.h"
#include "x86_arch.h"

#define VMPORT_PORT		0x5658
#define VMPORT_MAGIC		0x564d5868u
#define VMPORT_CMD_GETVERSION	10
#define VMPORT_VERSION		6	/* EAX of GETVERSION */
#define VMPORT_PRODUCT		2	/* ECX of GETVERSION: a server product */
#define VMPORT_PMC_HOST_TSC	0x10000u
#define VMPORT_PMC_REAL_TIME	0x10001u
#define VMPORT_PMC_APPARENT_TIME 0x10002u
/* prefixes a faulting IN/OUT/RDPMC may carry that hv decodes, at most */
#define VMPORT_INSN_MAX		4

static bool
backdoor_port(const struct hv_vm *vm, unsigned port)
{
	return vm->model.vmware_backdoor && port == VMPORT_PORT;
}

bool
hv_vmport_pio(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	uint64_t *g = vx->gpr;

	/* a command is a 32-bit IN with the magic; anything else on the
	 * port is an access to nothing (hv/exit.c) */
	if (!backdoor_port(vcpu->vm, vx->io.port) || !vx->io.in ||
	    vx->io.size != 4 || (uint32_t)g[HV_RAX] != VMPORT_MAGIC)
		return false;
	if ((uint16_t)g[HV_RCX] == VMPORT_CMD_GETVERSION) {
		g[HV_RAX] = VMPORT_VERSION;
		g[HV_RBX] = VMPORT_MAGIC;
		g[HV_RCX] = VMPORT_PRODUCT;
	}
	vx->skip = true;
	return true;
}

bool
hv_vmport_rdpmc(struct hv_vcpu *vcpu, uint64_t *gpr)
{
	uint64_t v;

	if (!vcpu->vm->model.vmware_backdoor)
		return false;
	switch ((uint32_t)gpr[HV_RCX]) {
	case VMPORT_PMC_HOST_TSC:
		v = hv_rdtsc();
		break;
	case VMPORT_PMC_REAL_TIME:
	case VMPORT_PMC_APPARENT_TIME:
		v = hv_os_time_ns();
		break;
	default:
		return false;
	}
	/* RDPMC writes EDX:EAX, zero-extended into RDX:RAX */
	gpr[HV_RAX] = v & 0xffffffffull;
	gpr[HV_RDX] = v >> 32;
	return true;
}

/*
 * A #GP the guest raised with no event being delivered: an IN or OUT
 * through DX (EC..EF, with an operand-size or REX prefix) on the backdoor
 * port, or RDPMC (0F 33) of a pseudo-counter, is done in its place (skip,
 * len); anything else is left to the backend, which delivers the #GP to
 * the guest as it came.  The bytes are read at RIP as a linear address
 * (hv_insn_fetch).
 */
int
hv_vx_gp(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex)
{
	uint8_t b[VMPORT_INSN_MAX + 2];
	size_t n, i = 0;
	struct hv_vmexit pio;
	unsigned opsize = 4;
	int rc;

	n = hv_insn_fetch(vcpu, vx->rip, b, sizeof(b));
	for (; i < n && i < VMPORT_INSN_MAX; i++) {
		if (b[i] == 0x66)
			opsize = 2;
		/* REX exists in 64-bit code only (40-4F are INC/DEC elsewhere) */
		else if (!vx->code64 || (b[i] & 0xf0) != 0x40)
			break;
	}
	if (i + 2 <= n && b[i] == 0x0f && b[i + 1] == 0x33 &&
	    hv_vmport_rdpmc(vcpu, vx->gpr)) {
		vx->skip = true;
		vx->len = (unsigned)i + 2;
		return HV_RESUME;
	}
	if (i >= n || (b[i] & 0xfc) != 0xec ||
	    !backdoor_port(vcpu->vm, (uint16_t)vx->gpr[HV_RDX]))
		return HV_RESUME;
	/* IN/OUT AL|eAX, DX: the port's rule as if the access had exited */
	pio = (struct hv_vmexit){ .kind = HV_VX_PIO, .rip = vx->rip,
	    .gpr = vx->gpr };
	pio.io.port = (uint16_t)vx->gpr[HV_RDX];
	pio.io.size = (b[i] & 1) ? (uint8_t)opsize : 1;
	pio.io.in = (b[i] & 2) == 0;
	rc = hv_vx_pio(vcpu, &pio, ex);
	vx->skip = pio.skip;
	vx->len = (unsigned)i + 1;
	return rc;
}
