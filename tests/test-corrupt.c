/* test-corrupt.c - damaged stores are refused with a clear error, and left alone.
 *
 * Each case damages one file of a small store (a slab truncated, extended,
 * foreign, of another version or with a broken checksum; meta.json or
 * series.json broken in various ways; slab directories that disagree with
 * series.json), then opens the store read-only and for writing. Each open
 * must fail with the expected RondoError, with a message naming the damaged
 * file, and must not change a byte of any file in the directory. Once the
 * damage is undone, the store opens and holds its data.
 *
 * /format/independent-reader reads a fresh store with nothing but the byte
 * layout of docs/storage-format.md (its own CRC-32 and FNV-1a), so the
 * document and the library cannot drift apart unnoticed.
 */
#include "config.h"
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

#define SERIES_MAX 4
#define N_POINTS   100
#define SLOTS0     60

/* ------------------------------------------------------- the test store */

static RondoSchema *
corrupt_schema(guint32 series_max)
{
    g_autoptr(GError) error = NULL;
    RondoSchema *schema = rondo_schema_new("vmm", series_max, &error);
    guint32 avg_max = RONDO_CF_BIT(RONDO_CF_AVERAGE) | RONDO_CF_BIT(RONDO_CF_MAX);

    g_assert_no_error(error);
    g_assert_true(rondo_schema_add_tier(schema, RONDO_NS_PER_S, SLOTS0, 0, &error));
    g_assert_true(rondo_schema_add_tier(schema, 10 * RONDO_NS_PER_S, 30, avg_max, &error));
    g_assert_true(rondo_schema_add_tier(schema, 60 * RONDO_NS_PER_S, 10,
                                        RONDO_CF_BIT(RONDO_CF_AVERAGE), &error));
    return schema;
}

/* Two series with N_POINTS points each (values i and 1000 + i), consolidated. */
static void
store_populate(const char *dir, guint32 series_max)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoSchema) schema = corrupt_schema(series_max);
    g_autoptr(RondoStore) store = rondo_store_create(dir, &schema, 1, &error);

    g_assert_no_error(error);
    RondoSeries *a = test_series(store, "vcpu_exits_total", 0);
    RondoSeries *b = test_series(store, "vcpu_exits_total", 1);
    for (guint i = 0; i < N_POINTS; i++) {
        rondo_series_record(a, i, TEST_T0 + i * RONDO_NS_PER_S);
        rondo_series_record(b, 1000 + i, TEST_T0 + i * RONDO_NS_PER_S);
    }
    g_assert_true(rondo_store_consolidate(store, 0, NULL, &error));
    g_assert_no_error(error);
}

/* The store holds what store_populate() wrote. */
static void
store_check_data(RondoStore *store)
{
    g_assert_cmpuint(rondo_store_get_n_series(store), ==, 2);
    for (guint s = 0; s < 2; s++) {
        RondoSeries *series = rondo_store_get_series(store, s);
        RondoQueryIter it;
        guint64 t;
        double v;
        guint n = 0;
        g_assert_true(
            rondo_query_iter_init(&it, store, series, 0, RONDO_CF_LAST, 0, G_MAXUINT64, NULL));
        while (rondo_query_iter_next(&it, &t, &v)) {
            guint i = (guint)((t - TEST_T0) / RONDO_NS_PER_S);
            g_assert_cmpfloat(v, ==, s * 1000.0 + i);
            n++;
        }
        g_assert_cmpuint(n, ==, SLOTS0);
    }
}

/* ------------------------------------------------------------ snapshots */

/* Every file of dir: name -> its bytes. */
static GHashTable *
dir_snapshot(const char *dir)
{
    GHashTable *snap =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    g_assert_nonnull(d);
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        char *data = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(path, &data, &len, NULL));
        g_hash_table_insert(snap, g_strdup(name), g_bytes_new_take(data, len));
    }
    return snap;
}

