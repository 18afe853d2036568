/* store.c - a store directory: its lock, its slabs and its series.
 *
 * Files: meta.json (schemas), series.json (the index), lock (the writer's
 * pid, flock'ed), and <schema>.<tier>.slab for every schema and tier.
 *
 * Creation writes meta.json last, so a half-created directory is never
 * taken for a store. Registration writes series.json (atomically) before
 * the slab directories, so after a crash the index is the truth and an
 * unfilled directory entry is completed by the next writer. Nothing else
 * is ever rewritten on open.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "file.h"
#include "ring.h"

static void
schema_state_free(gpointer data)
{
    RondoSchemaState *st = data;
    for (guint t = 0; t < RONDO_TIERS_MAX; t++)
        rondo_slab_close(st->slabs[t]);
    rondo_schema_free(st->schema);
    g_free(st);
}

static RondoStore *
store_new(const char *path, gboolean writable)
{
    RondoStore *store = g_new0(RondoStore, 1);
    store->path = g_strdup(path);
    store->writable = writable;
    store->version = RONDO_STORE_VERSION;
    store->dir_fd = -1;
    store->lock_fd = -1;
    store->schemas = g_ptr_array_new_with_free_func(schema_state_free);
    store->series = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_series_free);
    store->by_key = g_hash_table_new(g_str_hash, g_str_equal);
    store->retired = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_series_desc_free);
    return store;
}

void
rondo_store_close(RondoStore *store)
{
    if (store == NULL)
        return;
    g_hash_table_unref(store->by_key);
    g_ptr_array_unref(store->series);
    g_ptr_array_unref(store->schemas);
    g_ptr_array_unref(store->retired);
    if (store->lock_fd >= 0)
        close(store->lock_fd);
    if (store->dir_fd >= 0)
        close(store->dir_fd); /* releases the writer lock */
    g_free(store->done_dir);
    g_free(store->path);
    g_free(store);
}

/*
 * The writer lock is flock(LOCK_EX) on the store directory itself: unlike a
 * file in it, the directory cannot be unlinked from under the writer. The
 * writer also flocks the file `lock`, as librondo 0.1 did alone, so that a
 * 0.1 writer and a newer one still exclude each other; and writes its pid
 * there ("PID\n", "PID adopt\n" for an adopter) for messages and the
 * hand-over. Returns 0 with both locks taken, else an errno.
 */
static int
lock_try(int dir_fd, int lock_fd)
{
    if (flock(dir_fd, LOCK_EX | LOCK_NB) != 0)
        return errno;
    if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        (void)flock(dir_fd, LOCK_UN);
        return e;
    }
    return 0;
}

/* What the open lock file @fd says; "" when it cannot be read. */
static void
lock_read_fd(int fd, char buf[static 64])
{
    memset(buf, 0, 64);
    if (fd >= 0)
        (void)!pread(fd, buf, 63, 0);
}

/* What the lock file says; "" when it cannot be read. */
static void
lock_read(const char *store_path, char buf[static 64])
{
    g_autofree char *path = g_build_filename(store_path, RONDO_LOCK_FILE, NULL);
    int fd = rondo_file_open(path, O_RDONLY, NULL, NULL);
    lock_read_fd(fd, buf);
    if (fd >= 0)
        close(fd);
}

static gint64
lock_read_pid(const char *store_path)
{
    char buf[64];
    lock_read(store_path, buf);
    return g_ascii_strtoll(buf, NULL, 10);
}

static gboolean
lock_held_by_adopter(const char *store_path)
{
    char buf[64];
    lock_read(store_path, buf);
    return strstr(buf, " " RONDO_LOCK_ADOPT) != NULL;
}

/*
 * The hand-over: a writer that finds the lock held by an adopter writes its
 * pid into the request file and waits; the adopter sees the request
 * (rondo_store_handover_requested()) and closes its handle within its next
 * tick. Returns 0 with the lock taken, else the errno of the last try.
 */
static int
lock_ask_handover(RondoStore *store, int dir_fd, int lock_fd)
{
    g_autofree char *path = g_build_filename(store->path, RONDO_HANDOVER_FILE, NULL);
    int req =
        rondo_file_create(path, O_WRONLY | O_TRUNC, rondo_file_dir_is_shared(store->path), NULL);
    if (req < 0)
        return EWOULDBLOCK;
    char pid[32];
    int n = g_snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    gboolean sent = pwrite(req, pid, (size_t)n, 0) == n;
    close(req);
    int e = EWOULDBLOCK;
    for (guint waited = 0; sent && waited < RONDO_HANDOVER_WAIT_MS; waited += 50) {
        g_usleep(50 * 1000);
        e = lock_try(dir_fd, lock_fd);
        if (e != EWOULDBLOCK)
            break;
    }
    g_unlink(path);
    return e;
}

static gboolean
lock_error(RondoStore *store, int e, gboolean adopter, GError **error)
{
    gint64 pid = lock_read_pid(store->path);
    if (e == EWOULDBLOCK && adopter)
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_LOCKED,
                    "%s: adopted by pid %" G_GINT64_FORMAT
                    ", which did not hand it over within %u s",
                    store->path, pid, RONDO_HANDOVER_WAIT_MS / 1000);
    else if (e == EWOULDBLOCK)
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_LOCKED,
                    "%s: another writer holds the store (pid %" G_GINT64_FORMAT ")", store->path,
                    pid);
    else
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_IO, "%s: cannot lock: %s", store->path,
                    g_strerror(e));
    return FALSE;
}

