/* eval-math.c - functions of one number: sgn(), exp() to rad(), the date functions, and ^.
 *
 * Why a file of its own: Prometheus computes these with Go's math and time
 * packages, and an answer is identical only where the same double comes
 * out. Where Go's algorithm is short and differs from the C library's it is
 * repeated here: Log (fdlibm's method, which Go's amd64 assembly follows
 * step by step), Pow (a fractional part through Exp(Log), the integer
 * part by repeated squaring of the mantissa), Log2 and Log10 (Log times a
 * constant, exact powers of two first), and on x86-64 Exp (its amd64
 * assembly, fused where the processor can). The trigonometric and
 * hyperbolic functions are the C library's: Go's are within one unit in
 * the last place of them, so the last bit may differ from Prometheus.
 * The date functions take a value as whole seconds since 1970 (Go's
 * int64(v), toward zero) in UTC, on the proleptic Gregorian calendar.
 */
#include "config.h"

#include <math.h>

#include "eval-priv.h"

/* 1/ln(2), 1/ln(10): Go's constant expressions, rounded once. */
#define GO_INV_LN2  1.442695040888963407359924681001892137
#define GO_INV_LN10 0.434294481903251827651128918916605082

/*
 * Go's math.Log (its amd64 assembly computes the same): fdlibm's method.
 * x = 2^k (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)); with s = f / (2 + f),
 * log(1 + f) = f - s (f - R), R an odd polynomial in s (fdlibm's
 * coefficients), and k ln 2 added in two parts, high and low.
 */
static double
go_log(double x)
{
    static const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    static const double c[] = {6.666666666666735130e-01, 3.999999999940941908e-01,
                               2.857142874366239149e-01, 2.222219843214978396e-01,
                               1.818357216161805012e-01, 1.531383769920937332e-01,
                               1.479819860511658591e-01};
    if (isnan(x) || (isinf(x) && x > 0))
        return x;
    if (x < 0)
        return NAN;
    if (x == 0)
        return -INFINITY;
    int e;
    double f1 = frexp(x, &e);
    if (f1 < G_SQRT2 / 2) {
        f1 *= 2;
        e--;
    }
    double f = f1 - 1, k = e;
    double s = f / (2 + f), s2 = s * s, s4 = s2 * s2;
    double t1 = s2 * (c[0] + s4 * (c[2] + s4 * (c[4] + s4 * c[6])));
    double t2 = s4 * (c[1] + s4 * (c[3] + s4 * c[5]));
    double r = t1 + t2, hfsq = 0.5 * f * f;
    return k * ln2_hi - ((hfsq - (s * (hfsq + r) + k * ln2_lo)) - f);
}

static double
go_log2(double x)
{
    int e;
    double frac = frexp(x, &e);
    if (frac == 0.5)
        return e - 1;
    return go_log(frac) * GO_INV_LN2 + e;
}

/*
 * Go's math.Exp as its amd64 assembly computes it (S. Shibata's method, as
 * in SLEEF): x = k ln 2 + r, k the nearest integer to x / ln 2, ln 2 in two
 * parts; e^(r/16) - 1 by its Taylor series to the 8th power; squared four
 * times as (1 + y)^2 - 1 = y (y + 2); 2^k applied as a double's exponent,
 * 0 below the normal range. Where the processor has AVX and FMA Go fuses
 * the multiply-adds, so this does too, with fma(). Elsewhere than x86-64,
 * the C library's exp().
 */
