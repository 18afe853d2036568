/* metrics.c - the store behind VmMetrics, and the 1 s maintenance thread.
 *
 * Why: the VMM is its own exporter. At start it opens (or creates) a rondo
 * store with two schemas, one per recording thread (see metrics.h), and
 * registers every series up front so the hot path never registers, looks up
 * or allocates. A maintenance thread wakes once a second (on the second
 * boundary) to sample what only the process or the kernel knows - RSS, open
 * fds, uptime, and KVM's in-kernel vCPU counters from the binary stats fd,
 * which count exits that never reach userspace - and to consolidate the
 * store's tiers. It never touches the vCPU schema, so it cannot block or
 * race the vCPU thread.
 */
#include "config.h"

#include "metrics.h"

#include <dirent.h>
#include <errno.h>
#include <linux/kvm.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

/* Room to spare: the vCPU schema holds 16 series per vCPU today and the VMM
 * schema 12; a later version's new series still fit in a store an older one
 * created. */
#define METRICS_SERIES_MAX_PER_SCHEMA 32
#define METRICS_KVM_STATS_MAX         9
#define METRICS_TICK_US               G_USEC_PER_SEC

/* In-kernel vCPU statistics worth a series each (cumulative counters). */
static const char *const kvm_stat_names[METRICS_KVM_STATS_MAX] = {
    "exits",          "halt_exits",   "io_exits",    "mmio_exits",     "irq_exits",
    "irq_injections", "signal_exits", "halt_wakeup", "insn_emulation",
};

typedef struct {
    RondoSeries *series;
    guint64 offset_bytes; /* in the stats data block */
} KvmStat;

struct VmMetrics {
    RondoStore *store;
    GPtrArray *counters;       /* VmCounter *, every one the vCPU thread records */
    gboolean counters_refused; /* the resize hint was given */
    RondoSeries *rss_bytes, *open_fds, *uptime_seconds;
    gint64 start_us;
    int stats_fd;
    guint64 stats_data_offset;
    KvmStat kvm_stats[METRICS_KVM_STATS_MAX];
    guint n_kvm_stats;
    GThread *thread;
    GMutex lock;
    GCond cond;
    gboolean stopping;
};

/* A series a full schema could not take is NULL: not recorded. */
static inline void
vm_record(RondoSeries *series, double value, guint64 now_ns)
{
    if (G_LIKELY(series != NULL))
        rondo_series_record(series, value, now_ns);
}

/* The schema of the vCPU and block series, the hot ones. */
#define METRICS_HOT_SCHEMA "vcpu"

static RondoStore *
metrics_store_open(const char *dir, GError **error)
{
    g_autoptr(RondoSchema) vcpu =
        rondo_schema_new_vmm_preset(METRICS_HOT_SCHEMA, METRICS_SERIES_MAX_PER_SCHEMA, error);
    if (vcpu == NULL ||
        !rondo_schema_add_matcher(vcpu, "__name__", RONDO_MATCH_REGEX, "vcpu_.*|blk_.*", error))
        return NULL;
    g_autoptr(RondoSchema) vmm =
        rondo_schema_new_vmm_preset("vmm", METRICS_SERIES_MAX_PER_SCHEMA, error);
    if (vmm == NULL)
        return NULL;
    RondoSchema *schemas[] = {vcpu, vmm};
    return rondo_store_open_or_create(dir, schemas, G_N_ELEMENTS(schemas), error);
}

/* What each series measures, stored with it (series.json) for every
 * reader: rondod's /metrics and /api/v1/metadata, the dashboard's rates and
 * units, rondo info. Names carry Prometheus base units. */
typedef struct {
    const char *name;
    RondoSeriesType type;
    const char *unit;
    const char *help;
} MetricDesc;

