/* test-promql.c - rondod's parsers and writers in isolation: the PromQL subset,
 * request parameters, time and duration syntaxes, the JSON number formats, and
 * the steps an expression's subqueries compute (the inline rule's bound). */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "eval-priv.h"
#include "eval.h"
#include "json.h"
#include "labels.h"
#include "params.h"
#include "promql.h"

static void
test_accepts(void)
{
    const char *ok[] = {
        "1+1",
        "-2 * (3 + 1) / 4",
        "vm_memory_bytes",
        "{__name__=~\"vm_.*\"}",
        "up{job=\"a\", instance!=\"b\", x=~\"c|d\", y!~'e',}",
        "rate(vm_cpu_seconds_total[1m30s])",
        "sum by (store) (rate(x[5m]))",
        "avg(max_over_time(x{a=\"1\"}[1h])) by (a, b)",
        "count(x) * 2",
        "2 / -x",
        "Inf",
        "sum without (cpu) (rate(x[5m]))",
        "count(x) without (a, b)",
        "SUM BY (store) (x)",
        "x # a comment\n + 1 # another",
        "irate(x[1m]) + idelta(x[1m]) - delta(x[5m]) * deriv(x[5m])",
        "resets(x[1h]) / changes(x[1h])",
        "a + b",
        "x > 1",
        "1 < bool x",
        "2 >= bool 1",
        "a == b != c",
        "a / on (store) group_left sum by (store) (b)",
        "a * ignoring (cpu) group_right (version) b",
        "a - on () b",
        "a <= bool ignoring (x) b",
        "topk(2, x) + bottomk by (a) (1, x)",
        "topk(scalar(y), x) by (store)",
        "sort(x) / sort_desc(x)",
        "abs(x) + ceil(x) + floor(x) + round(x) + round(x, 0.5)",
        "clamp(x, 0, 1) - clamp_min(x, 0) - clamp_max(x, 1)",
        "time() - vector(1) + scalar(x)",
        "label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")",
        "absent(x{a=\"b\"})",
        "x offset 5m",
        "rate(x[5m] offset 1h) / x offset -30s",
        "sum(x{a=\"b\"} offset 1d)",
        "a and b or c unless d",
        "a > 1 or on (x) b AND ignoring (y) c",
        "order_total or android",
        "quantile(0.9, x) + stddev by (a) (x) - stdvar(x)",
        "quantile_over_time(0.5, x[5m]) + predict_linear(x[5m] offset 1m, 60)",
        "stddev_over_time(x[1h]) / stdvar_over_time(x[1h])",
        "a % 2 + 2 ^ 3 ^ -x - a atan2 b + -x ^ 2",
        "count_values(\"v\", x) + count_values without (a) (\"v\", x) + group by (a) (x)",
        "label_join(x, \"d\", \",\", \"a\", \"b\", \"c\") + timestamp(x) + sgn(x)",
        "exp(x) + ln(x) + log2(x) + log10(x) + sqrt(x) + sin(x) + acosh(x) + deg(x) + rad(x) + "
        "pi()",
        "year() + month(x) + day_of_week() + hour(x) + minute() + days_in_month(x) + day_of_year()",
        "absent_over_time(x[5m]) + present_over_time(x[5m:1m])",
        "holt_winters(x[5m], 0.5, 0.5) + holt_winters(x[5m:1m] @ 10, scalar(y), 1 / 3)",
        "x @ 1700000000 + x @ 1700000000.125 offset 5m + x offset 5m @ start() + x @ end()",
        "rate(x[5m] @ 100) + rate(x[5m:1m] @ end() offset 1m)",
        "max_over_time(rate(x[5m])[30m:]) + min_over_time((a + b)[1h:5m] offset -1m)",
        "avg_over_time(max_over_time(x[2m:30s])[10m:1m])",
        "quantile_over_time(0.5, sum by (a) (x)[5m:1m]) - last_over_time(x[5m:1m] @ 5)",
        /* keywords Prometheus' grammar takes as metric names */
        "offset offset 5m + sum(offset) + rate(offset[5m]) + x and and or or",
        "unless{a=\"b\"} * sum{a=\"b\"} / by",
    };
    for (guint i = 0; i < G_N_ELEMENTS(ok); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Node) n = promql_parse(ok[i], &error);
        g_assert_no_error(error);
        g_assert_nonnull(n);
    }
}

