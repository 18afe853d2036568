/* store-stamp.c - what a reader learns of a store's files without reloading them.
 *
 * A long-lived reader (rondod) keeps stores open while their writers
 * register series, and while operators re-create, resize or upgrade them.
 * It must notice each of these cheaply, once per scan, without knowing the
 * file names: one stat per file, compared with what the handle loaded.
 * The file layout stays the library's knowledge (storage-format.md §1).
 */
#include "config.h"
#include <sys/stat.h>
#include "internal.h"

ino_t
rondo_store_meta_inode(const char *dir)
{
    g_autofree char *meta = g_build_filename(dir, RONDO_META_FILE, NULL);
    struct stat st;
    return lstat(meta, &st) == 0 && S_ISREG(st.st_mode) ? st.st_ino : 0;
}

/* Folds one more 64-bit word into @h (a multiplicative mix, FNV's prime). */
static guint64
stamp_mix(guint64 h, guint64 word)
{
    return (h ^ word) * G_GUINT64_CONSTANT(0x100000001b3);
}

guint64
rondo_store_file_stamp(const char *dir, const char *file)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    guint64 h = G_GUINT64_CONSTANT(0xcbf29ce484222325);
    h = stamp_mix(h, (guint64)st.st_ino);
    h = stamp_mix(h, (guint64)st.st_size);
    h = stamp_mix(h, (guint64)st.st_mtim.tv_sec);
    h = stamp_mix(h, (guint64)st.st_mtim.tv_nsec);
    return h | 1; /* never 0, which means missing */
}

guint64
rondo_store_probe(const char *path)
{
    g_return_val_if_fail(path != NULL, 0);
    if (rondo_store_meta_inode(path) == 0)
        return 0;
    return stamp_mix(rondo_store_file_stamp(path, RONDO_META_FILE),
                     rondo_store_file_stamp(path, RONDO_INDEX_FILE)) |
           1;
}

gboolean
rondo_store_is_replaced(const RondoStore *store)
{
    g_return_val_if_fail(store != NULL, FALSE);
    return store->meta_ino != 0 && rondo_store_meta_inode(store->path) != store->meta_ino;
}

gboolean
rondo_store_index_changed(const RondoStore *store)
{
    g_return_val_if_fail(store != NULL, FALSE);
    return rondo_store_file_stamp(store->path, RONDO_INDEX_FILE) != store->index_stamp;
}

char *
rondo_store_get_slab_path(const RondoStore *store, guint schema, guint tier)
{
    g_return_val_if_fail(store != NULL, NULL);
    if (schema >= store->schemas->len)
        return NULL;
    const RondoSchema *s = rondo_store_get_schema(store, schema);
    if (tier >= s->n_tiers)
        return NULL;
    return rondo_slab_path(store->path, s->name, tier);
}
