/* resize.c - rondo_store_resize(): a store's schemas grown in place (more
 * series, more slots, more tiers, more functions), every value kept bit for
 * bit, crash-safe.
 *
 * Why in the library: the ring arithmetic (format.h, ring.h) decides where a
 * value lives, and the new slabs must agree with every reader to the bit.
 *
 * Under the writer lock, after what a killed upgrade or resize left is
 * finished or undone (staging.c), every slab of each schema that changes is
 * written anew in the staging directory: header new (its schema hash and
 * geometry change), state block, head and directory copied, then each value
 * a reader of the old slab could see moved to its ring slot in the new
 * geometry (slot time t goes to (t / interval_ns) mod slots) with its tag,
 * both as raw bits. Added tiers and functions start empty. Each new slab is
 * synced and compared with the old one before it is closed; meta.json
 * follows; then the swap (staging.c). series.json, the lock and the drain
 * cursors are not touched: a series keeps its id, schema and column.
 *
 * Invariants: the new geometry only grows (checked first), so the readable
 * slot times of an old tier, at most `slots` consecutive ones, land in
 * distinct ring slots of the new one; a value nobody could read (a tag 0,
 * RONDO_SLOT_CLAIMING, or a slot time older than the window) is not copied,
 * so a longer window cannot bring an expired value back.
 */
#include "config.h"
#include <string.h>
#include "file.h"
#include "ring.h"

/* TRUE when a reader of @slab sees the values tagged @t (ring.h's rule). */
static gboolean
resize_readable(const RondoSlab *slab, guint64 t)
{
    guint64 head = slab->hdr->head_ns;
    return t != 0 && t != RONDO_SLOT_CLAIMING && t <= head && head - t < slab->window_ns;
}

/* Column @c of function @f's group: where it is in @slab. */
static guint32
resize_column(const RondoSlab *slab, guint f, guint32 c)
{
    g_assert(slab->group_of[f] >= 0); /* tier 0's slab too: its one group, last */
    return ring_group_column(slab, (guint)slab->group_of[f], c);
}

/* Cell layout: each readable cell of @src to its new ring slot in @dst. */
static void
resize_copy_cells(RondoSlab *dst, const RondoSlab *src)
{
    for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
        if (src->group_of[f] < 0)
            continue;
        for (guint32 c = 0; c < src->series_max; c++) {
            for (guint32 r = 0; r < src->slots; r++) {
                const RondoCell *from = ring_cell(src, resize_column(src, f, c), r);
                if (!resize_readable(src, from->t))
                    continue;
                RondoCell *to =
                    ring_cell(dst, resize_column(dst, f, c), ring_slot_for_time(dst, from->t));
                memcpy(to, from, sizeof *to);
            }
        }
    }
}

/* Row layout: each readable row of @src, tag and values, to its new ring slot. */
static void
resize_copy_rows(RondoSlab *dst, const RondoSlab *src)
{
    for (guint32 r = 0; r < src->slots; r++) {
        if (!resize_readable(src, src->ts[r]))
            continue;
        guint32 to = ring_slot_for_time(dst, src->ts[r]);
        memcpy(&dst->ts[to], &src->ts[r], 8);
        for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
            for (guint32 c = 0; src->group_of[f] >= 0 && c < src->series_max; c++)
                memcpy(ring_value(dst, resize_column(dst, f, c), to),
                       ring_value(src, resize_column(src, f, c), r), 8);
        }
    }
}

/* The paired check of one ring slot @r of @src: its readable values are in
 * @dst, bit for bit. */
static gboolean
resize_compare_slot(const RondoSlab *dst, const RondoSlab *src, guint32 r)
{
    for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
        for (guint32 c = 0; src->group_of[f] >= 0 && c < src->series_max; c++) {
            guint32 cs = resize_column(src, f, c), cd = resize_column(dst, f, c);
            if (src->cells != NULL) {
                const RondoCell *a = ring_cell(src, cs, r);
                if (resize_readable(src, a->t) &&
                    memcmp(a, ring_cell(dst, cd, ring_slot_for_time(dst, a->t)), sizeof *a) != 0)
                    return FALSE;
            } else if (resize_readable(src, src->ts[r])) {
                guint32 to = ring_slot_for_time(dst, src->ts[r]);
                if (dst->ts[to] != src->ts[r] ||
                    memcmp(ring_value(src, cs, r), ring_value(dst, cd, to), 8) != 0)
                    return FALSE;
            }
        }
    }
    return TRUE;
}

/* The paired check of the values: every one @src's readers see is in @dst. */
static gboolean
resize_compare(const RondoSlab *dst, const RondoSlab *src)
{
    for (guint32 r = 0; r < src->slots; r++) {
        if (!resize_compare_slot(dst, src, r))
            return FALSE;
    }
    return TRUE;
}

/* @src's readable values into @dst, in the new geometry of the same layout. */
static void
resize_copy(RondoSlab *dst, const RondoSlab *src)
{
    g_assert(src->version == RONDO_SLAB_VERSION && (src->cells == NULL) == (dst->cells == NULL));
    if (src->cells != NULL)
        resize_copy_cells(dst, src);
    else
        resize_copy_rows(dst, src);
}

static gboolean
resize_refuse(GError **error, const RondoSchema *schema, const char *problem)
{
    g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID, "schema “%s”: %s", schema->name, problem);
    return FALSE;
}

/* Tier @t of @grown against the same tier of @old: only more slots and
 * more functions. */