static void
snapshot_assert_equal(GHashTable *before, GHashTable *after, const char *when)
{
    GHashTableIter iter;
    gpointer name, bytes;

    g_hash_table_iter_init(&iter, before);
    while (g_hash_table_iter_next(&iter, &name, &bytes)) {
        GBytes *now = g_hash_table_lookup(after, name);
        if (now == NULL)
            g_error("%s: %s disappeared", when, (char *)name);
        gsize n1, n2;
        const guint8 *d1 = g_bytes_get_data(bytes, &n1), *d2 = g_bytes_get_data(now, &n2);
        g_autofree char *c1 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, d1, n1);
        g_autofree char *c2 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, d2, n2);
        if (!g_str_equal(c1, c2))
            g_error("%s: %s was modified (%" G_GSIZE_FORMAT " -> %" G_GSIZE_FORMAT " bytes)", when,
                    (char *)name, n1, n2);
    }
    g_assert_cmpuint(g_hash_table_size(after), ==, g_hash_table_size(before));
}

/* Put every file back as it was and remove any other. */
static void
snapshot_restore(GHashTable *snap, const char *dir)
{
    g_autoptr(GHashTable) now = dir_snapshot(dir);
    GHashTableIter iter;
    gpointer name, bytes;

    g_hash_table_iter_init(&iter, now);
    while (g_hash_table_iter_next(&iter, &name, &bytes)) {
        if (!g_hash_table_contains(snap, name)) {
            g_autofree char *path = g_build_filename(dir, name, NULL);
            g_assert_cmpint(unlink(path), ==, 0);
        }
    }
    g_hash_table_iter_init(&iter, snap);
    while (g_hash_table_iter_next(&iter, &name, &bytes)) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        gsize n;
        const char *data = g_bytes_get_data(bytes, &n);
        g_assert_true(g_file_set_contents(path, data, (gssize)n, NULL));
    }
}

/* ------------------------------------------------------- byte editing */

static GBytes *
file_read(const char *dir, const char *file)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    return g_bytes_new_take(data, len);
}

static void
file_write(const char *dir, const char *file, const void *data, gsize len)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
}

static void
file_truncate(const char *dir, const char *file, gsize len)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_assert_cmpint(truncate(path, (off_t)len), ==, 0);
}

static gsize
file_size(const char *dir, const char *file)
{
    g_autoptr(GBytes) b = file_read(dir, file);
    return g_bytes_get_size(b);
}

/* Overwrite n bytes at off of file in place. */
static void
file_patch(const char *dir, const char *file, gsize off, const void *data, gsize n)
{
    g_autoptr(GBytes) b = file_read(dir, file);
    gsize len = 0;
    gconstpointer bytes = g_bytes_get_data(b, &len);
    g_autofree guint8 *copy = g_memdup2(bytes, len);
    g_assert_cmpuint(off + n, <=, len);
    memcpy(copy + off, data, n);
    file_write(dir, file, copy, len);
}

static guint32
le32_at(const guint8 *p, gsize off)
{
    guint32 v;
    memcpy(&v, p + off, 4);
    return GUINT32_FROM_LE(v);
}

static guint16
le16_at(const guint8 *p, gsize off)
{
    guint16 v;
    memcpy(&v, p + off, 2);
    return GUINT16_FROM_LE(v);
}

static void
patch_u32(const char *dir, const char *file, gsize off, guint32 v)
{
    guint32 le = GUINT32_TO_LE(v);
    file_patch(dir, file, off, &le, 4);
}

static void
patch_u64(const char *dir, const char *file, gsize off, guint64 v)
{
    guint64 le = GUINT64_TO_LE(v);
    file_patch(dir, file, off, &le, 8);
}

/* CRC-32 (IEEE 802.3, reflected, as zlib) and FNV-1a 64, written from the spec. */
static guint32
ref_crc32(const guint8 *p, gsize n)
{
    guint32 table[256];
    for (guint32 i = 0; i < 256; i++) {
        guint32 c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    guint32 crc = 0xffffffffu;
    for (gsize i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return crc ^ 0xffffffffu;
}

static guint64
ref_fnv1a64(const char *s)
{
    guint64 h = G_GUINT64_CONSTANT(14695981039346656037);
    for (const guint8 *p = (const guint8 *)s; *p; p++)
        h = (h ^ *p) * G_GUINT64_CONSTANT(1099511628211);
    return h;
}

/* Recompute a slab header's checksum after editing it. */
static void
slab_fix_checksum(const char *dir, const char *file)
{
    g_autoptr(GBytes) b = file_read(dir, file);
    patch_u32(dir, file, 48, ref_crc32(g_bytes_get_data(b, NULL), 48));
}

/* ------------------------------------------------------- JSON editing */

typedef void (*JsonEdit)(JsonObject *root);

static void
json_edit(const char *dir, const char *file, JsonEdit edit)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;

    g_assert_true(json_parser_load_from_file(parser, path, &error));
    JsonNode *root = json_parser_get_root(parser);
    edit(json_node_get_object(root));
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, root);
    gsize len;
    g_autofree char *text = json_generator_to_data(gen, &len);
    file_write(dir, file, text, len);
}

