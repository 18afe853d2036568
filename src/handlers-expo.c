/* handlers-expo.c - /metrics: the newest value of every series, then rondod's own metrics.
 *
 * Prometheus text format 0.0.4. Each stored series appears once per store
 * with a store="<name>" label; samples of one metric name are grouped under
 * one # TYPE line across stores (the format requires it). Type, help and
 * unit are the ones the writer registered (the first store that says);
 * a series registered without a type is a counter when its name ends in
 * _total, else untyped. # UNIT is an OpenMetrics line; the 0.0.4 parsers
 * (Prometheus, promtool) read it as a comment.
 * Only values newer than STALE_NS are exposed, so a VM that stopped does not
 * look alive forever. Series named rondod_* are skipped (ours).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "handlers.h"
#include "http.h"
#include "server.h"
#include "json.h"
#include "labels.h"
#include "process-metrics.h"

#define STALE_NS (G_GUINT64_CONSTANT(300) * RONDO_NS_PER_S)

typedef struct {
    const StoreHandle *h;
    const RondoSeries *s;
    double v;
} Sample;

/* The newest tier-0 value of @s at most STALE_NS old, or FALSE. */
static gboolean
latest_value(const StoreHandle *h, const RondoSeries *s, guint64 now_ns, double *ret)
{
    guint64 head = rondo_store_get_head_ns(h->store, rondo_series_get_schema(s), 0);
    if (head == 0 || head + STALE_NS < now_ns)
        return FALSE;
    RondoQueryIter it;
    guint64 t;
    double v;
    gboolean found = FALSE;
    guint64 from = head > STALE_NS ? head - STALE_NS : 0;
    if (!rondo_query_iter_init(&it, h->store, s, 0, RONDO_CF_LAST, from, head, NULL))
        return FALSE;
    while (rondo_query_iter_next(&it, &t, &v)) {
        if (t + STALE_NS >= now_ns) {
            *ret = v;
            found = TRUE;
        }
    }
    return found;
}

static void
write_sample(GString *out, const Sample *x)
{
    g_string_append_printf(out, "%s{store=\"", rondo_series_get_name(x->s));
    labels_append_escaped(out, x->h->name);
    g_string_append_c(out, '"');
    const char *const *l = rondo_series_get_labels(x->s);
    for (guint i = 0; l != NULL && l[i] != NULL && l[i + 1] != NULL; i += 2) {
        if (g_str_equal(l[i], "store"))
            continue;
        g_string_append_printf(out, ",%s=\"", l[i]);
        labels_append_escaped(out, l[i + 1]);
        g_string_append_c(out, '"');
    }
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    format_double(buf, sizeof buf, x->v);
    g_string_append_printf(out, "} %s\n", buf);
}

/* The family's description: the first sample whose writer gave one. */
static const RondoSeries *
family_described(GArray *samples)
{
    for (guint i = 0; i < samples->len; i++) {
        const RondoSeries *s = g_array_index(samples, Sample, i).s;
        if (rondo_series_get_type(s) != RONDO_SERIES_UNKNOWN || *rondo_series_get_help(s))
            return s;
    }
    return NULL;
}

/* HELP text escaping (text format 0.0.4): backslash and line feed. */
static void
append_help(GString *out, const char *help)
{
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            g_string_append(out, "\\\\");
        else if (*p == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *p);
    }
}

static void
write_family(GString *out, const char *name, GArray *samples)
{
    const RondoSeries *d = family_described(samples);
    RondoSeriesType t = d ? rondo_series_get_type(d) : RONDO_SERIES_UNKNOWN;
    if (t == RONDO_SERIES_UNKNOWN && g_str_has_suffix(name, "_total"))
        t = RONDO_SERIES_COUNTER;
    g_string_append_printf(out, "# HELP %s ", name);
    if (d != NULL && *rondo_series_get_help(d))
        append_help(out, rondo_series_get_help(d));
    else
        g_string_append_printf(out, "rondo series %s, newest value per store.", name);
    g_string_append_printf(out, "\n# TYPE %s %s\n", name,
                           t == RONDO_SERIES_UNKNOWN ? "untyped" : rondo_series_type_to_string(t));
    if (d != NULL && *rondo_series_get_unit(d))
        g_string_append_printf(out, "# UNIT %s %s\n", name, rondo_series_get_unit(d));
    for (guint i = 0; i < samples->len; i++)
        write_sample(out, &g_array_index(samples, Sample, i));
}

static void
collect(GPtrArray *handles, GHashTable *families, guint64 now_ns)
{
    for (guint i = 0; i < handles->len; i++) {
        const StoreHandle *h = g_ptr_array_index(handles, i);
        for (guint id = 0; id < rondo_store_get_n_series(h->store); id++) {
            Sample x = {h, rondo_store_get_series(h->store, id), 0};
            const char *name = rondo_series_get_name(x.s);
            if (g_str_has_prefix(name, "rondod_") || !latest_value(h, x.s, now_ns, &x.v))
                continue;
            GArray *a = g_hash_table_lookup(families, name);
            if (a == NULL) {
                a = g_array_new(FALSE, FALSE, sizeof(Sample));
                g_hash_table_insert(families, (gpointer)name, a);
            }
            g_array_append_val(a, x);
        }
    }
}

void
handle_exposition(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    GPtrArray *handles = registry_acquire(d->registry);
    g_autoptr(GHashTable) families =
        g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_array_unref);
    collect(handles, families, (guint64)g_get_real_time() * 1000);

    GString *out = g_string_new(NULL);
    g_autofree const char **names = (const char **)g_hash_table_get_keys_as_array(families, NULL);
    guint n = g_hash_table_size(families);
    qsort(names, n, sizeof *names, str_ptr_cmp);
    for (guint i = 0; i < n; i++)
        write_family(out, names[i], g_hash_table_lookup(families, names[i]));
    g_hash_table_remove_all(families);
    registry_release(handles);
    metrics_write(d->metrics, out, registry_get_n_stores(d->registry),
                  registry_get_n_adopted(d->registry));
    if (d->export != NULL)
        export_write_metrics(d->export, out);
    process_metrics_write(out);
    http_respond_text(msg, SOUP_STATUS_OK, "text/plain; version=0.0.4; charset=utf-8", out);
}
