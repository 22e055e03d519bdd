/*
 * t_vmport.c - the VMware backdoor (hv/vmport.c) of a VM whose model has
 * it, and its absence otherwise: #GP intercepted; GETVERSION and an unknown
 * command on port 0x5658 through an I/O exit; RDPMC of the pseudo-counters
 * through an RDPMC exit; and a #GP exit decoded from the guest's bytes (IN
 * and RDPMC done in place with their length, anything else left to the
 * backend to deliver).
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"

#define PORT	0x5658
#define MAGIC	0x564d5868u

/* the faulting instructions, at HV_GUEST_LOAD_GPA + their offset */
static const uint8_t code[] = {
	0xed,			/* 0: in eax, dx */
	0x66, 0xed,		/* 1: in ax, dx */
	0x0f, 0x33,		/* 3: rdpmc */
	0x48, 0xef,		/* 5: rex.w out dx, eax (64-bit code only) */
	0xe5, 0x58,		/* 7: in eax, 0x58 */
};

static struct hv_vm *vm;
static struct hv_vcpu *vcpu;
static uint64_t gpr[HV_NGPRS];

static void
setup(bool backdoor)
{
	struct hv_vm_model m = { .vmware_backdoor = backdoor };

	t_setup_model(&m, code, sizeof(code), &vm, &vcpu);
	CHECK_EQ((hv_exception_intercepts(vm) >> X86_VEC_GP) & 1, backdoor);
}

static void
teardown(void)
{
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

/* one exit of kind with the registers in gpr[]: 's' done (skip), 'g'
 * #GP(0), '-' neither (a #GP left to the backend) */
static char
vmexit(struct hv_vmexit *vx)
{
	struct hv_exit ex;

	memset(&ex, 0, sizeof(ex));
	vx->gpr = gpr;
	CHECK_EQ(hv_vmexit(vcpu, vx, &ex), HV_RESUME);
	return vx->skip ? 's' : vx->gp ? 'g' : '-';
}

static char
in32(uint16_t port, uint32_t eax, uint32_t ecx)
{
	struct hv_vmexit vx = { .kind = HV_VX_PIO };

	vx.io.port = port;
	vx.io.size = 4;
	vx.io.in = true;
	gpr[HV_RAX] = eax;
	gpr[HV_RBX] = 0xdeadbeef;
	gpr[HV_RCX] = ecx;
	return vmexit(&vx);
}

static char
rdpmc(uint32_t ecx)
{
	struct hv_vmexit vx = { .kind = HV_VX_RDPMC };

	gpr[HV_RCX] = ecx;
	gpr[HV_RAX] = gpr[HV_RDX] = ~0ull;
	return vmexit(&vx);
}

/* a #GP at code offset off in 64-bit code, RDX = the port: its outcome,
 * *len the length completed */
static char
gp_at(unsigned off, uint16_t port, unsigned *len)
{
	struct hv_vmexit vx = { .kind = HV_VX_GP, .code64 = true };
	char r;

	vx.rip = HV_GUEST_LOAD_GPA + off;
	gpr[HV_RDX] = port;
	r = vmexit(&vx);
	*len = vx.len;
	return r;
}

void
test_vmport_backdoor(void)
{
	unsigned len;

	setup(true);
	/* GETVERSION: version, magic, product type */
	CHECK_EQ(in32(PORT, MAGIC, 10), 's');
	CHECK_EQ(gpr[HV_RAX], 6);
	CHECK_EQ(gpr[HV_RBX], MAGIC);
	CHECK_EQ(gpr[HV_RCX], 2);
	/* another command: the registers as they were */
	CHECK_EQ(in32(PORT, MAGIC, 0xfff), 's');
	CHECK_EQ(gpr[HV_RAX], MAGIC);
	CHECK_EQ(gpr[HV_RBX], 0xdeadbeef);
	/* no magic, or another port: nothing answers */
	CHECK_EQ(in32(PORT, 0, 10), 's');
	CHECK_EQ(gpr[HV_RAX], 0xffffffffull);
	CHECK_EQ(gpr[HV_RBX], 0xdeadbeef);
	CHECK_EQ(in32(PORT + 2, MAGIC, 10), 's');
	CHECK_EQ(gpr[HV_RAX], 0xffffffffull);
	/* the pseudo-counters; any other counter #GP */
	CHECK_EQ(rdpmc(0x10000), 's');
	CHECK(gpr[HV_RAX] >> 32 == 0 && gpr[HV_RDX] >> 32 == 0 &&
	    (gpr[HV_RAX] | gpr[HV_RDX]) != 0);
	CHECK_EQ(rdpmc(0x10001), 's');
	CHECK_EQ(rdpmc(0x10002), 's');
	CHECK_EQ(rdpmc(0x10003), 'g');
	CHECK_EQ(rdpmc(0), 'g');
	/* a #GP: IN EAX, DX on the port done in place, one byte */
	gpr[HV_RAX] = MAGIC;
	gpr[HV_RBX] = 0;
	gpr[HV_RCX] = 10;
	CHECK_EQ(gp_at(0, PORT, &len), 's');
	CHECK_EQ(len, 1);
	CHECK_EQ(gpr[HV_RBX], MAGIC);
	/* IN AX, DX: a 16-bit access to nothing, AX all ones; two bytes */
	gpr[HV_RAX] = 0x1234000000005678ull;
	CHECK_EQ(gp_at(1, PORT, &len), 's');
	CHECK_EQ(len, 2);
	CHECK_EQ(gpr[HV_RAX], 0x123400000000ffffull);
	/* another port, or IN with an immediate port: the guest's #GP */
	CHECK_EQ(gp_at(0, 0x1234, &len), '-');
	CHECK_EQ(gp_at(7, PORT, &len), '-');
	/* REX.W OUT: an OUT to the port, dropped */
	CHECK_EQ(gp_at(5, PORT, &len), 's');
	CHECK_EQ(len, 2);
	/* RDPMC of a pseudo-counter done, of another left */
	gpr[HV_RCX] = 0x10002;
	CHECK_EQ(gp_at(3, PORT, &len), 's');
	CHECK_EQ(len, 2);
	gpr[HV_RCX] = 1;
	CHECK_EQ(gp_at(3, PORT, &len), '-');
	teardown();
}

void
test_vmport_absent(void)
{
	unsigned len;

	setup(false);
	CHECK_EQ(in32(PORT, MAGIC, 10), 's');
	CHECK_EQ(gpr[HV_RAX], 0xffffffffull);
	CHECK_EQ(gpr[HV_RBX], 0xdeadbeef);
	CHECK_EQ(rdpmc(0x10000), 'g');
	gpr[HV_RAX] = MAGIC;
	gpr[HV_RCX] = 10;
	CHECK_EQ(gp_at(0, PORT, &len), '-');
	teardown();
}
