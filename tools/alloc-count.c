/* alloc-count.c - a counting allocator for `rondo bench`.
 *
 * The benchmark proves that record() allocates nothing by counting every
 * call into the C allocator while the measured loop runs. Defining malloc
 * and friends in the executable interposes them for every library in the
 * process (GLib included); each forwards to glibc's own implementation.
 * AddressSanitizer replaces the allocator itself, so sanitizer builds go
 * without the count (the benchmark says so).
 */
#include "config.h"
#include <malloc.h>
#include <stdlib.h>
#include "alloc-count.h"

volatile int rondo_alloc_counting;
volatile unsigned long rondo_alloc_count;

#if TOOL_ALLOC_COUNT_AVAILABLE

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t align, size_t n);

static inline void
count(void)
{
    if (rondo_alloc_counting)
        rondo_alloc_count++;
}

void *
malloc(size_t n)
{
    count();
    return __libc_malloc(n);
}

void *
calloc(size_t n, size_t size)
{
    count();
    return __libc_calloc(n, size);
}

void *
realloc(void *p, size_t n)
{
    count();
    return __libc_realloc(p, n);
}

void *
memalign(size_t align, size_t n)
{
    count();
    return __libc_memalign(align, n);
}

void *
aligned_alloc(size_t align, size_t n)
{
    count();
    return __libc_memalign(align, n);
}

int
posix_memalign(void **ret, size_t align, size_t n)
{
    count();
    void *p = __libc_memalign(align, n);
    if (p == NULL)
        return 12; /* ENOMEM */
    *ret = p;
    return 0;
}

#endif