/* Take the writer lock (asking an adopter to hand it over) and say who holds it.
 * The store keeps both descriptors: closing it releases the lock. */
static gboolean
store_lock(RondoStore *store, gboolean adopt, GError **error)
{
    g_autofree char *path = g_build_filename(store->path, RONDO_LOCK_FILE, NULL);
    store->dir_fd = open(store->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (store->dir_fd < 0) {
        int e = errno;
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_IO, "%s: cannot open: %s", store->path,
                    g_strerror(e));
        return FALSE;
    }
    store->lock_fd = rondo_file_create(path, O_RDWR, rondo_file_dir_is_shared(store->path), error);
    if (store->lock_fd < 0)
        return FALSE;
    int e = lock_try(store->dir_fd, store->lock_fd);
    gboolean adopter = e == EWOULDBLOCK && lock_held_by_adopter(store->path);
    if (adopter && !adopt)
        e = lock_ask_handover(store, store->dir_fd, store->lock_fd);
    if (e != 0)
        return lock_error(store, e, adopter, error);
    char pid[48];
    int n =
        g_snprintf(pid, sizeof pid, adopt ? "%d " RONDO_LOCK_ADOPT "\n" : "%d\n", (int)getpid());
    store->adopted = adopt;
    return rondo_file_rewrite(store->lock_fd, path, pid, (gsize)n, error);
}

/* A writer killed inside rondo_file_replace() leaves .FILE.tmp-XXXXXX behind;
 * only a writer replaces meta.json and series.json, so under the lock any
 * such file of theirs is a leftover. Drain cursors' are not touched: their
 * consumers may be readers, without the lock. */
static void
store_remove_leftovers(const RondoStore *store)
{
    g_autoptr(GDir) dir = g_dir_open(store->path, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        if (g_str_has_prefix(name, "." RONDO_INDEX_FILE RONDO_TMP_INFIX) ||
            g_str_has_prefix(name, "." RONDO_META_FILE RONDO_TMP_INFIX))
            (void)unlinkat(store->dir_fd, name, 0);
    }
}

gboolean
rondo_store_handover_requested(const RondoStore *store)
{
    g_return_val_if_fail(store != NULL, FALSE);
    g_autofree char *path = g_build_filename(store->path, RONDO_HANDOVER_FILE, NULL);
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return FALSE;
    gint64 age_s = g_get_real_time() / G_USEC_PER_SEC - (gint64)st.st_mtim.tv_sec;
    return age_s <= 3 * RONDO_HANDOVER_WAIT_MS / 1000; /* else a waiter that died */
}

gint64
rondo_store_writer_pid(const RondoStore *store)
{
    g_return_val_if_fail(store != NULL, 0);
    g_autofree char *path = g_build_filename(store->path, RONDO_LOCK_FILE, NULL);
    int dir_fd = open(store->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int lock_fd = rondo_file_open(path, O_RDONLY, NULL, NULL);
    /* Held when either lock is: a 0.1 writer takes only the file's. */
    gboolean held = (dir_fd >= 0 && flock(dir_fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) ||
                    (lock_fd >= 0 && flock(lock_fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK);
    char buf[64] = "";
    if (held)
        lock_read_fd(lock_fd, buf); /* the pid, from the file just opened */
    if (dir_fd >= 0)
        close(dir_fd);
    if (lock_fd >= 0)
        close(lock_fd);
    return g_ascii_strtoll(buf, NULL, 10);
}

static RondoSchemaState *
schema_state(const RondoStore *store, guint i)
{
    g_assert(i < store->schemas->len);
    return g_ptr_array_index(store->schemas, i);
}

/* Opens a slab of the store: from the DONE directory of an unfinished swap
 * while it is still there (staging.c), else from the store directory. */
static RondoSlab *
store_slab_open(RondoStore *store, const RondoSchema *schema, guint t, GError **error)
{
    if (store->done_dir != NULL) {
        g_autofree char *newer = rondo_slab_path(store->done_dir, schema->name, t);
        g_autoptr(GError) local = NULL;
        RondoSlab *slab =
            rondo_slab_open(newer, schema, t, store->version, store->writable, &local);
        struct stat st;
        if (slab != NULL || lstat(newer, &st) == 0 || errno != ENOENT) {
            if (slab == NULL)
                g_propagate_error(error, g_steal_pointer(&local));
            return slab;
        }
        /* Moved out of DONE already (or not rewritten): the store's own. */
    }
    g_autofree char *path = rondo_slab_path(store->path, schema->name, t);
    return rondo_slab_open(path, schema, t, store->version, store->writable, error);
}

/* Create or open every slab of every schema. */
static gboolean
store_attach_slabs(RondoStore *store, gboolean create, GError **error)
{
    for (guint i = 0; i < store->schemas->len; i++) {
        RondoSchemaState *st = schema_state(store, i);
        for (guint t = 0; t < st->schema->n_tiers; t++) {
            g_autofree char *path = rondo_slab_path(store->path, st->schema->name, t);
            st->slabs[t] = create ? rondo_slab_create(path, st->schema, t, error)
                                  : store_slab_open(store, st->schema, t, error);
            if (st->slabs[t] == NULL)
                return FALSE;
            if (!g_uint64_checked_add(&store->bytes, store->bytes, st->slabs[t]->map_bytes)) {
                g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                            "%s: the store's bytes (its slabs' file_bytes summed) pass 2^64",
                            store->path);
                return FALSE;
            }
        }
    }
    return TRUE;
}

static void
store_add_schema(RondoStore *store, RondoSchema *owned)
{
    RondoSchemaState *st = g_new0(RondoSchemaState, 1);
    st->schema = owned;
    g_ptr_array_add(store->schemas, st);
}

/* Every schema's series_max: the most series the store can ever hold. */
static guint
store_series_capacity(const RondoStore *store)
{
    guint n = 0;
    for (guint i = 0; i < store->schemas->len; i++)
        n += schema_state(store, i)->schema->series_max;
    return n;
}

/* Sizes the (still empty) series array once the schemas are known. */
static void
store_reserve_series(RondoStore *store)
{
    g_assert(store->series->len == 0);
    g_ptr_array_unref(store->series);
    store->series =
        g_ptr_array_new_full(store_series_capacity(store) + 1, (GDestroyNotify)rondo_series_free);
}

static gboolean
schemas_check(RondoSchema *const *schemas, guint n, GError **error)
{
    if (n == 0 || n > RONDO_SCHEMAS_MAX) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID, "a store needs 1 to %d schemas",
                    RONDO_SCHEMAS_MAX);
        return FALSE;
    }
    for (guint i = 0; i < n; i++) {
        if (!rondo_schema_validate(schemas[i], error))
            return FALSE;
        for (guint j = 0; j < i; j++) {
            if (g_str_equal(schemas[i]->name, schemas[j]->name)) {
                g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID, "two schemas are named “%s”",
                            schemas[i]->name);
                return FALSE;
            }
        }
    }
    return TRUE;
}

