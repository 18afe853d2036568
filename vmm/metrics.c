/* metrics.c - the store behind VmMetrics, and the 1 s maintenance thread.
 *
 * Why: the VMM is its own exporter. At start it opens (or creates) a rondo
 * store with two schemas, one per recording thread (see metrics.h), and
 * registers every series up front so the hot path never registers, looks up
 * or allocates. A maintenance thread wakes once a second (on the second
 * boundary) to sample what only the process or the kernel knows - RSS, open
 * fds, uptime, and KVM's in-kernel vCPU counters from the binary stats fd,
 * which count exits that never reach userspace - and, every 5 minutes, to
 * consolidate the store's tiers (half of tier 0's span: metrics_tick()).
 * It never touches the vCPU schema, so it cannot block or race the vCPU
 * thread.
 *
 * Why every 5 minutes and not every second: the kernel writes a dirty
 * page back about every 30 s, and a pass dirties the pages of the buckets
 * it fills. In storage format 2 that was one page per coarse column, so
 * consolidating once a second had every one written back every 30 s (the
 * VMs of benchmark B wrote 346 MB in 300 s then, 174 MB at 5 minutes);
 * format 3 writes a bucket as one row, a few pages a pass, and 5 minutes
 * still write the fewest and cost the least CPU. Tier 0 keeps 10 minutes,
 * so 5 minutes late loses nothing, and queries stitch tier 0 over what
 * the coarse tiers do not have yet. The store is consolidated
 * at open (a previous run's last minutes, before this run's first write
 * moves tier 0's window past them) and at close. Between consolidations
 * the tick trims the store: the pages of tier 0 the vCPUs wrote leave the
 * VMM's memory once a minute instead of every 5 (they stay in the page
 * cache), which is most of what the store costs a VMM's PSS.
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

/* Who records which schema, the one place that says it. librondo lets one
 * thread at a time record a schema's series, so each recording thread has
 * a schema of its own. The maintenance thread records a closed set of
 * series, all named in this file (metric_descs, kvm_stat_names); the vCPU
 * thread records every counter, the vCPU's and the devices', whatever their
 * names. So the vCPU schema takes every series but the maintenance
 * thread's (metrics_store_open() derives its matcher from those names),
 * and a new device changes nothing here. */
static const char *const thread_schemas[VM_N_THREADS] = {
    [VM_THREAD_VCPU] = "vcpu",
    [VM_THREAD_MAINTENANCE] = "vmm",
};

/* The schema index (+1; 0: none) of the calling thread's VmThread, for
 * the RONDO_VMM_DEBUG check of every record. */
static GPrivate thread_schema = G_PRIVATE_INIT(NULL);

