/* export-status.c - the main loop's record of export: per-store counters, readiness, logs.
 *
 * The export worker (export.c) uses the exporter and does the pushing;
 * this file owns what the rest of rondod may see of it. Every call runs on
 * the main loop, so there are no locks: the worker's outcomes arrive here
 * through export.c's queue.
 *
 * Why per store: a host exports many VMs, and "which VM's history is not
 * leaving" is the question an operator asks. The label set is bounded by
 * the stores under the state directory; a vanished store's counters go.
 *
 * Readiness: a store whose pushes keep failing (receiver down, refused,
 * cursor not writable) turns /readyz not-ready once it has failed for
 * not_ready_after seconds without a success in between; one success ends
 * the streak. Logging follows the same edges (first failure, a new error
 * text, recovery) so a receiver down for an hour writes a few lines, not
 * one per interval. Dropped batches and missed slots are data loss and are
 * logged every time.
 */
#include "config.h"

#include <string.h>

#include "export-status.h"
#include "labels.h"

typedef struct {
    guint64 samples_sent, batches_sent, bytes_sent;
    guint64 samples_dropped, batches_dropped;
    guint64 retries, slots_missed, push_failures;
    guint64 last_timestamp_ns; /* newest sample delivered or dropped, 0 if none yet */
    gint64 last_success_us;    /* wall clock of the last successful push, 0 if none */
    gint64 failing_since_us;   /* monotonic start of the failure streak, 0 if none */
    guint64 streak_failures;
    char *last_error; /* the streak's latest error text */
} StoreCounters;

struct _ExportStatus {
    guint not_ready_after_s;
    GHashTable *stores; /* name -> StoreCounters* */
};

static void
store_counters_free(gpointer p)
{
    StoreCounters *c = p;
    g_free(c->last_error);
    g_free(c);
}

ExportStatus *
export_status_new(guint not_ready_after_s)
{
    ExportStatus *s = g_new0(ExportStatus, 1);
    s->not_ready_after_s = not_ready_after_s;
    s->stores = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, store_counters_free);
    return s;
}

void
export_status_free(ExportStatus *s)
{
    if (s == NULL)
        return;
    g_hash_table_destroy(s->stores);
    g_free(s);
}

static StoreCounters *
counters_for(ExportStatus *s, const char *store)
{
    StoreCounters *c = g_hash_table_lookup(s->stores, store);
    if (c == NULL) {
        c = g_new0(StoreCounters, 1);
        g_hash_table_insert(s->stores, g_strdup(store), c);
    }
    return c;
}

static void
add_stats(StoreCounters *c, const RondoExportStats *st)
{
    c->samples_sent += st->samples_sent;
    c->batches_sent += st->batches_sent;
    c->bytes_sent += st->bytes_sent;
    c->samples_dropped += st->samples_dropped;
    c->batches_dropped += st->batches_dropped;
    c->retries += st->retries;
    c->slots_missed += st->slots_missed;
    c->last_timestamp_ns = MAX(c->last_timestamp_ns, st->last_timestamp_ns);
}

/* Data loss: every occurrence is logged, with the receiver's own words. */
static void
log_losses(const char *store, const ExportOutcome *o)
{
    const RondoExportStats *st = &o->stats;
    if (st->batches_dropped > 0)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "RONDO_STORE", store, "MESSAGE",
                         "export of store %s: receiver rejected %" G_GUINT64_FORMAT
                         " batches (%" G_GUINT64_FORMAT " samples dropped): %s",
                         store, st->batches_dropped, st->samples_dropped,
                         o->receiver_message ? o->receiver_message : "(no message)");
    if (st->slots_missed > 0)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "RONDO_STORE", store, "MESSAGE",
                         "export of store %s: %" G_GUINT64_FORMAT
                         " slot times left the window before they were exported (lost)",
                         store, st->slots_missed);
}

static void
account_failure(StoreCounters *c, const char *store, const ExportOutcome *o)
{
    g_autofree char *text =
        o->receiver_message && !strstr(o->error->message, o->receiver_message)
            ? g_strdup_printf("%s (receiver: %s)", o->error->message, o->receiver_message)
            : g_strdup(o->error->message);
    c->push_failures++;
    c->streak_failures++;
    if (c->failing_since_us == 0)
        c->failing_since_us = g_get_monotonic_time();
    if (g_strcmp0(text, c->last_error) != 0)
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, "RONDO_STORE", store, "MESSAGE",
                         "export of store %s failed (kept for the next push): %s", store, text);
    g_free(c->last_error);
    c->last_error = g_steal_pointer(&text);
}

static void
account_success(StoreCounters *c, const char *store)
{
    if (c->failing_since_us != 0) {
        gint64 s = (g_get_monotonic_time() - c->failing_since_us) / G_USEC_PER_SEC;
        g_log_structured(G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, "RONDO_STORE", store, "MESSAGE",
                         "export of store %s recovered after %" G_GINT64_FORMAT
                         " s and %" G_GUINT64_FORMAT " failed pushes",
                         store, s, c->streak_failures);
    }
    c->failing_since_us = 0;
    c->streak_failures = 0;
    g_clear_pointer(&c->last_error, g_free);
    c->last_success_us = g_get_real_time();
}

void
export_status_account(ExportStatus *s, const char *store, const ExportOutcome *o)
{
    g_assert(s != NULL && store != NULL && o != NULL);
    g_assert(o->ok || o->error != NULL);
    /* Shutdown interrupted the push: neither a failure nor a success. */
    gboolean cancelled =
        !o->ok && g_error_matches(o->error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_CANCELLED);
    StoreCounters *c = counters_for(s, store);
    add_stats(c, &o->stats);
    log_losses(store, o);
    if (o->ok)
        account_success(c, store);
    else if (!cancelled)
        account_failure(c, store, o);
}

