/* test-property.c - seeded random workloads against a reference model of tier 0.
 *
 * A tiny model (a map from slot time to one row of values, a head and a
 * drop counter) predicts what tier 0 must hold after any sequence of
 * writes: the last value written into each slot inside the window, nothing
 * older than the window, nothing from a previous wrap of the ring. Random
 * sequences move time mostly forward, with gaps, late writes, clocks that
 * jump backwards, NaN values, batches, and reopens of the store in the
 * middle; after every batch of operations every series is queried (through
 * the writer and through a read-only handle) and compared with the model.
 *
 * Seeds: RONDO_SEED=<n> runs that one seed; otherwise a fixed run of seeds.
 * A failure prints RONDO_SEED=<n>, which replays it exactly.
 */
#include "config.h"
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testutil.h"

#define N_SEEDS         50
#define N_BATCHES       12
#define OPS_PER_BATCH   150
#define N_SCHEMAS       2
#define SERIES_PER_MAX  6
#define SUBRANGE_CHECKS 4

/* The seed under test, for the failure messages and the abort handler. */
static guint current_seed;

static void
seed_abort_handler(int sig)
{
    char buf[96];
    int n = g_snprintf(buf, sizeof buf, "\nRONDO_SEED=%u reproduces this failure\n", current_seed);
    if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
        /* nothing more can be done in a signal handler */
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

#define prop_check(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            g_autofree char *msg_ = g_strdup_printf(__VA_ARGS__);                                  \
            g_printerr("RONDO_SEED=%u: %s\n", current_seed, msg_);                                 \
            g_test_message("RONDO_SEED=%u: %s", current_seed, msg_);                               \
            g_assert_not_reached();                                                                \
        }                                                                                          \
    } while (0)

/* ------------------------------------------------------------ the model */

/* Tier 0 of one schema, as the documented ring semantics define it. */
typedef struct {
    guint64 interval_ns;
    guint32 slots;
    guint32 n_series;
    guint64 head_ns; /* newest slot time written, 0 none */
    guint64 dropped;
    GHashTable *rows; /* guint64 slot time -> double[n_series] */
} Model;

static void
model_init(Model *m, guint64 interval_ns, guint32 slots, guint32 n_series)
{
    memset(m, 0, sizeof *m);
    m->interval_ns = interval_ns;
    m->slots = slots;
    m->n_series = n_series;
    m->rows = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
}

static void
model_clear(Model *m)
{
    g_clear_pointer(&m->rows, g_hash_table_unref);
}

static guint64
model_window_ns(const Model *m)
{
    return m->interval_ns * m->slots;
}

static gboolean
model_row_expired(gpointer key, gpointer value, gpointer data)
{
    const Model *m = data;
    return m->head_ns - *(guint64 *)key >= model_window_ns(m);
}

static RondoRecordResult
model_write(Model *m, guint32 column, double v, guint64 ts)
{
    guint64 t = ts - ts % m->interval_ns;

    g_assert(column < m->n_series);
    if (ts < RONDO_TIME_MIN_NS || ts >= RONDO_TIME_MAX_NS) {
        m->dropped++;
        return RONDO_RECORD_OUT_OF_RANGE;
    }
    if ((t <= m->head_ns && m->head_ns - t >= model_window_ns(m))) {
        m->dropped++;
        return RONDO_RECORD_TOO_OLD;
    }
    if (t > m->head_ns) {
        m->head_ns = t;
        g_hash_table_foreach_remove(m->rows, model_row_expired, m);
    }
    double *row = g_hash_table_lookup(m->rows, &t);
    if (row == NULL) {
        row = g_new(double, m->n_series);
        for (guint32 i = 0; i < m->n_series; i++)
            row[i] = NAN;
        g_hash_table_insert(m->rows, g_memdup2(&t, sizeof t), row);
    }
    row[column] = v;
    return RONDO_RECORD_OK;
}

/* The oldest slot time inside the window (at least one interval). */
static guint64
model_oldest(const Model *m)
{
    guint64 span = model_window_ns(m) - m->interval_ns;
    return m->head_ns > span ? MAX(m->head_ns - span, m->interval_ns) : m->interval_ns;
}

