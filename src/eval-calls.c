/* eval-calls.c - the functions of instant vectors and scalars: abs() to sort_desc().
 *
 * As Prometheus 2.42's promql/functions.go computes them: the value
 * functions (abs, ceil, floor, round, clamp*) drop __name__, label_replace()
 * and sort() keep it; a scalar argument is evaluated per step; time() is
 * the step's time in milliseconds divided by 1000; scalar() is NaN unless
 * exactly one series has a value; absent() takes its labels from the
 * equality matchers of a selector argument.
 * Invariant: eval_absent() in a vector means "no sample", as everywhere in
 * the evaluator; clamp() with max < min has no sample at that step.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "eval-priv.h"
#include "labels.h"

/* Go's math.Max and math.Min: infinities first, then NaN, then signed zeros. */
static double
go_max(double x, double y)
{
    if ((isinf(x) && x > 0) || (isinf(y) && y > 0))
        return INFINITY;
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == 0 && x == y)
        return signbit(x) ? y : x;
    return x > y ? x : y;
}

static double
go_min(double x, double y)
{
    if ((isinf(x) && x < 0) || (isinf(y) && y < 0))
        return -INFINITY;
    if (isnan(x) || isnan(y))
        return NAN;
    if (x == 0 && x == y)
        return signbit(x) ? x : y;
    return x < y ? x : y;
}

/* One value through a value function; @a: its scalar arguments at that step. */
static double
call_value(CallKind c, double v, const double *a)
{
    switch (c) {
    case CALL_ABS:
        return fabs(v);
    case CALL_CEIL:
        return ceil(v);
    case CALL_FLOOR:
        return floor(v);
    case CALL_ROUND: {
        double inverse = 1.0 / a[0]; /* Prometheus' order: the same last bit */
        return floor(v * inverse + 0.5) / inverse;
    }
    case CALL_CLAMP:
        return a[1] < a[0] ? eval_absent() : go_max(a[0], go_min(a[1], v));
    case CALL_CLAMP_MIN:
        return go_max(a[0], v);
    case CALL_CLAMP_MAX:
        return go_min(a[0], v);
    default:
        return eval_math_value(c, v);
    }
}

/* The scalar arguments after the first, per step: a[step * 2 + j]. */
static double *
scalar_args(Eval *ev, const Node *n, GError **error)
{
    double *a = g_new(double, (gsize)ev->n_steps * 2);
    for (guint i = 0; i < ev->n_steps; i++)
        a[i * 2] = a[i * 2 + 1] = 1; /* round()'s default to_nearest */
    for (guint j = 1; j < n->args->len && j <= 2; j++) {
        g_autoptr(EvalResult) r = eval_node(ev, g_ptr_array_index(n->args, j), error);
        if (r == NULL) {
            g_free(a);
            return NULL;
        }
        g_assert(r->scalar);
        for (guint i = 0; i < ev->n_steps; i++)
            a[i * 2 + j - 1] = r->scalar_v[i];
    }
    return a;
}

static EvalResult *
call_map(Eval *ev, const Node *n, EvalResult *r, GError **error)
{
    g_autofree double *a = scalar_args(ev, n, error);
    if (a == NULL) {
        eval_result_free(r);
        return NULL;
    }
    for (guint k = 0; k < r->series->len; k++) {
        EvalSeries *s = g_ptr_array_index(r->series, k);
        for (guint j = 0; j < s->n; j++) { /* a window (EvalSeries) or every step */
            if (!eval_is_absent(s->v[j]))
                s->v[j] = call_value(n->call, s->v[j], &a[(s->first + j) * 2]);
        }
    }
    eval_result_drop_name(r);
    if (!eval_result_merge(r, error))
        g_clear_pointer(&r, eval_result_free);
    return r;
}

/* The step's time in whole milliseconds. */
static gint64
step_ms(Eval *ev, guint i)
{
    return (gint64)(eval_step_time(ev, i) / G_GUINT64_CONSTANT(1000000));
}

/* time() (@c CALL_TIME), pi(), or a date function of the step's time. */
static EvalResult *
call_no_args(Eval *ev, CallKind c)
{
    gboolean scalar = c == CALL_TIME || c == CALL_PI;
    EvalResult *r = eval_result_new(scalar, ev->n_steps);
    double *v = r->scalar_v;
    if (!scalar) {
        EvalSeries *s = eval_series_new(g_new0(char *, 1), ev->n_steps);
        g_ptr_array_add(r->series, s);
        v = s->v;
    }
    for (guint i = 0; i < ev->n_steps; i++)
        v[i] = c == CALL_TIME ? (double)step_ms(ev, i) / 1000
               : c == CALL_PI ? G_PI
                              : eval_date_value(c, step_ms(ev, i) / 1000);
    return r;
}

