/* test-sim.c - deterministic simulation of a store's whole life (VOPR style).
 *
 * Each seed draws a random store geometry and a random workload on a
 * simulated clock: registrations, writes with gaps, late and too-old
 * writes, clock jumps both ways, maintenance ticks at irregular moments,
 * writer "crashes" (the store is dropped and reopened from its files),
 * read-only opens from a second handle, and drains. A plain reference model
 * - arrays indexed by slot, no atomics, no mmap, no caches - runs beside it,
 * and after every step every tier of every series is compared in full, as
 * are drains, bucket counts and the bytes of the slab files.
 *
 *   RONDO_SEED=N        replay one seed (a failure prints its seed)
 *   RONDO_SIM_SEEDS=N   how many seeds (default 200), RONDO_SIM_STEPS steps each
 */
#include "config.h"
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include "testutil.h"

#define MAX_SERIES 6
#define MAX_TIERS  3

typedef struct {
    guint64 iv, window;
    guint32 slots, functions;
    gint group_of[RONDO_CF_N_FUNCTIONS];
    guint n_groups;
    guint64 head, first, filled, dropped;
    gboolean cells;     /* tier 0: a slot time per value (per cell), not per row */
    guint64 *slot_time; /* [slot], or with cells [group * MAX_SERIES + series][slot] */
    double *val;        /* [group * MAX_SERIES + series][slot] */
} MTier;

typedef struct {
    GRand *rand;
    guint seed, step;
    char *dir;
    RondoStore *store;
    guint n_tiers, n_series;
    MTier tier[MAX_TIERS];
    guint64 now;
    guint64 drain_done[MAX_TIERS];
    guint64 slab_bytes;
    GString *log; /* the last steps, printed on failure */
} Sim;

/* ---------------------------------------------------------------- model */

static double *
m_cell(MTier *m, guint group, guint s, guint32 r)
{
    return &m->val[((gsize)group * MAX_SERIES + s) * m->slots + r];
}

/* The slot time guarding the value of series s in group at ring slot r. */
static guint64 *
m_tag(MTier *m, guint group, guint s, guint32 r)
{
    return m->cells ? &m->slot_time[((gsize)group * MAX_SERIES + s) * m->slots + r]
                    : &m->slot_time[r];
}

static gboolean
m_write(MTier *m, guint group, guint s, double v, guint64 ts)
{
    guint64 t = ts - ts % m->iv;
    if (ts < RONDO_TIME_MIN_NS || ts >= RONDO_TIME_MAX_NS) {
        m->dropped++;
        return FALSE;
    }
    if (t > m->head) {
        if (m->head == 0)
            m->first = t;
        m->head = t;
    } else if (m->head - t >= m->window) {
        m->dropped++;
        return FALSE;
    } else if (t < m->first) {
        m->first = t;
    }
    guint32 r = (guint32)((t / m->iv) % m->slots);
    if (m->cells) {
        *m_tag(m, group, s, r) = t;
    } else if (m->slot_time[r] != t) {
        m->slot_time[r] = t;
        for (guint g = 0; g < m->n_groups; g++)
            for (guint i = 0; i < MAX_SERIES; i++)
                *m_cell(m, g, i, r) = NAN;
    }
    *m_cell(m, group, s, r) = v;
    return TRUE;
}

static gboolean
m_read(MTier *m, guint group, guint s, guint64 t, double *v)
{
    guint32 r = (guint32)((t / m->iv) % m->slots);
    if (t == 0 || *m_tag(m, group, s, r) != t || isnan(*m_cell(m, group, s, r)))
        return FALSE;
    *v = *m_cell(m, group, s, r);
    return TRUE;
}

static guint64
m_oldest(const MTier *m)
{
    if (m->head == 0)
        return 0;
    guint64 span = m->window - m->iv;
    guint64 oldest = m->head > span ? m->head - span : m->iv;
    return MAX(oldest, m->first);
}

static double
m_combine(RondoConsolidation cf, const double *in, guint n)
{
    /* Coarser tiers combine the finer tier's column: counts are summed. */
    return rondo_consolidate_values(cf == RONDO_CF_COUNT ? RONDO_CF_SUM : cf, in, n);
}