void
export_status_keep_only(ExportStatus *s, GHashTable *names)
{
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, s->stores);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (!g_hash_table_contains(names, key))
            g_hash_table_iter_remove(&it);
    }
}

/* ------------------------------------------------------------- /metrics */

typedef enum { COUNTER, GAUGE } Kind;

/* One family: its header, then one line per store, in name order. */
typedef struct {
    const char *name;
    Kind kind;
    const char *help;
    gsize offset; /* of a guint64 counter in StoreCounters, or G_MAXSIZE for computed gauges */
} Family;

#define COUNTER_FAMILY(n, field, h)                                                                \
    {                                                                                              \
        "rondod_export_" n, COUNTER, h, G_STRUCT_OFFSET(StoreCounters, field)                      \
    }

static const Family families[] = {
    COUNTER_FAMILY("samples_sent_total", samples_sent, "Samples the receiver accepted (2xx)."),
    COUNTER_FAMILY("batches_sent_total", batches_sent,
                   "Requests with the store's points the receiver accepted (2xx)."),
    COUNTER_FAMILY("bytes_sent_total", bytes_sent,
                   "Compressed request bytes accepted, the store's share by samples."),
    COUNTER_FAMILY("samples_dropped_total", samples_dropped,
                   "Samples in batches the receiver rejected for good (4xx)."),
    COUNTER_FAMILY("batches_dropped_total", batches_dropped,
                   "Batches the receiver rejected for good (4xx); not retried."),
    COUNTER_FAMILY("retries_total", retries,
                   "Requests with the store's points repeated after a 5xx, 429 or network "
                   "error."),
    COUNTER_FAMILY("slots_missed_total", slots_missed,
                   "Slot times that left the tier's window before export (data lost)."),
    COUNTER_FAMILY("push_failures_total", push_failures,
                   "Pushes that failed (receiver unavailable or refusing); data kept for later."),
};

static double
gauge_value(const char *name, const StoreCounters *c, guint64 now_ns, gboolean *ret_known)
{
    *ret_known = TRUE;
    if (g_str_equal(name, "rondod_export_lag_seconds")) {
        *ret_known = c->last_timestamp_ns != 0;
        return now_ns > c->last_timestamp_ns
                   ? (double)(now_ns - c->last_timestamp_ns) / RONDO_NS_PER_S
                   : 0;
    }
    if (g_str_equal(name, "rondod_export_last_success_timestamp_seconds")) {
        *ret_known = c->last_success_us != 0;
        return (double)c->last_success_us / G_USEC_PER_SEC;
    }
    return c->failing_since_us == 0
               ? 0
               : (double)(g_get_monotonic_time() - c->failing_since_us) / G_USEC_PER_SEC;
}

static const Family gauges[] = {
    {"rondod_export_lag_seconds", GAUGE, "Now minus the newest exported sample's time.", G_MAXSIZE},
    {"rondod_export_last_success_timestamp_seconds", GAUGE,
     "Unix time of the last push that delivered everything complete.", G_MAXSIZE},
    {"rondod_export_failing_seconds", GAUGE,
     "Seconds since pushes of the store began failing, 0 while they succeed.", G_MAXSIZE},
};

static void
write_family(const ExportStatus *s, const Family *f, const char **names, guint n, GString *out,
             guint64 now_ns)
{
    g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                           f->kind == COUNTER ? "counter" : "gauge");
    for (guint i = 0; i < n; i++) {
        const StoreCounters *c = g_hash_table_lookup(s->stores, names[i]);
        gboolean known = TRUE;
        double v = f->offset == G_MAXSIZE ? gauge_value(f->name, c, now_ns, &known)
                                          : (double)G_STRUCT_MEMBER(guint64, c, f->offset);
        if (!known)
            continue;
        g_string_append_printf(out, "%s{store=\"", f->name);
        labels_append_escaped(out, names[i]);
        if (f->offset == G_MAXSIZE)
            g_string_append_printf(out, "\"} %.3f\n", v);
        else
            g_string_append_printf(out, "\"} %" G_GUINT64_FORMAT "\n",
                                   G_STRUCT_MEMBER(guint64, c, f->offset));
    }
}

static gint
name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
export_status_write(const ExportStatus *s, GString *out, guint64 now_ns)
{
    guint n = 0;
    g_autofree const char **names = (const char **)g_hash_table_get_keys_as_array(s->stores, &n);
    qsort(names, n, sizeof *names, name_cmp);
    for (guint i = 0; i < G_N_ELEMENTS(families); i++)
        write_family(s, &families[i], names, n, out, now_ns);
    for (guint i = 0; i < G_N_ELEMENTS(gauges); i++)
        write_family(s, &gauges[i], names, n, out, now_ns);
}

/* ------------------------------------------------------------- /readyz */

gboolean
export_status_is_ready(const ExportStatus *s, char **ret_reason)
{
    gint64 now_us = g_get_monotonic_time();
    gint64 limit_us = (gint64)s->not_ready_after_s * G_USEC_PER_SEC;
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, s->stores);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const StoreCounters *c = value;
        if (c->failing_since_us == 0 || now_us - c->failing_since_us < limit_us)
            continue;
        if (ret_reason != NULL)
            *ret_reason =
                g_strdup_printf("export of store %s failing for %" G_GINT64_FORMAT
                                " s (%" G_GUINT64_FORMAT " pushes; not_ready_after=%u): %s",
                                (const char *)key, (now_us - c->failing_since_us) / G_USEC_PER_SEC,
                                c->streak_failures, s->not_ready_after_s, c->last_error);
        return FALSE;
    }
    return TRUE;
}
