/* write-overhead.c - benchmark A: what one recorded value costs the writer,
 * for rondo and for the ways a VMM's metrics are kept or shipped today.
 *
 * Method (docs/benchmarks.md repeats it with the figures):
 *   - every contender sees the same pattern: 30 series written round-robin,
 *     one value per series per simulated second (rondo's costliest pattern:
 *     every round of 30 opens a tier-0 slot), the value a growing counter;
 *   - each operation is timed alone with the time-stamp counter between
 *     fences (CLOCK_MONOTONIC where there is none), the deltas are kept and
 *     sorted for exact percentiles; an empty operation (the timer plus the
 *     indirect call every contender pays) is measured the same way and its
 *     median subtracted;
 *   - an untimed loop of as many operations gives the mean, minus the empty
 *     loop's;
 *   - contenders run one after the other in one process, in one run.
 * Only librondo's public API (lib/rondo.h) is used, so a change of the store
 * format or of the record path is picked up by rebuilding.
 *
 *   write-overhead [--ops N] [--slow-ops N] [--csv PATH] [--dir DIR]
 *                  [--rrdcached ADDRESS] [--only NAME,...]
 * --slow-ops caps the contenders that cost microseconds (librrd, rrdcached);
 * it defaults to --ops. Contenders whose library was not found at configure
 * time, or whose daemon is not given, print SKIP and the reason.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "cycles.h"
#include "rondo.h"
#include "write-overhead.h"
#ifdef HAVE_LIBRRD
#include <rrd.h>
#include <rrd_client.h>
#endif

#define SERIES_N    30
#define BASE_TIME_S G_GUINT64_CONSTANT(1700000000)

typedef struct {
    const char *dir;
    const char *rrdcached;
    /* rondo */
    RondoStore *store;
    RondoSeries *series[SERIES_N];
    /* relaxed atomic add */
    atomic_ulong counters[SERIES_N];
    /* statsd over UDP, plain write() */
    int udp_fd;
    int udp_sink_fd;
    int file_fd;
    char names[SERIES_N][32];
    /* librrd, rrdcached */
    char rrd_paths[SERIES_N][512];
    /* prometheus-cpp */
    void *prom;
} Bench;

typedef struct {
    const char *name;
    const char *history; /* what keeps the values over time */
    gboolean slow;       /* capped by --slow-ops */
    /* NULL, or a reason to skip; writes ret_skip on failure to set up. */
    gboolean (*setup)(Bench *b, char **ret_skip);
    void (*op)(Bench *b, guint64 i);
    void (*teardown)(Bench *b);
} Contender;

/* The pattern: operation i writes series i % 30 in simulated second i / 30. */
static inline guint
op_series(guint64 i)
{
    return (guint)(i % SERIES_N);
}

static inline guint64
op_second(guint64 i)
{
    return BASE_TIME_S + i / SERIES_N;
}

/* ------------------------------------------------------------- the timer */

static guint64
monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (guint64)ts.tv_sec * G_GUINT64_CONSTANT(1000000000) + (guint64)ts.tv_nsec;
}

/* ---------------------------------------------------------- contenders */

static void
op_empty(Bench *b, guint64 i)
{
    (void)b;
    (void)i;
}

static gboolean
rondo_setup(Bench *b, char **ret_skip)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename(b->dir, "rondo-store", NULL);
    g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vm", SERIES_N, &error);
    if (schema != NULL)
        b->store = rondo_store_create(path, &schema, 1, &error);
    const char *names[SERIES_N];
    for (guint s = 0; s < SERIES_N; s++)
        names[s] = b->names[s];
    if (b->store == NULL ||
        !rondo_store_register_all(b->store, SERIES_N, names, NULL, b->series, &error)) {
        *ret_skip = g_strdup_printf("librondo: %s", error->message);
        return FALSE;
    }
    return TRUE;
}

static void
rondo_op(Bench *b, guint64 i)
{
    rondo_series_record(b->series[op_series(i)], (double)i,
                        op_second(i) * G_GUINT64_CONSTANT(1000000000));
}

static void
rondo_teardown(Bench *b)
{
    g_clear_pointer(&b->store, rondo_store_close);
}

static gboolean
atomic_setup(Bench *b, char **ret_skip)
{
    for (guint s = 0; s < SERIES_N; s++)
        atomic_init(&b->counters[s], 0);
    return TRUE;
}

static void
atomic_op(Bench *b, guint64 i)
{
    atomic_fetch_add_explicit(&b->counters[op_series(i)], 1, memory_order_relaxed);
}

/* The statsd packet goes to a bound loopback socket nobody reads: once its
 * buffer is full the kernel drops each datagram after the full send path. */