static guint
m_consolidate_tier(Sim *sim, guint k)
{
    MTier *src = &sim->tier[k - 1], *dst = &sim->tier[k];
    if (src->head == 0)
        return 0;
    guint64 complete = MAX(src->head, sim->now), reach = m_oldest(src);
    guint64 b = MAX(dst->filled, reach - reach % dst->iv);
    guint64 ratio = dst->iv / src->iv;
    guint n = 0;
    if (b == 0)
        b = dst->iv;
    for (; b + dst->iv <= complete && n < dst->slots; b += dst->iv, n++) {
        for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
            if (dst->group_of[f] < 0)
                continue;
            for (guint s = 0; s < sim->n_series; s++) {
                double in[64];
                guint m = 0;
                guint group = k == 1 ? 0 : (guint)src->group_of[f];
                for (guint64 j = 0; j < ratio; j++) {
                    double v;
                    if (m_read(src, group, s, b + j * src->iv, &v))
                        in[m++] = v;
                }
                double out = k == 1 ? rondo_consolidate_values(f, in, m) : m_combine(f, in, m);
                m_write(dst, (guint)dst->group_of[f], s, out, b);
            }
        }
        dst->filled = b + dst->iv;
    }
    return n;
}

/* ------------------------------------------------------------ comparing */

#define CHECK(sim, cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            g_autofree char *why_ = g_strdup_printf(__VA_ARGS__);                                  \
            g_printerr("RONDO_SEED=%u failed at step %u: %s\nrecent steps:\n%s", (sim)->seed,      \
                       (sim)->step, why_, (sim)->log->str);                                        \
            return FALSE;                                                                          \
        }                                                                                          \
    } while (0)

static gboolean
compare_tier(Sim *sim, RondoStore *store, guint s, guint k, guint f)
{
    MTier *m = &sim->tier[k];
    RondoSeries *series = rondo_store_get_series(store, s);
    RondoQueryIter it;
    guint64 t, expect_t = m_oldest(m);
    double v, mv;

    CHECK(sim, rondo_query_iter_init(&it, store, series, k, f, 0, G_MAXUINT64, NULL),
          "query init tier %u", k);
    while (rondo_query_iter_next(&it, &t, &v)) {
        /* every model point before t must be absent */
        for (; expect_t != 0 && expect_t < t; expect_t += m->iv)
            CHECK(sim, !m_read(m, (guint)m->group_of[f] * (k > 0), s, expect_t, &mv),
                  "series %u tier %u cf %u: missing point at %" G_GUINT64_FORMAT, s, k, f,
                  expect_t);
        guint group = k == 0 ? 0 : (guint)m->group_of[f];
        CHECK(sim, m_read(m, group, s, t, &mv) && mv == v,
              "series %u tier %u cf %u: at %" G_GUINT64_FORMAT " got %g, model %g", s, k, f, t, v,
              m_read(m, group, s, t, &mv) ? mv : NAN);
        expect_t = t + m->iv;
    }
    for (; expect_t != 0 && expect_t <= m->head; expect_t += m->iv)
        CHECK(sim, !m_read(m, k == 0 ? 0 : (guint)m->group_of[f], s, expect_t, &mv),
              "series %u tier %u cf %u: missing point at %" G_GUINT64_FORMAT " (tail)", s, k, f,
              expect_t);
    return TRUE;
}

static gboolean
compare_all(Sim *sim, RondoStore *store)
{
    for (guint k = 0; k < sim->n_tiers; k++) {
        CHECK(sim, rondo_store_get_head_ns(store, 0, k) == sim->tier[k].head,
              "tier %u head %" G_GUINT64_FORMAT ", model %" G_GUINT64_FORMAT, k,
              rondo_store_get_head_ns(store, 0, k), sim->tier[k].head);
        if (k > 0)
            CHECK(sim, rondo_store_get_consolidated_ns(store, 0, k) == sim->tier[k].filled,
                  "tier %u filled cursor", k);
        for (guint s = 0; s < sim->n_series; s++) {
            for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
                if ((k == 0 && f == RONDO_CF_LAST) || (k > 0 && sim->tier[k].group_of[f] >= 0)) {
                    if (!compare_tier(sim, store, s, k, f))
                        return FALSE;
                }
            }
        }
    }
    CHECK(sim, rondo_store_get_dropped(store, 0) == sim->tier[0].dropped, "dropped count");
    return TRUE;
}

