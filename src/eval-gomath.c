/* eval-gomath.c - Go's math functions that Prometheus uses, to the last bit.
 *
 * Why: Prometheus computes exp(), ln(), sin() ... with Go's math package,
 * whose algorithms are not the C library's: the two agree within one unit
 * in the last place, not always to the bit, and rondod's answers are meant
 * to be identical. Each function here follows Go's (1.19, amd64) order of
 * operations and constants, from the published methods they implement
 * (fdlibm, Cephes, SLEEF). Where Go takes another road (Payne-Hanek
 * reduction of huge angles; other processors than x86-64 for Exp) the C
 * library's function stands in.
 */
#include "config.h"

#include <math.h>

#include "eval-priv.h"

#define GO_INV_LN2 1.442695040888963407359924681001892137

/*
 * Go's math.Log (its amd64 assembly computes the same): fdlibm's method.
 * x = 2^k (1 + f) with 1 + f in [sqrt(2)/2, sqrt(2)); with s = f / (2 + f),
 * log(1 + f) = f - s (f - R), R an odd polynomial in s (fdlibm's
 * coefficients), and k ln 2 added in two parts, high and low.
 */
double
gomath_log(double x)
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
double
gomath_exp(double x)
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
double
gomath_exp(double x)
{
    return exp(x);
}
#endif

/* The octant of @x (0 <= x < 2^29) by x * 4/pi, an odd one moved to the
 * next, and x less that many pi/4, pi/4 in three parts (Cephes). */
static guint64
octant_reduce(double x, double *ret_z)
{
    guint64 j = (guint64)(x * 1.27323954473516268615107010698011489627567716592365);
    double y = (double)j;
    if (j & 1) {
        j++;
        y++;
    }
    *ret_z = ((x - y * 7.85398125648498535156e-1) - y * 3.77489470793079817668e-8) -
             y * 2.69515142907905952645e-15;
    return j;
}

/*
 * Go's math.Sin and math.Cos (Cephes' method, pure Go on every platform):
 * the octant j of |x| by x * 4/pi, odd octants moved to the next, z = x - j
 * pi/4 with pi/4 in three parts, then the sine or cosine polynomial of z
 * (Cephes' coefficients) as the octant says, the sign from it. From 2^29
 * on Go reduces by Payne-Hanek; there the C library's function is used.
 */
static double
sin_cos(double x, gboolean cosine)
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
    double z;
    guint64 j = octant_reduce(x, &z) & 7;
    double y;
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

double
gomath_sin(double x)
{
    return sin_cos(x, FALSE);
}

double
gomath_cos(double x)
{
    return sin_cos(x, TRUE);
}

/* Go's math.Tan: Cephes' rational function of the reduced angle, its
 * reciprocal in the octants where the tangent is. */
double
gomath_tan(double x)
{
    static const double p[] = {-1.30936939181383777646e4, 1.15351664838587416140e6,
                               -1.79565251976484877988e7};
    static const double q[] = {1.36812963470692954678e4, -1.32089234440210967447e6,
                               2.50083801823357915839e7, -5.38695755929454629881e7};
    if (x == 0 || isnan(x) || isinf(x))
        return isinf(x) ? NAN : x;
    gboolean sign = x < 0;
    x = fabs(x);
    if (x >= 536870912.0)
        return sign ? -tan(x) : tan(x);
    double z;
    guint64 j = octant_reduce(x, &z);
    double zz = z * z, y = z;
    if (zz > 1e-14)
        y = z + z * (zz * ((p[0] * zz + p[1]) * zz + p[2]) /
                     ((((zz + q[0]) * zz + q[1]) * zz + q[2]) * zz + q[3]));
    if (j & 2)
        y = -1 / y;
    return sign ? -y : y;
}

/* Cephes' atan series on [0, 0.66]. */
static double
atan_series(double x)
{
    double z = x * x;
    z = z *
        ((((-8.750608600031904122785e-01 * z + -1.615753718733365076637e+01) * z +
           -7.500855792314704667340e+01) *
              z +
          -1.228866684490136173410e+02) *
             z +
         -6.485021904942025371773e+01) /
        (((((z + 2.485846490142306297962e+01) * z + 1.650270098316988542046e+02) * z +
           4.328810604912902668951e+02) *
              z +
          4.853903996359136964868e+02) *
             z +
         1.945506571482613964425e+02);
    return x * z + x;
}

