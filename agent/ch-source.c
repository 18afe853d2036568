/* ch-source.c - a Cloud Hypervisor VM: GET /api/v1/vm.counters once a second.
 *
 * Cloud Hypervisor keeps running totals per device and answers them on
 * its API socket; there is nothing to flush and no FIFO. Its answer carries
 * no time, so a reading is stamped with the time its request was sent: the
 * VMM reads its counters while it handles the request, but the answer may
 * then wait in the socket behind the agent's other work (other VMs' lines
 * to parse), and a stamp taken on handling it can land in the next
 * second's slot. The VM has left when its socket is removed after it
 * was seen, or refuses connections (COLLECTOR_REFUSED_MAX in a row). Until
 * the VM is booted the API answers an error: counted, not a departure.
 */
#include "config.h"

#include <sys/stat.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "ch-parse.h"
#include "collector.h"
#include "http-unix.h"

#define CH_TIMEOUT_MS 2000
#define CH_REPLY_MAX  (1024 * 1024)
#define CH_PATH       "/api/v1/vm.counters"

enum {
    CH_LOG_BAD = 1 << 0,
};

typedef struct {
    Collector *c;
    char *socket_path;
    HttpCall *call;
    gboolean socket_seen;
    ApiHealth api;
    guint logged;
    guint64 answers_bad, values_skipped;
} ChSource;

static void
ch_on_answer(ChSource *ch, const HttpReply *reply)
{
    g_autoptr(GError) error = NULL;
    guint skipped = 0;
    guint64 read_ns = (guint64)reply->sent_us * 1000;
    SampleSet *set = ch_parse_counters(reply->body, reply->body_len, read_ns, &skipped, &error);
    if (set == NULL) {
        ch->api.ok--; /* a 200 without counters is no good answer */
        ch->api.failed++;
        ch->answers_bad++;
        collector_log_once(ch->c, &ch->logged, CH_LOG_BAD,
                           _("bad vm.counters answer: %s; counted, not logged again"),
                           error->message);
        return;
    }
    ch->values_skipped += skipped;
    collector_push(ch->c, set);
}

static void
ch_on_polled(const HttpReply *reply, const GError *error, gpointer data)
{
    ChSource *ch = data;
    ch->call = NULL;
    if (collector_note_api_call(ch->c, &ch->api, "vm.counters", reply, error,
                                reply != NULL && reply->status == 200))
        ch_on_answer(ch, reply);
}

static void
ch_tick(gpointer source, guint64 now_ns)
{
    ChSource *ch = source;
    struct stat st;
    if (lstat(ch->socket_path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        if (ch->socket_seen)
            collector_leave(ch->c, _("API socket removed"));
        return;
    }
    ch->socket_seen = TRUE;
    if (ch->call == NULL)
        ch->call = http_unix_call(ch->socket_path, "GET", CH_PATH, NULL, CH_TIMEOUT_MS,
                                  CH_REPLY_MAX, ch_on_polled, ch);
}

static gpointer
ch_start(Collector *c, const CollectorConfig *cfg, GError **error)
{
    g_return_val_if_fail(cfg->api_socket != NULL, NULL);
    ChSource *ch = g_new0(ChSource, 1);
    ch->c = c;
    ch->socket_path = g_strdup(cfg->api_socket);
    return ch;
}

static void
ch_add_stats(gpointer source, SampleSet *set)
{
    const ChSource *ch = source;
    const SampleCount stats[] = {
        {"rondo_fc_agent_polls_total", ch->api.ok},
        {"rondo_fc_agent_poll_failures_total", ch->api.failed},
        {"rondo_fc_agent_poll_timeouts_total", ch->api.timeouts},
        {"rondo_fc_agent_bad_answers_total", ch->answers_bad},
        {"rondo_fc_agent_skipped_values_total", ch->values_skipped},
    };
    sample_set_add_counts(set, stats, G_N_ELEMENTS(stats));
}

static char *
ch_summary(gpointer source)
{
    const ChSource *ch = source;
    typedef unsigned long long ull; /* xgettext cannot read G_GUINT64_FORMAT */
    return g_strdup_printf(_("%llu polls answered, %llu failed (%llu timeouts), %llu bad answers"),
                           (ull)ch->api.ok, (ull)ch->api.failed, (ull)ch->api.timeouts,
                           (ull)ch->answers_bad);
}

static void
ch_stop(gpointer source)
{
    ChSource *ch = source;
    if (ch == NULL)
        return;
    http_call_cancel(ch->call);
    g_free(ch->socket_path);
    g_free(ch);
}

const CollectorOps ch_source_ops = {
    .schema_name = "cloudhypervisor",
    .start = ch_start,
    .tick = ch_tick,
    .add_stats = ch_add_stats,
    .summary = ch_summary,
    .stop = ch_stop,
};