static gboolean
dir_is_empty(const char *path, const char *except)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;
    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        if (except == NULL || !g_str_equal(name, except))
            return FALSE;
    }
    return dir != NULL;
}

static gboolean
dir_prepare(const char *path, gboolean *ret_created, GError **error)
{
    if (!rondo_file_mkdir(path, ret_created, error))
        return FALSE;
    if (!dir_is_empty(path, NULL)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_EXISTS, "%s: exists and is not empty", path);
        return FALSE;
    }
    return TRUE;
}

/* Undoes a creation that failed after taking the lock: removes every file it
 * may have made, then the directory if it made it, so that nothing
 * half-created is taken for a store and the next create finds the place free. */
static void
store_create_undo(RondoStore *store, gboolean dir_created)
{
    const char *files[] = {RONDO_META_FILE, RONDO_INDEX_FILE, RONDO_LOCK_FILE};
    for (guint i = 0; i < store->schemas->len; i++) {
        const RondoSchema *schema = schema_state(store, i)->schema;
        for (guint t = 0; t < schema->n_tiers; t++) {
            g_autofree char *base = g_strdup_printf("%s.%u.slab", schema->name, t);
            (void)unlinkat(store->dir_fd, base, 0);
        }
    }
    for (guint i = 0; i < G_N_ELEMENTS(files); i++)
        (void)unlinkat(store->dir_fd, files[i], 0);
    store_remove_leftovers(store);
    g_autofree char *path = g_strdup(store->path);
    rondo_store_close(store);
    if (dir_created)
        (void)g_rmdir(path);
}

/* Everything rondo_store_create() makes once it holds the lock; meta.json last. */
static gboolean
store_create_files(RondoStore *store, RondoSchema *const *schemas, guint n_schemas, GError **error)
{
    if (!dir_is_empty(store->path, RONDO_LOCK_FILE)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_EXISTS,
                    "%s: another process created a store here meanwhile", store->path);
        return FALSE;
    }
    for (guint i = 0; i < n_schemas; i++)
        store_add_schema(store, rondo_schema_copy(schemas[i]));
    store_reserve_series(store);
    return store_attach_slabs(store, TRUE, error) && rondo_index_write(store, error) &&
           rondo_meta_write(store->path, schemas, n_schemas, error);
}

RondoStore *
rondo_store_create(const char *path, RondoSchema *const *schemas, guint n_schemas, GError **error)
{
    g_return_val_if_fail(path != NULL && (schemas != NULL || n_schemas == 0), NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    gboolean dir_created = FALSE;
    if (!schemas_check(schemas, n_schemas, error) || !dir_prepare(path, &dir_created, error))
        return NULL;
    g_autoptr(RondoStore) store = store_new(path, TRUE);
    g_autoptr(GError) local = NULL;
    if (store_lock(store, FALSE, &local) && store_create_files(store, schemas, n_schemas, &local))
        return g_steal_pointer(&store);
    /* Another creator's files are not ours to remove. */
    if (store->dir_fd >= 0 && !g_error_matches(local, RONDO_ERROR, RONDO_ERROR_LOCKED) &&
        !g_error_matches(local, RONDO_ERROR, RONDO_ERROR_EXISTS))
        store_create_undo(g_steal_pointer(&store), dir_created);
    g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
}

/* The slab directory entries of a series, in every tier of its schema. */
static gboolean
series_check_dirs(RondoStore *store, RondoSeries *s, GError **error)
{
    RondoSchemaState *st = schema_state(store, s->schema);
    guint64 hash = rondo_fnv1a64(s->key, strlen(s->key)) | 1;

    for (guint t = 0; t < st->schema->n_tiers; t++) {
        RondoDirEntry *e = &st->slabs[t]->dir[s->column];
        if (e->flags & RONDO_DIR_USED) {
            if (e->key_hash != hash || e->series_id != s->id) {
                g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                            "%s: directory entry %u does not match series %s in %s",
                            st->slabs[t]->path, s->column, s->key, RONDO_INDEX_FILE);
                return FALSE;
            }
        } else if (store->writable) {
            e->key_hash = hash;
            e->series_id = s->id;
            __atomic_store_n(&e->flags, RONDO_DIR_USED, __ATOMIC_RELEASE);
        }
    }
    return TRUE;
}

