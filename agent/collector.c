/* collector.c - a VM's life from discovery to a closed store (see collector.h).
 *
 * States: running -> leaving (the source stopped, the recorder closing)
 * -> done (the owner told). A departure found inside a source's own
 * callback is acted on from an idle, so a source is never freed under
 * its own feet.
 */
#include "config.h"

#include "collector.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

struct Collector {
    const CollectorOps *ops;
    gpointer source;
    char *vm_id;
    Recorder *rec;
    gboolean pushed; /* a reading was pushed: the agent's own series exist */
    char *reason;    /* why the VM left; set once */
    guint leave_id;
    CollectorDoneFunc done;
    gpointer done_data;
};

Collector *
collector_new(const CollectorOps *ops, const CollectorConfig *cfg, CollectorDoneFunc done,
              gpointer user_data, GError **error)
{
    g_return_val_if_fail(ops != NULL && cfg != NULL && cfg->vm_id != NULL, NULL);
    Collector *c = g_new0(Collector, 1);
    c->ops = ops;
    c->vm_id = g_strdup(cfg->vm_id);
    c->done = done;
    c->done_data = user_data;
    c->rec = recorder_new(cfg->vm_id, cfg->store_path, ops->schema_name, cfg->series_max);
    c->source = ops->start(c, cfg, error);
    if (c->source == NULL) {
        recorder_free(c->rec);
        g_free(c->vm_id);
        g_free(c);
        return NULL;
    }
    return c;
}

static void
collector_add_recorder_stats(Collector *c, SampleSet *set)
{
    const RecorderStats *st = recorder_get_stats(c->rec);
    const SampleCount stats[] = {
        {"rondo_fc_agent_dropped_readings_total", st->sets_dropped},
        {"rondo_fc_agent_dropped_values_total", st->values_dropped},
    };
    sample_set_add_counts(set, stats, G_N_ELEMENTS(stats));
}

/* Every reading carries the agent's own counters too: they are registered
 * with the VM's first reading, and a VM that never sent one gets none. */
void
collector_push(Collector *c, SampleSet *set)
{
    c->ops->add_stats(c->source, set);
    collector_add_recorder_stats(c, set);
    c->pushed = TRUE;
    recorder_push(c->rec, set);
}

/* The agent's own counters alone, after a reading: a VM whose readings
 * stopped still shows its failures counting, and the last counts are
 * recorded as the VM leaves. */
static void
collector_push_stats(Collector *c, guint64 now_ns)
{
    if (!c->pushed)
        return;
    SampleSet *set = sample_set_new(now_ns);
    c->ops->add_stats(c->source, set);
    collector_add_recorder_stats(c, set);
    recorder_push(c->rec, set);
}

void
collector_tick(Collector *c, guint64 now_ns)
{
    if (c->reason != NULL)
        return;
    c->ops->tick(c->source, now_ns);
    if (recorder_is_ready(c->rec)) /* not into the queue behind a registration */
        collector_push_stats(c, now_ns);
    recorder_tick(c->rec, now_ns);
}

static void
collector_on_closed(gpointer data)
{
    Collector *c = data;
    const RecorderStats *st = recorder_get_stats(c->rec);
    g_message(_("vm %s: finished (%s): %llu readings recorded, %llu dropped"), c->vm_id, c->reason,
              (unsigned long long)st->sets_recorded, (unsigned long long)st->sets_dropped);
    c->done(c, c->done_data);
}

static gboolean
collector_leave_idle(gpointer data)
{
    Collector *c = data;
    c->leave_id = 0;
    g_autofree char *summary = c->ops->summary(c->source);
    g_message(_("vm %s: leaving (%s); %s"), c->vm_id, c->reason, summary);
    collector_push_stats(c, (guint64)g_get_real_time() * 1000);
    g_clear_pointer(&c->source, c->ops->stop);
    recorder_close(c->rec, collector_on_closed, c);
    return G_SOURCE_REMOVE;
}

void
collector_leave(Collector *c, const char *reason)
{
    g_return_if_fail(c != NULL && reason != NULL);
    if (c->reason != NULL)
        return;
    c->reason = g_strdup(reason);
    c->leave_id = g_idle_add(collector_leave_idle, c);
}

gboolean
collector_is_leaving(const Collector *c)
{
    return c->reason != NULL;
}

const char *
collector_get_vm_id(const Collector *c)
{
    return c->vm_id;
}

void
collector_log_once(Collector *c, guint *logged, guint bit, const char *format, ...)
{
    if (*logged & bit)
        return;
    *logged |= bit;
    va_list ap;
    va_start(ap, format);
    g_autofree char *msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_message("vm %s: %s", c->vm_id, msg);
}

enum {
    API_LOG_ERROR = 1 << 0,
    API_LOG_TIMEOUT = 1 << 1,
    API_LOG_STATUS = 1 << 2,
};

gboolean
collector_note_api_call(Collector *c, ApiHealth *h, const char *what, const HttpReply *reply,
                        const GError *error, gboolean ok)
{
    g_assert((reply == NULL) != (error == NULL));
    gboolean refused = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
                       g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
    h->refused_in_row = refused ? h->refused_in_row + 1 : 0;
    h->ok += ok;
    h->failed += !ok;
    gboolean timeout = g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
    h->timeouts += timeout;
    if (error != NULL)
        collector_log_once(c, &h->logged, timeout ? API_LOG_TIMEOUT : API_LOG_ERROR,
                           _("%s failed: %s; counted, not logged again"), what, error->message);
    else if (!ok)
        collector_log_once(c, &h->logged, API_LOG_STATUS,
                           _("%s answered %u: %.200s; counted, not logged again"), what,
                           reply->status, reply->body);
    if (h->refused_in_row >= COLLECTOR_REFUSED_MAX)
        collector_leave(c, _("API socket refuses connections"));
    return ok;
}

void
collector_free(Collector *c)
{
    if (c == NULL)
        return;
    g_assert(c->leave_id == 0);
    if (c->source != NULL)
        c->ops->stop(c->source);
    recorder_free(c->rec);
    g_free(c->reason);
    g_free(c->vm_id);
    g_free(c);
}
