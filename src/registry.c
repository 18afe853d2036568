/* registry.c - discovering the stores under the state directory and keeping them open.
 *
 * One store per subdirectory holding a meta.json; the directory name is the
 * store's (the VM's) name. Discovery is a periodic rescan on the main loop
 * (rescan_interval seconds): a GFileMonitor would miss stores created inside
 * a directory that appeared between two events, and a scan of a few hundred
 * directories costs microseconds.
 *
 * States of an entry:
 *   READING  a read-only handle; some other process writes the store.
 *   ADOPTED  no writer held the lock, so rondod opened the store for writing
 *            and runs rondo_store_consolidate() once a second, so the coarse
 *            tiers still receive the last minutes of a VM that stopped.
 *   SETTLED  consolidation reached the end of the data; rondod released the
 *            writer lock (so a restarted VMM can take it) and reads again.
 * A VMM that starts again while rondod holds its store asks for it back
 * (rondo_store_handover_requested()); rondod gives it up on its next tick
 * and reads again. A store rondod may not write (its files are not
 * group-writable) is served read-only: that is said once, with the fix.
 *
 * Failures are remembered so that a bad store costs one attempt, not one
 * per rescan (a 23 MB series.json that does not parse would otherwise be
 * parsed again every rescan_interval on the main loop): a store that
 * failed to open is tried again only once the inode, size or mtime of its
 * meta.json or series.json changed. A failure while descriptors are
 * exhausted (EMFILE, ENFILE) is not the store's fault: nothing is
 * remembered, and a state directory that cannot be read for that reason
 * keeps every store as it was.
 *
 * Invariants: everything here runs on the main loop (query threads only read
 * the handles they were given, which rondo_store_refresh() allows); symlinks
 * leading out of the state directory are never followed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "registry.h"
#include "slab-watch.h"

typedef enum {
    ENTRY_READING,
    ENTRY_ADOPTED,
    ENTRY_SETTLED,
} EntryState;

typedef struct {
    char *name;
    char *path;
    StoreHandle *h;
    EntryState state;
    gboolean adopt_refused; /* said once: served read-only */
    guint64 refresh_failed; /* rondo_store_probe() when a refresh failed: not tried again until it
                               changes */
    gboolean damaged;       /* said once: a slab changed size under the map, not served */
    SlabWatch *watch;       /* the registry's */
    SlabWatchMark mark;     /* whether its slabs need checking before the next read */
} Entry;

struct _Registry {
    char *state_dir;
    char *state_dir_real; /* resolved, for the symlink check */
    GHashTable *entries;  /* name -> Entry* */
    GHashTable *failed;   /* name -> guint64* rondo_store_probe() of a failed open (logged once) */
    GHashTable *ignored;  /* names that are not store names, logged once */
    SlabWatch *watch;     /* the entries' slab files */
    gboolean ready;
    gboolean dir_failing; /* the state directory could not be read last time (logged once) */
    guint scan_id, tick_id;
};

static void
entry_free(gpointer p)
{
    Entry *e = p;
    slab_watch_remove(e->watch, &e->mark);
    store_handle_unref(e->h);
    g_free(e->name);
    g_free(e->path);
    g_free(e);
}

gboolean
store_name_is_valid(const char *name)
{
    if (name == NULL || name[0] == '\0' || name[0] == '.' || strlen(name) > 255 ||
        !g_utf8_validate(name, -1, NULL))
        return FALSE;
    for (const char *p = name; *p; p++) {
        if (*p == '/' || *p == '\\' || g_ascii_iscntrl(*p))
            return FALSE;
    }
    return TRUE;
}

Registry *
registry_new(const char *state_dir)
{
    Registry *reg = g_new0(Registry, 1);
    reg->state_dir = g_strdup(state_dir);
    char *real = realpath(state_dir, NULL);
    reg->state_dir_real = real ? g_strdup(real) : g_strdup(state_dir);
    free(real);
    reg->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
    reg->failed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    reg->ignored = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    reg->watch = slab_watch_new();
    return reg;
}

void
registry_free(Registry *reg)
{
    if (reg == NULL)
        return;
    if (reg->scan_id)
        g_source_remove(reg->scan_id);
    if (reg->tick_id)
        g_source_remove(reg->tick_id);
    g_hash_table_destroy(reg->entries);
    g_hash_table_destroy(reg->failed);
    g_hash_table_destroy(reg->ignored);
    slab_watch_free(reg->watch); /* after the entries, which remove their watches */
    g_free(reg->state_dir);
    g_free(reg->state_dir_real);
    g_free(reg);
}

