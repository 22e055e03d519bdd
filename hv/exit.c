/*
 * exit.c - the guest-visible rules of the exits both backends share, once:
 * the backend decodes its exit information into a struct hv_vmexit, calls
 * hv_vmexit() and applies the result (registers, instruction completion).
 * Port I/O (COM1 is hv/uart.c, the debug-exit port ends the guest, a VM's
 * scratch ports are hv/scratch.c, every other port is absent; INS/OUTS are
 * hv/strio.c), CPUID, HLT, shutdown, MSRs (hv/msr.c), the cache,
 * counter and monitor instructions, and which exception a guest gets when
 * one arises while another event is delivered.
 */
#include "core.h"
#include "x86_arch.h"

/* ---- port I/O ------------------------------------------------------------- */

static bool
com1_reg(unsigned port, unsigned *reg)
{
	if (port < HV_GUEST_COM1 || port >= HV_GUEST_COM1 + 8)
		return false;
	*reg = port - HV_GUEST_COM1;
	return true;
}

/* Ports whose writes are dropped without a word: the legacy PICs guests
 * mask, the emulators' shutdown port they write on their way out. */
static bool
quiet_port(unsigned port)
{
	return (port & ~1u) == X86_PIC1_PORT || (port & ~1u) == X86_PIC2_PORT ||
	    port == HV_GUEST_SHUTDOWN_PORT;
}

/*
 * A 16- or 32-bit access to 8-bit devices is a run of byte accesses to
 * consecutive ports, lowest byte first, as the bus splits it.  Nothing
 * answers outside COM1 and the VM's scratch ports (hv/scratch.c): reads
 * float to all ones, writes are dropped.
 */
uint32_t
hv_pio_access(struct hv_vcpu *vcpu, unsigned port, unsigned size, bool in,
    uint32_t val)
{
	unsigned i, reg, p;
	uint32_t got = 0;
	uint8_t b;
	bool known = false;

	for (i = 0; i < size; i++) {
		p = (port + i) & 0xffff;
		b = (uint8_t)(val >> (8 * i));
		if (com1_reg(p, &reg)) {
			if (in)
				b = hv_uart_read(vcpu, reg);
			else
				hv_uart_write(vcpu, reg, b);
		} else if (!hv_scratch_byte(vcpu->vm, p, in, &b)) {
			got |= 0xffu << (8 * i);
			continue;
		}
		known = true;
		got |= (uint32_t)b << (8 * i);
	}
	if (!known && !in && !quiet_port(port))
		hv_ratelog("io", "guest%d.%d: out%c 0x%llx to port 0x%x "
		    "ignored\n", vcpu->vm->id, vcpu->id,
		    size == 1 ? 'b' : size == 2 ? 'w' : 'l',
		    (unsigned long long)(val & (0xffffffffu >> (32 - 8 * size))),
		    port);
	return got;
}

static int
pio_bytes(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	unsigned size = vx->io.size;
	uint64_t mask, rax = vx->gpr[HV_RAX], val;

	val = hv_pio_access(vcpu, vx->io.port, size, vx->io.in, (uint32_t)rax);
	if (vx->io.in) {
		/* IN to AL/AX keeps the rest of RAX; IN to EAX zero-extends */
		mask = (1ull << (8 * size)) - 1;
		vx->gpr[HV_RAX] = size == 4 ? val : (rax & ~mask) | val;
	}
	vx->skip = true;
	return HV_RESUME;
}

/* string I/O, the debug-exit port and everything but a byte of COM1 */
static int __attribute__((noinline))
pio_other(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex)
{
	if (vx->io.string)
		return hv_vx_strio(vcpu, vx, ex);
	if (vx->io.port == HV_GUEST_DEBUG_EXIT && !vx->io.in) {
		/* the guest ends with the value written (hv_abi.h) */
		ex->kind = HV_EXIT_DONE;
		ex->code = (int64_t)(vx->gpr[HV_RAX] &
		    ((1ull << (8 * vx->io.size)) - 1));
		vx->skip = true;
		return 0;
	}
	if (hv_vmport_pio(vcpu, vx))
		return HV_RESUME;
	return pio_bytes(vcpu, vx);
}

int
hv_vx_pio(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex)
{
	unsigned reg;

	if (vx->io.string || vx->io.size != 1 || !com1_reg(vx->io.port, &reg))
		return pio_other(vcpu, vx, ex);
	/* the common case, pio_bytes' loop for one byte of COM1 */
	if (vx->io.in)
		vx->gpr[HV_RAX] = (vx->gpr[HV_RAX] & ~0xffull) |
		    hv_uart_read(vcpu, reg);
	else
		hv_uart_write(vcpu, reg, (uint8_t)vx->gpr[HV_RAX]);
	vx->skip = true;
	return HV_RESUME;
}

/* ---- the rest ------------------------------------------------------------ */

