; demand - demand paging of guest memory.  Between MARK 1 and MARK 2 the guest
; writes, then reads back, one qword in each of N fresh 4 KiB pages (never
; touched before: hv backs guest memory on the first nested fault), touching
; nothing else that could fault.  The host counts nested faults and resident
; pages at the marks (delta must be N exactly), pages the range out at MARK 2,
; and the guest checks after that every value survived the page-out; at
; MARK 4 the host pages out all guest memory (code, stack, page tables).
%include "hv.inc"

N		equ 64
DEMAND_BASE	equ 0x800000

main:
	MSG	"demand: guest memory "
	MSGX	[hv_mem_size]
	MSGS	" holds the test range up to "
	MSGX	DEMAND_BASE + N * 4096
	mov	rax, [hv_mem_size]
	xor	edi, edi
	cmp	rax, DEMAND_BASE + N * 4096
	setae	dil
	call	report
	test	eax, eax
	jz	.out
	MARK	1
	xor	ecx, ecx
.w:	call	addr_val
	mov	[rdi], rax
	inc	ecx
	cmp	ecx, N
	jb	.w
	call	verify
	mov	rbx, rax
	MARK	2			; host: count, then page the range out
	CHECK_EQ rbx, 0, "demand: mismatches after writing 64 pages"
	call	verify
	mov	rbx, rax
	MARK	3			; host: count the refaults
	CHECK_EQ rbx, 0, "demand: mismatches after pageout and refault"
	MARK	4			; host: page out ALL guest memory
	; running again means the code, stack and boot page tables came back;
	; the report below needs the host to walk the paged-out tables too
	call	verify
	CHECK_EQ rax, 0, "demand: mismatches after paging out all guest memory"
.out:
	xor	eax, eax
	ret

; addr_val(ecx = page i): RDI = its address (a different offset in each
; page), RAX = the value stored there.
addr_val:
	mov	edi, ecx
	shl	rdi, 12
	mov	eax, ecx
	shl	eax, 3
	and	eax, 0xff8
	add	rdi, rax
	add	rdi, DEMAND_BASE
	mov	rax, rcx
	shl	rax, 32
	or	rax, 0x0d00feed
	ret

; verify: RAX = number of pages whose value is wrong.
verify:
	xor	ecx, ecx
	xor	edx, edx
.r:	call	addr_val
	cmp	[rdi], rax
	je	.ok
	inc	edx
.ok:	inc	ecx
	cmp	ecx, N
	jb	.r
	mov	eax, edx
	ret
