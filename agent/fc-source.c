/* fc-source.c - a Firecracker VM: its metrics FIFO, read as it comes, and
 * a FlushMetrics request on its API socket every second.
 *
 * Why ask: Firecracker writes its metrics only every 60 s, or when asked
 * (PUT /actions {"action_type": "FlushMetrics"}, answered 204). Asking once
 * a second gives a line, hence a point, per second.
 * Why read at once: Firecracker opens the FIFO non-blocking (O_RDWR |
 * O_NONBLOCK, utils::open_file_nonblock in v1.16.1) and loses every line
 * it cannot write whole (logger.missed_metrics_count): the FIFO is read
 * whenever it is readable, its buffer raised to 1 MiB where allowed, at
 * most FC_READ_BUDGET bytes per dispatch so that one VM cannot starve
 * the others.
 * When the VM leaves: EOF on the FIFO (Firecracker holds its only write
 * end; the kernel reports EOF only after a writer came and went), its API
 * socket removed after it was seen, or refusing connections
 * (COLLECTOR_REFUSED_MAX times in a row).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "collector.h"
#include "fc-parse.h"
#include "http-unix.h"
#include "line-reader.h"

#define FC_LINE_MAX         (1024 * 1024)
#define FC_READ_CHUNK       (64 * 1024)
#define FC_READ_BUDGET      (1024 * 1024)
#define FC_PIPE_BYTES       (1024 * 1024)
#define FC_FLUSH_TIMEOUT_MS 2000
#define FC_REPLY_MAX        (64 * 1024)
#define FC_REFUSED_MAX      3
#define FC_FLUSH_BODY       "{\"action_type\": \"FlushMetrics\"}"

/* Troubles logged once per VM. */
enum {
    FC_LOG_BAD_LINE = 1 << 0,
    FC_LOG_OVERSIZED = 1 << 1,
    FC_LOG_SKIPPED = 1 << 2,
};

typedef struct {
    Collector *c;
    char *socket_path; /* NULL: only what Firecracker flushes by itself */
    int fd;
    guint fd_watch;
    LineReader lines;
    char *chunk;
    HttpCall *call;
    gboolean socket_seen;
    ApiHealth api;
    guint logged;
    guint64 lines_ok, lines_bad, lines_cut, fields_skipped;
} FcSource;

static void
fc_on_line(const char *line, gsize len, gpointer data)
{
    FcSource *fc = data;
    if (len == 0)
        return;
    FcParseInfo info;
    g_autoptr(GError) error = NULL;
    SampleSet *set = fc_parse_line(line, len, &info, &error);
    if (set == NULL || info.resynced) {
        fc->lines_bad++;
        collector_log_once(fc->c, &fc->logged, FC_LOG_BAD_LINE,
                           _("bad metrics line (%zu bytes): %s; counted, not logged again"),
                           (size_t)len,
                           set == NULL ? error->message : _("a cut line ran into the next"));
    }
    if (set == NULL)
        return;
    fc->lines_ok++;
    fc->fields_skipped += info.skipped;
    if (info.skipped > 0)
        collector_log_once(fc->c, &fc->logged, FC_LOG_SKIPPED,
                           _("%u values that are not numbers skipped in a line"), info.skipped);
    collector_push(fc->c, set);
}

/* The FIFO reached EOF: Firecracker has gone. */
static void
fc_on_eof(FcSource *fc)
{
    if (line_reader_pending(&fc->lines) > 0) {
        fc->lines_cut++;
        fc->lines_bad++;
    }
    collector_leave(fc->c, _("metrics FIFO closed"));
}

static gboolean
fc_on_fifo(int fd, GIOCondition condition, gpointer data)
{
    FcSource *fc = data;
    guint64 oversized = fc->lines.oversized;
    for (gsize budget = 0; budget < FC_READ_BUDGET;) {
        ssize_t n = read(fd, fc->chunk, FC_READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n <= 0) {
            fc_on_eof(fc);
            fc->fd_watch = 0;
            return G_SOURCE_REMOVE;
        }
        line_reader_feed(&fc->lines, fc->chunk, (gsize)n, fc_on_line, fc);
        budget += (gsize)n;
    }
    if (fc->lines.oversized > oversized)
        collector_log_once(fc->c, &fc->logged, FC_LOG_OVERSIZED,
                           _("metrics line longer than %d bytes dropped; counted, not logged "
                             "again"),
                           FC_LINE_MAX);
    return G_SOURCE_CONTINUE;
}

