/* test shim: everything vmm_dev.c needs is in dfly_shim.h */
#include "../dfly_shim.h"