/* ---------------------------------------------------------- the workload */

typedef struct {
    GRand *rand;
    char *dir;
    RondoStore *store;
    RondoStore *reader; /* a read-only handle on the same store, or NULL */
    Model models[N_SCHEMAS];
    guint n_series;
    RondoSeries *series[N_SCHEMAS * SERIES_PER_MAX]; /* by store-wide id */
    guint schema_of[N_SCHEMAS * SERIES_PER_MAX];
    guint32 column_of[N_SCHEMAS * SERIES_PER_MAX];
    guint64 bytes;
    guint64 now_ns; /* the simulated clock */
    guint reopens;
} World;

static RondoSchema *
world_schema(World *w, guint i, guint32 series_max)
{
    static const guint64 intervals[] = {1000, RONDO_NS_PER_S, 10 * RONDO_NS_PER_S};
    static const guint32 slots[] = {2, 3, 10, 64};
    g_autoptr(GError) error = NULL;
    guint64 iv = intervals[g_rand_int_range(w->rand, 0, G_N_ELEMENTS(intervals))];
    guint32 n = slots[g_rand_int_range(w->rand, 0, G_N_ELEMENTS(slots))];
    g_autofree char *name = g_strdup_printf("s%u", i);
    RondoSchema *schema = rondo_schema_new(name, series_max, &error);

    g_assert_no_error(error);
    g_assert_true(rondo_schema_add_tier(schema, iv, n, 0, &error));
    g_assert_true(rondo_schema_add_tier(
        schema, 4 * iv, 8, RONDO_CF_BIT(RONDO_CF_AVERAGE) | RONDO_CF_BIT(RONDO_CF_MAX), &error));
    if (i == 0)
        g_assert_true(rondo_schema_add_matcher(schema, "grp", RONDO_MATCH_EQUAL, "a", &error));
    g_assert_no_error(error);
    model_init(&w->models[i], iv, n, series_max);
    return schema;
}

static void
world_register(World *w)
{
    for (guint i = 0; i < N_SCHEMAS; i++) {
        for (guint32 c = 0; c < w->models[i].n_series; c++) {
            g_autoptr(GError) error = NULL;
            g_autofree char *id = g_strdup_printf("%u", c);
            const char *labels[] = {"grp", i == 0 ? "a" : "b", "id", id, NULL};
            RondoSeries *s = rondo_store_register(w->store, "m", labels, &error);
            g_assert_no_error(error);
            guint sid = rondo_series_get_id(s);
            g_assert_cmpuint(sid, ==, w->n_series);
            g_assert_cmpuint(rondo_series_get_schema(s), ==, i);
            w->series[sid] = s;
            w->schema_of[sid] = i;
            w->column_of[sid] = c;
            w->n_series++;
        }
    }
}