static JsonObject *
meta_schema0(JsonObject *root)
{
    return json_array_get_object_element(json_object_get_array_member(root, "schemas"), 0);
}

static JsonObject *
meta_tier(JsonObject *root, guint tier)
{
    return json_array_get_object_element(json_object_get_array_member(meta_schema0(root), "tiers"),
                                         tier);
}

static JsonObject *
index_series(JsonObject *root, guint i)
{
    return json_array_get_object_element(json_object_get_array_member(root, "series"), i);
}

/* ------------------------------------------------------------- damage */

#define SLAB0 "vmm.0.slab"
#define SLAB1 "vmm.1.slab"
#define SLAB2 "vmm.2.slab"
#define META  "meta.json"
#define INDEX "series.json"

static void
d_slab_short(const char *dir)
{
    file_truncate(dir, SLAB0, file_size(dir, SLAB0) - 8);
}

static void
d_slab_header_short(const char *dir)
{
    file_truncate(dir, SLAB0, 40);
}

static void
d_slab_empty(const char *dir)
{
    file_truncate(dir, SLAB1, 0);
}

static void
d_slab_long(const char *dir)
{
    file_truncate(dir, SLAB0, file_size(dir, SLAB0) + 4096);
}

static void
d_slab_magic(const char *dir)
{
    file_patch(dir, SLAB0, 0, "RRDTOOL!", 8);
}

static void
d_slab_version(const char *dir)
{
    guint16 v = GUINT16_TO_LE(RONDO_FORMAT_VERSION + 1); /* newer than any this library reads */
    file_patch(dir, SLAB0, 8, &v, 2);
}

static void
d_slab_header_bit(const char *dir)
{
    g_autoptr(GBytes) b = file_read(dir, SLAB1);
    guint8 slots_low = ((const guint8 *)g_bytes_get_data(b, NULL))[24] ^ 0x40;
    file_patch(dir, SLAB1, 24, &slots_low, 1); /* one bit of the slot count */
}

static void
d_slab_checksum(const char *dir)
{
    g_autoptr(GBytes) b = file_read(dir, SLAB2);
    patch_u32(dir, SLAB2, 48, le32_at(g_bytes_get_data(b, NULL), 48) ^ 1);
}

static void
d_slab_geometry(const char *dir)
{
    patch_u32(dir, SLAB0, 24, SLOTS0 + 1);
    slab_fix_checksum(dir, SLAB0);
}

static void
d_slab_head(const char *dir)
{
    g_autoptr(GBytes) b = file_read(dir, SLAB0);
    patch_u64(dir, SLAB0, 56, test_le64_at(g_bytes_get_data(b, NULL), 56) + 1);
}

/* A slab of a schema of the same name but another series_max. */
static void
d_slab_other_schema(const char *dir)
{
    g_autoptr(TestDir) other = test_tmp_dir();
    store_populate(other, SERIES_MAX + 1);
    g_autoptr(GBytes) b = file_read(other, SLAB0);
    file_write(dir, SLAB0, g_bytes_get_data(b, NULL), g_bytes_get_size(b));
}

/* Tier 1's file in tier 2's place. */
static void
d_slab_other_tier(const char *dir)
{
    g_autoptr(GBytes) b = file_read(dir, SLAB1);
    file_write(dir, SLAB2, g_bytes_get_data(b, NULL), g_bytes_get_size(b));
}

static void
d_slab_missing(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, SLAB1, NULL);
    g_assert_cmpint(unlink(path), ==, 0);
}

static void
d_meta_not_json(const char *dir)
{
    file_write(dir, META, "{ \"format\": \"rondo-store\", ", 26);
}

