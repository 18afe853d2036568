/* eval-binop.c - binary operators: arithmetic and comparisons, with vector matching.
 *
 * Prometheus 2.42's semantics (promql/engine.go: scalarBinop,
 * VectorscalarBinop, VectorBinop, resultMetric), step by step:
 *   - arithmetic drops __name__ (atan2 keeps it); a comparison filters (the series keeps its
 *     name and the value of its vector side, even with the scalar on the
 *     left), or with bool gives 0 / 1 and drops __name__;
 *   - between two vectors the series pair by their signature (on: the
 *     listed labels; ignoring, or neither: all labels but the listed ones
 *     and __name__). The "one" side (the right one, the left with
 *     group_right) may hold a signature once per step; one-to-one matching
 *     may use it once per step; a result label set may occur once per step.
 *     Otherwise the query fails with Prometheus' message (HTTP 422).
 * Invariant: eval_absent() means "no sample" here as everywhere in the
 * evaluator, so a filtered-out sample is absent; NaN is a value, and
 * compares as IEEE 754 (and Go) say: only != holds.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "eval-priv.h"
#include "labels.h"

/* vectorElemBinop: the value and whether a comparison keeps it. */
static double
elem_binop(BinOp op, double a, double b, gboolean *keep)
{
    *keep = TRUE;
    switch (op) {
    case OP_ADD:
        return a + b;
    case OP_SUB:
        return a - b;
    case OP_MUL:
        return a * b;
    case OP_DIV:
        return a / b;
    case OP_MOD:
        return fmod(a, b); /* exact, as Go's math.Mod */
    case OP_POW:
        return eval_pow(a, b);
    case OP_ATAN2:
        return gomath_atan2(a, b);
    case OP_EQ:
        *keep = a == b;
        break;
    case OP_NE:
        *keep = a != b;
        break;
    case OP_GT:
        *keep = a > b;
        break;
    case OP_LT:
        *keep = a < b;
        break;
    case OP_GE:
        *keep = a >= b;
        break;
    case OP_LE:
        *keep = a <= b;
        break;
    default:
        g_assert_not_reached(); /* set operators: binop_set() */
    }
    return a;
}

static EvalResult *
binop_scalars(const Node *n, EvalResult *a, const EvalResult *b)
{
    g_assert(a->scalar && b->scalar);
    g_assert(n->bool_mod || !promql_op_is_comparison(n->op));
    for (guint i = 0; i < a->n_steps; i++) {
        gboolean keep;
        double v = elem_binop(n->op, a->scalar_v[i], b->scalar_v[i], &keep);
        a->scalar_v[i] = promql_op_is_comparison(n->op) ? (keep ? 1 : 0) : v;
    }
    return a;
}

/* Arithmetic drops __name__, atan2 and comparisons keep it (but with bool):
 * 2.42's shouldDropMetricName. */
static gboolean
op_drops_name(const Node *n)
{
    return n->bool_mod || (n->op <= OP_POW);
}

/* The value of vector sample @vec against scalar @sc at one step; absent: dropped. */
static double
vector_scalar_value(const Node *n, double vec, double sc, gboolean scalar_left)
{
    if (eval_is_absent(vec))
        return vec;
    gboolean keep;
    double v = scalar_left ? elem_binop(n->op, sc, vec, &keep) : elem_binop(n->op, vec, sc, &keep);
    if (promql_op_is_comparison(n->op) && scalar_left)
        v = vec;
    if (n->bool_mod)
        return keep ? 1 : 0;
    return keep ? v : eval_absent();
}

static EvalResult *
binop_vector_scalar(const Node *n, EvalResult *vec, const EvalResult *sc, gboolean scalar_left,
                    GError **error)
{
    for (guint k = 0; k < vec->series->len; k++) {
        EvalSeries *s = g_ptr_array_index(vec->series, k);
        for (guint j = 0; j < s->n; j++) /* a window (EvalSeries) or every step */
            s->v[j] = vector_scalar_value(n, s->v[j], sc->scalar_v[s->first + j], scalar_left);
    }
    if (!op_drops_name(n))
        return vec;
    eval_result_drop_name(vec);
    if (!eval_result_merge(vec, error)) {
        eval_result_free(vec);
        return NULL;
    }
    return vec;
}

/* ------------------------------------------------------ vector matching */

/* The labels two series are matched on: the on () list, or all but the
 * ignoring () list and __name__. */
