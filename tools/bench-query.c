/* bench-query.c - `rondo bench --query`: the maintenance tick and the read path.
 *
 * A temporary VMM-preset store with 30 series is filled with seven simulated
 * days at 1 s, calling rondo_store_consolidate() after every simulated second
 * as the writer's maintenance tick does. Each tick is timed and classified by
 * the buckets it produced (none, a tier-1 bucket, a tier-1 and a tier-2
 * bucket), so the cost per bucket of each tier is the difference of medians.
 * Then query and query_auto are timed for 10 min, 6 h and 7 d ranges ending at
 * the newest point. Times come from CLOCK_MONOTONIC; every figure is a median
 * (and p99) over many repetitions, printed with its sample count.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "rondo-tool.h"

#define SERIES 30
#define DAYS   7

enum { TICK_NONE, TICK_TIER1, TICK_TIER2, N_TICK_KINDS };
static const char *const tick_names[N_TICK_KINDS] = {
    N_("no bucket"),
    N_("one tier-1 bucket"),
    N_("tier-1 and tier-2 buckets"),
};

static guint64
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (guint64)ts.tv_sec * RONDO_NS_PER_S + (guint64)ts.tv_nsec;
}

static int
cmp_u64(gconstpointer a, gconstpointer b)
{
    guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
    return x < y ? -1 : x > y;
}

/* Sorts @a and returns its q-quantile (0 for an empty array). */
static guint64
quantile(GArray *a, double q)
{
    if (a->len == 0)
        return 0;
    g_array_sort(a, cmp_u64);
    guint i = (guint)(q * (a->len - 1));
    return g_array_index(a, guint64, i);
}

/* Seven days at 1 s with a tick after every second; ticks timed by kind. */
static void
fill_store(RondoStore *store, RondoSeries **series, guint64 t0, GArray **ticks)
{
    for (guint64 sec = 0; sec < (guint64)DAYS * 86400; sec++) {
        guint64 ts = t0 + sec * RONDO_NS_PER_S;
        for (guint s = 0; s < SERIES; s++)
            rondo_series_record(series[s], (double)((sec + s) % 600), ts);
        guint64 before2 = rondo_store_get_consolidated_ns(store, 0, 2);
        guint64 a = now_ns();
        guint n = 0;
        gboolean ok = rondo_store_consolidate(store, ts, &n, NULL);
        guint64 cost = now_ns() - a;
        g_assert(ok);
        guint kind = n == 0                                                    ? TICK_NONE
                     : rondo_store_get_consolidated_ns(store, 0, 2) != before2 ? TICK_TIER2
                                                                               : TICK_TIER1;
        g_array_append_val(ticks[kind], cost);
    }
}

static void
time_query(RondoStore *store, RondoSeries *s, gboolean use_auto, guint tier, guint64 start,
           guint64 end, const char *label)
{
    g_autoptr(GArray) costs = g_array_new(FALSE, FALSE, sizeof(guint64));
    guint points = 0;
    for (guint rep = 0; rep < 1000; rep++) {
        RondoQueryIter it;
        guint64 t, a = now_ns();
        double v;
        gboolean ok =
            use_auto
                ? rondo_query_iter_init_auto(&it, store, s, RONDO_CF_AVERAGE, start, end, NULL)
                : rondo_query_iter_init(&it, store, s, tier, RONDO_CF_AVERAGE, start, end, NULL);
        g_assert(ok);
        points = 0;
        while (rondo_query_iter_next(&it, &t, &v))
            points++;
        guint64 cost = now_ns() - a;
        g_array_append_val(costs, cost);
    }
    printf(_("  %-24s %5u points  median %8.1f µs  p99 %8.1f µs  (1000 runs)\n"), label, points,
           (double)quantile(costs, 0.5) / 1e3, (double)quantile(costs, 0.99) / 1e3);
}

static void
report_ticks(GArray **ticks)
{
    printf(_("maintenance tick (rondo_store_consolidate, 30 series, 7 days at 1 s):\n"));
    for (guint k = 0; k < N_TICK_KINDS; k++) {
        printf(_("  %-28s median %8.2f µs  p99 %8.2f µs  max %8.1f µs  (%u ticks)\n"),
               _(tick_names[k]), (double)quantile(ticks[k], 0.5) / 1e3,
               (double)quantile(ticks[k], 0.99) / 1e3, (double)quantile(ticks[k], 1.0) / 1e3,
               ticks[k]->len);
    }
    double none = (double)quantile(ticks[TICK_NONE], 0.5);
    double t1 = (double)quantile(ticks[TICK_TIER1], 0.5) - none;
    double t2 = (double)quantile(ticks[TICK_TIER2], 0.5) - none - t1;
    printf(_("  per bucket (difference of medians): tier 1 %.1f µs, tier 2 %.1f µs\n"), t1 / 1e3,
           t2 / 1e3);
}

int
tool_bench_query(const char *dir)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename(dir, "query-store", NULL);
    g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vmm", SERIES, &error);
    g_autoptr(RondoStore) store = schema ? rondo_store_create(path, &schema, 1, &error) : NULL;
    RondoSeries *series[SERIES];
    if (store == NULL) {
        tool_error("%s", error->message);
        return 1;
    }
    for (guint i = 0; i < SERIES; i++) {
        g_autofree char *id = g_strdup_printf("%u", i);
        const char *labels[] = {"n", id, NULL};
        series[i] = rondo_store_register(store, "bench_series", labels, &error);
        if (series[i] == NULL) {
            tool_error("%s", error->message);
            return 1;
        }
    }
    GArray *ticks[N_TICK_KINDS];
    for (guint k = 0; k < N_TICK_KINDS; k++)
        ticks[k] = g_array_new(FALSE, FALSE, sizeof(guint64));
    guint64 t0 =
        ((guint64)g_get_real_time() * 1000) / (300 * RONDO_NS_PER_S) * (300 * RONDO_NS_PER_S);
    fill_store(store, series, t0, ticks);
    report_ticks(ticks);
    for (guint k = 0; k < N_TICK_KINDS; k++)
        g_array_unref(ticks[k]);

    guint64 end = rondo_store_get_head_ns(store, 0, 0);
    const struct {
        const char *label;
        guint64 span;
        guint tier;
    } ranges[] = {
        {N_("10 min"), 600 * RONDO_NS_PER_S, 0},
        {N_("6 h"), 6 * 3600 * RONDO_NS_PER_S, 1},
        {N_("7 d"), 7 * 86400 * RONDO_NS_PER_S, 2},
    };
    printf(_("queries of one series, ranges ending at the newest point:\n"));
    for (guint i = 0; i < G_N_ELEMENTS(ranges); i++) {
        guint64 start = end - ranges[i].span + RONDO_NS_PER_S;
        g_autofree char *tier_label =
            g_strdup_printf(_("%s, tier %u"), _(ranges[i].label), ranges[i].tier);
        g_autofree char *auto_label = g_strdup_printf(_("%s, query_auto"), _(ranges[i].label));
        time_query(store, series[0], FALSE, ranges[i].tier, start, end, tier_label);
        time_query(store, series[0], TRUE, 0, start, end, auto_label);
    }
    return 0;
}