/* Each refusal names what is wrong. */
static void
test_refuses(void)
{
    const struct {
        const char *expr, *msg;
    } bad[] = {
        {"", "end of input"},
        {"foo(bar)", "not supported"},
        {"sum by (a:b) (x)", "expected"}, /* a label name has no colon */
        {"x / on (a:b) y", "expected"},
        {"x offset 0s", "expected a duration such as 5m after offset"},
        {"x offset 5m offset 1m", "offset may not be set multiple times"},
        {"rate(x[5m]) offset 1m", "offset modifier must be preceded by"},
        {"x @ 100 @ 200", "@ <timestamp> may not be set multiple times"},
        {"x @ -1", "the @ modifier before 1970 is not supported"},
        {"x @ 1e10", "the @ modifier after 2261 is not supported"},
        {"x @ foo", "expected a time in seconds, start() or end() after @"},
        {"sum(x) @ 100", "@ modifier must be preceded by"},
        {"x[5m:1m] offset 1m offset 2m", "offset may not be set multiple times"},
        {"1 > 2", "comparisons between scalars must use BOOL modifier"},
        {"x + bool 1", "bool modifier can only be used on comparison operators"},
        {"x + on (a) 1", "vector matching only allowed between instant vectors"},
        {"a + on (x) group_left (x) b", "must not occur in ON and GROUP clause"},
        {"a + group_left b", "need on (...) or ignoring (...)"},
        {"a + on b", "expected \"(\""},
        {"a = b", "operator \"=\" is not supported"},
        {"a =~ b", "operator \"=~\" is not supported"},
        {"x[5m]", "range vector"},
        {"rate(x)", "range vector"},
        {"x[5m:1m]", "or a subquery is only supported as the argument of a range function"},
        {"rate(1[5m:1m])", "subquery is only allowed on instant vector, got scalar"},
        {"rate(x[5m][5m:1m])", "subquery is only allowed on instant vector, got range vector"},
        {"rate(sum(x)[5m])", "ranges only allowed for vector selectors"},
        {"rate(x[5m:1m:])", "expected \"]\""},
        {"{}", "non-empty matcher"},
        {"{a=\"\"}", "non-empty matcher"},
        {"x{a=~\"(\"}", "regular expression"},
        {"sum(x", "expected"},
        {"topk(x, y)", "expected type scalar in aggregation parameter"},
        {"topk(3)", "expected \",\""},
        {"count_values(\"1v\", x)", "invalid label name \"1v\""},
        {"count_values(x)", "quoted string"},
        {"label_join(x, \"a\", \"-\")", "too few arguments"},
        {"label_join(x, \"a\", \"-\", \"b-c\")", "invalid source label name"},
        {"day_of_month(x, y)", "too many arguments"},
        {"pi(1)", "too many arguments"},
        {"1 atan2 x + atan2", "unexpected \"atan2\""},
        {"quantile(x, y)", "expected type scalar in aggregation parameter"},
        {"quantile_over_time(x, y[5m])", "expected type scalar in call to function"},
        {"predict_linear(x[5m], scalar(y[5m]))", "range vector"},
        {"predict_linear(x[5m])", "expected \",\""},
        {"abs(1)", "expected type instant vector in call to function \"abs\", got scalar"},
        {"round(x, y)", "expected type scalar in call to function \"round\""},
        {"clamp(x, 1)", "too few arguments in call to function \"clamp\""},
        {"time(1)", "too many arguments in call to function \"time\""},
        {"abs(x[5m])", "range vector"},
        {"label_replace(x, \"1a\", \"\", \"b\", \".*\")", "invalid destination label name"},
        {"label_replace(x, \"a\", \"\", \"b\", \"(\")", "invalid regular expression"},
        {"label_replace(x, \"a\", \"\", \"b\")", "too few arguments"},
        {"label_replace(x, a, \"\", \"b\", \"c\")", "quoted string"},
        {"mad_over_time(x[5m])", "function \"mad_over_time\" is not supported"},
        {"holt_winters(x[5m], 0.5)", "expected \",\""},
        {"holt_winters(x[5m], 0.5, y)",
         "expected type scalar in call to function \"holt_winters\""},
        {"1 and x", "set operator \"and\" not allowed in binary scalar expression"},
        {"x unless 1", "set operator \"unless\" not allowed"},
        {"a or on (x) group_left b", "no grouping allowed for \"or\" operation"},
        {"a and", "unexpected end of input"},
        {"on (x)", "unexpected \"on\""},
        {"BOOL + x", "at char 1: unexpected \"BOOL\""},
        {"x{__name__=\"y\"}", "at char 1: metric name must not be set twice"},
        {"x{a=\"\\q\"}", "at char 5: unknown escape sequence"},
        {"sum without x", "expected \"(\""},
        {"5m", "malformed number"},
        {"x{a=\"unterminated}", "unterminated"},
        {"sum(1)", "instant vector"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(Node) n = promql_parse(bad[i].expr, &error);
        g_assert_null(n);
        g_assert_nonnull(error);
        if (strstr(error->message, bad[i].msg) == NULL)
            g_error("“%s”: “%s” lacks “%s”", bad[i].expr, error->message, bad[i].msg);
    }
}

static void
test_depth_limit(void)
{
    g_autoptr(GString) deep = g_string_new(NULL);
    for (guint i = 0; i < 100; i++)
        g_string_append(deep, "-(");
    g_string_append(deep, "1");
    for (guint i = 0; i < 100; i++)
        g_string_append_c(deep, ')');
    g_autoptr(GError) error = NULL;
    g_autoptr(Node) n = promql_parse(deep->str, &error);
    g_assert_null(n);
    g_assert_nonnull(strstr(error->message, "deeper"));
}

static void
test_matchers_anchored(void)
{
    g_autoptr(Node) n = promql_parse("{a=~\"b|c\"}", NULL);
    const Matcher *m = g_ptr_array_index(n->matchers, 0);
    g_assert_true(matcher_matches(m, "b"));
    g_assert_true(matcher_matches(m, "c"));
    g_assert_false(matcher_matches(m, "bc"));
    g_assert_false(matcher_matches(m, "ab"));
}

static void
test_durations(void)
{
    guint64 ns = 0;
    g_assert_true(parse_duration("15", "step", &ns, NULL));
    g_assert_cmpuint(ns, ==, 15000000000u);
    g_assert_true(parse_duration("1m30s", "step", &ns, NULL));
    g_assert_cmpuint(ns, ==, 90000000000u);
    g_assert_true(parse_duration("500ms", "step", &ns, NULL));
    g_assert_cmpuint(ns, ==, 500000000u);
    g_assert_true(parse_duration("0.25", "step", &ns, NULL));
    g_assert_cmpuint(ns, ==, 250000000u);
    g_assert_false(parse_duration("1x", "step", &ns, NULL));
    g_assert_false(parse_duration("-1", "step", &ns, NULL));
    g_assert_false(parse_duration("99999999999999999999y", "step", &ns, NULL));
}

static void
test_times(void)
{
    guint64 ns = 0;
    g_assert_true(parse_time("1700000000.5", "t", &ns, NULL));
    g_assert_cmpuint(ns, ==, 1700000000500000000u);
    g_assert_true(parse_time("2023-11-14T22:13:20Z", "t", &ns, NULL));
    g_assert_cmpuint(ns, ==, 1700000000000000000u);
    g_autoptr(GError) error = NULL;
    g_assert_false(parse_time("soon", "time", &ns, &error));
    g_assert_nonnull(strstr(error->message, "\"time\""));
    g_assert_false(parse_time("1e300", "t", &ns, NULL));
}

static void
test_params(void)
{
    g_autoptr(Params) p = params_new("a=1&m%5B%5D=x&b=two+words", "m[]=y&c=", 8);
    g_assert_cmpstr(params_get(p, "a"), ==, "1");
    g_assert_cmpstr(params_get(p, "b"), ==, "two words");
    g_assert_cmpstr(params_get(p, "c"), ==, "");
    g_autofree const char **all = params_get_all(p, "m[]");
    g_assert_cmpstr(all[0], ==, "x");
    g_assert_cmpstr(all[1], ==, "y");
    g_assert_null(all[2]);
    g_assert_false(params_is_malformed(p));
    g_autoptr(Params) bad = params_new("q=%zz", NULL, 0);
    g_assert_true(params_is_malformed(bad));
}

/* What params.c decoded a value with until 0.13.3: GLib's unescaping of a copy. */
static char *
decode_by_glib(const char *s, gboolean *malformed)
{
    g_autofree char *plus = g_strdup(s);
    g_strdelimit(plus, "+", ' ');
    char *out = g_uri_unescape_string(plus, NULL);
    if (out == NULL || !g_utf8_validate(out, -1, NULL)) {
        *malformed = TRUE;
        g_free(out);
        return g_strdup("");
    }
    return out;
}

/* params.c's own decoder agrees with GLib's on random values made of the
 * characters that matter: escapes whole, cut short, of a 0 byte, of bytes
 * that are and are not UTF-8, '+', raw UTF-8 and a raw invalid byte. */
static void
test_params_decode_random(void)
{
    static const char *const bits[] = {"%",  "%2", "%20", "%00", "%c3",      "%BC",  "%ff", "%zz",
                                       "%0", "+",  "a",   "Z9",  "\xc3\xbc", "\xff", " ",   "%2B"};
    GRand *rand = g_rand_new_with_seed(20261203);
    for (guint i = 0; i < 20000; i++) {
        g_autoptr(GString) value = g_string_new(NULL);
        for (gint n = g_rand_int_range(rand, 0, 6); n > 0; n--)
            g_string_append(value, bits[g_rand_int_range(rand, 0, G_N_ELEMENTS(bits))]);
        g_autofree char *query = g_strconcat("q=", value->str, NULL);
        g_autoptr(Params) p = params_new(query, NULL, 0);
        gboolean malformed = FALSE;
        g_autofree char *want = decode_by_glib(value->str, &malformed);
        g_assert_cmpstr(params_get(p, "q"), ==, want);
        g_assert_cmpint(params_is_malformed(p), ==, malformed);
    }
    g_rand_free(rand);
}

/* A number and the text it must be written as. */
typedef struct {
    double v;
    const char *text;
} NumberText;

static void
test_json_numbers(void)
{
    const NumberText cases[] = {
        {0, "0"},
        {-0.0, "-0"},
        {-3, "-3"},
        {1009, "1009"},
        {1004.5, "1004.5"},
        {0.1, "0.1"},
        {1e20, "100000000000000000000"},
        {1e21, "1e+21"},
        {1.5e-7, "1.5e-07"},
        {-2.5e-6, "-0.0000025"},
        {123.456, "123.456"},
        {0.036111111111111108, "0.03611111111111111"},
        {1.5e15, "1500000000000000"},
        {1234567.125, "1234567.125"},
        {NAN, "NaN"},
        {INFINITY, "+Inf"},
        {-INFINITY, "-Inf"},
        {1.0 / 3, "0.3333333333333333"},
        /* whole numbers next to powers of ten: the digit count of format_u64() */
        {9, "9"},
        {10, "10"},
        {99, "99"},
        {100, "100"},
        {999999999, "999999999"},
        {1000000000, "1000000000"},
        {999999999999999, "999999999999999"},
        {-100000000000000, "-100000000000000"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        gsize n = format_double(buf, sizeof buf, cases[i].v);
        g_assert_cmpstr(buf, ==, cases[i].text);
        g_assert_cmpuint(n, ==, strlen(cases[i].text));
    }
    /* A sample in one piece, after what the string held. */
    g_autoptr(GString) sample = g_string_new("x");
    json_append_sample(sample, 1700000009990000000u, -0.25);
    json_append_sample(sample, 10000000000000000000u, NAN);
    g_assert_cmpstr(sample->str, ==, "x[1700000009.99,\"-0.25\"][10000000000,\"NaN\"]");
    g_autoptr(GString) out = g_string_new(NULL);
    json_append_time(out, 1700000000000000000u);
    g_string_append_c(out, ' ');
    json_append_time(out, 1700000000250000000u);
    g_string_append_c(out, ' ');
    json_append_string(out, "a\"b\\c\n\x01");
    g_assert_cmpstr(out->str, ==, "1700000000 1700000000.25 \"a\\\"b\\\\c\\n\\u0001\"");
    /* Times as printf writes them, whatever came before: across 10 000 s
     * boundaries, short ones, far apart (put_seconds() keeps high digits). */
    GRand *rand = g_rand_new_with_seed(20261203);
    guint64 t_s = 1799999990;
    for (guint i = 0; i < 20000; i++) {
        guint64 ms = g_rand_int_range(rand, 0, 4) == 0 ? 0 : g_rand_int_range(rand, 0, 1000);
        switch (g_rand_int_range(rand, 0, 8)) {
        case 0:
            t_s = g_rand_int_range(rand, 0, 20000); /* below and at 10 000 */
            break;
        case 1:
            t_s = (guint64)g_rand_int(rand) * g_rand_int_range(rand, 1, 5); /* far */
            break;
        default:
            t_s += g_rand_int_range(rand, 1, 3000); /* the next steps */
        }
        g_autoptr(GString) got = g_string_new(NULL);
        json_append_time(got, (t_s * 1000 + ms) * 1000000);
        g_autofree char *want = ms == 0
                                    ? g_strdup_printf("%" G_GUINT64_FORMAT, t_s)
                                    : g_strdup_printf("%" G_GUINT64_FORMAT ".%03u", t_s, (guint)ms);
        while (ms != 0 && want[strlen(want) - 1] == '0')
            want[strlen(want) - 1] = '\0';
        g_assert_cmpstr(got->str, ==, want);
    }
    /* Values as format_double() writes them, whatever came before: runs of
     * one value, its neighbours, both zeros, NaNs (put_value() keeps the last). */
    const double some[] = {0.0, -0.0, 1.5, nextafter(1.5, 2), NAN, -NAN, INFINITY, 1e21, 0.1};
    for (guint i = 0; i < 20000; i++) {
        double v = g_rand_int_range(rand, 0, 4) == 0
                       ? g_rand_double_range(rand, -1e6, 1e6)
                       : some[g_rand_int_range(rand, 0, G_N_ELEMENTS(some))];
        char text[G_ASCII_DTOSTR_BUF_SIZE];
        gsize n = format_double(text, sizeof text, v);
        g_autofree char *want = g_strdup_printf("\"%.*s\"", (int)n, text);
        for (guint k = g_rand_int_range(rand, 1, 4); k > 0; k--) {
            g_autoptr(GString) got = g_string_new(NULL);
            json_append_value(got, v);
            g_assert_cmpstr(got->str, ==, want);
        }
    }
    g_rand_free(rand);
}

/* Reads back a string json_append_string() wrote, with the escapes it uses;
 * asserts that no control byte went out raw. */
static char *
json_string_read_back(const char *s)
{
    g_assert_cmpint(*s, ==, '"');
    GString *out = g_string_new(NULL);
    for (s++; *s != '"'; s++) {
        g_assert_true((guchar)*s >= 0x20 && *s != 0x7f);
        if (*s != '\\') {
            g_string_append_c(out, *s);
            continue;
        }
        s++;
        if (*s == 'u') {
            char hex[5] = {0};
            memcpy(hex, s + 1, 4);
            g_string_append_unichar(out, (gunichar)g_ascii_strtoull(hex, NULL, 16));
            s += 4;
        } else if (*s == 'n') {
            g_string_append_c(out, '\n');
        } else {
            g_assert_true(*s == '"' || *s == '\\');
            g_string_append_c(out, *s);
        }
    }
    g_assert_cmpint(s[1], ==, '\0');
    return g_string_free(out, FALSE);
}

/* json_append_string() on random strings of plain runs, escapes, control
 * bytes, whole, cut and invalid UTF-8: valid UTF-8 that reads back as the
 * string, each invalid byte a U+FFFD (as g_utf8_make_valid() has it). */
static void
test_json_strings(void)
{
    static const char *const bits[] = {
        "ab",       "\"",   "\\",       "\n", "\x01",         "\t", "\x7f",
        "\xc3\xbc", "\xff", "\xe2\x82", "~",  "\xe2\x82\xac", " ",  "\xf0\x9f\x98\x80",
        "Z"};
    GRand *rand = g_rand_new_with_seed(20261203);
    for (guint i = 0; i < 20000; i++) {
        g_autoptr(GString) in = g_string_new(NULL);
        for (gint n = g_rand_int_range(rand, 0, 8); n > 0; n--)
            g_string_append(in, bits[g_rand_int_range(rand, 0, G_N_ELEMENTS(bits))]);
        g_autoptr(GString) got = g_string_new(NULL);
        json_append_string(got, in->str);
        g_assert_true(g_utf8_validate(got->str, -1, NULL));
        g_autofree char *back = json_string_read_back(got->str);
        g_autofree char *want = g_utf8_make_valid(in->str, -1);
        g_assert_cmpstr(back, ==, want);
    }
    g_rand_free(rand);
}

/* The printf-free shortest digits agree with printf's on every kind of
 * double: random bit patterns, short decimals, values next to powers of ten,
 * sines (17 digits), the extremes. */
static void
check_digits(double v)
{
    char fast[20], slow[20];
    int fast_exp, slow_exp;
    if (!isfinite(v) || v == 0)
        return;
    json_shortest_digits(v, fast, &fast_exp);
    json_shortest_digits_printf(v, slow, &slow_exp);
    if (strcmp(fast, slow) != 0 || fast_exp != slow_exp)
        g_error("%.17g: %se%d, printf %se%d", v, fast, fast_exp, slow, slow_exp);
}

/* Below DBL_MIN fewer digits read back than 15: the shortest, as Go writes them. */
static void
check_subnormal(double v, const char *want, int want_exp)
{
    char digits[20];
    int exp;
    json_shortest_digits(v, digits, &exp);
    if (strcmp(digits, want) != 0 || exp != want_exp)
        g_error("%.17g: %se%d, want %se%d", v, digits, exp, want, want_exp);
}

static void
test_json_shortest(void)
{
    check_subnormal(5e-324, "5", -324);
    check_subnormal(-1.5e-323, "15", -323);
    check_subnormal(1e-310, "1", -310);
    check_subnormal(2.2250738585072009e-308, "2225073858507201", -308); /* the largest */
    check_subnormal(DBL_MIN, "22250738585072014", -308);                /* the smallest normal */
    /* valgrind (check-valgrind) takes ~60x as long: a twentieth of the draws */
    guint draws = g_getenv("RONDO_TEST_UNDER_VALGRIND") != NULL ? 20 : 1;
    GRand *rand = g_rand_new_with_seed(20261201);
    for (guint i = 0; i < 100000 / draws; i++) {
        guint64 bits = (guint64)g_rand_int(rand) << 32 | g_rand_int(rand);
        double v;
        memcpy(&v, &bits, sizeof v);
        check_digits(v);
        check_digits((double)g_rand_int_range(rand, 1, 1000000) / 1000.0);
        check_digits(sin((double)i) * 1e3);
        check_digits(g_rand_double_range(rand, 1e-8, 1e22));
        check_digits((double)g_rand_int_range(rand, 1, 1000000) * 1e25); /* past 10^22 */
        check_digits(g_rand_double_range(rand, 1e-12, 1e-8));
    }
    /* 16 digits above 2^53 (9.007199254740992 ... 9.999...): the long
     * double path, and its ties left to printf */
    for (guint i = 0; i < 200000 / draws; i++) {
        double lead = g_rand_double_range(rand, 0.9007199254740992, 1.0);
        check_digits(lead * pow(10, g_rand_int_range(rand, -12, 23)));
        check_digits(nextafter(lead, 2.0));
    }
    /* the exact integer path's range, 2^-24 to 2^54: every exponent, random
     * mantissas, the powers of two (whose lower half-ulp is narrower) and
     * their neighbours */
    for (int e = -24; e <= 54; e++) {
        double p = ldexp(1, e);
        check_digits(p);
        check_digits(nextafter(p, 0));
        check_digits(nextafter(p, INFINITY));
        for (guint i = 0; i < 20000 / draws; i++)
            check_digits(ldexp(g_rand_double_range(rand, 1, 2), e));
    }
    check_digits(0.9999999999999999);
    check_digits(9.999999999999998);
    check_digits(0.9007199254740993);
    for (int e = -30; e <= 30; e++) {
        double p = pow(10, e);
        check_digits(p);
        check_digits(nextafter(p, 0));
        check_digits(nextafter(p, INFINITY));
    }
    check_digits(G_MAXDOUBLE);
    check_digits(G_MINDOUBLE);
    check_digits(4.9e-324);
    check_digits(9007199254740993.0);
    g_rand_free(rand);
}

static guint64
subquery_steps(const char *expr, guint64 span_s)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(Node) n = promql_parse(expr, &error);
    g_assert_no_error(error);
    guint64 ns = G_GUINT64_CONSTANT(1000000000);
    return eval_count_subquery_steps(n, span_s > G_MAXUINT64 / ns ? G_MAXUINT64 : span_s * ns);
}

/* A subquery's inner expression runs once over the span and its range, at its step. */
static void
test_subquery_steps(void)
{
    g_assert_cmpuint(subquery_steps("rate(x[5m])", 1800), ==, 0);
    g_assert_cmpuint(subquery_steps("max_over_time(rate(x[5m])[30m:1m])", 0), ==, 31);
    g_assert_cmpuint(subquery_steps("rate(x[5m:1m])", 1800), ==, 36);
    g_assert_cmpuint(subquery_steps("avg_over_time(x[10m:])", 0), ==, 11); /* the default 1m */
    g_assert_cmpuint(subquery_steps("rate(x[5m:1m] offset 1h) + rate(y[10m:1m] @ 100)", 0), ==,
                     6 + 11);
    /* nested: 30m/5m + 1 outer steps, over which the inner one spans 30m + 10m */
    g_assert_cmpuint(subquery_steps("max_over_time(max_over_time(x[10m:1m])[30m:5m])", 0), ==,
                     7 + 41);
    /* a span beyond 64 bits of nanoseconds: counted as large, never wrapped round */
    g_assert_cmpuint(subquery_steps("max_over_time(x[1m:1ms])", G_MAXUINT64), >=,
                     G_MAXUINT64 / 1000000);
    g_assert_cmpuint(eval_count_subquery_steps(NULL, 0), ==, 0);
}

/* NaN first, then ascending: the order Prometheus sorts a quantile's values in. */
static int
nan_first_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x) || isnan(y))
        return isnan(y) - isnan(x);
    return (x > y) - (x < y);
}