static char **
match_labels(char *const *pairs, const VectorMatching *m)
{
    const char *const *listed = (const char *const *)m->labels;
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; pairs[i] != NULL; i += 2) {
        gboolean named = listed != NULL && g_strv_contains(listed, pairs[i]);
        if (m->on ? named : !named && !g_str_equal(pairs[i], "__name__")) {
            g_ptr_array_add(out, g_strdup(pairs[i]));
            g_ptr_array_add(out, g_strdup(pairs[i + 1]));
        }
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

static char *
match_key(char *const *pairs, const VectorMatching *m)
{
    g_auto(GStrv) sub = match_labels(pairs, m);
    return labels_key(sub);
}

/* Prometheus' Labels.String(): {a="1", b="2"}. */
static char *
labels_format(char *const *pairs)
{
    GString *out = g_string_new("{");
    for (guint i = 0; pairs[i] != NULL; i += 2) {
        g_string_append_printf(out, "%s%s=\"", i ? ", " : "", pairs[i]);
        labels_append_escaped(out, pairs[i + 1]);
        g_string_append_c(out, '"');
    }
    g_string_append_c(out, '}');
    return g_string_free(out, FALSE);
}

/* resultMetric: the many side's labels, less what the operator and the
 * matching drop, plus the group_x labels of the one side. */
static char **
result_labels(const Node *n, char *const *many, char *const *one)
{
    const VectorMatching *m = &n->match;
    char **out = op_drops_name(n) ? labels_without(many, "__name__") : g_strdupv((char **)many);
    if (m->card == CARD_ONE_TO_ONE && m->labels != NULL) {
        for (guint i = 0; out[i] != NULL;) {
            gboolean named = g_strv_contains((const char *const *)m->labels, out[i]);
            if (m->on ? named : !named) {
                i += 2;
                continue;
            }
            char **less = labels_with(out, out[i], NULL);
            g_strfreev(out);
            out = less;
        }
    }
    for (guint i = 0; m->include != NULL && m->include[i] != NULL; i++) {
        char **with = labels_with(out, m->include[i], labels_get(one, m->include[i]));
        g_strfreev(out);
        out = with;
    }
    if (n->bool_mod)
        labels_drop(out, "__name__");
    return out;
}

/*
 * Both sides' signatures are compared at every step. Each distinct
 * signature of either side gets a number once; a step then marks the
 * numbers one side has there, stamped with the step (so no mark needs
 * clearing), and the other side's series look theirs up in arrays: no
 * string is hashed per step.
 */

/* The numbers of @r's series' signatures, new ones added to @ids. */
static guint *
signature_ids(GHashTable *ids, const EvalResult *r, const VectorMatching *m)
{
    guint *out = g_new(guint, r->series->len);
    for (guint k = 0; k < r->series->len; k++) {
        char *sig = match_key(((EvalSeries *)g_ptr_array_index(r->series, k))->labels, m);
        gpointer id;
        if (!g_hash_table_lookup_extended(ids, sig, NULL, &id)) {
            id = GUINT_TO_POINTER(g_hash_table_size(ids));
            g_hash_table_insert(ids, g_steal_pointer(&sig), id);
        }
        g_free(sig);
        out[k] = GPOINTER_TO_UINT(id);
    }
    return out;
}

/* The state of one vector-vector evaluation. */
typedef struct {
    const Node *n;
    const EvalResult *one, *many;
    guint *one_id, *many_id;     /* per series: its signature's number */
    guint *one_mark;             /* per number: the step + 1 the one side had it at ... */
    EvalSeries **one_at_step;    /* ... and its series there */
    guint *used_mark;            /* per number: the step + 1 a one-to-one pair was made at */
    GHashTable *out;             /* labels_key -> EvalSeries* */
    const EvalSeries **last_one; /* per many-side series: its previous match ... */
    EvalSeries **last_out;       /* ... and the output series that pair wrote */
    EvalResult *result;
} Matching;

/* Prometheus' execution errors: the query fails (HTTP 422). */
static gboolean
exec_error(GError **error, const char *msg)
{
    g_set_error_literal(error, EVAL_ERROR, EVAL_ERROR_EXEC, msg);
    return FALSE;
}

/* Indexes the one side's series present at step @i; FALSE on a duplicate. */
static gboolean
index_one_side(Matching *mt, guint i, GError **error)
{
    for (guint k = 0; k < mt->one->series->len; k++) {
        EvalSeries *s = g_ptr_array_index(mt->one->series, k);
        guint id = mt->one_id[k];
        if (eval_is_absent(s->v[i]))
            continue;
        if (mt->one_mark[id] == i + 1) {
            const EvalSeries *dup = mt->one_at_step[id];
            g_auto(GStrv) group = match_labels(s->labels, &mt->n->match);
            g_autofree char *g = labels_format(group), *a = labels_format(s->labels),
                            *b = labels_format(dup->labels);
            g_set_error(error, EVAL_ERROR, EVAL_ERROR_EXEC,
                        "found duplicate series for the match group %s on the %s "
                        "hand-side of the operation: [%s, %s];many-to-many matching not "
                        "allowed: matching labels must be unique on one side",
                        g, mt->n->match.card == CARD_ONE_TO_MANY ? "left" : "right", a, b);
            return FALSE;
        }
        mt->one_mark[id] = i + 1;
        mt->one_at_step[id] = s;
    }
    return TRUE;
}

/* The output series labelled @labels (taken). */
static EvalSeries *
output_series(Matching *mt, char **labels)
{
    char *key = labels_key(labels);
    EvalSeries *out = g_hash_table_lookup(mt->out, key);
    if (out == NULL) {
        out = eval_series_new(labels, mt->result->n_steps);
        g_hash_table_insert(mt->out, key, out);
        g_ptr_array_add(mt->result->series, out);
    } else {
        g_free(key);
        g_strfreev(labels);
    }
    return out;
}

/* Writes @v at step @i of the output series of the pair (@k, @os). The
 * labels depend on the pair only: computed once for as long as it lasts. */
static gboolean
output_set(Matching *mt, guint k, const EvalSeries *os, guint i, double v, GError **error)
{
    if (mt->last_one[k] != os) {
        const EvalSeries *ms = g_ptr_array_index(mt->many->series, k);
        mt->last_one[k] = os;
        mt->last_out[k] = output_series(mt, result_labels(mt->n, ms->labels, os->labels));
    }
    EvalSeries *out = mt->last_out[k];
    if (!eval_is_absent(out->v[i]))
        return exec_error(error, mt->n->match.card == CARD_ONE_TO_ONE
                                     ? "vector cannot contain metrics with the same labelset"
                                     : "multiple matches for labels: grouping labels must "
                                       "ensure unique matches");
    out->v[i] = v;
    return TRUE;
}

/* Pairs many-side series @k with its match at step @i, if any. */
static gboolean
match_one(Matching *mt, guint k, guint i, GError **error)
{
    const Node *n = mt->n;
    const EvalSeries *ms = g_ptr_array_index(mt->many->series, k);
    guint id = mt->many_id[k];
    if (eval_is_absent(ms->v[i]) || mt->one_mark[id] != i + 1)
        return TRUE;
    const EvalSeries *os = mt->one_at_step[id];
    gboolean swapped = n->match.card == CARD_ONE_TO_MANY, keep;
    double v = swapped ? elem_binop(n->op, os->v[i], ms->v[i], &keep)
                       : elem_binop(n->op, ms->v[i], os->v[i], &keep);
    if (n->bool_mod)
        v = keep ? 1 : 0;
    else if (!keep)
        return TRUE;
    if (n->match.card == CARD_ONE_TO_ONE) {
        if (mt->used_mark[id] == i + 1)
            return exec_error(error, "multiple matches for labels: many-to-one matching must be "
                                     "explicit (group_left/group_right)");
        mt->used_mark[id] = i + 1;
    }
    return output_set(mt, k, os, i, v, error);
}

static gboolean
any_at_step(const EvalResult *r, guint i)
{
    for (guint k = 0; k < r->series->len; k++) {
        if (!eval_is_absent(((EvalSeries *)g_ptr_array_index(r->series, k))->v[i]))
            return TRUE;
    }
    return FALSE;
}

static gboolean
match_steps(Matching *mt, GError **error)
{
    for (guint i = 0; i < mt->result->n_steps; i++) {
        if (!any_at_step(mt->many, i) || !any_at_step(mt->one, i))
            continue;
        if (!index_one_side(mt, i, error))
            return FALSE;
        for (guint k = 0; k < mt->many->series->len; k++) {
            if (!match_one(mt, k, i, error))
                return FALSE;
        }
    }
    return TRUE;
}

static EvalResult *
eval_binop_vectors(const Node *n, const EvalResult *a, const EvalResult *b, GError **error)
{
    gboolean swapped = n->match.card == CARD_ONE_TO_MANY;
    Matching mt = {.n = n, .one = swapped ? a : b, .many = swapped ? b : a};
    g_autoptr(GHashTable) sigs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    mt.one_id = signature_ids(sigs, mt.one, &n->match);
    mt.many_id = signature_ids(sigs, mt.many, &n->match);
    guint n_ids = g_hash_table_size(sigs);
    mt.one_mark = g_new0(guint, n_ids);
    mt.one_at_step = g_new(EvalSeries *, n_ids);
    mt.used_mark = g_new0(guint, n_ids);
    mt.out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    mt.result = eval_result_new(FALSE, a->n_steps);
    mt.last_one = g_new0(const EvalSeries *, mt.many->series->len);
    mt.last_out = g_new0(EvalSeries *, mt.many->series->len);
    gboolean ok = match_steps(&mt, error);
    g_free(mt.last_one);
    g_free(mt.last_out);
    g_free(mt.one_id);
    g_free(mt.many_id);
    g_free(mt.one_mark);
    g_free(mt.one_at_step);
    g_free(mt.used_mark);
    g_hash_table_unref(mt.out);
    if (!ok)
        g_clear_pointer(&mt.result, eval_result_free);
    return mt.result;
}

/* ------------------------------------------------------- set operators */

/* Stamps mark[id] with @i + 1 for the series of @r present at step @i. */
static void
ids_at_step(guint *mark, const EvalResult *r, const guint *ids, guint i)
{
    for (guint k = 0; k < r->series->len; k++) {
        if (!eval_is_absent(((EvalSeries *)r->series->pdata[k])->v[i]))
            mark[ids[k]] = i + 1;
    }
}

/* Clears at step @i the samples of @r whose signature is (@in) or is not marked. */
static void
filter_step(EvalResult *r, const guint *ids, guint i, const guint *mark, gboolean in)
{
    for (guint k = 0; k < r->series->len; k++) {
        EvalSeries *s = r->series->pdata[k];
        if ((mark[ids[k]] == i + 1) == in)
            s->v[i] = eval_absent();
    }
}

/* VectorAnd, VectorOr, VectorUnless: labels untouched, many-to-many. */
static EvalResult *
binop_set(const Node *n, EvalResult *a, EvalResult *b, GError **error)
{
    g_autoptr(GHashTable) sigs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree guint *ia = signature_ids(sigs, a, &n->match);
    g_autofree guint *ib = signature_ids(sigs, b, &n->match);
    g_autofree guint *mark = g_new0(guint, g_hash_table_size(sigs));
    for (guint i = 0; i < a->n_steps; i++) {
        if (n->op == OP_OR) {
            ids_at_step(mark, a, ia, i);
            filter_step(b, ib, i, mark, TRUE);
            continue;
        }
        ids_at_step(mark, b, ib, i);
        filter_step(a, ia, i, mark, n->op == OP_UNLESS);
    }
    for (guint k = 0; n->op == OP_OR && k < b->series->len; k++)
        g_ptr_array_add(a->series, g_steal_pointer(&b->series->pdata[k]));
    if (!eval_result_merge(a, error))
        g_clear_pointer(&a, eval_result_free);
    return a;
}

/*
 * Windows (EvalSeries) pass through an operator with a scalar, which takes
 * each step on its own: when this node may answer with windows, so may
 * either side (the scalar's has none). Between two vectors, whose steps
 * are matched, both sides are filled out first.
 */
EvalResult *
eval_binary(Eval *ev, const Node *n, GError **error)
{
    gboolean windows = n == ev->windowed && !promql_op_is_set(n->op);
    if (windows)
        ev->windowed = n->lhs;
    g_autoptr(EvalResult) a = eval_node(ev, n->lhs, error);
    if (windows)
        ev->windowed = n->rhs; /* the left side's evaluation may have changed it */
    g_autoptr(EvalResult) b = a ? eval_node(ev, n->rhs, error) : NULL;
    if (b == NULL)
        return NULL;
    if (promql_op_is_set(n->op))
        return binop_set(n, g_steal_pointer(&a), b, error);
    if (a->scalar && b->scalar)
        return binop_scalars(n, g_steal_pointer(&a), b);
    if (b->scalar)
        return binop_vector_scalar(n, g_steal_pointer(&a), b, FALSE, error);
    if (a->scalar)
        return binop_vector_scalar(n, g_steal_pointer(&b), a, TRUE, error);
    if (windows && (!eval_result_fill(ev, a, error) || !eval_result_fill(ev, b, error)))
        return NULL;
    return eval_binop_vectors(n, a, b, error);
}
