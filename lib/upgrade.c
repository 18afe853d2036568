/* upgrade.c - rondo_store_upgrade(): a store of an older format version
 * converted in place, bit for bit, crash-safe.
 *
 * Why in the library: only the library knows both layouts (format.h), and
 * the conversion must agree with its readers to the bit.
 *
 * Steps, all under the writer lock (so no writer moves a value meanwhile):
 *   1. recover: a STAGING directory left by a killed upgrade is removed
 *      (the old files were never touched); a DONE directory is finished
 *      (step 4).
 *   2. every slab is written anew into STAGING (rondo_slab_create(), then
 *      its header, state, directory and values copied; tier 0 from rows
 *      into tagged cells), synced, and compared with the old one, cell by
 *      cell, bit by bit; then meta.json of the new version.
 *   3. STAGING is renamed DONE: the commit point. Until here the store is
 *      the old one, whole.
 *   4. each file of DONE is renamed over the old one, the slabs first and
 *      meta.json last, then DONE is removed.
 * series.json, the lock and the drain cursors do not change.
 */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "file.h"
#include "ring.h"

#define UPGRADE_STAGING ".upgrade"
#define UPGRADE_DONE    ".upgrade-done"

/* The names in @dir, read whole before any of them is renamed away. */
static GPtrArray *
upgrade_list(const char *dir)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL)
        g_ptr_array_add(names, g_strdup(name));
    return names;
}

/* Removes the directory @dir, which must be empty; gone already is fine. */
static gboolean
upgrade_rmdir(const char *dir, GError **error)
{
    if (g_rmdir(dir) != 0 && errno != ENOENT) {
        int e = errno;
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_IO, "%s: cannot remove: %s", dir,
                    g_strerror(e));
        return FALSE;
    }
    return TRUE;
}

/* Removes @dir and the plain files in it (a staging directory has no more). */
static gboolean
upgrade_remove_dir(const char *dir, GError **error)
{
    g_autoptr(GPtrArray) names = upgrade_list(dir);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *p = g_build_filename(dir, (const char *)g_ptr_array_index(names, i), NULL);
        (void)g_unlink(p);
    }
    return upgrade_rmdir(dir, error);
}

/* Step 4: the files of DONE over the old ones, meta.json last; DONE goes
 * only once it is empty, so a failure leaves it for the next call. */
static gboolean
upgrade_swap(const char *path, GError **error)
{
    g_autofree char *done = g_build_filename(path, UPGRADE_DONE, NULL);
    g_autoptr(GPtrArray) names = upgrade_list(done);
    gboolean meta = FALSE;
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *from = g_build_filename(done, name, NULL);
        g_autofree char *to = g_build_filename(path, name, NULL);
        if (g_str_equal(name, RONDO_META_FILE))
            meta = TRUE;
        else if (!rondo_file_rename(from, to, error))
            return FALSE;
    }
    g_autofree char *meta_from = g_build_filename(done, RONDO_META_FILE, NULL);
    g_autofree char *meta_to = g_build_filename(path, RONDO_META_FILE, NULL);
    if (meta && !rondo_file_rename(meta_from, meta_to, error))
        return FALSE;
    return upgrade_rmdir(done, error);
}

/* Step 1, under the lock: what a killed upgrade left is finished or undone. */
static gboolean
upgrade_recover(const char *path, GError **error)
{
    g_autofree char *staging = g_build_filename(path, UPGRADE_STAGING, NULL);
    g_autofree char *done = g_build_filename(path, UPGRADE_DONE, NULL);
    if (!upgrade_remove_dir(staging, error))
        return FALSE;
    return !g_file_test(done, G_FILE_TEST_IS_DIR) || upgrade_swap(path, error);
}

/* Copies the raw 8 bytes at @from to @to: NaN payloads survive. */
static inline void
copy_u64(void *to, const void *from)
{
    memcpy(to, from, 8);
}

/* The values and slot times of @src into @dst, which is new and of the
 * current version; tier 0 goes from a row layout to cells. */
