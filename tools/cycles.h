/* cycles.h - the clock the benchmarks time single records with: the
 * time-stamp counter between serialising fences on x86-64, the monotonic
 * clock (in ns) elsewhere. Shared by `rondo bench` and bench/record-limit,
 * so that their figures are measured the same way. */
#ifndef TOOL_CYCLES_H
#define TOOL_CYCLES_H

#include <time.h>
#include <glib.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#define TOOL_CYCLES_TSC 1
#else
#define TOOL_CYCLES_TSC 0
#endif

static inline guint64
tool_cycles_now(void)
{
#if TOOL_CYCLES_TSC
    _mm_lfence();
    guint64 t = __rdtsc();
    _mm_lfence();
    return t;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (guint64)ts.tv_sec * G_GUINT64_CONSTANT(1000000000) + (guint64)ts.tv_nsec;
#endif
}

/* Cycles per nanosecond, against CLOCK_MONOTONIC over 200 ms (1 without a TSC). */
static inline double
tool_cycles_per_ns(void)
{
#if TOOL_CYCLES_TSC
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    guint64 c0 = tool_cycles_now();
    g_usleep(200000);
    guint64 c1 = tool_cycles_now();
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    return (double)(c1 - c0) / ns;
#else
    return 1.0;
#endif
}

#endif /* TOOL_CYCLES_H */