/* Prometheus' quantile, the plain way: sort everything, read two values. */
static double
quantile_by_sort(double q, const double *in, guint n)
{
    if (n == 0 || isnan(q))
        return NAN;
    if (q < 0 || q > 1)
        return q < 0 ? -INFINITY : INFINITY;
    g_autofree double *v = g_memdup2(in, n * sizeof *v);
    qsort(v, n, sizeof *v, nan_first_cmp);
    double rank = q * (n - 1.0);
    double lower = MAX(0, floor(rank)), upper = MIN(n - 1.0, lower + 1);
    double weight = rank - floor(rank);
    return v[(guint)lower] * (1 - weight) + v[(guint)upper] * weight;
}

static void
assert_quantile_as_sorted(double q, const double *in, guint n)
{
    g_autofree double *v = g_memdup2(in, MAX(n, 1) * sizeof *v);
    double want = quantile_by_sort(q, in, n), got = quantile_of(q, v, n);
    if (isnan(want)) {
        g_assert_true(isnan(got));
        return;
    }
    if (memcmp(&got, &want, sizeof got) != 0)
        g_test_message("q=%g, %u values: %.17g, not %.17g", q, n, got, want);
    g_assert_cmpmem(&got, sizeof got, &want, sizeof want);
}

/* quantile_of() selects the two values it needs instead of sorting: the
 * same answer as the sort, NaNs, duplicates, infinities and the orders that
 * defeat a naive quickselect included. */
