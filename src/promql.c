/* promql.c - a recursive-descent parser for the PromQL subset rondod evaluates.
 *
 * Grammar (whitespace anywhere between tokens):
 *   expr     := and ('or' mods and)*
 *   and      := cmp (('and' | 'unless') mods cmp)*
 *   cmp      := arith (CMPOP mods arith)*        CMPOP: == != > < >= <=
 *   arith    := term (('+' | '-') mods term)*
 *   term     := unary (('*' | '/' | '%' | 'atan2') mods unary)*
 *   mods     := ['bool'] [('on' | 'ignoring') '(' labels ')'
 *                         [('group_left' | 'group_right') ['(' labels ')']]]
 *   unary    := '-' unary | '+' unary | primary subquery* ['^' mods unary]
 *   subquery := '[' DURATION ':' [DURATION] ']' at_off     (a range function's argument)
 *   primary  := NUMBER | '(' expr ')' | agg | func | call | selector
 *   agg      := AGGOP [by '(' labels ')'] '(' expr ')' [by '(' labels ')']
 *   func     := FUNC '(' [scalar ','] (selector | unary) [',' scalar] ')'  (a range argument)
 *   selector := SELECTOR ['[' DURATION ']'] at_off     SELECTOR: promql-selector.c's
 *   at_off   := ('offset' ['-'] DURATION | '@' (NUMBER | 'start()' | 'end()'))*  each once
 * A word is a keyword, function or number word if it can be one there; any
 * other word starts a selector, `offset` or `sum` too, as in Prometheus.
 *
 * Why hand-written: the subset is small and every refusal must name the
 * construct, so Grafana users see "offset is not supported", not a generic
 * syntax error. Errors carry the 1-based character position.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "promql.h"
#include "promql-selector.h"
#include "promql-string.h"

typedef struct {
    const char *src;
    const char *p;
    guint depth;
    GError **error;
    gboolean failed;
} Parser;

static const char *const func_names[] = {
    [FN_RATE] = "rate",
    [FN_INCREASE] = "increase",
    [FN_AVG_OVER_TIME] = "avg_over_time",
    [FN_MIN_OVER_TIME] = "min_over_time",
    [FN_MAX_OVER_TIME] = "max_over_time",
    [FN_SUM_OVER_TIME] = "sum_over_time",
    [FN_COUNT_OVER_TIME] = "count_over_time",
    [FN_LAST_OVER_TIME] = "last_over_time",
    [FN_IRATE] = "irate",
    [FN_IDELTA] = "idelta",
    [FN_DELTA] = "delta",
    [FN_DERIV] = "deriv",
    [FN_RESETS] = "resets",
    [FN_CHANGES] = "changes",
    [FN_STDDEV_OVER_TIME] = "stddev_over_time",
    [FN_STDVAR_OVER_TIME] = "stdvar_over_time",
    [FN_QUANTILE_OVER_TIME] = "quantile_over_time",
    [FN_PREDICT_LINEAR] = "predict_linear",
    [FN_PRESENT_OVER_TIME] = "present_over_time",
    [FN_ABSENT_OVER_TIME] = "absent_over_time",
    [FN_HOLT_WINTERS] = "holt_winters",
};

static const char *const agg_names[] = {
    [AGG_SUM] = "sum",         [AGG_AVG] = "avg",           [AGG_MIN] = "min",
    [AGG_MAX] = "max",         [AGG_COUNT] = "count",       [AGG_TOPK] = "topk",
    [AGG_BOTTOMK] = "bottomk", [AGG_QUANTILE] = "quantile", [AGG_STDDEV] = "stddev",
    [AGG_STDVAR] = "stdvar",   [AGG_GROUP] = "group",       [AGG_COUNT_VALUES] = "count_values",
};

/* Argument types: v instant vector, s scalar, S string; after '?' optional. */
static const struct {
    const char *name, *args;
} calls[] = {
    [CALL_ABS] = {"abs", "v"},
    [CALL_CEIL] = {"ceil", "v"},
    [CALL_FLOOR] = {"floor", "v"},
    [CALL_ROUND] = {"round", "v?s"},
    [CALL_CLAMP] = {"clamp", "vss"},
    [CALL_CLAMP_MIN] = {"clamp_min", "vs"},
    [CALL_CLAMP_MAX] = {"clamp_max", "vs"},
    [CALL_TIME] = {"time", ""},
    [CALL_VECTOR] = {"vector", "s"},
    [CALL_SCALAR] = {"scalar", "v"},
    [CALL_LABEL_REPLACE] = {"label_replace", "vSSSS"},
    [CALL_ABSENT] = {"absent", "v"},
    [CALL_SORT] = {"sort", "v"},
    [CALL_SORT_DESC] = {"sort_desc", "v"},
    [CALL_LABEL_JOIN] = {"label_join", "vSSS*"},
    [CALL_TIMESTAMP] = {"timestamp", "v"},
    [CALL_HISTOGRAM_QUANTILE] = {"histogram_quantile", "sv"},
    [CALL_PI] = {"pi", ""},
    [CALL_SGN] = {"sgn", "v"},
    [CALL_EXP] = {"exp", "v"},
    [CALL_LN] = {"ln", "v"},
    [CALL_LOG2] = {"log2", "v"},
    [CALL_LOG10] = {"log10", "v"},
    [CALL_SQRT] = {"sqrt", "v"},
    [CALL_SIN] = {"sin", "v"},
    [CALL_COS] = {"cos", "v"},
    [CALL_TAN] = {"tan", "v"},
    [CALL_ASIN] = {"asin", "v"},
    [CALL_ACOS] = {"acos", "v"},
    [CALL_ATAN] = {"atan", "v"},
    [CALL_SINH] = {"sinh", "v"},
    [CALL_COSH] = {"cosh", "v"},
    [CALL_TANH] = {"tanh", "v"},
    [CALL_ASINH] = {"asinh", "v"},
    [CALL_ACOSH] = {"acosh", "v"},
    [CALL_ATANH] = {"atanh", "v"},
    [CALL_DEG] = {"deg", "v"},
    [CALL_RAD] = {"rad", "v"},
    [CALL_DAY_OF_MONTH] = {"day_of_month", "?v"},
    [CALL_DAY_OF_WEEK] = {"day_of_week", "?v"},
    [CALL_DAY_OF_YEAR] = {"day_of_year", "?v"},
    [CALL_DAYS_IN_MONTH] = {"days_in_month", "?v"},
    [CALL_HOUR] = {"hour", "?v"},
    [CALL_MINUTE] = {"minute", "?v"},
    [CALL_MONTH] = {"month", "?v"},
    [CALL_YEAR] = {"year", "?v"},
};

