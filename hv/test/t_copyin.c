/*
 * t_copyin.c - the copyin family through a guest's own 4 KiB page tables:
 * page crossing onto a non-adjacent frame, EFAULT on unmapped, read-only
 * and supervisor pages, copyinstr terminators, the fu/su words, walks
 * into guest memory that is not backed yet, and the paging mode taken from
 * the guest's registers (32-bit paging).
 */
#include <string.h>
#include "test.h"
#include "x86_arch.h"

#define ROOT	0x8000ull
#define P	X86_PTE_P
#define W	X86_PTE_RW
#define U	X86_PTE_US

static uint64_t next_table;

/* Map gva -> gpa (4 KiB) in the guest tables under root (4-level), new
 * tables from *next_table up (also t_strio.c). */
void
t_gmap(struct hv_vm *vm, uint64_t root, uint64_t *next_table, uint64_t gva,
    uint64_t gpa, uint64_t flags)
{
	uint64_t table = root, e;
	int level;

	for (level = 4; level > 1; level--) {
		uint64_t slot = table + ((gva >> (12 + 9 * (level - 1))) & 511) * 8;

		CHECK_EQ(hv_gpa_read(vm, slot, &e, 8), 0);
		if (!(e & P)) {
			e = *next_table | P | W | U;
			*next_table += 0x1000;
			CHECK_EQ(hv_gpa_write(vm, slot, &e, 8), 0);
		}
		table = e & 0x000ffffffffff000ull;
	}
	e = gpa | flags;
	CHECK_EQ(hv_gpa_write(vm, table + ((gva >> 12) & 511) * 8, &e, 8), 0);
}

static void
gmap(struct hv_vm *vm, uint64_t gva, uint64_t gpa, uint64_t flags)
{
	t_gmap(vm, ROOT, &next_table, gva, gpa, flags);
}

static struct hv_vm *vm;
static struct hv_vcpu *vcpu;

/* The guest's leaf entry for gva (tables built by gmap). */
static uint64_t
leaf_of(uint64_t gva)
{
	uint64_t table = ROOT, e = 0;
	int level;

	for (level = 4; level >= 1; level--) {
		uint64_t slot = table + ((gva >> (12 + 9 * (level - 1))) & 511) * 8;

		CHECK_EQ(hv_gpa_read(vm, slot, &e, 8), 0);
		table = e & 0x000ffffffffff000ull;
	}
	return e;
}

/* gva 0x7000400000.. : pages A (gpa 0x100000), B (gpa 0x150000,
 * read-only), C (gpa 0x120000, supervisor only), then an unmapped page;
 * D (gpa 0x1a0000) just below A. */
#define GA	0x7000400000ull
#define GD	(GA - 0x1000)
#define GB	(GA + 0x1000)
#define GC	(GA + 0x2000)
#define GHOLE	(GA + 0x3000)

static void
setup(void)
{
	t_setup_vcpu(&vm, &vcpu);
	next_table = ROOT + 0x1000;
	gmap(vm, GD, 0x1a0000, P | W | U);
	gmap(vm, GA, 0x100000, P | W | U);
	gmap(vm, GB, 0x150000, P | U);
	gmap(vm, GC, 0x120000, P | W);
	fake_regs(vcpu)->cr3 = ROOT;
	fake_regs(vcpu)->cpl = 0;
}

