/* promql-fixture.c - the stores the PromQL comparison reads, and the same samples as OpenMetrics.
 *
 *   promql-fixture STATE_DIR OPENMETRICS_FILE [--end UNIX_S]
 *
 * Writes four stores of the schema "promql" (tier 0: 15 s x 600 slots,
 * 2 h 29 min 45 s; tier 1: 60 s x 1440 slots, every consolidation function
 * but in archive-lean) and
 * every sample recorded, as OpenMetrics text for `promtool tsdb
 * create-blocks-from openmetrics`, with the labels rondod's API gives
 * them (store included):
 *   node-a, node-b  2 h of 15 s samples ending at --end: counters (one reset
 *                   in node-b), gauges with negative and fractional values, a
 *                   gauge with a 15 min gap, a series in node-a only, the
 *                   classic buckets of a histogram (le). All of
 *                   it stays inside tier 0, so a remote read serves it raw.
 *   archive         6 h of smooth series and a counter reset every 50 points:
 *                   the older 3.5 h survive in tier 1 only (consolidated
 *                   every 10 min while writing).
 *   archive-lean    the same, its tier 1 keeping only average and max, as
 *                   the VMM preset's 10 s tier does.
 * --end (default: now) is rounded down to a minute; the rounded value is
 * printed. Values are exact in binary where they are not a sine, and
 * written with %.17g, so both sides hold the same doubles.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "rondo.h"

#define STEP_S      15
#define MAIN_POINTS 480  /* 2 h */
#define ARCH_POINTS 1440 /* 6 h */
#define CONSOLIDATE 40   /* points between two consolidations of the archive */
#define LABELS_MAX  4

/* The next value of a series at point @i of store @k, from @prev; NaN: no sample. */
typedef double (*ValueFunc)(guint i, guint k, double prev);

typedef struct {
    const char *name;
    const char *labels[LABELS_MAX + 1]; /* pairs, NULL-terminated */
    ValueFunc next;
    guint only_k; /* 0: every store */
} SeriesSpec;

static double
requests_get(guint i, guint k, double prev)
{
    if (k == 2 && i == 300)
        return 1; /* a counter reset */
    return prev + (double)((i * 7 + k * 3) % 11);
}

static double
requests_post(guint i, guint k, double prev)
{
    return prev + (i % 5 == 0 ? 1 : 0);
}

static double
cpu0(guint i, guint k, double prev)
{
    return prev + 0.125 + 0.25 * ((i * 13 + k) % 4);
}

static double
cpu1(guint i, guint k, double prev)
{
    return prev + 0.125 + 0.25 * ((i * 5 + 2 * k) % 4);
}

static double
memory(guint i, guint k, double prev)
{
    return 1e9 + k * 1e8 + (double)((i * 7919) % 1000) * 4096;
}

static double
temp_cpu(guint i, guint k, double prev)
{
    return 40 + k + ((double)((i * 37) % 200) - 100) / 8.0;
}

static double
temp_disk(guint i, guint k, double prev)
{
    return -5.0 + k + ((double)((i * 53) % 120) - 60) / 16.0;
}

static double
queue(guint i, guint k, double prev)
{
    return i >= 200 && i < 260 ? NAN : (double)((i * 3 + k) % 17);
}

/* Request durations, classic buckets: bucket @b of 4 (le 0.1, 0.5, 1,
 * +Inf) counts what the ones below it count and more. */
static double
bucket_increment(guint i, guint k, guint b)
{
    double inc = (i * k) % 3 == 0 ? 1 : 0;
    if (b >= 1)
        inc += i % 2;
    if (b >= 2)
        inc += i % 7 < 3 ? 2 : 0;
    if (b >= 3)
        inc += 1;
    return inc;
}

static double
bucket0(guint i, guint k, double prev)
{
    return prev + bucket_increment(i, k, 0);
}

static double
bucket1(guint i, guint k, double prev)
{
    return prev + bucket_increment(i, k, 1);
}