#if defined(__x86_64__)
static double
go_exp(double x)
{
    static const double ln2_hi = 0.69314718055966295651160180568695068359375,
                        ln2_lo = 0.28235290563031577122588448175013436025525412068e-12;
    static const double c[] = {1.9841269841269841270e-4,
                               1.3888888888888888889e-3,
                               8.3333333333333333333e-3,
                               4.1666666666666666667e-2,
                               1.6666666666666666667e-1,
                               0.5,
                               1.0};
    static gint fused = -1;
    if (fused < 0)
        fused = __builtin_cpu_supports("avx") && __builtin_cpu_supports("fma");
    if (isnan(x) || isinf(x))
        return x < 0 ? 0 : x;
    if (x > 7.09782712893384e+02)
        return INFINITY;
    double kr = nearbyint(x * GO_INV_LN2);
    gint64 k = kr < -2147483648.0 ? G_MININT32 : (gint64)kr; /* CVTSD2SL */
    double kd = (double)k, y = 2.4801587301587301587e-5;
    x = fused ? fma(-kd, ln2_lo, fma(-kd, ln2_hi, x)) : (x - kd * ln2_hi) - kd * ln2_lo;
    x *= 0.0625;
    for (guint i = 0; i < G_N_ELEMENTS(c); i++)
        y = fused ? fma(y, x, c[i]) : y * x + c[i];
    x *= y;
    for (guint i = 0; i < 3; i++)
        x *= x + 2;
    x = fused ? fma(x, x + 2, 1) : x * (x + 2) + 1;
    if (k + 0x3FF <= 0)
        return 0;
    if (k + 0x3FF >= 0x7FF)
        return INFINITY;
    return x * ldexp(1, (int)k);
}
#else
#define go_exp exp
#endif

/*
 * Go's math.Sin and math.Cos (Cephes' method, pure Go on every platform):
 * the octant j of |x| by x * 4/pi, odd octants moved to the next, z = x - j
 * pi/4 with pi/4 in three parts, then the sine or cosine polynomial of z
 * (Cephes' coefficients) as the octant says, the sign from it. From 2^29
 * on Go reduces by Payne-Hanek; there the C library's function is used.
 */
static double
go_sin_cos(double x, gboolean cosine)
{
    static const double s[] = {1.58962301576546568060e-10, -2.50507477628578072866e-8,
                               2.75573136213857245213e-6,  -1.98412698295895385996e-4,
                               8.33333333332211858878e-3,  -1.66666666666666307295e-1};
    static const double c[] = {-1.13585365213876817300e-11, 2.08757008419747316778e-9,
                               -2.75573141792967388112e-7,  2.48015872888517045348e-5,
                               -1.38888888888730564116e-3,  4.16666666666665929218e-2};
    if (isnan(x) || isinf(x) || (x == 0 && !cosine))
        return isinf(x) ? NAN : x;
    gboolean sign = !cosine && x < 0;
    x = fabs(x);
    if (x >= 536870912.0)
        return cosine ? cos(x) : sign ? -sin(x) : sin(x);
    guint64 j = (guint64)(x * 1.27323954473516268615107010698011489627567716592365);
    double y = (double)j;
    if (j & 1) {
        j++;
        y++;
    }
    j &= 7;
    double z = ((x - y * 7.85398125648498535156e-1) - y * 3.77489470793079817668e-8) -
               y * 2.69515142907905952645e-15;
    if (j > 3) {
        j -= 4;
        sign = !sign;
    }
    if (cosine && j > 1)
        sign = !sign;
    double zz = z * z;
    gboolean sine_poly = cosine ? j == 1 || j == 2 : !(j == 1 || j == 2);
    if (sine_poly)
        y = z + z * zz * (((((s[0] * zz + s[1]) * zz + s[2]) * zz + s[3]) * zz + s[4]) * zz + s[5]);
    else
        y = 1.0 - 0.5 * zz +
            zz * zz * (((((c[0] * zz + c[1]) * zz + c[2]) * zz + c[3]) * zz + c[4]) * zz + c[5]);
    return sign ? -y : y;
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
        a = go_exp(yf * go_log(x));
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
        return go_sin_cos(v, FALSE);
    case CALL_COS:
        return go_sin_cos(v, TRUE);
    case CALL_TAN:
        return tan(v);
    case CALL_ASIN:
        return asin(v);
    case CALL_ACOS:
        return acos(v);
    case CALL_ATAN:
        return atan(v);
    case CALL_SINH:
        return sinh(v);
    case CALL_COSH:
        return cosh(v);
    case CALL_TANH:
        return tanh(v);
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
        return go_exp(v);
    case CALL_LN:
        return go_log(v);
    case CALL_LOG2:
        return go_log2(v);
    case CALL_LOG10:
        return go_log(v) * GO_INV_LN10;
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