static gboolean
udp_setup(Bench *b, char **ret_skip)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    b->udp_sink_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    b->udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (b->udp_sink_fd < 0 || b->udp_fd < 0 ||
        bind(b->udp_sink_fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockname(b->udp_sink_fd, (struct sockaddr *)&addr, &len) != 0 ||
        connect(b->udp_fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        *ret_skip = g_strdup_printf("UDP loopback socket: %s", g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

static void
udp_op(Bench *b, guint64 i)
{
    char line[64];
    int n = snprintf(line, sizeof line, "%s:1|c", b->names[op_series(i)]);
    if (send(b->udp_fd, line, (size_t)n, 0) < 0)
        g_error("send: %s", g_strerror(errno));
}

static void
udp_teardown(Bench *b)
{
    close(b->udp_fd);
    close(b->udp_sink_fd);
}

static gboolean
file_setup(Bench *b, char **ret_skip)
{
    g_autofree char *path = g_build_filename(b->dir, "lines.txt", NULL);
    b->file_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (b->file_fd < 0) {
        *ret_skip = g_strdup_printf("%s: %s", path, g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

static void
file_op(Bench *b, guint64 i)
{
    char line[96];
    int n = snprintf(line, sizeof line, "%s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
                     b->names[op_series(i)], i, op_second(i));
    if (write(b->file_fd, line, (size_t)n) != n)
        g_error("write: %s", g_strerror(errno));
}

static void
file_teardown(Bench *b)
{
    close(b->file_fd);
}

#ifdef HAVE_LIBRRD
/* One RRD per series, as collectd's rrdtool plugin keeps them, with the
 * archives of rondo's VMM preset: 1 s x 600, 10 s x 2160 (average, max),
 * 5 min x 2016 (average). */
static gboolean
rrd_setup(Bench *b, char **ret_skip)
{
    static const char *const args[] = {
        "DS:value:GAUGE:2:U:U", "RRA:AVERAGE:0.5:1:600",    "RRA:AVERAGE:0.5:10:2160",
        "RRA:MAX:0.5:10:2160",  "RRA:AVERAGE:0.5:300:2016",
    };
    for (guint s = 0; s < SERIES_N; s++) {
        g_snprintf(b->rrd_paths[s], sizeof b->rrd_paths[s], "%s/%s.rrd", b->dir, b->names[s]);
        rrd_clear_error();
        if (rrd_create_r(b->rrd_paths[s], 1, (time_t)(BASE_TIME_S - 1), G_N_ELEMENTS(args),
                         (const char **)args) != 0) {
            *ret_skip = g_strdup_printf("rrd_create_r: %s", rrd_get_error());
            return FALSE;
        }
    }
    return TRUE;
}

static void
rrd_op(Bench *b, guint64 i)
{
    char update[64];
    const char *argv[] = {update};
    g_snprintf(update, sizeof update, "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, op_second(i), i);
    if (rrd_update_r(b->rrd_paths[op_series(i)], NULL, 1, argv) != 0)
        g_error("rrd_update_r: %s", rrd_get_error());
}

static gboolean
rrdcached_setup(Bench *b, char **ret_skip)
{
    if (b->rrdcached == NULL) {
        *ret_skip = g_strdup("no rrdcached address (--rrdcached unix:PATH)");
        return FALSE;
    }
    if (!rrd_setup(b, ret_skip))
        return FALSE;
    if (rrdc_connect(b->rrdcached) != 0) {
        *ret_skip = g_strdup_printf("rrdc_connect %s: %s", b->rrdcached, rrd_get_error());
        return FALSE;
    }
    return TRUE;
}

static void
rrdcached_op(Bench *b, guint64 i)
{
    char update[64];
    const char *const argv[] = {update};
    g_snprintf(update, sizeof update, "%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, op_second(i), i);
    if (rrdc_update(b->rrd_paths[op_series(i)], 1, argv) != 0)
        g_error("rrdc_update: %s", rrd_get_error());
}

static void
rrdcached_teardown(Bench *b)
{
    rrdc_disconnect();
}
#else
static gboolean
rrd_setup(Bench *b, char **ret_skip)
{
    *ret_skip = g_strdup("built without librrd (apt-get install librrd-dev, then configure)");
    return FALSE;
}
#define rrd_op             NULL
#define rrdcached_setup    rrd_setup
#define rrdcached_op       NULL
#define rrdcached_teardown NULL
#endif

#ifdef HAVE_PROMETHEUS_CPP
static gboolean
prom_setup_mode(Bench *b, WoPromMode mode)
{
    const char *names[SERIES_N];
    for (guint s = 0; s < SERIES_N; s++)
        names[s] = b->names[s];
    b->prom = wo_prom_new(mode, names, SERIES_N);
    return b->prom != NULL;
}

static gboolean
prom_setup(Bench *b, char **ret_skip)
{
    return prom_setup_mode(b, WO_PROM_UNLABELLED);
}

static gboolean
prom_labels_setup(Bench *b, char **ret_skip)
{
    return prom_setup_mode(b, WO_PROM_LABELS_LOOKUP);
}

static void
prom_op(Bench *b, guint64 i)
{
    wo_prom_increment(b->prom, op_series(i));
}

static void
prom_teardown(Bench *b)
{
    g_clear_pointer(&b->prom, wo_prom_free);
}
#else
static gboolean
prom_setup(Bench *b, char **ret_skip)
{
    *ret_skip = g_strdup("built without prometheus-cpp (apt-get install prometheus-cpp-dev, "
                         "then configure)");
    return FALSE;
}
#define prom_labels_setup prom_setup
#define prom_op           NULL
#define prom_teardown     NULL
#endif

static const Contender contenders[] = {
    {"rondo", "in the store: 1 s x 10 min, 10 s x 6 h, 5 min x 7 d", FALSE, rondo_setup, rondo_op,
     rondo_teardown},
    {"atomic", "none (the current value only)", FALSE, atomic_setup, atomic_op, NULL},
    {"prom-cpp", "none (the current value; history at scrape resolution, elsewhere)", FALSE,
     prom_setup, prom_op, prom_teardown},
    {"prom-cpp-labels", "none (as prom-cpp)", FALSE, prom_labels_setup, prom_op, prom_teardown},
    {"statsd-udp", "none here (a statsd server aggregates, elsewhere)", FALSE, udp_setup, udp_op,
     udp_teardown},
    {"write-line", "a line per value in a file", FALSE, file_setup, file_op, file_teardown},
    {"librrd", "in RRD files: the same archives", TRUE, rrd_setup, rrd_op, NULL},
    {"rrdcached", "in RRD files, through rrdcached", TRUE, rrdcached_setup, rrdcached_op,
     rrdcached_teardown},
};

/* ---------------------------------------------------------- measurement */

typedef struct {
    double p50_ns, p99_ns, p999_ns, mean_timed_ns, mean_untimed_ns;
} Figures;

static int
compare_u32(const void *a, const void *b)
{
    guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
    return (x > y) - (x < y);
}

static double
percentile(const guint32 *sorted, guint64 n, double q)
{
    guint64 k = (guint64)(q * (double)(n - 1));
    return (double)sorted[k];
}

/* Times @n operations of @op one by one, then @n untimed; @first is the
 * first operation's index, so the simulated time keeps advancing. */
static void
measure(Bench *b, void (*op)(Bench *, guint64), guint64 first, guint64 n, double tpn,
        guint32 *deltas, Figures *ret)
{
    double sum = 0;
    for (guint64 i = 0; i < n; i++) {
        guint64 t0 = tool_cycles_now();
        op(b, first + i);
        guint64 t1 = tool_cycles_now();
        guint64 d = t1 - t0;
        deltas[i] = d > G_MAXUINT32 ? G_MAXUINT32 : (guint32)d;
        sum += (double)d;
    }
    qsort(deltas, n, sizeof *deltas, compare_u32);
    ret->p50_ns = percentile(deltas, n, 0.50) / tpn;
    ret->p99_ns = percentile(deltas, n, 0.99) / tpn;
    ret->p999_ns = percentile(deltas, n, 0.999) / tpn;
    ret->mean_timed_ns = sum / (double)n / tpn;

    guint64 t0 = monotonic_ns();
    for (guint64 i = 0; i < n; i++)
        op(b, first + n + i);
    ret->mean_untimed_ns = (double)(monotonic_ns() - t0) / (double)n;
}

/* Subtracts the empty operation's cost; never below zero. */
static void
figures_subtract(Figures *f, const Figures *empty)
{
    f->p50_ns = MAX(0, f->p50_ns - empty->p50_ns);
    f->p99_ns = MAX(0, f->p99_ns - empty->p50_ns);
    f->p999_ns = MAX(0, f->p999_ns - empty->p50_ns);
    f->mean_timed_ns = MAX(0, f->mean_timed_ns - empty->mean_timed_ns);
    f->mean_untimed_ns = MAX(0, f->mean_untimed_ns - empty->mean_untimed_ns);
}

static gboolean
wanted(const char *name, char **only)
{
    return only == NULL || g_strv_contains((const char *const *)only, name);
}

static void
print_row(FILE *csv, const Contender *c, guint64 n, const Figures *f, const Figures *rondo)
{
    double ratio_mean =
        rondo && rondo->mean_untimed_ns > 0 ? f->mean_untimed_ns / rondo->mean_untimed_ns : 0;
    printf("%-16s %10" G_GUINT64_FORMAT " %9.1f %9.1f %9.1f %11.1f %11.1f %9.1fx\n", c->name, n,
           f->p50_ns, f->p99_ns, f->p999_ns, f->mean_timed_ns, f->mean_untimed_ns, ratio_mean);
    if (csv != NULL)
        fprintf(csv, "%s,%" G_GUINT64_FORMAT ",%.1f,%.1f,%.1f,%.1f,%.2f,%.2f,\"%s\"\n", c->name, n,
                f->p50_ns, f->p99_ns, f->p999_ns, f->mean_timed_ns, f->mean_untimed_ns, ratio_mean,
                c->history);
    fflush(stdout);
}

int
main(int argc, char **argv)
{
    gint64 ops = 10000000, slow_ops = -1;
    g_autofree char *csv_path = NULL, *dir = NULL, *rrdcached = NULL, *only_arg = NULL;
    GOptionEntry entries[] = {
        {"ops", 0, 0, G_OPTION_ARG_INT64, &ops, "operations per contender", "N"},
        {"slow-ops", 0, 0, G_OPTION_ARG_INT64, &slow_ops, "for librrd and rrdcached", "N"},
        {"csv", 0, 0, G_OPTION_ARG_FILENAME, &csv_path, "write the figures as CSV", "PATH"},
        {"dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "scratch directory (default: a new one)", "DIR"},
        {"rrdcached", 0, 0, G_OPTION_ARG_STRING, &rrdcached, "rrdcached address", "ADDRESS"},
        {"only", 0, 0, G_OPTION_ARG_STRING, &only_arg, "comma-separated contenders", "NAMES"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) context = g_option_context_new("- benchmark A: write overhead");
    g_autoptr(GError) error = NULL;
    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, &argc, &argv, &error) || ops < 1) {
        g_printerr("write-overhead: %s\n", error ? error->message : "--ops must be >= 1");
        return 2;
    }
    if (slow_ops < 1)
        slow_ops = ops;

    g_autofree char *scratch = dir ? NULL : g_dir_make_tmp("write-overhead.XXXXXX", &error);
    if (dir == NULL && scratch == NULL) {
        g_printerr("write-overhead: %s\n", error->message);
        return 1;
    }
    Bench *b = g_new0(Bench, 1);
    b->dir = dir ? dir : scratch;
    b->rrdcached = rrdcached;
    for (guint s = 0; s < SERIES_N; s++)
        g_snprintf(b->names[s], sizeof b->names[s], "vm_series_%02u", s);
    g_auto(GStrv) only = only_arg ? g_strsplit(only_arg, ",", -1) : NULL;

    guint64 max_n = (guint64)MAX(ops, slow_ops);
    guint32 *deltas = g_new(guint32, max_n);
    double tpn = tool_cycles_per_ns();
    Figures empty;
    measure(b, op_empty, 0, max_n, tpn, deltas, &empty);
    printf("timer: %s, %.3f ticks/ns; an empty timed operation: p50 %.1f ns, p99 %.1f ns, "
           "untimed %.2f ns (subtracted below)\n",
           TOOL_CYCLES_TSC ? "rdtsc" : "clock_gettime", tpn, empty.p50_ns, empty.p99_ns,
           empty.mean_untimed_ns);
    printf("%-16s %10s %9s %9s %9s %11s %11s %10s\n", "contender", "ops", "p50 ns", "p99 ns",
           "p999 ns", "mean timed", "mean untimed", "÷ rondo");

    FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
    if (csv_path != NULL && csv == NULL) {
        g_printerr("write-overhead: %s: %s\n", csv_path, g_strerror(errno));
        return 1;
    }
    if (csv != NULL)
        fprintf(csv, "contender,ops,p50_ns,p99_ns,p999_ns,mean_timed_ns,mean_untimed_ns,"
                     "ratio_to_rondo,history\n");
    Figures rondo = {0};
    gboolean have_rondo = FALSE;
    for (guint c = 0; c < G_N_ELEMENTS(contenders); c++) {
        const Contender *k = &contenders[c];
        if (!wanted(k->name, only))
            continue;
        g_autofree char *skip = NULL;
        if (!k->setup(b, &skip)) {
            printf("%-16s SKIP: %s\n", k->name, skip ? skip : "setup failed");
            continue;
        }
        guint64 n = (guint64)(k->slow ? slow_ops : ops);
        Figures f;
        measure(b, k->op, 0, n, tpn, deltas, &f);
        figures_subtract(&f, &empty);
        if (c == 0) {
            rondo = f;
            have_rondo = TRUE;
        }
        print_row(csv, k, n, &f, have_rondo ? &rondo : NULL);
        if (k->teardown != NULL)
            k->teardown(b);
    }
    if (csv != NULL)
        fclose(csv);
    g_free(deltas);
    if (scratch != NULL) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", scratch);
        if (system(cmd) != 0)
            g_printerr("write-overhead: could not remove %s\n", scratch);
    }
    g_free(b);
    return 0;
}
