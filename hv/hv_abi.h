/*
 * hv_abi.h - what a guest sees of hv: the hypercall ABI and the boot state.
 * Shared by hv/ and guests/lib; no host types, no host headers.
 *
 * Hypercall: RAX = number, RDI, RSI, RDX, RCX = arguments, result in RAX
 * (0 or a negative HV_E* value).  The instruction is VMCALL on Intel and
 * VMMCALL on AMD; CPUID leaf HV_CPUID_LEAF tells the guest which one
 * (EAX bit 0 set = VMMCALL), so one guest binary runs on both backends.
 * From CPL 3 only the numbers the VM's host allows are served (by default
 * none); any other is #UD at the instruction, as without a hypervisor
 * (docs/DESIGN.md "Memory layout", hv.h hv_vm_set_user_hypercalls).
 */
#ifndef HV_ABI_H
#define HV_ABI_H

/* CPUID 0x40000000: EAX = flags below, EBX/ECX/EDX = "hv hv hv hv " */
#define HV_CPUID_LEAF		0x40000000u
#define HV_CPUID_SIG_EBX	0x68207668u	/* "hv h" */
#define HV_CPUID_SIG_ECX	0x76682076u	/* "v hv" */
#define HV_CPUID_SIG_EDX	0x20766820u	/* " hv " */
#define HV_CPUID_F_VMMCALL	0x1u		/* use VMMCALL, not VMCALL */

/* Hypercall numbers. */
#define HC_NOP		0	/* empty handler: the fast path */
#define HC_PUTS		1	/* (gva, len): print guest string, through the walker */
#define HC_REPORT	2	/* (cond, gva msg): one check result */
#define HC_MARK		3	/* (n): a point the host script can act on */
#define HC_EXIT		4	/* (code): guest is done */
#define HC_SET_TLS	5	/* (fs_base): the vkernel thread's TLS area */
#define HC_COPY_TEST	6	/* (gva, len, op): host runs copyin family on it */
#define HC_HOST		7	/* (action, a1, a2): host action request */

/*
 * Boot state a vCPU is created with (64-bit long mode, CPL 0):
 *   - guest memory starts at GPA 0; the image is loaded at HV_GUEST_LOAD_GPA
 *     and RIP is its first byte;
 *   - CR3 = HV_GUEST_PML4_GPA: an identity map of all guest memory with
 *     2 MiB pages (PML4, PDPT, PD at the three pages from 0x1000);
 *   - RSP = HV_GUEST_LOAD_GPA (the stack grows down below the image);
 *   - RDI = guest memory size in bytes, RSI = vCPU id;
 *   - CS = 0x08 (64-bit code), DS/ES/SS/FS/GS = 0x10, no GDT/IDT loaded:
 *     a guest that reloads segments or takes exceptions sets up its own.
 */
#define HV_GUEST_PML4_GPA	0x1000u
#define HV_GUEST_LOAD_GPA	0x200000u
#define HV_GUEST_MIN_MEM	(4u << 20)

/* Guest serial: bytes written to this port are printed by the host. */
#define HV_GUEST_COM1		0x3f8

/*
 * Debug exit: an OUT of any size to this port ends the guest with the value
 * written as its exit code, as HC_EXIT does (the port emulators' debug-exit
 * devices use; a guest written for them needs no hypercall to stop).
 */
#define HV_GUEST_DEBUG_EXIT	0xf4
/* Emulators' shutdown port: written by guests on their way out, ignored. */
#define HV_GUEST_SHUTDOWN_PORT	0x8900

#endif /* HV_ABI_H */
