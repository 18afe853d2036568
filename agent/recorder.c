/* recorder.c - a VM's store and the series in it (see recorder.h).
 *
 * Ownership: the store belongs to the main loop, except while a
 * registration job runs: then the job holds it (rec->store is NULL,
 * rec->job set) and hands it back on completion. Nothing else touches it.
 * Invariants: at most one job at a time; pending holds at most
 * RECORDER_PENDING_MAX sets; a key in tracks never changes its series.
 */
#include "config.h"

#include "recorder.h"
#include "value-format.h"

#include <glib/gi18n.h>
#include <gio/gio.h>

#define RECORDER_RETRY_US (10 * G_USEC_PER_SEC)

typedef struct {
    RondoSeries *series; /* NULL: registration refused, not recorded */
    double total;        /* the running total of a SAMPLE_DELTA series */
} Track;

/* What a registration job gets and gives back. */
typedef struct {
    char *path;
    RondoSchema *schema;
    RondoStore *store;  /* in: NULL to open it first; out: the store */
    GPtrArray *samples; /* Sample copies to register (name, device, kind) */
    GPtrArray *series;  /* out: RondoSeries or NULL, one per sample */
    GArray *totals;     /* out: the newest stored value, for deltas */
    char *refusal;      /* out: the first registration error */
    GError *error;      /* out: the store did not open */
} Job;

struct Recorder {
    char *vm_id;
    char *path;
    char *schema_name;
    guint32 series_max;
    RondoStore *store;
    GHashTable *tracks; /* key (sample_key()) -> Track */
    GQueue pending;     /* SampleSet */
    Job *job;           /* a registration runs */
    gint64 retry_after_us;
    gboolean logged_refusal;
    gboolean logged_consolidate;
    GString *key;
    RecorderStats stats;
    RecorderClosedFunc closed;
    gpointer closed_data;
    gboolean closing;
};

RondoSchema *
recorder_schema_new(const char *name, guint32 series_max, GError **error)
{
    /* last for the counters' rate(), average and max for the gauges */
    const guint32 cfs =
        RONDO_CF_BIT(RONDO_CF_AVERAGE) | RONDO_CF_BIT(RONDO_CF_MAX) | RONDO_CF_BIT(RONDO_CF_LAST);
    g_autoptr(RondoSchema) schema = rondo_schema_new(name, series_max, error);
    if (schema == NULL || !rondo_schema_add_tier(schema, RONDO_NS_PER_S, 600, 0, error) ||
        !rondo_schema_add_tier(schema, G_GUINT64_CONSTANT(60000000000), 360, cfs, error) ||
        !rondo_schema_add_tier(schema, G_GUINT64_CONSTANT(3600000000000), 168, cfs, error))
        return NULL;
    return g_steal_pointer(&schema);
}

Recorder *
recorder_new(const char *vm_id, const char *store_path, const char *schema_name, guint32 series_max)
{
    g_return_val_if_fail(vm_id != NULL && store_path != NULL && schema_name != NULL, NULL);
    Recorder *rec = g_new0(Recorder, 1);
    rec->vm_id = g_strdup(vm_id);
    rec->path = g_strdup(store_path);
    rec->schema_name = g_strdup(schema_name);
    rec->series_max = series_max;
    rec->tracks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_queue_init(&rec->pending);
    rec->key = g_string_new(NULL);
    return rec;
}

/* The track of @s, or NULL; no allocation. */
static Track *
recorder_lookup(Recorder *rec, const Sample *s)
{
    g_string_assign(rec->key, s->name);
    if (s->device != NULL) {
        g_string_append_c(rec->key, '\x1f');
        g_string_append(rec->key, s->device);
    }
    return g_hash_table_lookup(rec->tracks, rec->key->str);
}

static void
recorder_record(Recorder *rec, const SampleSet *set)
{
    for (guint i = 0; i < set->samples->len; i++) {
        const Sample *s = sample_set_get(set, i);
        Track *t = recorder_lookup(rec, s);
        g_assert(t != NULL);
        if (t->series == NULL)
            continue;
        double v = s->value;
        if (s->kind == SAMPLE_DELTA) {
            t->total += v;
            v = t->total;
        }
        if (rondo_series_record(t->series, v, set->timestamp_ns) != RONDO_RECORD_OK)
            rec->stats.values_dropped++;
    }
    rec->stats.sets_recorded++;
}

/* ------------------------------------------------------------ the job */

static void
job_free(Job *job)
{
    g_free(job->path);
    rondo_schema_free(job->schema);
    rondo_store_close(job->store);
    g_ptr_array_unref(job->samples);
    g_ptr_array_unref(job->series);
    g_array_unref(job->totals);
    g_free(job->refusal);
    g_clear_error(&job->error);
    g_free(job);
}

static void
sample_free(gpointer data)
{
    Sample *s = data;
    g_free(s->name);
    g_free(s->device);
    g_free(s);
}