/* Keywords that cannot be a metric name (Prometheus' grammar lets the
 * others be one: `offset`, `and` or `sum` alone select a series). */
static const char *const operator_words[] = {
    "bool", "on", "ignoring", "group_left", "group_right", "atan2",
};

const char *
promql_func_name(FuncKind f)
{
    return func_names[f];
}

void
matcher_free(gpointer p)
{
    Matcher *m = p;
    g_free(m->label);
    g_free(m->value);
    rondo_matcher_free(m->rm);
    g_free(m);
}

void
promql_node_free(Node *node)
{
    if (node == NULL)
        return;
    if (node->matchers)
        g_ptr_array_unref(node->matchers);
    if (node->args)
        g_ptr_array_unref(node->args);
    g_strfreev(node->strings);
    g_strfreev(node->by);
    g_strfreev(node->match.labels);
    g_strfreev(node->match.include);
    promql_node_free(node->lhs);
    promql_node_free(node->rhs);
    g_free(node);
}

gboolean
matcher_matches(const Matcher *m, const char *value)
{
    return rondo_matcher_matches_value(m->rm, value);
}

gboolean
promql_op_is_comparison(BinOp op)
{
    return op >= OP_EQ && op <= OP_LE;
}

gboolean
promql_op_is_set(BinOp op)
{
    return op >= OP_AND;
}

gboolean
promql_node_is_scalar(const Node *node)
{
    switch (node->kind) {
    case NODE_NUMBER:
        return TRUE;
    case NODE_NEG:
        return promql_node_is_scalar(node->lhs);
    case NODE_BINARY:
        return promql_node_is_scalar(node->lhs) && promql_node_is_scalar(node->rhs);
    case NODE_CALL:
        return node->call == CALL_TIME || node->call == CALL_SCALAR || node->call == CALL_PI;
    default:
        return FALSE;
    }
}

/* ------------------------------------------------------------- lexing */