static double
bucket2(guint i, guint k, double prev)
{
    return prev + bucket_increment(i, k, 2);
}

static double
bucket3(guint i, guint k, double prev)
{
    return prev + bucket_increment(i, k, 3);
}

static double
build_info(guint i, guint k, double prev)
{
    return 1;
}

static double
arch_requests(guint i, guint k, double prev)
{
    return 1e6 + 40.0 * i;
}

/* Reset every 50 points: alternately inside a 60 s bucket and on its first slot. */
static double
arch_resets(guint i, guint k, double prev)
{
    return 3.0 * (i % 50) + 1;
}

static double
arch_temp(guint i, guint k, double prev)
{
    return 20 + 10 * sin(2 * G_PI * i / 720.0);
}

static const SeriesSpec main_series[] = {
    {"http_requests_total", {"code", "200", "method", "get"}, requests_get, 0},
    {"http_requests_total", {"code", "500", "method", "post"}, requests_post, 0},
    {"cpu_seconds_total", {"cpu", "0"}, cpu0, 0},
    {"cpu_seconds_total", {"cpu", "1"}, cpu1, 0},
    {"memory_bytes", {NULL}, memory, 0},
    {"temperature_celsius", {"sensor", "cpu"}, temp_cpu, 0},
    {"temperature_celsius", {"sensor", "disk"}, temp_disk, 0},
    {"queue_length", {NULL}, queue, 0},
    {"build_info", {"version", "1.2.3"}, build_info, 1},
    {"request_seconds_bucket", {"le", "0.1"}, bucket0, 0},
    {"request_seconds_bucket", {"le", "0.5"}, bucket1, 0},
    {"request_seconds_bucket", {"le", "1"}, bucket2, 0},
    {"request_seconds_bucket", {"le", "+Inf"}, bucket3, 0},
};

static const SeriesSpec archive_series[] = {
    {"archive_requests_total", {NULL}, arch_requests, 0},
    {"archive_temperature", {NULL}, arch_temp, 0},
    {"archive_resets_total", {NULL}, arch_resets, 0},
};

static RondoStore *
store_new(const char *dir, const char *name, guint32 coarse, GError **error)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(RondoSchema) schema = rondo_schema_new("promql", 16, error);
    if (schema == NULL || !rondo_schema_add_tier(schema, STEP_S * RONDO_NS_PER_S, 600, 0, error) ||
        !rondo_schema_add_tier(schema, 60 * RONDO_NS_PER_S, 1440, coarse, error))
        return NULL;
    RondoSchema *const schemas[] = {schema};
    return rondo_store_create(path, schemas, 1, error);
}

/* `name{a="1",store="s"}`: the labels sorted by name, as the API shows them. */
static char *
om_series(const SeriesSpec *spec, const char *store)
{
    GString *out = g_string_new(spec->name);
    gboolean store_done = FALSE;
    g_string_append_c(out, '{');
    for (guint i = 0; spec->labels[i] != NULL; i += 2) {
        if (!store_done && g_strcmp0(spec->labels[i], "store") > 0) {
            g_string_append_printf(out, "store=\"%s\",", store);
            store_done = TRUE;
        }
        g_string_append_printf(out, "%s=\"%s\",", spec->labels[i], spec->labels[i + 1]);
    }
    if (!store_done)
        g_string_append_printf(out, "store=\"%s\",", store);
    out->str[out->len - 1] = '}';
    return g_string_free(out, FALSE);
}

static void
string_free(gpointer s)
{
    g_string_free(s, TRUE);
}

