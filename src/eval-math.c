/* eval-math.c - functions of one number: sgn(), exp() to rad(), the date functions, and ^.
 *
 * Why a file of its own: Prometheus computes these with Go's math and time
 * packages, and an answer is identical only where the same double comes
 * out. Go's Pow (a fractional part through Exp(Log), the integer part by
 * repeated squaring of the mantissa), Log2 and Log10 (Log times a
 * constant, exact powers of two first) are repeated here, on Go's Log,
 * Exp, trigonometric and hyperbolic functions (eval-gomath.c). asinh,
 * acosh and atanh are the C library's: Go's are within one unit in the
 * last place of them, so the last bit may differ from Prometheus.
 * The date functions take a value as whole seconds since 1970 (Go's
 * int64(v), toward zero) in UTC, on the proleptic Gregorian calendar.
 */
#include "config.h"

#include <math.h>

#include "eval-priv.h"

/* 1/ln(2), 1/ln(10): Go's constant expressions, rounded once. */
#define GO_INV_LN2  1.442695040888963407359924681001892137
#define GO_INV_LN10 0.434294481903251827651128918916605082

static double
go_log2(double x)
{
    int e;
    double frac = frexp(x, &e);
    if (frac == 0.5)
        return e - 1;
    return gomath_log(frac) * GO_INV_LN2 + e;
}

/* x ^ yi, yi a whole number < 2^63: the mantissa squared, the exponent apart. */
static double
pow_whole(double a, double x, double yi, gboolean negative)
{
    int xe, ae = 0;
    double x1 = frexp(x, &xe);
    for (gint64 i = (gint64)yi; i != 0; i >>= 1) {
        if (xe < -(1 << 12) || (1 << 12) < xe) { /* overflow whatever follows */
            ae += xe;
            break;
        }
        if (i & 1) {
            a *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe *= 2;
        if (x1 < .5) {
            x1 += x1;
            xe--;
        }
    }
    if (negative) {
        a = 1 / a;
        ae = -ae;
    }
    return ldexp(a, ae);
}

/* Go's math.Pow: the C library's for the special cases, which agree. */
double
eval_pow(double x, double y)
{
    if (y == 0 || x == 1 || y == 1 || isnan(x) || isnan(y) || x == 0 || isinf(x) || isinf(y))
        return pow(x, y);
    if (y == 0.5)
        return sqrt(x);
    if (y == -0.5)
        return 1 / sqrt(x);
    double yi, yf = modf(fabs(y), &yi);
    if (yf != 0 && x < 0)
        return NAN;
    if (yi >= 9223372036854775808.0) /* a large even number */
        return x == -1 ? 1 : (fabs(x) < 1) == (y > 0) ? 0 : INFINITY;
    double a = 1;
    if (yf != 0) {
        if (yf > 0.5) {
            yf--;
            yi++;
        }
        a = gomath_exp(yf * gomath_log(x));
    }
    return pow_whole(a, x, yi, y < 0);
}

/* ------------------------------------------------------------ dates */

typedef struct {
    gint64 year;
    guint month, day, yday, wday, hour, minute; /* month and day from 1; wday from Sunday = 0 */
} Civil;

static gboolean
is_leap(gint64 y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static guint
month_days(gint64 year, guint month)
{
    static const guint8 days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[month - 1] + (month == 2 && is_leap(year));
}

/* The date of day @days since 1970-01-01 (the days-from-civil algorithm
 * of H. Hinnant, in 400-year eras). */
static void
civil_from_days(gint64 days, Civil *c)
{
    gint64 z = days + 719468;
    gint64 era = (z >= 0 ? z : z - 146096) / 146097;
    gint64 doe = z - era * 146097;
    gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    gint64 mp = (5 * doy + 2) / 153;
    c->day = (guint)(doy - (153 * mp + 2) / 5 + 1);
    c->month = (guint)(mp < 10 ? mp + 3 : mp - 9);
    c->year = yoe + era * 400 + (c->month <= 2);
    c->yday = c->day;
    for (guint m = 1; m < c->month; m++)
        c->yday += month_days(c->year, m);
    c->wday = (guint)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
}

static void
civil_from_seconds(gint64 s, Civil *c)
{
    gint64 days = s / 86400, rest = s % 86400;
    if (rest < 0) {
        rest += 86400;
        days--;
    }
    civil_from_days(days, c);
    c->hour = (guint)(rest / 3600);
    c->minute = (guint)(rest % 3600 / 60);
}

double
eval_date_value(CallKind c, gint64 seconds)
{
    Civil d;
    civil_from_seconds(seconds, &d);
    switch (c) {
    case CALL_DAY_OF_MONTH:
        return d.day;
    case CALL_DAY_OF_WEEK:
        return d.wday;
    case CALL_DAY_OF_YEAR:
        return d.yday;
    case CALL_DAYS_IN_MONTH:
        return month_days(d.year, d.month);
    case CALL_HOUR:
        return d.hour;
    case CALL_MINUTE:
        return d.minute;
    case CALL_MONTH:
        return d.month;
    case CALL_YEAR:
        return (double)d.year;
    default:
        g_assert_not_reached();
    }
}

/* Go's int64(v) on amd64: toward zero; NaN and out of range give the minimum. */
static gint64
go_int64(double v)
{
    if (!(v > -9223372036854775808.0 && v < 9223372036854775808.0))
        return G_MININT64;
    return (gint64)v;
}

static double
trig_value(CallKind c, double v)
{
    switch (c) {
    case CALL_SIN:
        return gomath_sin(v);
    case CALL_COS:
        return gomath_cos(v);
    case CALL_TAN:
        return gomath_tan(v);
    case CALL_ASIN:
        return gomath_asin(v);
    case CALL_ACOS:
        return gomath_acos(v);
    case CALL_ATAN:
        return gomath_atan(v);
    case CALL_SINH:
        return gomath_sinh(v);
    case CALL_COSH:
        return gomath_cosh(v);
    case CALL_TANH:
        return gomath_tanh(v);
    case CALL_ASINH:
        return asinh(v);
    case CALL_ACOSH:
        return acosh(v);
    case CALL_ATANH:
        return atanh(v);
    default:
        return eval_date_value(c, go_int64(v));
    }
}

double
eval_math_value(CallKind c, double v)
{
    switch (c) {
    case CALL_SGN:
        return v < 0 ? -1 : v > 0 ? 1 : v;
    case CALL_EXP:
        return gomath_exp(v);
    case CALL_LN:
        return gomath_log(v);
    case CALL_LOG2:
        return go_log2(v);
    case CALL_LOG10:
        return gomath_log(v) * GO_INV_LN10;
    case CALL_SQRT:
        return sqrt(v);
    case CALL_DEG:
        return v * 180 / G_PI;
    case CALL_RAD:
        return v * G_PI / 180;
    default:
        return trig_value(c, v);
    }
}
