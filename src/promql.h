/* promql.h - the subset of PromQL rondod answers: its syntax tree and parser. */
#ifndef RONDOD_PROMQL_H
#define RONDOD_PROMQL_H

#include <gio/gio.h>
#include "rondo.h"

/* Expression depth and size bounds: input from the network gets a limit. */
#define PROMQL_EXPR_MAX  4096
#define PROMQL_DEPTH_MAX 32
/* A subquery's step when it gives none (expr[30m:]): Prometheus' default
 * global evaluation_interval, which rondod, evaluating no rules, has not. */
#define PROMQL_SUBQUERY_STEP_NS (G_GUINT64_CONSTANT(60) * G_GUINT64_CONSTANT(1000000000))

typedef enum {
    MATCH_EQ,  /* =  */
    MATCH_NE,  /* != */
    MATCH_RE,  /* =~ anchored */
    MATCH_NRE, /* !~ anchored */
} MatchOp;

/* The parts are kept for the evaluator; matching is librondo's
 * (rondo_matcher_new()), the suite's one rule for regular expressions. */
typedef struct {
    char *label;
    MatchOp op;
    char *value;
    RondoMatcher *rm;
} Matcher;

typedef enum {
    NODE_NUMBER,   /* 1.5 */
    NODE_SELECTOR, /* name{a="b"} or name{a="b"}[5m] */
    NODE_FUNC,     /* rate(sel[5m]) */
    NODE_CALL,     /* abs(expr), clamp(expr, 0, 1), time(), label_replace(...) */
    NODE_AGG,      /* sum by (a) (expr) */
    NODE_BINARY,   /* expr + expr, expr > bool expr, a / on(x) group_left b */
    NODE_NEG,      /* -expr */
    NODE_SUBQUERY, /* expr[30m:1m]: only as a range function's argument (lhs) */
} NodeKind;

/* The @ modifier of a selector or a subquery. */
typedef enum {
    AT_NONE,
    AT_TIME,  /* @ 1700000000.5: at_ns */
    AT_START, /* @ start(): the query's start */
    AT_END,   /* @ end(): the query's end */
} AtKind;

typedef enum {
    FN_RATE,
    FN_INCREASE,
    FN_AVG_OVER_TIME,
    FN_MIN_OVER_TIME,
    FN_MAX_OVER_TIME,
    FN_SUM_OVER_TIME,
    FN_COUNT_OVER_TIME,
    FN_LAST_OVER_TIME,
    FN_IRATE,
    FN_IDELTA,
    FN_DELTA,
    FN_DERIV,
    FN_RESETS,
    FN_CHANGES,
    FN_STDDEV_OVER_TIME,
    FN_STDVAR_OVER_TIME,
    FN_QUANTILE_OVER_TIME, /* scalar parameter (first) in rhs */
    FN_PREDICT_LINEAR,     /* scalar parameter (second) in rhs */
    FN_PRESENT_OVER_TIME,
    FN_ABSENT_OVER_TIME, /* one series, labelled as absent() labels it */
    FN_HOLT_WINTERS,     /* smoothing factor in rhs, trend factor in args[0] */
} FuncKind;

typedef enum {
    AGG_SUM,
    AGG_AVG,
    AGG_MIN,
    AGG_MAX,
    AGG_COUNT,
    AGG_TOPK, /* parameter k in rhs */
    AGG_BOTTOMK,
    AGG_QUANTILE, /* parameter phi in rhs */
    AGG_STDDEV,
    AGG_STDVAR,
    AGG_GROUP,
    AGG_COUNT_VALUES, /* the label's name in strings[0] */
} AggKind;

/* Functions of instant vectors and scalars (argument types in promql.c). */
typedef enum {
    CALL_ABS,
    CALL_CEIL,
    CALL_FLOOR,
    CALL_ROUND,
    CALL_CLAMP,
    CALL_CLAMP_MIN,
    CALL_CLAMP_MAX,
    CALL_TIME,
    CALL_VECTOR,
    CALL_SCALAR,
    CALL_LABEL_REPLACE,
    CALL_ABSENT,
    CALL_SORT,
    CALL_SORT_DESC,
    CALL_LABEL_JOIN,
    CALL_TIMESTAMP,
    CALL_HISTOGRAM_QUANTILE,
    CALL_PI,
    CALL_SGN, /* CALL_SGN to CALL_YEAR: functions of one value (eval-math.c) */
    CALL_EXP,
    CALL_LN,
    CALL_LOG2,
    CALL_LOG10,
    CALL_SQRT,
    CALL_SIN,
    CALL_COS,
    CALL_TAN,
    CALL_ASIN,
    CALL_ACOS,
    CALL_ATAN,
    CALL_SINH,
    CALL_COSH,
    CALL_TANH,
    CALL_ASINH,
    CALL_ACOSH,
    CALL_ATANH,
    CALL_DEG,
    CALL_RAD,
    CALL_DAY_OF_MONTH, /* the date functions: of the step's time without an argument */
    CALL_DAY_OF_WEEK,
    CALL_DAY_OF_YEAR,
    CALL_DAYS_IN_MONTH,
    CALL_HOUR,
    CALL_MINUTE,
    CALL_MONTH,
    CALL_YEAR,
} CallKind;