static void
test_quantile_select(void)
{
    static const double qs[] = {0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1, -0.5, 1.5, NAN};
    static const double pool[] = {NAN, -INFINITY, INFINITY, -1, 0, 0.5, 1, 2, 3, 1e300, -1e-300};
    GRand *rand = g_rand_new_with_seed(15);
    double v[400];
    for (guint round = 0; round < 3000; round++) {
        guint n = g_rand_int_range(rand, 0, round < 2000 ? 12 : G_N_ELEMENTS(v));
        gboolean few = g_rand_boolean(rand);
        for (guint i = 0; i < n; i++)
            v[i] = few ? pool[g_rand_int_range(rand, 0, G_N_ELEMENTS(pool))]
                       : g_rand_double_range(rand, -1000, 1000);
        for (guint k = 0; k < G_N_ELEMENTS(qs); k++)
            assert_quantile_as_sorted(qs[k], v, n);
        assert_quantile_as_sorted(g_rand_double(rand), v, n);
    }
    g_rand_free(rand);
    /* ascending, descending, all equal, organ pipe: each at every quantile */
    for (guint shape = 0; shape < 4; shape++) {
        for (guint i = 0; i < G_N_ELEMENTS(v); i++) {
            guint half = G_N_ELEMENTS(v) / 2;
            v[i] = shape == 0   ? i
                   : shape == 1 ? -(double)i
                   : shape == 2 ? 7
                                : (i < half ? i : 2 * half - i);
        }
        for (guint k = 0; k < G_N_ELEMENTS(qs); k++)
            assert_quantile_as_sorted(qs[k], v, G_N_ELEMENTS(v));
    }
}