static gboolean
store_adopt_series(RondoStore *store, RondoSeries *s, GError **error)
{
    if (s->schema >= store->schemas->len) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "%s/%s: series %u names schema %u",
                    store->path, RONDO_INDEX_FILE, s->id, s->schema);
        rondo_series_free(s);
        return FALSE;
    }
    RondoSchemaState *st = schema_state(store, s->schema);
    if (s->column != st->n_series || s->column >= st->schema->series_max ||
        g_hash_table_contains(store->by_key, s->key)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                    "%s/%s: series %u (%s) has a bad column or is a duplicate", store->path,
                    RONDO_INDEX_FILE, s->id, s->key);
        rondo_series_free(s);
        return FALSE;
    }
    s->slab0 = st->slabs[0];
    s->cells0 = s->slab0->cells ? ring_cell(s->slab0, s->column, 0) : NULL;
    s->store = store;
    st->n_series++;
    s->slab0->columns_used = st->n_series; /* columns are dense: s->column == n_series - 1 */
    g_assert(store->series->len < store_series_capacity(store)); /* never reallocates */
    g_ptr_array_add(store->series, s);
    g_hash_table_insert(store->by_key, s->key, s);
    __atomic_store_n(&store->n_published, store->series->len, __ATOMIC_RELEASE);
    return TRUE;
}

/* Directory entries beyond the index mean series.json lost series. */
static gboolean
store_check_unindexed(RondoStore *store, GError **error)
{
    for (guint i = 0; i < store->schemas->len; i++) {
        RondoSchemaState *st = schema_state(store, i);
        for (guint t = 0; t < st->schema->n_tiers; t++) {
            for (guint32 c = st->n_series; c < st->schema->series_max; c++) {
                if (__atomic_load_n(&st->slabs[t]->dir[c].flags, __ATOMIC_ACQUIRE) &
                    RONDO_DIR_USED) {
                    g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                                "%s: directory entry %u is used but %s does not list it",
                                st->slabs[t]->path, c, RONDO_INDEX_FILE);
                    return FALSE;
                }
            }
        }
    }
    return TRUE;
}

void
rondo_store_release_coarse(RondoStore *store)
{
    for (guint t = 1; t < RONDO_TIERS_MAX; t++)
        rondo_store_release_tier(store, t);
}

void
rondo_store_release_tier(RondoStore *store, guint tier)
{
    for (guint i = 0; i < store->schemas->len; i++) {
        RondoSchemaState *st = schema_state(store, i);
        if (tier >= st->schema->n_tiers)
            continue;
        if (tier == 0)
            rondo_slab_release_behind_head(st->slabs[0]);
        else
            rondo_slab_release(st->slabs[tier]);
    }
}

#define RELEASE_EVERY_US (60 * G_USEC_PER_SEC)

gboolean
rondo_store_release_due(gint64 *last_us)
{
    gint64 now_us = g_get_monotonic_time();
    gint64 last = __atomic_load_n(last_us, __ATOMIC_RELAXED);
    if (last != 0 && now_us - last < RELEASE_EVERY_US)
        return FALSE;
    __atomic_store_n(last_us, now_us, __ATOMIC_RELAXED);
    return TRUE;
}

void
rondo_store_trim(RondoStore *store)
{
    g_return_if_fail(store != NULL);
    if (!rondo_store_release_due(&store->trimmed_us))
        return;
    rondo_store_release_coarse(store);
    rondo_store_release_tier(store, 0);
}

static gboolean
store_load_index(RondoStore *store, gboolean check_unindexed, GError **error)
{
    /* Stamped before reading: a rewrite while we read shows as a change. */
    guint64 stamp = rondo_store_file_stamp(store->path, RONDO_INDEX_FILE);
    g_autoptr(GPtrArray) list = rondo_index_read(store->path, rondo_index_bytes_max(store), error);
    if (list == NULL)
        return FALSE;
    store->index_stamp = stamp;
    if (list->len < store->series->len) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "%s/%s: series disappeared",
                    store->path, RONDO_INDEX_FILE);
        return FALSE;
    }
    /* Descriptions the writer changed since we read them. */
    for (guint i = 0; i < store->series->len; i++) {
        RondoSeries *have = g_ptr_array_index(store->series, i), *now = g_ptr_array_index(list, i);
        if (!rondo_series_desc_equal(have->desc, now->desc))
            rondo_series_desc_swap(have, g_steal_pointer(&now->desc), store->retired);
    }
    gboolean checked = check_unindexed || list->len > store->series->len;
    for (guint i = store->series->len; i < list->len; i++) {
        RondoSeries *s = g_ptr_array_index(list, i);
        list->pdata[i] = NULL; /* the store owns it now, whatever happens */
        if (!store_adopt_series(store, s, error) || !series_check_dirs(store, s, error))
            return FALSE;
    }
    if (check_unindexed && !store_check_unindexed(store, error))
        return FALSE;
    /* The checks read the coarse tiers' directories: a reader such as
     * rondod would otherwise keep those pages (and the kernel maps up to
     * 64 kB around each) for as long as it holds the store. */
    if (checked)
        rondo_store_release_coarse(store);
    return TRUE;
}