/* timestamp(): a selector's sample times; the step's time of anything else. */
static EvalResult *
call_timestamp(Eval *ev, const Node *arg, GError **error)
{
    if (arg->kind == NODE_SELECTOR)
        return eval_selector_times(ev, arg, error);
    EvalResult *r = eval_node(ev, arg, error);
    if (r == NULL)
        return NULL;
    for (guint k = 0; k < r->series->len; k++) {
        EvalSeries *s = g_ptr_array_index(r->series, k);
        for (guint i = 0; i < ev->n_steps; i++) {
            if (!eval_is_absent(s->v[i]))
                s->v[i] = (double)step_ms(ev, i) / 1000;
        }
    }
    eval_result_drop_name(r);
    if (!eval_result_merge(r, error))
        g_clear_pointer(&r, eval_result_free);
    return r;
}

/* label_join(v, dst, separator, src...): labels are the same at every step. */
static EvalResult *
eval_label_join(const Node *n, EvalResult *r, GError **error)
{
    char *const *a = n->strings;
    for (guint k = 0; k < r->series->len; k++) {
        EvalSeries *s = g_ptr_array_index(r->series, k);
        GString *value = g_string_new(NULL);
        for (guint j = 2; a[j] != NULL; j++) {
            const char *v = labels_get(s->labels, a[j]);
            g_string_append_printf(value, "%s%s", j > 2 ? a[1] : "", v != NULL ? v : "");
        }
        char **next = labels_with(s->labels, a[0], value->len > 0 ? value->str : NULL);
        g_string_free(value, TRUE);
        g_strfreev(s->labels);
        s->labels = next;
    }
    if (!eval_result_merge(r, error))
        g_clear_pointer(&r, eval_result_free);
    return r;
}

static EvalResult *
call_vector(Eval *ev, EvalResult *sc)
{
    EvalResult *r = eval_result_new(FALSE, ev->n_steps);
    EvalSeries *s = eval_series_new(g_new0(char *, 1), ev->n_steps);
    memcpy(s->v, sc->scalar_v, sizeof(double) * ev->n_steps);
    g_ptr_array_add(r->series, s);
    eval_result_free(sc);
    return r;
}

static EvalResult *
call_scalar(Eval *ev, EvalResult *vec)
{
    EvalResult *r = eval_result_new(TRUE, ev->n_steps);
    for (guint i = 0; i < ev->n_steps; i++) {
        guint present = 0;
        for (guint k = 0; k < vec->series->len; k++) {
            const EvalSeries *s = g_ptr_array_index(vec->series, k);
            if (!eval_is_absent(s->v[i])) {
                present++;
                r->scalar_v[i] = s->v[i];
            }
        }
        if (present != 1)
            r->scalar_v[i] = NAN;
    }
    eval_result_free(vec);
    return r;
}

/* absent()'s labels: the equality matchers of a selector (none for anything
 * else, a subquery included), a label named twice dropped. */
static char **
absent_labels(const Node *arg)
{
    char **out = g_new0(char *, 1);
    if (arg->kind != NODE_SELECTOR)
        return out;
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < arg->matchers->len; i++) {
        const Matcher *m = g_ptr_array_index(arg->matchers, i);
        if (g_str_equal(m->label, "__name__"))
            continue;
        gboolean set = m->op == MATCH_EQ && !g_hash_table_contains(seen, m->label);
        char **next = labels_with(out, m->label, set ? m->value : NULL);
        g_strfreev(out);
        out = next;
        if (set)
            g_hash_table_add(seen, m->label);
    }
    return out;
}

EvalResult *
eval_absent_result(Eval *ev, const Node *arg, EvalResult *vec)
{
    EvalResult *r = eval_result_new(FALSE, ev->n_steps);
    EvalSeries *out = eval_series_new(absent_labels(arg), ev->n_steps);
    for (guint i = 0; i < ev->n_steps; i++) {
        guint k = 0;
        while (k < vec->series->len && eval_is_absent(((EvalSeries *)vec->series->pdata[k])->v[i]))
            k++;
        if (k == vec->series->len)
            out->v[i] = 1;
    }
    g_ptr_array_add(r->series, out);
    eval_result_free(vec);
    return r;
}

/* ------------------------------------------------------- label_replace */

/* Go's regexp extract(): a $name or ${name} at @s; the number, or -1 for a
 * name; FALSE if malformed (the $ is then literal). */
static gboolean
template_ref(const char *s, char **ret_name, gint *ret_num, const char **ret_rest)
{
    gboolean brace = *s == '{';
    const char *p = brace ? s + 1 : s, *q = p;
    while (g_ascii_isalnum(*q) || *q == '_')
        q++;
    if (q == p || (brace && *q != '}'))
        return FALSE;
    gint num = 0;
    for (const char *d = p; d < q; d++) {
        if (!g_ascii_isdigit(*d) || num >= 100000000) {
            num = -1;
            break;
        }
        num = num * 10 + (*d - '0');
    }
    if (*p == '0' && q - p > 1)
        num = -1;
    *ret_name = g_strndup(p, (gsize)(q - p));
    *ret_num = num;
    *ret_rest = brace ? q + 1 : q;
    return TRUE;
}

