/*
 * t_gmem.c - guest-physical memory: demand backing, nested faults,
 * pageout and fault-in keeping the data, the local-vs-IPI invalidation
 * decision, flushes at entry, the boot image and its page tables.
 */
#include <string.h>
#include "test.h"


void
test_gmem_demand_backing(void)
{
	struct hv_vm *vm;
	char buf[8192], out[8192];
	uint64_t hpa;
	unsigned prot;
	int level;

	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(hv_vm_resident_pages(vm), 0);
	/* a write across a page boundary backs exactly two pages */
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(hv_gpa_write(vm, 0x10ff0, buf, 0x20), 0);
	CHECK_EQ(hv_vm_resident_pages(vm), 2);
	/* reading an untouched page backs it with zeros */
	memset(out, 1, sizeof(out));
	CHECK_EQ(hv_gpa_read(vm, 0x30000, out, 16), 0);
	CHECK_EQ(out[0] | out[15], 0);
	CHECK_EQ(hv_vm_resident_pages(vm), 3);
	CHECK_EQ(hv_gpa_read(vm, 0x10ff0, out, 0x20), 0);
	CHECK(memcmp(out, buf, 0x20) == 0);
	/* outside guest memory, and wrap-around */
	CHECK_EQ(hv_gpa_read(vm, T_MEM - 4, out, 8), HV_EFAULT);
	CHECK_EQ(hv_gpa_write(vm, T_MEM, buf, 1), HV_EFAULT);
	CHECK_EQ(hv_gpa_read(vm, ~0ull - 2, out, 8), HV_EFAULT);
	/* a nested fault maps the backing page RWX at 4 KiB */
	CHECK_EQ(hv_nested_fault(vm, 0x10ff8, HV_ACC_WRITE), 0);
	CHECK_EQ(hv_ntable_lookup(&vm->nt, 0x10ff8, &hpa, &prot, &level), 0);
	CHECK_EQ(hpa, hv_os_virt_to_phys(vm->pages[0x10]) + 0xff8);
	CHECK_EQ(prot, HV_PROT_RWX);
	CHECK_EQ(level, 1);
	CHECK_EQ(hv_vm_resident_pages(vm), 3);
	CHECK_EQ(hv_nested_fault(vm, 0x200000, 0), 0);	/* new page */
	CHECK_EQ(hv_vm_resident_pages(vm), 4);
	CHECK_EQ(hv_nested_fault(vm, T_MEM, 0), HV_EFAULT);
	CHECK_EQ(HV_STAT(nested_fault_errors), 1);
	/* out of memory in a fault: error, nothing half done */
	fake_fail_at = fake_allocs + 1;
	CHECK_EQ(hv_nested_fault(vm, 0x300000, 0), HV_ENOMEM);
	CHECK(vm->pages[0x300] == NULL);
	CHECK_EQ(hv_vm_resident_pages(vm), 4);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

void
test_pageout_keeps_data(void)
{
	struct hv_vm *vm;
	char buf[3 * 4096], out[3 * 4096];
	uint64_t hpa_before, hpa_after, gen;
	size_t i;

	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7 + 3);
	CHECK_EQ(hv_gpa_write(vm, 0x40000, buf, sizeof(buf)), 0);
	for (i = 0; i < 3; i++)
		CHECK_EQ(hv_nested_fault(vm, 0x40000 + i * 4096, 0), 0);
	CHECK_EQ(hv_ntable_lookup(&vm->nt, 0x41000, &hpa_before, NULL, NULL), 0);
	CHECK_EQ(hv_vm_resident_pages(vm), 3);
	gen = vm->inval_gen;

	CHECK_EQ(hv_vm_pageout(vm, 0x40000, 2 * 4096), 0);
	CHECK_EQ(hv_vm_resident_pages(vm), 1);
	CHECK_EQ(vm->inval_gen, gen + 1);
	CHECK_EQ(hv_ntable_lookup(&vm->nt, 0x40000, NULL, NULL, NULL), HV_ENOENT);
	CHECK_EQ(hv_ntable_lookup(&vm->nt, 0x41000, NULL, NULL, NULL), HV_ENOENT);
	CHECK_EQ(hv_ntable_lookup(&vm->nt, 0x42000, NULL, NULL, NULL), 0);
	CHECK(vm->swapped[0x40] != NULL && vm->swapped[0x41] != NULL);
	CHECK_EQ(HV_STAT(pageouts), 2);
	/* the guest touches the page again: same data, another host frame */
	CHECK_EQ(hv_nested_fault(vm, 0x41010, HV_ACC_WRITE), 0);
	CHECK_EQ(hv_ntable_lookup(&vm->nt, 0x41000, &hpa_after, NULL, NULL), 0);
	CHECK(hpa_after != hpa_before);
	CHECK(vm->swapped[0x41] == NULL);
	CHECK_EQ(HV_STAT(pageins), 1);
	CHECK_EQ(hv_vm_resident_pages(vm), 2);
	/* the host reading a paged-out page also brings it back */
	memset(out, 0, sizeof(out));
	CHECK_EQ(hv_gpa_read(vm, 0x40000, out, sizeof(out)), 0);
	CHECK(memcmp(out, buf, sizeof(buf)) == 0);
	CHECK_EQ(hv_vm_resident_pages(vm), 3);
	/* pageout of never-touched pages is harmless; bad ranges refused */
	CHECK_EQ(hv_vm_pageout(vm, 0x100000, 0x10000), 0);
	CHECK_EQ(hv_vm_resident_pages(vm), 3);
	CHECK_EQ(hv_vm_pageout(vm, 0x40001, 4096), HV_EINVAL);
	CHECK_EQ(hv_vm_pageout(vm, T_MEM - 4096, 8192), HV_EINVAL);
	/* page out everything; destroy frees the saved copies too */
	CHECK_EQ(hv_vm_pageout(vm, 0, T_MEM), 0);
	CHECK_EQ(hv_vm_resident_pages(vm), 0);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

/* swapped[] comes with the first pageout; a second RAM range added after
 * it keeps the copies */
void
test_pageout_makes_swapped(void)
{
	const uint64_t ram = 0xff000000ull, len = 0x10000;
	struct hv_vm *vm;
	char buf[16] = "paged out", out[16];

	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK(vm->swapped == NULL);
	CHECK_EQ(hv_gpa_write(vm, 0x7000, buf, sizeof(buf)), 0);
	CHECK_EQ(hv_nested_fault(vm, 0x7000, 0), 0);
	/* no memory for the array: refused before anything is unmapped */
	fake_fail_at = fake_allocs + 1;
	CHECK_EQ(hv_vm_pageout(vm, 0x7000, 4096), HV_ENOMEM);
	fake_fail_at = 0;
	CHECK(vm->swapped == NULL);
	CHECK(vm->pages[7] != NULL);
	CHECK_EQ(hv_ntable_lookup(&vm->nt, 0x7000, NULL, NULL, NULL), 0);
	CHECK_EQ(hv_vm_pageout(vm, 0x7000, 4096), 0);
	CHECK(vm->swapped != NULL && vm->swapped[7] != NULL);
	CHECK(vm->pages[7] == NULL);
	/* the bigger arrays carry the copy over */
	CHECK_EQ(hv_vm_add_ram(vm, ram, len), 0);
	CHECK(vm->swapped[7] != NULL);
	CHECK(vm->swapped[(T_MEM >> 12)] == NULL);
	CHECK_EQ(hv_vm_pageout(vm, ram, len), 0);
	memset(out, 0, sizeof(out));
	CHECK_EQ(hv_gpa_read(vm, 0x7000, out, sizeof(out)), 0);
	CHECK(memcmp(out, buf, sizeof(buf)) == 0);
	CHECK(vm->swapped[7] == NULL);
	CHECK_EQ(HV_STAT(pageins), 1);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

static struct hv_vcpu *ipi_vcpu;
static int ipi_exits;		/* IPIs after which the vCPU leaves the guest */

static void
ipi_leaves_guest(int cpu)
{
	if (ipi_vcpu != NULL && ipi_vcpu->running_on == cpu && ipi_exits > 0) {
		ipi_exits--;
		ipi_vcpu->running_on = -1;
	}
}

void
test_invalidation_local_vs_ipi(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *v0, *v1;
	struct hv_exit ex;
	char buf[16] = "data";

	fake_ncpus = 4;
	t_setup_vcpu(&vm, &v0);
	CHECK_EQ(hv_vcpu_create(vm, 1, &v1), 0);

	/* only this CPU (2) ever ran the VM: no cross-CPU work */
	fake_cpu = 2;
	CHECK_EQ(hv_vcpu_run(v0, &ex), 0);
	CHECK_EQ(vm->cpus_ran, 1u << 2);
	CHECK_EQ(v0->running_on, -1);
	CHECK_EQ(hv_gpa_write(vm, 0x5000, buf, sizeof(buf)), 0);
	CHECK_EQ(hv_nested_fault(vm, 0x5000, 0), 0);
	CHECK_EQ(hv_vm_pageout(vm, 0x5000, 4096), 0);
	CHECK_EQ(HV_STAT(inval_local), 1);
	CHECK_EQ(HV_STAT(inval_ipi), 0);
	CHECK_EQ(fake_ipis[0] + fake_ipis[1] + fake_ipis[3], 0);

	/* CPU 3 ran it too but runs no vCPU now: the next entry flushes */
	fake_cpu = 3;
	CHECK_EQ(hv_vcpu_run(v1, &ex), 0);
	fake_cpu = 2;
	CHECK_EQ(hv_nested_fault(vm, 0x5000, 0), 0);
	CHECK_EQ(hv_vm_pageout(vm, 0x5000, 4096), 0);
	CHECK_EQ(HV_STAT(inval_ipi), 1);
	CHECK_EQ(fake_ipis[3], 0);
	CHECK_EQ(HV_STAT(pageouts), 2);

	/* v1 is in the guest on CPU 3: it is interrupted and waited for */
	v1->running_on = 3;
	ipi_vcpu = v1;
	ipi_exits = 1;
	fake_ipi_hook = ipi_leaves_guest;
	CHECK_EQ(hv_nested_fault(vm, 0x5000, 0), 0);
	CHECK_EQ(hv_vm_pageout(vm, 0x5000, 4096), 0);
	CHECK_EQ(fake_ipis[3], 1);
	CHECK_EQ(HV_STAT(ipis_sent), 1);
	CHECK_EQ(HV_STAT(pageouts), 3);
	CHECK_EQ(fake_ipis[2], 0);		/* never itself */

	/* a CPU that does not leave the guest: retried, then the pageout
	 * gives up and keeps the page (no frame freed under a guest) */
	v1->running_on = 3;
	ipi_exits = 0;
	fake_time_step = 100000;		/* 0.1 ms per clock read */
	CHECK_EQ(hv_nested_fault(vm, 0x5000, 0), 0);
	CHECK_EQ(hv_vm_pageout(vm, 0x5000, 4096), HV_ETIMEDOUT);
	CHECK(fake_ipis[3] > 2);
	CHECK_EQ(HV_STAT(inval_timeouts), 1);
	CHECK(vm->pages[5] != NULL);
	CHECK_EQ(HV_STAT(pageouts), 3);
	CHECK(strstr(fake_log(), "did not exit") != NULL);
	v1->running_on = -1;
	/* the data survived all of it */
	memset(buf, 0, sizeof(buf));
	CHECK_EQ(hv_gpa_read(vm, 0x5000, buf, sizeof(buf)), 0);
	CHECK(strcmp(buf, "data") == 0);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

void
test_pre_entry_flush(void)
{
	struct hv_vm *vm;
	struct hv_vcpu *v;
	struct hv_exit ex;

	t_setup_vcpu(&vm, &v);
	/* the first entry on a CPU flushes once */
	CHECK_EQ(hv_vcpu_run(v, &ex), 0);
	CHECK_EQ(fake_flushes[0], 1);
	CHECK_EQ(hv_vcpu_run(v, &ex), 0);
	CHECK_EQ(fake_flushes[0], 1);
	CHECK_EQ(v->entries, 2);
	/* a new generation: flushed at the next entry on each CPU */
	CHECK_EQ(hv_vm_pageout(vm, 0, 4096), 0);
	CHECK_EQ(hv_vcpu_run(v, &ex), 0);
	CHECK_EQ(fake_flushes[0], 2);
	fake_cpu = 1;
	CHECK_EQ(hv_vcpu_run(v, &ex), 0);
	CHECK_EQ(fake_flushes[1], 1);
	CHECK_EQ(vm->cpus_ran, 3);
	CHECK_EQ(HV_STAT(entries), 4);
	fake_cpu = 0;
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

void
test_load_image(void)
{
	struct hv_vm *vm;
	unsigned char img[5000], out[5000];
	uint64_t e;
	size_t i;

	t_setup_enabled();
	CHECK_EQ(hv_vm_create(6ull << 20, &vm), 0);
	for (i = 0; i < sizeof(img); i++)
		img[i] = (unsigned char)(i ^ 0x5a);
	CHECK_EQ(hv_vm_load_image(vm, img, sizeof(img)), 0);
	CHECK_EQ(hv_gpa_read(vm, HV_GUEST_LOAD_GPA, out, sizeof(out)), 0);
	CHECK(memcmp(img, out, sizeof(img)) == 0);
	/* PML4[0] -> PDPT at 0x2000, PDPT[0] -> PD at 0x3000 */
	CHECK_EQ(hv_gpa_read(vm, HV_GUEST_PML4_GPA, &e, 8), 0);
	CHECK_EQ(e, 0x2003);
	CHECK_EQ(hv_gpa_read(vm, HV_GUEST_PML4_GPA + 8, &e, 8), 0);
	CHECK_EQ(e, 0);
	CHECK_EQ(hv_gpa_read(vm, 0x2000, &e, 8), 0);
	CHECK_EQ(e, 0x3003);
	/* 6 MiB: three 2 MiB identity entries, then nothing */
	CHECK_EQ(hv_gpa_read(vm, 0x3000 + 2 * 8, &e, 8), 0);
	CHECK_EQ(e, 0x400083);
	CHECK_EQ(hv_gpa_read(vm, 0x3000 + 3 * 8, &e, 8), 0);
	CHECK_EQ(e, 0);
	/* only the touched pages are resident: tables + image */
	CHECK_EQ(hv_vm_resident_pages(vm), 3 + 2);
	/* too big for the memory above the load address */
	CHECK_EQ(hv_vm_load_image(vm, img, (4ull << 20) + 1), HV_EINVAL);
	CHECK_EQ(hv_vm_load_image(vm, img, 0), HV_EINVAL);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}

/* hv_vm_add_ram: a second range of RAM beside the memory at 0 */
void
test_gmem_second_ram(void)
{
	const uint64_t ram = 0xff000000ull, len = 0x10000;
	struct hv_vm *vm;
	struct hv_vcpu *vcpu;
	char buf[16] = "second range", out[16];
	uint64_t hpa, pn;

	t_setup_enabled();
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	/* a page of the memory at 0, backed before the range is added, stays */
	CHECK_EQ(hv_gpa_write(vm, 0x5000, buf, sizeof(buf)), 0);
	/* refused: unaligned, empty, over the memory at 0, past 4 GiB, the APIC page */
	CHECK_EQ(hv_vm_add_ram(vm, ram + 1, len), HV_EINVAL);
	CHECK_EQ(hv_vm_add_ram(vm, ram, 0), HV_EINVAL);
	CHECK_EQ(hv_vm_add_ram(vm, T_MEM - 0x1000, len), HV_EINVAL);
	CHECK_EQ(hv_vm_add_ram(vm, 0xffff0000ull, 0x20000), HV_EINVAL);
	CHECK_EQ(hv_vm_add_ram(vm, 0xfee00000ull, 0x1000), HV_EINVAL);
	CHECK_EQ(hv_vm_add_ram(vm, ram, len), 0);
	CHECK_EQ(hv_vm_add_ram(vm, ram + len, len), HV_EEXIST);
	CHECK_EQ(hv_gpa_read(vm, 0x5000, out, sizeof(out)), 0);
	CHECK(memcmp(out, buf, sizeof(buf)) == 0);
	/* its pages follow those of the memory at 0 */
	CHECK(hv_gpa_page(vm, ram + 0x1234, &pn));
	CHECK_EQ(pn, (T_MEM >> 12) + 1);
	CHECK(!hv_gpa_page(vm, ram + len, &pn));
	CHECK(!hv_gpa_page(vm, ram - 1, &pn));
	CHECK(!hv_gpa_page(vm, T_MEM, &pn));
	/* a range lies inside one RAM range, never across the gap */
	CHECK(hv_gpa_range(vm, ram + 0x1000, len - 0x1000, &pn));
	CHECK_EQ(pn, (T_MEM >> 12) + 1);
	CHECK(!hv_gpa_range(vm, ram + 0x1000, len - 0xfff, &pn));
	CHECK(hv_gpa_range(vm, T_MEM - 8, 8, &pn));
	CHECK_EQ(pn, (T_MEM >> 12) - 1);
	CHECK(!hv_gpa_range(vm, T_MEM - 8, 9, &pn));
	/* a write across a page boundary of the second range lands in both pages */
	CHECK_EQ(hv_gpa_write(vm, ram + 0xffc, buf, 8), 0);
	CHECK_EQ(hv_gpa_read(vm, ram + 0xffc, out, 8), 0);
	CHECK(memcmp(out, buf, 8) == 0);
	CHECK(memcmp((char *)vm->pages[(T_MEM >> 12) + 1], buf + 4, 4) == 0);
	/* written, read back, faulted in, paged out and in: as RAM */
	CHECK_EQ(hv_gpa_write(vm, ram + len - 8, buf, 8), 0);
	CHECK_EQ(hv_gpa_write(vm, ram + len - 8, buf, 9), HV_EFAULT);
	CHECK_EQ(hv_gpa_write(vm, ram - 4, buf, 8), HV_EFAULT);
	CHECK_EQ(hv_nested_fault(vm, ram + len - 8, HV_ACC_WRITE), 0);
	CHECK_EQ(hv_ntable_lookup(&vm->nt, ram + len - 8, &hpa, NULL, NULL), 0);
	CHECK_EQ(hpa, hv_os_virt_to_phys(vm->pages[(T_MEM + len) / 4096 - 1]) + 0xff8);
	CHECK_EQ(hv_nested_fault(vm, ram + len, 0), HV_EFAULT);
	CHECK_EQ(hv_vm_pageout(vm, ram, len), 0);
	CHECK(vm->pages[(T_MEM + len) / 4096 - 1] == NULL);
	CHECK_EQ(hv_ntable_lookup(&vm->nt, ram + len - 8, NULL, NULL, NULL), HV_ENOENT);
	memset(out, 0, sizeof(out));
	CHECK_EQ(hv_gpa_read(vm, ram + len - 8, out, 8), 0);
	CHECK(memcmp(out, buf, 8) == 0);
	CHECK_EQ(hv_vm_pageout(vm, ram, len + 0x1000), HV_EINVAL);
	/* once a vCPU exists, no range is added */
	CHECK_EQ(hv_vm_destroy(vm), 0);
	CHECK_EQ(hv_vm_create(T_MEM, &vm), 0);
	CHECK_EQ(hv_vcpu_create(vm, 0, &vcpu), 0);
	CHECK_EQ(hv_vm_add_ram(vm, ram, len), HV_EBUSY);
	CHECK_EQ(hv_vm_destroy(vm), 0);
	t_teardown();
}