/*
 * HLT: the only interrupts a guest gets are the ones its host queues
 * (hv_vcpu_inject_irq).  With RFLAGS.IF=0 a HLT never wakes: the guest is
 * stopped.  With IF=1 the HLT completes (RIP past it, as after a wake-up);
 * with an interrupt queued the guest is entered again at once and takes
 * it, else the run returns HV_EXIT_INTR, a yield: the host may run the
 * guest again or stop it with its watchdog.  A guest is never entered
 * halted.
 */
int
hv_vx_hlt(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex)
{
	if (!(vx->rflags & X86_RFLAGS_IF))
		return hv_vcpu_stop(vcpu, ex, HV_EINVAL, ex->raw_reason, vx->rip,
		    "HLT with interrupts disabled: it would never wake");
	vx->skip = true;
	if (hv_irq_next(vcpu) >= 0)
		return HV_RESUME;
	ex->kind = HV_EXIT_INTR;
	return 0;
}

/*
 * MONITOR/MWAIT exist for the guest while IA32_MISC_ENABLE's ENABLE
 * MONITOR FSM is set (hv/msr.c; CPUID.01H:ECX.MONITOR follows it,
 * hv/cpuid.c), else they are #UD (SDM Vol. 2B MONITOR, MWAIT; Vol. 4
 * Table 2-2).  A guest MWAIT must not park the host CPU: it completes at
 * once, as after a wake-up event, which the SDM allows (MWAIT: the
 * processor may leave the optimized state for implementation-dependent
 * reasons, so software checks its condition again).  Nothing is armed, so
 * MONITOR only checks its operands: ECX holds extensions and there are
 * none (#GP(0) unless 0).  Its address is not translated: where the CPU
 * would raise #GP or #PF for it, the guest sees MONITOR complete.  MWAIT's
 * ECX: bit 0 (interrupts wake it even when masked) only with CPUID.05H:
 * ECX[1], bits 31:1 reserved; else #GP(0).
 */
static void
monitor_mwait(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	uint32_t ecx = (uint32_t)vx->gpr[HV_RCX], r[4], ok = 0;

	if (!(vcpu->misc_enable & X86_MISC_MONITOR)) {
		vx->ud = true;
		return;
	}
	if (vx->kind == HV_VX_MWAIT) {
		/* the guest's leaf 5 is the host's (hv/cpuid.c) */
		hv_cpuid(X86_CPUID_LEAF_MWAIT, 0, r);
		if (r[2] & X86_CPUID5_ECX_INT_BREAK)
			ok = 1;
	}
	if (ecx & ~ok)
		vx->gp = true;
	else
		vx->skip = true;
}

/*
 * The instructions a guest must not run on the host CPU as they are.  Both
 * backends intercept them (SVM: APM Vol. 2 15.9 intercept words; VMX: INVD
 * exits unconditionally, RDPMC/MONITOR/MWAIT/WBINVD exiting, SDM Vol. 3C
 * 25.1.3, 25.6.2); privilege checks come before the exit on both (APM 15.9,
 * SDM 25.1.1), so the guest is at CPL 0 here, or CR4.PCE=1 for RDPMC.
 *
 * INVD would drop dirty lines of the whole host, WBINVD stall it with a
 * flush of every cache level: guest memory is ordinary write-back memory
 * the host keeps coherent and the guest has no device that needs it
 * written back, so both complete with nothing done.  RDPMC: the guest has
 * no performance counters (CPUID leaf 0xA reports none; the counter MSRs
 * raise #GP), so every ECX names a counter that does not exist: #GP(0)
 * (SDM Vol. 2B / APM Vol. 3 RDPMC), but for the VMware backdoor's
 * pseudo-counters where the VM has it (hv/vmport.c).  MONITOR/MWAIT: see
 * monitor_mwait.
 */
int
hv_vx_insn(struct hv_vcpu *vcpu, struct hv_vmexit *vx)
{
	switch (vx->kind) {
	case HV_VX_INVD:
	case HV_VX_WBINVD:
		vx->skip = true;
		break;
	case HV_VX_RDPMC:
		if (hv_vmport_rdpmc(vcpu, vx->gpr))
			vx->skip = true;
		else
			vx->gp = true;
		break;
	default:		/* MONITOR, MWAIT */
		monitor_mwait(vcpu, vx);
		break;
	}
	return HV_RESUME;
}

/*
 * The CPU is in shutdown (a triple fault): only INIT or a reset would leave
 * it, so the vCPU is dead.  The stop names the state a triple fault is
 * read from, as facts after the message: the stack, paging, and the IDT
 * that could not deliver (docs/CONSOLE.md).
 */
int
hv_vx_shutdown(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex)
{
	size_t len;

	vcpu->dead = true;
	(void)hv_vcpu_stop(vcpu, ex, HV_EFAULT, ex->raw_reason, vx->rip,
	    "triple fault");
	for (len = 0; ex->msg[len] != '\0'; len++)
		;
	(void)hv_snprintf(ex->msg + len, sizeof(ex->msg) - len, " rsp=0x%llx "
	    "cr0=0x%llx cr3=0x%llx idtr=0x%llx idtr_limit=0x%x",
	    (unsigned long long)vx->rsp, (unsigned long long)vx->cr0,
	    (unsigned long long)vx->cr3, (unsigned long long)vx->idtr_base,
	    (unsigned)vx->idtr_limit);
	return 0;
}