static void
world_create(World *w, guint seed)
{
    g_autoptr(GError) error = NULL;
    RondoSchema *schemas[N_SCHEMAS];

    memset(w, 0, sizeof *w);
    w->rand = g_rand_new_with_seed(seed);
    w->dir = test_tmp_dir();
    for (guint i = 0; i < N_SCHEMAS; i++)
        schemas[i] = world_schema(w, i, (guint32)g_rand_int_range(w->rand, 1, SERIES_PER_MAX + 1));
    w->store = rondo_store_create(w->dir, schemas, N_SCHEMAS, &error);
    g_assert_no_error(error);
    for (guint i = 0; i < N_SCHEMAS; i++)
        rondo_schema_free(schemas[i]);
    world_register(w);
    w->bytes = rondo_store_get_bytes(w->store);
    w->now_ns = TEST_T0 + (guint64)g_rand_int(w->rand) * 1000;
    w->reader = rondo_store_open(w->dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
}

static void
world_free(World *w)
{
    rondo_store_close(w->reader);
    rondo_store_close(w->store);
    for (guint i = 0; i < N_SCHEMAS; i++)
        model_clear(&w->models[i]);
    test_tmp_free(w->dir);
    g_rand_free(w->rand);
}

/* Close everything and open the store again; the handles must come back. */
static void
world_reopen(World *w)
{
    g_autoptr(GError) error = NULL;

    g_clear_pointer(&w->reader, rondo_store_close);
    g_clear_pointer(&w->store, rondo_store_close);
    w->store = rondo_store_open(w->dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rondo_store_get_n_series(w->store), ==, w->n_series);
    for (guint id = 0; id < w->n_series; id++) {
        RondoSeries *s = rondo_store_get_series(w->store, id);
        g_assert_cmpuint(rondo_series_get_schema(s), ==, w->schema_of[id]);
        w->series[id] = s;
    }
    if (g_rand_boolean(w->rand)) {
        w->reader = rondo_store_open(w->dir, RONDO_OPEN_READ_ONLY, &error);
        g_assert_no_error(error);
    }
    w->reopens++;
}

/* The next timestamp: mostly forward, sometimes a gap, a late write, a
 * clock jumping backwards, a rewrite of the same slot, or a timestamp
 * inside the first interval after the epoch (always refused). */
static guint64
world_next_ts(World *w, const Model *m)
{
    guint64 iv = m->interval_ns, window = model_window_ns(m);
    gint r = g_rand_int_range(w->rand, 0, 100);

    if (r < 60) {
        w->now_ns += (guint64)g_rand_double_range(w->rand, 0, 2.0 * (double)iv);
    } else if (r < 68) {
        w->now_ns +=
            (guint64)g_rand_double_range(w->rand, (double)window / 2, 3.0 * (double)window);
    } else if (r < 83) {
        return w->now_ns - (guint64)g_rand_double_range(w->rand, 0, (double)(window + 3 * iv));
    } else if (r < 88) {
        w->now_ns -= (guint64)g_rand_double_range(w->rand, 0, 2.0 * (double)window);
    } else if (r < 89) {
        return (guint64)g_rand_double_range(w->rand, 0, (double)iv);
    } else if (r < 90) { /* out of range: a timestamp in the wrong unit */
        return RONDO_TIME_MAX_NS + (guint64)g_rand_double_range(w->rand, 0, 1.1e19);
    }
    return w->now_ns;
}

static double
world_next_value(World *w)
{
    if (g_rand_int_range(w->rand, 0, 100) < 12)
        return NAN;
    return (double)g_rand_int_range(w->rand, -1000000, 1000000) / 8.0;
}

static void
world_op_single(World *w, guint op)
{
    guint id = (guint)g_rand_int_range(w->rand, 0, (gint32)w->n_series);
    Model *m = &w->models[w->schema_of[id]];
    guint64 ts = world_next_ts(w, m);
    double v = world_next_value(w);
    RondoRecordResult expect = model_write(m, w->column_of[id], v, ts);
    RondoRecordResult got = rondo_series_record(w->series[id], v, ts);

    prop_check(got == expect,
               "op %u: record(series %u, %g, ts %" G_GUINT64_FORMAT ") returned %d, model says %d",
               op, id, v, ts, got, expect);
}

static void
world_op_batch(World *w, guint op)
{
    RondoSeries *batch[8];
    double values[G_N_ELEMENTS(batch)];
    guint n = (guint)g_rand_int_range(w->rand, 1, G_N_ELEMENTS(batch) + 1);
    guint64 ts = world_next_ts(w, &w->models[g_rand_int_range(w->rand, 0, N_SCHEMAS)]);
    gsize expect = 0;

    for (guint i = 0; i < n; i++) {
        guint id = (guint)g_rand_int_range(w->rand, 0, (gint32)w->n_series);
        batch[i] = w->series[id];
        values[i] = world_next_value(w);
        expect += model_write(&w->models[w->schema_of[id]], w->column_of[id], values[i], ts) !=
                  RONDO_RECORD_OK;
    }
    gsize got = rondo_store_record_batch(w->store, batch, values, n, ts);
    prop_check(got == expect,
               "op %u: batch of %u at ts %" G_GUINT64_FORMAT " dropped %" G_GSIZE_FORMAT
               ", model says %" G_GSIZE_FORMAT,
               op, n, ts, got, expect);
}

/* ------------------------------------------------------------ the checks */

/* Query [start, end] of one series through store and compare with the model. */
static void
check_range(World *w, RondoStore *store, guint id, guint64 start, guint64 end, const char *who)
{
    g_autoptr(GError) error = NULL;
    const Model *m = &w->models[w->schema_of[id]];
    RondoSeries *s = rondo_store_get_series(store, id);
    RondoQueryIter it;
    guint n_got = 0, n_expect = 0;

    prop_check(s != NULL, "%s: series %u unknown", who, id);
    g_assert_true(rondo_query_iter_init(&it, store, s, 0, RONDO_CF_LAST, start, end, &error));
    g_assert_no_error(error);
    guint64 t = m->head_ns == 0 ? G_MAXUINT64 : model_oldest(m);
    for (; m->head_ns != 0 && t <= m->head_ns; t += m->interval_ns) {
        const double *row = g_hash_table_lookup(m->rows, &t);
        if (t < start || t > end || row == NULL || isnan(row[w->column_of[id]]))
            continue;
        guint64 got_t;
        double got_v;
        n_expect++;
        prop_check(rondo_query_iter_next(&it, &got_t, &got_v),
                   "%s: series %u [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT
                   "]: missing point at %" G_GUINT64_FORMAT " (value %g)",
                   who, id, start, end, t, row[w->column_of[id]]);
        n_got++;
        prop_check(got_t == t && got_v == row[w->column_of[id]],
                   "%s: series %u: got (%" G_GUINT64_FORMAT ", %g), model says (%" G_GUINT64_FORMAT
                   ", %g); head %" G_GUINT64_FORMAT,
                   who, id, got_t, got_v, t, row[w->column_of[id]], m->head_ns);
    }
    guint64 extra_t = 0;
    double extra_v = 0;
    prop_check(!rondo_query_iter_next(&it, &extra_t, &extra_v),
               "%s: series %u: unexpected point (%" G_GUINT64_FORMAT ", %g) after %u expected; "
               "head %" G_GUINT64_FORMAT ", window %u x %" G_GUINT64_FORMAT " ns",
               who, id, extra_t, extra_v, n_expect, m->head_ns, m->slots, m->interval_ns);
    g_assert_cmpuint(n_got, ==, n_expect);
}

static void
check_store(World *w, RondoStore *store, const char *who)
{
    for (guint i = 0; i < N_SCHEMAS; i++) {
        prop_check(rondo_store_get_head_ns(store, i, 0) == w->models[i].head_ns,
                   "%s: schema %u head %" G_GUINT64_FORMAT ", model %" G_GUINT64_FORMAT, who, i,
                   rondo_store_get_head_ns(store, i, 0), w->models[i].head_ns);
        prop_check(rondo_store_get_dropped(store, i) == w->models[i].dropped,
                   "%s: schema %u dropped %" G_GUINT64_FORMAT ", model %" G_GUINT64_FORMAT, who, i,
                   rondo_store_get_dropped(store, i), w->models[i].dropped);
    }
    for (guint id = 0; id < w->n_series; id++) {
        const Model *m = &w->models[w->schema_of[id]];
        check_range(w, store, id, 0, G_MAXUINT64, who);
        for (guint k = 0; m->head_ns != 0 && k < SUBRANGE_CHECKS; k++) {
            guint64 w2 = model_window_ns(m) + 2 * m->interval_ns;
            guint64 start = m->head_ns + m->interval_ns -
                            (guint64)g_rand_double_range(w->rand, 0, (double)(w2 + m->interval_ns));
            guint64 end = start + (guint64)g_rand_double_range(w->rand, 0, (double)w2);
            check_range(w, store, id, start, end, who);
        }
    }
}

/* The store's size never changes, neither by its own account nor on disk. */
static void
check_bytes(World *w)
{
    prop_check(rondo_store_get_bytes(w->store) == w->bytes,
               "store bytes changed: %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT, w->bytes,
               rondo_store_get_bytes(w->store));
    for (guint i = 0; i < N_SCHEMAS; i++) {
        const RondoSchema *schema = rondo_store_get_schema(w->store, i);
        for (guint t = 0; t < rondo_schema_get_n_tiers(schema); t++) {
            g_autofree char *base = g_strdup_printf("%s.%u.slab", rondo_schema_get_name(schema), t);
            g_autofree char *path = g_build_filename(w->dir, base, NULL);
            struct stat st;
            g_assert_cmpint(stat(path, &st), ==, 0);
            prop_check((guint64)st.st_size == rondo_schema_get_tier_bytes(schema, t),
                       "%s is %" G_GUINT64_FORMAT " bytes, computed %" G_GUINT64_FORMAT, base,
                       (guint64)st.st_size, rondo_schema_get_tier_bytes(schema, t));
        }
    }
}

static void
run_seed(guint seed)
{
    World w;

    current_seed = seed;
    world_create(&w, seed);
    for (guint b = 0; b < N_BATCHES; b++) {
        for (guint op = 0; op < OPS_PER_BATCH; op++) {
            if (g_rand_int_range(w.rand, 0, 10) == 0)
                world_op_batch(&w, b * OPS_PER_BATCH + op);
            else
                world_op_single(&w, b * OPS_PER_BATCH + op);
        }
        if (g_rand_int_range(w.rand, 0, 4) == 0) {
            g_autoptr(GError) error = NULL;
            g_assert_true(rondo_store_consolidate(w.store, 0, NULL, &error));
            g_assert_no_error(error);
        }
        check_store(&w, w.store, "writer");
        if (w.reader)
            check_store(&w, w.reader, "reader");
        check_bytes(&w);
        if (g_rand_int_range(w.rand, 0, 3) == 0) {
            world_reopen(&w);
            check_store(&w, w.store, "writer after reopen");
        }
    }
    world_free(&w);
}

static void
test_random_writes(void)
{
    const char *env = g_getenv("RONDO_SEED");
    void (*old)(int) = signal(SIGABRT, seed_abort_handler);

    if (env != NULL && *env != '\0') {
        guint64 seed = 0;
        g_assert_true(g_ascii_string_to_unsigned(env, 10, 0, G_MAXUINT32, &seed, NULL));
        g_test_message("replaying RONDO_SEED=%u", (guint)seed);
        run_seed((guint)seed);
    } else {
        g_test_message("seeds 1..%d; RONDO_SEED=<n> replays one", N_SEEDS);
        for (guint seed = 1; seed <= N_SEEDS; seed++)
            run_seed(seed);
    }
    signal(SIGABRT, old);
}

/* The smallest case the random test found: a timestamp inside the first
 * interval after the epoch must be refused and counted, also as the first
 * write after the store is opened, and must never touch another slot. */
static void
test_tiny_timestamp_after_open(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(TestDir) dir = test_tmp_dir();
    RondoStore *store = test_store_new_preset(dir, 1);
    RondoSeries *a = test_series(store, "m", 0);
    /* A slot time that lives in ring slot 0 of the 600-slot tier 0. */
    guint64 t0 = (TEST_T0 / (600 * RONDO_NS_PER_S)) * 600 * RONDO_NS_PER_S;

    g_assert_cmpint(rondo_series_record(a, 1.0, t0), ==, RONDO_RECORD_OK);
    rondo_store_close(store);
    store = rondo_store_open(dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    a = rondo_store_get_series(store, 0);
    g_assert_cmpint(rondo_series_record(a, 99.0, 5), ==, RONDO_RECORD_OUT_OF_RANGE);
    g_assert_cmpuint(rondo_store_get_dropped(store, 0), ==, 1);
    double sum = 0;
    g_assert_cmpuint(test_count_points(store, a, 0, RONDO_CF_LAST, 0, G_MAXUINT64, &sum), ==, 1);
    g_assert_cmpfloat(sum, ==, 1.0);
    rondo_store_close(store);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/property/random-writes", test_random_writes);
    g_test_add_func("/property/tiny-timestamp-after-open", test_tiny_timestamp_after_open);
    return g_test_run();
}