G_GNUC_PRINTF(2, 3)
static void
fail(Parser *ps, const char *fmt, ...)
{
    if (ps->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(ps->error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "parse error at char %d: %s",
                (int)(ps->p - ps->src) + 1, msg);
    ps->failed = TRUE;
}

/* Blanks, and comments: # to the end of the line, as in PromQL. */
static void
skip_ws(Parser *ps)
{
    ps->p = promql_skip_blanks(ps->p);
}

/* The keyword @word (case-insensitive, as PromQL's keywords are) and no
 * more of an identifier after it. */
static gboolean
accept_keyword(Parser *ps, const char *word)
{
    skip_ws(ps);
    gsize n = strlen(word);
    if (g_ascii_strncasecmp(ps->p, word, n) != 0 || g_ascii_isalnum(ps->p[n]) || ps->p[n] == '_')
        return FALSE;
    ps->p += n;
    return TRUE;
}

static gboolean
accept(Parser *ps, const char *tok)
{
    skip_ws(ps);
    gsize n = strlen(tok);
    if (strncmp(ps->p, tok, n) != 0)
        return FALSE;
    ps->p += n;
    return TRUE;
}

static gboolean
expect(Parser *ps, const char *tok)
{
    if (accept(ps, tok))
        return TRUE;
    skip_ws(ps);
    fail(ps, "expected \"%s\"%s%.10s", tok, *ps->p ? " but found " : " at end of input", ps->p);
    return FALSE;
}

/* An identifier (metric names may contain ':'), or NULL without consuming. */
static char *
lex_ident(Parser *ps)
{
    skip_ws(ps);
    gsize n = promql_name_length(ps->p);
    if (n == 0)
        return NULL;
    ps->p += n;
    return g_strndup(ps->p - n, n);
}

/* A string literal; a bad one is reported at its opening quote, as
 * Prometheus reports it. */
static char *
lex_string(Parser *ps)
{
    skip_ws(ps);
    const char *at = ps->p;
    char *value = NULL;
    PromqlStringStatus status = promql_string_lex(&ps->p, &value);
    if (status != PROMQL_STRING_OK) {
        ps->p = at;
        fail(ps, "%s", promql_string_message(status));
    }
    return value;
}

/* ------------------------------------------------------------- parsing */

static Node *parse_expr(Parser *ps);

static Node *
node_new(NodeKind kind)
{
    Node *n = g_new0(Node, 1);
    n->kind = kind;
    return n;
}

G_STATIC_ASSERT((int)MATCH_EQ == (int)RONDO_MATCH_EQUAL &&
                (int)MATCH_NE == (int)RONDO_MATCH_NOT_EQUAL &&
                (int)MATCH_RE == (int)RONDO_MATCH_REGEX &&
                (int)MATCH_NRE == (int)RONDO_MATCH_NOT_REGEX);

/* Takes @rm. */
static Matcher *
matcher_wrap(RondoMatcher *rm)
{
    Matcher *m = g_new0(Matcher, 1);
    m->label = g_strdup(rondo_matcher_get_label(rm));
    m->op = (MatchOp)rondo_matcher_get_op(rm);
    m->value = g_strdup(rondo_matcher_get_value(rm));
    m->rm = rm;
    return m;
}

Matcher *
matcher_new(const char *label, MatchOp op, const char *value, GError **error)
{
    g_return_val_if_fail(label != NULL && value != NULL && op <= MATCH_NRE, NULL);
    g_autoptr(GError) local = NULL;
    RondoMatcher *rm = rondo_matcher_new(label, (RondoMatchOp)op, value, &local);
    if (rm == NULL) {
        g_set_error(error, G_REGEX_ERROR, G_REGEX_ERROR_COMPILE,
                    "invalid regular expression \"%s\" (%s)", value, local->message);
        return NULL;
    }
    return matcher_wrap(rm);
}

/* After "offset": [-]DURATION, not zero. */
static gboolean
parse_offset(Parser *ps, Node *n)
{
    if (n->offset_ns != 0) {
        fail(ps, "offset may not be set multiple times");
        return FALSE;
    }
    gboolean negative = accept(ps, "-");
    skip_ws(ps);
    guint64 ns = 0;
    gsize len = parse_prom_duration(ps->p, &ns);
    if (len == 0 || ns == 0 || ns > (guint64)G_MAXINT64) {
        fail(ps, "expected a duration such as 5m after offset");
        return FALSE;
    }
    ps->p += len;
    n->offset_ns = negative ? -(gint64)ns : (gint64)ns;
    return TRUE;
}

/* After "@": start(), end() or a time in seconds, kept as Prometheus keeps
 * it, rounded to the millisecond. Times before 1970 are refused. */
static gboolean
parse_at(Parser *ps, Node *n)
{
    if (n->at != AT_NONE) {
        fail(ps, "@ <timestamp> may not be set multiple times");
        return FALSE;
    }
    gboolean start = accept_keyword(ps, "start");
    if (start || accept_keyword(ps, "end")) {
        n->at = start ? AT_START : AT_END;
        return expect(ps, "(") && expect(ps, ")");
    }
    skip_ws(ps);
    char *end = NULL;
    double t = g_ascii_strtod(ps->p, &end);
    if (end == ps->p || !isfinite(t)) {
        fail(ps, "expected a time in seconds, start() or end() after @");
        return FALSE;
    }
    if (t >= 9.2e9) { /* nanoseconds in 64 bits reach 2262 */
        fail(ps, "the @ modifier after 2261 is not supported by rondod");
        return FALSE;
    }
    if (t < 0) {
        fail(ps, "the @ modifier before 1970 is not supported by rondod");
        return FALSE;
    }
    ps->p = end;
    n->at = AT_TIME;
    n->at_ns = (guint64)round(t * 1000) * G_GUINT64_CONSTANT(1000000);
    return TRUE;
}

/* The offset and @ modifiers, in either order, each at most once. */
static gboolean
parse_modifiers(Parser *ps, Node *n)
{
    for (;;) {
        if (accept_keyword(ps, "offset")) {
            if (!parse_offset(ps, n))
                return FALSE;
        } else if (accept(ps, "@")) {
            if (!parse_at(ps, n))
                return FALSE;
        } else {
            return TRUE;
        }
    }
}

/* A duration inside [...], not zero. */
static gboolean
parse_range(Parser *ps, guint64 *ret_ns)
{
    skip_ws(ps);
    gsize len = parse_prom_duration(ps->p, ret_ns);
    if (len == 0 || *ret_ns == 0) {
        fail(ps, "expected a duration such as 5m in [...]");
        return FALSE;
    }
    ps->p += len;
    return TRUE;
}

/* TRUE if the [ at @p opens a subquery: a ':' before the ]. */
static gboolean
bracket_is_subquery(const char *p)
{
    while (*p != '\0' && *p != ']' && *p != ':')
        p++;
    return *p == ':';
}

/* expr[RANGE:[STEP]] [offset D] [@ T], the [ at the cursor. */
static Node *
parse_subquery(Parser *ps, Node *inner)
{
    g_autoptr(Node) n = node_new(NODE_SUBQUERY);
    n->lhs = inner;
    if (!bracket_is_subquery(ps->p)) {
        fail(ps, "ranges only allowed for vector selectors");
        return NULL;
    }
    if (promql_node_is_scalar(inner) || inner->kind == NODE_SUBQUERY || inner->range_ns != 0) {
        fail(ps, "subquery is only allowed on instant vector, got %s instead",
             promql_node_is_scalar(inner) ? "scalar" : "range vector");
        return NULL;
    }
    accept(ps, "[");
    if (!parse_range(ps, &n->range_ns) || !expect(ps, ":"))
        return NULL;
    skip_ws(ps);
    if (*ps->p != ']' && !parse_range(ps, &n->step_ns))
        return NULL;
    if (!expect(ps, "]") || !parse_modifiers(ps, n))
        return NULL;
    return g_steal_pointer(&n);
}

/* The matchers of a selector at the cursor (promql-selector.c), wrapped. */
static GPtrArray *
parse_matchers(Parser *ps)
{
    PromqlSelectorError e;
    g_autoptr(GPtrArray) rms = promql_selector_parse(&ps->p, &e);
    if (rms == NULL) {
        g_autofree char *msg = promql_selector_error_message(&e, NULL);
        ps->p = e.at;
        fail(ps, "%s", msg);
        promql_selector_error_clear(&e);
        return NULL;
    }
    gsize len = 0;
    g_autofree gpointer *taken = g_ptr_array_steal(rms, &len);
    GPtrArray *out = g_ptr_array_new_full((guint)len, matcher_free);
    for (gsize i = 0; i < len; i++)
        g_ptr_array_add(out, matcher_wrap(taken[i]));
    return out;
}

/* A selector, the cursor at its name or "{"; a range and modifiers after it. */
static Node *
parse_selector(Parser *ps)
{
    g_autoptr(Node) n = node_new(NODE_SELECTOR);
    n->matchers = parse_matchers(ps);
    if (n->matchers == NULL)
        return NULL;
    skip_ws(ps);
    if (*ps->p == '[' && !bracket_is_subquery(ps->p)) {
        accept(ps, "[");
        if (!parse_range(ps, &n->range_ns) || !expect(ps, "]"))
            return NULL;
    }
    if (!parse_modifiers(ps, n))
        return NULL;
    return g_steal_pointer(&n);
}

static char **
parse_by(Parser *ps)
{
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func(g_free);
    if (!expect(ps, "("))
        return NULL;
    while (!accept(ps, ")")) {
        skip_ws(ps);
        gsize n = promql_label_length(ps->p); /* no colon, unlike a metric name */
        if (n == 0) {
            fail(ps, "expected a label name in (...)");
            return NULL;
        }
        g_ptr_array_add(labels, g_strndup(ps->p, n));
        ps->p += n;
        if (accept(ps, ","))
            continue;
        if (!expect(ps, ")"))
            return NULL;
        break;
    }
    g_ptr_array_set_free_func(labels, NULL);
    g_ptr_array_add(labels, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&labels), FALSE);
}

