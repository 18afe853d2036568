/* export.c - the export worker: every interval, push every store to the remote-write receiver.
 *
 * A push blocks for requests and retry waits (seconds while a receiver is
 * down), so it cannot run on the main loop, which answers HTTP. One worker
 * thread does all the pushing: a round is one rondo_exporter_push_sources()
 * over every store, each a source with its store label, so that the
 * receiver gets a request per batch of up to batch_samples points, not one
 * per VM (100 stores of 30 series every 10 s: about 16 requests a round,
 * not 100).
 *
 * Ownership (one owner per state):
 *   - the worker uses the RondoExporter; export_stop() may only cancel it;
 *   - the main loop owns the Registry and the ExportStatus (counters,
 *     readiness);
 *   - they talk through two queues: to_worker carries the handles of a
 *     round (or STOP), to_main carries one PushResult per store, each
 *     followed by a g_main_context_invoke() that wakes the main loop;
 *   - the one shared variable is @stopping (under @lock): a round that
 *     would start after export_stop() pushes nothing.
 *
 * A round: the worker asks the main loop for the stores
 * (registry_acquire(): referenced), pushes them, and hands each handle back
 * with its outcome. When the receiver itself fails (unavailable, refusing,
 * bad URL) the push ends there: every store not delivered to the end keeps
 * its cursor and records the failure, and the next round starts again.
 *
 * Invariants: the worker never touches the Registry or the ExportStatus;
 * every handle acquired is released exactly once, on the main loop, also
 * at shutdown (export_stop() drains both queues after the join).
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "export-status.h"
#include "export.h"

typedef enum {
    MSG_HANDLES,
    MSG_STOP,
} WorkerMsgKind;

typedef struct {
    WorkerMsgKind kind;
    GPtrArray *handles; /* MSG_HANDLES: from registry_acquire() */
} WorkerMsg;

/* Worker -> main loop: one store's push. @h goes back to the registry. */
typedef struct {
    StoreHandle *h;
    gboolean pushed; /* FALSE: skipped (round ended early or stopping) */
    gboolean ok;
    RondoExportStats stats;
    GError *error;
    char *receiver_message;
} PushResult;

struct _Export {
    /* immutable after export_new() */
    const RondodExportConfig *config;
    char *bearer_token;
    char *basic_user, *basic_password;
    GMainContext *main_context;
    GAsyncQueue *to_worker; /* WorkerMsg* */
    GAsyncQueue *to_main;   /* PushResult* */

    /* shared, under @lock */
    GMutex lock;
    gboolean stopping;

    /* the worker's; thread-safe rondo_exporter_cancel() from export_stop() */
    RondoExporter *exporter;
    GHashTable *seen; /* names of the stores whose cursor was carried over */

    /* main loop only */
    Registry *registry;
    ExportStatus *status;
    GThread *thread;
    gboolean stopped;
};

/* ------------------------------------------------------ the main loop side */

static void
handle_release(StoreHandle *h)
{
    GPtrArray *one = g_ptr_array_new();
    g_ptr_array_add(one, h);
    registry_release(one);
}

static void
push_result_free(PushResult *r)
{
    g_clear_error(&r->error);
    g_free(r->receiver_message);
    g_free(r);
}

static void
result_consume(Export *e, PushResult *r)
{
    if (r->pushed) {
        ExportOutcome o = {r->ok, r->stats, r->error, r->receiver_message};
        export_status_account(e->status, r->h->name, &o);
    }
    handle_release(r->h);
    push_result_free(r);
}

static gboolean
on_results(gpointer data)
{
    Export *e = data;
    PushResult *r;
    while ((r = g_async_queue_try_pop(e->to_main)) != NULL)
        result_consume(e, r);
    return G_SOURCE_REMOVE;
}

/* The worker asks for a round's stores. */
static gboolean
on_acquire(gpointer data)
{
    Export *e = data;
    if (e->stopped)
        return G_SOURCE_REMOVE;
    WorkerMsg *m = g_new0(WorkerMsg, 1);
    m->kind = MSG_HANDLES;
    m->handles = registry_acquire(e->registry);
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < m->handles->len; i++)
        g_hash_table_add(names, ((StoreHandle *)g_ptr_array_index(m->handles, i))->name);
    export_status_keep_only(e->status, names);
    g_async_queue_push(e->to_worker, m);
    return G_SOURCE_REMOVE;
}