/*
 * With the intercept (SVM exception 18, APM 15.12; VMX exception bitmap
 * bit 18, SDM Vol. 3C 25.2) a #MC taken in the guest was not delivered to
 * it: it is the host's, whose handler decides.  If that returns, the guest
 * goes on where it was.
 */
int
hv_vx_machine_check(void)
{
	HV_STAT_INC(machine_checks);
	hv_os_machine_check();
	return HV_RESUME;
}

/*
 * The host's own event (external interrupt, NMI, SMI, the VMX preemption
 * timer's end of the slice): nothing for the guest; the host takes it once
 * the world switch gives interrupts back (SVM: STGI in svm_switch.S; VMX:
 * the end of the stretch enables them, hv/run.h).
 */
int
hv_exit_host_intr(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	ex->kind = HV_EXIT_INTR;
	return 0;
}

/* The guest can take its queued interrupt now: the backend's irq_prepare
 * injects it at the next entry. */
int
hv_exit_irq_window(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	HV_STAT_INC(irq_windows);
	return HV_RESUME;
}

/* The guest stopped blocking NMIs (its IRET): the backend's irq_prepare
 * injects the pending one at the next entry. */
int
hv_exit_nmi_window(struct hv_vcpu *vcpu, struct hv_exit *ex)
{
	HV_STAT_INC(nmi_windows);
	return HV_RESUME;
}

int
hv_vx_unknown(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex)
{
	return hv_vcpu_stop(vcpu, ex, HV_EIO, ex->raw_reason, vx->rip,
	    "exit record of unknown kind %d", (int)vx->kind);
}

/* ---- exceptions ------------------------------------------------------------ */

uint32_t
hv_exception_intercepts(const struct hv_vm *vm)
{
	uint32_t exc = (1u << X86_VEC_UD) | (1u << X86_VEC_MC);

	if (vm->host_debugger)
		exc |= 1u << X86_VEC_BP;
	/* the backdoor answers where the CPU raises #GP (hv/vmport.c) */
	if (vm->model.vmware_backdoor)
		exc |= 1u << X86_VEC_GP;
	/* a guest MAXPHYADDR below the CPU's: its #PFs may owe RSVD
	 * (hv/maxphy.c, hv_maxphy_pf) */
	if (vm->model.phys_bits < (unsigned)hv_guest_maxphyaddr)
		exc |= 1u << X86_VEC_PF;
	return exc;
}

/* an exception during the delivery of an event */

bool
hv_exception_fault(unsigned vector)
{
	/* Table 6-1's faults: #DE #BR #UD #NM #TS #NP #SS #GP #PF #MF #AC #XM
	 * #VE #CP; #DB is a trap for everything hv injects, #BP and #OF are
	 * traps, #DF and #MC aborts */
	static const uint32_t faults = (1u << 0) | (1u << 5) | (1u << 6) | (1u << 7) |
	    (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13) | (1u << 14) |
	    (1u << 16) | (1u << 17) | (1u << 19) | (1u << 20) | (1u << 21);

	return vector < 32 && (faults >> vector) & 1;
}

bool
hv_exception_pushes_error(uint64_t cr0)
{
	return (cr0 & X86_CR0_PE) != 0;
}

/* SDM Vol. 3A 6.15 Table 6-4 (APM Vol. 2 8.2.9 has the same classes) */
static bool
contributory(unsigned v)
{
	return v == 0 || (v >= 10 && v <= 13);	/* #DE #TS #NP #SS #GP */
}

enum hv_event_merge
hv_exception_merge(uint32_t first, unsigned vector)
{
	unsigned f;

	/* an interrupt or software event being delivered is benign */
	if (!(first & X86_EVENT_VALID) ||
	    x86_event_type(first) != X86_EVENT_HW_EXC)
		return HV_MERGE_SECOND;
	f = first & X86_EVENT_VECTOR;
	/* SDM Vol. 3A 6.15 Table 6-5 */
	if (f == X86_VEC_DF)
		return contributory(vector) || vector == X86_VEC_PF ?
		    HV_MERGE_SHUTDOWN : HV_MERGE_SECOND;
	if (contributory(f) && contributory(vector))
		return HV_MERGE_DOUBLE_FAULT;
	if (f == X86_VEC_PF && (contributory(vector) || vector == X86_VEC_PF))
		return HV_MERGE_DOUBLE_FAULT;
	return HV_MERGE_SECOND;
}

bool
hv_exception_reflect(uint32_t first, unsigned *vector, bool *has_err,
    uint32_t *err)
{
	switch (hv_exception_merge(first, *vector)) {
	case HV_MERGE_SHUTDOWN:
		return false;
	case HV_MERGE_DOUBLE_FAULT:
		*vector = X86_VEC_DF;
		*has_err = true;
		*err = 0;
		break;
	case HV_MERGE_SECOND:
		break;
	}
	return true;
}