/* A series for test_windows_together: evenly spaced stretches (so a window
 * may find its x sums in the last one's), jittered ones, gaps; values that
 * wander, with a NaN or an infinity now and then. */
static Point *
windows_series(GRand *rand, guint n)
{
    Point *p = g_new(Point, n);
    guint64 t = 1000 * G_TIME_SPAN_SECOND * G_GUINT64_CONSTANT(1000);
    double v = 100;
    for (guint i = 0; i < n; i++) {
        guint shape = g_rand_int_range(rand, 0, 100);
        t += shape < 70   ? 15 * G_GUINT64_CONSTANT(1000000000)
             : shape < 90 ? (guint64)g_rand_int_range(rand, 1, 30000) * 1000000
                          : 300 * G_GUINT64_CONSTANT(1000000000);
        v += g_rand_double_range(rand, -3, 5);
        p[i].t = t;
        p[i].v = shape == 0 ? NAN : shape == 1 ? INFINITY : shape == 2 ? -INFINITY : v;
    }
    return p;
}

/* Prometheus 2.42's kahanSumInc, as functions.go writes it: the oracle
 * below is written from Go's source, not from eval-funcs.c. */
static void
oracle_kahan_inc(double inc, double *sum, double *c)
{
    double t = *sum + inc;
    if (fabs(*sum) >= fabs(inc))
        *c += (*sum - t) + inc;
    else
        *c += (inc - t) + *sum;
    *sum = t;
}

