/* fuzz-json.c - the store's JSON files through the library's loaders.
 *
 * Input: a selector byte, then the file. Selector % 3: 0 meta.json
 * (rondo_meta_read), 1 series.json (rondo_index_read), 2 a drain cursor
 * file, loaded by rondo_drain_new_at() for a small fixture store made on
 * first use (two schemas, two tiers, a minute of points); bit 2 of the
 * selector picks the cursor's tier.
 *
 * Oracle beyond the sanitizers: schemas meta.json gives are valid and
 * written back (rondo_meta_write) they read again as the same schemas.
 */
#include "config.h"
#include <glib/gstdio.h>
#include "fuzz.h"
#include "internal.h"

#define FIXTURE_T0_NS (G_GUINT64_CONSTANT(1700000000) * G_GUINT64_CONSTANT(1000000000))

static RondoStore *fixture;
static char *fixture_cursors;

static RondoSchema *
fixture_schema(const char *name)
{
    g_autoptr(RondoSchema) schema = rondo_schema_new(name, 4, NULL);
    if (schema == NULL || !rondo_schema_add_tier(schema, 1000000000, 60, 0, NULL) ||
        !rondo_schema_add_tier(schema, 10000000000, 12,
                               RONDO_CF_BIT(RONDO_CF_AVERAGE) | RONDO_CF_BIT(RONDO_CF_MAX), NULL))
        fuzz_fail("fixture schema");
    return g_steal_pointer(&schema);
}

static void
fixture_close(void)
{
    g_clear_pointer(&fixture, rondo_store_close);
    g_clear_pointer(&fixture_cursors, g_free);
}

/* A store whose contents never change: created, filled, reopened read-only. */
static RondoStore *
fixture_get(void)
{
    if (fixture != NULL)
        return fixture;
    g_autofree char *path = g_build_filename(fuzz_dir(), "fixture", NULL);
    g_autoptr(RondoSchema) vmm = fixture_schema("vmm");
    g_autoptr(RondoSchema) other = fixture_schema("other");
    if (!rondo_schema_add_matcher(vmm, "__name__", RONDO_MATCH_REGEX, "vm_.*", NULL))
        fuzz_fail("fixture matcher");
    RondoSchema *schemas[] = {vmm, other};
    g_autoptr(RondoStore) store = rondo_store_create(path, schemas, 2, NULL);
    RondoSeries *a = store ? rondo_store_register(store, "vm_a", NULL, NULL) : NULL;
    RondoSeries *b = store ? rondo_store_register(store, "host_b", NULL, NULL) : NULL;
    if (a == NULL || b == NULL)
        fuzz_fail("fixture store");
    for (guint i = 0; i < 60; i++) {
        rondo_series_record(a, i, FIXTURE_T0_NS + i * G_GUINT64_CONSTANT(1000000000));
        rondo_series_record(b, -(double)i, FIXTURE_T0_NS + i * G_GUINT64_CONSTANT(1000000000));
    }
    if (!rondo_store_consolidate(store, 0, NULL, NULL))
        fuzz_fail("fixture consolidation");
    g_clear_pointer(&store, rondo_store_close);
    fixture = rondo_store_open(path, RONDO_OPEN_READ_ONLY, NULL);
    fixture_cursors = g_build_filename(fuzz_dir(), "cursors", NULL);
    if (fixture == NULL || g_mkdir(fixture_cursors, 0700) != 0)
        fuzz_fail("fixture reopen");
    atexit(fixture_close); /* runs before fuzz_dir()'s removal: registered after it */
    return fixture;
}

static void
meta_round_trip(GPtrArray *schemas)
{
    g_autofree char *again = g_build_filename(fuzz_dir(), "again", NULL);
    g_autoptr(GError) error = NULL;
    if (g_mkdir(again, 0700) != 0 ||
        !rondo_meta_write(again, (RondoSchema *const *)schemas->pdata, schemas->len, &error))
        fuzz_fail("meta.json written back: %s", error ? error->message : "mkdir");
    g_autoptr(GPtrArray) back = rondo_meta_read(again, NULL, &error);
    if (back == NULL || back->len != schemas->len)
        fuzz_fail("meta.json written back does not read: %s", error ? error->message : "count");
    for (guint i = 0; i < schemas->len; i++) {
        if (rondo_schema_hash(g_ptr_array_index(back, i)) !=
            rondo_schema_hash(g_ptr_array_index(schemas, i)))
            fuzz_fail("schema %u changed when written back", i);
    }
}

static void
cursor_load(guint tier, const guint8 *data, gsize n)
{
    RondoStore *store = fixture_get();
    g_autofree char *name = g_strdup_printf("cursors/drain-fuzz.%u.json", tier);
    g_free(fuzz_file_write(name, data, n));
    g_autoptr(RondoDrain) drain = rondo_drain_new_at(store, fixture_cursors, "fuzz", tier, NULL);
    RondoSeries *series;
    guint64 ts, points = 0;
    double v;
    while (drain != NULL && rondo_drain_next(drain, &series, &ts, &v)) {
        if (++points > 60 * 4 * 2)
            fuzz_fail("drain of tier %u: more points than slots", tier);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size == 0)
        return 0;
    const guint8 *file = data + 1;
    gsize n = size - 1;
    switch (data[0] % 3) {
    case 0: {
        g_free(fuzz_file_write(RONDO_META_FILE, file, n));
        g_autoptr(GPtrArray) schemas = rondo_meta_read(fuzz_dir(), NULL, NULL);
        if (schemas != NULL)
            meta_round_trip(schemas);
        fuzz_remove(RONDO_META_FILE);
        fuzz_remove("again");
        break;
    }
    case 1: {
        g_free(fuzz_file_write(RONDO_INDEX_FILE, file, n));
        GPtrArray *series = rondo_index_read(fuzz_dir(), RONDO_INDEX_BYTES_MAX, NULL);
        if (series != NULL)
            g_ptr_array_unref(series);
        fuzz_remove(RONDO_INDEX_FILE);
        break;
    }
    default:
        cursor_load((data[0] >> 2) & 1, file, n);
        break;
    }
    return 0;
}