/* The newest tier-0 value of @series, or 0 when it has none. */
static double
series_last_value(RondoStore *store, RondoSeries *series)
{
    guint schema = rondo_series_get_schema(series);
    guint64 head_ns = rondo_store_get_head_ns(store, schema, 0);
    const RondoSchema *sc = rondo_store_get_schema(store, schema);
    guint64 window_ns =
        rondo_schema_get_tier_interval_ns(sc, 0) * rondo_schema_get_tier_slots(sc, 0);
    RondoQueryIter it;
    double last = 0, v;
    guint64 t;
    if (head_ns == 0 || !rondo_query_iter_init(&it, store, series, 0, RONDO_CF_LAST,
                                               head_ns - MIN(head_ns, window_ns), head_ns, NULL))
        return 0;
    while (rondo_query_iter_next(&it, &t, &v))
        last = v;
    return last;
}

/* One by one, after the batch was refused: whatever fits is registered. */
static RondoSeries *
job_register_one(Job *job, const RondoSeriesSpec *spec)
{
    g_autoptr(GError) error = NULL;
    RondoSeries *series = NULL;
    if (!rondo_store_register_specs(job->store, 1, spec, &series, &error) && job->refusal == NULL)
        job->refusal = g_strdup_printf("%s: %s", spec->name, error->message);
    return series;
}

/* All the samples' series with their types and units, in one index write
 * (rondo_store_register_specs); if that is refused (a schema full), each
 * on its own. */
static void
job_register(Job *job)
{
    guint n = job->samples->len;
    g_autofree RondoSeriesSpec *specs = g_new0(RondoSeriesSpec, n + 1);
    g_autofree const char **pairs = g_new0(const char *, 3 * n + 1);
    for (guint i = 0; i < n; i++) {
        const Sample *s = g_ptr_array_index(job->samples, i);
        pairs[3 * i] = "device";
        pairs[3 * i + 1] = s->device;
        specs[i] = (RondoSeriesSpec){
            .name = s->name,
            .labels = s->device != NULL ? &pairs[3 * i] : NULL,
            .type = s->kind == SAMPLE_GAUGE ? RONDO_SERIES_GAUGE : RONDO_SERIES_COUNTER,
            .unit = tool_unit_to_string(tool_unit_of_name(s->name)), /* from _bytes, _seconds */
        };
    }
    g_ptr_array_set_size(job->series, (gint)n);
    if (!rondo_store_register_specs(job->store, n, specs, (RondoSeries **)job->series->pdata, NULL))
        for (guint i = 0; i < n; i++)
            job->series->pdata[i] = job_register_one(job, &specs[i]);
    for (guint i = 0; i < n; i++) {
        const Sample *s = g_ptr_array_index(job->samples, i);
        RondoSeries *series = g_ptr_array_index(job->series, i);
        double total =
            series != NULL && s->kind == SAMPLE_DELTA ? series_last_value(job->store, series) : 0;
        g_array_append_val(job->totals, total);
    }
}

static void
job_run(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    Job *job = data;
    if (job->store == NULL) {
        RondoSchema *schemas[] = {job->schema};
        job->store = rondo_store_open_or_create(job->path, schemas, 1, &job->error);
    }
    if (job->store != NULL)
        job_register(job);
    g_task_return_boolean(task, TRUE);
}

static void recorder_drain(Recorder *rec);
static void recorder_finish_close(Recorder *rec);

static void
recorder_job_done(GObject *source, GAsyncResult *res, gpointer data)
{
    Recorder *rec = data;
    Job *job = g_task_get_task_data(G_TASK(res));
    g_assert(rec->job == job && rec->store == NULL);
    rec->store = g_steal_pointer(&job->store);
    if (rec->store == NULL) {
        g_message(_("vm %s: store %s not opened: %s"), rec->vm_id, rec->path, job->error->message);
        rec->retry_after_us = g_get_monotonic_time() + RECORDER_RETRY_US;
    }
    for (guint i = 0; rec->store != NULL && i < job->samples->len; i++) {
        Track *t = g_new0(Track, 1);
        t->series = g_ptr_array_index(job->series, i);
        t->total = g_array_index(job->totals, double, i);
        rec->stats.series_refused += t->series == NULL;
        g_hash_table_insert(rec->tracks, sample_key(g_ptr_array_index(job->samples, i)), t);
    }
    if (job->refusal != NULL && !rec->logged_refusal)
        g_message(_("vm %s: series not recorded: %s"), rec->vm_id, job->refusal);
    rec->logged_refusal |= job->refusal != NULL;
    rec->job = NULL;
    recorder_drain(rec);
    if (rec->closing)
        recorder_finish_close(rec);
}