/* query_auto: time order, and every point equals its tier's model value. */
static gboolean
compare_auto(Sim *sim)
{
    guint s = (guint)g_rand_int_range(sim->rand, 0, (gint32)sim->n_series);
    RondoConsolidation cf =
        (RondoConsolidation)g_rand_int_range(sim->rand, 0, RONDO_CF_N_FUNCTIONS);
    guint64 start =
        sim->now - MIN(sim->now, (guint64)g_rand_int_range(sim->rand, 0, 400) * RONDO_NS_PER_S);
    RondoQueryIter it;
    guint64 t, prev = 0;
    double v, mv;
    g_assert_true(rondo_query_iter_init_auto(&it, sim->store, rondo_store_get_series(sim->store, s),
                                             cf, start, G_MAXUINT64, NULL));
    while (rondo_query_iter_next(&it, &t, &v)) {
        guint k = rondo_query_iter_get_tier(&it);
        MTier *m = &sim->tier[k];
        gint g = k == 0                 ? 0
                 : m->group_of[cf] >= 0 ? m->group_of[cf]
                                        : MAX(m->group_of[RONDO_CF_AVERAGE], 0);
        CHECK(sim, t > prev && t >= start, "auto: time order");
        CHECK(sim, m_read(m, (guint)g, s, t, &mv) && mv == v,
              "auto: tier %u value at %" G_GUINT64_FORMAT, k, t);
        prev = t;
    }
    return TRUE;
}

/* A drain returns exactly the model's complete points after the cursor. */
static gboolean
compare_drain(Sim *sim, guint k)
{
    MTier *m = &sim->tier[k];
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoDrain) d = rondo_drain_new(sim->store, "sim", k, &error);
    g_assert_no_error(error);
    guint64 oldest = m_oldest(m), done = sim->drain_done[k];
    guint64 limit = k == 0 ? m->head : m->filled;
    guint64 start = done == 0 ? oldest : MAX(done, oldest);
    guint64 missed = done != 0 && done < oldest ? (oldest - done) / m->iv : 0;
    gint group = k == 0 ? 0 : MAX(m->group_of[RONDO_CF_AVERAGE], 0);
    RondoSeries *series;
    guint64 t;
    double v, mv;

    for (guint64 mt = start; mt != 0 && mt < limit; mt += m->iv) {
        for (guint s = 0; s < sim->n_series; s++) {
            if (!m_read(m, (guint)group, s, mt, &mv))
                continue;
            CHECK(sim, rondo_drain_next(d, &series, &t, &v), "drain tier %u ended early", k);
            CHECK(sim, t == mt && rondo_series_get_id(series) == s && v == mv,
                  "drain tier %u: got (%u, %" G_GUINT64_FORMAT
                  ", %g), model (%u, %" G_GUINT64_FORMAT ", %g)",
                  k, rondo_series_get_id(series), t, v, s, mt, mv);
        }
    }
    CHECK(sim, !rondo_drain_next(d, &series, &t, &v), "drain tier %u: extra point", k);
    CHECK(sim, rondo_drain_get_missed(d) == missed,
          "drain tier %u: missed %" G_GUINT64_FORMAT ", model %" G_GUINT64_FORMAT, k,
          rondo_drain_get_missed(d), missed);
    g_assert_true(rondo_drain_commit(d, &error));
    if (start != 0)
        sim->drain_done[k] = MAX(start, limit);
    return TRUE;
}

static guint64
slab_bytes(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    guint64 total = 0;
    while (d && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *p = g_build_filename(dir, name, NULL);
        GStatBuf st;
        if (g_str_has_suffix(name, ".slab") && g_stat(p, &st) == 0)
            total += (guint64)st.st_size;
    }
    return total;
}

/* ------------------------------------------------------------- geometry */

