/*
 * <stdint.h> for hv/ inside the DragonFly kernel module.  The module is
 * built -nostdinc, so the fixed-width types come from the kernel's own
 * proxy header.  Only the DragonFly build adds this directory with -I.
 */
#ifndef HV_DFLY_STDINT_H
#define HV_DFLY_STDINT_H
#include <sys/types.h>
#include <sys/stdint.h>
#endif