struct VmMetrics {
    RondoStore *store;
    guint schema_of[VM_N_THREADS];   /* store schema index, G_MAXUINT when absent */
    GThread *recorder[VM_N_THREADS]; /* atomic: who declared itself that thread */
    VmRecordFunc record;             /* rondo_series_record, checked with RONDO_VMM_DEBUG */
    GPtrArray *counters;             /* VmCounter *, every one the vCPU thread records */
    gboolean resize_hinted;
    RondoSeries *rss_bytes, *open_fds, *uptime_seconds;
    gint64 start_us;
    guint64 consolidated_ns; /* when the maintenance thread last consolidated */
    guint64 consolidate_ns;  /* how often: half of tier 0's span */
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
static void
metrics_record(VmMetrics *m, RondoSeries *series, double value, guint64 now_ns)
{
    if (G_LIKELY(series != NULL))
        m->record(series, value, now_ns);
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

/* "kvm_<stat>_total": a counter of the kernel's binary stats. */
static char *
kvm_stat_series_name(const char *stat)
{
    return g_strconcat("kvm_", stat, "_total", NULL);
}

/* The maintenance thread's series, as one alternation of their names. */
static char *
maintenance_names_regex(void)
{
    g_autoptr(GString) re = g_string_new(NULL);
    for (guint i = 0; i < G_N_ELEMENTS(metric_descs); i++)
        g_string_append_printf(re, "%s%s", re->len > 0 ? "|" : "", metric_descs[i].name);
    for (guint i = 0; i < METRICS_KVM_STATS_MAX; i++) {
        g_autofree char *name = kvm_stat_series_name(kvm_stat_names[i]);
        g_string_append_printf(re, "|%s", name);
    }
    return g_string_free(g_steal_pointer(&re), FALSE);
}

/* The schemas of a new store, one per recording thread: the vCPU's takes
 * every series the maintenance thread's does not, all of them counters
 * (VmCounter), so its coarse tiers keep what rate() needs: the counter
 * preset. The maintenance thread's holds gauges too: the VMM preset. */
static RondoStore *
metrics_store_open(const char *dir, GError **error)
{
    g_autoptr(RondoSchema) vcpu = rondo_schema_new_vmm_counter_preset(
        thread_schemas[VM_THREAD_VCPU], METRICS_SERIES_MAX_PER_SCHEMA, error);
    g_autofree char *maintenance = maintenance_names_regex();
    if (vcpu == NULL ||
        !rondo_schema_add_matcher(vcpu, "__name__", RONDO_MATCH_NOT_REGEX, maintenance, error))
        return NULL;
    g_autoptr(RondoSchema) vmm = rondo_schema_new_vmm_preset(thread_schemas[VM_THREAD_MAINTENANCE],
                                                             METRICS_SERIES_MAX_PER_SCHEMA, error);
    if (vmm == NULL)
        return NULL;
    RondoSchema *schemas[] = {vcpu, vmm};
    return rondo_store_open_or_create(dir, schemas, G_N_ELEMENTS(schemas), error);
}

/* ------------------------------------------------- who records what */

/* RONDO_VMM_DEBUG: every record first checks that its series belongs to
 * the schema of the thread that records it, which vm_metrics_enter_thread()
 * made sure no other thread records. */
static RondoRecordResult
record_checked(RondoSeries *series, double value, guint64 now_ns)
{
    guint schema_plus_1 = GPOINTER_TO_UINT(g_private_get(&thread_schema));
    g_assert(schema_plus_1 > 0); /* the recording thread declared itself */
    g_assert_cmpuint(rondo_series_get_schema(series), ==, schema_plus_1 - 1);
    return rondo_series_record(series, value, now_ns);
}

static void
metrics_find_schemas(VmMetrics *m)
{
    for (guint t = 0; t < VM_N_THREADS; t++) {
        m->schema_of[t] = G_MAXUINT;
        for (guint i = 0; i < rondo_store_get_n_schemas(m->store); i++)
            if (g_str_equal(rondo_schema_get_name(rondo_store_get_schema(m->store, i)),
                            thread_schemas[t]))
                m->schema_of[t] = i;
    }
    const char *debug = g_getenv("RONDO_VMM_DEBUG");
    m->record = debug != NULL && *debug != '\0' ? record_checked : rondo_series_record;
}

void
vm_metrics_enter_thread(VmMetrics *m, VmThread thread)
{
    g_assert(thread < VM_N_THREADS);
    if (m == NULL)
        return;
    /* One thread per schema: a second thread claiming it is the VMM's bug. */
    gboolean first =
        g_atomic_pointer_compare_and_exchange(&m->recorder[thread], NULL, g_thread_self());
    g_assert(first || g_atomic_pointer_get(&m->recorder[thread]) == g_thread_self());
    /* A store without the thread's schema gives it no series (G_MAXUINT + 1
     * is 0: none). */
    g_private_set(&thread_schema, GUINT_TO_POINTER(m->schema_of[thread] + 1));
}

/* An existing store keeps the schemas it was made with: one whose matchers
 * give a series to another thread's schema (or to none) does not get it
 * registered, where it would take a slot and stay empty. */
static gboolean
metrics_check_owner(VmMetrics *m, VmThread thread, const char *name, const char *const *labels)
{
    guint schema = rondo_store_find_schema(m->store, name, labels);
    if (schema == m->schema_of[thread])
        return TRUE;
    g_printerr(_("rondo-demo-vmm: warning: series %s not recorded: this store puts it in "
                 "schema %s, not %s\n"),
               name,
               schema < rondo_store_get_n_schemas(m->store)
                   ? rondo_schema_get_name(rondo_store_get_schema(m->store, schema))
                   : "-",
               thread_schemas[thread]);
    return FALSE;
}

/* Once: how to make room for the vCPU thread's series. */
static void
metrics_hint_resize(VmMetrics *m)
{
    if (m->resize_hinted)
        return;
    m->resize_hinted = TRUE;
    g_printerr(_("rondo-demo-vmm: warning: not every vCPU and device series is recorded "
                 "(their schema is full); the VM runs without the missing ones. To record "
                 "them, stop the VM and grow the schema, history kept: rondo resize %s "
                 "--schema %s --series-max N\n"),
               rondo_store_get_path(m->store), thread_schemas[VM_THREAD_VCPU]);
}

/* Registers the series @name{@label=@value} as @d describes it, for
 * @thread to record. A store without room for it, or that gives it to
 * another thread's schema, is not an error: *@ret is then NULL, and the
 * VM runs. */
static gboolean
metrics_register_as(VmMetrics *m, VmThread thread, RondoSeries **ret, const MetricDesc *d,
                    const char *name, const char *label, const char *value, GError **error)
{
    const char *labels[] = {label, value, NULL};
    RondoSeriesSpec spec = {name, label != NULL ? labels : NULL, d->type, d->unit, d->help};
    g_autoptr(GError) local = NULL;
    *ret = NULL;
    if (!metrics_check_owner(m, thread, name, spec.labels))
        return TRUE;
    if (rondo_store_register_specs(m->store, 1, &spec, ret, &local))
        return TRUE;
    *ret = NULL;
    if (g_error_matches(local, RONDO_ERROR, RONDO_ERROR_FULL)) {
        /* An older, smaller store: the VM runs, this series is not recorded. */
        g_printerr(_("rondo-demo-vmm: warning: series %s not recorded: %s\n"), name,
                   local->message);
        if (thread == VM_THREAD_VCPU)
            metrics_hint_resize(m);
        return TRUE;
    }
    g_propagate_prefixed_error(error, g_steal_pointer(&local), _("series %s: "), name);
    return FALSE;
}

static gboolean
metrics_register(VmMetrics *m, RondoSeries **ret, const char *name, const char *label,
                 const char *value, GError **error)
{
    return metrics_register_as(m, VM_THREAD_MAINTENANCE, ret, metric_desc(name), name, label, value,
                               error);
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
    m->consolidated_ns = vm_metrics_now_ns();
    if (m->store == NULL || !rondo_store_consolidate(m->store, m->consolidated_ns, NULL, error)) {
        g_prefix_error(error, _("metrics store %s: "), store_dir);
        return NULL;
    }
    metrics_find_schemas(m);
    const RondoSchema *first = rondo_store_get_schema(m->store, 0);
    m->consolidate_ns =
        rondo_schema_get_tier_interval_ns(first, 0) * rondo_schema_get_tier_slots(first, 0) / 2;
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

static gboolean
metrics_add_counter(VmMetrics *m, VmCounter *c, const VmCounterDesc *desc, const char *value,
                    GError **error)
{
    const MetricDesc d = {desc->name, RONDO_SERIES_COUNTER, desc->unit, desc->help};
    vm_counter_init(c);
    c->scale = g_str_has_suffix(desc->name, "_seconds_total") ? 1e-9 : 1;
    if (!metrics_register_as(m, VM_THREAD_VCPU, &c->series, &d, desc->name, desc->label, value,
                             error))
        return FALSE;
    if (c->series != NULL)
        c->record = m->record;
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
        g_autofree char *series = kvm_stat_series_name(d->name);
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
            metrics_record(m, m->kvm_stats[i].series, (double)value, now_ns);
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

/* One second's samples; consolidates every m->consolidate_ns, and when
 * @last; in between, the pages of tier 0 already written leave this
 * process' memory once a minute (rondo_store_trim()). */
static void
metrics_tick(VmMetrics *m, gboolean last)
{
    guint64 now_ns = vm_metrics_now_ns();
    g_autoptr(GError) error = NULL;
    metrics_record(m, m->rss_bytes, process_rss_bytes(), now_ns);
    metrics_record(m, m->open_fds, process_open_fds(), now_ns);
    metrics_record(m, m->uptime_seconds,
                   (double)(g_get_monotonic_time() - m->start_us) / G_USEC_PER_SEC, now_ns);
    kvm_stats_sample(m, now_ns);
    if (!last && now_ns - m->consolidated_ns < m->consolidate_ns) {
        rondo_store_trim(m->store);
        return;
    }
    m->consolidated_ns = now_ns;
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
    vm_metrics_enter_thread(m, VM_THREAD_MAINTENANCE);
    metrics_tick(m, FALSE);
    while (metrics_wait_tick(m))
        metrics_tick(m, FALSE);
    metrics_tick(m, TRUE); /* the final state, at the moment of stopping */
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