static void
d_meta_empty(const char *dir)
{
    file_write(dir, META, "", 0);
}

static void
d_meta_array(const char *dir)
{
    file_write(dir, META, "[1, 2]", 6);
}

static void
e_meta_format(JsonObject *root)
{
    json_object_set_string_member(root, "format", "rrdtool");
}

static void
d_meta_format(const char *dir)
{
    json_edit(dir, META, e_meta_format);
}

static void
e_meta_version(JsonObject *root)
{
    json_object_set_int_member(root, "version", RONDO_FORMAT_VERSION + 1);
}

static void
d_meta_version(const char *dir)
{
    json_edit(dir, META, e_meta_version);
}

static void
e_meta_no_tiers(JsonObject *root)
{
    json_object_remove_member(meta_schema0(root), "tiers");
}

static void
d_meta_no_tiers(const char *dir)
{
    json_edit(dir, META, e_meta_no_tiers);
}

static void
e_meta_no_schemas(JsonObject *root)
{
    json_object_remove_member(root, "schemas");
}

static void
d_meta_no_schemas(const char *dir)
{
    json_edit(dir, META, e_meta_no_schemas);
}

static void
e_meta_slots_string(JsonObject *root)
{
    json_object_set_string_member(meta_tier(root, 0), "slots", "60");
}

static void
d_meta_slots_string(const char *dir)
{
    json_edit(dir, META, e_meta_slots_string);
}

static void
e_meta_bad_function(JsonObject *root)
{
    JsonArray *fns = json_array_new();
    json_array_add_string_element(fns, "median");
    json_object_set_array_member(meta_tier(root, 1), "functions", fns);
}

static void
d_meta_bad_function(const char *dir)
{
    json_edit(dir, META, e_meta_bad_function);
}

static void
e_meta_bad_name(JsonObject *root)
{
    json_object_set_string_member(meta_schema0(root), "name", "no/slash");
}

static void
d_meta_bad_name(const char *dir)
{
    json_edit(dir, META, e_meta_bad_name);
}

/* meta.json edited by hand to another geometry: the slab no longer matches. */
static void
e_meta_slots(JsonObject *root)
{
    json_object_set_int_member(meta_tier(root, 0), "slots", SLOTS0 * 2);
}

static void
d_meta_slots(const char *dir)
{
    json_edit(dir, META, e_meta_slots);
}

static void
d_meta_missing(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, META, NULL);
    g_assert_cmpint(unlink(path), ==, 0);
}

static void
d_index_not_json(const char *dir)
{
    file_write(dir, INDEX, "{\"version\": 1, \"series\": [", 26);
}

static void
e_index_bad_column(JsonObject *root)
{
    json_object_set_int_member(index_series(root, 1), "column", 3);
}

static void
d_index_bad_column(const char *dir)
{
    json_edit(dir, INDEX, e_index_bad_column);
}

/* Series 1 becomes a second copy of series 0 (with its own id and column). */
static void
e_index_duplicate(JsonObject *root)
{
    JsonObject *s1 = index_series(root, 1);
    JsonObject *labels = json_object_new();
    json_object_set_string_member(labels, "id", "0");
    json_object_set_object_member(s1, "labels", labels);
}

static void
d_index_duplicate(const char *dir)
{
    json_edit(dir, INDEX, e_index_duplicate);
}

static void
e_index_bad_schema(JsonObject *root)
{
    json_object_set_int_member(index_series(root, 0), "schema", 7);
}

static void
d_index_bad_schema(const char *dir)
{
    json_edit(dir, INDEX, e_index_bad_schema);
}

static void
e_index_no_name(JsonObject *root)
{
    json_object_remove_member(index_series(root, 0), "name");
}

static void
d_index_no_name(const char *dir)
{
    json_edit(dir, INDEX, e_index_no_name);
}

static void
e_index_bad_name(JsonObject *root)
{
    json_object_set_string_member(index_series(root, 0), "name", "0-not-a-metric");
}

static void
d_index_bad_name(const char *dir)
{
    json_edit(dir, INDEX, e_index_bad_name);
}

static void
e_index_bad_type(JsonObject *root)
{
    json_object_set_string_member(index_series(root, 0), "type", "histogram");
}