static const MetricDesc metric_descs[] = {
    {"vmm_rss_bytes", RONDO_SERIES_GAUGE, "bytes", "Resident set size of the VMM process"},
    {"vmm_open_fds", RONDO_SERIES_GAUGE, NULL, "File descriptors the VMM process has open"},
    {"vmm_uptime_seconds", RONDO_SERIES_GAUGE, "seconds", "Time since the VMM started"},
};

/* A kvm_<stat>_total series: a counter of the kernel's binary stats. */
static const MetricDesc kvm_stat_desc = {NULL, RONDO_SERIES_COUNTER, NULL,
                                         "KVM's in-kernel vCPU statistic of the same name"};

static const MetricDesc *
metric_desc(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(metric_descs); i++)
        if (g_str_equal(metric_descs[i].name, name))
            return &metric_descs[i];
    g_assert(g_str_has_prefix(name, "kvm_"));
    return &kvm_stat_desc;
}

/* Registers the series @name{@label=@value} as @d describes it. A store
 * without room for it is not an error: *@ret is then NULL, and the VM runs. */
static gboolean
metrics_register_as(VmMetrics *m, RondoSeries **ret, const MetricDesc *d, const char *name,
                    const char *label, const char *value, GError **error)
{
    const char *labels[] = {label, value, NULL};
    RondoSeriesSpec spec = {name, label != NULL ? labels : NULL, d->type, d->unit, d->help};
    g_autoptr(GError) local = NULL;
    if (rondo_store_register_specs(m->store, 1, &spec, ret, &local))
        return TRUE;
    *ret = NULL;
    if (g_error_matches(local, RONDO_ERROR, RONDO_ERROR_FULL)) {
        /* An older, smaller store: the VM runs, this series is not recorded. */
        g_printerr(_("rondo-demo-vmm: warning: series %s not recorded: %s\n"), name,
                   local->message);
        return TRUE;
    }
    g_propagate_prefixed_error(error, g_steal_pointer(&local), _("series %s: "), name);
    return FALSE;
}

static gboolean
metrics_register(VmMetrics *m, RondoSeries **ret, const char *name, const char *label,
                 const char *value, GError **error)
{
    return metrics_register_as(m, ret, metric_desc(name), name, label, value, error);
}

VmMetrics *
vm_metrics_open(const char *store_dir, GError **error)
{
    g_autoptr(VmMetrics) m = g_new0(VmMetrics, 1);
    m->stats_fd = -1;
    m->start_us = g_get_monotonic_time();
    m->counters = g_ptr_array_new();
    g_mutex_init(&m->lock);
    g_cond_init(&m->cond);
    m->store = metrics_store_open(store_dir, error);
    if (m->store == NULL) {
        g_prefix_error(error, _("metrics store %s: "), store_dir);
        return NULL;
    }
    if (!metrics_register(m, &m->rss_bytes, "vmm_rss_bytes", NULL, NULL, error) ||
        !metrics_register(m, &m->open_fds, "vmm_open_fds", NULL, NULL, error) ||
        !metrics_register(m, &m->uptime_seconds, "vmm_uptime_seconds", NULL, NULL, error))
        return NULL;
    return g_steal_pointer(&m);
}

/* What a counter records with while it has no series. */
static RondoRecordResult
counter_drop(RondoSeries *series, double value, guint64 now_ns)
{
    return RONDO_RECORD_OK;
}

void
vm_counter_init(VmCounter *c)
{
    *c = (VmCounter){.record = counter_drop, .series = NULL, .total = 0, .scale = 1};
}

/* A counter whose series the store has no room for: it keeps dropping. */
static void
metrics_counter_refused(VmMetrics *m)
{
    if (m->counters_refused)
        return;
    m->counters_refused = TRUE;
    g_printerr(_("rondo-demo-vmm: warning: the vCPU and block series are not recorded "
                 "(their schema is full); the VM runs without them. To record them, stop "
                 "the VM and grow the schema, history kept: rondo resize %s --schema %s "
                 "--series-max N\n"),
               rondo_store_get_path(m->store), METRICS_HOT_SCHEMA);
}