/* funcStdvarOverTime's aggregate: Welford's, compensated. */
static double
oracle_stdvar(const Point *p, guint n)
{
    double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
    for (guint i = 0; i < n; i++) {
        count++;
        double delta = p[i].v - (mean + cmean);
        oracle_kahan_inc(delta / count, &mean, &cmean);
        oracle_kahan_inc(delta * (p[i].v - (mean + cmean)), &aux, &caux);
    }
    return (aux + caux) / count;
}

/* funcAvgOverTime's aggregate: the running mean, compensated, an infinite
 * mean kept against finite values and the same infinity. */
static double
oracle_avg(const Point *p, guint n)
{
    double mean = 0, count = 0, c = 0;
    for (guint i = 0; i < n; i++) {
        double v = p[i].v;
        count++;
        if (isinf(mean) && isinf(v) && (mean > 0) == (v > 0))
            continue;
        if (isinf(mean) && !isinf(v) && !isnan(v))
            continue;
        oracle_kahan_inc(v / count - mean / count, &mean, &c);
    }
    return isinf(mean) ? mean : mean + c;
}

/* linearRegression's line through @n points, x in seconds from @at_ns. */
static void
oracle_line(const Point *p, guint n, guint64 at_ns, double *slope, double *intercept)
{
    double count = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
    gboolean const_y = TRUE;
    for (guint i = 0; i < n; i++) {
        const_y = const_y && (i == 0 || p[i].v == p[0].v);
        count++;
        double x = (double)((gint64)(p[i].t - at_ns)) / 1e9;
        oracle_kahan_inc(x, &sx, &cx);
        oracle_kahan_inc(p[i].v, &sy, &cy);
        oracle_kahan_inc(x * p[i].v, &sxy, &cxy);
        oracle_kahan_inc(x * x, &sx2, &cx2);
    }
    if (const_y) {
        *slope = isinf(p[0].v) ? NAN : 0;
        *intercept = isinf(p[0].v) ? NAN : p[0].v;
        return;
    }
    sx += cx;
    sy += cy;
    sxy += cxy;
    sx2 += cx2;
    *slope = (sxy - sx * sy / count) / (sx2 - sx * sx / count);
    *intercept = sy / count - *slope * sx / count;
}