typedef enum {
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_POW,
    OP_ATAN2,
    OP_EQ, /* == and the comparisons after it */
    OP_NE,
    OP_GT,
    OP_LT,
    OP_GE,
    OP_LE,
    OP_AND, /* the set operators: between two vectors, many-to-many */
    OP_OR,
    OP_UNLESS,
} BinOp;

typedef enum {
    CARD_ONE_TO_ONE,
    CARD_MANY_TO_ONE, /* group_left: the right side is the "one" */
    CARD_ONE_TO_MANY, /* group_right */
} Cardinality;

/* How a binary operator between two vectors pairs their series. */
typedef struct {
    Cardinality card;
    gboolean on;    /* @labels are the labels to match on, not those to ignore */
    char **labels;  /* on (...) / ignoring (...): NULL when neither was given */
    char **include; /* group_left (...) / group_right (...): labels taken from the "one" side */
} VectorMatching;

typedef struct _Node Node;
struct _Node {
    NodeKind kind;
    double number;        /* NODE_NUMBER */
    GPtrArray *matchers;  /* NODE_SELECTOR: Matcher* */
    guint64 range_ns;     /* NODE_SELECTOR: 0 for an instant selector; NODE_SUBQUERY */
    gint64 offset_ns;     /* NODE_SELECTOR, NODE_SUBQUERY: offset; negative reads later */
    AtKind at;            /* NODE_SELECTOR, NODE_SUBQUERY: the @ modifier */
    guint64 at_ns;        /* AT_TIME: the time, whole milliseconds as Prometheus has it */
    guint64 step_ns;      /* NODE_SUBQUERY: the step; 0: PROMQL_SUBQUERY_STEP_NS */
    FuncKind func;        /* NODE_FUNC, selector in lhs, a scalar parameter in rhs */
    AggKind agg;          /* NODE_AGG, argument in lhs (topk's k in rhs) */
    CallKind call;        /* NODE_CALL */
    GPtrArray *args;      /* NODE_CALL: Node*, the expression arguments in order */
    char **strings;       /* NODE_CALL: the string arguments in order; count_values' label */
    char **by;            /* NODE_AGG: grouping labels (may be empty) */
    gboolean without;     /* NODE_AGG: @by lists the labels to drop, not to keep */
    BinOp op;             /* NODE_BINARY */
    gboolean bool_mod;    /* NODE_BINARY: comparison with the bool modifier: 0 or 1 */
    VectorMatching match; /* NODE_BINARY between two vectors */
    Node *lhs, *rhs;
};

/*
 * Parses @expr. Anything outside the subset (another function, offset,
 * vector-vector arithmetic, ...) is an error whose message says what is not
 * supported and where.
 */
Node *promql_parse(const char *expr, GError **error);
void promql_node_free(Node *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Node, promql_node_free)

/* TRUE for == != > < >= <=. */
gboolean promql_op_is_comparison(BinOp op);
/* TRUE for and, or, unless. */
gboolean promql_op_is_set(BinOp op);
/* TRUE if the node evaluates to a scalar (numbers and arithmetic on them). */
gboolean promql_node_is_scalar(const Node *node);
/*
 * A matcher of @label against @value (both copied). A regular expression is
 * anchored as Prometheus anchors it, ^(?:value)$, and compiled by GRegex
 * (PCRE): NULL with @error set if it does not compile.
 */
Matcher *matcher_new(const char *label, MatchOp op, const char *value, GError **error);
/* Takes a Matcher*; for g_ptr_array_new_with_free_func(). */
void matcher_free(gpointer m);
gboolean matcher_matches(const Matcher *m, const char *value);
const char *promql_func_name(FuncKind f);

#endif