/* TRUE if @path is a directory inside the state directory (after symlinks). */
static gboolean
path_is_inside(const Registry *reg, const char *path)
{
    char *real = realpath(path, NULL);
    if (real == NULL)
        return FALSE;
    gsize n = strlen(reg->state_dir_real);
    gboolean inside = strncmp(real, reg->state_dir_real, n) == 0 && real[n] == '/' &&
                      strchr(real + n + 1, '/') == NULL;
    GStatBuf st;
    gboolean dir = g_stat(real, &st) == 0 && S_ISDIR(st.st_mode);
    free(real);
    return inside && dir;
}

/* TRUE if @path is a directory, not a link: named in the state directory,
 * it is inside it without resolving anything (one lstat where
 * path_is_inside() reads every component of the path). */
static gboolean
path_is_plain_dir(const char *path)
{
    GStatBuf st;
    return g_lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* TRUE if the store at @path failed to open before and its files did not change since. */
static gboolean
failed_unchanged(const Registry *reg, const char *name, guint64 probe)
{
    const guint64 *was = g_hash_table_lookup(reg->failed, name);
    return was != NULL && *was == probe;
}

/* TRUE when this process cannot open one more file: a failure then says nothing of a store. */
static gboolean
fds_exhausted(void)
{
    int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return FALSE;
    }
    return errno == EMFILE || errno == ENFILE;
}

static void
entry_open(Registry *reg, const char *name, const char *path, guint64 probe)
{
    g_autoptr(GError) error = NULL;
    RondoStore *store = rondo_store_open(path, RONDO_OPEN_READ_ONLY, &error);
    if (store == NULL) {
        if (fds_exhausted())
            return; /* not the store's fault: try again next scan, logged by registry_scan */
        g_message("store %s: cannot open: %s (tried again once meta.json or series.json "
                  "changes)",
                  name, error->message);
        g_hash_table_insert(reg->failed, g_strdup(name), g_memdup2(&probe, sizeof probe));
        return;
    }
    g_hash_table_remove(reg->failed, name);
    Entry *e = g_new0(Entry, 1);
    e->name = g_strdup(name);
    e->path = g_strdup(path);
    e->h = store_handle_new(name, store);
    e->watch = reg->watch;
    slab_watch_add(e->watch, &e->mark, store);
    g_hash_table_replace(reg->entries, e->name, e);
    g_message("store %s: opened (%u series)", name, rondo_store_get_n_series(store));
    guint version = rondo_store_get_format_version(store);
    if (version != RONDO_FORMAT_VERSION)
        g_message("store %s: format version %u, served read-only and never adopted: stop its "
                  "writer and run “rondo upgrade %s” to convert it to version %d",
                  name, version, path, RONDO_FORMAT_VERSION);
}

/* Replaces the entry's handle by one opened with @flags; FALSE keeps the old one. */
static gboolean
entry_reopen(Entry *e, RondoOpenFlags flags, GError **error)
{
    RondoStore *store = rondo_store_open(e->path, flags, error);
    if (store == NULL)
        return FALSE;
    store_handle_unref(e->h);
    e->h = store_handle_new(e->name, store);
    slab_watch_add(e->watch, &e->mark, store);
    return TRUE;
}

static void
entry_try_adopt(Entry *e)
{
    if (rondo_store_get_format_version(e->h->store) != RONDO_FORMAT_VERSION)
        return; /* no writer may open it; said once, when it was opened */
    if (rondo_store_writer_pid(e->h->store) != 0) {
        e->state = ENTRY_READING;
        return;
    }
    if (e->state == ENTRY_SETTLED || rondo_store_handover_requested(e->h->store))
        return; /* released on purpose; adopt again only after a writer came back */
    g_autoptr(GError) error = NULL;
    if (!entry_reopen(e, RONDO_OPEN_WRITE | RONDO_OPEN_ADOPT, &error)) {
        if (!g_error_matches(error, RONDO_ERROR, RONDO_ERROR_LOCKED) && !e->adopt_refused)
            g_message("store %s: served read-only; rondod cannot finish its consolidation "
                      "(%s): let the group %s write the store's files (create stores in a "
                      "set-group-ID directory such as %s, or run the VMM with umask 0007)",
                      e->name, error->message, RONDOD_GROUP, RONDOD_DEFAULT_STATE_DIR);
        e->adopt_refused = TRUE;
        return;
    }
    e->adopt_refused = FALSE;
    e->state = ENTRY_ADOPTED;
    g_message("store %s: writer gone, adopted for consolidation", e->name);
}