static RondoSchema *
sim_schema(Sim *sim)
{
    GRand *r = sim->rand;
    g_autoptr(RondoSchema) s = rondo_schema_new("sim", MAX_SERIES, NULL);
    guint64 iv = RONDO_NS_PER_S;
    guint32 fns = 0;
    sim->n_tiers = (guint)g_rand_int_range(r, 1, MAX_TIERS + 1);
    for (guint k = 0; k < sim->n_tiers; k++) {
        guint32 slots = (guint32)g_rand_int_range(r, k == 0 ? 4 : 3, k == 0 ? 41 : 21);
        if (k > 0) {
            iv *= (guint64)g_rand_int_range(r, 2, 6);
            guint32 pick = (guint32)g_rand_int_range(r, 1, 1 << RONDO_CF_N_FUNCTIONS);
            fns = k == 1 ? pick : ((pick & fns) ? (pick & fns) : fns);
        }
        g_assert_true(rondo_schema_add_tier(s, iv, slots, fns, NULL));
        MTier *m = &sim->tier[k];
        m->iv = iv;
        m->slots = slots;
        m->window = iv * slots;
        m->functions = rondo_schema_get_tier_functions(s, k);
        m->n_groups = 0;
        for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++)
            m->group_of[f] = (m->functions & RONDO_CF_BIT(f)) ? (gint)m->n_groups++ : -1;
        m->cells = k == 0;
        m->slot_time = g_new0(guint64, m->cells ? (gsize)m->n_groups * MAX_SERIES * slots : slots);
        m->val = g_new(double, (gsize)m->n_groups *MAX_SERIES *slots);
        for (gsize i = 0; i < (gsize)m->n_groups * MAX_SERIES * slots; i++)
            m->val[i] = NAN;
    }
    return g_steal_pointer(&s);
}

/* ---------------------------------------------------------------- steps */

static void sim_log(Sim *sim, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
sim_log(Sim *sim, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (sim->log->len > 4000)
        g_string_erase(sim->log, 0, sim->log->len - 2000);
    g_string_append_printf(sim->log, "  %u: ", sim->step);
    g_string_append_vprintf(sim->log, fmt, ap);
    g_string_append_c(sim->log, '\n');
    va_end(ap);
}

static void
step_write(Sim *sim)
{
    GRand *r = sim->rand;
    MTier *m = &sim->tier[0];
    guint s = (guint)g_rand_int_range(r, 0, (gint32)sim->n_series);
    gint32 kind = g_rand_int_range(r, 0, 10);
    guint64 ts = sim->now + (guint64)g_rand_int_range(r, 0, 1000) * (RONDO_NS_PER_S / 1000);
    if (kind == 7 || kind == 8) /* late, maybe inside the window */
        ts -= MIN(ts, (guint64)g_rand_int_range(r, 1, (gint32)m->slots + 3) * m->iv);
    else if (kind == 9) /* far in the past */
        ts -= MIN(ts, m->window * 2);
    double v = g_rand_int_range(r, 0, 20) == 0 ? NAN : (double)g_rand_int_range(r, -1000, 1000);
    RondoRecordResult got = rondo_series_record(rondo_store_get_series(sim->store, s), v, ts);
    gboolean ok = m_write(m, 0, s, v, ts);
    sim_log(sim, "write s%u %g at %+" G_GINT64_FORMAT " ms -> %d", s, v,
            (gint64)(ts - TEST_T0) / 1000000, got);
    g_assert_cmpint(got, ==, ok ? RONDO_RECORD_OK : RONDO_RECORD_TOO_OLD);
}

static void
step_clock(Sim *sim)
{
    GRand *r = sim->rand;
    gint32 kind = g_rand_int_range(r, 0, 20);
    guint64 d;
    if (kind < 16)
        d = (guint64)g_rand_int_range(r, 1, 3000) * (RONDO_NS_PER_S / 1000);
    else if (kind < 18)
        d = sim->tier[0].window * (guint64)g_rand_int_range(r, 1, 4);
    else
        d = 0;
    if (kind >= 18) { /* backwards */
        guint64 back =
            (guint64)g_rand_int_range(r, 1, 2 * (gint32)sim->tier[0].slots) * RONDO_NS_PER_S;
        sim->now -= MIN(back, sim->now - RONDO_NS_PER_S);
        sim_log(sim, "clock back to %+" G_GINT64_FORMAT " ms",
                (gint64)(sim->now - TEST_T0) / 1000000);
        return;
    }
    sim->now += d;
    sim_log(sim, "clock to %+" G_GINT64_FORMAT " ms", (gint64)(sim->now - TEST_T0) / 1000000);
}

static gboolean
step_tick(Sim *sim)
{
    guint got = 0, want = 0;
    guint64 now = g_rand_boolean(sim->rand) ? sim->now : 0;
    guint64 saved = sim->now;
    g_assert_true(rondo_store_consolidate(sim->store, now, &got, NULL));
    sim->now = now;
    for (guint k = 1; k < sim->n_tiers; k++)
        want += m_consolidate_tier(sim, k);
    sim->now = saved;
    sim_log(sim, "tick now=%s -> %u buckets", now ? "clock" : "data", got);
    CHECK(sim, got == want, "tick produced %u buckets, model %u", got, want);
    return TRUE;
}

static void
step_reopen(Sim *sim)
{
    g_autoptr(GError) error = NULL;
    rondo_store_close(sim->store);
    sim->store = rondo_store_open(sim->dir, RONDO_OPEN_WRITE, &error);
    g_assert_no_error(error);
    sim_log(sim, "crash and reopen");
}

static gboolean
step_reader(Sim *sim)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoStore) reader = rondo_store_open(sim->dir, RONDO_OPEN_READ_ONLY, &error);
    g_assert_no_error(error);
    sim_log(sim, "reader open");
    CHECK(sim, rondo_store_get_n_series(reader) == sim->n_series, "reader series count");
    return compare_all(sim, reader);
}

