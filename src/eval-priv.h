/* eval-priv.h - what the evaluator's files share: points, the per-query state, results. */
#ifndef RONDOD_EVAL_PRIV_H
#define RONDOD_EVAL_PRIV_H

#include "eval.h"

/* A stored point: time in ns since the epoch, value. */
typedef struct {
    guint64 t;
    double v;
} Point;

/* One evaluation: the request and what it has read so far. */
typedef struct {
    const EvalContext *ctx;
    guint n_steps;
    guint64 samples;
    const double *param;  /* while a range function runs: its parameter, per step */
    const double *param2; /* ... and its second (holt_winters()' trend factor) */
    char *param_error;    /* why the function refused a parameter: the query fails */
    guint64 query_start_ns, query_end_ns; /* the query's own, for @ start() and @ end() */
    gboolean sample_times; /* instant selectors give their samples' times: timestamp() */
    GArray *points;        /* read_points()' buffer (Point), shared with nested evaluations:
                            * what it returns is good until the next read */
    const Node *windowed;  /* the node whose result may hold windows (EvalSeries): the query's
                            * root, an aggregation's argument, or the operand of such a node
                            * that keeps them (eval_binary(), eval_call()); NULL in a nested
                            * evaluation */
} Eval;

EvalResult *eval_node(Eval *ev, const Node *n, GError **error);
guint64 eval_step_time(const Eval *ev, guint i);
EvalResult *eval_result_new(gboolean scalar, guint n_steps);
/* Takes @labels; every step absent (eval_absent()). */
EvalSeries *eval_series_new(char **labels, guint n_steps);
void eval_series_free(gpointer p);
/* Takes @labels; holds no step yet (a window, first 0 and n 0: see EvalSeries). */
EvalSeries *eval_series_new_window(char **labels);
/* @s's window widened to the @n steps from @first on, which hold the old
 * one; the steps added absent. @s->v must have room for @n values. */
void eval_series_widen(EvalSeries *s, guint first, guint n);
/* The steps [*@first, *@end) widened to take in @s's window too; TRUE if
 * @s holds fewer than that (eval_series_widen() it to them). */
gboolean eval_series_span(const EvalSeries *s, guint *first, guint *end);
/* @s made to hold all @n_steps steps, those outside its window absent. */
void eval_series_fill(EvalSeries *s, guint n_steps);
/* Every series of @r made to hold all steps, if some holds a window; FALSE
 * with @error set when series x steps would then pass max_samples. */
gboolean eval_result_fill(Eval *ev, EvalResult *r, GError **error);
/* @error: the max_samples limit of @ctx reached (EVAL_ERROR_TOO_MANY_SAMPLES). */
void eval_set_too_many_samples(const EvalContext *ctx, GError **error);
/* Drops __name__ from every series of @r (a vector). */
void eval_result_drop_name(EvalResult *r);
/*
 * Series of @r with equal labels merged into one, as Prometheus' range
 * evaluation merges them; FALSE with @error set (EVAL_ERROR_EXEC) if two
 * have a value at the same step.
 */
gboolean eval_result_merge(EvalResult *r, GError **error);
/*
 * FALSE with @error set (EVAL_ERROR_EXEC) if two series of @r that have a
 * value share their labels, at whatever steps: Prometheus' check of a range
 * function's answer and of unary minus, stricter than the merge above.
 */
gboolean eval_result_check_distinct(const EvalResult *r, GError **error);

/* The pairs of @labels named in @by (or, @without, all but those and
 * __name__): an aggregation's group. */
char **labels_keep(char *const *labels, char *const *by, gboolean without);

/* One window of a range function: the points of [t - range, t]. */
typedef struct {
    const Point *p;
    guint n;
    guint64 t_ns;     /* the window's end: the step's time less the offset */
    guint64 range_ns; /* the selector's range */
    guint64 step_ns;  /* the step's own time (predict_linear()'s intercept) */
    double param;  /* quantile_over_time()'s phi, predict_linear()'s seconds, holt_winters()' sf */
    double param2; /* holt_winters()' trend factor */
} Window;