/* What Prometheus gives for window @w of stddev/stdvar_over_time(),
 * avg_over_time(), deriv() or predict_linear(), or NaN with *@known FALSE for other
 * functions and for a window where it gives no value. */
static double
oracle_window(FuncKind f, const Window *w, gboolean *known)
{
    double slope, intercept;
    switch (f) {
    case FN_STDDEV_OVER_TIME:
    case FN_STDVAR_OVER_TIME:
        *known = w->n > 0;
        if (*known) {
            double var = oracle_stdvar(w->p, w->n);
            return f == FN_STDDEV_OVER_TIME ? sqrt(var) : var;
        }
        return NAN;
    case FN_AVG_OVER_TIME:
        *known = w->n > 0;
        return *known ? oracle_avg(w->p, w->n) : NAN;
    case FN_DERIV:
    case FN_PREDICT_LINEAR:
        *known = w->n > 1;
        if (!*known)
            return NAN;
        oracle_line(w->p, w->n, f == FN_DERIV ? w->p[0].t : w->step_ns, &slope, &intercept);
        return f == FN_DERIV ? slope : slope * w->param + intercept;
    default:
        *known = FALSE;
        return NAN;
    }
}

/* window_apply_steps() computes several windows together and lets a window
 * reuse what the last one left: every answer must be the one the window
 * gets alone (a call with one window), to the bit, and where the test has
 * Prometheus' own steps written out, that answer too. */
