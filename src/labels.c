/* labels.c - label sets of stored series as the Prometheus API shows them.
 *
 * A stored series has a name and sorted labels; on the API it also carries
 * __name__ and store, the name of the store directory it lives in, so one
 * rondod can serve many VMs without their series colliding.
 */
#include "config.h"

#include <string.h>

#include "json.h"
#include "labels.h"
#include "promql.h"

const char *
series_label_value(const StoreHandle *h, const RondoSeries *s, const char *name)
{
    if (g_str_equal(name, "__name__"))
        return rondo_series_get_name(s);
    if (g_str_equal(name, "store"))
        return h->name;
    const char *const *l = rondo_series_get_labels(s);
    for (guint i = 0; l != NULL && l[i] != NULL && l[i + 1] != NULL; i += 2) {
        if (g_str_equal(l[i], name))
            return l[i + 1];
    }
    return "";
}

gboolean
series_matches(const StoreHandle *h, const RondoSeries *s, const GPtrArray *matchers)
{
    for (guint i = 0; i < matchers->len; i++) {
        const Matcher *m = g_ptr_array_index(matchers, i);
        if (!matcher_matches(m, series_label_value(h, s, m->label)))
            return FALSE;
    }
    return TRUE;
}

gboolean
store_may_match(const StoreHandle *h, const GPtrArray *matchers)
{
    for (guint i = 0; i < matchers->len; i++) {
        const Matcher *m = g_ptr_array_index(matchers, i);
        if (g_str_equal(m->label, "store") && !matcher_matches(m, h->name))
            return FALSE;
    }
    return TRUE;
}

void
labels_set_add(GHashTable *set, const char *s)
{
    if (!g_hash_table_contains(set, s))
        g_hash_table_add(set, g_strdup(s));
}

void
series_add_label_names(const RondoSeries *s, GHashTable *names)
{
    const char *const *l = rondo_series_get_labels(s);
    labels_set_add(names, "__name__");
    labels_set_add(names, "store");
    for (guint i = 0; l != NULL && l[i] != NULL && l[i + 1] != NULL; i += 2)
        labels_set_add(names, l[i]);
}

static void
pairs_add(GPtrArray *out, const char *name, const char *value)
{
    g_ptr_array_add(out, g_strdup(name));
    g_ptr_array_add(out, g_strdup(value));
}

char **
series_labelset(const StoreHandle *h, const RondoSeries *s)
{
    const char *const *l = rondo_series_get_labels(s);
    guint n = l != NULL ? g_strv_length((char **)l) : 0;
    /* sized: name, store, the labels, the NULL; grown a pointer at a time it was reallocated */
    GPtrArray *out = g_ptr_array_sized_new(n + 5);
    gboolean store_done = FALSE;

    pairs_add(out, "__name__", rondo_series_get_name(s));
    for (guint i = 0; l != NULL && l[i] != NULL && l[i + 1] != NULL; i += 2) {
        int c = strcmp(l[i], "store");
        if (c >= 0 && !store_done) {
            pairs_add(out, "store", h->name);
            store_done = TRUE;
        }
        if (c != 0)
            pairs_add(out, l[i], l[i + 1]);
    }
    if (!store_done)
        pairs_add(out, "store", h->name);
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

void
labels_write_json(GString *out, char *const *pairs)
{
    g_string_append_c(out, '{');
    for (guint i = 0; pairs[i] != NULL; i += 2) {
        if (i > 0)
            g_string_append_c(out, ',');
        json_append_string(out, pairs[i]);
        g_string_append_c(out, ':');
        json_append_string(out, pairs[i + 1]);
    }
    g_string_append_c(out, '}');
}

const char *
labels_get(char *const *pairs, const char *name)
{
    for (guint i = 0; pairs[i] != NULL; i += 2) {
        if (g_str_equal(pairs[i], name))
            return pairs[i + 1];
    }
    return NULL;
}

char **
labels_without(char *const *pairs, const char *name)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; pairs[i] != NULL; i += 2) {
        if (!g_str_equal(pairs[i], name))
            pairs_add(out, pairs[i], pairs[i + 1]);
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

char **
labels_drop(char **pairs, const char *name)
{
    guint i = 0;
    while (pairs[i] != NULL && !g_str_equal(pairs[i], name))
        i += 2;
    if (pairs[i] == NULL)
        return pairs;
    g_free(pairs[i]);
    g_free(pairs[i + 1]);
    /* the pairs after it and the NULL move up */
    memmove(pairs + i, pairs + i + 2, (g_strv_length(pairs + i + 2) + 1) * sizeof *pairs);
    return pairs;
}

char **
labels_with(char *const *pairs, const char *name, const char *value)
{
    GPtrArray *out = g_ptr_array_new();
    gboolean done = value == NULL || value[0] == '\0';
    for (guint i = 0; pairs[i] != NULL; i += 2) {
        int c = strcmp(pairs[i], name);
        if (c > 0 && !done) {
            g_ptr_array_add(out, g_strdup(name));
            g_ptr_array_add(out, g_strdup(value));
            done = TRUE;
        }
        if (c != 0) {
            g_ptr_array_add(out, g_strdup(pairs[i]));
            g_ptr_array_add(out, g_strdup(pairs[i + 1]));
        }
    }
    if (!done) {
        g_ptr_array_add(out, g_strdup(name));
        g_ptr_array_add(out, g_strdup(value));
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

int
labels_cmp(char *const *a, char *const *b)
{
    for (guint i = 0;; i++) {
        if (a[i] == NULL || b[i] == NULL)
            return (a[i] != NULL) - (b[i] != NULL);
        int c = strcmp(a[i], b[i]);
        if (c != 0)
            return c;
    }
}

char *
labels_key(char *const *pairs)
{
    GString *key = g_string_new(NULL);
    for (guint i = 0; pairs[i] != NULL; i++) {
        g_string_append(key, pairs[i]);
        g_string_append_c(key, '\xff');
    }
    return g_string_free(key, FALSE);
}

int
str_ptr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
labels_append_escaped(GString *out, const char *v)
{
    for (const char *q = v; *q; q++) {
        if (*q == '\\' || *q == '"')
            g_string_append_c(out, '\\');
        if (*q == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *q);
    }
}