static gboolean
resize_check_tier(const RondoSchema *old, const RondoSchema *grown, guint t, GError **error)
{
    const RondoTier *a = &old->tiers[t], *b = &grown->tiers[t];
    g_autofree char *what = NULL;
    if (a->interval_ns != b->interval_ns)
        what = g_strdup_printf("tier %u: its interval cannot change (%" G_GUINT64_FORMAT
                               " ns, not %" G_GUINT64_FORMAT " ns); tiers can only be added "
                               "after the last one",
                               t, a->interval_ns, b->interval_ns);
    else if (b->slots < a->slots)
        what = g_strdup_printf("tier %u: %u slots are fewer than its %u; shrinking is not "
                               "supported, as it would drop stored values",
                               t, b->slots, a->slots);
    else if (t > 0 && (a->functions & ~b->functions) != 0)
        what = g_strdup_printf("tier %u: a resize cannot remove a consolidation function", t);
    return what == NULL || resize_refuse(error, old, what);
}

static gboolean
resize_same_matchers(const RondoSchema *a, const RondoSchema *b)
{
    if (a->matchers->len != b->matchers->len)
        return FALSE;
    for (guint i = 0; i < a->matchers->len; i++) {
        const RondoMatcher *x = g_ptr_array_index(a->matchers, i);
        const RondoMatcher *y = g_ptr_array_index(b->matchers, i);
        if (x->op != y->op || !g_str_equal(x->label, y->label) || !g_str_equal(x->value, y->value))
            return FALSE;
    }
    return TRUE;
}

/* @grown may replace @old: the same name and matchers, nothing smaller. */
static gboolean
resize_check_schema(const RondoSchema *old, const RondoSchema *grown, GError **error)
{
    if (!g_str_equal(old->name, grown->name)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "schema “%s” is given where the store has “%s”: a resize cannot add, remove, "
                    "rename or reorder schemas",
                    grown->name, old->name);
        return FALSE;
    }
    if (!rondo_schema_validate(grown, error))
        return FALSE;
    if (!resize_same_matchers(old, grown))
        return resize_refuse(error, old, "a resize cannot change the matchers");
    if (grown->series_max < old->series_max) {
        g_autofree char *what =
            g_strdup_printf("series_max %u is smaller than its %u; shrinking is "
                            "not supported, as it would drop columns",
                            grown->series_max, old->series_max);
        return resize_refuse(error, old, what);
    }
    if (grown->n_tiers < old->n_tiers)
        return resize_refuse(error, old, "a resize cannot remove tiers");
    for (guint t = 0; t < old->n_tiers; t++) {
        if (!resize_check_tier(old, grown, t, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
resize_schema_same(const RondoSchema *a, const RondoSchema *b)
{
    return a->series_max == b->series_max && a->n_tiers == b->n_tiers &&
           memcmp(a->tiers, b->tiers, sizeof a->tiers[0] * a->n_tiers) == 0;
}

/* The store's version and @schemas against the store's; *ret_changed
 * says whether any schema grows. */
static gboolean
resize_check(RondoStore *store, RondoSchema *const *schemas, guint n, gboolean *ret_changed,
             GError **error)
{
    guint version = rondo_store_get_format_version(store);
    if (version != RONDO_STORE_VERSION) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_VERSION,
                    "%s: store format version %u: run `rondo upgrade %s` first", store->path,
                    version, store->path);
        return FALSE;
    }
    if (n != store->schemas->len) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "%s: the store has %u schemas, %u given: a resize cannot add or remove "
                    "schemas",
                    store->path, store->schemas->len, n);
        return FALSE;
    }
    gboolean changed = FALSE;
    for (guint s = 0; s < n; s++) {
        const RondoSchema *old = rondo_store_get_schema(store, s);
        if (!resize_check_schema(old, schemas[s], error))
            return FALSE;
        changed |= !resize_schema_same(old, schemas[s]);
    }
    *ret_changed = changed;
    return TRUE;
}

/* Every slab of every schema that grows, then meta.json, in @staging. */
static gboolean
resize_stage(RondoStore *store, RondoSchema *const *schemas, guint n, const char *staging,
             GError **error)
{
    if (!rondo_file_mkdir(staging, NULL, error))
        return FALSE;
    for (guint s = 0; s < n; s++) {
        const RondoSchema *old = rondo_store_get_schema(store, s);
        if (resize_schema_same(old, schemas[s]))
            continue;
        for (guint t = 0; t < schemas[s]->n_tiers; t++) {
            g_autofree char *dst = rondo_slab_path(staging, schemas[s]->name, t);
            const RondoSlab *src = t < old->n_tiers ? rondo_store_slab(store, s, t) : NULL;
            if (!rondo_staging_slab(dst, schemas[s], t, src, resize_copy, resize_compare, error))
                return FALSE;
        }
    }
    return rondo_meta_write(staging, schemas, n, error);
}

gboolean
rondo_store_resize(const char *path, RondoSchema *const *schemas, guint n_schemas,
                   gboolean *ret_changed, GError **error)
{
    g_return_val_if_fail(path != NULL && (schemas != NULL || n_schemas == 0), FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    g_autoptr(RondoStore) store = rondo_store_open_locked(path, rondo_staging_recover, error);
    gboolean changed = FALSE;
    if (store == NULL ||
        (n_schemas > 0 && !resize_check(store, schemas, n_schemas, &changed, error)))
        return FALSE;
    if (changed) {
        g_autofree char *staging = g_build_filename(path, RONDO_RESIZE_STAGING, NULL);
        if (!resize_stage(store, schemas, n_schemas, staging, error)) {
            g_autoptr(GError) ignored = NULL;
            rondo_staging_remove(staging, &ignored);
            return FALSE;
        }
        if (!rondo_staging_commit(path, RONDO_RESIZE_STAGING, RONDO_RESIZE_DONE, error))
            return FALSE;
    }
    if (ret_changed)
        *ret_changed = changed;
    return TRUE;
}
