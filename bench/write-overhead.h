/* write-overhead.h - the prometheus-cpp contender of benchmark A, behind a C
 * interface (prometheus-cpp is C++; the harness is C). */
#ifndef RONDO_BENCH_WRITE_OVERHEAD_H
#define RONDO_BENCH_WRITE_OVERHEAD_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    /* One family per series, one unlabelled counter each, the reference
     * held: the cheapest way to use the library. */
    WO_PROM_UNLABELLED,
    /* One family; each increment finds its counter by labels
     * (family.Add({{"series", name}}).Increment()), as code does when the
     * label values are only known at the call site. */
    WO_PROM_LABELS_LOOKUP,
} WoPromMode;

typedef struct WoProm WoProm;

/* Returns NULL when the library throws (the message goes to stderr). */
WoProm *wo_prom_new(WoPromMode mode, const char *const *names, unsigned n);
void wo_prom_increment(WoProm *prom, unsigned series);
void wo_prom_free(WoProm *prom);

#ifdef __cplusplus
}
#endif

#endif
