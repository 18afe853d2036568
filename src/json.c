/* json.c - the few JSON writers rondod needs, appending to a GString.
 *
 * Why not json-glib: building a tree per point costs three times the time
 * and far more memory than appending text (NOTES.md), and json-glib writes
 * NaN as the invalid literal "nan.0". Values are written as strings, as
 * Prometheus does, so NaN and infinities never appear as bare literals.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Whether @c goes into a JSON string as it is: printable ASCII but the quote and backslash. */
static inline gboolean
json_plain_byte(char c)
{
    return (guchar)c >= 0x20 && (guchar)c < 0x7f && c != '"' && c != '\\';
}

void
json_append_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const char *p = s; *p;) {
        /* label names and values are mostly plain ASCII: a run of it at once
         * (a character at a time was a seventh of a small query's work) */
        const char *run = p;
        while (json_plain_byte(*p))
            p++;
        if (p > run) {
            g_string_append_len(out, run, p - run);
            continue;
        }
        gunichar c = g_utf8_get_char_validated(p, -1);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            g_string_append(out, "\\ufffd");
            p++;
            continue;
        }
        if (c == '"' || c == '\\') {
            g_string_append_c(out, '\\');
            g_string_append_c(out, (char)c);
        } else if (c == '\n')
            g_string_append(out, "\\n");
        else if (c < 0x20 || c == 0x7f)
            g_string_append_printf(out, "\\u%04x", (guint)c);
        else
            g_string_append_len(out, p, g_utf8_next_char(p) - p);
        p = g_utf8_next_char(p);
    }
    g_string_append_c(out, '"');
}

/* "00" .. "99": two digits a division. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

/* 10^k for k = 0 .. 19: every power of ten a guint64 holds. */
static const guint64 powers_of_10[20] = {1u,
                                         10u,
                                         100u,
                                         1000u,
                                         10000u,
                                         100000u,
                                         1000000u,
                                         10000000u,
                                         100000000u,
                                         1000000000u,
                                         10000000000u,
                                         100000000000u,
                                         1000000000000u,
                                         10000000000000u,
                                         100000000000000u,
                                         1000000000000000u,
                                         10000000000000000u,
                                         100000000000000000u,
                                         1000000000000000000u,
                                         10000000000000000000u};

/* How many decimal digits @v has: from its bit length, then one comparison. */
static gsize
u64_digit_count(guint64 v)
{
    guint64 u = v | 1; /* as many digits as v (an even v + 1 is never a power of ten), and not 0 */
    gsize bits = 64 - (gsize)__builtin_clzll(u);
    /* bits x log10(2), rounded down (1233 / 4096 is log10(2) a little short):
     * u has n or n + 1 digits, n + 1 exactly when u >= 10^n. */
    gsize n = (bits * 1233) >> 12;
    return n + (n < 20 && u >= powers_of_10[n]);
}

/* Decimal digits of @v into @buf (at least 21 bytes), NUL-terminated; returns
 * the length. Written from the last digit back, two digits a division. */
