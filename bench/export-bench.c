/* export-bench.c - what remote-write export costs, measured.
 *
 *   export-bench URL [--stores 100] [--series 30] [--minutes 1] [--batch 2000]
 *
 * Creates --stores VMM-preset stores of --series series (half counters that
 * grow, half gauges with two decimals: typical VMM metrics), records one
 * point per series per second, and pushes them with one exporter, the way
 * a daemon's export worker would, store after store:
 *   1. a first push of one minute of data (opens the connection, creates
 *      the cursors), not measured;
 *   2. --minutes more minutes recorded, then one push of it all, measured:
 *      wall time, samples/s, compressed bytes per sample, and the CPU time
 *      (user + system, this process only: the receiver runs elsewhere) per
 *      minute of data of all the stores.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>
#include "rondo-export.h"

typedef struct {
    gint stores, series, minutes, batch;
} BenchOptions;

static double
cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static RondoStore *
bench_store(const char *dir, guint index, guint n_series)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_strdup_printf("%s/vm-%03u", dir, index);
    g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vmm", n_series, &error);
    RondoStore *store = schema ? rondo_store_create(path, &schema, 1, &error) : NULL;
    if (store == NULL)
        g_error("%s", error->message);
    for (guint i = 0; i < n_series; i++) {
        g_autofree char *name = g_strdup_printf("vmm_metric_%u%s", i, i % 2 ? "" : "_total");
        g_autofree char *vm = g_strdup_printf("vm-%03u", index);
        const char *labels[] = {"vm", vm, NULL};
        if (!rondo_store_register(store, name, labels, &error))
            g_error("%s", error->message);
    }
    return store;
}

/* Records seconds [from, from + n) into every series of @store. */
static void
bench_record(RondoStore *store, guint index, guint64 from_s, guint n)
{
    for (guint k = 0; k < n; k++) {
        guint64 t = from_s + k;
        for (guint i = 0; i < rondo_store_get_n_series(store); i++) {
            double v = i % 2 ? (double)((t * 7919 + i * 104729 + index) % 10000) / 100.0
                             : (double)(t - 1700000000) * (i + 1) * 1000.0;
            rondo_series_record(rondo_store_get_series(store, i), v, t * RONDO_NS_PER_S);
        }
    }
}

static void
push_all(RondoExporter *e, GPtrArray *stores, RondoExportStats *total)
{
    g_autoptr(GError) error = NULL;
    memset(total, 0, sizeof *total);
    for (guint s = 0; s < stores->len; s++) {
        RondoExportStats st;
        if (!rondo_exporter_push(e, g_ptr_array_index(stores, s), "bench", 0, &st, &error))
            g_error("push: %s", error->message);
        total->samples_sent += st.samples_sent;
        total->batches_sent += st.batches_sent;
        total->bytes_sent += st.bytes_sent;
    }
}

int
main(int argc, char **argv)
{
    BenchOptions o = {100, 30, 1, 2000};
    GOptionEntry entries[] = {
        {"stores", 0, 0, G_OPTION_ARG_INT, &o.stores, "stores", "N"},
        {"series", 0, 0, G_OPTION_ARG_INT, &o.series, "series per store", "N"},
        {"minutes", 0, 0, G_OPTION_ARG_INT, &o.minutes, "minutes of data measured (1..9)", "N"},
        {"batch", 0, 0, G_OPTION_ARG_INT, &o.batch, "samples per request", "N"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(GOptionContext) ctx = g_option_context_new("URL");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 2 || o.minutes < 1 ||
        o.minutes > 9 || o.stores < 1 || o.series < 1) {
        fprintf(stderr, "export-bench: %s\n", error ? error->message : "see --help");
        return 2;
    }
    g_autofree char *dir = g_dir_make_tmp("rondo-export-bench-XXXXXX", &error);
    g_autoptr(GPtrArray) stores = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_store_close);
    guint64 t0 = (guint64)(g_get_real_time() / G_USEC_PER_SEC) - 60 * (guint64)(o.minutes + 1);
    for (guint s = 0; s < (guint)o.stores; s++) {
        g_ptr_array_add(stores, bench_store(dir, s, (guint)o.series));
        bench_record(g_ptr_array_index(stores, s), s, t0, 61);
    }
    g_autoptr(RondoExporter) e = rondo_exporter_new(argv[1], &error);
    if (e == NULL || !rondo_exporter_add_label(e, "instance", "bench", &error) ||
        !rondo_exporter_set_batch(e, (guint)o.batch, 4 << 20, &error))
        g_error("%s", error->message);
    RondoExportStats total;
    push_all(e, stores, &total); /* warm-up: the first minute */

    for (guint s = 0; s < stores->len; s++)
        bench_record(g_ptr_array_index(stores, s), s, t0 + 61, 60 * (guint)o.minutes);
    double cpu0 = cpu_seconds();
    gint64 wall0 = g_get_monotonic_time();
    push_all(e, stores, &total);
    double wall = (double)(g_get_monotonic_time() - wall0) / G_USEC_PER_SEC;
    double cpu = cpu_seconds() - cpu0;

    printf("stores %d x series %d, %d minute(s) of 1 s data, batch %d\n", o.stores, o.series,
           o.minutes, o.batch);
    printf("samples      %" G_GUINT64_FORMAT " in %" G_GUINT64_FORMAT " requests\n",
           total.samples_sent, total.batches_sent);
    printf("wall         %.3f s  -> %.0f samples/s\n", wall, total.samples_sent / wall);
    printf("wire bytes   %" G_GUINT64_FORMAT "  -> %.2f bytes/sample (snappy)\n", total.bytes_sent,
           (double)total.bytes_sent / (double)total.samples_sent);
    printf("export CPU   %.3f s  -> %.3f s per minute of data (all stores), %.2f us/sample\n", cpu,
           cpu / o.minutes, cpu * 1e6 / (double)total.samples_sent);
    g_ptr_array_set_size(stores, 0);
    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
    if (system(rm) != 0)
        fprintf(stderr, "export-bench: could not remove %s\n", dir);
    return 0;
}
