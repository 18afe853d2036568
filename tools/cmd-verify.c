/* cmd-verify.c - `rondo verify DIR`: an fsck that never repairs.
 *
 * rondo_store_open() already checks every slab header (magic, version,
 * schema hash, size, CRC) and the series index against the slab
 * directories. rondo_store_check() adds every invariant readers rely on
 * (cursors against each other and the clock, slot times against their ring
 * position, used directory entries against series.json). On top of that,
 * through the public API only, this checks every slab file's exact size,
 * that every point of every tier and function lies inside the tier's
 * window in strictly increasing slot times, and that every series is found
 * again by its identity. Problems go to stderr one per line; the exit
 * status is 1 if there is any.
 */
#include "config.h"
#include <stdio.h>
#include <glib/gstdio.h>
#include "rondo-tool.h"
#include "store-meta.h"

typedef struct {
    const char *dir;
    const RondoStore *store;
    guint problems;
    guint64 points;
} Check;

static void G_GNUC_PRINTF(2, 3) problem(Check *c, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    tool_error("%s: %s", c->dir, msg);
    c->problems++;
}

static void
check_slab_file(Check *c, guint si, guint tier)
{
    guint64 expect = rondo_store_get_tier_bytes(c->store, si, tier);
    g_autofree char *path = rondo_store_get_slab_path(c->store, si, tier);
    g_autofree char *base = g_path_get_basename(path);
    GStatBuf st;
    if (g_stat(path, &st) != 0)
        problem(c, _("%s: missing"), base);
    else if ((guint64)st.st_size != expect)
        problem(c, _("%s: %llu bytes, expected %llu"), base, (unsigned long long)st.st_size,
                (unsigned long long)expect);
}

static void
check_cursors(Check *c, guint si, guint tier)
{
    const RondoSchema *schema = rondo_store_get_schema(c->store, si);
    guint64 interval = rondo_schema_get_tier_interval_ns(schema, tier);
    guint64 head = rondo_store_get_head_ns(c->store, si, tier);
    guint64 done = tier ? rondo_store_get_consolidated_ns(c->store, si, tier) : 0;
    g_autofree char *path = rondo_store_get_slab_path(c->store, si, tier);
    g_autofree char *base = g_path_get_basename(path);
    if (head % interval != 0)
        problem(c, _("%s: head is not on a slot boundary"), base);
    if (done % interval != 0)
        problem(c, _("%s: consolidation cursor is not on a slot boundary"), base);
}

/* Every point of one series in one column of one tier. */
static void
check_column(Check *c, const RondoSeries *series, guint tier, RondoConsolidation cf)
{
    const RondoSchema *schema = rondo_store_get_schema(c->store, rondo_series_get_schema(series));
    guint64 interval = rondo_schema_get_tier_interval_ns(schema, tier);
    guint64 lo = 0, head = 0, t, prev = 0;
    rondo_store_get_window(c->store, rondo_series_get_schema(series), tier, &lo, &head);
    RondoQueryIter it;
    double v;
    g_autoptr(GError) error = NULL;
    if (!rondo_query_iter_init(&it, c->store, series, tier, cf, 0, G_MAXUINT64, &error)) {
        problem(c, "%s: %s", rondo_series_get_key(series), error->message);
        return;
    }
    while (rondo_query_iter_next(&it, &t, &v)) {
        c->points++;
        if (t % interval != 0 || t < lo || t > head || t <= prev) {
            problem(c,
                    _("%s: tier %u %s: point at %llu ns is outside the window or out of "
                      "order"),
                    rondo_series_get_key(series), tier, rondo_consolidation_to_string(cf),
                    (unsigned long long)t);
            return;
        }
        prev = t;
    }
}

static void
check_series(Check *c, const RondoSeries *series)
{
    guint si = rondo_series_get_schema(series);
    if (si >= rondo_store_get_n_schemas(c->store)) {
        problem(c, _("%s: names schema %u, which does not exist"), rondo_series_get_key(series),
                si);
        return;
    }
    if (rondo_store_lookup(c->store, rondo_series_get_name(series),
                           rondo_series_get_labels(series)) != series)
        problem(c, _("%s: not found again by its name and labels"), rondo_series_get_key(series));
    const RondoSchema *schema = rondo_store_get_schema(c->store, si);
    for (guint t = 0; t < rondo_schema_get_n_tiers(schema); t++) {
        guint32 fns = rondo_schema_get_tier_functions(schema, t);
        for (guint f = 0; f < RONDO_CF_N_FUNCTIONS; f++) {
            if (fns & RONDO_CF_BIT(f))
                check_column(c, series, t, (RondoConsolidation)f);
        }
    }
}

static void
report_problem(const char *what, gpointer user_data)
{
    Check *c = user_data;
    tool_error("%s", what); /* names the file, under c->dir */
    c->problems++;
}

static guint
check_store(Check *c, RondoStore *store)
{
    rondo_store_check(store, tool_now_ns(), report_problem, c);
    guint slabs = 0;
    for (guint s = 0; s < rondo_store_get_n_schemas(c->store); s++) {
        const RondoSchema *schema = rondo_store_get_schema(c->store, s);
        for (guint t = 0; t < rondo_schema_get_n_tiers(schema); t++, slabs++) {
            check_slab_file(c, s, t);
            check_cursors(c, s, t);
        }
    }
    for (guint id = 0; id < rondo_store_get_n_series(c->store); id++)
        check_series(c, rondo_store_get_series(c->store, id));
    return slabs;
}

int
tool_cmd_verify(int argc, char **argv)
{
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    g_option_context_set_summary(context, _("Check every file of the store in DIR; change "
                                            "nothing. Exit status 1 on damage."));
    int status = 0;
    g_autoptr(RondoStore) store = tool_open_dir(context, &argc, &argv, &status);
    if (store == NULL)
        return status;
    Check c = {argv[1], store, 0, 0};
    guint slabs = check_store(&c, store);
    if (c.problems > 0) {
        tool_error(_("%s: %u problems found"), argv[1], c.problems);
        return 1;
    }
    printf(_("%s: ok: %u schemas, %u slabs, %u series, %llu points checked\n"), argv[1],
           rondo_store_get_n_schemas(store), slabs, rondo_store_get_n_series(store),
           (unsigned long long)c.points);
    return 0;
}
