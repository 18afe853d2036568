/* handlers-expo.c - /metrics: the newest value of every series, then rondod's own metrics.
 *
 * Prometheus text format 0.0.4. Each stored series appears once per store
 * with a store="<name>" label; samples of one metric name are grouped under
 * one # TYPE line across stores (the format requires it). A name ending in
 * _total is a counter, anything else untyped: rondo does not record types.
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

#define STALE_NS (G_GUINT64_CONSTANT(300) * 1000000000u)

typedef struct {
    const StoreHandle *h;
    const RondoSeries *s;
    double v;
} Sample;

/* The newest tier-0 value of @s at most STALE_NS old, or FALSE. */
static gboolean
latest_value(const StoreHandle *h, const RondoSeries *s, guint64 now_ns, double *ret)
{
    guint64 head = rondo_store_get_head(h->store, rondo_series_get_schema(s), 0);
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

static void
write_family(GString *out, const char *name, GArray *samples)
{
    const char *type = g_str_has_suffix(name, "_total") ? "counter" : "untyped";
    g_string_append_printf(out, "# HELP %s rondo series %s, newest value per store.\n", name, name);
    g_string_append_printf(out, "# TYPE %s %s\n", name, type);
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
