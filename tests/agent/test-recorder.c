/* test-recorder.c - a VM's store as the recorder fills it (agent/recorder.c):
 * running totals from deltas, totals and gauges as they are, registration
 * in a worker with readings queued behind it, totals carried over a
 * restart, types and units registered, and a store that cannot be opened. */
#include "config.h"

#include "recorder.h"
#include "testutil.h"

#define T0_NS G_GUINT64_CONSTANT(1767225600000000000)
#define S_NS  G_GUINT64_CONSTANT(1000000000)

static void
on_closed(gpointer data)
{
    g_main_loop_quit(data);
}

/* Pushes one set per row of @deltas (the series "a_total", a delta) plus
 * a gauge and a total, one second apart from @t0_ns, then closes. */
static RecorderStats
record_run(const char *path, guint64 t0_ns, const double *deltas, gsize n)
{
    Recorder *rec = recorder_new("test", path, "firecracker", 64);
    for (gsize i = 0; i < n; i++) {
        SampleSet *set = sample_set_new(t0_ns + i * S_NS);
        sample_set_add(set, "a_total", NULL, SAMPLE_DELTA, deltas[i]);
        sample_set_add(set, "g_seconds", NULL, SAMPLE_GAUGE, (double)i);
        sample_set_add(set, "t_total", "d", SAMPLE_TOTAL, 10.0 * (double)(i + 1));
        recorder_push(rec, set);
    }
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    recorder_close(rec, on_closed, loop);
    g_main_loop_run(loop);
    RecorderStats stats = *recorder_get_stats(rec);
    recorder_free(rec);
    return stats;
}

/* The values of @name{device=@device} in tier 0, in time order. */
static GArray *
stored(const char *path, const char *name, const char *device)
{
    g_autoptr(RondoStore) store = rondo_store_open(path, RONDO_OPEN_READ_ONLY, NULL);
    g_assert_nonnull(store);
    const char *labels[] = {"device", device, NULL};
    RondoSeries *series = rondo_store_lookup(store, name, device != NULL ? labels : NULL);
    g_assert_nonnull(series);
    RondoQueryIter it;
    g_assert_true(rondo_query_iter_init(&it, store, series, 0, RONDO_CF_LAST, T0_NS,
                                        T0_NS + 100 * S_NS, NULL));
    GArray *values = g_array_new(FALSE, FALSE, sizeof(double));
    guint64 t;
    double v;
    while (rondo_query_iter_next(&it, &t, &v))
        g_array_append_val(values, v);
    return values;
}

static void
assert_values(GArray *have, const double *want, gsize n)
{
    g_assert_cmpuint(have->len, ==, n);
    for (gsize i = 0; i < n; i++)
        g_assert_cmpfloat(g_array_index(have, double, i), ==, want[i]);
    g_array_unref(have);
}

static void
test_totals(void)
{
    char *dir = test_tmp_dir();
    g_autofree char *path = g_build_filename(dir, "vm", NULL);
    const double deltas[] = {5, 3, 0, 7};
    RecorderStats st = record_run(path, T0_NS, deltas, G_N_ELEMENTS(deltas));
    g_assert_cmpuint(st.sets_recorded, ==, 4);
    g_assert_cmpuint(st.sets_dropped, ==, 0);
    assert_values(stored(path, "a_total", NULL), (const double[]){5, 8, 8, 15}, 4);
    assert_values(stored(path, "g_seconds", NULL), (const double[]){0, 1, 2, 3}, 4);
    assert_values(stored(path, "t_total", "d"), (const double[]){10, 20, 30, 40}, 4);

    /* an agent restarted on the same store carries the totals on */
    const double more[] = {1, 2};
    record_run(path, T0_NS + 10 * S_NS, more, G_N_ELEMENTS(more));
    assert_values(stored(path, "a_total", NULL), (const double[]){5, 8, 8, 15, 16, 18}, 6);
    test_tmp_free(dir);
}

/* Each series registered with the type its kind means and the unit its name carries. */
static void
test_described(void)
{
    char *dir = test_tmp_dir();
    g_autofree char *path = g_build_filename(dir, "vm", NULL);
    const double deltas[] = {1};
    record_run(path, T0_NS, deltas, G_N_ELEMENTS(deltas));
    g_autoptr(RondoStore) store = rondo_store_open(path, RONDO_OPEN_READ_ONLY, NULL);
    g_assert_nonnull(store);
    const char *d[] = {"device", "d", NULL};
    RondoSeries *a = rondo_store_lookup(store, "a_total", NULL);
    RondoSeries *g = rondo_store_lookup(store, "g_seconds", NULL);
    RondoSeries *t = rondo_store_lookup(store, "t_total", d);
    g_assert_cmpint(rondo_series_get_type(a), ==, RONDO_SERIES_COUNTER);
    g_assert_cmpint(rondo_series_get_type(t), ==, RONDO_SERIES_COUNTER);
    g_assert_cmpint(rondo_series_get_type(g), ==, RONDO_SERIES_GAUGE);
    g_assert_cmpstr(rondo_series_get_unit(g), ==, "seconds");
    g_assert_cmpstr(rondo_series_get_unit(a), ==, "");
    test_tmp_free(dir);
}

/* A store that cannot be made: every set is dropped and counted, nothing blocks. */
static void
test_unopenable(void)
{
    char *dir = test_tmp_dir();
    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    g_autofree char *file = g_build_filename(dir, "file", NULL);
    g_assert_true(g_file_set_contents(file, "x", 1, NULL));
    g_autofree char *path = g_build_filename(file, "vm", NULL);
    const double deltas[] = {1, 2, 3};
    RecorderStats st = record_run(path, T0_NS, deltas, G_N_ELEMENTS(deltas));
    g_assert_cmpuint(st.sets_recorded, ==, 0);
    g_assert_cmpuint(st.sets_dropped, ==, 3);
    test_tmp_free(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/recorder/totals", test_totals);
    g_test_add_func("/recorder/unopenable", test_unopenable);
    g_test_add_func("/recorder/described", test_described);
    return g_test_run();
}