/* A writer needs a store of the current version; an older one is read-only
 * until `rondo upgrade` converts it (storage-format.md, "Versions"). */
static gboolean
store_version_check(const char *path, guint version, gboolean writable, GError **error)
{
    if (!writable || version == RONDO_STORE_VERSION)
        return TRUE;
    g_set_error(error, RONDO_ERROR, RONDO_ERROR_VERSION,
                "%s: store format version %u is read-only for this library: run `rondo upgrade "
                "%s` to convert it to version %d",
                path, version, path, RONDO_STORE_VERSION);
    return FALSE;
}

/* Maps every slab of @schemas (meta.json's, in @version) and loads the index. */
static gboolean
store_attach(RondoStore *store, GPtrArray *schemas, guint version, GError **error)
{
    store->version = version;
    for (guint i = 0; i < schemas->len; i++)
        store_add_schema(store, rondo_schema_copy(g_ptr_array_index(schemas, i)));
    store_reserve_series(store);
    /* A reader may race a registration: only the writer sees a stable index. */
    if (!store_attach_slabs(store, FALSE, error) ||
        !store_load_index(store, store->writable, error))
        return FALSE;
    /* Reading each header faulted in up to 64 kB of tier 0 around it. */
    rondo_store_release_tier(store, 0);
    return TRUE;
}

/* meta.json: DONE's while an unfinished swap has not moved it yet. */
static GPtrArray *
store_meta_read(RondoStore *store, guint *ret_version, GError **error)
{
    store->done_dir = rondo_staging_done_dir(store->path);
    /* Before the read: a swap after it shows as a changed inode at refresh. */
    store->meta_ino = store->done_dir ? 0 : rondo_store_meta_inode(store->path);
    if (store->done_dir != NULL) {
        g_autoptr(GError) local = NULL;
        GPtrArray *schemas = rondo_meta_read(store->done_dir, ret_version, &local);
        if (schemas != NULL || !g_error_matches(local, RONDO_ERROR, RONDO_ERROR_NOT_FOUND)) {
            if (schemas == NULL)
                g_propagate_error(error, g_steal_pointer(&local));
            return schemas;
        }
    }
    return rondo_meta_read(store->path, ret_version, error);
}

static RondoStore *
store_open_once(const char *path, RondoOpenFlags flags, GError **error)
{
    gboolean writable = (flags & RONDO_OPEN_WRITE) != 0;
    guint version = 0;
    g_autoptr(RondoStore) store = store_new(path, writable);
    g_autoptr(GPtrArray) schemas = store_meta_read(store, &version, error);
    if (schemas == NULL || !store_version_check(path, version, writable, error))
        return NULL;
    if (writable && !store_lock(store, (flags & RONDO_OPEN_ADOPT) != 0, error))
        return NULL;
    if (!store_attach(store, schemas, version, error))
        return NULL;
    if (writable)
        store_remove_leftovers(store);
    return g_steal_pointer(&store);
}

