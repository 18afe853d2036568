/* scale-vm.c - one simulated VM of benchmark B (bench/scale.sh): a process
 * that counts 30 things once a second, and keeps them the embedded way or
 * hands them out the traditional way.
 *
 *   scale-vm embedded STORE_DIR SECONDS
 *       records its 30 series at 1 Hz through librondo (VMM preset store),
 *       then, every half of tier 0's span (5 minutes), the consolidation,
 *       and on the other ticks the trim, as rondo-demo-vmm does
 *       (vmm/metrics.c says why); VMs start together here but not in a
 *       fleet, so each VM's consolidation falls at its own phase (from its
 *       store's name), and a measurement taken at one moment does not
 *       find every VM just after its consolidation;
 *   scale-vm traditional FIFO SECONDS FLUSH_S
 *       keeps 30 counters in memory and writes all of them as one line of
 *       JSON to FIFO every FLUSH_S seconds (how Firecracker hands its metrics
 *       to an exporter), for bench/scale/exporter.go to expose;
 *   scale-vm many DIR COUNT SECONDS
 *       COUNT embedded VMs in one process: stores DIR/vm000... written as
 *       `embedded` writes one (the generator of bench/fleet.sh's hosts);
 *   scale-vm bare SECONDS
 *       counts the same way and hands nothing out: the VM without metrics,
 *       the baseline both stacks are measured above.
 *
 * Both modes draw the same increments from the same generator, wake on the
 * same absolute 1 s ticks and exit after SECONDS. Only librondo's public API
 * is used.
 *
 * The file is built twice: bench/scale-vm with librondo, and
 * bench/scale-vm-plain (SCALE_VM_PLAIN) without it, for the bare and
 * traditional VMs. A VMM without rondo does not load librondo, so the
 * baseline must not either: loading a library and what it depends on costs
 * each process private memory (relocated data, its initialisers), and that
 * belongs to the embedded side's bill.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include "rondo.h" /* the plain build uses its constants only */

#define SERIES_N 30

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static guint64
realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (guint64)ts.tv_sec * RONDO_NS_PER_S + (guint64)ts.tv_nsec;
}

/* Sleeps until the next whole second of the realtime clock; returns it. */
static guint64
sleep_to_next_second(void)
{
    guint64 next = (realtime_ns() / RONDO_NS_PER_S + 1) * RONDO_NS_PER_S;
    struct timespec ts = {.tv_sec = (time_t)(next / RONDO_NS_PER_S), .tv_nsec = 0};
    while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR && !stopping)
        ;
    return next;
}

/* The same increments on both sides: series s grows by a small amount that
 * depends on the second and the series (exits, bytes, packets...). */
static void
counters_advance(double *counters, guint64 second)
{
    for (guint s = 0; s < SERIES_N; s++)
        counters[s] += (double)((second * 2654435761u + s * 40503u) % 1000u);
}

static void
series_name(guint s, char *buf, gsize size)
{
    g_snprintf(buf, size, "vm_counter_%02u_total", s);
}

#ifndef SCALE_VM_PLAIN
typedef struct {
    RondoStore *store;
    RondoSeries *series[SERIES_N];
    double counters[SERIES_N];
    guint64 consolidate_ns, consolidated_ns;
    guint64 trim_from_ns; /* the first trim; rondo_store_trim() keeps the minute */
} Vm;

static gboolean
vm_open(Vm *vm, const char *path, GError **error)
{
    g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vm", SERIES_N, error);
    char names_buf[SERIES_N][32];
    const char *names[SERIES_N];
    for (guint s = 0; s < SERIES_N; s++) {
        series_name(s, names_buf[s], sizeof names_buf[s]);
        names[s] = names_buf[s];
    }
    vm->store = schema ? rondo_store_open_or_create(path, &schema, 1, error) : NULL;
    if (schema != NULL)
        vm->consolidate_ns = rondo_schema_get_tier_interval_ns(schema, 0) *
                             rondo_schema_get_tier_slots(schema, 0) / 2;
    return vm->store != NULL &&
           rondo_store_register_all(vm->store, SERIES_N, names, NULL, vm->series, error);
}

/* One second of a VM: its 30 values, then, when due, the consolidation. */
static gboolean
vm_tick(Vm *vm, guint64 now_ns, GError **error)
{
    counters_advance(vm->counters, now_ns / RONDO_NS_PER_S);
    rondo_store_record_batch(vm->store, vm->series, vm->counters, SERIES_N, now_ns);
    if (now_ns - vm->consolidated_ns < vm->consolidate_ns) {
        if (now_ns >= vm->trim_from_ns)
            rondo_store_trim(vm->store);
        return TRUE;
    }
    vm->consolidated_ns = now_ns;
    return rondo_store_consolidate(vm->store, now_ns, NULL, error);
}