/* A writer came back for its store: give it up at once and read again. */
static gboolean
entry_hand_over(Entry *e)
{
    if (!rondo_store_handover_requested(e->h->store))
        return FALSE;
    g_autoptr(GError) error = NULL;
    if (!entry_reopen(e, RONDO_OPEN_READ_ONLY, &error)) {
        g_message("store %s: cannot reopen read-only: %s", e->name, error->message);
        return FALSE;
    }
    e->state = ENTRY_READING;
    g_message("store %s: handed back to its writer", e->name);
    return TRUE;
}

/* New series from the writer: refreshed in place, queries may be reading. */
static void
entry_refresh(Entry *e)
{
    if (!rondo_store_index_changed(e->h->store))
        return;
    guint64 probe = rondo_store_probe(e->path);
    if (probe == e->refresh_failed)
        return; /* a failed index is not parsed again until it changes */
    g_autoptr(GError) error = NULL;
    gboolean ok = rondo_store_refresh(e->h->store, &error);
    if (!ok && fds_exhausted())
        return; /* not the index's fault: try again next scan */
    if (!ok)
        g_message("store %s: cannot refresh: %s (tried again once series.json changes)", e->name,
                  error->message);
    e->refresh_failed = ok ? 0 : probe;
}

static void
entry_update(Entry *e)
{
    if (e->state != ENTRY_ADOPTED)
        entry_try_adopt(e);
    if (e->state != ENTRY_ADOPTED)
        entry_refresh(e);
}

/* A directory entry that is no store name ("..x", control characters): said once per name. */
static void
scan_ignore(Registry *reg, const char *name, GHashTable *ignored)
{
    if (!g_hash_table_contains(reg->ignored, name)) {
        g_autofree char *printable = g_strescape(name, NULL);
        g_message("state directory: ignoring “%s”: not a valid store name", printable);
    }
    g_hash_table_add(ignored, g_strdup(name));
}

static void
scan_one(Registry *reg, const char *name, GHashTable *seen, GHashTable *ignored)
{
    if (!store_name_is_valid(name)) {
        scan_ignore(reg, name, ignored);
        return;
    }
    g_autofree char *path = g_build_filename(reg->state_dir, name, NULL);
    if (!path_is_plain_dir(path) && !path_is_inside(reg, path))
        return;
    Entry *e = g_hash_table_lookup(reg->entries, name);
    if (e != NULL && !rondo_store_is_replaced(e->h->store)) {
        g_hash_table_add(seen, g_strdup(name)); /* the usual scan: a few stats */
        entry_update(e);
        return;
    }
    guint64 probe = rondo_store_probe(path);
    if (probe == 0)
        return; /* no store (yet: meta.json is written last; or gone, forgotten below) */
    g_hash_table_add(seen, g_strdup(name));
    if (e != NULL) {
        g_message("store %s: re-created, reopening", name);
        g_hash_table_remove(reg->entries, name);
    }
    if (!failed_unchanged(reg, name, probe))
        entry_open(reg, name, path, probe);
}

/* Forgets what @seen (this scan) no longer holds: vanished stores and failures. */
static void
scan_forget(Registry *reg, GHashTable *seen)
{
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, reg->entries);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (!g_hash_table_contains(seen, key)) {
            g_message("store %s: gone", (const char *)key);
            g_hash_table_iter_remove(&it);
        }
    }
    g_hash_table_iter_init(&it, reg->failed);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (!g_hash_table_contains(seen, key))
            g_hash_table_iter_remove(&it);
    }
}

/*
 * The state directory cannot be read. Out of descriptors (or memory) says
 * nothing of the stores: keep them all. Logged once until a scan succeeds.
 */
static gboolean
scan_failed(Registry *reg, const GError *error)
{
    gboolean transient = g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_MFILE) ||
                         g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NFILE) ||
                         g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM);
    if (!reg->dir_failing)
        g_message("state directory: %s%s", error->message,
                  transient && reg->ready ? " (keeping the stores known, retrying)" : "");
    reg->dir_failing = TRUE;
    return transient;
}

void
registry_scan(Registry *reg)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(reg->state_dir, 0, &error);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) ignored = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    if (dir == NULL && scan_failed(reg, error)) {
        reg->ready = TRUE;
        return;
    }
    if (dir != NULL) {
        if (reg->dir_failing)
            g_message("state directory: readable again");
        reg->dir_failing = FALSE;
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL)
            scan_one(reg, name, seen, ignored);
        g_hash_table_destroy(reg->ignored);
        reg->ignored = g_steal_pointer(&ignored);
    }
    scan_forget(reg, seen);
    reg->ready = TRUE;
}