/* The range function @f over the points @p of one series (labelled @labels,
 * taken) at every step of @ev: windows [t - @range, t], t the step's time
 * less @offset. */
EvalSeries *eval_windows(Eval *ev, FuncKind f, char **labels, const Point *p, guint n,
                         guint64 range, gint64 offset);

/* eval-steps.c: the offset a selector or a subquery reads with, its @ modifier included. */
gint64 eval_offset(const Eval *ev, const Node *n);
/* How many of the @n points @p (by time) a selector pinned by @ sees: those
 * up to its time less its offset. */
guint eval_at_clip(const Eval *ev, const Node *sel, const Point *p, guint n);
/* TRUE if @n's value is the same at every step (Prometheus' step-invariant subtrees). */
gboolean eval_node_is_invariant(const Node *n);
/* A result of one step, its values copied to @n_steps steps. */
EvalResult *eval_result_broadcast(EvalResult *r1, guint n_steps);
/* @n evaluated once, at the first step, its values copied to every step. */
EvalResult *eval_invariant(Eval *ev, const Node *n, GError **error);
/* A range function (@fn) over a subquery (@fn->lhs). */
EvalResult *eval_subquery(Eval *ev, const Node *fn, GError **error);

/* eval-funcs.c: a range function over one window (eval_absent(): Prometheus gives no
 * value, as it gives none for an empty window). */
/* NULL, or why holt_winters() refuses its factors @sf and @tf (Prometheus'
 * message): the query fails. */
char *window_factors_check(double sf, double tf);
/* out[i]: @f over the window @w[i], for the @n windows of one series in
 * step order (several are computed together where that is faster, and
 * what one window leaves may serve the next: the same bits as each alone). */
void window_apply_steps(FuncKind f, const Window *w, guint n, double *out);
/* Prometheus' quantile(): reorders @v (the two values it needs are put in
 * place, NaN first as Go sorts them); NaN for no values. */
double quantile_of(double q, double *v, guint n);

/* eval-gomath.c: Go's Log, Exp, Sin, Cos, Tan, Atan, Asin, Acos, Atan2, Sinh, Cosh, Tanh. */
double gomath_log(double x);
double gomath_exp(double x);
double gomath_sin(double x);
double gomath_cos(double x);
double gomath_tan(double x);
double gomath_atan(double x);
double gomath_asin(double x);
double gomath_acos(double x);
double gomath_atan2(double y, double x);
double gomath_sinh(double x);
double gomath_cosh(double x);
double gomath_tanh(double x);

/* eval-math.c: sgn() to rad() and the date functions of @v; Go's math.Pow;
 * a date function of @seconds since 1970 (UTC). */
double eval_math_value(CallKind c, double v);
double eval_pow(double x, double y);
double eval_date_value(CallKind c, gint64 seconds);

/* eval.c: an instant selector's sample times (seconds) instead of its
 * values, its name dropped: timestamp(). */
EvalResult *eval_selector_times(Eval *ev, const Node *sel, GError **error);

/* eval-histogram.c: histogram_quantile() of classic (le) buckets. */
EvalResult *eval_histogram_quantile(Eval *ev, const Node *n, GError **error);

/* eval-calls.c: a NODE_CALL. */
EvalResult *eval_call(Eval *ev, const Node *n, GError **error);
/* absent(@arg) and absent_over_time(): 1 where no series of @vec (taken) has a value. */
EvalResult *eval_absent_result(Eval *ev, const Node *arg, EvalResult *vec);
/* eval-topk.c: count_values(). */
EvalResult *eval_count_values(Eval *ev, const Node *n, GError **error);
/* eval-topk.c: topk() and bottomk(), quantile(): the aggregations with a parameter. */
EvalResult *eval_topk(Eval *ev, const Node *n, GError **error);
EvalResult *eval_quantile(Eval *ev, const Node *n, GError **error);
/* eval-binop.c: a NODE_BINARY. */
EvalResult *eval_binary(Eval *ev, const Node *n, GError **error);

#endif
