/* fixture.c - creates stores with known, deterministic data for the rondod tests.
 *
 *   fixture STATE_DIR [--stores N] [--first K] [--series N] [--minutes M] [--end UNIX_S]
 *           [--hold SECONDS]
 *
 * Each store vmK (K = 1..N) gets the VMM preset schema and, for minutes M
 * ending at --end (default: now, rounded down to the second), one point per
 * second of:
 *   vm_cpu_seconds_total{vcpu="0"}  = i * K      (a counter: rate K/s)
 *   vm_cpu_seconds_total{vcpu="1"}  = i * 2K     (rate 2K/s)
 *   vm_memory_bytes                 = 1000 * K + i % 10
 *   vm_extra_j{idx="j"}             = j + i % 7 for j < series - 3
 * where i counts seconds from the first point. Tiers 1 and 2 are then
 * consolidated up to the end. The writer exits, so rondod may adopt; with
 * --hold it keeps the last store open for writing that long, registers
 * vm_late after one second and records it every 100 ms (a live writer whose
 * new series rondod must pick up).
 */
#include "config.h"

#include <stdlib.h>

#include "rondo.h"

typedef struct {
    gint stores, first, series, minutes, hold_s;
    gint64 end_s;
} FixtureOptions;

static RondoStore *
store_new(const char *dir, guint k, guint series_max, GError **error)
{
    g_autofree char *name = g_strdup_printf("vm%u", k);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vmm", series_max, error);
    if (schema == NULL)
        return NULL;
    RondoSchema *const schemas[] = {schema};
    return rondo_store_create(path, schemas, 1, error);
}

static gboolean
register_all(RondoStore *store, guint n, RondoSeries **out, GError **error)
{
    const char *cpu0[] = {"vcpu", "0", NULL}, *cpu1[] = {"vcpu", "1", NULL};
    /* Described as a VMM would (the help text has a line feed and a
     * backslash for /metrics' escaping); the extras say nothing. */
    const char *cpu_help = "Time the vCPU ran";
    const RondoSeriesSpec specs[] = {
        {"vm_cpu_seconds_total", cpu0, RONDO_SERIES_COUNTER, "seconds", cpu_help},
        {"vm_cpu_seconds_total", cpu1, RONDO_SERIES_COUNTER, "seconds", cpu_help},
        {"vm_memory_bytes", NULL, RONDO_SERIES_GAUGE, "bytes", "Guest memory\nin use \\ total"},
    };
    if (!rondo_store_register_specs(store, G_N_ELEMENTS(specs), specs, out, error))
        return FALSE;
    for (guint j = 3; j < n; j++) {
        g_autofree char *name = g_strdup_printf("vm_extra_%u", j - 3);
        g_autofree char *idx = g_strdup_printf("%u", j - 3);
        const char *labels[] = {"idx", idx, NULL};
        if ((out[j] = rondo_store_register(store, name, labels, error)) == NULL)
            return FALSE;
    }
    return TRUE;
}

/* Keeps @store open as its writer for o->hold_s seconds, with a late series. */
static gboolean
hold_store(RondoStore *store, const FixtureOptions *o, GError **error)
{
    gint64 until = g_get_monotonic_time() + (gint64)o->hold_s * G_USEC_PER_SEC;
    g_usleep(G_USEC_PER_SEC);
    RondoSeries *late = rondo_store_register(store, "vm_late", NULL, error);
    if (late == NULL)
        return FALSE;
    for (guint i = 0; g_get_monotonic_time() < until; i++) {
        rondo_series_record(late, i, (guint64)g_get_real_time() * 1000);
        g_usleep(100000);
    }
    return TRUE;
}

static gboolean
fill_store(const char *dir, guint k, const FixtureOptions *o, GError **error)
{
    guint n = (guint)MAX(o->series, 3);
    g_autoptr(RondoStore) store = store_new(dir, k, n + (o->hold_s > 0), error);
    g_autofree RondoSeries **series = g_new0(RondoSeries *, n);
    g_autofree double *values = g_new0(double, n);
    if (store == NULL || !register_all(store, n, series, error))
        return FALSE;
    guint points = (guint)o->minutes * 60;
    guint64 t0 = ((guint64)o->end_s - points + 1) * RONDO_NS_PER_S;
    for (guint i = 0; i < points; i++) {
        values[0] = (double)i * k;
        values[1] = (double)i * 2 * k;
        values[2] = 1000.0 * k + i % 10;
        for (guint j = 3; j < n; j++)
            values[j] = (double)(j - 3) + i % 7;
        rondo_store_record_batch(store, series, values, n, t0 + (guint64)i * RONDO_NS_PER_S);
    }
    if (!rondo_store_consolidate(store, (guint64)(o->end_s + 1) * RONDO_NS_PER_S, NULL, error))
        return FALSE;
    return o->hold_s == 0 || hold_store(store, o, error);
}

int
main(int argc, char **argv)
{
    FixtureOptions o = {.stores = 2, .first = 1, .series = 3, .minutes = 10};
    GOptionEntry entries[] = {
        {"stores", 0, 0, G_OPTION_ARG_INT, &o.stores, "stores to create", "N"},
        {"first", 0, 0, G_OPTION_ARG_INT, &o.first, "number of the first store (vmK)", "K"},
        {"series", 0, 0, G_OPTION_ARG_INT, &o.series, "series per store (>= 3)", "N"},
        {"hold", 0, 0, G_OPTION_ARG_INT, &o.hold_s, "stay the writer that long", "SECONDS"},
        {"minutes", 0, 0, G_OPTION_ARG_INT, &o.minutes, "minutes of 1 s data", "M"},
        {"end", 0, 0, G_OPTION_ARG_INT64, &o.end_s, "time of the last point", "UNIX_S"},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("STATE_DIR");
    g_autoptr(GError) error = NULL;
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 2 || o.stores < 1 ||
        o.first < 1 || o.hold_s < 0 || o.minutes < 1 || o.minutes > 10) {
        g_printerr(
            "usage: fixture STATE_DIR [--stores N] [--first K] [--series N] [--minutes 1..10] "
            "[--end UNIX_S] [--hold SECONDS]%s%s\n",
            error ? ": " : "", error ? error->message : "");
        return 2;
    }
    if (o.end_s == 0)
        o.end_s = g_get_real_time() / G_USEC_PER_SEC;
    g_print("%" G_GINT64_FORMAT "\n", o.end_s);
    for (guint k = (guint)o.first; k < (guint)(o.first + o.stores); k++) {
        if (!fill_store(argv[1], k, &o, &error)) {
            g_printerr("fixture: %s\n", error->message);
            return 1;
        }
    }
    return 0;
}