static void
d_index_bad_type(const char *dir)
{
    json_edit(dir, INDEX, e_index_bad_type);
}

static void
e_index_bad_unit(JsonObject *root)
{
    json_object_set_string_member(index_series(root, 1), "type", "gauge");
    json_object_set_int_member(index_series(root, 1), "unit", 7);
}

static void
d_index_bad_unit(const char *dir)
{
    json_edit(dir, INDEX, e_index_bad_unit);
}

static void
e_index_bad_id(JsonObject *root)
{
    json_object_set_int_member(index_series(root, 1), "id", 5);
}

static void
d_index_bad_id(const char *dir)
{
    json_edit(dir, INDEX, e_index_bad_id);
}

static void
e_index_version(JsonObject *root)
{
    json_object_set_int_member(root, "version", 2);
}

static void
d_index_version(const char *dir)
{
    json_edit(dir, INDEX, e_index_version);
}

static void
d_index_missing(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, INDEX, NULL);
    g_assert_cmpint(unlink(path), ==, 0);
}

/* series.json lost its last series; the slabs still name it. */
static void
e_index_lost_series(JsonObject *root)
{
    json_array_remove_element(json_object_get_array_member(root, "series"), 1);
}

static void
d_index_lost_series(const char *dir)
{
    json_edit(dir, INDEX, e_index_lost_series);
}

/* Directory entry 0 of tier 1 names another key. */
static void
d_dir_key(const char *dir)
{
    g_autoptr(GBytes) b = file_read(dir, SLAB1);
    patch_u64(dir, SLAB1, 128, test_le64_at(g_bytes_get_data(b, NULL), 128) ^ 2);
}

/* Directory entry 1 of tier 0 claims store-wide id 0. */
static void
d_dir_id(const char *dir)
{
    patch_u32(dir, SLAB0, 128 + 32 + 8, 0);
}

/* --------------------------------------------------------------- cases */

typedef struct {
    const char *path; /* test path */
    void (*damage)(const char *dir);
    RondoError code;     /* what both opens fail with */
    const char *file;    /* the file the message must name */
    const char *problem; /* and a word of the problem, or NULL */
    gboolean reader_ok;  /* readers open anyway (by design) */
} Case;