/* --------------------------------------------------------- the worker side */

static RondoExporter *
exporter_build(const Export *e, GError **error)
{
    const RondodExportConfig *c = e->config;
    g_autoptr(RondoExporter) x = rondo_exporter_new(c->url, error);
    if (x == NULL)
        return NULL;
    if (e->bearer_token != NULL)
        rondo_exporter_set_bearer_token(x, e->bearer_token);
    else if (e->basic_user != NULL)
        rondo_exporter_set_basic_auth(x, e->basic_user, e->basic_password);
    guint timeout_ms = c->timeout_s * 1000;
    if (!rondo_exporter_set_batch(x, c->batch_samples, 4 * 1024 * 1024, error) ||
        !rondo_exporter_set_timeouts(x, MIN(timeout_ms, 5000), timeout_ms, error))
        return NULL;
    for (guint i = 0; c->labels != NULL && c->labels[i] != NULL; i += 2) {
        if (!rondo_exporter_add_label(x, c->labels[i], c->labels[i + 1], error))
            return NULL;
    }
    return g_steal_pointer(&x);
}

/* Whether a round may push; FALSE once export_stop() began. */
static gboolean
worker_may_push(Export *e)
{
    g_mutex_lock(&e->lock);
    gboolean go = !e->stopping;
    g_mutex_unlock(&e->lock);
    return go;
}

/* The name of a store's cursor file, as rondo_drain_new_at() names it (lib/drain.c). */
static char *
cursor_file_name(const RondodExportConfig *c)
{
    return g_strdup_printf("drain-%s.%u.json", c->consumer, c->tier);
}

/* mkdir -p @dir for rondod's cursors (0750), or FALSE with an error naming it. */
static gboolean
cursor_mkdir(const char *dir, GError **error)
{
    if (g_mkdir_with_parents(dir, 0750) == 0)
        return TRUE;
    int saved = errno;
    g_set_error(error, RONDO_ERROR, RONDO_ERROR_IO, "cannot create %s: %s", dir, g_strerror(saved));
    return FALSE;
}

/* The modification time of @path in ns, or -1 if it cannot be read. */
static gint64
cursor_mtime_ns(const char *path)
{
    GStatBuf st;
    if (g_stat(path, &st) != 0)
        return -1;
    return (gint64)st.st_mtim.tv_sec * G_GINT64_CONSTANT(1000000000) + st.st_mtim.tv_nsec;
}

/* Copies @from over @to if @from exists; @durable: fsync'ed before the rename. */
static gboolean
cursor_copy(const char *from, const char *to, gboolean durable, GError **error)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    if (!g_file_get_contents(from, &text, &len, NULL))
        return TRUE; /* nothing to carry over */
    GFileSetContentsFlags flags =
        G_FILE_SET_CONTENTS_CONSISTENT | (durable ? G_FILE_SET_CONTENTS_DURABLE : 0);
    return g_file_set_contents_full(to, text, (gssize)len, flags, 0640, error);
}

/*
 * The directory @h's drain keeps its cursor in, created on first use: the
 * live one under live_cursor_dir if there is one, else under cursor_dir.
 * The first time an export sees a store, the cursor is carried over from
 * where an earlier rondod left it, so that neither a restart nor an
 * upgrade re-sends or skips anything: into the live directory from
 * cursor_dir when that one is newer (after a reboot the live one is gone;
 * after a crash of rondod the live one is newer), and from the store
 * directory, where an older rondod kept it, when there is none.
 */
