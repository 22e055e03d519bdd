/*
 * t_strio.c - string I/O (hv/strio.c) and scratch ports (hv/scratch.c):
 * the scratch bytes at any size and offset and what hv_vm_add_scratch_port
 * refuses; REP OUTSB/INSB a page per exit with RIP kept until rCX is 0,
 * DF=1, REP with rCX 0; the #PF of an unmapped or read-only page (CR2,
 * error code, nothing done); the 32-bit address size in 64-bit mode, and
 * the prefixes decoded when the exit does not give them; an exit that
 * rewrites the guest's own page table ends where it no longer translates.
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"

#define ROOT	0x8000ull
#define SP	0xe0			/* the scratch port */
#define GA	0x7000400000ull		/* gpa 0x100000, user, writable */
#define GB	(GA + 0x1000)		/* gpa 0x150000, user, read-only */
#define GHOLE	(GA + 0x2000)		/* not mapped */
#define GCODE	(GA + 0x800)		/* instruction bytes, in A */

static struct hv_vm *vm;
static struct hv_vcpu *vcpu;
static uint64_t gpr[HV_NGPRS];

static void
setup(void)
{
	uint64_t next = ROOT + 0x1000;

	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(hv_vm_add_scratch_port(vm, SP), 0);
	CHECK_EQ(hv_vcpu_create(vm, 0, &vcpu), 0);
	t_gmap(vm, ROOT, &next, GA, 0x100000, X86_PTE_P | X86_PTE_RW | X86_PTE_US);
	t_gmap(vm, ROOT, &next, GB, 0x150000, X86_PTE_P | X86_PTE_US);
	fake_regs(vcpu)->cr3 = ROOT;
	fake_regs(vcpu)->cpl = 3;
	memset(gpr, 0, sizeof(gpr));
}

