/* eval.h - evaluating a parsed PromQL expression over the stores, one step at a time. */
#ifndef RONDOD_EVAL_H
#define RONDOD_EVAL_H

#include <glib.h>
#include <string.h>
#include "promql.h"
#include "store-handle.h"

#define EVAL_ERROR (eval_error_quark())
GQuark eval_error_quark(void);
typedef enum {
    EVAL_ERROR_TOO_MANY_SAMPLES, /* the max_samples limit: HTTP 422 */
    EVAL_ERROR_STORE,            /* a store refused a query */
    EVAL_ERROR_EXEC,             /* Prometheus' execution errors (ambiguous matching): 422 */
} EvalError;

/* The most points a query may read unless configured otherwise
 * (rondod.conf's max_samples; rondo-query uses it as it is). */
#define EVAL_MAX_SAMPLES_DEFAULT G_GUINT64_CONSTANT(5000000)

/* What to evaluate over: steps start, start+step, ... <= end. */
typedef struct {
    guint64 start_ns, end_ns, step_ns; /* an instant query: start == end */
    guint64 max_samples;               /* points read, summed over series */
    GPtrArray *handles;                /* StoreHandle*, acquired from the registry */
} EvalContext;

/*
 * "No sample at this step" in a series: a quiet NaN with a payload of its
 * own, so that a NaN a query computes (0/0, NaN literals, Inf - Inf) stays
 * a value, written "NaN" as Prometheus writes it. No arithmetic makes this
 * payload out of numbers (an operation on numbers gives the default NaN),
 * and the evaluator never feeds an absent value to arithmetic, so the
 * marker does not leak into results. The test ignores the sign bit: -x on
 * an absent value is still absent. Stores cannot hold NaN (a NaN point
 * reads as empty), so no stored value carries it either. A comparison of
 * the bits costs what isnan() costs: the evaluator stays as fast.
 */
#define EVAL_ABSENT_BITS G_GUINT64_CONSTANT(0x7ff80000a85e7a11)

static inline double
eval_absent(void)
{
    guint64 bits = EVAL_ABSENT_BITS;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static inline gboolean
eval_is_absent(double v)
{
    guint64 bits;
    memcpy(&bits, &v, sizeof bits);
    return (bits & ~(G_GUINT64_CONSTANT(1) << 63)) == EVAL_ABSENT_BITS;
}

/*
 * A series' values: v[j] is step first + j, for j < n; the steps outside
 * have no value. Every series an operator gets has them all (first 0, n the
 * steps); only the answer itself may hold a window of them, where that
 * saves its memory: count_values() of values that change from step to
 * step gives a series a value, and the steps of a range query, each.
 */
typedef struct {
    char **labels; /* sorted name, value pairs, NULL-terminated */
    double *v;     /* eval_absent() = no value at that step */
    guint first, n;
} EvalSeries;

typedef struct {
    gboolean scalar;
    guint n_steps;
    double *scalar_v;  /* when scalar: one per step */
    GPtrArray *series; /* when not: EvalSeries*, sorted by labels */
    guint64 samples;   /* points read from the stores */
    gint value_order;  /* instant answers: 1 by value ascending (sort), -1 descending */
} EvalResult;

/*
 * TRUE if a selector of @root accepts a series of @h's store: the stores an
 * evaluation of @root reads (each_series() applies the same matchers), so
 * the others need not be in ctx->handles.
 */
gboolean eval_reads_store(const Node *root, const StoreHandle *h);

/* Runs in any thread; reads only the stores in ctx->handles. */
EvalResult *eval_run(const Node *root, const EvalContext *ctx, GError **error);
void eval_result_free(EvalResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(EvalResult, eval_result_free)

/* Appends the Prometheus "data" object: vector/scalar when @instant, else matrix. */
void eval_result_write_json(const EvalResult *r, const EvalContext *ctx, gboolean instant,
                            GString *out);

/* Steps in [start, end] at @step_ns (at least 1). */
guint eval_count_steps(guint64 start_ns, guint64 end_ns, guint64 step_ns);

/* The inner steps the subqueries of @root compute when it is evaluated over
 * @span_ns (end - start), nested ones included: at most, for any @ and
 * offset. 0 without a subquery. */
guint64 eval_count_subquery_steps(const Node *root, guint64 span_ns);

#endif
