/* eval-topk.c - the aggregations with a parameter: topk(), bottomk(), quantile(), count_values().
 *
 * topk() and bottomk(): the k largest (smallest) series of each group, per step.
 * Which of equal values wins decides the answer, so the selection repeats
 * Prometheus 2.42's (engine.go, aggregation()): the series of a group in
 * the order of the input (a selector's: by labels), pushed through a
 * binary heap with Go's container/heap moves (up, down, Pop swapping the
 * root with the last) and its Less (NaN first, then by value). A selected
 * series keeps its labels, __name__ included, and its value.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval-priv.h"
#include "json.h"
#include "labels.h"

typedef struct {
    double v;
    guint k; /* the series' index */
} Item;

static gboolean
item_less(const Item *h, guint i, guint j, gboolean top)
{
    if (isnan(h[i].v))
        return TRUE;
    return top ? h[i].v < h[j].v : h[i].v > h[j].v;
}

static void
item_swap(Item *h, guint i, guint j)
{
    Item t = h[i];
    h[i] = h[j];
    h[j] = t;
}

static void
heap_up(Item *h, guint j, gboolean top)
{
    while (j > 0) {
        guint i = (j - 1) / 2;
        if (!item_less(h, j, i, top))
            break;
        item_swap(h, i, j);
        j = i;
    }
}

static void
heap_down(Item *h, guint i, guint n, gboolean top)
{
    for (;;) {
        guint j = 2 * i + 1;
        if (j >= n)
            break;
        if (j + 1 < n && item_less(h, j + 1, j, top))
            j++;
        if (!item_less(h, j, i, top))
            break;
        item_swap(h, i, j);
        i = j;
    }
}

/* Prometheus' loop over one group's samples at one step; the heap's length. */
static guint
heap_select(Item *h, const Item *in, guint n_in, gint64 k, gboolean top)
{
    guint len = 0;
    for (guint x = 0; x < n_in; x++) {
        if (len == 0) {
            h[len++] = in[x];
            continue;
        }
        gboolean better = top ? h[0].v < in[x].v : h[0].v > in[x].v;
        if ((gint64)len >= k && !better && !isnan(h[0].v))
            continue;
        if ((gint64)len == k) {
            if (k == 1) {
                h[0] = in[x];
                continue;
            }
            item_swap(h, 0, len - 1);
            heap_down(h, 0, len - 1, top);
            len--;
        }
        h[len++] = in[x];
        heap_up(h, len - 1, top);
    }
    return len;
}

/* The series' indexes, group by group: groups[g] is a GArray of guint. */
static GPtrArray *
topk_groups(const Node *n, const EvalResult *in)
{
    GPtrArray *groups = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    g_autoptr(GHashTable) index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint k = 0; k < in->series->len; k++) {
        g_auto(GStrv) keep =
            labels_keep(((EvalSeries *)in->series->pdata[k])->labels, n->by, n->without);
        char *key = labels_key(keep);
        gpointer g;
        if (!g_hash_table_lookup_extended(index, key, NULL, &g)) {
            g = GUINT_TO_POINTER(groups->len);
            g_hash_table_insert(index, key, g);
            g_ptr_array_add(groups, g_array_new(FALSE, FALSE, sizeof(guint)));
        } else {
            g_free(key);
        }
        g_array_append_val(g_ptr_array_index(groups, GPOINTER_TO_UINT(g)), k);
    }
    return groups;
}

/* Step @i of one group: clears the values of the series not selected. */
static void
topk_step(EvalResult *in, const GArray *members, guint i, gint64 k, gboolean top, Item *buf)
{
    Item *items = buf, *heap = buf + members->len;
    guint n = 0;
    for (guint x = 0; x < members->len; x++) {
        guint idx = g_array_index(members, guint, x);
        double v = ((EvalSeries *)in->series->pdata[idx])->v[i];
        if (!eval_is_absent(v))
            items[n++] = (Item){v, idx};
    }
    guint len = k < 1 ? 0 : heap_select(heap, items, n, k, top);
    for (guint x = 0; x < n; x++) {
        gboolean chosen = FALSE;
        for (guint j = 0; j < len && !chosen; j++)
            chosen = heap[j].k == items[x].k;
        if (!chosen)
            ((EvalSeries *)in->series->pdata[items[x].k])->v[i] = eval_absent();
    }
}

