/* export-bench.c - what remote-write export costs, measured.
 *
 *   export-bench URL [--stores 100] [--series 30] [--minutes 1] [--batch 2000]
 *                    [--every S] [--together] [--receiver-pid PID]
 *
 * Creates --stores VMM-preset stores of --series series (half counters that
 * grow, half gauges with two decimals: typical VMM metrics), records one
 * point per series per second, and pushes them with one exporter, each
 * store a source labelled store=vm-NNN, store after store (a push and its
 * requests per store, as rondod did before 0.7.0), or with --together all
 * in one rondo_exporter_push_sources() (as rondod pushes since), so that a
 * request carries several stores:
 *   1. a first push of one minute of data (opens the connection, creates
 *      the cursors), not measured;
 *   2. --minutes more minutes recorded, then one push of it all, measured
 *      (with --every S: S seconds recorded, then pushed, and again, as
 *      rondod's interval does; the pushes alone measured): wall time,
 *      samples/s, compressed bytes per sample, and the CPU time (user +
 *      system, this process only: the receiver runs elsewhere) per minute
 *      of data of all the stores; with --receiver-pid, also the receiver's
 *      CPU time over the same pushes (/proc/PID/stat).
 * Each run labels its series instance=bench-PID: runs may share a receiver.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "rondo-export.h"

typedef struct {
    gint stores, series, minutes, batch, every, receiver_pid;
    gboolean together;
} BenchOptions;

/* What the measured pushes took. */
typedef struct {
    RondoExportStats total;
    double wall, cpu, receiver_cpu;
} BenchTimes;

