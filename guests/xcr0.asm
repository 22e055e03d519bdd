; xcr0 - the guest's own XCR0 (hv/xsave.c, hv/fpu.c): it starts at its
; reset value (x87 only, SDM Vol. 3A 2.6), not the host's; an XSETBV of a
; valid value holds across host round trips; XSETBV refuses what the SDM
; refuses (#GP for XCR1, x87 clear, AVX without SSE, a reserved bit, a bit
; above 31) and #UDs with CR4.OSXSAVE clear, leaving XCR0 as it was; CPUID
; leaf 0xD offers only the components hv switches (the host's XCR0: 0x7
; under testkern) and sizes the area for the XCR0 the guest set.  The
; guest's own IDT catches the #UD and #GP.
%include "hv.inc"
%include "ring3.inc"
%include "catch.inc"

AREA_X87	equ X86_XSAVE_LEGACY + X86_XSAVE_HEADER	; XCR0 = 1 or 3
YMM_SIZE	equ 256				; CPUID.(0Dh, 2):EAX
AREA_AVX	equ AREA_X87 + YMM_SIZE		; XCR0 = 7: YMM right after
PATTERN_LO	equ 0x0123456789abcdef
PATTERN_HI	equ 0x7edcba9876543210

; XSETBV_TRY ecx, value: XSETBV of value (EDX:EAX) to XCR ecx; [caught]
; holds the vector its own IDT caught (NONE: it completed), R12 the XCR0
; read right after (before any exit) where it completed
%macro XSETBV_TRY 2
	lea	rax, [%%after]
	call	arm
	mov	rcx, %1
	mov	rax, %2
	mov	rdx, rax
	shr	rdx, 32
	xsetbv
	call	xcr0_get
	mov	r12, rax
%%after:
%endmacro

; CPUID_D subleaf: leaf 0xD into RAX, RBX, RCX, RDX
%macro CPUID_D 1
	mov	eax, X86_CPUID_LEAF_XSAVE
	mov	ecx, %1
	cpuid
%endmacro

main:
	push	rbx
	push	r12
	call	cpu_setup
	IDT_GATE X86_VEC_UD, catch_ud, 0x8e
	IDT_GATE X86_VEC_GP, catch_gp, 0x8e

	; the boot state has CR4.OSXSAVE clear: CPUID says so, XSETBV #UD
	mov	eax, 1
	cpuid
	and	ecx, X86_CPUID1_ECX_OSXSAVE
	CHECK_EQX rcx, 0, "xcr0: CPUID.1:ECX.OSXSAVE with CR4.OSXSAVE clear"
	XSETBV_TRY 0, 1
	CHECK_EQ [caught], X86_VEC_UD, "xcr0: XSETBV with CR4.OSXSAVE clear, vector"
	call	osxsave_on

	; the guest's XCR0 at reset and what leaf 0xD makes of it
	call	xcr0_get
	CHECK_EQX rax, X86_XCR0_X87, "xcr0: XCR0 at reset"
	CPUID_D	0
	mov	r12, rbx
	mov	rbx, rcx
	CHECK_EQX rax, X86_XCR0_AVX, "xcr0: CPUID.(0Dh,0):EAX, the components hv switches"
	CHECK_EQ r12, AREA_X87, "xcr0: CPUID.(0Dh,0):EBX, area for XCR0=1"
	CHECK_EQ rbx, AREA_AVX, "xcr0: CPUID.(0Dh,0):ECX, area for all of them"
	CPUID_D	2
	CHECK_EQ rax, YMM_SIZE, "xcr0: CPUID.(0Dh,2):EAX, YMM size"
	CPUID_D	9
	CHECK_EQX rax, 0, "xcr0: CPUID.(0Dh,9):EAX, PKRU not switched"

	; x87|SSE: set, held across an exit to the host runner and back
	XSETBV_TRY 0, X86_XCR0_X87 | X86_XCR0_SSE
	mov	rbx, r12
	CHECK_EQ [caught], NONE, "xcr0: XSETBV of 0x3, vector"
	CHECK_EQX rbx, X86_XCR0_X87 | X86_XCR0_SSE, "xcr0: XCR0 right after XSETBV"
	MARK	1
	call	xcr0_get
	CHECK_EQX rax, X86_XCR0_X87 | X86_XCR0_SSE, "xcr0: XCR0 after a host round trip"
	CPUID_D	0
	CHECK_EQ rbx, AREA_X87, "xcr0: CPUID.(0Dh,0):EBX, area for XCR0=3"

	; AVX: enabled by the guest, its ymm1 upper half its own across an exit
	XSETBV_TRY 0, X86_XCR0_AVX
	mov	rbx, r12
	CHECK_EQ [caught], NONE, "xcr0: XSETBV of 0x7, vector"
	CHECK_EQX rbx, X86_XCR0_AVX, "xcr0: XCR0 right after XSETBV"
	CPUID_D	0
	CHECK_EQ rbx, AREA_AVX, "xcr0: CPUID.(0Dh,0):EBX, area for XCR0=7"
	mov	rax, PATTERN_LO
	mov	[scratch], rax
	mov	rax, PATTERN_HI
	mov	[scratch + 8], rax
	lea	rax, [.avx_done]		; a #UD goes on there
	call	arm
	vinsertf128 ymm1, ymm1, [scratch], 1
	MARK	1
	vextractf128 [scratch + 16], ymm1, 1
