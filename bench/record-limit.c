/* record-limit.c - librondo's record() against the cheapest design a reader
 * in another process can still validate, side by side in one process.
 *
 * The "limit design" (issue 14): per series, a column of {u64 ts, f64 value}
 * cells in an mmap'd file; a record stores the value, then the slot time
 * with release ordering, into the slot of a cached head. It has no window,
 * no range check and no counters: nothing librondo could drop and still be
 * what docs/storage-format.md promises. Both are written with the patterns
 * of `rondo bench` (30 series round-robin, the timestamp advancing 1 s per
 * round: sparse opens a slot every round, dense every 100 rounds).
 *
 * Per run and pattern: untimed loops of librondo as the call
 * rondo_series_record(), of the limit, and of librondo inlined (through
 * rondo-record.h's RondoRecorder), in 21 blocks taken in turn (the median
 * block's mean ns per record); then the three timed record by record with
 * rdtsc between lfences, the timer's own median cost subtracted (p50, p99).
 * Figures are the medians of 5 runs. Not installed: a benchmark, run by
 * hand (docs/benchmarks.md).
 *
 *   bench/record-limit [RECORDS [SERIES]]     defaults 3000000 and 30
 */
#include "config.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "cycles.h"
#include "rondo-record.h"

#define RUNS         5
#define BLOCKS       21 /* untimed loops per run and contender, alternating */
#define LIMIT_SLOTS  600
#define HIST_BUCKETS 4096

enum { SPARSE, DENSE, N_PATTERNS };
static const char *const pattern_names[N_PATTERNS] = {"sparse", "dense"};
static const guint rounds_per_slot[N_PATTERNS] = {1, 100};

typedef struct {
    guint64 ts;
    double value;
} LimitCell;

typedef struct {
    LimitCell *cells; /* series-major: series s, slot r at s * LIMIT_SLOTS + r */
    gsize bytes;
    guint64 cache_t, cache_r;
} Limit;

/* Who records: librondo's exported call, the same fast path inlined into
 * the caller (rondo-record.h), or the limit. */
enum { WHO_CALL, WHO_INLINE, WHO_LIMIT, N_WHO };

typedef struct {
    double lib_mean[N_PATTERNS], inline_mean[N_PATTERNS], limit_mean[N_PATTERNS];
    double p50[N_PATTERNS], p99[N_PATTERNS];               /* the call */
    double inline_p50[N_PATTERNS], inline_p99[N_PATTERNS]; /* inlined */
    double limit_p50[N_PATTERNS], limit_p99[N_PATTERNS];   /* the limit design */
} RunFigures;

/* The limit design's record: value, then the slot time (release). */
static inline void
limit_record(Limit *l, guint s, double v, guint64 ts)
{
    if (G_UNLIKELY(ts - l->cache_t >= RONDO_NS_PER_S)) {
        l->cache_t = ts - ts % RONDO_NS_PER_S;
        l->cache_r = l->cache_t / RONDO_NS_PER_S % LIMIT_SLOTS;
    }
    LimitCell *c = &l->cells[(gsize)s * LIMIT_SLOTS + l->cache_r];
    __atomic_store(&c->value, &v, __ATOMIC_RELAXED);
    __atomic_store_n(&c->ts, l->cache_t, __ATOMIC_RELEASE);
}