/* TRUE when every tier's last bucket covering the data is complete at @now_ns. */
static gboolean
store_settled(const RondoStore *store, guint64 now_ns)
{
    for (guint s = 0; s < rondo_store_get_n_schemas(store); s++) {
        const RondoSchema *schema = rondo_store_get_schema(store, s);
        guint n = rondo_schema_get_n_tiers(schema);
        guint64 head = rondo_store_get_head_ns(store, s, 0);
        guint64 coarsest = rondo_schema_get_tier_interval_ns(schema, n - 1);
        if (head != 0 && now_ns < head + 2 * coarsest)
            return FALSE;
    }
    return TRUE;
}

static void
entry_consolidate(Entry *e, guint64 now_ns)
{
    g_autoptr(GError) error = NULL;
    guint buckets = 0;
    if (!rondo_store_consolidate(e->h->store, now_ns, &buckets, &error)) {
        g_message("store %s: consolidation failed: %s", e->name, error->message);
        return;
    }
    if (buckets > 0 || !store_settled(e->h->store, now_ns))
        return;
    if (!entry_reopen(e, RONDO_OPEN_READ_ONLY, &error)) {
        g_message("store %s: cannot reopen read-only: %s", e->name, error->message);
        return;
    }
    e->state = ENTRY_SETTLED;
    g_message("store %s: consolidation complete, writer lock released", e->name);
}

static gboolean
on_tick(gpointer data)
{
    Registry *reg = data;
    guint64 now_ns = (guint64)g_get_real_time() * 1000;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, reg->entries);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Entry *e = value;
        if (e->state == ENTRY_ADOPTED && !entry_hand_over(e))
            entry_consolidate(e, now_ns);
    }
    return G_SOURCE_CONTINUE;
}

static gboolean
on_scan(gpointer data)
{
    registry_scan(data);
    return G_SOURCE_CONTINUE;
}

void
registry_start(Registry *reg, guint rescan_s)
{
    g_return_if_fail(reg != NULL && rescan_s > 0);
    registry_scan(reg);
    reg->scan_id = g_timeout_add_seconds(rescan_s, on_scan, reg);
    reg->tick_id = g_timeout_add_seconds(1, on_tick, reg);
}

gboolean
registry_is_ready(const Registry *reg)
{
    return reg->ready;
}

guint
registry_get_n_stores(const Registry *reg)
{
    return g_hash_table_size(reg->entries);
}

guint
registry_get_n_adopted(const Registry *reg)
{
    guint n = 0;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, reg->entries);
    while (g_hash_table_iter_next(&it, NULL, &value))
        n += ((Entry *)value)->state == ENTRY_ADOPTED;
    return n;
}

const char *
registry_get_state_dir(const Registry *reg)
{
    return reg->state_dir;
}

gboolean
registry_is_adopted(const Registry *reg, const char *name)
{
    Entry *e = g_hash_table_lookup(reg->entries, name);
    return e != NULL && e->state == ENTRY_ADOPTED;
}

static gint
handle_cmp(gconstpointer a, gconstpointer b)
{
    const StoreHandle *x = *(StoreHandle *const *)a, *y = *(StoreHandle *const *)b;
    return strcmp(x->name, y->name);
}

/* A slab truncated under the map would kill rondod (SIGBUS) on the next
 * read: such a store is set aside, said once, and the others are served.
 * Checked when its slabs' watches saw a change (slab-watch.c). */
static gboolean
entry_files_ok(Entry *e)
{
    if (!e->damaged && !slab_watch_must_check(&e->mark))
        return TRUE;
    g_autoptr(GError) error = NULL;
    gboolean ok = rondo_store_check_files(e->h->store, &error);
    if (!ok && !e->damaged)
        g_message("store %s: not served: %s", e->name, error->message);
    else if (ok && e->damaged)
        g_message("store %s: its files are whole again, served", e->name);
    e->damaged = !ok;
    if (ok)
        slab_watch_checked(&e->mark);
    return ok;
}

GPtrArray *
registry_acquire(Registry *reg)
{
    return registry_acquire_if(reg, NULL, NULL);
}

GPtrArray *
registry_acquire_if(Registry *reg, RegistryWanted wanted, gconstpointer data)
{
    GPtrArray *out = g_ptr_array_new();
    slab_watch_poll(reg->watch);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, reg->entries);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Entry *e = value;
        if ((wanted != NULL && !wanted(e->h, data)) || !entry_files_ok(e))
            continue;
        g_ptr_array_add(out, store_handle_ref(e->h));
    }
    g_ptr_array_sort(out, handle_cmp);
    return out;
}

void
registry_release(GPtrArray *handles)
{
    if (handles == NULL)
        return;
    for (guint i = 0; i < handles->len; i++) {
        store_handle_unref(g_ptr_array_index(handles, i));
    }
    g_ptr_array_unref(handles);
}