static char *
worker_cursor_dir(Export *e, StoreHandle *h, GError **error)
{
    const RondodExportConfig *c = e->config;
    g_autofree char *kept = g_build_filename(c->cursor_dir, h->name, NULL);
    g_autofree char *live =
        c->live_cursor_dir ? g_build_filename(c->live_cursor_dir, h->name, NULL) : NULL;
    const char *dir = live ? live : kept;
    if (!cursor_mkdir(dir, error))
        return NULL;
    if (g_hash_table_contains(e->seen, h->name))
        return g_strdup(dir);
    g_autofree char *base = cursor_file_name(c);
    g_autofree char *mine = g_build_filename(dir, base, NULL);
    g_autofree char *checkpoint = g_build_filename(kept, base, NULL);
    g_autofree char *old = g_build_filename(rondo_store_get_path(h->store), base, NULL);
    gint64 t_mine = cursor_mtime_ns(mine);
    if (live != NULL && cursor_mtime_ns(checkpoint) > t_mine) {
        if (!cursor_copy(checkpoint, mine, FALSE, error))
            return NULL;
    } else if (t_mine < 0 && !cursor_copy(old, mine, live == NULL, error)) {
        return NULL;
    }
    g_hash_table_add(e->seen, g_strdup(h->name));
    return g_strdup(dir);
}

/* One store's live cursor into cursor_dir, durably, if it changed. */
static gboolean
checkpoint_one(const RondodExportConfig *c, const char *name, const char *base, GError **error)
{
    g_autofree char *live = g_build_filename(c->live_cursor_dir, name, base, NULL);
    g_autofree char *kept_dir = g_build_filename(c->cursor_dir, name, NULL);
    g_autofree char *kept = g_build_filename(kept_dir, base, NULL);
    g_autofree char *now = NULL, *before = NULL;
    gsize n_now = 0, n_before = 0;
    if (!g_file_get_contents(live, &now, &n_now, NULL))
        return TRUE; /* this store has no cursor yet */
    if (g_file_get_contents(kept, &before, &n_before, NULL) && n_before == n_now &&
        memcmp(before, now, n_now) == 0)
        return TRUE;
    return cursor_mkdir(kept_dir, error) &&
           g_file_set_contents_full(kept, now, (gssize)n_now,
                                    G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                    0640, error);
}

/*
 * The checkpoint: every live cursor that moved is copied into cursor_dir,
 * fsync'ed, so that a reboot (which empties the live directory) re-sends at
 * most what was delivered since. Worker only; failures are logged, and
 * the live cursors go on: a cursor that was not copied only means
 * duplicates after a reboot.
 */
static void
worker_checkpoint(Export *e)
{
    const RondodExportConfig *c = e->config;
    g_autoptr(GDir) d = g_dir_open(c->live_cursor_dir, 0, NULL);
    g_autofree char *base = cursor_file_name(c);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autoptr(GError) error = NULL;
        if (!checkpoint_one(c, name, base, &error))
            g_warning("export: checkpoint of store %s's cursor: %s", name, error->message);
    }
}

/* The drain of @h's cursor, or NULL with the store's error in @r. */
static RondoDrain *
worker_drain(Export *e, StoreHandle *h, PushResult *r)
{
    g_autofree char *dir = worker_cursor_dir(e, h, &r->error);
    return dir ? rondo_drain_new_at(h->store, dir, e->config->consumer, e->config->tier, &r->error)
               : NULL;
}

/*
 * Runs @fn on the main loop. Not g_main_context_invoke(): from a thread
 * without a thread-default context it would run @fn right here whenever
 * the main thread happens not to own the context (before the loop runs).
 */
static void
worker_call_main(Export *e, GSourceFunc fn)
{
    GSource *s = g_idle_source_new();
    g_source_set_callback(s, fn, e, NULL);
    g_source_attach(s, e->main_context);
    g_source_unref(s);
}

static void
worker_post(Export *e, PushResult *r)
{
    g_async_queue_push(e->to_main, r);
    worker_call_main(e, on_results);
}

/* What the push did for @src, into its store's result. */
static void
worker_take_source(RondoExportSource *src, PushResult *r)
{
    r->pushed = TRUE;
    r->stats = src->stats;
    r->error = g_steal_pointer(&src->error);
    r->ok = r->error == NULL;
    r->receiver_message = g_steal_pointer(&src->message);
}