RondoStore *
rondo_store_open(const char *path, RondoOpenFlags flags, GError **error)
{
    g_return_val_if_fail(path != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    /* A slab of another schema or version than the meta.json just read: an
     * upgrade or resize may have committed in between. Read again (at most
     * twice): the swap only moves forward. */
    for (guint attempt = 1;; attempt++) {
        g_autoptr(GError) local = NULL;
        RondoStore *store = store_open_once(path, flags, &local);
        if (store != NULL || attempt == 3 ||
            !(g_error_matches(local, RONDO_ERROR, RONDO_ERROR_FOREIGN) ||
              g_error_matches(local, RONDO_ERROR, RONDO_ERROR_VERSION))) {
            if (store == NULL)
                g_propagate_error(error, g_steal_pointer(&local));
            return store;
        }
    }
}

RondoStore *
rondo_store_open_locked(const char *path, RondoStoreLockedFunc locked, GError **error)
{
    g_autoptr(RondoStore) store = store_new(path, FALSE);
    if (!store_lock(store, FALSE, error) || !locked(path, error))
        return NULL;
    guint version = 0;
    g_autoptr(GPtrArray) schemas = rondo_meta_read(path, &version, error);
    if (schemas == NULL || !store_attach(store, schemas, version, error))
        return NULL;
    return g_steal_pointer(&store);
}

RondoStore *
rondo_store_open_or_create(const char *path, RondoSchema *const *schemas, guint n_schemas,
                           GError **error)
{
    g_return_val_if_fail(path != NULL, NULL);
    g_autofree char *meta = g_build_filename(path, RONDO_META_FILE, NULL);
    struct stat st;
    if (lstat(meta, &st) != 0 && errno == ENOENT)
        return rondo_store_create(path, schemas, n_schemas, error);
    g_autoptr(GError) local = NULL;
    RondoStore *store = rondo_store_open(path, RONDO_OPEN_WRITE, &local);
    if (store != NULL || !g_error_matches(local, RONDO_ERROR, RONDO_ERROR_VERSION))
        return store != NULL ? store : (g_propagate_error(error, g_steal_pointer(&local)), NULL);
    /* An older format this library reads: the owner that starts on it upgrades it. */
    if (!rondo_store_upgrade(path, NULL, error))
        return NULL;
    return rondo_store_open(path, RONDO_OPEN_WRITE, error);
}

gboolean
rondo_store_check_files(const RondoStore *store, GError **error)
{
    g_return_val_if_fail(store != NULL, FALSE);
    for (guint i = 0; i < store->schemas->len; i++) {
        const RondoSchemaState *st = schema_state(store, i);
        for (guint t = 0; t < st->schema->n_tiers; t++) {
            if (!rondo_slab_check(st->slabs[t], error))
                return FALSE;
        }
    }
    return TRUE;
}

gboolean
rondo_store_watch_files(const RondoStore *store, int inotify_fd, GArray *wds, GError **error)
{
    g_return_val_if_fail(store != NULL && inotify_fd >= 0 && wds != NULL, FALSE);
    g_return_val_if_fail(g_array_get_element_size(wds) == sizeof(int), FALSE);
    for (guint i = 0; i < store->schemas->len; i++) {
        const RondoSchemaState *st = schema_state(store, i);
        for (guint t = 0; t < st->schema->n_tiers; t++) {
            int wd;
            if (!rondo_slab_watch(st->slabs[t], inotify_fd, &wd, error))
                return FALSE;
            g_array_append_val(wds, wd);
        }
    }
    return TRUE;
}

gboolean
rondo_store_refresh(RondoStore *store, GError **error)
{
    g_return_val_if_fail(store != NULL, FALSE);
    /* A resize's series may not fit this handle's geometry: say so first. */
    if (store->meta_ino != 0 && rondo_store_meta_inode(store->path) != store->meta_ino) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_VERSION,
                    "%s: %s was replaced since the store was opened (a resize or an upgrade): "
                    "open the store again",
                    store->path, RONDO_META_FILE);
        return FALSE;
    }
    return rondo_store_check_files(store, error) && store_load_index(store, FALSE, error);
}

static guint
store_schema_for(const RondoStore *store, const char *name, const char *const *labels)
{
    for (guint i = 0; i < store->schemas->len; i++) {
        if (rondo_schema_matches(schema_state(store, i)->schema, name, labels))
            return i;
    }
    return G_MAXUINT;
}

guint
rondo_store_find_schema(const RondoStore *store, const char *name, const char *const *labels)
{
    g_return_val_if_fail(store != NULL && name != NULL, G_MAXUINT);
    return store_schema_for(store, name, labels);
}

RondoSeries *
rondo_store_lookup(const RondoStore *store, const char *name, const char *const *labels)
{
    g_return_val_if_fail(store != NULL && name != NULL, NULL);
    g_auto(GStrv) sorted = rondo_labels_sorted(labels);
    g_autofree char *key = rondo_series_key_build(name, (const char *const *)sorted);
    if (store->writable)
        return g_hash_table_lookup(store->by_key, key);
    /* A reader's refresh may be adding to the table in another thread: scan
     * what is published instead (a few hundred keys at most). */
    guint n = rondo_store_get_n_series(store);
    for (guint i = 0; i < n; i++) {
        RondoSeries *s = g_ptr_array_index(store->series, i);
        if (g_str_equal(s->key, key))
            return s;
    }
    return NULL;
}

/* The slab directories have no entry at @column yet: else another process
 * (a second writer, a copied slab) registered a series the index lacks. */
static gboolean
column_is_free(const RondoStore *store, const RondoSchemaState *st, guint32 column, GError **error)
{
    for (guint t = 0; t < st->schema->n_tiers; t++) {
        const RondoSlab *slab = st->slabs[t];
        if (__atomic_load_n(&slab->dir[column].flags, __ATOMIC_ACQUIRE) & RONDO_DIR_USED) {
            g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                        "%s: directory entry %u is used but %s/%s does not list it (another "
                        "writer?)",
                        slab->path, column, store->path, RONDO_INDEX_FILE);
            return FALSE;
        }
    }
    return TRUE;
}

/* Forgets the series registered last (its registration failed). */
static void
store_drop_last_series(RondoStore *store, RondoSchemaState *st)
{
    g_assert(store->series->len > 0 && st->n_series > 0);
    RondoSeries *s = g_ptr_array_index(store->series, store->series->len - 1);
    g_hash_table_remove(store->by_key, s->key);
    __atomic_store_n(&store->n_published, store->series->len - 1, __ATOMIC_RELEASE);
    g_ptr_array_remove_index(store->series, store->series->len - 1);
    st->n_series--;
}