static void
teardown(void)
{
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

void
test_copyin_page_crossing(void)
{
	char in[64], out[64];
	size_t i;

	setup();
	for (i = 0; i < sizeof(in); i++)
		in[i] = (char)('A' + i % 26);
	/* 32 bytes at the end of A, 32 at the start of B (another frame) */
	CHECK_EQ(hv_gpa_write(vm, 0x100000 + 4096 - 32, in, 32), 0);
	CHECK_EQ(hv_gpa_write(vm, 0x150000, in + 32, 32), 0);
	memset(out, 0, sizeof(out));
	CHECK_EQ(hv_copyin(vcpu, GB - 32, out, 64), 0);
	CHECK(memcmp(in, out, 64) == 0);
	/* copyout across D|A, read back physically */
	CHECK_EQ(hv_copyout(vcpu, in, GA - 10, 20), 0);
	memset(out, 0, sizeof(out));
	CHECK_EQ(hv_gpa_read(vm, 0x1a0000 + 4096 - 10, out, 10), 0);
	CHECK_EQ(hv_gpa_read(vm, 0x100000, out + 10, 10), 0);
	CHECK(memcmp(out, in, 20) == 0);
	/* the guest's leaf entries of D and A now say accessed and dirty, B's
	 * (only read) accessed but clean, as the CPU would have left them */
	{
		uint64_t pml4e;

		CHECK_EQ(leaf_of(GD) & 0x60, 0x60);
		CHECK_EQ(leaf_of(GA) & 0x60, 0x60);
		CHECK_EQ(leaf_of(GB) & 0x60, 0x20);
		CHECK_EQ(leaf_of(GC) & 0x60, 0);
		CHECK_EQ(hv_gpa_read(vm, ROOT + ((GA >> 39) & 511) * 8, &pml4e, 8), 0);
		CHECK_EQ(pml4e & 0x60, 0x20);
	}
	/* words across a page boundary */
	CHECK_EQ(hv_suword64(vcpu, GA - 4, 0x1122334455667788ull), 0);
	{
		uint64_t v64 = 0;
		uint32_t v32 = 0;

		CHECK_EQ(hv_fuword64(vcpu, GA - 4, &v64), 0);
		CHECK_EQ(v64, 0x1122334455667788ull);
		CHECK_EQ(hv_suword32(vcpu, GA + 8, 0xdeadbeef), 0);
		CHECK_EQ(hv_fuword32(vcpu, GA + 8, &v32), 0);
		CHECK_EQ(v32, 0xdeadbeef);
		CHECK_EQ(hv_fubyte(vcpu, GA + 8), 0xef);
	}
	teardown();
}

void
test_copyin_efault(void)
{
	char buf[256];
	uint64_t v;

	setup();
	/* running into the unmapped page */
	CHECK_EQ(hv_copyin(vcpu, GHOLE - 8, buf, 16), HV_EFAULT);
	CHECK_EQ(hv_copyin(vcpu, GHOLE, buf, 1), HV_EFAULT);
	CHECK_EQ(hv_fubyte(vcpu, GHOLE), -1);
	CHECK_EQ(hv_fuword64(vcpu, GHOLE - 4, &v), HV_EFAULT);
	CHECK_EQ(hv_suword32(vcpu, GHOLE + 0x100, 1), HV_EFAULT);
	/* non-canonical and far away */
	CHECK_EQ(hv_copyin(vcpu, 0x0000800000000000ull, buf, 1), HV_EFAULT);
	CHECK_EQ(hv_copyin(vcpu, 0xffffffff80000000ull, buf, 1), HV_EFAULT);
	/* read-only page: the kernel may write it (CR0.WP=1 forbids) */
	CHECK_EQ(hv_suword32(vcpu, GB, 1), HV_EFAULT);
	fake_regs(vcpu)->cr0 &= ~(1ull << 16);
	CHECK_EQ(hv_suword32(vcpu, GB, 1), 0);
	/* user mode: no write to B even without WP, no access to C */
	fake_regs(vcpu)->cpl = 3;
	CHECK_EQ(hv_suword32(vcpu, GB, 1), HV_EFAULT);
	CHECK_EQ(hv_fuword64(vcpu, GB, &v), 0);
	CHECK_EQ(hv_fubyte(vcpu, GC), -1);
	CHECK_EQ(hv_copyin(vcpu, GB + 4000, buf, 200), HV_EFAULT);	/* B|C */
	fake_regs(vcpu)->cpl = 0;
	CHECK_EQ(hv_copyin(vcpu, GB + 4000, buf, 200), 0);
	/* a copyout that faults on its second page writes nothing at all */
	memset(buf, 0x77, sizeof(buf));
	CHECK_EQ(hv_copyout(vcpu, buf, GHOLE - 16, 32), HV_EFAULT);
	CHECK_EQ(hv_copyin(vcpu, GHOLE - 16, buf, 16), 0);
	CHECK_EQ(buf[0] | buf[15], 0);
	/* wrap-around of the address space */
	CHECK_EQ(hv_copyin(vcpu, 0xfffffffffffffff0ull, buf, 32), HV_EFAULT);
	/* a leaf pointing beyond guest memory */
	gmap(vm, GHOLE, T_MEM, P | W | U);
	CHECK_EQ(hv_fubyte(vcpu, GHOLE), -1);
	CHECK(HV_STAT(copyin_faults) >= 10);
	teardown();
}

void
test_copyinstr(void)
{
	char s[64];
	size_t done = 99;

	setup();
	/* "hello" ending on the next page (A|B) */
	CHECK_EQ(hv_gpa_write(vm, 0x100000 + 4096 - 3, "hel", 3), 0);
	CHECK_EQ(hv_gpa_write(vm, 0x150000, "lo\0", 3), 0);
	CHECK_EQ(hv_copyinstr(vcpu, GB - 3, s, sizeof(s), &done), 0);
	CHECK(strcmp(s, "hello") == 0);
	CHECK_EQ(done, 6);
	/* no terminator within the limit */
	CHECK_EQ(hv_copyinstr(vcpu, GB - 3, s, 4, &done), HV_ENAMETOOLONG);
	CHECK_EQ(done, 4);
	CHECK_EQ(hv_copyinstr(vcpu, GB - 3, s, 0, &done), HV_ENAMETOOLONG);
	CHECK_EQ(done, 0);
	/* exactly the limit, terminator included */
	CHECK_EQ(hv_copyinstr(vcpu, GB - 3, s, 6, &done), 0);
	CHECK_EQ(done, 6);
	/* a string that ends right before the unmapped page: fine */
	CHECK_EQ(hv_gpa_write(vm, 0x120000 + 4096 - 3, "ab\0", 3), 0);
	CHECK_EQ(hv_copyinstr(vcpu, GHOLE - 3, s, sizeof(s), &done), 0);
	CHECK(strcmp(s, "ab") == 0);
	/* one that runs into it: EFAULT */
	CHECK_EQ(hv_gpa_write(vm, 0x120000 + 4096 - 3, "abc", 3), 0);
	CHECK_EQ(hv_copyinstr(vcpu, GHOLE - 3, s, sizeof(s), &done), HV_EFAULT);
	/* NULL done is allowed */
	CHECK_EQ(hv_copyinstr(vcpu, GB - 3, s, sizeof(s), NULL), 0);
	teardown();
}

/* The last page of the address space (canonical, upper half). */
#define GTOP	0xfffffffffffff000ull

void
test_copyinstr_top(void)
{
	char s[64];
	size_t done = 99;

	setup();
	gmap(vm, GTOP, 0x160000, P | W | U);
	/* a short string 16 bytes below 2^64, read with a limit that would
	 * reach past the top: only what is read counts */
	CHECK_EQ(hv_gpa_write(vm, 0x160000 + 4096 - 16, "top\0", 4), 0);
	CHECK_EQ(hv_copyinstr(vcpu, GTOP + 4096 - 16, s, sizeof(s), &done), 0);
	CHECK(strcmp(s, "top") == 0);
	CHECK_EQ(done, 4);
	/* its terminator on the very last byte */
	CHECK_EQ(hv_gpa_write(vm, 0x160000 + 4096 - 16, "0123456789abcde\0", 16), 0);
	CHECK_EQ(hv_copyinstr(vcpu, GTOP + 4096 - 16, s, sizeof(s), &done), 0);
	CHECK_EQ(done, 16);
	/* none before the top: the read would wrap to 0 */
	CHECK_EQ(hv_gpa_write(vm, 0x160000 + 4096 - 1, "f", 1), 0);
	CHECK_EQ(hv_copyinstr(vcpu, GTOP + 4096 - 16, s, sizeof(s), &done), HV_EFAULT);
	/* a limit that ends exactly at the top: no terminator within it */
	CHECK_EQ(hv_copyinstr(vcpu, GTOP + 4096 - 16, s, 16, &done), HV_ENAMETOOLONG);
	CHECK_EQ(done, 16);
	/* copyin still refuses a range that wraps, whatever it holds */
	CHECK_EQ(hv_copyin(vcpu, GTOP + 4096 - 16, s, 17), HV_EFAULT);
	teardown();
}

void
test_copyin_faults_tables_in_once(void)
{
	char buf[8];
	uint64_t backed;

	t_setup_vcpu(&vm, &vcpu);
	/* the boot tables (3 pages) exist, the data page is not backed yet */
	CHECK_EQ(hv_vm_load_image(vm, "x", 1), 0);
	CHECK_EQ(hv_vm_resident_pages(vm), 4);
	hv_vm_pageout(vm, 0, T_MEM);		/* now nothing is resident */
	CHECK_EQ(hv_vm_resident_pages(vm), 0);
	backed = HV_STAT(pages_backed);
	/* identity-mapped read of an untouched page: the three table pages
	 * come back once each, the data page is backed once, zeroed */
	memset(buf, 1, sizeof(buf));
	CHECK_EQ(hv_copyin(vcpu, 0x345000, buf, sizeof(buf)), 0);
	CHECK_EQ(buf[0] | buf[7], 0);
	CHECK_EQ(HV_STAT(pageins), 3);
	CHECK_EQ(HV_STAT(pages_backed), backed + 1);
	CHECK_EQ(hv_vm_resident_pages(vm), 4);
	/* again: nothing new */
	CHECK_EQ(hv_copyin(vcpu, 0x345000, buf, sizeof(buf)), 0);
	CHECK_EQ(HV_STAT(pages_backed), backed + 1);
	CHECK_EQ(hv_vm_resident_pages(vm), 4);
	/* through the 2 MiB boot mapping to the image at 2 MiB */
	CHECK_EQ(hv_fubyte(vcpu, HV_GUEST_LOAD_GPA), 'x');
	teardown();
}

void
test_translate(void)
{
	uint64_t gpa = 0;

	setup();
	CHECK_EQ(hv_vcpu_translate(vcpu, GB + 0x123, false, &gpa), 0);
	CHECK_EQ(gpa, 0x150123);
	/* a translation query is not an access: no accessed flag */
	CHECK_EQ(leaf_of(GB) & 0x60, 0);
	CHECK_EQ(hv_vcpu_translate(vcpu, GB, true, &gpa), HV_EFAULT);	/* RO, WP */
	CHECK_EQ(hv_vcpu_translate(vcpu, GHOLE, false, &gpa), HV_EFAULT);
	fake_regs(vcpu)->cpl = 3;
	CHECK_EQ(hv_vcpu_translate(vcpu, GC, false, &gpa), HV_EFAULT);
	/* paging off: guest-virtual is guest-physical, inside memory only */
	fake_regs(vcpu)->cr0 &= ~(1ull << 31);
	CHECK_EQ(hv_vcpu_translate(vcpu, 0x1234, true, &gpa), 0);
	CHECK_EQ(gpa, 0x1234);
	CHECK_EQ(hv_vcpu_translate(vcpu, T_MEM, false, &gpa), HV_EFAULT);
	CHECK_EQ(hv_fubyte(vcpu, T_MEM - 1), 0);
	CHECK_EQ(hv_fubyte(vcpu, T_MEM), -1);
	teardown();
}

/* The walk follows the guest's paging mode as its registers say: 32-bit
 * paging (CR4.PAE clear) with 4-byte entries, 4 KiB and 4 MiB pages. */
void
test_copyin_guest_32bit_paging(void)
{
	const uint64_t va = 0x00401234, va4m = 0x00f00010;
	uint32_t pde = 0x9000 | P | W | U, pte = 0x100000 | P | W | U;
	uint32_t pde4m = P | W | U | X86_PTE_PS;	/* 4 MiB at GPA 0 */
	char out[8] = { 0 };

	t_setup_vcpu(&vm, &vcpu);
	CHECK_EQ(hv_gpa_write(vm, ROOT + 4 * (va >> 22), &pde, 4), 0);
	CHECK_EQ(hv_gpa_write(vm, 0x9000 + 4 * ((va >> 12) & 1023), &pte, 4), 0);
	CHECK_EQ(hv_gpa_write(vm, ROOT + 4 * (va4m >> 22), &pde4m, 4), 0);
	CHECK_EQ(hv_gpa_write(vm, 0x100234, "mode32", 7), 0);
	CHECK_EQ(hv_gpa_write(vm, 0x300010, "pse4m", 6), 0);
	fake_regs(vcpu)->cr3 = ROOT;
	fake_regs(vcpu)->cr4 = X86_CR4_PSE;
	fake_regs(vcpu)->efer = 0;
	CHECK_EQ(hv_copyin(vcpu, va, out, 7), 0);
	CHECK(strcmp(out, "mode32") == 0);
	CHECK_EQ(hv_copyin(vcpu, va4m, out, 6), 0);
	CHECK(strcmp(out, "pse4m") == 0);
	/* the same tables read as 4-level ones translate nothing */
	fake_regs(vcpu)->cr4 = X86_CR4_PAE;
	fake_regs(vcpu)->efer = X86_EFER_LMA | X86_EFER_LME;
	CHECK_EQ(hv_copyin(vcpu, va, out, 7), HV_EFAULT);
	teardown();
}
