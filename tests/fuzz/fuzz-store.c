/* fuzz-store.c - a store's files as the outside world may leave them.
 *
 * Input: a flags byte, then the files separated by FUZZ_SEP: meta.json,
 * series.json, then one part per slab in meta.json's order (schema by
 * schema, tier by tier). With FLAG_FIT a slab gets the size meta.json
 * implies and a valid header for its schema, the input giving the bytes
 * from head_ns on (zeros past its end): the fuzzer reaches the cursors,
 * the directory and the rings, not only the header checks. Without it a
 * slab is written as given.
 *
 * The store is opened read-only, every series queried on every tier and
 * function (and in auto mode), rondo_store_check() run and every tier
 * drained. Oracles beyond the sanitizers: a query returns points in
 * strictly increasing time order, at most one per slot it can read; a
 * drain returns at most one point per slot and series.
 */
#include "config.h"
#include <string.h>
#include <glib/gstdio.h>
#include "fuzz.h"
#include "internal.h"

#define FLAG_FIT        1u
#define SLABS_BYTES_MAX ((guint64)256 << 10) /* all slabs of one input */

static void
slab_write(const RondoSchema *schema, guint tier, GBytes *part, gboolean fit)
{
    g_autofree char *name = g_strdup_printf("%s.%u.slab", schema->name, tier);
    gsize n = 0;
    const guint8 *data = part ? g_bytes_get_data(part, &n) : NULL;
    if (!fit) {
        if (part != NULL)
            g_free(fuzz_file_write(name, data, n));
        return;
    }
    gsize bytes = (gsize)rondo_schema_get_tier_bytes(schema, tier);
    g_autofree guint8 *buf = g_malloc0(bytes);
    if (data != NULL)
        memcpy(buf, data, MIN(n, bytes));
    RondoSlabHeader hdr;
    rondo_slab_header_init(&hdr, schema, tier, bytes);
    memcpy(buf, &hdr, G_STRUCT_OFFSET(RondoSlabHeader, head_ns));
    g_free(fuzz_file_write(name, buf, bytes));
}

/* FALSE when meta.json does not parse or its slabs would be too large. */
static gboolean
slabs_write(GPtrArray *parts, gboolean fit)
{
    g_autoptr(GPtrArray) schemas = rondo_meta_read(fuzz_dir(), NULL, NULL);
    if (schemas == NULL)
        return FALSE;
    guint64 total = 0;
    for (guint s = 0; s < schemas->len; s++)
        total += rondo_schema_get_bytes(g_ptr_array_index(schemas, s));
    if (total > SLABS_BYTES_MAX)
        return FALSE;
    guint part = 2;
    for (guint s = 0; s < schemas->len; s++) {
        const RondoSchema *schema = g_ptr_array_index(schemas, s);
        for (guint t = 0; t < schema->n_tiers; t++, part++)
            slab_write(schema, t, part < parts->len ? g_ptr_array_index(parts, part) : NULL, fit);
    }
    return TRUE;
}

static void
points_check(RondoQueryIter *iter, guint64 points_max, const char *what)
{
    guint64 t = 0, prev = 0, n = 0;
    double v;
    while (rondo_query_iter_next(iter, &t, &v)) {
        if (t <= prev)
            fuzz_fail("%s: point at %" G_GUINT64_FORMAT " after %" G_GUINT64_FORMAT, what, t, prev);
        if (++n > points_max)
            fuzz_fail("%s: more than %" G_GUINT64_FORMAT " points", what, points_max);
        prev = t;
    }
}

static void
series_query(const RondoStore *store, const RondoSeries *series)
{
    const RondoSchema *schema = rondo_store_get_schema(store, rondo_series_get_schema(series));
    guint64 slots_all = 0;
    for (guint tier = 0; tier < schema->n_tiers; tier++) {
        slots_all += schema->tiers[tier].slots;
        for (guint cf = 0; cf < RONDO_CF_N_FUNCTIONS; cf++) {
            RondoQueryIter iter;
            if (rondo_query_iter_init(&iter, store, series, tier, cf, 0, G_MAXUINT64, NULL))
                points_check(&iter, schema->tiers[tier].slots, "query");
        }
    }
    for (guint cf = 0; cf < RONDO_CF_N_FUNCTIONS; cf++) {
        RondoQueryIter iter;
        if (rondo_query_iter_init_auto(&iter, store, series, cf, RONDO_TIME_MIN_NS,
                                       RONDO_TIME_MAX_NS, NULL))
            points_check(&iter, slots_all, "auto query");
    }
}

static void
drain_all(RondoStore *store, const char *cursor_dir)
{
    guint64 points_max[RONDO_TIERS_MAX] = {0};
    for (guint s = 0; s < rondo_store_get_n_schemas(store); s++) {
        const RondoSchema *schema = rondo_store_get_schema(store, s);
        for (guint t = 0; t < schema->n_tiers; t++)
            points_max[t] += (guint64)schema->tiers[t].slots * schema->series_max;
    }
    for (guint t = 0; t < RONDO_TIERS_MAX && points_max[t] > 0; t++) {
        g_autoptr(RondoDrain) drain = rondo_drain_new_at(store, cursor_dir, "fuzz", t, NULL);
        RondoSeries *series;
        guint64 ts, n = 0;
        double v;
        while (drain != NULL && rondo_drain_next(drain, &series, &ts, &v)) {
            if (++n > points_max[t])
                fuzz_fail("drain of tier %u: more than %" G_GUINT64_FORMAT " points", t,
                          points_max[t]);
        }
    }
}

static void
problem_count(const char *problem, gpointer user_data)
{
    guint *n = user_data;
    *n += problem[0] != '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size == 0)
        return 0;
    g_autoptr(GPtrArray) parts = fuzz_split(data + 1, size - 1);
    for (guint i = 0; i < MIN(parts->len, 2u); i++) {
        gsize n = 0;
        const void *bytes = g_bytes_get_data(g_ptr_array_index(parts, i), &n);
        g_free(fuzz_file_write(i == 0 ? RONDO_META_FILE : RONDO_INDEX_FILE, bytes, n));
    }
    if (slabs_write(parts, (data[0] & FLAG_FIT) != 0)) {
        g_autoptr(RondoStore) store = rondo_store_open(fuzz_dir(), RONDO_OPEN_READ_ONLY, NULL);
        if (store != NULL) {
            for (guint i = 0; i < rondo_store_get_n_series(store); i++)
                series_query(store, rondo_store_get_series(store, i));
            guint problems = 0;
            rondo_store_check(store, 0, problem_count, &problems);
            g_autofree char *cursors = g_build_filename(fuzz_dir(), "cursors", NULL);
            g_mkdir(cursors, 0700);
            drain_all(store, cursors);
        }
    }
    fuzz_dir_clear();
    return 0;
}