static void
teardown(void)
{
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

/* One exit of INS (in) or OUTS at port: rep, size, DF, address size. */
static int
strio_at(unsigned port, bool in, bool rep, unsigned size, bool down,
    unsigned abits, struct hv_vmexit *vx)
{
	struct hv_exit ex;

	memset(vx, 0, sizeof(*vx));
	memset(&ex, 0, sizeof(ex));
	vx->kind = HV_VX_PIO;
	vx->rip = GCODE;
	vx->rflags = down ? X86_RFLAGS_DF : 0;
	vx->gpr = gpr;
	vx->io.port = (uint16_t)port;
	vx->io.size = (uint8_t)size;
	vx->io.in = in;
	vx->io.string = true;
	vx->io.rep = rep;
	vx->io.addr_bits = (uint8_t)abits;
	vx->io.code_bits = 64;
	vx->io.seg = in || abits == 0 ? -1 : HV_DS;
	return hv_vmexit(vcpu, vx, &ex);
}

static int
strio(bool in, bool rep, unsigned size, bool down, unsigned abits,
    struct hv_vmexit *vx)
{
	return strio_at(SP, in, rep, size, down, abits, vx);
}

/* REP INSB/OUTSB at port, 64-bit addresses, DF=0 */
static int
strio_port(bool in, unsigned port, struct hv_vmexit *vx)
{
	return strio_at(port, in, true, 1, false, 64, vx);
}

static uint64_t
in_port(unsigned port, unsigned size)
{
	return hv_pio_access(vcpu, port, size, true, 0);
}

void
test_strio_scratch_port(void)
{
	setup();
	/* any size at any offset; bytes past the fourth are not the device */
	hv_pio_access(vcpu, SP, 4, false, 0x44332211);
	CHECK_EQ(in_port(SP + 1, 2), 0x3322);
	hv_pio_access(vcpu, SP + 2, 2, false, 0xbbaa);
	CHECK_EQ(in_port(SP, 4), 0xbbaa2211);
	CHECK_EQ(in_port(SP + 3, 2), 0xffbb);
	CHECK_EQ(in_port(SP - 1, 2), 0x11ff);
	/* what the VM refuses */
	CHECK_EQ(hv_vm_add_scratch_port(vm, 0x300), HV_EBUSY);	/* a vCPU */
	teardown();
	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(hv_vm_add_scratch_port(vm, 0xfffd), HV_EINVAL);
	CHECK_EQ(hv_vm_add_scratch_port(vm, HV_GUEST_COM1 - 2), HV_EINVAL);
	CHECK_EQ(hv_vm_add_scratch_port(vm, HV_GUEST_DEBUG_EXIT - 3), HV_EINVAL);
	CHECK_EQ(hv_vm_add_scratch_port(vm, 0x100), 0);
	CHECK_EQ(hv_vm_add_scratch_port(vm, 0x103), HV_EEXIST);
	CHECK_EQ(hv_vm_add_scratch_port(vm, 0xfffc), 0);
	CHECK_EQ(hv_vm_add_scratch_port(vm, 0x200), 0);
	CHECK_EQ(hv_vm_add_scratch_port(vm, 0x300), 0);
	CHECK_EQ(hv_vm_add_scratch_port(vm, 0x400), HV_ENOSPC);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

void
test_strio_rep_outs_ins(void)
{
	struct hv_vmexit vx;
	uint8_t b[8];

	setup();
	/* REP OUTSB of 6 bytes from 3 before the end of A into B: one exit
	 * does A's 3, RIP stays; the next does the rest */
	CHECK_EQ(hv_gpa_write(vm, 0x100000 + 4093, "abc", 3), 0);
	CHECK_EQ(hv_gpa_write(vm, 0x150000, "def", 3), 0);
	gpr[HV_RSI] = GA + 4093;
	gpr[HV_RCX] = 6;
	CHECK_EQ(strio(false, true, 1, false, 64, &vx), HV_RESUME);
	CHECK(!vx.skip && !vx.exc.raise && !vx.gp);
	CHECK_EQ(gpr[HV_RCX], 3);
	CHECK_EQ(gpr[HV_RSI], GB);
	CHECK_EQ(in_port(SP, 1), 'c');
	CHECK_EQ(strio(false, true, 1, false, 64, &vx), HV_RESUME);
	CHECK(vx.skip);
	CHECK_EQ(gpr[HV_RCX], 0);
	CHECK_EQ(gpr[HV_RSI], GB + 3);
	CHECK_EQ(in_port(SP, 1), 'f');
	/* DF=1: down from 'f' to 'd', the last written is 'd' */
	gpr[HV_RSI] = GB + 2;
	gpr[HV_RCX] = 3;
	CHECK_EQ(strio(false, true, 1, true, 64, &vx), HV_RESUME);
	CHECK(vx.skip);
	CHECK_EQ(gpr[HV_RSI], GB - 1);
	CHECK_EQ(in_port(SP, 1), 'd');
	/* REP INSW, DF=1: two words at A+8 and A+6 */
	hv_pio_access(vcpu, SP, 2, false, 0x1234);
	gpr[HV_RDI] = GA + 8;
	gpr[HV_RCX] = 2;
	CHECK_EQ(strio(true, true, 2, true, 64, &vx), HV_RESUME);
	CHECK(vx.skip);
	CHECK_EQ(gpr[HV_RDI], GA + 4);
	CHECK_EQ(hv_gpa_read(vm, 0x100000 + 6, b, 4), 0);
	CHECK(memcmp(b, "\x34\x12\x34\x12", 4) == 0);
	/* INSD alone (no REP): RCX untouched */
	hv_pio_access(vcpu, SP, 4, false, 0xcafef00d);
	gpr[HV_RCX] = 77;
	CHECK_EQ(strio(true, false, 4, false, 64, &vx), HV_RESUME);
	CHECK(vx.skip);
	CHECK_EQ(gpr[HV_RCX], 77);
	CHECK_EQ(gpr[HV_RDI], GA + 8);
	CHECK_EQ(hv_gpa_read(vm, 0x100000 + 4, b, 4), 0);
	CHECK(memcmp(b, "\x0d\xf0\xfe\xca", 4) == 0);
	/* REP with RCX 0: completes, nothing moves */
	gpr[HV_RCX] = 0;
	CHECK_EQ(strio(true, true, 1, false, 64, &vx), HV_RESUME);
	CHECK(vx.skip);
	CHECK_EQ(gpr[HV_RDI], GA + 8);
	teardown();
}

void
test_strio_faults(void)
{
	struct hv_vmexit vx;

	setup();
	/* OUTSB from the unmapped page: #PF, not present, user read */
	gpr[HV_RSI] = GHOLE + 5;
	gpr[HV_RCX] = 4;
	CHECK_EQ(strio(false, true, 1, false, 64, &vx), HV_RESUME);
	CHECK(vx.exc.raise && vx.exc.vector == X86_VEC_PF && !vx.skip);
	CHECK_EQ(vx.cr2, GHOLE + 5);
	CHECK_EQ(vx.exc.err, X86_PFERR_U);
	CHECK_EQ(gpr[HV_RCX], 4);
	CHECK_EQ(gpr[HV_RSI], GHOLE + 5);
	/* INSB into read-only B: present, write, user; the port not read */
	gpr[HV_RDI] = GB + 1;
	gpr[HV_RCX] = 2;
	CHECK_EQ(strio(true, true, 1, false, 64, &vx), HV_RESUME);
	CHECK(vx.exc.raise && vx.exc.vector == X86_VEC_PF);
	CHECK_EQ(vx.cr2, GB + 1);
	CHECK_EQ(vx.exc.err, X86_PFERR_P | X86_PFERR_W | X86_PFERR_U);
	CHECK_EQ(gpr[HV_RDI], GB + 1);
	/* a word across A's end into B, written: the fault is at B's start */
	gpr[HV_RDI] = GB - 1;
	CHECK_EQ(strio(true, false, 2, false, 64, &vx), HV_RESUME);
	CHECK(vx.exc.raise && vx.exc.vector == X86_VEC_PF);
	CHECK_EQ(vx.cr2, GB);
	/* REP INSB onto the guest's own PML4 (all ones from an absent port):
	 * the first chunk is done, the second no longer translates; the exit
	 * ends with that much, the next one walks again and faults (RSVD) */
	t_gmap(vm, ROOT, &(uint64_t){ ROOT + 0x10000 }, GA + 0x3000, ROOT,
	    X86_PTE_P | X86_PTE_RW | X86_PTE_US);
	gpr[HV_RDI] = GA + 0x3000;
	gpr[HV_RCX] = 512;
	CHECK_EQ(strio_port(true, 0x80, &vx), HV_RESUME);
	CHECK(!vx.skip && !vx.exc.raise);
	CHECK_EQ(gpr[HV_RDI], GA + 0x3000 + 256);
	CHECK_EQ(gpr[HV_RCX], 256);
	CHECK_EQ(strio_port(true, 0x80, &vx), HV_RESUME);
	CHECK(vx.exc.raise && vx.exc.vector == X86_VEC_PF && !vx.skip);
	CHECK_EQ(vx.exc.err, X86_PFERR_P | X86_PFERR_W | X86_PFERR_U | X86_PFERR_RSVD);
	CHECK_EQ(gpr[HV_RCX], 256);
	teardown();
	setup();
	/* a non-canonical address: #GP(0) */
	gpr[HV_RSI] = 0x8000000000000000ull;
	CHECK_EQ(strio(false, false, 1, false, 64, &vx), HV_RESUME);
	CHECK(vx.gp && !vx.exc.raise && !vx.skip);
	teardown();
}

void
test_strio_addr_size(void)
{
	struct hv_vmexit vx;
	/* 67 F3 6E: a32 rep outsb; 66 F3 6D: rep insw */
	static const uint8_t code[] = { 0x67, 0xf3, 0x6e, 0x66, 0xf3, 0x6d };

	setup();
	/* 32-bit addresses: ESI and ECX only, written zero-extended */
	t_gmap(vm, ROOT, &(uint64_t){ ROOT + 0x10000 }, 0x400000, 0x100000,
	    X86_PTE_P | X86_PTE_RW | X86_PTE_US);
	CHECK_EQ(hv_gpa_write(vm, 0x100000 + 0x10, "xyz", 3), 0);
	gpr[HV_RSI] = 0xdead000000400010ull;
	gpr[HV_RCX] = 0xffffffff00000003ull;
	CHECK_EQ(strio(false, true, 1, false, 32, &vx), HV_RESUME);
	CHECK(vx.skip);
	CHECK_EQ(gpr[HV_RSI], 0x400013);	/* zero-extended */
	CHECK_EQ(gpr[HV_RCX], 0);
	CHECK_EQ(in_port(SP, 1), 'z');
	/* not given by the exit: from the prefixes at RIP (67: 32 bits) */
	CHECK_EQ(hv_gpa_write(vm, 0x100000 + 0x800, code, sizeof(code)), 0);
	gpr[HV_RSI] = 0x100000400010ull;
	gpr[HV_RCX] = 1;
	CHECK_EQ(strio(false, true, 1, false, 0, &vx), HV_RESUME);
	CHECK(vx.skip);
	CHECK_EQ(gpr[HV_RSI], 0x400011);
	CHECK_EQ(in_port(SP, 1), 'x');
	teardown();
}
