/*
 * t_dtload.c - LGDT, LIDT, LLDT and LTR done by the core (hv/dtload.c) on a
 * DTLOAD exit: the operand's addressing forms (RIP-relative, FS, SIB with
 * the address-size prefix, REX.B, 16-bit BX+SI in 16-bit code, an absolute
 * disp32 in 32-bit code with a 16-bit operand size), the exceptions and
 * their error codes, the length completed, and LTR's busy bit in memory.
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"

#define G(off)		(HV_GUEST_LOAD_GPA + (off))
#define GOOD_BASE	0xffff8000aa001000ull	/* canonical in 48 and 57 bits */
#define BAD_BASE	0xaaaaaaaaaaaaaaaaull
#define GDT_OFF		0x200
#define GDT_LIMIT	0x3f

static uint8_t image[0x300];

static void
put(unsigned off, const void *p, size_t n)
{
	memcpy(image + off, p, n);
}

static void
put64(unsigned off, uint64_t v)
{
	put(off, &v, 8);
}

static void
build_image(void)
{
	static const uint8_t code[][8] = {
		{ 0x0f, 0x01, 0x15, 0xf9, 0, 0, 0 },	/* 0x00 lgdt [rip+0xf9] */
		{ 0x64, 0x0f, 0x01, 0x18 },		/* 0x10 lidt fs:[rax] */
		{ 0x67, 0x0f, 0x01, 0x54, 0x8d, 0x10 },	/* 0x20 lgdt [ebp+ecx*4+0x10] */
		{ 0x41, 0x0f, 0x00, 0xd1 },		/* 0x30 lldt r9w */
		{ 0x0f, 0x00, 0x1c, 0x24 },		/* 0x38 ltr [rsp] */
		{ 0x0f, 0x01, 0x50, 0x04 },		/* 0x40 lgdt [bx+si+4] (16-bit) */
		{ 0x66, 0x0f, 0x01, 0x15, 0x00, 0x01, 0x20, 0x00 },
					/* 0x48 o16 lgdt [0x200100] (32-bit) */
		{ 0x0f, 0x01, 0x14, 0x24 },		/* 0x50 lgdt [rsp] */
		{ 0xf0, 0x0f, 0x01, 0x10 },		/* 0x58 lock lgdt [rax] */
		{ 0x0f, 0x00, 0xd0 },			/* 0x60 lldt ax */
		{ 0x66, 0x0f, 0x01, 0x16, 0x00, 0x01 },	/* 0x68 o32 lgdt [0x100] (16-bit) */
	};
	static const unsigned at[] = { 0x00, 0x10, 0x20, 0x30, 0x38, 0x40,
	    0x48, 0x50, 0x58, 0x60, 0x68 };
	unsigned i;

	memset(image, 0, sizeof(image));
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		put(at[i], code[i], sizeof(code[i]));
	/* 0x100: a table register image with a good base, 0x110 a bad one */
	image[0x100] = 0x2f;
	put64(0x102, GOOD_BASE);
	image[0x110] = 0xff;
	put64(0x112, BAD_BASE);
	/* 0x180: a selector for ltr [rsp] */
	image[0x180] = 0x20;
	/* the GDT: 0x08 data, 0x10 LDT (base 0x1_12345678), 0x20 available
	 * TSS (base 0x1000, limit 0x67), 0x30 LDT not present */
	put64(GDT_OFF + 0x08, 0x00cf92000000ffffull);
	put64(GDT_OFF + 0x10, 0x120082345678ffffull);
	put64(GDT_OFF + 0x18, 0x1);
	put64(GDT_OFF + 0x20, 0x0000890010000067ull);
	put64(GDT_OFF + 0x30, 0x000002000000ffffull);
}

static struct hv_vm *vm;
static struct hv_vcpu *vcpu;
static struct hv_regs regs;
static struct hv_dtload dt;
static struct hv_vmexit vx;

/* one DTLOAD exit of reg at code offset off in code of `bits`, with the
 * registers in regs: 's' done, 'x' an exception (vx.exc.vector, vx.exc.err),
 * 'e' the VM stopped */