static void
fc_on_flushed(const HttpReply *reply, const GError *error, gpointer data)
{
    FcSource *fc = data;
    fc->call = NULL;
    (void)collector_note_api_call(fc->c, &fc->api, "FlushMetrics", reply, error,
                                  reply != NULL && reply->status / 100 == 2);
}

static gboolean
fc_socket_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void
fc_tick(gpointer source, guint64 now_ns)
{
    FcSource *fc = source;
    if (fc->socket_path == NULL)
        return;
    if (!fc_socket_exists(fc->socket_path)) {
        if (fc->socket_seen)
            collector_leave(fc->c, _("API socket removed"));
        return;
    }
    fc->socket_seen = TRUE;
    if (fc->call != NULL)
        return; /* the previous request still waits: its timeout counts it */
    fc->call = http_unix_call(fc->socket_path, "PUT", "/actions", FC_FLUSH_BODY,
                              FC_FLUSH_TIMEOUT_MS, FC_REPLY_MAX, fc_on_flushed, fc);
}

static int
fc_open_fifo(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
        int saved = fd < 0 ? errno : ENODEV;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), _("%s: %s"), path,
                    fd < 0 ? g_strerror(saved) : _("not a FIFO"));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    (void)fcntl(fd, F_SETPIPE_SZ, FC_PIPE_BYTES); /* more room for bursts, where allowed */
    return fd;
}

static gpointer
fc_start(Collector *c, const CollectorConfig *cfg, GError **error)
{
    g_return_val_if_fail(cfg->metrics_fifo != NULL, NULL);
    int fd = fc_open_fifo(cfg->metrics_fifo, error);
    if (fd < 0)
        return NULL;
    FcSource *fc = g_new0(FcSource, 1);
    fc->c = c;
    fc->fd = fd;
    fc->socket_path = g_strdup(cfg->api_socket);
    fc->chunk = g_malloc(FC_READ_CHUNK);
    line_reader_init(&fc->lines, FC_LINE_MAX);
    fc->fd_watch = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, fc_on_fifo, fc);
    return fc;
}

static void
fc_add_stats(gpointer source, SampleSet *set)
{
    const FcSource *fc = source;
    const SampleCount stats[] = {
        {"rondo_fc_agent_lines_total", fc->lines_ok},
        {"rondo_fc_agent_bad_lines_total", fc->lines_bad},
        {"rondo_fc_agent_oversized_lines_total", fc->lines.oversized},
        {"rondo_fc_agent_skipped_values_total", fc->fields_skipped},
        {"rondo_fc_agent_flushes_total", fc->api.ok},
        {"rondo_fc_agent_flush_failures_total", fc->api.failed},
        {"rondo_fc_agent_flush_timeouts_total", fc->api.timeouts},
    };
    sample_set_add_counts(set, stats, G_N_ELEMENTS(stats));
}

static char *
fc_summary(gpointer source)
{
    const FcSource *fc = source;
    typedef unsigned long long ull; /* xgettext cannot read G_GUINT64_FORMAT */
    return g_strdup_printf(_("%llu lines, %llu bad (%llu cut at EOF), %llu oversized; "
                             "%llu flushes, %llu failed (%llu timeouts)"),
                           (ull)fc->lines_ok, (ull)fc->lines_bad, (ull)fc->lines_cut,
                           (ull)fc->lines.oversized, (ull)fc->api.ok, (ull)fc->api.failed,
                           (ull)fc->api.timeouts);
}

static void
fc_stop(gpointer source)
{
    FcSource *fc = source;
    if (fc == NULL)
        return;
    http_call_cancel(fc->call);
    if (fc->fd_watch != 0)
        g_source_remove(fc->fd_watch);
    close(fc->fd);
    line_reader_clear(&fc->lines);
    g_free(fc->chunk);
    g_free(fc->socket_path);
    g_free(fc);
}

const CollectorOps fc_source_ops = {
    .schema_name = "firecracker",
    .start = fc_start,
    .tick = fc_tick,
    .add_stats = fc_add_stats,
    .summary = fc_summary,
    .stop = fc_stop,
};