/* An optional by (...) or without (...); FALSE after a parse error. */
static gboolean
parse_grouping(Parser *ps, Node *n)
{
    gboolean by = accept_keyword(ps, "by");
    if (!by && !accept_keyword(ps, "without"))
        return TRUE;
    n->without = !by;
    n->by = parse_by(ps);
    return n->by != NULL;
}

/* TRUE if @name is a label name (Prometheus' model.LabelName.IsValid()). */
static gboolean
label_name_is_valid(const char *name)
{
    gboolean valid = g_ascii_isalpha(name[0]) || name[0] == '_';
    for (const char *c = name; valid && *c; c++)
        valid = g_ascii_isalnum(*c) || *c == '_';
    return valid;
}

/* count_values' first argument, a label name, and the comma after it. */
static gboolean
parse_count_values_label(Parser *ps, Node *n)
{
    char *label = lex_string(ps);
    if (label == NULL || !expect(ps, ",")) {
        g_free(label);
        return FALSE;
    }
    n->strings = g_new0(char *, 2);
    n->strings[0] = label;
    if (!label_name_is_valid(label)) {
        fail(ps, "invalid label name \"%s\"", label);
        return FALSE;
    }
    return TRUE;
}

static Node *
parse_agg(Parser *ps, AggKind agg)
{
    g_autoptr(Node) n = node_new(NODE_AGG);
    n->agg = agg;
    if (!parse_grouping(ps, n))
        return NULL;
    if (!expect(ps, "("))
        return NULL;
    if (agg == AGG_COUNT_VALUES && !parse_count_values_label(ps, n))
        return NULL;
    if (agg == AGG_TOPK || agg == AGG_BOTTOMK || agg == AGG_QUANTILE) {
        n->rhs = parse_expr(ps);
        if (n->rhs == NULL || !expect(ps, ","))
            return NULL;
        if (!promql_node_is_scalar(n->rhs)) {
            fail(ps, "expected type scalar in aggregation parameter, got instant vector");
            return NULL;
        }
    }
    n->lhs = parse_expr(ps);
    if (n->lhs == NULL || !expect(ps, ")"))
        return NULL;
    if (n->by == NULL && !parse_grouping(ps, n))
        return NULL;
    if (n->by == NULL)
        n->by = g_new0(char *, 1);
    if (promql_node_is_scalar(n->lhs)) {
        fail(ps, "%s() expects an instant vector, not a scalar", agg_names[agg]);
        return NULL;
    }
    return g_steal_pointer(&n);
}