static void
worker_round(Export *e, GPtrArray *handles)
{
    guint n = handles->len, n_src = 0;
    g_autofree PushResult **results = g_new0(PushResult *, MAX(n, 1));
    g_autofree RondoExportSource *srcs = g_new0(RondoExportSource, MAX(n, 1));
    g_autofree guint *src_of = g_new0(guint, MAX(n, 1)); /* result -> source + 1, 0: none */
    g_autofree const char **labels = g_new0(const char *, 3 * MAX(n, 1));

    for (guint i = 0; i < n; i++) {
        PushResult *r = results[i] = g_new0(PushResult, 1);
        r->h = g_ptr_array_index(handles, i); /* the reference moves to the result */
        RondoDrain *drain = worker_drain(e, r->h, r);
        if (drain == NULL) {
            r->pushed = TRUE; /* this store's failure only */
            continue;
        }
        const char **l = &labels[3 * n_src];
        l[0] = e->config->store_label;
        l[1] = r->h->name;
        srcs[n_src] = (RondoExportSource){.drain = drain, .labels = l};
        src_of[i] = ++n_src;
    }
    if (worker_may_push(e)) {
        (void)rondo_exporter_push_sources(e->exporter, srcs, n_src, NULL); /* per store, below */
        for (guint i = 0; i < n; i++) {
            if (src_of[i] > 0)
                worker_take_source(&srcs[src_of[i] - 1], results[i]);
        }
    }
    for (guint k = 0; k < n_src; k++) {
        rondo_drain_free(srcs[k].drain);
        g_clear_error(&srcs[k].error);
        g_free(srcs[k].message);
    }
    for (guint i = 0; i < n; i++)
        worker_post(e, results[i]); /* not pushed: skipped, stopping */
    g_ptr_array_unref(handles);     /* no free function: the handles went with the results */
}

static gpointer
worker_main(gpointer data)
{
    Export *e = data;
    gint64 interval_us = (gint64)e->config->interval_s * G_USEC_PER_SEC;
    gint64 checkpoint_us = (gint64)e->config->checkpoint_interval_s * G_USEC_PER_SEC;
    gint64 next_us = g_get_monotonic_time();
    gint64 next_checkpoint_us = next_us + checkpoint_us;
    gboolean live = e->config->live_cursor_dir != NULL;
    for (;;) {
        gint64 wait_us = next_us - g_get_monotonic_time();
        WorkerMsg *m = wait_us > 0 ? g_async_queue_timeout_pop(e->to_worker, (guint64)wait_us)
                                   : g_async_queue_try_pop(e->to_worker);
        if (m == NULL) {
            /* Time for a round. A round longer than the interval delays the next. */
            next_us = MAX(next_us + interval_us, g_get_monotonic_time());
            worker_call_main(e, on_acquire);
            continue;
        }
        WorkerMsgKind kind = m->kind;
        if (kind == MSG_HANDLES)
            worker_round(e, m->handles);
        g_free(m);
        if (live && (kind == MSG_STOP || g_get_monotonic_time() >= next_checkpoint_us)) {
            worker_checkpoint(e);
            next_checkpoint_us = g_get_monotonic_time() + checkpoint_us;
        }
        if (kind == MSG_STOP)
            return NULL;
    }
}

/* --------------------------------------------------------------- lifecycle */

/* The first line of @path, trimmed; secrets never come from the command line. */
static char *
read_secret(const char *key, const char *path, GError **error)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, error)) {
        g_prefix_error(error, "[export] %s: ", key);
        return NULL;
    }
    char *nl = strchr(text, '\n');
    if (nl != NULL)
        *nl = '\0';
    g_strstrip(text);
    if (text[0] == '\0') {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, _("[export] %s: %s is empty"), key,
                    path);
        return NULL;
    }
    return g_steal_pointer(&text);
}

static gboolean
export_load_secrets(Export *e, GError **error)
{
    const RondodExportConfig *c = e->config;
    if (c->bearer_token_file != NULL) {
        e->bearer_token = read_secret("bearer_token_file", c->bearer_token_file, error);
        return e->bearer_token != NULL;
    }
    if (c->basic_auth_file == NULL)
        return TRUE;
    g_autofree char *secret = read_secret("basic_auth_file", c->basic_auth_file, error);
    if (secret == NULL)
        return FALSE;
    gsize len = strlen(secret);
    char *colon = strchr(secret, ':');
    if (colon != NULL) {
        e->basic_user = g_strndup(secret, (gsize)(colon - secret));
        e->basic_password = g_strdup(colon + 1);
    }
    explicit_bzero(secret, len);
    if (colon == NULL)
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    _("[export] basic_auth_file: %s does not hold USER:PASSWORD"),
                    c->basic_auth_file);
    return colon != NULL;
}