/* Appends group @num (or @name) of the match, if it took part. */
static void
append_group(GString *out, const GMatchInfo *mi, const GRegex *re, const char *name, gint num)
{
    if (num < 0)
        num = g_regex_get_string_number(re, name);
    gint start, end;
    if (num >= 0 && g_match_info_fetch_pos(mi, num, &start, &end) && start >= 0)
        g_string_append_len(out, g_match_info_get_string(mi) + start, end - start);
}

/* Go's Regexp.ExpandString: $1, ${1}, $name, ${name}, $$. */
static char *
expand_template(const char *tmpl, const GMatchInfo *mi, const GRegex *re)
{
    GString *out = g_string_new(NULL);
    const char *p = tmpl, *dollar;
    while ((dollar = strchr(p, '$')) != NULL) {
        g_string_append_len(out, p, dollar - p);
        p = dollar + 1;
        if (*p == '$') {
            g_string_append_c(out, '$');
            p++;
            continue;
        }
        g_autofree char *name = NULL;
        gint num;
        const char *rest;
        if (!template_ref(p, &name, &num, &rest)) {
            g_string_append_c(out, '$');
            continue;
        }
        append_group(out, mi, re, name, num);
        p = rest;
    }
    g_string_append(out, p);
    return g_string_free(out, FALSE);
}

/* label_replace(v, dst, replacement, src, regex): labels are the same at every step. */
static EvalResult *
eval_label_replace(const Node *n, EvalResult *r, GError **error)
{
    char *const *a = n->strings;
    Matcher *m = matcher_new("re", MATCH_RE, a[3], error);
    if (m == NULL) {
        eval_result_free(r);
        return NULL;
    }
    for (guint k = 0; k < r->series->len; k++) {
        EvalSeries *s = g_ptr_array_index(r->series, k);
        const char *src = labels_get(s->labels, a[2]);
        if (src == NULL)
            src = "";
        g_autoptr(GMatchInfo) mi = NULL;
        GRegex *re = rondo_matcher_get_regex(m->rm);
        if (!g_regex_match(re, src, 0, &mi))
            continue;
        g_autofree char *value = expand_template(a[1], mi, re);
        char **next = labels_with(s->labels, a[0], value);
        g_strfreev(s->labels);
        s->labels = next;
    }
    matcher_free(m);
    if (!eval_result_merge(r, error))
        g_clear_pointer(&r, eval_result_free);
    return r;
}

/* The calls of one value at a time (call_map()); the others read their vector whole. */
static gboolean
call_maps_values(CallKind c)
{
    switch (c) {
    case CALL_VECTOR:
    case CALL_SCALAR:
    case CALL_ABSENT:
    case CALL_LABEL_REPLACE:
    case CALL_LABEL_JOIN:
    case CALL_SORT:
    case CALL_SORT_DESC:
    case CALL_TIMESTAMP:
    case CALL_HISTOGRAM_QUANTILE:
        return FALSE;
    default:
        return TRUE;
    }
}

EvalResult *
eval_call(Eval *ev, const Node *n, GError **error)
{
    if (n->args->len == 0)
        return call_no_args(ev, n->call);
    const Node *arg = g_ptr_array_index(n->args, 0);
    if (call_maps_values(n->call)) {
        if (n == ev->windowed) /* each value on its own: windows (EvalSeries) pass through */
            ev->windowed = arg;
        EvalResult *r = eval_node(ev, arg, error);
        return r != NULL ? call_map(ev, n, r, error) : NULL;
    }
    if (n->call == CALL_TIMESTAMP)
        return call_timestamp(ev, arg, error);
    if (n->call == CALL_HISTOGRAM_QUANTILE)
        return eval_histogram_quantile(ev, n, error);
    EvalResult *r = eval_node(ev, arg, error);
    if (r == NULL)
        return NULL;
    switch (n->call) {
    case CALL_VECTOR:
        return call_vector(ev, r);
    case CALL_SCALAR:
        return call_scalar(ev, r);
    case CALL_ABSENT:
        return eval_absent_result(ev, arg, r);
    case CALL_LABEL_REPLACE:
        return eval_label_replace(n, r, error);
    case CALL_LABEL_JOIN:
        return eval_label_join(n, r, error);
    case CALL_SORT:
    case CALL_SORT_DESC:
        r->value_order = n->call == CALL_SORT ? 1 : -1;
        return r;
    default:
        g_assert_not_reached();
    }
}