/* A range function's scalar parameter into @n->rhs, then @sep if not NULL. */
static gboolean
parse_func_param(Parser *ps, Node *n, const char *sep)
{
    n->rhs = parse_expr(ps);
    if (n->rhs == NULL)
        return FALSE;
    if (!promql_node_is_scalar(n->rhs)) {
        fail(ps, "expected type scalar in call to function \"%s\", got instant vector",
             func_names[n->func]);
        return FALSE;
    }
    return sep == NULL || expect(ps, sep);
}

/* holt_winters()' second scalar parameter, into @n->args. */
static gboolean
parse_trend_factor(Parser *ps, Node *n)
{
    if (!expect(ps, ","))
        return FALSE;
    Node *tf = parse_expr(ps);
    if (tf == NULL)
        return FALSE;
    n->args = g_ptr_array_new_with_free_func((GDestroyNotify)promql_node_free);
    g_ptr_array_add(n->args, tf);
    if (!promql_node_is_scalar(tf)) {
        fail(ps, "expected type scalar in call to function \"holt_winters\", got instant vector");
        return FALSE;
    }
    return TRUE;
}

static Node *
parse_func(Parser *ps, FuncKind f)
{
    g_autoptr(Node) n = node_new(NODE_FUNC);
    n->func = f;
    if (!expect(ps, "("))
        return NULL;
    if (f == FN_QUANTILE_OVER_TIME && !parse_func_param(ps, n, ","))
        return NULL;
    n->lhs = parse_expr(ps);
    if (n->lhs == NULL)
        return NULL;
    if (n->lhs->kind != NODE_SUBQUERY && (n->lhs->kind != NODE_SELECTOR || n->lhs->range_ns == 0)) {
        fail(ps, "%s() expects a range vector such as metric[5m]", func_names[f]);
        return NULL;
    }
    if ((f == FN_PREDICT_LINEAR || f == FN_HOLT_WINTERS) &&
        (!expect(ps, ",") || !parse_func_param(ps, n, NULL)))
        return NULL;
    if (f == FN_HOLT_WINTERS && !parse_trend_factor(ps, n))
        return NULL;
    if (!expect(ps, ")"))
        return NULL;
    return g_steal_pointer(&n);
}

/* One argument of type @type ('v', 's' or 'S') of call @c, added to @n. */
static gboolean
parse_call_arg(Parser *ps, Node *n, CallKind c, char type, GPtrArray *strings)
{
    if (type == 'S') {
        char *str = lex_string(ps);
        if (str != NULL)
            g_ptr_array_add(strings, str);
        return str != NULL;
    }
    Node *arg = parse_expr(ps);
    if (arg == NULL)
        return FALSE;
    g_ptr_array_add(n->args, arg);
    if (promql_node_is_scalar(arg) != (type == 's')) {
        fail(ps, "expected type %s in call to function \"%s\", got %s",
             type == 's' ? "scalar" : "instant vector", calls[c].name,
             type == 's' ? "instant vector" : "scalar");
        return FALSE;
    }
    return TRUE;
}

/* What Prometheus finds wrong at evaluation, found before. */
static gboolean
label_replace_check(Parser *ps, char *const *strings)
{
    const char *dst = strings[0];
    if (!label_name_is_valid(dst)) {
        fail(ps, "invalid destination label name in label_replace(): %s", dst);
        return FALSE;
    }
    g_autoptr(GError) error = NULL;
    Matcher *m = matcher_new("re", MATCH_RE, strings[3], &error);
    if (m == NULL) {
        fail(ps, "invalid regular expression in label_replace(): %s", strings[3]);
        return FALSE;
    }
    matcher_free(m);
    return TRUE;
}

/* label_join(v, dst, separator, src...): the label names. */
static gboolean
label_join_check(Parser *ps, char *const *strings)
{
    if (!label_name_is_valid(strings[0])) {
        fail(ps, "invalid destination label name in label_join(): %s", strings[0]);
        return FALSE;
    }
    for (guint i = 2; strings[i] != NULL; i++) {
        if (!label_name_is_valid(strings[i])) {
            fail(ps, "invalid source label name in label_join(): %s", strings[i]);
            return FALSE;
        }
    }
    return TRUE;
}