static gboolean
metrics_add_counter(VmMetrics *m, VmCounter *c, const VmCounterDesc *desc, const char *value,
                    GError **error)
{
    const MetricDesc d = {desc->name, RONDO_SERIES_COUNTER, desc->unit, desc->help};
    vm_counter_init(c);
    c->scale = g_str_has_suffix(desc->name, "_seconds_total") ? 1e-9 : 1;
    if (!metrics_register_as(m, &c->series, &d, desc->name, desc->label, value, error))
        return FALSE;
    if (c->series == NULL)
        metrics_counter_refused(m);
    else
        c->record = rondo_series_record;
    g_ptr_array_add(m->counters, c);
    return TRUE;
}

gboolean
vm_metrics_add_counters(VmMetrics *m, VmCounter *counters, guint n, const VmCounterDesc *desc,
                        const char *const *label_values, GError **error)
{
    g_assert((desc->label != NULL) == (label_values != NULL));
    g_assert(label_values != NULL || n == 1);
    for (guint i = 0; i < n; i++)
        if (!metrics_add_counter(m, &counters[i], desc,
                                 label_values != NULL ? label_values[i] : NULL, error))
            return FALSE;
    return TRUE;
}

void
vm_metrics_publish_counters(VmMetrics *m, guint64 now_ns)
{
    if (m == NULL)
        return;
    for (guint i = 0; i < m->counters->len; i++)
        vm_counter_add(g_ptr_array_index(m->counters, i), 0, now_ns);
}

const char *
vm_metrics_get_path(const VmMetrics *metrics)
{
    return rondo_store_get_path(metrics->store);
}

/* ------------------------------------------------------ KVM binary stats */

static gboolean
kvm_stats_pread(int fd, void *buf, gsize len, guint64 offset)
{
    ssize_t n = pread(fd, buf, len, (off_t)offset);
    return n == (ssize_t)len;
}

static gint
kvm_stat_index(const char *name)
{
    for (guint i = 0; i < METRICS_KVM_STATS_MAX; i++)
        if (strcmp(name, kvm_stat_names[i]) == 0)
            return (gint)i;
    return -1;
}

/* Finds our counters among the fd's descriptors and registers a series for
 * each one present. Missing stats are simply not recorded. */
static gboolean
kvm_stats_setup(VmMetrics *m, GError **error)
{
    struct kvm_stats_header hdr;
    if (!kvm_stats_pread(m->stats_fd, &hdr, sizeof hdr, 0) || hdr.name_size == 0 ||
        hdr.name_size > 4096 || hdr.num_desc > 4096)
        return TRUE; /* unreadable: no KVM series, not an error */
    gsize desc_bytes = sizeof(struct kvm_stats_desc) + hdr.name_size;
    g_autofree guint8 *descs = g_malloc0(desc_bytes * hdr.num_desc);
    if (!kvm_stats_pread(m->stats_fd, descs, desc_bytes * hdr.num_desc, hdr.desc_offset))
        return TRUE;
    m->stats_data_offset = hdr.data_offset;
    for (guint32 i = 0; i < hdr.num_desc; i++) {
        struct kvm_stats_desc *d = (struct kvm_stats_desc *)(void *)(descs + i * desc_bytes);
        d->name[hdr.name_size - 1] = '\0';
        gint wanted = kvm_stat_index(d->name);
        if (wanted < 0 || d->size != 1 || m->n_kvm_stats == METRICS_KVM_STATS_MAX)
            continue;
        g_autofree char *series = g_strconcat("kvm_", d->name, "_total", NULL);
        KvmStat *s = &m->kvm_stats[m->n_kvm_stats];
        if (!metrics_register(m, &s->series, series, "vcpu", "0", error))
            return FALSE;
        s->offset_bytes = d->offset;
        m->n_kvm_stats++;
    }
    return TRUE;
}

