/* test-store.c - store lifecycle, series registry, ring semantics, queries. */
#include "config.h"
#include <math.h>
#include <string.h>
#include "rondo-record.h"
#include "testutil.h"

#define S(n) ((guint64)(n)*RONDO_NS_PER_S)

static double
value_at(RondoStore *store, RondoSeries *s, guint tier, guint64 t)
{
    RondoQueryIter it;
    guint64 ts;
    double v;
    g_assert_true(rondo_query_iter_init(&it, store, s, tier, RONDO_CF_AVERAGE, t, t, NULL));
    if (!rondo_query_iter_next(&it, &ts, &v))
        return NAN;
    g_assert_cmpuint(ts, ==, t);
    g_assert_false(rondo_query_iter_next(&it, NULL, NULL));
    return v;
}

/* create -> register -> write 10,000 points -> query -> verify -> reopen. */
static void
test_roundtrip_reopen(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    RondoStore *store = test_store_new_preset(dir, 8);
    RondoSeries *a = test_series(store, "vcpu_exits_total", 0);
    guint64 bytes = rondo_store_get_bytes(store);

    for (guint i = 0; i < 10000; i++)
        g_assert_cmpint(rondo_series_record(a, i * 0.5, TEST_T0 + S(i)), ==, RONDO_RECORD_OK);
    /* Tier 0 keeps the last 600 seconds: values 9400..9999 / 2. */
    double sum = 0;
    g_assert_cmpuint(test_count_points(store, a, 0, RONDO_CF_LAST, 0, G_MAXUINT64, &sum), ==, 600);
    g_assert_cmpfloat(sum, ==, 0.5 * (9400.0 + 9999.0) * 600 / 2);
    g_assert_cmpfloat(value_at(store, a, 0, TEST_T0 + S(9999)), ==, 9999 * 0.5);
    g_assert_true(isnan(value_at(store, a, 0, TEST_T0 + S(9399)))); /* wrapped away */
    g_assert_cmpuint(rondo_store_get_bytes(store), ==, bytes);      /* no growth */
    rondo_store_close(store);

    store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_store_get_n_series(store), ==, 1);
    RondoSeries *again = test_series(store, "vcpu_exits_total", 0);
    g_assert_cmpuint(rondo_series_get_id(again), ==, 0);
    g_assert_cmpuint(test_count_points(store, again, 0, RONDO_CF_LAST, 0, G_MAXUINT64, NULL), ==,
                     600);
    g_assert_cmpfloat(value_at(store, again, 0, TEST_T0 + S(9999)), ==, 9999 * 0.5);
    g_assert_cmpuint(rondo_store_get_bytes(store), ==, bytes);
    rondo_store_close(store);
}

