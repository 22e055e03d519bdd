/*
 * t_hvinit.c - hv_init()/hv_init_ops() on a fake CPUID: the backend chosen
 * by vendor string (in this build neither backend is linked, so the weak
 * references say "no ... backend"), an unknown vendor, MAXPHYADDR from leaf
 * 0x80000008 when it exists, too many CPUs, a probe that fails.
 */
#include <string.h>
#include "test.h"

void
test_hv_init_vendor(void)
{
	int saved = hv_guest_maxphyaddr;

	fake_cpuid_vendor("GenuineIntel");
	CHECK_EQ(hv_init(), HV_ENODEV);
	CHECK(strstr(fake_log(), "hv: no VMX backend in this build "
	    "(CPU vendor 'GenuineIntel')") != NULL);
	CHECK(!hv_backend_svm);
	CHECK(hv_ops == NULL);
	fake_cpuid_vendor("AuthenticAMD");
	CHECK_EQ(hv_init(), HV_ENODEV);
	CHECK(strstr(fake_log(), "hv: no SVM backend in this build "
	    "(CPU vendor 'AuthenticAMD')") != NULL);
	CHECK(hv_backend_svm);
	hv_backend_svm = false;
	fake_cpuid_vendor("HygonGenuine");
	CHECK_EQ(hv_init(), HV_ENODEV);
	CHECK(strstr(fake_log(), "hv: CPU vendor 'HygonGenuine' has neither VMX "
	    "nor SVM") != NULL);
	fake_cpuid_vendor("GenuineIotel");	/* one byte off */
	CHECK_EQ(hv_init(), HV_ENODEV);
	CHECK(strstr(fake_log(), "'GenuineIotel' has neither") != NULL);
	/* already initialised: refused before looking at the CPU */
	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	fake_log_clear();
	CHECK_EQ(hv_init(), HV_EBUSY);
	CHECK_EQ(hv_init_ops(&fake_ops), HV_EBUSY);
	CHECK_EQ(fake_log()[0], '\0');
	hv_fini();
	hv_guest_maxphyaddr = saved;
}

void
test_hv_init_ops(void)
{
	int saved = hv_guest_maxphyaddr;

	/* MAXPHYADDR from CPUID 0x80000008 EAX[7:0] (SDM Vol. 2A CPUID) */
	fake_cpuid_set(0x80000000u, 0, 0x80000008u, 0, 0, 0);
	fake_cpuid_set(0x80000008u, 0, 0x3027, 0, 0, 0);
	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	CHECK_EQ(hv_guest_maxphyaddr, 39);
	CHECK(fake_sysctl("hw.vmm.enable") != NULL);
	hv_fini();
	/* no such leaf: the value stays */
	hv_guest_maxphyaddr = 36;
	fake_cpuid_set(0x80000000u, 0, 0x80000004u, 0, 0, 0);
	fake_cpuid_set(0x80000008u, 0, 0x3030, 0, 0, 0);
	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	CHECK_EQ(hv_guest_maxphyaddr, 36);
	hv_fini();
	/* more CPUs than the per-CPU tables hold */
	fake_ncpus = HV_MAX_CPUS + 1;
	CHECK_EQ(hv_init_ops(&fake_ops), HV_ENOTSUP);
	CHECK(strstr(fake_log(), "hv: 65 CPUs, at most 64 supported") != NULL);
	CHECK(hv_ops == NULL);
	fake_ncpus = 2;
	/* the backend's probe fails: nothing stays published */
	fake_probe_error = HV_ENODEV;
	fake_log_clear();
	CHECK_EQ(hv_init_ops(&fake_ops), HV_ENODEV);
	CHECK(strstr(fake_log(), "hv: FAKE for tests not usable (error") != NULL);
	CHECK(hv_ops == NULL);
	CHECK_EQ(fake_sysctl_count(), 0);
	fake_probe_error = 0;
	CHECK_EQ(hv_init_ops(&fake_ops), 0);
	hv_fini();
	hv_guest_maxphyaddr = saved;
}
