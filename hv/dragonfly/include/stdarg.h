/*
 * <stdarg.h> for hv/ inside the DragonFly kernel module (the core formats
 * its own messages with va_list).  DragonFly build only.
 */
#ifndef HV_DFLY_STDARG_H
#define HV_DFLY_STDARG_H
#include <sys/stdarg.h>
#endif