static char
run(enum hv_dtreg reg, unsigned off, unsigned bits)
{
	struct hv_exit ex;
	uint64_t gpr[HV_NGPRS] = { 0 };

	memset(&ex, 0, sizeof(ex));
	memset(&dt, 0, sizeof(dt));
	regs.rip = bits == 64 ? G(off) : off;
	CHECK_EQ(hv_vcpu_set_regs(vcpu, &regs), 0);
	dt.reg = reg;
	dt.code_bits = bits;
	dt.seg_base[HV_CS] = bits == 64 ? 0 : G(0);
	dt.seg_base[HV_DS] = bits == 16 ? G(0) : 0;
	dt.seg_base[HV_FS] = G(0);
	dt.gdtr.base = G(GDT_OFF);
	dt.gdtr.limit = GDT_LIMIT;
	vx = (struct hv_vmexit){ .kind = HV_VX_DTLOAD, .dt = &dt, .gpr = gpr,
	    .rip = regs.rip };
	if (hv_vmexit(vcpu, &vx, &ex) != HV_RESUME)
		return ex.kind == HV_EXIT_ERROR ? 'e' : '?';
	CHECK(vx.skip != vx.exc.raise);
	return vx.exc.raise ? 'x' : 's';
}

/* LLDT R9W of sel, which faults: vector << 16 | error code */
static uint32_t
lldt_r9_fault(uint64_t sel)
{
	regs.r9 = sel;
	CHECK_EQ(run(HV_DT_LDTR, 0x30, 64), 'x');
	CHECK(vx.exc.has_err);
	return (uint32_t)vx.exc.vector << 16 | vx.exc.err;
}