static const Case cases[] = {
    {"/corrupt/slab/truncated", d_slab_short, RONDO_ERROR_CORRUPT, SLAB0, "truncated", FALSE},
    {"/corrupt/slab/shorter-than-header", d_slab_header_short, RONDO_ERROR_CORRUPT, SLAB0,
     "truncated", FALSE},
    {"/corrupt/slab/empty", d_slab_empty, RONDO_ERROR_CORRUPT, SLAB1, "truncated", FALSE},
    {"/corrupt/slab/extended", d_slab_long, RONDO_ERROR_CORRUPT, SLAB0, "extended", FALSE},
    {"/corrupt/slab/bad-magic", d_slab_magic, RONDO_ERROR_FOREIGN, SLAB0, "magic", FALSE},
    {"/corrupt/slab/wrong-version", d_slab_version, RONDO_ERROR_VERSION, SLAB0, "version", FALSE},
    {"/corrupt/slab/header-bit-flip", d_slab_header_bit, RONDO_ERROR_CORRUPT, SLAB1, "checksum",
     FALSE},
    {"/corrupt/slab/checksum-damaged", d_slab_checksum, RONDO_ERROR_CORRUPT, SLAB2, "checksum",
     FALSE},
    {"/corrupt/slab/geometry", d_slab_geometry, RONDO_ERROR_CORRUPT, SLAB0, "geometry", FALSE},
    {"/corrupt/slab/head-not-slot-time", d_slab_head, RONDO_ERROR_CORRUPT, SLAB0, "cursor", FALSE},
    {"/corrupt/slab/other-schema", d_slab_other_schema, RONDO_ERROR_FOREIGN, SLAB0, "schema",
     FALSE},
    {"/corrupt/slab/other-tier", d_slab_other_tier, RONDO_ERROR_FOREIGN, SLAB2, "tier", FALSE},
    {"/corrupt/slab/missing", d_slab_missing, RONDO_ERROR_IO, SLAB1, NULL, FALSE},
    {"/corrupt/meta/not-json", d_meta_not_json, RONDO_ERROR_CORRUPT, META, NULL, FALSE},
    {"/corrupt/meta/empty", d_meta_empty, RONDO_ERROR_CORRUPT, META, NULL, FALSE},
    {"/corrupt/meta/not-an-object", d_meta_array, RONDO_ERROR_CORRUPT, META, "object", FALSE},
    {"/corrupt/meta/wrong-format", d_meta_format, RONDO_ERROR_FOREIGN, META, "rondo", FALSE},
    {"/corrupt/meta/wrong-version", d_meta_version, RONDO_ERROR_VERSION, META, "version", FALSE},
    {"/corrupt/meta/no-tiers", d_meta_no_tiers, RONDO_ERROR_CORRUPT, META, NULL, FALSE},
    {"/corrupt/meta/no-schemas", d_meta_no_schemas, RONDO_ERROR_CORRUPT, META, "schemas", FALSE},
    {"/corrupt/meta/slots-not-a-number", d_meta_slots_string, RONDO_ERROR_CORRUPT, META, "tier",
     FALSE},
    {"/corrupt/meta/unknown-function", d_meta_bad_function, RONDO_ERROR_CORRUPT, META, "function",
     FALSE},
    {"/corrupt/meta/bad-schema-name", d_meta_bad_name, RONDO_ERROR_CORRUPT, META, NULL, FALSE},
    {"/corrupt/meta/edited-geometry", d_meta_slots, RONDO_ERROR_FOREIGN, SLAB0, "schema", FALSE},
    {"/corrupt/meta/missing", d_meta_missing, RONDO_ERROR_NOT_FOUND, META, "missing", FALSE},
    {"/corrupt/index/not-json", d_index_not_json, RONDO_ERROR_CORRUPT, INDEX, NULL, FALSE},
    {"/corrupt/index/bad-column", d_index_bad_column, RONDO_ERROR_CORRUPT, INDEX, "column", FALSE},
    {"/corrupt/index/duplicate", d_index_duplicate, RONDO_ERROR_CORRUPT, INDEX, "duplicate", FALSE},
    {"/corrupt/index/bad-schema", d_index_bad_schema, RONDO_ERROR_CORRUPT, INDEX, "schema", FALSE},
    {"/corrupt/index/missing-field", d_index_no_name, RONDO_ERROR_CORRUPT, INDEX, "field", FALSE},
    {"/corrupt/index/bad-series-name", d_index_bad_name, RONDO_ERROR_CORRUPT, INDEX, NULL, FALSE},
    {"/corrupt/index/bad-type", d_index_bad_type, RONDO_ERROR_CORRUPT, INDEX, "type", FALSE},
    {"/corrupt/index/bad-unit", d_index_bad_unit, RONDO_ERROR_CORRUPT, INDEX, "unit", FALSE},
    {"/corrupt/index/ids-out-of-order", d_index_bad_id, RONDO_ERROR_CORRUPT, INDEX, NULL, FALSE},
    {"/corrupt/index/wrong-version", d_index_version, RONDO_ERROR_VERSION, INDEX, "version", FALSE},
    {"/corrupt/index/missing", d_index_missing, RONDO_ERROR_NOT_FOUND, INDEX, NULL, FALSE},
    {"/corrupt/index/lost-series", d_index_lost_series, RONDO_ERROR_CORRUPT, SLAB0, "directory",
     TRUE},
    {"/corrupt/dir/key-mismatch", d_dir_key, RONDO_ERROR_CORRUPT, SLAB1, "directory", FALSE},
    {"/corrupt/dir/id-mismatch", d_dir_id, RONDO_ERROR_CORRUPT, SLAB0, "directory", FALSE},
};

static void
open_expect_failure(const Case *c, const char *dir, RondoOpenFlags flags)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GHashTable) before = dir_snapshot(dir);
    g_autoptr(RondoStore) store = rondo_store_open(dir, flags, &error);
    const char *who = flags & RONDO_OPEN_WRITE ? "writer" : "reader";

    if (store != NULL)
        g_error("%s: the %s opened a damaged store", c->path, who);
    g_test_message("%s: %s", who, error->message);
    g_assert_error(error, RONDO_ERROR, (gint)c->code);
    if (strstr(error->message, c->file) == NULL)
        g_error("%s: message “%s” does not name %s", c->path, error->message, c->file);
    if (c->problem && strstr(error->message, c->problem) == NULL)
        g_error("%s: message “%s” does not say “%s”", c->path, error->message, c->problem);
    g_autoptr(GHashTable) after = dir_snapshot(dir);
    snapshot_assert_equal(before, after, c->path);
}

