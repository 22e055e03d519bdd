/*
 * <stdbool.h> for hv/ inside the DragonFly kernel module: in _KERNEL,
 * <sys/stdint.h> defines bool, true and false.  DragonFly build only.
 */
#ifndef HV_DFLY_STDBOOL_H
#define HV_DFLY_STDBOOL_H
#include <sys/types.h>
#include <sys/stdint.h>
#endif