static int
run_embedded(const char *dir, guint count, gboolean one, guint64 seconds)
{
    g_autoptr(GError) error = NULL;
    Vm *vms = g_new0(Vm, count);
    int status = 0;
    for (guint v = 0; v < count && status == 0; v++) {
        g_autofree char *path = one ? g_strdup(dir) : g_strdup_printf("%s/vm%03u", dir, v);
        if (!vm_open(&vms[v], path, &error)) {
            g_printerr("scale-vm: %s: %s\n", path, error->message);
            status = 1;
        }
        /* Consolidations and trims spread over their periods, as VMs
         * started at different times have them: by index in one process,
         * by the store's name across processes. */
        guint n = one ? 1000 : count;
        guint phase = (one ? (guint)(((guint64)g_str_hash(path) * 2654435761u) >> 16) : v) % n;
        guint64 start_ns = (guint64)g_get_real_time() * 1000;
        vms[v].consolidated_ns = start_ns - vms[v].consolidate_ns / n * phase;
        vms[v].trim_from_ns = start_ns + 60 * RONDO_NS_PER_S / n * phase;
    }
    for (guint64 i = 0; i < seconds && !stopping && status == 0; i++) {
        guint64 now_ns = sleep_to_next_second();
        for (guint v = 0; v < count && status == 0; v++) {
            if (!vm_tick(&vms[v], now_ns, &error)) {
                g_printerr("scale-vm: %s\n", error->message);
                status = 1;
            }
        }
    }
    for (guint v = 0; v < count; v++)
        rondo_store_close(vms[v].store);
    g_free(vms);
    return status;
}
#else
static int
run_embedded(const char *dir, guint count, gboolean one, guint64 seconds)
{
    g_printerr("scale-vm-plain: built without librondo; use bench/scale-vm\n");
    return 2;
}
#endif

static int
run_bare(guint64 seconds)
{
    double counters[SERIES_N] = {0};
    for (guint64 i = 0; i < seconds && !stopping; i++)
        counters_advance(counters, sleep_to_next_second() / RONDO_NS_PER_S);
    volatile double sink = counters[0];
    (void)sink;
    return 0;
}

static int
run_traditional(const char *fifo, guint64 seconds, guint64 flush_s)
{
    int fd = open(fifo, O_WRONLY | O_CLOEXEC); /* waits for the exporter */
    if (fd < 0) {
        g_printerr("scale-vm: %s: %s\n", fifo, g_strerror(errno));
        return 1;
    }
    double counters[SERIES_N] = {0};
    GString *line = g_string_sized_new(1024);
    for (guint64 i = 0; i < seconds && !stopping; i++) {
        guint64 now_ns = sleep_to_next_second();
        counters_advance(counters, now_ns / RONDO_NS_PER_S);
        if ((now_ns / RONDO_NS_PER_S) % flush_s != 0)
            continue;
        g_string_assign(line, "{");
        for (guint s = 0; s < SERIES_N; s++) {
            char name[32];
            series_name(s, name, sizeof name);
            g_string_append_printf(line, "%s\"%s\":%.0f", s ? "," : "", name, counters[s]);
        }
        g_string_append(line, "}\n");
        if (write(fd, line->str, line->len) != (ssize_t)line->len) {
            g_printerr("scale-vm: %s: %s\n", fifo, g_strerror(errno));
            break;
        }
    }
    g_string_free(line, TRUE);
    close(fd);
    return 0;
}

int
main(int argc, char **argv)
{
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (argc == 4 && strcmp(argv[1], "embedded") == 0)
        return run_embedded(argv[2], 1, TRUE, g_ascii_strtoull(argv[3], NULL, 10));
    if (argc == 5 && strcmp(argv[1], "many") == 0) {
        guint64 count = g_ascii_strtoull(argv[3], NULL, 10);
        if (count < 1 || count > 10000) {
            g_printerr("scale-vm: COUNT must be 1..10000\n");
            return 2;
        }
        return run_embedded(argv[2], (guint)count, FALSE, g_ascii_strtoull(argv[4], NULL, 10));
    }
    if (argc == 3 && strcmp(argv[1], "bare") == 0)
        return run_bare(g_ascii_strtoull(argv[2], NULL, 10));
    if (argc == 5 && strcmp(argv[1], "traditional") == 0) {
        guint64 flush_s = g_ascii_strtoull(argv[4], NULL, 10);
        return run_traditional(argv[2], g_ascii_strtoull(argv[3], NULL, 10), MAX(flush_s, 1));
    }
    g_printerr("usage: scale-vm embedded STORE_DIR SECONDS\n"
               "       scale-vm traditional FIFO SECONDS FLUSH_S\n"
               "       scale-vm many DIR COUNT SECONDS\n"
               "       scale-vm bare SECONDS\n");
    return 2;
}