void
test_dtload_insns(void)
{
	uint8_t busy;

	build_image();
	t_setup_vcpu(&vm, &vcpu);
	CHECK_EQ(hv_vm_load_image(vm, image, sizeof(image)), 0);
	CHECK_EQ(hv_vcpu_get_regs(vcpu, &regs), 0);

	/* RIP-relative: the image at 0x100 */
	CHECK_EQ(run(HV_DT_GDTR, 0x00, 64), 's');
	CHECK_EQ(dt.len, 7);
	CHECK_EQ(dt.load.base, GOOD_BASE);
	CHECK_EQ(dt.load.limit, 0x2f);
	/* FS base + RAX: the bad base, #GP(0) */
	regs.rax = 0x110;
	CHECK_EQ(run(HV_DT_IDTR, 0x10, 64), 'x');
	CHECK_EQ(vx.exc.vector, X86_VEC_GP);
	CHECK(vx.exc.has_err && vx.exc.err == 0);
	/* 67: EBP + ECX*4 + 0x10 in 32 bits, RBP's upper half ignored */
	regs.rbp = 0xdead000000000000ull | (G(0x100) - 0x18);
	regs.rcx = 2;
	CHECK_EQ(run(HV_DT_GDTR, 0x20, 64), 's');
	CHECK_EQ(dt.len, 6);
	CHECK_EQ(dt.load.base, GOOD_BASE);

	/* LLDT R9W (REX.B): the LDT at 0x10, its 16-byte base */
	regs.r9 = 0xffff0010;
	CHECK_EQ(run(HV_DT_LDTR, 0x30, 64), 's');
	CHECK_EQ(dt.len, 4);
	CHECK_EQ(dt.load.sel, 0x10);
	CHECK_EQ(dt.load.base, 0x112345678ull);
	CHECK_EQ(dt.load.limit, 0xffff);
	CHECK_EQ(dt.load.attr, 0x82);
	/* the data segment, the TSS: wrong type; not present; TI; past the
	 * limit (the 16-byte descriptor at 0x38 ends at 0x47) */
	CHECK_EQ(lldt_r9_fault(0x08), X86_VEC_GP << 16 | 0x08);
	CHECK_EQ(lldt_r9_fault(0x23), X86_VEC_GP << 16 | 0x20);
	CHECK_EQ(lldt_r9_fault(0x30), X86_VEC_NP << 16 | 0x30);
	CHECK_EQ(lldt_r9_fault(0x14), X86_VEC_GP << 16 | 0x14);
	CHECK_EQ(lldt_r9_fault(0x38), X86_VEC_GP << 16 | 0x38);
	/* null: unusable */
	regs.r9 = 0x3;
	CHECK_EQ(run(HV_DT_LDTR, 0x30, 64), 's');
	CHECK(dt.load.sel == 3 && dt.load.attr == 0);

	/* LTR [RSP]: loaded busy, the busy bit in the GDT; then #GP(sel) */
	regs.rsp = G(0x180);
	CHECK_EQ(run(HV_DT_TR, 0x38, 64), 's');
	CHECK_EQ(dt.len, 4);
	CHECK(dt.load.sel == 0x20 && dt.load.base == 0x1000 &&
	    dt.load.limit == 0x67 && dt.load.attr == 0x8b);
	CHECK_EQ(hv_copyin(vcpu, G(GDT_OFF + 0x25), &busy, 1), 0);
	CHECK_EQ(busy, 0x8b);
	CHECK_EQ(run(HV_DT_TR, 0x38, 64), 'x');
	CHECK(vx.exc.vector == X86_VEC_GP && vx.exc.err == 0x20);

	/* 16-bit code: DS + (BX + SI + 4) mod 64K, a 24-bit base */
	regs.rbx = 0x100;
	regs.rsi = 0xfffc;
	CHECK_EQ(run(HV_DT_GDTR, 0x40, 16), 's');
	CHECK_EQ(dt.len, 4);
	CHECK_EQ(dt.load.base, GOOD_BASE & 0xffffff);
	/* 66 there: a 32-bit base; [disp16] */
	CHECK_EQ(run(HV_DT_GDTR, 0x68, 16), 's');
	CHECK_EQ(dt.len, 6);
	CHECK_EQ(dt.load.base, GOOD_BASE & 0xffffffff);
	/* 32-bit code, 66: an absolute disp32, a 24-bit base */
	CHECK_EQ(run(HV_DT_GDTR, 0x48, 32), 's');
	CHECK_EQ(dt.len, 8);
	CHECK_EQ(dt.load.base, GOOD_BASE & 0xffffff);

	/* a non-canonical operand: #SS(0) through RSP, #GP(0) else; a page
	 * not mapped: #PF with its error code and address */
	regs.rsp = 0x8000000000000000ull;
	CHECK_EQ(run(HV_DT_GDTR, 0x50, 64), 'x');
	CHECK(vx.exc.vector == X86_VEC_SS && vx.exc.err == 0);
	regs.rsp = 0x4000000000ull - 4;
	CHECK_EQ(run(HV_DT_GDTR, 0x50, 64), 'x');
	CHECK(vx.exc.vector == X86_VEC_PF && vx.exc.err == 0 &&
	    vx.cr2 == 0x4000000000ull - 4);
	/* LOCK: #UD; CPL 3: #GP(0); LLDT in real mode: #UD */
	CHECK_EQ(run(HV_DT_GDTR, 0x58, 64), 'x');
	CHECK(vx.exc.vector == X86_VEC_UD && !vx.exc.has_err);
	regs.cpl = 3;
	CHECK_EQ(run(HV_DT_GDTR, 0x00, 64), 'x');
	CHECK(vx.exc.vector == X86_VEC_GP && vx.exc.err == 0);
	regs.cpl = 0;
	regs.cr0 &= ~(uint64_t)X86_CR0_PE;
	CHECK_EQ(run(HV_DT_LDTR, 0x60, 16), 'x');
	CHECK_EQ(vx.exc.vector, X86_VEC_UD);
	regs.cr0 |= X86_CR0_PE;
	/* an exit whose instruction is not there: the VM stopped */
	CHECK_EQ(run(HV_DT_IDTR, 0x00, 64), 'e');
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}