static gsize
format_u64(char *buf, guint64 v)
{
    gsize n = u64_digit_count(v), k = n;
    buf[n] = '\0';
    while (v >= 100) {
        k -= 2;
        memcpy(buf + k, digit_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10)
        memcpy(buf + k - 2, digit_pairs + 2 * v, 2);
    else
        buf[k - 1] = (char)('0' + v);
    return n;
}

/* floor(log10(a)), or one less, for an a in [2^(e2-1), 2^e2): (e2 - 1) x
 * log10(2) rounded down (without log10(), which was a tenth of formatting
 * a value). */
static int
decimal_exponent_of_binary(int e2)
{
    return (int)floor((e2 - 1) * 0.30102999566398120);
}

/* floor(log10(a)) for a finite a > 0, or one less. */
static int
decimal_exponent_at_most(double a)
{
    int e2;
    (void)frexp(a, &e2); /* a in [2^(e2-1), 2^e2) */
    return decimal_exponent_of_binary(e2);
}

/* The digits of @a (> 0) printed with @format ("%.Ne"), zeros cut; TRUE if
 * they read back as @a. */
static gboolean
printf_digits(double a, const char *format, char digits[20], int *ret_exp)
{
    char e[40];
    g_ascii_formatd(e, sizeof e, format, a);
    gsize n = 0;
    const char *p = e;
    for (; *p != 'e'; p++) {
        if (g_ascii_isdigit(*p))
            digits[n++] = *p;
    }
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *ret_exp = atoi(p + 1);
    return g_ascii_strtod(e, NULL) == a;
}

/* The fewest significant digits that read back as @v (v finite, not 0):
 * @digits without a point or trailing zeros, @ret_exp the decimal exponent
 * of the first digit (v = 0.DIGITS x 10^(exp + 1)). Three tries at most:
 * any decimal of up to 15 digits survives a trip through a double, so if
 * 15 digits read back, the shortest are those with their zeros cut; else
 * the correctly rounded 16, else 17 digits (always enough). Not so below
 * DBL_MIN: a subnormal has fewer significant bits, and many shorter
 * decimals read back as it (5e-324, not 4.94065645841247e-324), so there
 * every length is tried from one digit up. */
void
json_shortest_digits_printf(double v, char digits[20], int *ret_exp)
{
    static const char *const formats[] = {"%.14e", "%.15e", "%.16e"};
    static const char *const subnormal[] = {"%.0e",  "%.1e",  "%.2e",  "%.3e",  "%.4e",  "%.5e",
                                            "%.6e",  "%.7e",  "%.8e",  "%.9e",  "%.10e", "%.11e",
                                            "%.12e", "%.13e", "%.14e", "%.15e", "%.16e"};
    gboolean tiny = fabs(v) < DBL_MIN;
    const char *const *tries = tiny ? subnormal : formats;
    gsize n = tiny ? G_N_ELEMENTS(subnormal) : G_N_ELEMENTS(formats);
    for (gsize i = 0; i < n; i++) {
        if (printf_digits(fabs(v), tries[i], digits, ret_exp))
            return;
    }
}

/* The digits of the value @m x 10^-p (m > 0), zeros cut, and the decimal
 * exponent of the first one. */
static void
integer_digits(guint64 m, int p, char digits[20], int *ret_exp)
{
    g_assert(m < powers_of_10[19]); /* 19 digits and the NUL */
    gsize n = format_u64(digits, m);
    *ret_exp = (int)n - 1 - p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
}

/* 10^0 .. 10^22: every one exact in a double. */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#define MANTISSA_EXACT 9007199254740992.0 /* 2^53: every integer below is a double */

/* m x 10^-p, correctly rounded: one IEEE operation on two exact operands
 * (m < 2^53, |p| <= 22), so it is exactly what strtod() of the digits gives. */
static double
scaled_back(double m, int p)
{
    return p >= 0 ? m / pow10_exact[p] : m * pow10_exact[-p];
}

#if LDBL_MANT_DIG >= 64
/* 10^0 .. 10^27: every one exact in a long double of 64 mantissa bits (5^27 < 2^63). */
static const long double pow10_long[] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                         1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                         1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                         1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
#endif

/* Whether m x 10^-p reads back as @a: 1 yes, 0 no, -1 cannot tell here.
 * Below 2^53 exactly (scaled_back()). Above it (16 digits from 9.007...),
 * for 0 <= p <= 27: the quotient in a long double, one rounded operation
 * (within 2^-64 of exact, relatively), then rounded to a double; the two
 * roundings differ from strtod()'s one only when the exact quotient lies
 * that near the half-way point between two doubles, and within 2^-62 of
 * it this leaves the answer to printf. */
static int
reads_back(guint64 m, int p, double a)
{
    if (m < (guint64)MANTISSA_EXACT)
        return scaled_back((double)m, p) == a;
#if LDBL_MANT_DIG >= 64
    if (p >= 0 && p <= 27) {
        long double q = (long double)m / pow10_long[p];
        double d = (double)q;
        long double side = q >= d ? nextafter(d, INFINITY) : nextafter(d, 0);
        if (fabsl(q - (d + (side - d) / 2)) <= q * 0x1p-62L)
            return -1;
        return d == a;
    }
#endif
    return -1;
}

/* The integer m nearest a x 10^p, or one of its neighbours, that reads
 * back as @a and lies nearest it: the exact product's nearest integer is
 * one of the three, since a x 10^p in a long double is within 2^-11 of
 * exact (below 2^54, 64 mantissa bits). 0 if none reads back; G_MAXUINT64
 * if this cannot tell: a candidate reads_back() cannot decide, or two that
 * are nearer a tie than 2^-9, for printf. */
static guint64
nearest_reading_back(double a, int p)
{
    g_assert(p >= -22 && p <= 22);
    long double exact = p >= 0 ? (long double)a * pow10_exact[p] : (long double)a / pow10_exact[-p];
    guint64 m0 = (guint64)(exact + 0.5L), best = 0;
    long double best_d = 0;
    for (guint64 m = m0 > 0 ? m0 - 1 : 0; m <= m0 + 1; m++) {
        int back = m > 0 ? reads_back(m, p, a) : 0;
        if (back < 0)
            return G_MAXUINT64;
        if (!back)
            continue;
        long double dist = fabsl((long double)m - exact);
        if (best != 0 && fabsl(dist - best_d) < 0x1p-9L)
            return G_MAXUINT64;
        if (best == 0 || dist < best_d) {
            best = m;
            best_d = dist;
        }
    }
    return best;
}

/* The correctly rounded 17 significant digits of @a (> 0), what "%.16e"
 * prints, without printf: a x 10^p for the p that leaves 17 digits before
 * the point, in a long double. One rounded operation on exact operands
 * puts it within 2^-7 of the exact product (below 2^57, 64 bits), so its
 * nearest integer is the exact one's unless it lies within 2^-6 of a half:
 * FALSE then (and where the powers or the long double fall short), and
 * printf decides. */
static gboolean
digits17(double a, char digits[20], int *ret_exp)
{
#if LDBL_MANT_DIG >= 64
    /* 16 or 17 digits before the point, then 17 */
    int p = 15 - decimal_exponent_at_most(a);
    for (int turn = 0; turn < 2; turn++, p += 1) {
        if (p < -27 || p > 27)
            return FALSE;
        long double x = p >= 0 ? (long double)a * pow10_long[p] : (long double)a / pow10_long[-p];
        if (x >= 1e17L - 1)
            return FALSE; /* too near 10^17 to tell */
        if (x < 1e16L + 1)
            continue;               /* one digit short: one power more */
        guint64 whole = (guint64)x; /* x > 0: its floor */
        long double frac = x - (long double)whole;
        if (fabsl(frac - 0.5L) < 0x1p-6L)
            return FALSE;
        integer_digits(whole + (frac > 0.5L), p, digits, ret_exp);
        return TRUE;
    }
#endif
    return FALSE;
}

/* The shortest digits without printf (where printf was most of an answer's
 * cost: 440 against 1 420 ns a value on a mix of short decimals and sines,
 * docs/benchmarks.md): for k = 14, 15, ... digits (see below), the k-digit
 * decimals nearest @a (a > 0) are tried exactly (scaled_back()); the first
 * length that reads back, zeros cut, is the shortest, and its nearest
 * candidate is Go's choice (16 digits above 2^53 in long doubles, where
 * they can tell, else by printf); none up to 16: the correctly rounded 17
 * (digits17(), else printf). FALSE when a length needs an exponent the
 * exact powers cannot reach. */
static gboolean
shortest_digits_fast(double a, char digits[20], int *ret_exp)
{
    gboolean tested16 = FALSE; /* the 16-digit decimals nearest a were tried */
    /* A decimal of up to 15 digits that reads back is the only one of its
     * length that does (15 digits survive a trip through a double), so a
     * shorter one shows at 14 digits as those digits with zeros at the end
     * (and so at 15): the search starts at 14 or 15 digits
     * (decimal_exponent_at_most() may be one short), or where the exact
     * powers end, one more digit each turn. */
    for (int p = MIN(13 - decimal_exponent_at_most(a), 22); p <= 22; p++) {
        if (p < -22)
            return FALSE;
        double scaled = p >= 0 ? a * pow10_exact[p] : a / pow10_exact[-p];
        /* 16 digits above 2^53 (reads_back() tries them in long doubles,
         * else printf: 1 to 15 digits did not read back, so it need not),
         * or past 16 digits */
        gboolean wide = nearbyint(scaled) >= MANTISSA_EXACT;
        guint64 m = wide && tested16 ? 0 : nearest_reading_back(a, p);
        if (m == G_MAXUINT64) {
            if (!wide)
                return FALSE;
            if (printf_digits(a, "%.15e", digits, ret_exp))
                return TRUE;
            m = 0;
        }
        if (m != 0) {
            integer_digits(m, p, digits, ret_exp);
            return TRUE;
        }
        if (wide) { /* no 16 digits read back: 17 do */
            if (!digits17(a, digits, ret_exp))
                printf_digits(a, "%.16e", digits, ret_exp);
            return TRUE;
        }
        tested16 = scaled >= 1e15 * (1 + 0x1p-50); /* surely 16 digits, not 15 rounded up */
    }
    return FALSE;
}

#ifdef __SIZEOF_INT128__
/* 5^0 .. 5^25: the odd part of 10^k for every k shortest_digits_exact() uses. */
static const guint64 powers_of_5[26] = {1u,
                                        5u,
                                        25u,
                                        125u,
                                        625u,
                                        3125u,
                                        15625u,
                                        78125u,
                                        390625u,
                                        1953125u,
                                        9765625u,
                                        48828125u,
                                        244140625u,
                                        1220703125u,
                                        6103515625u,
                                        30517578125u,
                                        152587890625u,
                                        762939453125u,
                                        3814697265625u,
                                        19073486328125u,
                                        95367431640625u,
                                        476837158203125u,
                                        2384185791015625u,
                                        11920928955078125u,
                                        59604644775390625u,
                                        298023223876953125u};

/* The shortest digits of @a (a normal double in [2^-24, 2^54): the range
 * of gauges, rates and ratios), exactly, in integers: @a is 4m / 2^s and
 * reads back from every decimal strictly inside half an ulp of it (the
 * ends too when m is even, as round-half-even goes; below a power of two
 * the lower half-ulp is half as wide), so scaled by 10^k, k giving 17 or
 * 18 digits before the point, that interval is [lo, hi] in integers
 * (exact in 128 bits: 4m < 2^55, 5^k < 2^59, and 10^k / 2^s is 5^k
 * shifted right). The shortest decimals are the multiples of the largest
 * 10^j with one inside; of those, the nearest to @a is Go's choice (and
 * printf's). FALSE outside the range or on an exact tie between two, for
 * the paths below. */
/* [lo, hi] / 10^n if a multiple of 10^n lies inside (@p: 10^n, a
 * constant where inlined, so the divisions are multiplications); returns
 * the digits dropped, n or 0. */
static inline int
drop_digits(guint64 *lo, guint64 *hi, int n, guint64 p)
{
    guint64 h = *hi / p, l = (*lo + p - 1) / p;
    if (h < l)
        return 0;
    *hi = h;
    *lo = l;
    return n;
}

static gboolean
shortest_digits_exact(double a, char digits[20], int *ret_exp)
{
    guint64 bits;
    memcpy(&bits, &a, sizeof bits);
    int e2 = (int)(bits >> 52) - 1022; /* a = f x 2^e2, f in [0.5, 1) */
    if (e2 < -23 || e2 > 54)
        return FALSE;
    guint64 m = (bits & ((G_GUINT64_CONSTANT(1) << 52) - 1)) | G_GUINT64_CONSTANT(1) << 52;
    int s = 55 - e2; /* a = 4m / 2^s */
    int k = 16 - decimal_exponent_of_binary(e2);
    int shift = s - k;
    g_assert(k >= 0 && k < (int)G_N_ELEMENTS(powers_of_5) && shift >= 0 && shift <= 64);
    gboolean inclusive = (m & 1) == 0;
    unsigned __int128 p5 = powers_of_5[k], mask = ((unsigned __int128)1 << shift) - 1;
    unsigned __int128 lo_n = (4 * m - (m == G_GUINT64_CONSTANT(1) << 52 ? 1 : 2)) * p5;
    unsigned __int128 hi_n = (4 * m + 2) * p5, mid_n = 4 * m * p5;
    /* the interval's integers at 10^k: ceil and floor, the ends dropped unless inclusive */
    guint64 lo = (guint64)(lo_n >> shift) + ((lo_n & mask) != 0 || !inclusive);
    guint64 hi = (guint64)(hi_n >> shift) - ((hi_n & mask) == 0 && !inclusive);
    /* the most digits j to drop such that a multiple of 10^j lies inside:
     * whether one does only shrinks as j grows, so 16, 8, 4, 2, 1 more
     * are tried in turn (ceil(ceil(x / p) / q) = ceil(x / pq), likewise
     * floor); lo + p - 1 stays below 2^64 (lo < 10^18) */
    int j = drop_digits(&lo, &hi, 16, G_GUINT64_CONSTANT(10000000000000000)) +
            drop_digits(&lo, &hi, 8, 100000000) + drop_digits(&lo, &hi, 4, 10000) +
            drop_digits(&lo, &hi, 2, 100) + drop_digits(&lo, &hi, 1, 10);
    guint64 pw = powers_of_10[j];
    /* the nearest of the candidates [lo, hi] (x 10^j) to a: from the
     * quotient of a x 10^(k-j) and its remainder, compared in 128 bits */
    guint64 mid = (guint64)(mid_n >> shift);
    guint64 c = mid / pw;
    unsigned __int128 rem = ((unsigned __int128)(mid % pw) << shift) | (mid_n & mask);
    unsigned __int128 half = (unsigned __int128)pw
                             << shift; /* twice the remainder's half-way point */
    if (2 * rem == half)
        return FALSE;
    c += 2 * rem > half;
    c = CLAMP(c, lo, hi);
    integer_digits(c, k - j, digits, ret_exp);
    return TRUE;
}
#else
static gboolean
shortest_digits_exact(G_GNUC_UNUSED double a, G_GNUC_UNUSED char digits[20],
                      G_GNUC_UNUSED int *ret_exp)
{
    return FALSE;
}
#endif

/* Whether long doubles carry their 64 mantissa bits at run time, as the
 * fast path's bounds assume. LDBL_MANT_DIG is only what the compiler
 * assumes: the x87 precision control set to 53 bits (fldcw), or valgrind,
 * which computes x87 operations in doubles, give fewer, and the fast path
 * then picks wrong digits. Checked once; printf's path serves otherwise. */
static gboolean
long_double_wide(void)
{
#if LDBL_MANT_DIG >= 64
    static gint wide; /* 0: not checked yet, 1: wide, 2: not */
    int w = g_atomic_int_get(&wide);
    if (G_UNLIKELY(w == 0)) {
        volatile long double one = 1, lsb = 0x1p-63L; /* volatile: computed here, not folded */
        w = one + lsb != one ? 1 : 2;
        g_atomic_int_set(&wide, w);
    }
    return w == 1;
#else
    return FALSE;
#endif
}

void
json_shortest_digits(double v, char digits[20], int *ret_exp)
{
    if (fabs(v) < DBL_MIN) { /* subnormal: rare, and printf's search is the only right one */
        json_shortest_digits_printf(v, digits, ret_exp);
        return;
    }
    if (!shortest_digits_exact(fabs(v), digits, ret_exp) &&
        !(long_double_wide() && shortest_digits_fast(fabs(v), digits, ret_exp)))
        json_shortest_digits_printf(v, digits, ret_exp);
}

/* d[.ddd]e±XX, as Go's strconv writes 'e' (two exponent digits at least); returns the length. */
static gsize
format_exponent(char *buf, gsize n, gboolean neg, const char *digits, int exp)
{
    return (gsize)g_snprintf(buf, n, "%s%c%s%se%c%02d", neg ? "-" : "", digits[0],
                             digits[1] ? "." : "", digits + 1, exp < 0 ? '-' : '+', ABS(exp));
}

/* The length of format_fixed()'s text for @nd digits of exponent @exp. */
static gsize
fixed_len(gsize nd, int exp, gboolean neg)
{
    gsize body = exp < 0               ? 2 + (gsize)(-exp - 1) + nd /* 0.000ddd */
                 : nd > (gsize)exp + 1 ? nd + 1                     /* dd.ddd */
                                       : (gsize)exp + 1;            /* ddd000 */
    return (neg ? 1 : 0) + body;
}

/* Plain decimal, as Go's strconv writes 'f' with the shortest digits,
 * straight into @buf, which its callers make room for: fixed_len() and a
 * NUL (26 characters at most for the exponents format_double() sends here,
 * -7 to 20). Returns the length. */
static gsize
format_fixed(char *buf, gsize n, gboolean neg, const char *digits, int exp)
{
    gsize nd = strlen(digits), k = 0;
    if (neg)
        buf[k++] = '-';
    if (exp < 0) {
        buf[k++] = '0';
        buf[k++] = '.';
        for (int i = -1; i > exp; i--)
            buf[k++] = '0';
        memcpy(buf + k, digits, nd);
        k += nd;
    } else {
        for (gsize i = 0; i <= (gsize)exp || i < nd; i++) {
            if (i == (gsize)exp + 1)
                buf[k++] = '.';
            buf[k++] = i < nd ? digits[i] : '0';
        }
    }
    buf[k] = '\0';
    return k;
}

gsize
format_double(char *buf, gsize n, double v)
{
    g_assert(n >= G_ASCII_DTOSTR_BUF_SIZE);
    /* Whole numbers (counters, byte counts) skip printf: the hot case of a query answer. */
    if (v == floor(v) && fabs(v) < 1e15) {
        gboolean neg = signbit(v) != 0; /* -0 is "-0", as Go writes it */
        buf[0] = '-';
        return neg + format_u64(buf + neg, (guint64)fabs(v));
    }
    if (isnan(v))
        return g_strlcpy(buf, "NaN", n);
    if (isinf(v))
        return g_strlcpy(buf, v > 0 ? "+Inf" : "-Inf", n);
    /* Prometheus' API: the shortest digits that read back, in plain decimal,
     * or with an exponent below 1e-6 and from 1e21 on. */
    char digits[20];
    int exp;
    json_shortest_digits(v, digits, &exp);
    if (fabs(v) < 1e-6 || fabs(v) >= 1e21)
        return format_exponent(buf, n, v < 0, digits, exp);
    g_assert(exp >= -7 && exp <= 20 && n > 26);
    return format_fixed(buf, n, v < 0, digits, exp);
}

/* Room for @n more bytes at the end of @out, written in place by the
 * caller, who then sets the length with g_string_truncate(): no scratch
 * buffer to copy from, no strlen(). */
static char *
append_room(GString *out, gsize n)
{
    gsize at = out->len;
    g_string_set_size(out, at + n);
    return out->str + at;
}

void
json_append_fixed(GString *out, double v)
{
    gsize at = out->len;
    if (isnan(v) || isinf(v) || (v == floor(v) && fabs(v) < 1e15)) {
        gsize n =
            format_double(append_room(out, G_ASCII_DTOSTR_BUF_SIZE), G_ASCII_DTOSTR_BUF_SIZE, v);
        g_string_truncate(out, at + n);
        return;
    }
    char digits[20];
    int exp;
    json_shortest_digits(v, digits, &exp);
    gsize room = fixed_len(strlen(digits), exp, v < 0) + 1;
    gsize n = format_fixed(append_room(out, room), room, v < 0, digits, exp);
    g_string_truncate(out, at + n);
}

/* The last value put_value() wrote in this thread, by its bits, and its
 * text. A range query at a step shorter than its samples' interval gives
 * each value at several steps in a row (every series over 20 min at 1 s,
 * the battery's data: 35 134 of 37 231 values repeat the one before), and
 * their digits were a third of such an answer's work (callgrind). A cache
 * only: what put_value() writes never depends on it. */
static _Thread_local struct {
    guint64 bits;
    gboolean valid;
    gsize len;
    char text[G_ASCII_DTOSTR_BUF_SIZE];
} value_last;

/* "V", quoted, at @p (room for G_ASCII_DTOSTR_BUF_SIZE + 2); returns the length. */
static gsize
put_value(char *p, double v)
{
    guint64 bits;
    memcpy(&bits, &v, sizeof bits);
    if (!value_last.valid || bits != value_last.bits) {
        value_last.len = format_double(value_last.text, sizeof value_last.text, v);
        value_last.bits = bits;
        value_last.valid = TRUE;
    }
    p[0] = '"';
    memcpy(p + 1, value_last.text, sizeof value_last.text); /* a constant length: no call */
    p[value_last.len + 1] = '"';
    return value_last.len + 2;
}

/* The digits of the seconds above their last four, as last written by
 * this thread: a matrix's timestamps (a series' steps, series after
 * series) mostly share them, and writing each timestamp's every digit was
 * a fifth of an all-series answer's work (callgrind). A cache only: what
 * put_time() writes never depends on it. */
static _Thread_local struct {
    guint64 high; /* seconds / 10 000 of @digits; G_MAXUINT64: none yet */
    char digits[24];
    gsize len;
} seconds_high = {G_MAXUINT64, "", 0};

/* The decimal digits of @s seconds at @p; returns their number. */
static gsize
put_seconds(char *p, guint64 s)
{
    if (s < 10000)
        return format_u64(p, s);
    guint64 high = s / 10000;
    guint low = (guint)(s % 10000);
    if (high != seconds_high.high) {
        seconds_high.len = format_u64(seconds_high.digits, high);
        seconds_high.high = high;
        g_assert(seconds_high.len <= 8); /* 2^64 ns: 1.8 x 10^10 s, 7 digits above the last 4 */
    }
    gsize len = seconds_high.len;
    memcpy(p, seconds_high.digits, 8); /* a constant length: no call; @p has room */
    memcpy(p + len, digit_pairs + 2 * (low / 100), 2);
    memcpy(p + len + 2, digit_pairs + 2 * (low % 100), 2);
    return len + 4;
}

/* Seconds with the milliseconds' significant digits at @p (room for 25); returns the length. */
static gsize
put_time(char *p, guint64 t_ns)
{
    guint64 ms = t_ns / 1000000;
    guint frac = (guint)(ms % 1000);
    gsize len = put_seconds(p, ms / 1000);
    if (frac != 0) {
        p[len++] = '.';
        p[len++] = (char)('0' + frac / 100);
        p[len++] = (char)('0' + frac / 10 % 10);
        p[len++] = (char)('0' + frac % 10);
        while (p[len - 1] == '0')
            len--;
    }
    return len;
}

#define TIME_ROOM  25
#define VALUE_ROOM (G_ASCII_DTOSTR_BUF_SIZE + 2)

void
json_append_value(GString *out, double v)
{
    gsize at = out->len;
    gsize n = put_value(append_room(out, VALUE_ROOM), v);
    g_string_truncate(out, at + n);
}

void
json_append_u64(GString *out, guint64 v)
{
    char buf[24];
    g_string_append_len(out, buf, (gssize)format_u64(buf, v));
}

void
json_append_time(GString *out, guint64 t_ns)
{
    gsize at = out->len;
    gsize n = put_time(append_room(out, TIME_ROOM), t_ns);
    g_string_truncate(out, at + n);
}

void
json_append_sample(GString *out, guint64 t_ns, double v)
{
    gsize at = out->len;
    char *p = append_room(out, TIME_ROOM + VALUE_ROOM + 3);
    gsize k = 0;
    p[k++] = '[';
    k += put_time(p + k, t_ns);
    p[k++] = ',';
    k += put_value(p + k, v);
    p[k++] = ']';
    g_string_truncate(out, at + k);
}