static void
test_corrupt_case(gconstpointer data)
{
    const Case *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();

    store_populate(dir, SERIES_MAX);
    g_autoptr(GHashTable) pristine = dir_snapshot(dir);
    c->damage(dir);
    if (c->reader_ok) {
        g_autoptr(GHashTable) before = dir_snapshot(dir);
        g_autoptr(RondoStore) reader = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
        g_assert_no_error(error);
        g_autoptr(GHashTable) after = dir_snapshot(dir);
        snapshot_assert_equal(before, after, c->path);
    } else {
        open_expect_failure(c, dir, RONDO_OPEN_READ_ONLY);
    }
    open_expect_failure(c, dir, RONDO_OPEN_WRITE);

    /* Nothing was lost: undo the damage and everything is there. */
    snapshot_restore(pristine, dir);
    g_autoptr(RondoStore) store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    store_check_data(store);
}

/* -------------------------------------------- the documented byte layout */

/* The header of tier of a fresh store, read field by field from the document. */
static void
check_header(const guint8 *p, gsize size, guint tier, guint32 functions, guint32 slots,
             guint64 interval_ns, guint64 schema_hash)
{
    guint n_functions = (guint)__builtin_popcount(functions);
    guint64 dir_end = test_align64(128 + 32 * SERIES_MAX);
    /* Tier 0: 16-byte cells (the region sized as columns of align64(16 ×
     * slots) bytes); above: a slot time column, then values. */
    guint64 stride = test_align64((tier == 0 ? 16 : 8) * (guint64)slots);
    guint64 col_off = tier == 0 ? dir_end : dir_end + stride;

    g_assert_cmpmem(p, 8, "RONDOSLB", 8);
    g_assert_cmpuint(le16_at(p, 8), ==, 3);
    g_assert_cmpuint(p[10], ==, tier);
    g_assert_cmpuint(p[11], ==, n_functions);
    g_assert_cmpuint(le32_at(p, 12), ==, functions);
    g_assert_cmpuint(test_le64_at(p, 16), ==, schema_hash);
    g_assert_cmpuint(le32_at(p, 24), ==, slots);
    g_assert_cmpuint(le32_at(p, 28), ==, SERIES_MAX);
    g_assert_cmpuint(test_le64_at(p, 32), ==, interval_ns);
    g_assert_cmpuint(test_le64_at(p, 40), ==, size);
    g_assert_cmpuint(size, ==, col_off + n_functions * SERIES_MAX * stride);
    g_assert_cmpuint(le32_at(p, 48), ==, ref_crc32(p, 48));
    g_assert_cmpuint(le32_at(p, 52), ==, 0);
}

/* Reads value at slot time t of column; NaN if the slot does not hold t.
 * Tier 0 (byte 10) keeps a tag per cell, the other tiers a tag per row;
 * values and cells are ordered by slot (n_functions × series_max a slot). */
static double
ref_read(const guint8 *p, guint64 t, guint column)
{
    guint32 slots = le32_at(p, 24);
    guint64 iv = test_le64_at(p, 32);
    guint64 dir_end = test_align64(128 + 32 * (guint64)le32_at(p, 28));
    guint64 r = t / iv % slots, n_columns = (guint64)p[11] * le32_at(p, 28);
    guint64 tag_at, value_at;
    double v;

    if (p[10] == 0) {
        guint64 cell = dir_end + 16 * (r * n_columns + column);
        tag_at = cell;
        value_at = cell + 8;
    } else {
        guint64 stride = test_align64(8 * (guint64)slots);
        tag_at = dir_end + 8 * r;
        value_at = dir_end + stride + 8 * (r * n_columns + column);
    }
    if (test_le64_at(p, tag_at) != t)
        return NAN;
    memcpy(&v, p + value_at, 8);
    return v;
}