EvalResult *
eval_topk(Eval *ev, const Node *n, GError **error)
{
    g_autoptr(EvalResult) kr = eval_node(ev, n->rhs, error);
    g_autoptr(EvalResult) in = kr ? eval_node(ev, n->lhs, error) : NULL;
    if (in == NULL)
        return NULL;
    g_assert(kr->scalar && !in->scalar);
    gboolean top = n->agg == AGG_TOPK;
    g_autoptr(GPtrArray) groups = topk_groups(n, in);
    g_autofree Item *buf = g_new(Item, (gsize)in->series->len * 2 + 1);
    for (guint i = 0; i < ev->n_steps; i++) {
        double kv = kr->scalar_v[i];
        if (!(kv >= -9223372036854775808.0 && kv <= 9223372036854775807.0)) {
            g_autofree char *text = isnan(kv)   ? g_strdup("NaN")
                                    : isinf(kv) ? g_strdup(kv > 0 ? "+Inf" : "-Inf")
                                                : g_strdup_printf("%g", kv); /* Go's %v */
            g_set_error(error, EVAL_ERROR, EVAL_ERROR_EXEC, "Scalar value %s overflows int64",
                        text);
            return NULL;
        }
        for (guint g = 0; g < groups->len; g++)
            topk_step(in, g_ptr_array_index(groups, g), i, kv < 1 ? 0 : (gint64)kv, top, buf);
    }
    in->value_order = top ? -1 : 1;
    return g_steal_pointer(&in);
}

/* quantile(phi, v): per group and step, Prometheus' quantile of the values
 * present; the group's labels as sum() gives them. */
EvalResult *
eval_quantile(Eval *ev, const Node *n, GError **error)
{
    g_autoptr(EvalResult) q = eval_node(ev, n->rhs, error);
    g_autoptr(EvalResult) in = q ? eval_node(ev, n->lhs, error) : NULL;
    if (in == NULL)
        return NULL;
    g_assert(q->scalar && !in->scalar);
    g_autoptr(GPtrArray) groups = topk_groups(n, in);
    g_autofree double *buf = g_new(double, in->series->len + 1);
    EvalResult *r = eval_result_new(FALSE, ev->n_steps);
    for (guint g = 0; g < groups->len; g++) {
        const GArray *members = g_ptr_array_index(groups, g);
        const EvalSeries *first = in->series->pdata[g_array_index(members, guint, 0)];
        EvalSeries *out =
            eval_series_new(labels_keep(first->labels, n->by, n->without), ev->n_steps);
        for (guint i = 0; i < ev->n_steps; i++) {
            guint m = 0;
            for (guint x = 0; x < members->len; x++) {
                double v =
                    ((EvalSeries *)in->series->pdata[g_array_index(members, guint, x)])->v[i];
                if (!eval_is_absent(v))
                    buf[m++] = v;
            }
            if (m > 0)
                out->v[i] = quantile_of(q->scalar_v[i], buf, m);
        }
        g_ptr_array_add(r->series, out);
    }
    return r;
}

/* ------------------------------------------------------- count_values */

/* The group a series of value @text counts in: its labels with @label set,
 * then kept as the grouping says (by: @label too). */
static char **
count_values_group(const Node *n, char *const *labels, const char *text)
{
    g_auto(GStrv) with = labels_with(labels, n->strings[0], text);
    if (n->without)
        return labels_keep(with, n->by, TRUE);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_strv_builder_addv(b, (const char **)n->by);
    g_strv_builder_add(b, n->strings[0]);
    g_auto(GStrv) by = g_strv_builder_end(b);
    return labels_keep(with, by, FALSE);
}

/* A group of count_values() being filled: its series holds the window of
 * steps from its first value to its last so far, @cap values allocated. */