static gboolean
sim_step(Sim *sim)
{
    gint32 op = g_rand_int_range(sim->rand, 0, 100);
    if (op < 45) {
        step_write(sim);
    } else if (op < 70) {
        step_clock(sim);
    } else if (op < 82) {
        if (!step_tick(sim))
            return FALSE;
    } else if (op < 86 && sim->n_series < MAX_SERIES) {
        test_series(sim->store, "sim_series", sim->n_series++);
        sim_log(sim, "register s%u", sim->n_series - 1);
    } else if (op < 89) {
        step_reopen(sim);
    } else if (op < 92) {
        if (!step_reader(sim))
            return FALSE;
    } else if (op < 96) {
        guint k = (guint)g_rand_int_range(sim->rand, 0, (gint32)sim->n_tiers);
        sim_log(sim, "drain tier %u", k);
        if (!compare_drain(sim, k))
            return FALSE;
    } else {
        if (!compare_auto(sim))
            return FALSE;
    }
    return compare_all(sim, sim->store);
}

static gboolean
sim_run(guint seed, guint steps)
{
    g_autoptr(TestDir) dir = test_tmp_dir();
    Sim sim = {0};
    gboolean ok = TRUE;

    sim.seed = seed;
    sim.rand = g_rand_new_with_seed(seed);
    sim.dir = dir;
    sim.log = g_string_new(NULL);
    sim.now = TEST_T0 + (guint64)g_rand_int_range(sim.rand, 0, 1000) * RONDO_NS_PER_S;
    g_autoptr(RondoSchema) schema = sim_schema(&sim);
    sim.store = rondo_store_create(dir, &schema, 1, NULL);
    g_assert_nonnull(sim.store);
    test_series(sim.store, "sim_series", sim.n_series++);
    sim.slab_bytes = slab_bytes(dir);
    g_assert_cmpuint(sim.slab_bytes, ==, rondo_schema_get_bytes(schema));
    for (sim.step = 0; ok && sim.step < steps; sim.step++) {
        ok = sim_step(&sim);
        if (ok && slab_bytes(dir) != sim.slab_bytes) {
            g_printerr("RONDO_SEED=%u: slab bytes changed at step %u\n", seed, sim.step);
            ok = FALSE;
        }
    }
    rondo_store_close(sim.store);
    for (guint k = 0; k < sim.n_tiers; k++) {
        g_free(sim.tier[k].slot_time);
        g_free(sim.tier[k].val);
    }
    g_string_free(sim.log, TRUE);
    g_rand_free(sim.rand);
    return ok;
}

static guint
env_uint(const char *name, guint fallback)
{
    const char *v = g_getenv(name);
    return v ? (guint)g_ascii_strtoull(v, NULL, 10) : fallback;
}

static void
test_simulation(void)
{
    guint steps = env_uint("RONDO_SIM_STEPS", 300);
    const char *one = g_getenv("RONDO_SEED");
    guint first = one ? (guint)g_ascii_strtoull(one, NULL, 10) : 1;
    guint n = one ? 1 : env_uint("RONDO_SIM_SEEDS", 200);
    guint failed = 0;
    gint64 t0 = g_get_monotonic_time();

    for (guint seed = first; seed < first + n; seed++)
        failed += !sim_run(seed, steps);
    g_test_message("%u seeds x %u steps, %u failed, %.1f s", n, steps, failed,
                   (double)(g_get_monotonic_time() - t0) / 1e6);
    g_assert_cmpuint(failed, ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/seeds", test_simulation);
    return g_test_run();
}