static void
kvm_stats_sample(VmMetrics *m, guint64 now_ns)
{
    for (guint i = 0; i < m->n_kvm_stats; i++) {
        guint64 value;
        if (kvm_stats_pread(m->stats_fd, &value, sizeof value,
                            m->stats_data_offset + m->kvm_stats[i].offset_bytes))
            vm_record(m->kvm_stats[i].series, (double)value, now_ns);
    }
}

/* ------------------------------------------------------ the maintenance */

static double
process_rss_bytes(void)
{
    g_autofree char *statm = NULL;
    if (!g_file_get_contents("/proc/self/statm", &statm, NULL, NULL))
        return NAN;
    unsigned long long size_pages = 0, rss_pages = 0;
    if (sscanf(statm, "%llu %llu", &size_pages, &rss_pages) != 2)
        return NAN;
    return (double)rss_pages * (double)sysconf(_SC_PAGESIZE);
}

static double
process_open_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL)
        return NAN;
    guint n = 0;
    const struct dirent *e;
    while ((e = readdir(dir)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(dir);
    return (double)(n > 0 ? n - 1 : 0); /* minus the directory's own fd */
}

static void
metrics_tick(VmMetrics *m)
{
    guint64 now_ns = vm_metrics_now_ns();
    g_autoptr(GError) error = NULL;
    vm_record(m->rss_bytes, process_rss_bytes(), now_ns);
    vm_record(m->open_fds, process_open_fds(), now_ns);
    vm_record(m->uptime_seconds, (double)(g_get_monotonic_time() - m->start_us) / G_USEC_PER_SEC,
              now_ns);
    kvm_stats_sample(m, now_ns);
    if (!rondo_store_consolidate(m->store, now_ns, NULL, &error))
        g_printerr(_("rondo-demo-vmm: consolidate: %s\n"), error->message);
}

/* Sleeps until just past the next whole wall-clock second, or until stopped.
 * Returns FALSE when stopping. */
static gboolean
metrics_wait_tick(VmMetrics *m)
{
    gint64 wall_us = g_get_real_time();
    gint64 until_next_us = METRICS_TICK_US - wall_us % METRICS_TICK_US + 10000;
    gint64 deadline = g_get_monotonic_time() + until_next_us;
    g_mutex_lock(&m->lock);
    while (!m->stopping && g_get_monotonic_time() < deadline)
        g_cond_wait_until(&m->cond, &m->lock, deadline);
    gboolean stopping = m->stopping;
    g_mutex_unlock(&m->lock);
    return !stopping;
}

static gpointer
metrics_thread(gpointer data)
{
    VmMetrics *m = data;
    metrics_tick(m);
    while (metrics_wait_tick(m))
        metrics_tick(m);
    metrics_tick(m); /* the final state, at the moment of stopping */
    return NULL;
}

gboolean
vm_metrics_start(VmMetrics *metrics, int vcpu_stats_fd, GError **error)
{
    g_assert(metrics->thread == NULL);
    metrics->stats_fd = vcpu_stats_fd;
    if (vcpu_stats_fd >= 0 && !kvm_stats_setup(metrics, error))
        return FALSE;
    metrics->thread = g_thread_try_new("rondo-maint", metrics_thread, metrics, error);
    return metrics->thread != NULL;
}

void
vm_metrics_close(VmMetrics *metrics)
{
    if (metrics == NULL)
        return;
    if (metrics->thread != NULL) {
        g_mutex_lock(&metrics->lock);
        metrics->stopping = TRUE;
        g_cond_signal(&metrics->cond);
        g_mutex_unlock(&metrics->lock);
        g_thread_join(metrics->thread);
    }
    if (metrics->stats_fd >= 0)
        close(metrics->stats_fd);
    rondo_store_close(metrics->store);
    if (metrics->counters != NULL)
        g_ptr_array_unref(metrics->counters);
    g_mutex_clear(&metrics->lock);
    g_cond_clear(&metrics->cond);
    g_free(metrics);
}
