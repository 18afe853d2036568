/* alloc-count.h - the counting allocator's switch and counter. */
#ifndef TOOL_ALLOC_COUNT_H
#define TOOL_ALLOC_COUNT_H

#if defined(__SANITIZE_ADDRESS__) || !defined(__GLIBC__)
#define TOOL_ALLOC_COUNT_AVAILABLE 0
#else
#define TOOL_ALLOC_COUNT_AVAILABLE 1
#endif

extern volatile int rondo_alloc_counting;
extern volatile unsigned long rondo_alloc_count;

#endif
