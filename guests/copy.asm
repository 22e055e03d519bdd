; copy - the host's guest-virtual copy family (hv_copyin, copyinstr, fuword,
; suword, copyout) through page tables this guest builds itself.
;
; Mappings (4 KiB pages; the guest-physical pages are deliberately out of
; order so a walker that translates only the first page of a range reads the
; wrong bytes):
;   U0 0x10000000 -> 0x611000  user, RW
;   U1 0x10001000 -> 0x605000  user, RW
;   U2 0x10002000 -> 0x60a000  user, read-only
;   HOLE 0x10003000            not mapped
;   BEYOND 0x10004000 -> guest memory size + 64 MiB (no guest memory there)
;   S0 0x20000000 -> 0x620000  supervisor only, RW
;   U3 0x10005000 -> 0x613000  user, RW, touched only by the host (a write)
;   U4 0x10006000 -> 0x614000  user, RW, touched only by the host (a read)
; plus an identity map of guest memory (2 MiB pages; user access only to the
; image's 2 MiB page so ring-3 code can run).  CR0.WP = 1.
; The same requests are made from CPL 0 and from CPL 3: the host must check
; permissions as the guest's CPL at the hypercall (S0 readable at CPL 0 only).
; Every expected value is computed by the guest reading through its own
; mappings; the host hashes or returns what it read (see copytest.inc).
%include "hv.inc"
%include "paging.inc"
%include "ring3.inc"
%include "copytest.inc"

U0		equ 0x10000000
U1		equ 0x10001000
U2		equ 0x10002000
HOLE		equ 0x10003000
BEYOND		equ 0x10004000
S0		equ 0x20000000
U3		equ 0x10005000
U4		equ 0x10006000
U0_GPA		equ 0x611000
U1_GPA		equ 0x605000
U2_GPA		equ 0x60a000
S0_GPA		equ 0x620000
NONCANON	equ 0x0000800000000000
USER_STACK	equ 0x3f0000
PAT_OFF		equ 0xfc0		; 128-byte pattern from U0+0xfc0 into U1
STR_VA		equ U2 - 20		; string from U1 into U2
STR_LEN		equ str_end - str_text
MIN_MEM		equ 0x800000

; COPYIN_ACROSS "prefix": copyin of 64 bytes across U0/U1 and copyinstr across
; U1/U2, each against the guest's own reading; the same at CPL 0 and CPL 3.
%macro COPYIN_ACROSS 1
	mov	rdi, U0 + 0xfe0
	mov	esi, 64
	call	fnv32
	mov	r13, rax
	COPYOP	COPY_COPYIN, U0 + 0xfe0, 64, 0
	%strcat %%m1 %1, ": copyin 64 bytes across U0/U1, fnv"
	CHECK_EQX rax, r13, %%m1

	mov	rdi, STR_VA
	mov	esi, STR_LEN
	call	fnv32
	mov	r13, (STR_LEN + 1) << 32
	or	r13, rax
	COPYOP	COPY_COPYINSTR, STR_VA, 64, 0
	%strcat %%m2 %1, ": copyinstr across U1/U2, done<<32|fnv"
	CHECK_EQX rax, r13, %%m2
%endmacro

main:
	mov	rax, [hv_mem_size]
	xor	edi, edi
	cmp	rax, MIN_MEM
	setae	dil
	MSG	"copy: guest memory "
	MSGX	[hv_mem_size]
	MSGS	" >= 0x800000"
	call	report
	test	eax, eax
	jz	.out
	call	cpu_setup
	call	fill
	call	build_tables
	mov	rax, cr0
	or	rax, 1 << 16		; CR0.WP: read-only pages bind CPL 0 too
	mov	cr0, rax
	mov	rdi, [pml4]
	call	pt_load

	; ---- CPL 0 ----
	COPYIN_ACROSS "copy cpl0"

	mov	r13, [abs U0 + 0xffc]
	COPYOP	COPY_FUWORD64, U0 + 0xffc, 8, 0
	CHECK_EQX rax, r13, "copy cpl0: fuword64 across U0/U1"

	mov	r13d, [abs U1 + 0x10]
	COPYOP	COPY_FUWORD32, U1 + 0x10, 4, 0
	CHECK_EQX rax, r13, "copy cpl0: fuword32 in U1"

	movzx	r13d, byte [abs U0 + 0xfff]
	COPYOP	COPY_FUBYTE, U0 + 0xfff, 1, 0
	CHECK_EQX rax, r13, "copy cpl0: fubyte last byte of U0"

	mov	rdi, S0
	mov	esi, 64
	call	fnv32
	mov	r13, rax
	COPYOP	COPY_COPYIN, S0, 64, 0
	CHECK_EQX rax, r13, "copy cpl0: copyin supervisor page, fnv"

	COPYOP	COPY_COPYIN, HOLE, 8, 0
	CHECK_EQ rax, -EFAULT, "copy cpl0: copyin unmapped page"
	COPYOP	COPY_COPYIN, U2 + 0xff0, 32, 0
	CHECK_EQ rax, -EFAULT, "copy cpl0: copyin running into an unmapped page"
	COPYOP	COPY_COPYIN, NONCANON, 8, 0
	CHECK_EQ rax, -EFAULT, "copy cpl0: copyin non-canonical 0x800000000000"
	COPYOP	COPY_FUWORD64, NONCANON - 4, 8, 0
	CHECK_EQ rax, -EFAULT, "copy cpl0: fuword64 straddling the canonical hole"
	COPYOP	COPY_COPYIN, BEYOND, 8, 0
	CHECK_EQ rax, -EFAULT, "copy cpl0: copyin page mapped beyond guest memory"
	COPYOP	COPY_FUBYTE, HOLE, 1, 0
	CHECK_EQ rax, -EFAULT, "copy cpl0: fubyte unmapped page"
	COPYOP	COPY_COPYINSTR, U2 + 0xf00, 16, 0
	CHECK_EQ rax, -ENAMETOOLONG, "copy cpl0: copyinstr no NUL within max 16"
	COPYOP	COPY_COPYINSTR, U2 + 0xf00, 512, 0
	CHECK_EQ rax, -EFAULT, "copy cpl0: copyinstr running into an unmapped page"

	COPYOP	COPY_SUWORD32, U2 + 0x100, 4, 0x12345678
	CHECK_EQ rax, -EFAULT, "copy cpl0: suword32 to a read-only page (CR0.WP=1)"
	mov	eax, [abs U2 + 0x100]
	CHECK_EQX rax, 0, "copy cpl0: read-only word after refused suword32"

	mov	r13, 0x0123456789abcdef
	COPYOP	COPY_SUWORD64, U0 + 0xffc, 8, r13
	CHECK_EQ rax, 0, "copy cpl0: suword64 across U0/U1"
	mov	rax, [abs U0 + 0xffc]
	CHECK_EQX rax, r13, "copy cpl0: word read back after suword64"

	COPYOP	COPY_SUWORD32, U1 + 0x100, 4, 0xcafef00d
	CHECK_EQ rax, 0, "copy cpl0: suword32 in U1"
	mov	eax, [abs U1 + 0x100]
	CHECK_EQX rax, 0xcafef00d, "copy cpl0: word read back after suword32"

	; a copyout that runs into the read-only page fails as a whole: the
	; bytes before it (the string's start) stay as they were
	mov	rdi, STR_VA
	mov	esi, STR_LEN
	call	fnv32
	mov	r14, rax
	COPYOP	COPY_COPYOUT, U1 + 0xff0, 32, 0
	CHECK_EQ rax, -EFAULT, "copy cpl0: copyout running into a read-only page"
	mov	rdi, STR_VA
	mov	esi, STR_LEN
	call	fnv32
	CHECK_EQX rax, r14, "copy cpl0: bytes before the read-only page untouched, fnv"

	COPYOP	COPY_COPYOUT, U0 + 0xfd0, 100, 0
	CHECK_EQ rax, 0, "copy cpl0: copyout 100 bytes across U0/U1"
	mov	rdi, U0 + 0xfd0
	mov	esi, 100
	call	check_out
	CHECK_EQ rax, 0, "copy cpl0: copyout bytes wrong"

	; hv_vcpu_translate: the guest-physical address through the guest's
	; tables, rights checked, and no accessed flag set (a query)
	COPYOP	COPY_TRANSLATE, U1 + 0x123, 0, 0
	CHECK_EQX rax, U1_GPA + 0x123, "copy cpl0: translate U1+0x123"
	COPYOP	COPY_TRANSLATE, U2 + 8, 0, 0
	CHECK_EQX rax, U2_GPA + 8, "copy cpl0: translate U2+8 for a read"
	COPYOP	COPY_TRANSLATE, U2 + 8, 0, 1
	CHECK_EQ rax, -EFAULT, "copy cpl0: translate read-only U2 for a write"
	COPYOP	COPY_TRANSLATE, HOLE, 0, 0
	CHECK_EQ rax, -EFAULT, "copy cpl0: translate the unmapped page"
	COPYOP	COPY_TRANSLATE, U4 + 16, 0, 1
	CHECK_EQX rax, 0x614010, "copy cpl0: translate U4+16 for a write"

	; The host's accesses set the accessed/dirty flags in the guest's PTEs as
	; the CPU would (a vkernel's pmap reads them to find modified pages).
	mov	rdi, U3
	call	pte_ad
	mov	r13, rax
	mov	rdi, U4
	call	pte_ad
	or	rax, r13
	CHECK_EQX rax, 0, "copy cpl0: A/D of U3 and U4 before any access"
	COPYOP	COPY_SUWORD32, U3 + 8, 4, 0x5eed
	CHECK_EQ rax, 0, "copy cpl0: suword32 to U3"
	mov	rdi, U3
	call	pte_ad
	CHECK_EQX rax, X86_PTE_A | X86_PTE_D, "copy cpl0: U3 PTE A/D after the host's write"
	COPYOP	COPY_FUBYTE, U4 + 1, 1, 0
	CHECK_EQ rax, 0, "copy cpl0: fubyte of the zero page U4"
	mov	rdi, U4
	call	pte_ad
	CHECK_EQX rax, X86_PTE_A, "copy cpl0: U4 PTE A/D after the host's read"

	; ---- CPL 3 ----
	lea	rdi, [user_main]
	mov	esi, USER_STACK
	xor	edx, edx
	call	enter_user
	CHECK_EQX rax, 0x600d, "copy: returned from CPL 3 with its token"
.out:
	xor	eax, eax
	ret

; Guest-user code: the same host operations with the guest at CPL 3.
user_main:
	COPYIN_ACROSS "copy cpl3"

	COPYOP	COPY_COPYIN, S0, 64, 0
	CHECK_EQ rax, -EFAULT, "copy cpl3: copyin supervisor-only page"
	COPYOP	COPY_FUWORD64, S0 + 8, 8, 0
	CHECK_EQ rax, -EFAULT, "copy cpl3: fuword64 supervisor-only page"
	COPYOP	COPY_SUWORD32, S0 + 8, 4, 1
	CHECK_EQ rax, -EFAULT, "copy cpl3: suword32 supervisor-only page"
	COPYOP	COPY_SUWORD32, U2 + 0x104, 4, 0x1234
	CHECK_EQ rax, -EFAULT, "copy cpl3: suword32 read-only user page"
	COPYOP	COPY_COPYIN, HOLE, 8, 0
	CHECK_EQ rax, -EFAULT, "copy cpl3: copyin unmapped page"
	COPYOP	COPY_TRANSLATE, S0, 0, 0
	CHECK_EQ rax, -EFAULT, "copy cpl3: translate the supervisor-only page"
	COPYOP	COPY_TRANSLATE, U0 + 0x10, 0, 0
	CHECK_EQX rax, U0_GPA + 0x10, "copy cpl3: translate U0+0x10"

	COPYOP	COPY_COPYOUT, U1 + 0x800, 40, 0
	CHECK_EQ rax, 0, "copy cpl3: copyout 40 bytes to U1"
	mov	rdi, U1 + 0x800
	mov	esi, 40
	call	check_out
	CHECK_EQ rax, 0, "copy cpl3: copyout bytes wrong"

	; back to CPL 0 with a token proving this path ran to the end
	mov	eax, 0x600d
	int	USER_RET_VEC

; check_out(rdi = address, rsi = len): RAX = bytes differing from the
; COPY_COPYOUT pattern (i * 13 + 5) & 0xff.
check_out:
	xor	ecx, ecx
	xor	r8d, r8d
.next:	cmp	rcx, rsi
	jae	.done
	imul	eax, ecx, 13
	add	eax, 5
	cmp	[rdi + rcx], al
	je	.ok
	inc	r8
.ok:	inc	rcx
	jmp	.next
.done:	mov	rax, r8
	ret

; pte_ad(rdi = va): RAX = the A and D flags of va's PTE.
pte_ad:
	mov	rsi, rdi
	mov	rdi, [pml4]
	mov	edx, 1
	call	pt_entry
	mov	rax, [rax]
	and	eax, X86_PTE_A | X86_PTE_D
	ret

; fill: the test data, written through the boot identity map (GPA == VA).
fill:
	; 128-byte pattern (i * 7 + 3) & 0xff: 64 bytes at the end of U0, 64 at
	; the start of U1
	xor	ecx, ecx
.pat:	imul	eax, ecx, 7
	add	eax, 3
	mov	rdi, U0_GPA + PAT_OFF
	cmp	ecx, 64
	jb	.p1
	mov	rdi, U1_GPA - 64
.p1:	mov	[rdi + rcx], al
	inc	ecx
	cmp	ecx, 128
	jb	.pat
	; a word in U1 for fuword32
	mov	dword [abs U1_GPA + 0x10], 0x5eed1e55
	; the string: its first 20 bytes end U1, the rest (and NUL) start U2
	lea	rsi, [str_text]
	mov	rdi, U1_GPA + 0x1000 - 20
	mov	ecx, 20
	rep	movsb
	mov	rdi, U2_GPA
	mov	ecx, STR_LEN + 1 - 20
	rep	movsb
	; 256 'A's to the end of U2, no NUL: the next page is the hole
	mov	rdi, U2_GPA + 0xf00
	mov	ecx, 256
	mov	al, 'A'
	rep	stosb
	; supervisor page: (i * 5 + 1) & 0xff
	xor	ecx, ecx
.sup:	imul	eax, ecx, 5
	inc	eax
	mov	[S0_GPA + rcx], al
	inc	ecx
	cmp	ecx, 64
	jb	.sup
	ret

build_tables:
	call	pt_new_identity
	mov	[pml4], rax
	mov	rdi, [pml4]			; the image's 2 MiB page: user code
	mov	esi, HV_GUEST_LOAD_GPA
	mov	edx, HV_GUEST_LOAD_GPA
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map2m
	mov	rdi, [pml4]
	mov	esi, U0
	mov	edx, U0_GPA
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, U1
	mov	edx, U1_GPA
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, U2
	mov	edx, U2_GPA
	mov	ecx, X86_PTE_US
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, BEYOND
	mov	rdx, [hv_mem_size]
	add	rdx, 64 << 20
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, S0
	mov	edx, S0_GPA
	mov	ecx, X86_PTE_RW
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, U3
	mov	edx, 0x613000
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map4k
	mov	rdi, [pml4]
	mov	esi, U4
	mov	edx, 0x614000
	mov	ecx, X86_PTE_RW | X86_PTE_US
	call	pt_map4k
	ret

section .data
pml4:		dq 0
str_text:	db "copyinstr: a string across two pages"
str_end:	db 0