static Node *
parse_call(Parser *ps, CallKind c)
{
    g_autoptr(Node) n = node_new(NODE_CALL);
    n->call = c;
    n->args = g_ptr_array_new_with_free_func((GDestroyNotify)promql_node_free);
    g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func(g_free);
    const char *types = calls[c].args;
    gboolean optional = FALSE;
    guint given = 0;
    if (!expect(ps, "("))
        return NULL;
    while (!accept(ps, ")")) {
        if (*types == '*') /* the type before repeats */
            types--;
        if (*types == '?') {
            optional = TRUE;
            types++;
        }
        if (*types == '\0' || (given > 0 && !expect(ps, ","))) {
            if (*types == '\0')
                fail(ps, "too many arguments in call to function \"%s\"", calls[c].name);
            return NULL;
        }
        if (!parse_call_arg(ps, n, c, *types++, strings))
            return NULL;
        given++;
    }
    if (*types != '\0' && *types != '?' && *types != '*' && !optional) {
        fail(ps, "too few arguments in call to function \"%s\"", calls[c].name);
        return NULL;
    }
    g_ptr_array_add(strings, NULL);
    n->strings = (char **)g_ptr_array_steal(strings, NULL);
    if (c == CALL_LABEL_REPLACE && !label_replace_check(ps, n->strings))
        return NULL;
    if (c == CALL_LABEL_JOIN && !label_join_check(ps, n->strings))
        return NULL;
    return g_steal_pointer(&n);
}

static gint
find_call(const char *word)
{
    for (guint i = 0; i < G_N_ELEMENTS(calls); i++) {
        if (g_str_equal(calls[i].name, word))
            return (gint)i;
    }
    return -1;
}

static gint
find_name(const char *const *names, guint n, const char *word)
{
    for (guint i = 0; i < n; i++) {
        if (g_str_equal(names[i], word))
            return (gint)i;
    }
    return -1;
}

/* Aggregation operators are keywords: SUM is sum. */
static gint
find_agg(const char *word)
{
    g_autofree char *lower = g_ascii_strdown(word, -1);
    return find_name(agg_names, G_N_ELEMENTS(agg_names), lower);
}

/* A keyword no expression starts with: bool, on, ... (any case). */
static gboolean
is_operator_word(const char *word)
{
    for (guint i = 0; i < G_N_ELEMENTS(operator_words); i++) {
        if (g_ascii_strcasecmp(operator_words[i], word) == 0)
            return TRUE;
    }
    return FALSE;
}

/* An identifier: aggregation, function, number word or metric name; the
 * word has been read from @start. */
static Node *
parse_word(Parser *ps, char *word, const char *start)
{
    g_autofree char *w = word;
    skip_ws(ps);
    gboolean call = *ps->p == '(' || g_ascii_strncasecmp(ps->p, "by", 2) == 0 ||
                    g_ascii_strncasecmp(ps->p, "without", 7) == 0;
    gint i;
    if ((i = find_agg(w)) >= 0 && call)
        return parse_agg(ps, (AggKind)i);
    if (is_operator_word(w)) {
        ps->p = start;
        fail(ps, "unexpected \"%s\"", w);
        return NULL;
    }
    if (*ps->p == '(') {
        if ((i = find_name(func_names, G_N_ELEMENTS(func_names), w)) >= 0)
            return parse_func(ps, (FuncKind)i);
        if ((i = find_call(w)) >= 0)
            return parse_call(ps, (CallKind)i);
        fail(ps, "function \"%s\" is not supported by rondod (docs/http-api.md lists the subset)",
             w);
        return NULL;
    }
    if (g_ascii_strcasecmp(w, "inf") == 0 || g_ascii_strcasecmp(w, "nan") == 0) {
        Node *n = node_new(NODE_NUMBER);
        n->number = g_ascii_strcasecmp(w, "inf") == 0 ? INFINITY : NAN;
        return n;
    }
    ps->p = start; /* a metric name: the selector's grammar reads it again */
    return parse_selector(ps);
}

static Node *
parse_number(Parser *ps)
{
    char *end = NULL;
    double v = g_ascii_strtod(ps->p, &end);
    if (end == ps->p || (end[0] && (g_ascii_isalpha(end[0]) || end[0] == '_'))) {
        fail(ps, "malformed number (durations are only allowed inside [...])");
        return NULL;
    }
    ps->p = end;
    Node *n = node_new(NODE_NUMBER);
    n->number = v;
    return n;
}

static Node *
parse_primary(Parser *ps)
{
    skip_ws(ps);
    char c = *ps->p;
    if (g_ascii_isdigit(c) || (c == '.' && g_ascii_isdigit(ps->p[1])))
        return parse_number(ps);
    if (accept(ps, "(")) {
        g_autoptr(Node) n = parse_expr(ps);
        return n && expect(ps, ")") ? g_steal_pointer(&n) : NULL;
    }
    if (c == '{')
        return parse_selector(ps);
    const char *start = ps->p;
    char *word = lex_ident(ps);
    if (word != NULL)
        return parse_word(ps, word, start);
    if (c == '\0')
        fail(ps, "unexpected end of input");
    else
        fail(ps, "unexpected character '%c'", c);
    return NULL;
}

