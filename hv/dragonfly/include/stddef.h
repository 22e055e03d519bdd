/*
 * <stddef.h> for hv/ inside the DragonFly kernel module: size_t and
 * ptrdiff_t come from <sys/types.h>, offsetof from <sys/stdint.h>, NULL
 * from <sys/_null.h>.  DragonFly build only.
 */
#ifndef HV_DFLY_STDDEF_H
#define HV_DFLY_STDDEF_H
#include <sys/types.h>
#include <sys/stdint.h>
#include <sys/_null.h>
#endif
