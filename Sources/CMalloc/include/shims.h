#ifndef CMALLOC_SHIMS_H
#define CMALLOC_SHIMS_H

// glibc's malloc extensions (malloc_trim, mallinfo2) are declared in <malloc.h>, which
// Swift's Glibc module does not include.
#include <malloc.h>

#endif