static void
test_register_duplicate_and_full(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) store = test_store_new_preset(dir, 2);
    const char *ab[] = {"a", "1", "b", "2", NULL};
    const char *ba[] = {"b", "2", "a", "1", NULL};
    RondoSeries *x = rondo_store_register(store, "m", ab, &error);
    RondoSeries *y = rondo_store_register(store, "m", ba, &error);
    g_assert_no_error(error);
    g_assert_true(x == y);
    g_assert_cmpstr(rondo_series_get_key(x), ==, "m{a=\"1\",b=\"2\"}");
    g_assert_nonnull(rondo_store_register(store, "m", NULL, &error));
    g_assert_null(rondo_store_register(store, "m3", NULL, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_FULL);
    g_clear_error(&error);
    const char *bad[] = {"__x", "1", NULL};
    g_assert_null(rondo_store_register(store, "m", bad, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_null(rondo_store_register(store, "0bad", NULL, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_assert_true(rondo_store_lookup(store, "m", ba) == x);
    g_assert_null(rondo_store_lookup(store, "nope", NULL));
}

/* One index write for many series; all or nothing; the index survives a reopen. */
static void
test_register_all(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    RondoStore *store = test_store_new_preset(dir, 4);
    const char *dev[] = {"device", "d0", NULL};
    RondoSeries *first = rondo_store_register(store, "a", NULL, &error);
    g_assert_no_error(error);
    const char *names[] = {"a", "b", "b", "c"};
    const char *const *labels[] = {NULL, dev, dev, NULL};
    RondoSeries *got[4] = {NULL};
    g_assert_true(rondo_store_register_all(store, 4, names, labels, got, &error));
    g_assert_no_error(error);
    g_assert_true(got[0] == first);
    g_assert_true(got[1] == got[2]);
    g_assert_cmpstr(rondo_series_get_key(got[1]), ==, "b{device=\"d0\"}");
    g_assert_cmpuint(rondo_store_get_n_series(store), ==, 3);

    /* two more do not fit in 4: neither is registered, got[] stays */
    const char *more[] = {"d", "e"};
    RondoSeries *none[2] = {NULL};
    g_assert_false(rondo_store_register_all(store, 2, more, NULL, none, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_FULL);
    g_clear_error(&error);
    g_assert_null(none[0]);
    g_assert_null(rondo_store_lookup(store, "d", NULL));
    g_assert_cmpuint(rondo_store_get_n_series(store), ==, 3);
    const char *bad[] = {"f", "0bad"};
    g_assert_false(rondo_store_register_all(store, 2, bad, NULL, none, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_nonnull(rondo_store_register(store, "d", NULL, &error));
    rondo_store_close(store);

    store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_store_get_n_series(store), ==, 4);
    g_assert_nonnull(rondo_store_lookup(store, "b", dev));
    g_assert_true(rondo_store_register_all(store, 1, more, NULL, none, &error)); /* finds "d" */
    g_assert_false(rondo_store_register_all(store, 1, more + 1, NULL, none, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_READ_ONLY);
    rondo_store_close(store);
}

/* Descriptions: written with the series, kept when a spec says nothing,
 * replaced as a whole, refused when bad (all or nothing), seen by a
 * reader's refresh, and an index without them still reads. */
static void
test_register_specs(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    RondoStore *store = test_store_new_preset(dir, 4);
    RondoSeriesSpec specs[] = {
        {.name = "exits_total", .type = RONDO_SERIES_COUNTER, .help = "VM exits, \"all\"\n"},
        {.name = "mem_bytes", .type = RONDO_SERIES_GAUGE, .unit = "bytes"},
        {.name = "plain"},
    };
    RondoSeries *got[3] = {NULL};
    g_assert_true(rondo_store_register_specs(store, 3, specs, got, &error));
    g_assert_no_error(error);
    g_assert_cmpint(rondo_series_get_type(got[0]), ==, RONDO_SERIES_COUNTER);
    g_assert_cmpstr(rondo_series_get_help(got[0]), ==, "VM exits, \"all\"\n");
    g_assert_cmpstr(rondo_series_get_unit(got[0]), ==, "");
    g_assert_cmpstr(rondo_series_get_unit(got[1]), ==, "bytes");
    g_assert_cmpint(rondo_series_get_type(got[2]), ==, RONDO_SERIES_UNKNOWN);

    RondoStore *reader = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    RondoSeries *r1 = rondo_store_lookup(reader, "mem_bytes", NULL);
    g_assert_cmpstr(rondo_series_get_unit(r1), ==, "bytes");

    /* rondo_store_register() says nothing: the description stays */
    g_assert_true(rondo_store_register(store, "mem_bytes", NULL, &error) == got[1]);
    g_assert_cmpstr(rondo_series_get_unit(got[1]), ==, "bytes");
    /* a new description replaces all three fields */
    RondoSeriesSpec newer = {.name = "mem_bytes", .type = RONDO_SERIES_GAUGE, .help = "RSS"};
    RondoSeries *again = NULL;
    g_assert_true(rondo_store_register_specs(store, 1, &newer, &again, &error));
    g_assert_cmpstr(rondo_series_get_unit(again), ==, "");
    g_assert_cmpstr(rondo_series_get_help(again), ==, "RSS");
    const char *old_unit = rondo_series_get_unit(r1);
    g_assert_true(rondo_store_refresh(reader, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(rondo_series_get_help(r1), ==, "RSS");
    g_assert_cmpstr(old_unit, ==, "bytes"); /* still valid: retired, not freed */

    /* a bad unit in a batch: nothing registered, nothing described */
    RondoSeriesSpec bad[] = {
        {.name = "mem_bytes", .type = RONDO_SERIES_COUNTER},
        {.name = "new_one", .unit = "per cent"},
    };
    RondoSeries *none[2] = {NULL};
    g_assert_false(rondo_store_register_specs(store, 2, bad, none, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_null(rondo_store_lookup(store, "new_one", NULL));
    g_assert_cmpint(rondo_series_get_type(again), ==, RONDO_SERIES_GAUGE);
    /* a reader cannot describe */
    g_assert_false(rondo_store_register_specs(reader, 1, bad, none, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_READ_ONLY);
    g_clear_error(&error);
    rondo_store_close(reader);
    rondo_store_close(store);

    store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(rondo_series_get_help(rondo_store_lookup(store, "exits_total", NULL)), ==,
                    "VM exits, \"all\"\n");
    g_assert_cmpint(rondo_series_get_type(rondo_store_lookup(store, "plain", NULL)), ==,
                    RONDO_SERIES_UNKNOWN);
    rondo_store_close(store);

    RondoSeriesType t = RONDO_SERIES_GAUGE;
    g_assert_false(rondo_series_type_from_string("histogram", &t));
    g_assert_true(rondo_series_type_from_string("counter", &t));
    g_assert_cmpint(t, ==, RONDO_SERIES_COUNTER);
    g_assert_cmpstr(rondo_series_type_to_string(RONDO_SERIES_GAUGE), ==, "gauge");
}

static void
test_lock_and_readers(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) writer = test_store_new_preset(dir, 4);
    RondoSeries *a = test_series(writer, "m", 0);
    g_assert_cmpint(rondo_store_writer_pid(writer), ==, getpid());

    g_assert_null(rondo_store_open(dir, RONDO_OPEN_WRITE, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_LOCKED);
    g_clear_error(&error);

    g_autoptr(RondoStore) reader = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    g_assert_false(rondo_store_is_writable(reader));
    g_assert_null(rondo_store_register(reader, "new", NULL, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_READ_ONLY);
    g_clear_error(&error);
    g_assert_false(rondo_store_consolidate(reader, 0, NULL, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_READ_ONLY);
    g_clear_error(&error);

    /* The reader sees the writer's values at once, and its later series on refresh. */
    rondo_series_record(a, 42, TEST_T0);
    RondoSeries *ra = rondo_store_get_series(reader, 0);
    g_assert_cmpfloat(value_at(reader, ra, 0, TEST_T0), ==, 42);
    test_series(writer, "m", 1);
    g_assert_cmpuint(rondo_store_get_n_series(reader), ==, 1);
    g_assert_true(rondo_store_refresh(reader, &error));
    g_assert_cmpuint(rondo_store_get_n_series(reader), ==, 2);

    g_clear_pointer(&writer, rondo_store_close);
    g_assert_cmpint(rondo_store_writer_pid(reader), ==, 0);
}

/* What a long-lived reader asks of a store's files: probe, index changed,
 * replaced, slab paths (rondod's registry and rondo verify use them). */
static void
test_stamps(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autofree char *nowhere = g_build_filename(dir, "nowhere", NULL);
    g_assert_cmpuint(rondo_store_probe(nowhere), ==, 0);
    g_autoptr(RondoStore) writer = test_store_new_preset(dir, 4);
    test_series(writer, "m", 0);
    guint64 probe = rondo_store_probe(dir);
    g_assert_cmpuint(probe, !=, 0);
    g_assert_cmpuint(rondo_store_probe(dir), ==, probe);

    g_autoptr(RondoStore) reader = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    g_assert_false(rondo_store_index_changed(reader));
    test_series(writer, "m", 1);
    g_assert_true(rondo_store_index_changed(reader));
    g_assert_cmpuint(rondo_store_probe(dir), !=, probe);
    g_assert_true(rondo_store_refresh(reader, &error));
    g_assert_false(rondo_store_index_changed(reader));

    g_autofree char *slab = rondo_store_get_slab_path(reader, 0, 2);
    g_autofree char *want = g_build_filename(dir, "vmm.2.slab", NULL);
    g_assert_cmpstr(slab, ==, want);
    g_assert_true(g_file_test(slab, G_FILE_TEST_IS_REGULAR));
    g_assert_null(rondo_store_get_slab_path(reader, 0, 3));
    g_assert_null(rondo_store_get_slab_path(reader, 1, 0));

    /* meta.json rewritten (a new inode: what re-creating, resizing or upgrading does) */
    g_assert_false(rondo_store_is_replaced(reader));
    g_autofree char *meta = g_build_filename(dir, "meta.json", NULL);
    g_autofree char *text = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(meta, &text, &len, NULL));
    g_assert_true(g_file_set_contents(meta, text, (gssize)len, NULL));
    g_assert_true(rondo_store_is_replaced(reader));
}

static void
test_create_refuses_existing(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) store = test_store_new_preset(dir, 1);
    g_autoptr(RondoSchema) schema = rondo_schema_new_vmm_preset("vmm", 1, NULL);
    g_assert_null(rondo_store_create(dir, &schema, 1, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_EXISTS);
    g_clear_error(&error);
    g_autoptr(TestDir) none = test_tmp_dir();
    g_assert_null(rondo_store_open(none, RONDO_OPEN_READ_ONLY, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_NOT_FOUND);
}

/* Ring semantics, as docs/storage-format.md defines them. */
static void
test_ring_semantics(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) store = test_store_new_preset(dir, 2);
    RondoSeries *a = test_series(store, "m", 0);
    RondoSeries *b = test_series(store, "m", 1);
    guint64 head = TEST_T0 + S(1000);

    /* Within one slot the last write wins; sub-slot timestamps land in the slot. */
    rondo_series_record(a, 1, head);
    rondo_series_record(a, 2, head + RONDO_NS_PER_S / 2);
    g_assert_cmpfloat(value_at(store, a, 0, head), ==, 2);
    g_assert_true(isnan(value_at(store, b, 0, head))); /* b never wrote here */

    /* A late write inside the window lands in its own slot. */
    g_assert_cmpint(rondo_series_record(a, 3, head - S(599)), ==, RONDO_RECORD_OK);
    g_assert_cmpfloat(value_at(store, a, 0, head - S(599)), ==, 3);
    g_assert_cmpuint(rondo_store_get_head_ns(store, 0, 0), ==, head);

    /* Older than the window: dropped and counted, nothing changes. */
    g_assert_cmpint(rondo_series_record(a, 4, head - S(600)), ==, RONDO_RECORD_TOO_OLD);
    g_assert_cmpuint(rondo_store_get_dropped(store, 0), ==, 1);
    g_assert_cmpfloat(value_at(store, a, 0, head), ==, 2);

    /* A gap of many slots: only the head moves; skipped slots read empty. */
    rondo_series_record(b, 5, head + S(250));
    g_assert_cmpuint(rondo_store_get_head_ns(store, 0, 0), ==, head + S(250));
    g_assert_cmpfloat(value_at(store, a, 0, head), ==, 2);
    g_assert_true(isnan(value_at(store, a, 0, head + S(100))));
    g_assert_true(isnan(value_at(store, a, 0, head - S(599)))); /* now outside the window */

    /* Same ring slot, next wrap: a's cell still holds the previous lap's time,
     * so it reads empty at the new time, though nobody reset it. */
    rondo_series_record(b, 6, head + S(600));
    g_assert_true(isnan(value_at(store, a, 0, head + S(600))));
    g_assert_true(isnan(value_at(store, a, 0, head)));
    g_assert_cmpfloat(value_at(store, b, 0, head + S(600)), ==, 6);

    /* A clock that jumps backwards by 100 s: a late write, inside the window. */
    g_assert_cmpint(rondo_series_record(a, 7, head + S(500)), ==, RONDO_RECORD_OK);
    g_assert_cmpfloat(value_at(store, a, 0, head + S(500)), ==, 7);
    g_assert_cmpuint(rondo_store_get_head_ns(store, 0, 0), ==, head + S(600));

    /* NaN marks a slot empty again. */
    rondo_series_record(a, NAN, head + S(500));
    g_assert_true(isnan(value_at(store, a, 0, head + S(500))));

    /* Timestamps outside the valid range are refused, and only counted. */
    guint64 dropped = rondo_store_get_dropped(store, 0);
    g_assert_cmpint(rondo_series_record(a, 1, 5), ==, RONDO_RECORD_OUT_OF_RANGE);
    g_assert_cmpint(rondo_series_record(a, 1, RONDO_TIME_MIN_NS - 1), ==,
                    RONDO_RECORD_OUT_OF_RANGE);
    g_assert_cmpint(rondo_series_record(a, 1, RONDO_TIME_MAX_NS), ==, RONDO_RECORD_OUT_OF_RANGE);
    g_assert_cmpint(rondo_series_record(a, 1, G_MAXUINT64 - 5), ==, RONDO_RECORD_OUT_OF_RANGE);
    g_assert_cmpuint(rondo_store_get_dropped(store, 0), ==, dropped + 4);
    g_assert_cmpuint(rondo_store_get_head_ns(store, 0, 0), ==, head + S(600));
}

/* The edges of the valid range, with a 7 s interval that does not divide
 * them: the slot holding RONDO_TIME_MAX_NS - 1 also covers invalid times,
 * which the head-slot cache must not let through. */
static void
test_time_range(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) store =
        test_store_new_two_tiers(dir, "r", 1, S(7), 4, S(14), 4, RONDO_CF_BIT(RONDO_CF_LAST), "m");
    RondoSeries *a = rondo_store_get_series(store, 0);

    g_assert_cmpuint(RONDO_TIME_MAX_NS % S(7), !=, 0);
    g_assert_cmpint(rondo_series_record(a, 1, RONDO_TIME_MAX_NS - 1), ==, RONDO_RECORD_OK);
    g_assert_cmpint(rondo_series_record(a, 2, RONDO_TIME_MAX_NS), ==, RONDO_RECORD_OUT_OF_RANGE);
    g_assert_cmpint(rondo_series_record(a, 3, RONDO_TIME_MAX_NS - 1), ==, RONDO_RECORD_OK);
    g_assert_cmpint(rondo_series_record(a, 4, RONDO_TIME_MAX_NS + 1), ==,
                    RONDO_RECORD_OUT_OF_RANGE);
    g_assert_cmpuint(rondo_store_get_dropped(store, 0), ==, 2);
    guint64 head = rondo_store_get_head_ns(store, 0, 0);
    g_assert_cmpuint(head, <, RONDO_TIME_MAX_NS);
    g_assert_cmpfloat(value_at(store, a, 0, head), ==, 3);
    /* Restoring a bucket out of range is an error naming the range. */
    g_assert_false(rondo_series_restore(a, 1, RONDO_CF_LAST, 5, 1.0, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "outside"));
    g_clear_error(&error);

    /* A window longer than the range cannot be made. */
    g_autoptr(RondoSchema) big = rondo_schema_new("big", 1, NULL);
    g_assert_false(rondo_schema_add_tier(big, RONDO_WINDOW_MAX_NS / 2 + 1, 2, 0, &error));
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
}

static void
test_record_batch(void)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) store = test_store_new_preset(dir, 3);
    RondoSeries *s[3] = {test_series(store, "m", 0), test_series(store, "m", 1),
                         test_series(store, "m", 2)};
    double v[3] = {1, 2, 3};
    g_assert_cmpuint(rondo_store_record_batch(store, s, v, 3, TEST_T0 + S(700)), ==, 0);
    g_assert_cmpuint(rondo_store_record_batch(store, s, v, 3, TEST_T0), ==, 3);
    for (guint i = 0; i < 3; i++)
        g_assert_cmpfloat(value_at(store, s[i], 0, TEST_T0 + S(700)), ==, v[i]);
}

/* Several schemas in one store keep separate slabs and windows. */
static void
test_several_schemas(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoSchema) fast = rondo_schema_new("fast", 2, &error);
    g_assert_true(rondo_schema_add_tier(fast, RONDO_NS_PER_S / 10, 100, 0, &error));
    g_assert_true(rondo_schema_add_matcher(fast, "__name__", RONDO_MATCH_EQUAL, "f", &error));
    g_autoptr(RondoSchema) slow = rondo_schema_new_vmm_preset("slow", 2, &error);
    RondoSchema *both[] = {fast, slow};
    RondoStore *store = rondo_store_create(dir, both, 2, &error);
    g_assert_no_error(error);
    RondoSeries *f = rondo_store_register(store, "f", NULL, &error);
    RondoSeries *g = rondo_store_register(store, "g", NULL, &error);
    for (guint i = 0; i < 1000; i++) {
        rondo_series_record(f, i, TEST_T0 + i * RONDO_NS_PER_S / 10);
        rondo_series_record(g, i, TEST_T0 + i * RONDO_NS_PER_S / 10);
    }
    /* fast: 100 slots of 100 ms; slow: 100 one-second slots, last value per second. */
    g_assert_cmpuint(test_count_points(store, f, 0, RONDO_CF_LAST, 0, G_MAXUINT64, NULL), ==, 100);
    g_assert_cmpuint(test_count_points(store, g, 0, RONDO_CF_LAST, 0, G_MAXUINT64, NULL), ==, 100);
    g_assert_cmpfloat(value_at(store, g, 0, TEST_T0 + S(99)), ==, 999);
    rondo_store_close(store);
    store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_store_get_n_schemas(store), ==, 2);
    g_assert_cmpuint(rondo_series_get_schema(rondo_store_lookup(store, "f", NULL)), ==, 0);
    rondo_store_close(store);
}

/* Recording through a read-only handle is refused and writes nothing (the
 * map is read-only: a store would fault), in the current slot, an older
 * one, a newer one, and in a batch. */
static void
test_record_read_only(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) writer = test_store_new_preset(dir, 4);
    RondoSeries *a = test_series(writer, "m", 0);
    g_assert_cmpint(rondo_series_record(a, 1, TEST_T0), ==, RONDO_RECORD_OK);
    g_autoptr(RondoStore) reader = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    RondoSeries *ra = rondo_store_get_series(reader, 0);
    const guint64 times[] = {TEST_T0, TEST_T0 - S(5), TEST_T0 + S(1), 5};
    for (guint i = 0; i < G_N_ELEMENTS(times); i++)
        g_assert_cmpint(rondo_series_record(ra, 2, times[i]), ==, RONDO_RECORD_READ_ONLY);
    RondoSeries *batch[] = {ra, ra};
    const double values[] = {3, 4};
    g_assert_cmpuint(rondo_store_record_batch(reader, batch, values, 2, TEST_T0), ==, 2);
    g_assert_cmpfloat(value_at(reader, ra, 0, TEST_T0), ==, 1);
    g_assert_cmpuint(rondo_store_get_head_ns(reader, 0, 0), ==, TEST_T0);
    g_assert_cmpuint(rondo_store_get_dropped(reader, 0), ==, 0);
    /* The writer's handle still records. */
    g_assert_cmpint(rondo_series_record(a, 5, TEST_T0 + S(1)), ==, RONDO_RECORD_OK);
    g_assert_cmpfloat(value_at(reader, ra, 0, TEST_T0 + S(1)), ==, 5);
}

/* Every point of tier 0 of @s, as "t=v" lines. */
static char *
tier0_points(RondoStore *store, RondoSeries *s)
{
    RondoQueryIter it;
    guint64 ts;
    double v;
    GString *out = g_string_new(NULL);
    g_assert_true(rondo_query_iter_init(&it, store, s, 0, RONDO_CF_LAST, 0, G_MAXUINT64, NULL));
    while (rondo_query_iter_next(&it, &ts, &v))
        g_string_append_printf(out, "%" G_GUINT64_FORMAT "=%.17g\n", ts, v);
    return g_string_free(out, FALSE);
}

/* A RondoRecorder records what rondo_series_record() records, with the
 * same results, on a walk of timestamps that opens slots, goes back inside
 * and beyond the window, jumps past it and leaves the valid range. */
static void
test_recorder_same_as_call(void)
{
    g_autoptr(TestDir) dir_call = test_tmp_dir();
    g_autoptr(TestDir) dir_inline = test_tmp_dir();
    g_autoptr(RondoStore) by_call = test_store_new_preset(dir_call, 4);
    g_autoptr(RondoStore) by_inline = test_store_new_preset(dir_inline, 4);
    RondoSeries *call[4];
    RondoRecorder rec[4];
    for (guint i = 0; i < 4; i++) {
        call[i] = test_series(by_call, "m", i);
        gboolean inlined =
            rondo_recorder_init(&rec[i], test_series(by_inline, "m", i), RONDO_RECORDER_ABI);
#ifdef RONDO_DEBUG
        g_assert_false(inlined); /* debug builds assert every write */
#else
        g_assert_true(inlined);
#endif
    }
    g_autoptr(GRand) rand = g_rand_new_with_seed(14);
    guint64 t = TEST_T0;
    guint n_ok = 0, n_refused = 0;
    for (guint k = 0; k < 200000; k++) {
        guint step = g_rand_int_range(rand, 0, 1000);
        guint64 ts = t;
        if (step < 600)
            ts = t += g_rand_int_range(rand, 0, 400) * (RONDO_NS_PER_S / 1000);
        else if (step < 990)
            ts = t - g_rand_int_range(rand, 0, 700) * RONDO_NS_PER_S; /* back, in or beyond */
        else if (step < 998)
            ts = t += g_rand_int_range(rand, 1, 1500) * RONDO_NS_PER_S; /* past the window */
        else
            ts = 5; /* out of range */
        guint i = g_rand_int_range(rand, 0, 4);
        double v = g_rand_double_range(rand, -1e6, 1e6);
        RondoRecordResult want = rondo_series_record(call[i], v, ts);
        g_assert_cmpint(rondo_recorder_record(&rec[i], v, ts), ==, want);
        want == RONDO_RECORD_OK ? n_ok++ : n_refused++;
    }
    g_assert_cmpuint(n_ok, >, 100000);
    g_assert_cmpuint(n_refused, >, 1000);
    for (guint i = 0; i < 4; i++) {
        g_autofree char *a = tier0_points(by_call, call[i]);
        g_autofree char *b = tier0_points(by_inline, rec[i].series);
        g_assert_cmpstr(a, ==, b);
        g_assert_cmpuint(strlen(a), >, 1000);
    }
    g_assert_cmpuint(rondo_store_get_dropped(by_call, 0), ==,
                     rondo_store_get_dropped(by_inline, 0));
    g_assert_cmpuint(rondo_store_get_head_ns(by_call, 0, 0), ==,
                     rondo_store_get_head_ns(by_inline, 0, 0));
}

/* A recorder the library cannot serve inline records through the call:
 * another ABI (a program built for another format, the previous one
 * included), a read-only store. */
static void
test_recorder_falls_back(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    g_autoptr(RondoStore) writer = test_store_new_preset(dir, 4);
    RondoSeries *a = test_series(writer, "m", 0);
    RondoRecorder rec;
    g_assert_false(rondo_recorder_init(&rec, a, RONDO_RECORDER_ABI + 1));
    g_assert_true(rec.series == a && rec.cells == NULL);
    for (guint i = 0; i < 10; i++)
        g_assert_cmpint(rondo_recorder_record(&rec, i, TEST_T0 + S(i)), ==, RONDO_RECORD_OK);
    g_assert_cmpint(rondo_recorder_record(&rec, 1, 5), ==, RONDO_RECORD_OUT_OF_RANGE);
    g_assert_cmpfloat(value_at(writer, a, 0, TEST_T0 + S(9)), ==, 9);

    /* A program built for ABI 2 (format 2) reads the head it is handed with
     * ABI 2's layout, width at bytes 8..15: it must find nothing cached
     * there, so that its inlined code always takes the call. */
    g_assert_false(rondo_recorder_init(&rec, a, 2));
    g_assert_true(rec.series == a && rec.cells == NULL);
    guint64 abi2_t, abi2_width;
    memcpy(&abi2_t, (const guint8 *)rec.head, 8);
    memcpy(&abi2_width, (const guint8 *)rec.head + 8, 8);
    g_assert_cmpuint(abi2_width, ==, 0);
    g_assert_cmpuint(abi2_t, ==, 0);
    g_assert_cmpint(rondo_recorder_record(&rec, 10, TEST_T0 + S(10)), ==, RONDO_RECORD_OK);
    g_assert_cmpfloat(value_at(writer, a, 0, TEST_T0 + S(10)), ==, 10);

    g_autoptr(RondoStore) reader = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    RondoRecorder ro;
    g_assert_false(rondo_recorder_init(&ro, rondo_store_get_series(reader, 0), RONDO_RECORDER_ABI));
    g_assert_cmpint(rondo_recorder_record(&ro, 2, TEST_T0 + S(9)), ==, RONDO_RECORD_READ_ONLY);
    g_assert_cmpfloat(value_at(reader, rondo_store_get_series(reader, 0), 0, TEST_T0 + S(9)), ==,
                      9);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/store/roundtrip-reopen", test_roundtrip_reopen);
    g_test_add_func("/store/register-duplicate-full", test_register_duplicate_and_full);
    g_test_add_func("/store/register-all", test_register_all);
    g_test_add_func("/store/register-specs", test_register_specs);
    g_test_add_func("/store/lock-and-readers", test_lock_and_readers);
    g_test_add_func("/store/stamps", test_stamps);
    g_test_add_func("/store/create-refuses-existing", test_create_refuses_existing);
    g_test_add_func("/store/several-schemas", test_several_schemas);
    g_test_add_func("/ring/semantics", test_ring_semantics);
    g_test_add_func("/ring/time-range", test_time_range);
    g_test_add_func("/ring/record-batch", test_record_batch);
    g_test_add_func("/ring/record-read-only", test_record_read_only);
    g_test_add_func("/ring/recorder-same-as-call", test_recorder_same_as_call);
    g_test_add_func("/ring/recorder-falls-back", test_recorder_falls_back);
    return g_test_run();
}