/* atan of x >= 0: reduced to [0, 0.66] by pi/2 - atan(1/x) or pi/4 + atan((x-1)/(x+1)). */
static double
atan_positive(double x)
{
    static const double more_bits = 6.123233995736765886130e-17; /* pi/2 - (double)pi/2 */
    if (x <= 0.66)
        return atan_series(x);
    if (x > 2.41421356237309504880) /* tan(3 pi/8) */
        return G_PI_2 - atan_series(1 / x) + more_bits;
    return G_PI_4 + atan_series((x - 1) / (x + 1)) + 0.5 * more_bits;
}

double
gomath_atan(double x)
{
    if (x == 0)
        return x;
    return x > 0 ? atan_positive(x) : -atan_positive(-x);
}

double
gomath_asin(double x)
{
    if (x == 0)
        return x;
    gboolean sign = x < 0;
    x = fabs(x);
    if (x > 1)
        return NAN;
    double t = sqrt(1 - x * x);
    t = x > 0.7 ? G_PI_2 - atan_positive(t / x) : atan_positive(x / t);
    return sign ? -t : t;
}

double
gomath_acos(double x)
{
    return G_PI_2 - gomath_asin(x);
}

/* Go's math.Atan2: its special cases in its order, then Atan(y/x) moved
 * to the quadrant. */
double
gomath_atan2(double y, double x)
{
    if (isnan(y) || isnan(x))
        return NAN;
    if (y == 0)
        return copysign(x >= 0 && !signbit(x) ? 0 : G_PI, y);
    if (x == 0)
        return copysign(G_PI_2, y);
    if (isinf(x) && x > 0)
        return copysign(isinf(y) ? G_PI_4 : 0, y);
    if (isinf(x))
        return copysign(isinf(y) ? 2.35619449019234492884698253745962716 : G_PI, y);
    if (isinf(y))
        return copysign(G_PI_2, y);
    double q = gomath_atan(y / x);
    if (x < 0)
        return q <= 0 ? q + G_PI : q - G_PI;
    return q;
}

/* Go's math.Sinh (1.19): Hart and Cheney's rational function (#2029)
 * below 0.5, from Exp and its reciprocal above. */
double
gomath_sinh(double x)
{
    gboolean sign = x < 0;
    x = fabs(x);
    double t;
    if (x > 21) {
        t = gomath_exp(x) * 0.5;
    } else if (x > 0.5) {
        double ex = gomath_exp(x);
        t = (ex - 1 / ex) * 0.5;
    } else {
        double sq = x * x;
        t = (((-0.2630563213397497062819489e+2 * sq + -0.2894211355989563807284660366e+4) * sq +
              -0.8991272022039509355398013511e+5) *
                 sq +
             -0.6307673640497716991184787251e+6) *
            x;
        t = t /
            (((sq + -0.173678953558233699533450911e+3) * sq + 0.1521517378790019070696485176e+5) *
                 sq +
             -0.6307673640497716991212077277e+6);
    }
    return sign ? -t : t;
}

double
gomath_cosh(double x)
{
    x = fabs(x);
    if (x > 21)
        return gomath_exp(x) * 0.5;
    double ex = gomath_exp(x);
    return (ex + 1 / ex) * 0.5;
}

/* Go's math.Tanh: Cephes' rational function below 0.625, from Exp above,
 * +-1 beyond log(2^127) / 2. */
double
gomath_tanh(double x)
{
    double z = fabs(x);
    if (z > 0.5 * 8.8029691931113054295988e+01)
        return x < 0 ? -1 : 1;
    if (z >= 0.625) {
        z = 1 - 2 / (gomath_exp(2 * z) + 1);
        return x < 0 ? -z : z;
    }
    if (x == 0)
        return x;
    double s = x * x;
    return x + x * s *
                   ((-9.64399179425052238628E-1 * s + -9.92877231001918586564E1) * s +
                    -1.61468768441708447952E3) /
                   (((s + 1.12811678491632931402E2) * s + 2.23548839060100448583E3) * s +
                    4.84406305325125486048E3);
}