static double
cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* User + system CPU seconds of process @pid, -1 if unreadable. */
static double
pid_cpu_seconds(int pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
    g_autofree char *text = NULL;
    if (pid <= 0 || !g_file_get_contents(path, &text, NULL, NULL))
        return -1;
    const char *p = strrchr(text, ')'); /* the command may hold spaces */
    unsigned long long utime = 0, stime = 0;
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
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
total_add(RondoExportStats *total, const RondoExportStats *st)
{
    total->samples_sent += st->samples_sent;
    total->batches_sent += st->batches_sent;
    total->bytes_sent += st->bytes_sent;
}

/* Every store pushed as a source labelled store=vm-NNN, the way rondod
 * pushes: all in one rondo_exporter_push_sources() (@together), or each in
 * its own (one exporter per store before 0.7.0: the same requests). A
 * shared request counts for each of its sources, so batches_sent is a
 * request count only store after store; together it is left 0. */
static void
push(const BenchOptions *o, RondoExporter *e, GPtrArray *stores, RondoExportStats *total)
{
    g_autoptr(GError) error = NULL;
    guint n = stores->len;
    g_autofree RondoExportSource *src = g_new0(RondoExportSource, n);
    g_autofree char **names = g_new0(char *, n);
    g_autofree const char **labels = g_new0(const char *, 3 * n);
    for (guint s = 0; s < n; s++) {
        names[s] = g_strdup_printf("vm-%03u", s);
        labels[3 * s] = "store";
        labels[3 * s + 1] = names[s];
        src[s].labels = &labels[3 * s];
        src[s].drain = rondo_drain_new(g_ptr_array_index(stores, s), "bench", 0, &error);
        if (src[s].drain == NULL)
            g_error("drain: %s", error->message);
    }
    for (guint s = 0; s < n; s += o->together ? n : 1) {
        if (!rondo_exporter_push_sources(e, &src[s], o->together ? n : 1, &error))
            g_error("push: %s", error->message);
    }
    memset(total, 0, sizeof *total);
    for (guint s = 0; s < n; s++) {
        if (src[s].error != NULL)
            g_error("push: %s", src[s].error->message);
        total_add(total, &src[s].stats);
        g_free(src[s].message);
        rondo_drain_free(src[s].drain);
        g_free(names[s]);
    }
    if (o->together)
        total->batches_sent = 0;
}

/* One measured push, added to @m. */
static void
bench_push_timed(const BenchOptions *o, RondoExporter *e, GPtrArray *stores, BenchTimes *m)
{
    RondoExportStats st;
    double cpu0 = cpu_seconds();
    gint64 wall0 = g_get_monotonic_time();
    push(o, e, stores, &st);
    m->wall += (double)(g_get_monotonic_time() - wall0) / G_USEC_PER_SEC;
    m->cpu += cpu_seconds() - cpu0;
    total_add(&m->total, &st);
}

int
main(int argc, char **argv)
{
    BenchOptions o = {100, 30, 1, 2000, 0, 0, FALSE};
    GOptionEntry entries[] = {
        {"stores", 0, 0, G_OPTION_ARG_INT, &o.stores, "stores", "N"},
        {"series", 0, 0, G_OPTION_ARG_INT, &o.series, "series per store", "N"},
        {"minutes", 0, 0, G_OPTION_ARG_INT, &o.minutes, "minutes of data measured (1..9)", "N"},
        {"batch", 0, 0, G_OPTION_ARG_INT, &o.batch, "samples per request", "N"},
        {"every", 0, 0, G_OPTION_ARG_INT, &o.every, "push every S seconds of data", "S"},
        {"together", 0, 0, G_OPTION_ARG_NONE, &o.together, "all stores in one push", NULL},
        {"receiver-pid", 0, 0, G_OPTION_ARG_INT, &o.receiver_pid, "the receiver, to time", "PID"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) error = NULL;
    g_autoptr(GOptionContext) ctx = g_option_context_new("URL");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 2 || o.minutes < 1 ||
        o.minutes > 9 || o.stores < 1 || o.series < 1 || o.every < 0 || o.every > 60 * o.minutes) {
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
    g_autofree char *instance = g_strdup_printf("bench-%d", (int)getpid());
    if (e == NULL || !rondo_exporter_add_label(e, "instance", instance, &error) ||
        !rondo_exporter_set_batch(e, (guint)o.batch, 4 << 20, &error))
        g_error("%s", error->message);
    RondoExportStats total;
    push(&o, e, stores, &total); /* warm-up: the first minute */

    BenchTimes m = {0};
    /* the receiver's clock ticks (10 ms) over the whole loop, idle between pushes */
    double rx0 = pid_cpu_seconds(o.receiver_pid);
    guint span = 60 * (guint)o.minutes, step = o.every > 0 ? (guint)o.every : span;
    for (guint done = 0; done < span; done += step) {
        guint n = MIN(step, span - done);
        for (guint s = 0; s < stores->len; s++)
            bench_record(g_ptr_array_index(stores, s), s, t0 + 61 + done, n);
        bench_push_timed(&o, e, stores, &m);
    }
    m.receiver_cpu = rx0 < 0 ? -1 : pid_cpu_seconds(o.receiver_pid) - rx0;
    total = m.total;
    double wall = m.wall, cpu = m.cpu, rx = m.receiver_cpu;

    printf("stores %d x series %d, %d minute(s) of 1 s data pushed every %u s, batch %d, %s\n",
           o.stores, o.series, o.minutes, step, o.batch,
           o.together ? "stores together" : "store after store");
    if (o.together)
        printf("samples      %" G_GUINT64_FORMAT "\n", total.samples_sent);
    else
        printf("samples      %" G_GUINT64_FORMAT " in %" G_GUINT64_FORMAT " requests\n",
               total.samples_sent, total.batches_sent);
    printf("wall         %.3f s  -> %.0f samples/s\n", wall, total.samples_sent / wall);
    printf("wire bytes   %" G_GUINT64_FORMAT "  -> %.2f bytes/sample (snappy)\n", total.bytes_sent,
           (double)total.bytes_sent / (double)total.samples_sent);
    printf("export CPU   %.3f s  -> %.3f s per minute of data (all stores), %.2f us/sample\n", cpu,
           cpu / o.minutes, cpu * 1e6 / (double)total.samples_sent);
    if (o.receiver_pid > 0 && rx >= 0)
        printf("receiver CPU %.3f s  -> %.2f us/sample\n", rx,
               rx * 1e6 / (double)total.samples_sent);
    g_ptr_array_set_size(stores, 0);
    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", dir);
    if (system(rm) != 0)
        fprintf(stderr, "export-bench: could not remove %s\n", dir);
    return 0;
}