static void
upgrade_copy_values(RondoSlab *dst, const RondoSlab *src)
{
    g_assert(dst->n_columns == src->n_columns && dst->slots == src->slots);
    g_assert(src->ts != NULL); /* a version-1 slab: rows */
    if (dst->cells == NULL) {
        g_assert(src->cells == NULL);
        memcpy(dst->ts, src->ts, (gsize)src->slots * 8);
        for (guint32 c = 0; c < src->n_columns; c++)
            memcpy(ring_value(dst, c, 0), ring_value(src, c, 0), (gsize)src->slots * 8);
        return;
    }
    for (guint32 c = 0; c < src->n_columns; c++) {
        for (guint32 r = 0; r < src->slots; r++) {
            RondoCell *cell = ring_cell(dst, c, r);
            copy_u64(&cell->t, &src->ts[r]);
            copy_u64(&cell->value, ring_value(src, c, r));
        }
    }
}

/* The paired check: every tag and value of @dst is @src's, bit for bit. */
static gboolean
upgrade_compare(const RondoSlab *dst, const RondoSlab *src)
{
    for (guint32 c = 0; c < src->n_columns; c++) {
        for (guint32 r = 0; r < src->slots; r++) {
            const guint64 *dt = dst->cells ? &ring_cell(dst, c, r)->t : &dst->ts[r];
            const double *dv = dst->cells ? &ring_cell(dst, c, r)->value : ring_value(dst, c, r);
            if (memcmp(dt, &src->ts[r], 8) != 0 || memcmp(dv, ring_value(src, c, r), 8) != 0)
                return FALSE;
        }
    }
    return memcmp(dst->state, src->state, sizeof *src->state) == 0 &&
           memcmp(dst->dir, src->dir, (gsize)src->series_max * sizeof *src->dir) == 0 &&
           dst->hdr->head_ns == src->hdr->head_ns;
}

/* Step 2 for one slab: @src rewritten as @dst_path, synced and checked. */
static gboolean
upgrade_slab(const char *dst_path, const RondoSchema *schema, guint tier, const RondoSlab *src,
             GError **error)
{
    RondoSlab *dst = rondo_slab_create(dst_path, schema, tier, error);
    if (dst == NULL)
        return FALSE;
    memcpy(dst->state, src->state, sizeof *src->state);
    memcpy(dst->dir, src->dir, (gsize)src->series_max * sizeof *src->dir);
    upgrade_copy_values(dst, src);
    dst->hdr->head_ns = src->hdr->head_ns;
    gboolean ok = rondo_slab_sync(dst, error);
    if (ok && !upgrade_compare(dst, src)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_IO,
                    "%s: the converted slab differs from %s after writing", dst_path, src->path);
        ok = FALSE;
    }
    rondo_slab_close(dst);
    return ok;
}

/* Step 2: every slab and meta.json of the new version, in @staging. */
static gboolean
upgrade_stage(RondoStore *store, const char *staging, GError **error)
{
    if (!rondo_file_mkdir(staging, NULL, error))
        return FALSE;
    guint n = rondo_store_get_n_schemas(store);
    g_autofree RondoSchema **schemas = g_new0(RondoSchema *, n);
    for (guint s = 0; s < n; s++) {
        schemas[s] = (RondoSchema *)rondo_store_get_schema(store, s);
        for (guint t = 0; t < schemas[s]->n_tiers; t++) {
            g_autofree char *dst = rondo_slab_path(staging, schemas[s]->name, t);
            if (!upgrade_slab(dst, schemas[s], t, rondo_store_slab(store, s, t), error))
                return FALSE;
        }
    }
    return rondo_meta_write(staging, schemas, n, error);
}

gboolean
rondo_store_upgrade(const char *path, guint *ret_from_version, GError **error)
{
    g_return_val_if_fail(path != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    g_autoptr(RondoStore) store = rondo_store_open_locked(path, upgrade_recover, error);
    if (store == NULL)
        return FALSE;
    guint from = rondo_store_get_format_version(store);
    if (from != RONDO_STORE_VERSION) {
        g_autofree char *staging = g_build_filename(path, UPGRADE_STAGING, NULL);
        g_autofree char *done = g_build_filename(path, UPGRADE_DONE, NULL);
        if (!upgrade_stage(store, staging, error)) {
            g_autoptr(GError) ignored = NULL;
            upgrade_remove_dir(staging, &ignored);
            return FALSE;
        }
        if (!rondo_file_rename(staging, done, error) || !upgrade_swap(path, error))
            return FALSE;
    }
    if (ret_from_version)
        *ret_from_version = from;
    return TRUE;
}
