/* result.c - a query's answer, and how to read one out of a local store.
 *
 * Reading opens nothing and writes nothing: it walks the query iterators of
 * an already opened (usually read-only) store, so it never disturbs the
 * writer.
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "result.h"

static void
series_free(gpointer data)
{
    ToolResultSeries *s = data;
    g_free(s->name);
    g_strfreev(s->labels);
    g_free(s->key);
    g_array_unref(s->points);
    g_free(s);
}

ToolResult *
tool_result_new(guint64 start_ns, guint64 end_ns)
{
    ToolResult *r = g_new0(ToolResult, 1);
    r->series = g_ptr_array_new_with_free_func(series_free);
    r->start_ns = start_ns;
    r->end_ns = end_ns;
    return r;
}

void
tool_result_free(ToolResult *result)
{
    if (result == NULL)
        return;
    g_ptr_array_unref(result->series);
    g_free(result);
}

static int
compare_pairs(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Copies NULL-terminated pairs, sorted by label name. */
static char **
labels_sorted(const char *const *labels)
{
    gsize n = labels ? g_strv_length((char **)labels) / 2 : 0;
    char **pairs = g_new0(char *, 2 * n + 1);
    const char **idx = g_new0(const char *, n);
    for (gsize i = 0; i < n; i++)
        idx[i] = labels[2 * i];
    /* sort the names, then look each value up: labels are few */
    if (n > 1) /* qsort(NULL, 0, ...) is undefined */
        qsort(idx, n, sizeof *idx, compare_pairs);
    for (gsize i = 0; i < n; i++) {
        pairs[2 * i] = g_strdup(idx[i]);
        for (gsize j = 0; j < n; j++) {
            if (labels[2 * j] == idx[i])
                pairs[2 * i + 1] = g_strdup(labels[2 * j + 1]);
        }
    }
    g_free(idx);
    return pairs;
}

char *
tool_series_key_format(const char *name, const char *const *labels)
{
    GString *s = g_string_new(name);
    if ((labels == NULL || labels[0] == NULL) && *name == '\0')
        g_string_append(s, "{}"); /* no name, no label: as Prometheus shows it */
    if (labels == NULL || labels[0] == NULL)
        return g_string_free(s, FALSE);
    g_string_append_c(s, '{');
    for (gsize i = 0; labels[i] && labels[i + 1]; i += 2) {
        g_string_append_printf(s, "%s%s=\"", i ? "," : "", labels[i]);
        for (const char *p = labels[i + 1]; *p; p++) {
            if (*p == '"' || *p == '\\')
                g_string_append_c(s, '\\');
            if (*p == '\n')
                g_string_append(s, "\\n");
            else
                g_string_append_c(s, *p);
        }
        g_string_append_c(s, '"');
    }
    g_string_append_c(s, '}');
    return g_string_free(s, FALSE);
}

ToolResultSeries *
tool_result_add(ToolResult *result, const char *name, const char *const *labels)
{
    ToolResultSeries *s = g_new0(ToolResultSeries, 1);
    s->name = g_strdup(name);
    s->labels = labels_sorted(labels);
    s->key = tool_series_key_format(name, (const char *const *)s->labels);
    s->points = g_array_new(FALSE, FALSE, sizeof(ToolPoint));
    s->unit = tool_unit_of_name(name);
    g_ptr_array_add(result->series, s);
    return s;
}

static int
compare_series(gconstpointer a, gconstpointer b)
{
    const ToolResultSeries *x = *(ToolResultSeries *const *)a;
    const ToolResultSeries *y = *(ToolResultSeries *const *)b;
    return strcmp(x->key, y->key);
}

void
tool_result_sort(ToolResult *result)
{
    g_ptr_array_sort(result->series, compare_series);
}

static gboolean
read_series(const RondoStore *store, const RondoSeries *series, guint tier, RondoConsolidation cf,
            guint64 start_ns, guint64 end_ns, GArray *points, GError **error)
{
    RondoQueryIter it;
    gboolean ok;
    if (tier == TOOL_QUERY_TIER_AUTO)
        ok = rondo_query_iter_init_auto(&it, store, series, cf, start_ns, end_ns, error);
    else
        ok = rondo_query_iter_init(&it, store, series, tier, cf, start_ns, end_ns, error);
    if (!ok)
        return FALSE;
    ToolPoint p;
    while (rondo_query_iter_next(&it, &p.t_ns, &p.value)) {
        p.tier = rondo_query_iter_get_tier(&it);
        g_array_append_val(points, p);
    }
    return TRUE;
}

ToolResult *
tool_result_from_store(const RondoStore *store, const ToolSelector *selector, guint tier,
                       RondoConsolidation cf, guint64 start_ns, guint64 end_ns, GError **error)
{
    g_autoptr(ToolResult) result = tool_result_new(start_ns, end_ns);
    guint n = rondo_store_get_n_series(store);
    for (guint id = 0; id < n; id++) {
        const RondoSeries *series = rondo_store_get_series(store, id);
        const char *name = rondo_series_get_name(series);
        const char *const *labels = rondo_series_get_labels(series);
        if (!tool_selector_matches(selector, name, labels))
            continue;
        ToolResultSeries *s = tool_result_add(result, name, labels);
        s->unit = tool_unit_of_series(series, s->unit);
        if (!read_series(store, series, tier, cf, start_ns, end_ns, s->points, error))
            return NULL;
    }
    tool_result_sort(result);
    return g_steal_pointer(&result);
}