/* Records @n points of every series of @specs into a new store @name; appends them to @om. */
static gboolean
write_store(const char *dir, const char *name, guint32 coarse, guint k, const SeriesSpec *specs,
            guint n_specs, guint n_points, gint64 end_s, GString *om, GError **error)
{
    g_autoptr(RondoStore) store = store_new(dir, name, coarse, error);
    if (store == NULL)
        return FALSE;
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(string_free);
    g_autofree RondoSeries **series = g_new0(RondoSeries *, n_specs);
    g_autofree double *prev = g_new0(double, n_specs);
    for (guint j = 0; j < n_specs; j++) {
        if (specs[j].only_k != 0 && specs[j].only_k != k)
            continue;
        series[j] = rondo_store_register(store, specs[j].name, specs[j].labels, error);
        if (series[j] == NULL)
            return FALSE;
        g_ptr_array_add(lines, g_string_new(NULL));
    }
    for (guint i = 0; i < n_points; i++) {
        gint64 t_s = end_s - (gint64)(n_points - 1 - i) * STEP_S;
        for (guint j = 0, line = 0; j < n_specs; j++) {
            if (series[j] == NULL)
                continue;
            GString *out = g_ptr_array_index(lines, line++);
            double v = specs[j].next(i, k, prev[j]);
            if (isnan(v))
                continue;
            prev[j] = v;
            rondo_series_record(series[j], v, (guint64)t_s * RONDO_NS_PER_S);
            g_autofree char *key = om_series(&specs[j], name);
            g_string_append_printf(out, "%s %.17g %" G_GINT64_FORMAT "\n", key, v, t_s);
        }
        if ((i + 1) % CONSOLIDATE == 0 &&
            !rondo_store_consolidate(store, ((guint64)t_s + 1) * RONDO_NS_PER_S, NULL, error))
            return FALSE;
    }
    for (guint l = 0; l < lines->len; l++)
        g_string_append(om, ((GString *)g_ptr_array_index(lines, l))->str);
    return rondo_store_consolidate(store, ((guint64)end_s + 1) * RONDO_NS_PER_S, NULL, error);
}

int
main(int argc, char **argv)
{
    gint64 end_s = 0;
    GOptionEntry entries[] = {
        {"end", 0, 0, G_OPTION_ARG_INT64, &end_s, "time of the last sample", "UNIX_S"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("STATE_DIR OPENMETRICS_FILE");
    g_autoptr(GError) error = NULL;
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 3) {
        fprintf(stderr, "usage: promql-fixture STATE_DIR OPENMETRICS_FILE [--end UNIX_S]%s%s\n",
                error ? ": " : "", error ? error->message : "");
        return 2;
    }
    if (end_s == 0)
        end_s = g_get_real_time() / G_USEC_PER_SEC;
    end_s -= end_s % 60;
    g_autoptr(GString) om = g_string_new(NULL);
    const guint32 all = RONDO_CF_BIT(RONDO_CF_N_FUNCTIONS) - 1;
    const guint32 lean = RONDO_CF_BIT(RONDO_CF_AVERAGE) | RONDO_CF_BIT(RONDO_CF_MAX); /* presets' */
    if (!write_store(argv[1], "node-a", all, 1, main_series, G_N_ELEMENTS(main_series), MAIN_POINTS,
                     end_s, om, &error) ||
        !write_store(argv[1], "node-b", all, 2, main_series, G_N_ELEMENTS(main_series), MAIN_POINTS,
                     end_s, om, &error) ||
        !write_store(argv[1], "archive", all, 3, archive_series, G_N_ELEMENTS(archive_series),
                     ARCH_POINTS, end_s, om, &error) ||
        !write_store(argv[1], "archive-lean", lean, 3, archive_series, G_N_ELEMENTS(archive_series),
                     ARCH_POINTS, end_s, om, &error)) {
        fprintf(stderr, "promql-fixture: %s\n", error->message);
        return 1;
    }
    g_string_append(om, "# EOF\n");
    if (!g_file_set_contents(argv[2], om->str, (gssize)om->len, &error)) {
        fprintf(stderr, "promql-fixture: %s\n", error->message);
        return 1;
    }
    printf("%" G_GINT64_FORMAT "\n", end_s);
    return 0;
}