typedef struct {
    EvalSeries *s;
    guint cap;
} CountGroup;

#define COUNT_GROUP_FIRST_CAP 16

/* Room for @need values in @g's series, of at most @n_steps. */
static void
count_group_reserve(CountGroup *g, guint need, guint n_steps)
{
    if (need <= g->cap)
        return;
    g->cap = MAX(need, MIN(g->cap * 2, n_steps));
    g->s->v = g_renew(double, g->s->v, g->cap);
}

/* Step @i's count in @g, the window grown to it (the steps added absent). */
static double *
count_group_at(CountGroup *g, guint i, guint n_steps)
{
    EvalSeries *s = g->s;
    guint first = i, end = i + 1;
    if (eval_series_span(s, &first, &end)) {
        count_group_reserve(g, end - first, n_steps);
        eval_series_widen(s, first, end - first);
    }
    return &s->v[i - first];
}

/*
 * count_values("label", v): per step, how many series of each group have
 * each value, the value (as Go formats it) in the label.
 *
 * A group is found by its key: the series' group with a value no value
 * is ("\x01", so the key says where the value goes), then the value
 * itself, unless the grouping drops the label (without it: the value
 * changes nothing). Series of the same group share the first part, which
 * is built once a series; a step only writes its value after it.
 *
 * Values that change from step to step make a group a step, each with a
 * value at one step of a range query: with every group's series holding
 * all the steps, the answer would take groups x steps of memory, the
 * square of the steps (1.5 GB for 21 series over 3 000 steps). So each
 * holds the window from its first value to its last (EvalSeries), which
 * the answer is written from, an aggregation reads, and an operator with a
 * scalar (eval_binary()) or a function of each value (eval_call()) keeps.
 * Anywhere else the windows are filled out to every step
 * (eval_result_fill()), and series x steps must then stay within
 * max_samples, or the query fails as one that reads too many points does
 * (a 422 where Prometheus, stepping, still answers).
 */
EvalResult *
eval_count_values(Eval *ev, const Node *n, GError **error)
{
    gboolean windows = n == ev->windowed; /* before the argument's evaluation changes it */
    g_autoptr(EvalResult) in = eval_node(ev, n->lhs, error);
    if (in == NULL)
        return NULL;
    g_autoptr(GHashTable) groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GString) key = g_string_new(NULL);
    g_autoptr(EvalResult) r = eval_result_new(FALSE, ev->n_steps);
    for (guint k = 0; k < in->series->len; k++) {
        const EvalSeries *s = g_ptr_array_index(in->series, k);
        g_auto(GStrv) placed = count_values_group(n, s->labels, "\x01");
        g_autofree char *group_key = labels_key(placed);
        gsize group_len = strlen(group_key);
        gboolean value_stays = labels_get(placed, n->strings[0]) != NULL;
        g_string_assign(key, group_key);
        for (guint i = 0; i < ev->n_steps; i++) {
            if (eval_is_absent(s->v[i]))
                continue;
            g_string_truncate(key, group_len);
            if (value_stays)
                json_append_fixed(key, s->v[i]); /* the key ends with the value's text */
            CountGroup *g = g_hash_table_lookup(groups, key->str);
            if (g == NULL) {
                /* the series' group with the value set, or without it when the grouping drops it */
                char **labels = value_stays
                                    ? labels_with(placed, n->strings[0], key->str + group_len)
                                    : g_strdupv(placed);
                g = g_new0(CountGroup, 1);
                g->s = eval_series_new_window(labels);
                /* room for a few steps at once: a value that repeats has more */
                count_group_reserve(g, MIN(ev->n_steps - i, COUNT_GROUP_FIRST_CAP), ev->n_steps);
                g_hash_table_insert(groups, g_strdup(key->str), g);
                g_ptr_array_add(r->series, g->s);
            }
            double *c = count_group_at(g, i, ev->n_steps);
            *c = eval_is_absent(*c) ? 1 : *c + 1;
        }
    }
    if (!windows && !eval_result_fill(ev, r, error))
        return NULL;
    return g_steal_pointer(&r);
}
