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
 *      its header, state, directory and values copied: values ordered by
 *      column into values ordered by slot, tier 0 from rows (version 1) or
 *      cells (version 2) into cells), synced, and compared with the old
 *      one, value by value, bit by bit; then meta.json of the new version.
 *   3. STAGING is renamed DONE: the commit point. Until here the store is
 *      the old one, whole.
 *   4. each file of DONE is renamed over the old one, the slabs first and
 *      meta.json last, then DONE is removed.
 * series.json, the lock and the drain cursors do not change. Steps 1, 3
 * and 4 are staging.c's, shared with rondo_store_resize().
 */
#include "config.h"
#include <string.h>
#include "file.h"
#include "ring.h"

/* Copies the raw 8 bytes at @from to @to: NaN payloads survive. */
static inline void
copy_u64(void *to, const void *from)
{
    memcpy(to, from, 8);
}

/* The tag and the value of @column in ring slot @r, in either layout. */
static const guint64 *
upgrade_tag(const RondoSlab *slab, guint32 column, guint32 r)
{
    return slab->cells ? &ring_cell(slab, column, r)->t : &slab->ts[r];
}

static const double *
upgrade_value(const RondoSlab *slab, guint32 column, guint32 r)
{
    return slab->cells ? &ring_cell(slab, column, r)->value : ring_value(slab, column, r);
}

/* The values and slot times of @src into @dst, which is new and of the
 * current version: rows stay rows, their values now by slot; tier 0 goes
 * from rows or cells by column to cells by slot, each cell tagged as its
 * value was. */
static void
upgrade_copy_values(RondoSlab *dst, const RondoSlab *src)
{
    g_assert(dst->n_columns == src->n_columns && dst->slots == src->slots);
    g_assert(src->version < dst->version && (dst->cells != NULL || src->cells == NULL));
    if (dst->cells == NULL) {
        memcpy(dst->ts, src->ts, (gsize)src->slots * 8);
        for (guint32 c = 0; c < src->n_columns; c++) {
            for (guint32 r = 0; r < src->slots; r++)
                copy_u64(ring_value(dst, c, r), ring_value(src, c, r));
        }
        return;
    }
    for (guint32 c = 0; c < src->n_columns; c++) {
        for (guint32 r = 0; r < src->slots; r++) {
            RondoCell *cell = ring_cell(dst, c, r);
            copy_u64(&cell->t, upgrade_tag(src, c, r));
            copy_u64(&cell->value, upgrade_value(src, c, r));
        }
    }
}

/* The paired check: every tag and value of @dst is @src's, bit for bit. */
static gboolean
upgrade_compare(const RondoSlab *dst, const RondoSlab *src)
{
    for (guint32 c = 0; c < src->n_columns; c++) {
        for (guint32 r = 0; r < src->slots; r++) {
            if (memcmp(upgrade_tag(dst, c, r), upgrade_tag(src, c, r), 8) != 0 ||
                memcmp(upgrade_value(dst, c, r), upgrade_value(src, c, r), 8) != 0)
                return FALSE;
        }
    }
    return TRUE;
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
            if (!rondo_staging_slab(dst, schemas[s], t, rondo_store_slab(store, s, t),
                                    upgrade_copy_values, upgrade_compare, error))
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
    g_autoptr(RondoStore) store = rondo_store_open_locked(path, rondo_staging_recover, error);
    if (store == NULL)
        return FALSE;
    guint from = rondo_store_get_format_version(store);
    if (from != RONDO_STORE_VERSION) {
        g_autofree char *staging = g_build_filename(path, RONDO_UPGRADE_STAGING, NULL);
        if (!upgrade_stage(store, staging, error)) {
            g_autoptr(GError) ignored = NULL;
            rondo_staging_remove(staging, &ignored);
            return FALSE;
        }
        if (!rondo_staging_commit(path, RONDO_UPGRADE_STAGING, RONDO_UPGRADE_DONE, error))
            return FALSE;
    }
    if (ret_from_version)
        *ret_from_version = from;
    return TRUE;
}