static Node *parse_unary(Parser *ps);
static gboolean parse_bin_modifiers(Parser *ps, Node *n);
static gboolean binary_check(Parser *ps, const Node *n);

/* After "^": binds tighter than a sign before @base and from the right,
 * as in Prometheus: -2 ^ 2 is -4, 2 ^ 3 ^ 2 is 2 ^ 9. */
static Node *
parse_power(Parser *ps, Node *base)
{
    g_autoptr(Node) n = node_new(NODE_BINARY);
    n->op = OP_POW;
    n->lhs = base;
    if (!parse_bin_modifiers(ps, n))
        return NULL;
    n->rhs = parse_unary(ps);
    if (n->rhs == NULL || !binary_check(ps, n))
        return NULL;
    return g_steal_pointer(&n);
}

static Node *
parse_unary(Parser *ps)
{
    if (++ps->depth > PROMQL_DEPTH_MAX) {
        fail(ps, "expression nested deeper than %d", PROMQL_DEPTH_MAX);
        return NULL;
    }
    Node *n;
    if (accept(ps, "-")) {
        Node *arg = parse_unary(ps);
        n = arg ? node_new(NODE_NEG) : NULL;
        if (n)
            n->lhs = arg;
    } else if (accept(ps, "+")) {
        n = parse_unary(ps);
    } else {
        n = parse_primary(ps);
        while (n != NULL && (skip_ws(ps), *ps->p == '['))
            n = parse_subquery(ps, n);
        if (n != NULL && accept(ps, "^"))
            n = parse_power(ps, n);
    }
    ps->depth--;
    return n;
}

/* Prometheus' parser checks of a binary expression; FALSE after fail(). */
static gboolean
binary_check(Parser *ps, const Node *n)
{
    gboolean ls = promql_node_is_scalar(n->lhs), rs = promql_node_is_scalar(n->rhs);
    gboolean cmp = promql_op_is_comparison(n->op);
    if (n->bool_mod && !cmp)
        fail(ps, "bool modifier can only be used on comparison operators");
    else if (cmp && !n->bool_mod && ls && rs)
        fail(ps, "comparisons between scalars must use BOOL modifier");
    else if (promql_op_is_set(n->op) && (ls || rs))
        fail(ps, "set operator \"%s\" not allowed in binary scalar expression",
             n->op == OP_AND  ? "and"
             : n->op == OP_OR ? "or"
                              : "unless");
    else if (promql_op_is_set(n->op) && n->match.card != CARD_ONE_TO_ONE)
        fail(ps, "no grouping allowed for \"%s\" operation",
             n->op == OP_AND  ? "and"
             : n->op == OP_OR ? "or"
                              : "unless");
    else if ((ls || rs) && n->match.labels != NULL && n->match.labels[0] != NULL)
        fail(ps, "vector matching only allowed between instant vectors");
    for (guint i = 0; n->match.on && n->match.include && n->match.include[i]; i++) {
        if (g_strv_contains((const char *const *)n->match.labels, n->match.include[i]))
            fail(ps, "label \"%s\" must not occur in ON and GROUP clause at once",
                 n->match.include[i]);
    }
    return !ps->failed;
}

/* group_left / group_right, with or without a label list. */
static gboolean
parse_group_modifier(Parser *ps, VectorMatching *m)
{
    gboolean left = accept_keyword(ps, "group_left");
    if (!left && !accept_keyword(ps, "group_right"))
        return TRUE;
    m->card = left ? CARD_MANY_TO_ONE : CARD_ONE_TO_MANY;
    skip_ws(ps);
    if (*ps->p != '(') {
        m->include = g_new0(char *, 1);
        return TRUE;
    }
    m->include = parse_by(ps);
    return m->include != NULL;
}

/* After an operator: [bool] [on (...) | ignoring (...) [group_left|group_right [(...)]]]. */
static gboolean
parse_bin_modifiers(Parser *ps, Node *n)
{
    n->bool_mod = accept_keyword(ps, "bool");
    gboolean on = accept_keyword(ps, "on");
    if (on || accept_keyword(ps, "ignoring")) {
        n->match.on = on;
        n->match.labels = parse_by(ps);
        return n->match.labels != NULL && parse_group_modifier(ps, &n->match);
    }
    skip_ws(ps);
    if (g_str_has_prefix(ps->p, "group_left") || g_str_has_prefix(ps->p, "group_right")) {
        fail(ps, "group_left/group_right need on (...) or ignoring (...) before them");
        return FALSE;
    }
    return TRUE;
}

/* The operator of a level at the cursor, consumed; FALSE if there is none. */
typedef gboolean (*OpLexer)(Parser *ps, BinOp *op);

static gboolean
lex_add_op(Parser *ps, BinOp *op)
{
    skip_ws(ps);
    if (*ps->p != '+' && *ps->p != '-')
        return FALSE;
    *op = *ps->p++ == '+' ? OP_ADD : OP_SUB;
    return TRUE;
}