static void
limit_open(Limit *l, const char *dir, guint n_series)
{
    g_autofree char *path = g_build_filename(dir, "limit", NULL);
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    l->bytes = (gsize)n_series * LIMIT_SLOTS * sizeof(LimitCell);
    g_assert(fd >= 0 && ftruncate(fd, (off_t)l->bytes) == 0);
    l->cells = mmap(NULL, l->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    g_assert(l->cells != MAP_FAILED);
    close(fd);
    l->cache_t = 0;
    l->cache_r = 0;
}

/* librondo's series, each also as a recorder. */
typedef struct {
    RondoSeries **series;
    RondoRecorder *recorders;
} Lib;

static inline gboolean
record_one(int who, const Lib *lib, Limit *limit, guint s, double v, guint64 ts)
{
    if (who == WHO_LIMIT) {
        limit_record(limit, s, v, ts);
        return TRUE;
    }
    if (who == WHO_INLINE)
        return rondo_recorder_record(&lib->recorders[s], v, ts) == RONDO_RECORD_OK;
    return rondo_series_record(lib->series[s], v, ts) == RONDO_RECORD_OK;
}

/* Untimed: ns per record of @who. The loops are nested, so no division is
 * timed with the records. */
static double
untimed(int who, const Lib *lib, Limit *limit, guint n, guint p, guint64 records, guint64 *ts,
        double cpn)
{
    guint64 per_slot = (guint64)n * rounds_per_slot[p], slots = MAX(records / per_slot, 1);
    guint64 dropped = 0;
    guint64 start = tool_cycles_now();
    for (guint64 k = 0; k < slots; k++) {
        *ts += RONDO_NS_PER_S;
        for (guint round = 0; round < rounds_per_slot[p]; round++) {
            for (guint s = 0; s < n; s++) {
                if (G_UNLIKELY(!record_one(who, lib, limit, s, (double)s, *ts)))
                    dropped++; /* a branch, not a sum: no chain through memory */
            }
        }
    }
    guint64 cycles = tool_cycles_now() - start;
    g_assert(dropped == 0);
    return (double)cycles / cpn / (double)(slots * per_slot);
}

static guint64
percentile(const guint64 *hist, guint64 total, double q)
{
    guint64 want = MAX((guint64)(q * (double)total), 1), seen = 0;
    for (guint64 c = 0; c < HIST_BUCKETS; c++) {
        seen += hist[c];
        if (seen >= want)
            return c;
    }
    return HIST_BUCKETS - 1;
}

/* Timed record by record: p50 and p99 of librondo (@who: the call or
 * inlined), in ns. */
static void
timed(int who, const Lib *lib, Limit *limit, guint n, guint p, guint64 records, guint64 *ts,
      double cpn, guint64 overhead, double *ret_p50, double *ret_p99)
{
    g_autofree guint64 *hist = g_new0(guint64, HIST_BUCKETS);
    guint64 per_slot = (guint64)n * rounds_per_slot[p], slots = MAX(records / per_slot, 1);
    for (guint64 k = 0; k < slots; k++) {
        *ts += RONDO_NS_PER_S;
        for (guint round = 0; round < rounds_per_slot[p]; round++) {
            for (guint s = 0; s < n; s++) {
                guint64 a = tool_cycles_now();
                record_one(who, lib, limit, s, (double)s, *ts);
                guint64 b = tool_cycles_now();
                hist[MIN(b - a, HIST_BUCKETS - 1)]++;
            }
        }
    }
    guint64 total = slots * per_slot;
    guint64 c50 = percentile(hist, total, 0.50), c99 = percentile(hist, total, 0.99);
    *ret_p50 = c50 > overhead ? (double)(c50 - overhead) / cpn : 0;
    *ret_p99 = c99 > overhead ? (double)(c99 - overhead) / cpn : 0;
}

static guint64
timer_overhead(void)
{
    g_autofree guint64 *hist = g_new0(guint64, HIST_BUCKETS);
    for (guint i = 0; i < 1000000; i++) {
        guint64 a = tool_cycles_now();
        guint64 b = tool_cycles_now();
        hist[MIN(b - a, HIST_BUCKETS - 1)]++;
    }
    return percentile(hist, 1000000, 0.5);
}

static RondoStore *
store_make(const char *dir, guint n, RondoSeries **series, RondoRecorder *recorders)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename(dir, "store", NULL);
    g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vmm", n, &error);
    g_assert_no_error(error);
    RondoStore *store = rondo_store_create(path, &schema, 1, &error);
    g_assert_no_error(error);
    for (guint i = 0; i < n; i++) {
        g_autofree char *id = g_strdup_printf("%u", i);
        const char *labels[] = {"n", id, NULL};
        series[i] = rondo_store_register(store, "bench_series", labels, &error);
        g_assert_no_error(error);
        g_assert(rondo_recorder_init(&recorders[i], series[i], RONDO_RECORDER_ABI));
    }
    return store;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of @n values (sorted in place). */
static double
median_of(double *v, guint n)
{
    qsort(v, n, sizeof v[0], cmp_double);
    return v[n / 2];
}

static void
run_once(RunFigures *f, const char *dir, guint n, guint64 records, double cpn, guint64 overhead)
{
    g_autofree RondoSeries **series = g_new0(RondoSeries *, n);
    g_autofree RondoRecorder *recorders = g_new0(RondoRecorder, n);
    g_autoptr(RondoStore) store = store_make(dir, n, series, recorders);
    Lib lib = {series, recorders};
    Limit limit;
    limit_open(&limit, dir, n);
    guint64 ts_lib = (guint64)g_get_real_time() * 1000, ts_limit = ts_lib;
    for (guint p = 0; p < N_PATTERNS; p++) {
        /* In blocks, the three in turn: a burst of load from elsewhere
         * falls on a few blocks of each, and the median leaves it out. */
        double call[BLOCKS], lim[BLOCKS], inl[BLOCKS];
        guint64 block = MAX(records / BLOCKS, 1);
        for (guint b = 0; b < BLOCKS; b++) {
            call[b] = untimed(WHO_CALL, &lib, NULL, n, p, block, &ts_lib, cpn);
            lim[b] = untimed(WHO_LIMIT, NULL, &limit, n, p, block, &ts_limit, cpn);
            inl[b] = untimed(WHO_INLINE, &lib, NULL, n, p, block, &ts_lib, cpn);
        }
        f->lib_mean[p] = median_of(call, BLOCKS);
        f->limit_mean[p] = median_of(lim, BLOCKS);
        f->inline_mean[p] = median_of(inl, BLOCKS);
    }
    for (guint p = 0; p < N_PATTERNS; p++) {
        timed(WHO_CALL, &lib, NULL, n, p, records, &ts_lib, cpn, overhead, &f->p50[p], &f->p99[p]);
        timed(WHO_INLINE, &lib, NULL, n, p, records, &ts_lib, cpn, overhead, &f->inline_p50[p],
              &f->inline_p99[p]);
        timed(WHO_LIMIT, NULL, &limit, n, p, records, &ts_limit, cpn, overhead, &f->limit_p50[p],
              &f->limit_p99[p]);
    }
    munmap(limit.cells, limit.bytes);
}

/* The median of field (an offset into RunFigures) over the runs. */
static double
median(const RunFigures *runs, gsize offset)
{
    double v[RUNS];
    for (guint i = 0; i < RUNS; i++)
        v[i] = *(const double *)(const void *)((const char *)&runs[i] + offset);
    return median_of(v, RUNS);
}

#define MEDIAN(field) median(runs, G_STRUCT_OFFSET(RunFigures, field))

static void
report(const RunFigures *runs, guint n, guint64 records)
{
    printf("record-limit: %u series, %llu records per pattern and run, medians of %d runs\n", n,
           (unsigned long long)records, RUNS);
    for (guint p = 0; p < N_PATTERNS; p++) {
        double lib = MEDIAN(lib_mean[p]), lim = MEDIAN(limit_mean[p]);
        printf("%-6s untimed: librondo %.2f ns/record, limit %.2f ns/record, ratio %.2f "
               "(target <= 1.5)\n",
               pattern_names[p], lib, lim, lib / lim);
        printf("%-6s untimed: librondo inlined %.2f ns/record, ratio %.2f (target <= 1.5)\n",
               pattern_names[p], MEDIAN(inline_mean[p]), MEDIAN(inline_mean[p]) / lim);
        printf("%-6s librondo timed: p50 %.1f ns  p99 %.1f ns; inlined p50 %.1f ns  p99 %.1f ns\n",
               pattern_names[p], MEDIAN(p50[p]), MEDIAN(p99[p]), MEDIAN(inline_p50[p]),
               MEDIAN(inline_p99[p]));
        printf("%-6s limit timed: p50 %.1f ns  p99 %.1f ns (what this timer gives the limit)\n",
               pattern_names[p], MEDIAN(limit_p50[p]), MEDIAN(limit_p99[p]));
    }
    printf("sparse p99 / dense p99: %.2f (target <= 1.5); sparse p99 %.1f ns (target <= 20)\n",
           MEDIAN(p99[SPARSE]) / MEDIAN(p99[DENSE]), MEDIAN(p99[SPARSE]));
    printf("inlined: sparse p99 / dense p99: %.2f; sparse p99 %.1f ns\n",
           MEDIAN(inline_p99[SPARSE]) / MEDIAN(inline_p99[DENSE]), MEDIAN(inline_p99[SPARSE]));
}

int
main(int argc, char **argv)
{
    guint64 records = argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 3000000;
    guint n = argc > 2 ? (guint)atoi(argv[2]) : 30;
    if (records < 1000 || n < 1 || n > 4096) {
        fprintf(stderr, "usage: record-limit [RECORDS >= 1000 [SERIES 1..4096]]\n");
        return 2;
    }
    double cpn = tool_cycles_per_ns();
    guint64 overhead = timer_overhead();
    RunFigures runs[RUNS];
    for (guint i = 0; i < RUNS; i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("record-limit-XXXXXX", &error);
        g_assert_no_error(error);
        run_once(&runs[i], dir, n, records, cpn, overhead);
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
        g_assert(system(cmd) == 0);
    }
    report(runs, n, records);
    return 0;
}