static void
export_log_start(const Export *e)
{
    g_autoptr(GUri) uri = g_uri_parse(e->config->url, G_URI_FLAGS_NONE, NULL);
    g_autofree char *shown =
        uri ? g_uri_to_string_partial(uri, G_URI_HIDE_USERINFO | G_URI_HIDE_QUERY)
            : g_strdup("(url)");
    const RondodExportConfig *c = e->config;
    g_message("export: remote-write to %s every %u s, tier %u, consumer %s", shown, c->interval_s,
              c->tier, c->consumer);
    if (c->live_cursor_dir != NULL)
        g_message("export: cursors in %s, checkpointed to %s every %u s and at stop",
                  c->live_cursor_dir, c->cursor_dir, c->checkpoint_interval_s);
}

Export *
export_new(const RondodExportConfig *config, Registry *registry, GError **error)
{
    g_return_val_if_fail(config != NULL && config->url != NULL && registry != NULL, NULL);
    Export *e = g_new0(Export, 1);
    e->config = config;
    e->registry = registry;
    e->main_context = g_main_context_ref(g_main_context_default());
    e->to_worker = g_async_queue_new();
    e->to_main = g_async_queue_new();
    e->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_mutex_init(&e->lock);
    e->status = export_status_new(config->not_ready_after_s);
    if (!export_load_secrets(e, error) || !(e->exporter = exporter_build(e, error))) {
        export_free(e);
        return NULL;
    }
    return e;
}

void
export_start(Export *e)
{
    g_return_if_fail(e != NULL && e->thread == NULL);
    export_log_start(e);
    e->thread = g_thread_new("rondod-export", worker_main, e);
}

/* After the join: what the worker left in the queues goes back to the registry. */
static void
export_drain_queues(Export *e)
{
    WorkerMsg *m;
    while ((m = g_async_queue_try_pop(e->to_worker)) != NULL) {
        registry_release(m->handles); /* NULL for MSG_STOP */
        g_free(m);
    }
    on_results(e);
    /* Wake-ups the worker posted that have not run yet must not run after free. */
    GSource *s;
    while ((s = g_main_context_find_source_by_user_data(e->main_context, e)) != NULL)
        g_source_destroy(s);
}

void
export_stop(Export *e)
{
    g_return_if_fail(e != NULL);
    if (e->stopped)
        return;
    e->stopped = TRUE;
    g_mutex_lock(&e->lock);
    e->stopping = TRUE;
    g_mutex_unlock(&e->lock);
    if (e->exporter != NULL)
        rondo_exporter_cancel(e->exporter);
    if (e->thread != NULL) {
        WorkerMsg *m = g_new0(WorkerMsg, 1);
        m->kind = MSG_STOP;
        g_async_queue_push_front(e->to_worker, m);
        g_thread_join(g_steal_pointer(&e->thread));
    }
    export_drain_queues(e);
}

void
export_free(Export *e)
{
    if (e == NULL)
        return;
    export_stop(e);
    rondo_exporter_free(e->exporter);
    export_status_free(e->status);
    g_hash_table_unref(e->seen);
    g_async_queue_unref(e->to_worker);
    g_async_queue_unref(e->to_main);
    g_mutex_clear(&e->lock);
    g_main_context_unref(e->main_context);
    if (e->bearer_token != NULL)
        explicit_bzero(e->bearer_token, strlen(e->bearer_token));
    if (e->basic_password != NULL)
        explicit_bzero(e->basic_password, strlen(e->basic_password));
    g_free(e->bearer_token);
    g_free(e->basic_user);
    g_free(e->basic_password);
    g_free(e);
}

void
export_write_metrics(const Export *e, GString *out)
{
    export_status_write(e->status, out, (guint64)g_get_real_time() * 1000);
}

gboolean
export_is_ready(const Export *e, char **ret_reason)
{
    return export_status_is_ready(e->status, ret_reason);
}
