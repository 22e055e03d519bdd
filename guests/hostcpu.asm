; hostcpu - the instructions that would act on the host CPU if a guest ran
; them there: INVD and WBINVD (its caches), RDPMC (its counters), MONITOR
; and MWAIT (its sleep), INVLPGA (SVM's TLB of any ASID).  hv intercepts
; each and gives it the rule of hv/exit.c; the guest's own IDT catches the
; #UD and #GP and the guest reports what it got, instruction by instruction.
; What CPUID says must agree: no MONITOR/MWAIT, no performance counters.
%include "hv.inc"
%include "ring3.inc"
%include "catch.inc"

main:
	call	cpu_setup
	IDT_GATE X86_VEC_UD, catch_ud, 0x8e
	IDT_GATE X86_VEC_GP, catch_gp, 0x8e

	mov	eax, 1
	xor	ecx, ecx
	cpuid
	and	ecx, X86_CPUID1_ECX_MONITOR
	CHECK_EQX rcx, 0, "hostcpu: CPUID.1:ECX.MONITOR clear"
	mov	eax, X86_CPUID_LEAF_PERFMON
	xor	ecx, ecx
	cpuid
	CHECK_EQX rax, 0, "hostcpu: CPUID.0AH:EAX (performance monitoring) zero"

	; INVD and WBINVD complete: nothing raised, the next instruction runs
	lea	rax, [.invd]
	call	arm
	invd
.invd:	CHECK_EQ [caught], NONE, "hostcpu: INVD completes, vector"
	lea	rax, [.wbinvd]
	call	arm
	wbinvd
.wbinvd: CHECK_EQ [caught], NONE, "hostcpu: WBINVD completes, vector"

	; RDPMC of counter 0: there is none, #GP(0); EDX:EAX untouched
	lea	rax, [.rdpmc]
	call	arm
	xor	ecx, ecx
	mov	eax, 0x1234
	mov	edx, 0x5678
	rdpmc
.rdpmc:	mov	rbx, rax
	CHECK_EQ [caught], X86_VEC_GP, "hostcpu: RDPMC of counter 0, vector"
	CHECK_EQX [caught_err], 0, "hostcpu: RDPMC #GP error code"
	CHECK_EQX rbx, 0x1234, "hostcpu: RDPMC left EAX"

	; MONITOR and MWAIT: #UD, as CPUID says
	lea	rax, [.monitor]
	call	arm
	lea	rax, [caught]
	xor	ecx, ecx
	xor	edx, edx
	monitor
.monitor: CHECK_EQ [caught], X86_VEC_UD, "hostcpu: MONITOR, vector"
	lea	rax, [.mwait]
	call	arm
	xor	eax, eax
	xor	ecx, ecx
	mwait
.mwait:	CHECK_EQ [caught], X86_VEC_UD, "hostcpu: MWAIT, vector"

	; INVLPGA of ASID 0 (the host's): #UD, the guest has no SVM
	lea	rax, [.invlpga]
	call	arm
	lea	rax, [caught]
	xor	ecx, ecx
	invlpga
.invlpga: CHECK_EQ [caught], X86_VEC_UD, "hostcpu: INVLPGA, vector"

	xor	eax, eax
	ret
