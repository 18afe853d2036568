/* staging.c - replacing a store's slabs and meta.json crash-safely, for
 * rondo_store_upgrade() and rondo_store_resize().
 *
 * Why one place: both rewrite every slab of a store (or of a schema) beside
 * the old ones and swap them in; a crash in either must be finished by
 * either, so the recovery knows both directory names.
 *
 * The protocol, under the writer lock:
 *   1. the new files are written complete, synced and checked in a hidden
 *      STAGING directory of the store (the old files are not touched);
 *   2. STAGING is renamed DONE: the commit point;
 *   3. each file of DONE is renamed over the old one, meta.json last, then
 *      DONE is removed.
 * Invariant: a STAGING directory never holds anything a reader needs (it is
 * removed on recovery); a DONE directory always holds a complete new set
 * (it is finished on recovery), so from the commit point on a store opened
 * reads the new files from DONE and, once moved, from the store directory
 * (rondo_staging_done_dir(), store.c): old store or new, never a mix.
 */
#include "config.h"
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include "file.h"
#include "internal.h"

static const char *const staging_pairs[][2] = {
    {RONDO_UPGRADE_STAGING, RONDO_UPGRADE_DONE},
    {RONDO_RESIZE_STAGING, RONDO_RESIZE_DONE},
};

/* The names in @dir, read whole before any of them is renamed away. */
static GPtrArray *
staging_list(const char *dir)
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
staging_rmdir(const char *dir, GError **error)
{
    if (g_rmdir(dir) != 0 && errno != ENOENT) {
        int e = errno;
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_IO, "%s: cannot remove: %s", dir,
                    g_strerror(e));
        return FALSE;
    }
    return TRUE;
}

gboolean
rondo_staging_remove(const char *dir, GError **error)
{
    g_autoptr(GPtrArray) names = staging_list(dir);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *p = g_build_filename(dir, (const char *)g_ptr_array_index(names, i), NULL);
        (void)g_unlink(p);
    }
    return staging_rmdir(dir, error);
}

/* Step 3: the files of @done over the old ones in @path, meta.json last;
 * @done goes only once it is empty, so a failure leaves it for the next call. */
static gboolean
staging_swap(const char *path, const char *done, GError **error)
{
    g_autoptr(GPtrArray) names = staging_list(done);
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
    return staging_rmdir(done, error);
}

gboolean
rondo_staging_commit(const char *path, const char *staging_name, const char *done_name,
                     GError **error)
{
    g_autofree char *staging = g_build_filename(path, staging_name, NULL);
    g_autofree char *done = g_build_filename(path, done_name, NULL);
    return rondo_file_rename(staging, done, error) && staging_swap(path, done, error);
}

gboolean
rondo_staging_recover(const char *path, GError **error)
{
    for (gsize i = 0; i < G_N_ELEMENTS(staging_pairs); i++) {
        g_autofree char *staging = g_build_filename(path, staging_pairs[i][0], NULL);
        g_autofree char *done = g_build_filename(path, staging_pairs[i][1], NULL);
        if (!rondo_staging_remove(staging, error))
            return FALSE;
        if (g_file_test(done, G_FILE_TEST_IS_DIR) && !staging_swap(path, done, error))
            return FALSE;
    }
    return TRUE;
}

char *
rondo_staging_done_dir(const char *path)
{
    for (gsize i = 0; i < G_N_ELEMENTS(staging_pairs); i++) {
        char *done = g_build_filename(path, staging_pairs[i][1], NULL);
        if (g_file_test(done, G_FILE_TEST_IS_DIR))
            return done;
        g_free(done);
    }
    return NULL;
}

gboolean
rondo_staging_slab(const char *dst_path, const RondoSchema *schema, guint tier,
                   const RondoSlab *src, RondoSlabCopyFunc copy_values,
                   RondoSlabCopyCheckFunc values_equal, GError **error)
{
    g_assert(src == NULL || src->series_max <= schema->series_max);
    RondoSlab *dst = rondo_slab_create(dst_path, schema, tier, error);
    if (dst == NULL)
        return FALSE;
    if (src != NULL) {
        memcpy(dst->state, src->state, sizeof *src->state);
        memcpy(dst->dir, src->dir, (gsize)src->series_max * sizeof *src->dir);
        copy_values(dst, src);
        dst->hdr->head_ns = src->hdr->head_ns;
    }
    gboolean ok = rondo_slab_sync(dst, error);
    if (ok && src != NULL &&
        (memcmp(dst->state, src->state, sizeof *src->state) != 0 ||
         memcmp(dst->dir, src->dir, (gsize)src->series_max * sizeof *src->dir) != 0 ||
         dst->hdr->head_ns != src->hdr->head_ns || !values_equal(dst, src))) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_IO,
                    "%s: the rewritten slab differs from %s after writing", dst_path, src->path);
        ok = FALSE;
    }
    rondo_slab_close(dst);
    return ok;
}
