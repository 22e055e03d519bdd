/*
 * hv_impl.h - everything the backend-neutral core and the backends (hv/intel,
 * hv/amd) share, as one include; it defines nothing itself.  Hosts never
 * include it: they use hv.h (and testkern hv_quirk.h, x86_arch.h).
 */
#ifndef HV_IMPL_H
#define HV_IMPL_H

#include "hv.h"
#include "hv_vcpu.h"	/* struct hv_vm, struct hv_vcpu */
#include "hv_backend.h"	/* the backend ops and the core's services */
#include "exit.h"	/* struct hv_vmexit and the core's exit rules */
#include "uart.h"	/* the guest's COM1 */
#include "console.h"	/* guest lines on the host console */
#include "ntable.h"	/* nested page tables: hv_ntable, HV_PROT_* */
#include "gwalk.h"	/* guest page walks: HV_ACC_* */
#include "hv_util.h"	/* hv_snprintf, hv_memcpy, hv_cpuid, ... */
#include "stats.h"	/* HV_STAT(name): hw.vmm.stats.* */
#include "hv_quirk.h"	/* HV_QUIRK(name): the historic-bug switches */
#include "hv_hostcheck.h"	/* the host-state check of test builds */

#endif /* HV_IMPL_H */