RondoSeries *
rondo_store_register(RondoStore *store, const char *name, const char *const *labels, GError **error)
{
    g_return_val_if_fail(store != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    RondoSeries *s = NULL;
    return rondo_store_register_all(store, 1, &name, &labels, &s, error) ? s : NULL;
}

/* Forgets the last @n series registered (a batch that failed). */
static void
store_drop_last_n(RondoStore *store, guint n)
{
    for (; n > 0; n--) {
        const RondoSeries *last = g_ptr_array_index(store->series, store->series->len - 1);
        store_drop_last_series(store, schema_state(store, last->schema));
    }
}

/* Finds or adds (in memory only) one series of a batch; *added counts the new ones. */
static RondoSeries *
store_register_one(RondoStore *store, const char *name, const char *const *labels, guint *added,
                   GError **error)
{
    if (!rondo_series_validate(name, labels, error))
        return NULL;
    RondoSeries *found = rondo_store_lookup(store, name, labels);
    if (found)
        return found;
    if (!store->writable) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_READ_ONLY, "%s: opened read-only", store->path);
        return NULL;
    }
    guint si = store_schema_for(store, name, labels);
    if (si == G_MAXUINT) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_NOT_FOUND, "%s: no schema accepts series %s",
                    store->path, name);
        return NULL;
    }
    RondoSchemaState *st = schema_state(store, si);
    if (st->n_series >= st->schema->series_max) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_FULL, "%s: schema “%s” is full (series_max %u)",
                    store->path, st->schema->name, st->schema->series_max);
        return NULL;
    }
    if (!column_is_free(store, st, st->n_series, error))
        return NULL;
    RondoSeries *s = rondo_series_new(name, labels, si, st->n_series, store->series->len);
    gboolean ok = store_adopt_series(store, s, error);
    g_assert(ok); /* a fresh column in a checked store cannot fail */
    (*added)++;
    return s;
}

/* A description replaced by a batch, to put back if the batch fails. */
typedef struct {
    RondoSeries *series;
    RondoSeriesDesc *previous;
} DescChange;

/* Each spec's description (NULL: it describes nothing), all checked first. */
static GPtrArray *
specs_descs(guint n, const RondoSeriesSpec *specs, GError **error)
{
    g_autoptr(GPtrArray) descs = g_ptr_array_new_full(n, (GDestroyNotify)rondo_series_desc_free);
    for (guint i = 0; i < n; i++) {
        const RondoSeriesSpec *sp = &specs[i];
        RondoSeriesDesc *d = NULL;
        if (sp->type != RONDO_SERIES_UNKNOWN || sp->unit != NULL || sp->help != NULL) {
            d = rondo_series_desc_new(sp->type, sp->unit, sp->help, error);
            if (d == NULL) {
                g_prefix_error(error, "series “%s”: ", sp->name ? sp->name : "");
                return NULL;
            }
        }
        g_ptr_array_add(descs, d);
    }
    return g_steal_pointer(&descs);
}

/* Gives @s the description @desc (owned) unless it has it already; the
 * replaced one of an existing series is remembered in @changes. */
static gboolean
store_describe_one(RondoStore *store, RondoSeries *s, RondoSeriesDesc *desc, guint n_old,
                   GArray *changes, GError **error)
{
    g_autoptr(RondoSeriesDesc) d = desc;
    if (d == NULL || rondo_series_desc_equal(s->desc, d))
        return TRUE;
    if (!store->writable) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_READ_ONLY,
                    "%s: opened read-only; cannot describe series %s", store->path, s->key);
        return FALSE;
    }
    if (s->id >= n_old) { /* registered by this batch: dropped whole if the batch fails */
        rondo_series_desc_swap(s, g_steal_pointer(&d), store->retired);
        return TRUE;
    }
    DescChange c = {s, __atomic_exchange_n(&s->desc, g_steal_pointer(&d), __ATOMIC_ACQ_REL)};
    g_array_append_val(changes, c);
    return TRUE;
}

/* Ends a batch: keeps its description changes (@ok) or puts the previous
 * ones back, newest first; a replaced description is retired, not freed. */
static void
store_describe_end(RondoStore *store, GArray *changes, gboolean ok)
{
    for (guint i = changes->len; i-- > 0;) {
        DescChange *c = &g_array_index(changes, DescChange, i);
        if (ok) {
            if (c->previous)
                g_ptr_array_add(store->retired, c->previous);
        } else {
            rondo_series_desc_swap(c->series, c->previous, store->retired);
        }
    }
}