/* Starts a job registering the samples of @set that have no track yet. */
static void
recorder_start_job(Recorder *rec, const SampleSet *set)
{
    Job *job = g_new0(Job, 1);
    job->path = g_strdup(rec->path);
    job->schema = recorder_schema_new(rec->schema_name, rec->series_max, NULL);
    g_assert(job->schema != NULL);
    job->store = g_steal_pointer(&rec->store);
    job->samples = g_ptr_array_new_with_free_func(sample_free);
    job->series = g_ptr_array_new();
    job->totals = g_array_new(FALSE, FALSE, sizeof(double));
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < set->samples->len; i++) {
        const Sample *s = sample_set_get(set, i);
        if (recorder_lookup(rec, s) != NULL || !g_hash_table_add(seen, sample_key(s)))
            continue;
        Sample *copy = g_new(Sample, 1);
        *copy = (Sample){g_strdup(s->name), g_strdup(s->device), s->kind, 0};
        g_ptr_array_add(job->samples, copy);
    }
    rec->job = job;
    g_autoptr(GTask) task = g_task_new(NULL, NULL, recorder_job_done, rec);
    g_task_set_task_data(task, job, (GDestroyNotify)job_free);
    g_task_run_in_thread(task, job_run);
}

static gboolean
recorder_knows_all(Recorder *rec, const SampleSet *set)
{
    for (guint i = 0; i < set->samples->len; i++)
        if (recorder_lookup(rec, sample_set_get(set, i)) == NULL)
            return FALSE;
    return TRUE;
}

/* Records the queued sets in order, until one needs a registration. */
static void
recorder_drain(Recorder *rec)
{
    while (rec->job == NULL && !g_queue_is_empty(&rec->pending)) {
        SampleSet *set = g_queue_peek_head(&rec->pending);
        if (rec->store == NULL && g_get_monotonic_time() < rec->retry_after_us) {
            rec->stats.sets_dropped += g_queue_get_length(&rec->pending);
            g_queue_clear_full(&rec->pending, (GDestroyNotify)sample_set_free);
            return;
        }
        if (rec->store == NULL || !recorder_knows_all(rec, set)) {
            if (!rec->closing)
                recorder_start_job(rec, set);
            return;
        }
        recorder_record(rec, set);
        sample_set_free(g_queue_pop_head(&rec->pending));
    }
}

void
recorder_push(Recorder *rec, SampleSet *set)
{
    g_return_if_fail(rec != NULL && set != NULL);
    if (rec->closing) {
        rec->stats.sets_dropped++;
        sample_set_free(set);
        return;
    }
    g_queue_push_tail(&rec->pending, set);
    if (g_queue_get_length(&rec->pending) > RECORDER_PENDING_MAX) {
        sample_set_free(g_queue_pop_head(&rec->pending));
        rec->stats.sets_dropped++;
    }
    recorder_drain(rec);
}

void
recorder_tick(Recorder *rec, guint64 now_ns)
{
    g_return_if_fail(rec != NULL);
    if (rec->store == NULL)
        return;
    g_autoptr(GError) error = NULL;
    if (!rondo_store_consolidate(rec->store, now_ns, NULL, &error) && !rec->logged_consolidate)
        g_message(_("vm %s: consolidation failed: %s"), rec->vm_id, error->message);
    rec->logged_consolidate |= error != NULL;
}

gboolean
recorder_is_ready(const Recorder *rec)
{
    return rec->store != NULL && rec->job == NULL;
}

const RecorderStats *
recorder_get_stats(const Recorder *rec)
{
    return &rec->stats;
}

static gboolean
recorder_closed_idle(gpointer data)
{
    Recorder *rec = data;
    rec->closed(rec->closed_data);
    return G_SOURCE_REMOVE;
}

static void
recorder_finish_close(Recorder *rec)
{
    g_assert(rec->job == NULL);
    rec->stats.sets_dropped += g_queue_get_length(&rec->pending);
    g_queue_clear_full(&rec->pending, (GDestroyNotify)sample_set_free);
    if (rec->store != NULL)
        recorder_tick(rec, (guint64)g_get_real_time() * 1000);
    g_clear_pointer(&rec->store, rondo_store_close);
    g_idle_add(recorder_closed_idle, rec);
}

void
recorder_close(Recorder *rec, RecorderClosedFunc closed, gpointer user_data)
{
    g_return_if_fail(rec != NULL && closed != NULL && !rec->closing);
    rec->closing = TRUE;
    rec->closed = closed;
    rec->closed_data = user_data;
    recorder_drain(rec);
    if (rec->job == NULL)
        recorder_finish_close(rec);
}

void
recorder_free(Recorder *rec)
{
    if (rec == NULL)
        return;
    g_assert(rec->job == NULL);
    g_queue_clear_full(&rec->pending, (GDestroyNotify)sample_set_free);
    rondo_store_close(rec->store);
    g_hash_table_unref(rec->tracks);
    g_string_free(rec->key, TRUE);
    g_free(rec->vm_id);
    g_free(rec->path);
    g_free(rec->schema_name);
    g_free(rec);
}