static void
test_format_reader(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    store_populate(dir, SERIES_MAX);
    g_autofree char *canon =
        g_strdup_printf("vmm\n%u\nt %" G_GUINT64_FORMAT " 60 8\nt %" G_GUINT64_FORMAT
                        " 30 5\nt %" G_GUINT64_FORMAT " 10 1\n",
                        SERIES_MAX, RONDO_NS_PER_S, 10 * RONDO_NS_PER_S, 60 * RONDO_NS_PER_S);
    guint64 hash = ref_fnv1a64(canon);
    g_autoptr(GBytes) b0 = file_read(dir, SLAB0);
    g_autoptr(GBytes) b1 = file_read(dir, SLAB1);
    gsize n0, n1;
    const guint8 *p0 = g_bytes_get_data(b0, &n0), *p1 = g_bytes_get_data(b1, &n1);
    guint64 last = TEST_T0 + (N_POINTS - 1) * RONDO_NS_PER_S;

    check_header(p0, n0, 0, RONDO_CF_BIT(RONDO_CF_LAST), SLOTS0, RONDO_NS_PER_S, hash);
    check_header(p1, n1, 1, RONDO_CF_BIT(RONDO_CF_AVERAGE) | RONDO_CF_BIT(RONDO_CF_MAX), 30,
                 10 * RONDO_NS_PER_S, hash);
    /* head_ns; the state block: filled_until, dropped, first_ns. */
    g_assert_cmpuint(test_le64_at(p0, 56), ==, last);
    g_assert_cmpuint(test_le64_at(p0, 64), ==, 0);
    g_assert_cmpuint(test_le64_at(p0, 72), ==, 0);
    g_assert_cmpuint(test_le64_at(p0, 80), ==, TEST_T0);
    g_assert_cmpuint(test_le64_at(p1, 64), ==,
                     TEST_T0 + 90 * RONDO_NS_PER_S); /* 9 full 10 s buckets */
    g_assert_cmpuint(test_le64_at(p1, 56), ==, TEST_T0 + 80 * RONDO_NS_PER_S);
    /* Directory entries: FNV-1a 64 of the key with the low bit set, id, flags. */
    for (guint s = 0; s < SERIES_MAX; s++) {
        g_autofree char *key = g_strdup_printf("vcpu_exits_total{id=\"%u\"}", s);
        gsize e = 128 + 32 * s;
        g_assert_cmpuint(test_le64_at(p0, e), ==, s < 2 ? ref_fnv1a64(key) | 1 : 0);
        g_assert_cmpuint(le32_at(p0, e + 8), ==, s < 2 ? s : 0);
        g_assert_cmpuint(le32_at(p0, e + 12), ==, s < 2 ? 1 : 0);
        g_assert_cmpuint(test_le64_at(p1, e), ==, test_le64_at(p0, e));
    }
    /* Tier 0: the last 60 seconds; older slot times are not there. */
    g_assert_cmpfloat(ref_read(p0, last, 0), ==, N_POINTS - 1);
    g_assert_cmpfloat(ref_read(p0, last, 1), ==, 1000 + N_POINTS - 1);
    g_assert_cmpfloat(ref_read(p0, last - 59 * RONDO_NS_PER_S, 0), ==, N_POINTS - 60);
    g_assert_true(isnan(ref_read(p0, last - 60 * RONDO_NS_PER_S, 0)));
    g_assert_true(isnan(ref_read(p0, last, 2))); /* an unused column */
    /* Tier 1: group 0 = average, group 1 = max; column = group * series_max + column. */
    guint64 b = TEST_T0 + 50 * RONDO_NS_PER_S;
    g_assert_cmpfloat(ref_read(p1, b, 0), ==, 54.5);
    g_assert_cmpfloat(ref_read(p1, b, 1), ==, 1054.5);
    g_assert_cmpfloat(ref_read(p1, b, SERIES_MAX + 0), ==, 59);
    g_assert_cmpfloat(ref_read(p1, b, SERIES_MAX + 1), ==, 1059);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        g_test_add_data_func(cases[i].path, &cases[i], test_corrupt_case);
    g_test_add_func("/format/independent-reader", test_format_reader);
    return g_test_run();
}