static gboolean
lex_mul_op(Parser *ps, BinOp *op)
{
    skip_ws(ps);
    if (accept_keyword(ps, "atan2")) {
        *op = OP_ATAN2;
        return TRUE;
    }
    if (*ps->p != '*' && *ps->p != '/' && *ps->p != '%')
        return FALSE;
    char c = *ps->p++;
    *op = c == '*' ? OP_MUL : c == '/' ? OP_DIV : OP_MOD;
    return TRUE;
}

static gboolean
lex_cmp_op(Parser *ps, BinOp *op)
{
    static const struct {
        const char *tok;
        BinOp op;
    } ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {">=", OP_GE},
               {"<=", OP_LE}, {">", OP_GT},  {"<", OP_LT}};
    for (guint i = 0; i < G_N_ELEMENTS(ops); i++) {
        if (accept(ps, ops[i].tok)) {
            *op = ops[i].op;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
lex_and_op(Parser *ps, BinOp *op)
{
    if (accept_keyword(ps, "and"))
        *op = OP_AND;
    else if (accept_keyword(ps, "unless"))
        *op = OP_UNLESS;
    else
        return FALSE;
    return TRUE;
}

static gboolean
lex_or_op(Parser *ps, BinOp *op)
{
    *op = OP_OR;
    return accept_keyword(ps, "or");
}

/* The binary operators' levels, loosest first: Prometheus' precedence. */
static const OpLexer op_levels[] = {lex_or_op, lex_and_op, lex_cmp_op, lex_add_op, lex_mul_op};

/* Operands of level @level joined left to right by its operators. */
static Node *
parse_level(Parser *ps, guint level)
{
    if (level == G_N_ELEMENTS(op_levels))
        return parse_unary(ps);
    g_autoptr(Node) lhs = parse_level(ps, level + 1);
    BinOp op;
    while (lhs != NULL && op_levels[level](ps, &op)) {
        g_autoptr(Node) n = node_new(NODE_BINARY);
        n->op = op;
        if (!parse_bin_modifiers(ps, n))
            return NULL;
        n->rhs = parse_level(ps, level + 1);
        if (n->rhs == NULL)
            return NULL;
        n->lhs = g_steal_pointer(&lhs);
        if (!binary_check(ps, n))
            return NULL;
        lhs = g_steal_pointer(&n);
    }
    return g_steal_pointer(&lhs);
}

static Node *
parse_expr(Parser *ps)
{
    return parse_level(ps, 0);
}

/* Trailing input: a misplaced offset or an unsupported operator gets a precise refusal. */
static void
refuse_trailing(Parser *ps)
{
    skip_ws(ps);
    const char *p = ps->p;
    if (*p == '\0')
        return;
    if (accept_keyword(ps, "offset") || accept(ps, "@")) {
        ps->p = p;
        fail(ps,
             "%s modifier must be preceded by an instant vector selector or range "
             "vector selector or a subquery",
             *p == '@' ? "@" : "offset");
        return;
    }
    if (*p == '=')
        fail(ps,
             "operator \"%.*s\" is not supported by rondod (only + - * / %% ^ atan2 == != > < "
             ">= <= and or unless)",
             p[1] == '=' || p[1] == '~' ? 2 : 1, p);
    else
        fail(ps, "unexpected \"%.16s\"", p);
}

/* A range selector or a subquery anywhere but as a function's argument. */
static gboolean
has_bare_range(const Node *n)
{
    if (n == NULL)
        return FALSE;
    if (n->kind == NODE_FUNC) /* its argument is a range; the parameters may not hold one */
        return has_bare_range(n->rhs) ||
               (n->args != NULL && has_bare_range(g_ptr_array_index(n->args, 0))) ||
               (n->lhs->kind == NODE_SUBQUERY && has_bare_range(n->lhs->lhs));
    if (n->kind == NODE_SELECTOR)
        return n->range_ns != 0;
    if (n->kind == NODE_SUBQUERY)
        return TRUE;
    for (guint i = 0; n->args != NULL && i < n->args->len; i++) {
        if (has_bare_range(g_ptr_array_index(n->args, i)))
            return TRUE;
    }
    return has_bare_range(n->lhs) || has_bare_range(n->rhs);
}

Node *
promql_parse(const char *expr, GError **error)
{
    g_return_val_if_fail(expr != NULL, NULL);
    Parser ps = {.src = expr, .p = expr, .error = error};
    if (strlen(expr) > PROMQL_EXPR_MAX) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "expression longer than %d characters", PROMQL_EXPR_MAX);
        return NULL;
    }
    if (!g_utf8_validate(expr, -1, NULL)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "expression is not UTF-8");
        return NULL;
    }
    g_autoptr(Node) n = parse_expr(&ps);
    if (n != NULL)
        refuse_trailing(&ps);
    if (ps.failed)
        return NULL;
    if (n == NULL) {
        fail(&ps, "empty expression");
        return NULL;
    }
    if (has_bare_range(n)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "a range vector selector or a subquery is only supported as the argument "
                    "of a range function such as rate() or *_over_time()");
        return NULL;
    }
    return g_steal_pointer(&n);
}