gboolean
rondo_store_register_specs(RondoStore *store, guint n, const RondoSeriesSpec *specs,
                           RondoSeries **ret_series, GError **error)
{
    g_return_val_if_fail(store != NULL, FALSE);
    g_return_val_if_fail(n == 0 || (specs != NULL && ret_series != NULL), FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    g_autoptr(GPtrArray) descs = specs_descs(n, specs, error);
    if (descs == NULL)
        return FALSE;
    g_autofree RondoSeries **out = g_new0(RondoSeries *, n + 1);
    g_autoptr(GArray) changes = g_array_new(FALSE, FALSE, sizeof(DescChange));
    guint n_old = store->series->len, added = 0;
    gboolean ok = TRUE;
    for (guint i = 0; ok && i < n; i++) {
        out[i] = store_register_one(store, specs[i].name, specs[i].labels, &added, error);
        ok = out[i] != NULL && store_describe_one(store, out[i], g_steal_pointer(&descs->pdata[i]),
                                                  n_old, changes, error);
    }
    /* As rondo_store_register(): the index first, then the slab directories. */
    if (ok && (added > 0 || changes->len > 0))
        ok = rondo_index_write(store, error);
    for (guint i = n_old; ok && i < store->series->len; i++)
        ok = series_check_dirs(store, g_ptr_array_index(store->series, i), error);
    if (added > 0)
        rondo_store_release_coarse(store); /* column_is_free() and the checks read them */
    store_describe_end(store, changes, ok);
    if (!ok) {
        store_drop_last_n(store, added);
        return FALSE;
    }
    memcpy(ret_series, out, n * sizeof *out);
    return TRUE;
}

gboolean
rondo_store_register_all(RondoStore *store, guint n, const char *const *names,
                         const char *const *const *labels, RondoSeries **ret_series, GError **error)
{
    g_return_val_if_fail(store != NULL, FALSE);
    g_return_val_if_fail(n == 0 || (names != NULL && ret_series != NULL), FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    g_autofree RondoSeriesSpec *specs = g_new0(RondoSeriesSpec, n + 1);
    for (guint i = 0; i < n; i++) {
        specs[i].name = names[i];
        specs[i].labels = labels != NULL ? labels[i] : NULL;
    }
    return rondo_store_register_specs(store, n, specs, ret_series, error);
}

gsize
rondo_store_record_batch(RondoStore *store, RondoSeries *const *series, const double *values,
                         gsize n, guint64 timestamp_ns)
{
    gsize dropped = 0;
    for (gsize i = 0; i < n; i++)
        dropped += ring_write(series[i]->slab0, series[i]->column, values[i], timestamp_ns) !=
                   RONDO_RECORD_OK;
    return dropped;
}

const char *
rondo_store_get_path(const RondoStore *store)
{
    g_return_val_if_fail(store != NULL, NULL);
    return store->path;
}

gboolean
rondo_store_is_writable(const RondoStore *store)
{
    g_return_val_if_fail(store != NULL, FALSE);
    return store->writable;
}

guint
rondo_store_get_n_schemas(const RondoStore *store)
{
    g_return_val_if_fail(store != NULL, 0);
    return store->schemas->len;
}

const RondoSchema *
rondo_store_get_schema(const RondoStore *store, guint index)
{
    g_return_val_if_fail(store != NULL && index < store->schemas->len, NULL);
    return schema_state(store, index)->schema;
}

guint
rondo_store_get_format_version(const RondoStore *store)
{
    g_return_val_if_fail(store != NULL, 0);
    return store->version;
}

guint64
rondo_store_get_tier_bytes(const RondoStore *store, guint schema, guint tier)
{
    g_return_val_if_fail(store != NULL, 0);
    RondoSlab *slab = rondo_store_slab(store, schema, tier);
    return slab ? slab->map_bytes : 0;
}

guint64
rondo_store_get_bytes(const RondoStore *store)
{
    g_return_val_if_fail(store != NULL, 0);
    const char *files[] = {RONDO_META_FILE, RONDO_INDEX_FILE, RONDO_LOCK_FILE};
    guint64 total = store->bytes;
    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *path = g_build_filename(store->path, files[i], NULL);
        GStatBuf st;
        if (g_stat(path, &st) == 0)
            total += (guint64)st.st_size;
    }
    return total;
}

guint
rondo_store_get_n_series(const RondoStore *store)
{
    g_return_val_if_fail(store != NULL, 0);
    return __atomic_load_n(&store->n_published, __ATOMIC_ACQUIRE);
}

RondoSeries *
rondo_store_get_series(const RondoStore *store, guint id)
{
    g_return_val_if_fail(store != NULL, NULL);
    return id < rondo_store_get_n_series(store) ? g_ptr_array_index(store->series, id) : NULL;
}

RondoSlab *
rondo_store_slab(const RondoStore *store, guint schema, guint tier)
{
    if (schema >= store->schemas->len)
        return NULL;
    RondoSchemaState *st = schema_state(store, schema);
    return tier < st->schema->n_tiers ? st->slabs[tier] : NULL;
}

guint64
rondo_store_get_dropped(const RondoStore *store, guint schema)
{
    g_return_val_if_fail(store != NULL, 0);
    RondoSlab *slab = rondo_store_slab(store, schema, 0);
    return slab ? ring_load_u64(&slab->state->dropped) : 0;
}

guint64
rondo_store_get_head_ns(const RondoStore *store, guint schema, guint tier)
{
    g_return_val_if_fail(store != NULL, 0);
    RondoSlab *slab = rondo_store_slab(store, schema, tier);
    return slab ? ring_load_u64_acquire(&slab->hdr->head_ns) : 0;
}

gboolean
rondo_store_get_window(const RondoStore *store, guint schema, guint tier, guint64 *ret_oldest_ns,
                       guint64 *ret_newest_ns)
{
    g_return_val_if_fail(store != NULL, FALSE);
    RondoSlab *slab = rondo_store_slab(store, schema, tier);
    guint64 head = slab ? ring_load_u64_acquire(&slab->hdr->head_ns) : 0;
    if (head == 0)
        return FALSE;
    guint64 span = slab->window_ns - slab->interval_ns;
    if (ret_oldest_ns)
        *ret_oldest_ns = head > span ? head - span : slab->interval_ns;
    if (ret_newest_ns)
        *ret_newest_ns = head;
    return TRUE;
}

guint64
rondo_store_get_consolidated_ns(const RondoStore *store, guint schema, guint tier)
{
    g_return_val_if_fail(store != NULL, 0);
    RondoSlab *slab = rondo_store_slab(store, schema, tier);
    return slab && tier > 0 ? ring_load_u64_acquire(&slab->state->filled_until_ns) : 0;
}