static void
test_windows_together(void)
{
    static const FuncKind fs[] = {FN_DERIV,
                                  FN_PREDICT_LINEAR,
                                  FN_HOLT_WINTERS,
                                  FN_STDDEV_OVER_TIME,
                                  FN_STDVAR_OVER_TIME,
                                  FN_AVG_OVER_TIME,
                                  FN_RATE};
    GRand *rand = g_rand_new_with_seed(16);
    for (guint round = 0; round < 200; round++) {
        guint n = g_rand_int_range(rand, 0, 400), n_steps = g_rand_int_range(rand, 1, 60);
        g_autofree Point *p = windows_series(rand, n);
        guint64 range = (guint64)g_rand_int_range(rand, 1, 1800) * G_GUINT64_CONSTANT(1000000000);
        guint64 step = (guint64)g_rand_int_range(rand, 1, 120) * G_GUINT64_CONSTANT(500000000);
        guint64 t0 = n > 0 ? p[0].t + (guint64)g_rand_int_range(rand, 0, 600) * 1000000000 : 0;
        g_autofree Window *w = g_new(Window, n_steps);
        guint lo = 0, hi = 0;
        for (guint i = 0; i < n_steps; i++) {
            guint64 t = t0 + i * step;
            while (hi < n && p[hi].t <= t)
                hi++;
            while (lo < hi && p[lo].t + range < t)
                lo++;
            /* holt_winters' factors: now and then one it refuses */
            double sf = g_rand_int_range(rand, 0, 20) == 0 ? 1.5 : g_rand_double(rand);
            w[i] = (Window){.p = p + lo,
                            .n = hi - lo,
                            .t_ns = t,
                            .range_ns = range,
                            .step_ns = t,
                            .param = round % 2 ? 3600 : sf,
                            .param2 = 0.7};
        }
        for (guint k = 0; k < G_N_ELEMENTS(fs); k++) {
            g_autofree double *together = g_new(double, n_steps);
            window_apply_steps(fs[k], w, n_steps, together);
            for (guint i = 0; i < n_steps; i++) {
                double alone;
                window_apply_steps(fs[k], &w[i], 1, &alone);
                g_assert_cmpint(eval_is_absent(together[i]), ==, eval_is_absent(alone));
                gboolean known;
                double want = oracle_window(fs[k], &w[i], &known);
                if (known && !(isnan(want) && isnan(alone) && !eval_is_absent(alone)))
                    g_assert_cmpmem(&alone, sizeof alone, &want, sizeof want);
                if (isnan(alone) && isnan(together[i]))
                    continue;
                if (memcmp(&alone, &together[i], sizeof alone) != 0)
                    g_test_message("f %d, round %u, step %u (%u points): %.17g, alone %.17g", fs[k],
                                   round, i, w[i].n, together[i], alone);
                g_assert_cmpmem(&together[i], sizeof alone, &alone, sizeof alone);
            }
        }
    }
    g_rand_free(rand);
}

/* labels_drop() removes one pair in place, whichever it is, and leaves a
 * set without it alone: what labels_without() copies. */
static void
test_labels_drop(void)
{
    const char *const set[] = {"A", "1", "__name__", "m", "b", "", "z", "9", NULL};
    static const struct {
        const char *name;
        guint left; /* strings after the drop */
    } cases[] = {{"A", 6}, {"__name__", 6}, {"b", 6}, {"z", 6}, {"missing", 8}, {"1", 8}};
    for (guint k = 0; k < G_N_ELEMENTS(cases); k++) {
        g_auto(GStrv) want = labels_without((char *const *)set, cases[k].name);
        g_auto(GStrv) got = g_strdupv((char **)set);
        g_assert_true(labels_drop(got, cases[k].name) == got);
        g_assert_cmpuint(g_strv_length(got), ==, cases[k].left);
        g_assert_true(g_strv_equal((const char *const *)got, (const char *const *)want));
    }
}

/* json_append_fixed(): Go's 'f' with the shortest digits (count_values'
 * labels), never an exponent, appended after what the string holds. */
static void
test_json_fixed(void)
{
    g_autofree char *big = g_strnfill(101, '0');
    big[0] = '1';
    const NumberText cases[] = {
        {0, "0"},
        {-0.0, "-0"},
        {42, "42"},
        {-1004.5, "-1004.5"},
        {1.5e-7, "0.00000015"},
        {-1.25e22, "-12500000000000000000000"},
        {1e100, big},
        {5e-324, NULL},
        {NAN, "NaN"},
        {-INFINITY, "-Inf"},
        {123456.789, "123456.789"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GString) out = g_string_new("v=");
        json_append_fixed(out, cases[i].v);
        if (cases[i].text != NULL) {
            g_assert_cmpstr(out->str + 2, ==, cases[i].text);
            continue;
        }
        /* 5e-324: "0." then 323 zeros and a 5 */
        g_assert_cmpuint(out->len, ==, 2 + 2 + 323 + 1);
        g_assert_true(g_str_has_prefix(out->str, "v=0.000") && g_str_has_suffix(out->str, "05"));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/promql/subquery-steps", test_subquery_steps);
    g_test_add_func("/promql/quantile-select", test_quantile_select);
    g_test_add_func("/promql/windows-together", test_windows_together);
    g_test_add_func("/promql/accepts", test_accepts);
    g_test_add_func("/promql/refuses", test_refuses);
    g_test_add_func("/promql/depth-limit", test_depth_limit);
    g_test_add_func("/promql/matchers-anchored", test_matchers_anchored);
    g_test_add_func("/labels/drop", test_labels_drop);
    g_test_add_func("/params/durations", test_durations);
    g_test_add_func("/params/times", test_times);
    g_test_add_func("/params/decoding", test_params);
    g_test_add_func("/params/decoding-random", test_params_decode_random);
    g_test_add_func("/json/numbers", test_json_numbers);
    g_test_add_func("/json/shortest-digits", test_json_shortest);
    g_test_add_func("/json/fixed", test_json_fixed);
    g_test_add_func("/json/strings", test_json_strings);
    return g_test_run();
}