.avx_done:
	CHECK_EQ [caught], NONE, "xcr0: VEX code under XCR0=0x7, vector"
	mov	rax, PATTERN_LO
	xor	rax, [scratch + 16]
	mov	rbx, PATTERN_HI
	xor	rbx, [scratch + 24]
	or	rax, rbx
	CHECK_EQX rax, 0, "xcr0: ymm1[255:128] XOR its pattern after a round trip"

	; refused: #GP, XCR0 unchanged
	XSETBV_TRY 1, X86_XCR0_X87
	CHECK_EQ [caught], X86_VEC_GP, "xcr0: XSETBV of XCR1, vector"
	XSETBV_TRY 0, 0
	CHECK_EQ [caught], X86_VEC_GP, "xcr0: XSETBV of 0 (x87 clear), vector"
	XSETBV_TRY 0, X86_XCR0_SSE
	CHECK_EQ [caught], X86_VEC_GP, "xcr0: XSETBV of 0x2 (x87 clear), vector"
	XSETBV_TRY 0, X86_XCR0_X87 | X86_XCR0_YMM
	CHECK_EQ [caught], X86_VEC_GP, "xcr0: XSETBV of 0x5 (AVX without SSE), vector"
	XSETBV_TRY 0, X86_XCR0_AVX | X86_BIT(8)
	CHECK_EQ [caught], X86_VEC_GP, "xcr0: XSETBV of 0x107 (reserved bit 8), vector"
	XSETBV_TRY 0, X86_XCR0_AVX | (1 << 32)
	CHECK_EQ [caught], X86_VEC_GP, "xcr0: XSETBV of 0x100000007 (bit 32), vector"
	call	xcr0_get
	CHECK_EQX rax, X86_XCR0_AVX, "xcr0: XCR0 after the refused XSETBVs"

	; RCX[63:32] are ignored: XCR0 all the same
	XSETBV_TRY 0x100000000, X86_XCR0_X87 | X86_XCR0_SSE
	mov	rbx, r12
	CHECK_EQ [caught], NONE, "xcr0: XSETBV with RCX=0x100000000, vector"
	CHECK_EQX rbx, X86_XCR0_X87 | X86_XCR0_SSE, "xcr0: XCR0 after XSETBV with RCX[63:32] set"

	; CR4.OSXSAVE clear again: XGETBV and XSETBV #UD; XCR0 kept meanwhile
	mov	rax, cr4
	and	rax, ~X86_CR4_OSXSAVE
	mov	cr4, rax
	lea	rax, [.xgetbv_ud]
	call	arm
	xor	ecx, ecx
	xgetbv
.xgetbv_ud:
	CHECK_EQ [caught], X86_VEC_UD, "xcr0: XGETBV with CR4.OSXSAVE clear, vector"
	XSETBV_TRY 0, X86_XCR0_AVX
	CHECK_EQ [caught], X86_VEC_UD, "xcr0: XSETBV of 0x7 with CR4.OSXSAVE clear, vector"
	call	osxsave_on
	call	xcr0_get
	CHECK_EQX rax, X86_XCR0_X87 | X86_XCR0_SSE, "xcr0: XCR0 kept while CR4.OSXSAVE was clear"

	pop	r12
	pop	rbx
	xor	eax, eax
	ret

osxsave_on:
	mov	rax, cr4
	or	rax, X86_CR4_OSXSAVE
	mov	cr4, rax
	ret

; XGETBV of XCR0 into RAX
xcr0_get:
	xor	ecx, ecx
	xgetbv
	shl	rdx, 32
	or	rax, rdx
	ret

section .data
align 16
scratch:	times 4 dq 0
