/* test-selector.c - the selector parser shared by rondo and rondo-query,
 * the time and duration words, and the import line parser. */
#include "config.h"
#include <math.h>
#include <string.h>
#include "import-line.h"
#include "selector.h"
#include "timespec.h"
#include "value-format.h"

static const char *const io_labels[] = {"reason", "io", "vcpu", "0", NULL};
static const char *const mmio_labels[] = {"reason", "mmio", "vcpu", "1", NULL};

static gboolean
matches(const char *text, const char *name, const char *const *labels)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ToolSelector) sel = tool_selector_parse(text, &error);
    g_assert_no_error(error);
    return tool_selector_matches(sel, name, labels);
}

static void
test_name_only(void)
{
    g_assert_true(matches("vcpu_exits_total", "vcpu_exits_total", io_labels));
    g_assert_false(matches("vcpu_exits", "vcpu_exits_total", io_labels));
    g_assert_true(matches("  ns:metric_1 ", "ns:metric_1", NULL));
}

static void
test_operators(void)
{
    g_assert_true(matches("vcpu_exits_total{reason=\"io\"}", "vcpu_exits_total", io_labels));
    g_assert_false(matches("vcpu_exits_total{reason=\"io\"}", "vcpu_exits_total", mmio_labels));
    g_assert_true(matches("x{reason!=\"io\"}", "x", mmio_labels));
    g_assert_false(matches("x{reason!=\"io\"}", "x", io_labels));
    g_assert_true(matches("x{reason=~\"i.\"}", "x", io_labels));
    /* regexes are anchored at both ends, as in Prometheus */
    g_assert_false(matches("x{reason=~\"i\"}", "x", io_labels));
    g_assert_false(matches("x{reason=~\"o\"}", "x", io_labels));
    g_assert_true(matches("x{reason!~\"m.*\"}", "x", io_labels));
    g_assert_false(matches("x{reason!~\"m.*\"}", "x", mmio_labels));
    g_assert_true(matches("x{ reason = \"io\" , vcpu = '0', }", "x", io_labels));
}

static void
test_name_matcher(void)
{
    g_assert_true(matches("{__name__=~\"vcpu_.*\"}", "vcpu_exits_total", io_labels));
    g_assert_false(matches("{__name__=~\"vcpu_.*\"}", "block_reads", io_labels));
    g_assert_true(matches("{reason=\"io\"}", "anything", io_labels));
}

static void
test_missing_label(void)
{
    /* a label the series lacks has the value "" */
    g_assert_true(matches("x{absent=\"\"}", "x", io_labels));
    g_assert_false(matches("x{absent=\"a\"}", "x", io_labels));
    g_assert_true(matches("x{absent!=\"a\"}", "x", io_labels));
}

static void
test_escapes(void)
{
    static const char *const labels[] = {"path", "a\"b\\c\n", NULL};
    g_assert_true(matches("x{path=\"a\\\"b\\\\c\\n\"}", "x", labels));
    g_assert_true(matches("x{path=`a\"b\\c\n`}", "x", labels));
    /* Prometheus' escapes (Go's): \u, \U, \x, octal, the single-letter ones */
    static const char *const umlaut[] = {"v", "\xc3\xbc\a\b\f\r\t\v'", NULL};
    g_assert_true(matches("x{v=\"\\u00fc\\a\\b\\f\\r\\t\\v'\"}", "x", umlaut));
    g_assert_true(matches("x{v='\\U000000fc\\a\\b\\f\\r\\t\\v\\''}", "x", umlaut));
    g_assert_true(matches("x{v=\"\\xc3\\xbc\\a\\b\\f\\r\\t\\v'\"}", "x", umlaut));
    g_assert_true(matches("x{v=\"\\303\\274\\a\\b\\f\\r\\t\\v'\"}", "x", umlaut));
    g_assert_true(matches("x{v=`\\u00fc`}", "x", (const char *const[]){"v", "\\u00fc", NULL}));
}

static void
test_errors(void)
{
    static const char *const bad[] = {
        "",
        "{}",
        "x{",
        "x{a}",
        "x{a=}",
        "x{a=\"b}",
        "x{a==\"b\"}",
        "x{a=\"b\"",
        "x{a=\"b\" c=\"d\"}",
        "x y",
        "1x",
        "x{a=~\"(\"}",
        "x{a=\"\\q\"}",
        "x{a=\"\\'\"}", /* the other quote: Prometheus refuses it */
        "x{a='\\\"'}",
        "x{a=\"\\xzz\"}",
        "x{a=\"\\u12\"}",
        "x{a=\"\\ud800\"}", /* a surrogate is no character */
        "x{a=\"\\U00110000\"}",
        "x{a=\"\\400\"}", /* octal above 255 */
        "x{a=\"b\nc\"}",  /* a newline inside double quotes */
        "x}",
        "{a=\"b\"}}",
        "{a=\"\"}",          /* matches every series: Prometheus refuses it */
        "x{__name__=\"y\"}", /* the name twice */
        "x{a=\"b\"}[5m]",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ToolSelector) sel = tool_selector_parse(bad[i], &error);
        if (sel != NULL)
            g_error("“%s” was accepted", bad[i]);
        g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
        g_assert_nonnull(strstr(error->message, "bad selector"));
    }
}

static void
test_series_form(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ToolSelector) sel = tool_selector_parse("m{b=\"2\",a=\"1\"}", &error);
    g_autofree char *name = NULL;
    g_auto(GStrv) labels = NULL;
    g_assert_true(tool_selector_get_series(sel, &name, &labels, &error));
    g_assert_cmpstr(name, ==, "m");
    g_assert_cmpuint(g_strv_length(labels), ==, 4);
    g_assert_cmpstr(labels[0], ==, "b");

    g_autoptr(ToolSelector) re = tool_selector_parse("m{a=~\"1\"}", &error);
    g_assert_false(tool_selector_get_series(re, &name, &labels, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_autoptr(ToolSelector) noname = tool_selector_parse("{a=\"1\"}", &error);
    g_assert_false(tool_selector_get_series(noname, &name, &labels, &error));
    g_assert_nonnull(error);
}

/* An import line's series: where it ends, blanks and quotes considered. */
static void
test_prefix(void)
{
    static const struct {
        const char *text;
        gsize len;
    } ok[] = {
        {"x{a=\"b c\"} 1 2", 10}, {"x 1 2", 1},         {"x{a=\"}\\\" \"} 1", 11},
        {"  offset\t1", 8},       {"x {a=\"b\"} 1", 9}, {"bool", 4},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(ok); i++) {
        g_autoptr(GError) error = NULL;
        gsize len = 0;
        g_autoptr(ToolSelector) sel = tool_selector_parse_prefix(ok[i].text, &len, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(len, ==, ok[i].len);
    }
    static const char *const bad[] = {"x{a=\"b\"}1 2", "x# 1 2", "x{a=\"b c} 1", ""};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        gsize len = 0;
        g_autoptr(ToolSelector) sel = tool_selector_parse_prefix(bad[i], &len, &error);
        if (sel != NULL)
            g_error("“%s” was accepted", bad[i]);
        g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
    }
}

static void
test_durations(void)
{
    guint64 ns;
    g_assert_true(tool_duration_parse("10m", &ns, NULL));
    g_assert_cmpuint(ns, ==, 600 * G_GUINT64_CONSTANT(1000000000));
    g_assert_true(tool_duration_parse("1h30m", &ns, NULL));
    g_assert_cmpuint(ns, ==, 5400 * G_GUINT64_CONSTANT(1000000000));
    g_assert_true(tool_duration_parse("250ms", &ns, NULL));
    g_assert_cmpuint(ns, ==, 250000000);
    g_assert_false(tool_duration_parse("10", &ns, NULL));
    g_assert_false(tool_duration_parse("m", &ns, NULL));
    g_assert_false(tool_duration_parse("0s", &ns, NULL));
    g_assert_false(tool_duration_parse("-5m", &ns, NULL));
    g_autofree char *a = tool_duration_format(5400 * G_GUINT64_CONSTANT(1000000000));
    g_assert_cmpstr(a, ==, "1h30m");
}

static void
test_times(void)
{
    const guint64 now = G_GUINT64_CONSTANT(1714564800) * 1000000000;
    guint64 t, s, e;
    g_assert_true(tool_time_parse("now", now, &t, NULL));
    g_assert_cmpuint(t, ==, now);
    g_assert_true(tool_time_parse("-10m", now, &t, NULL));
    g_assert_cmpuint(t, ==, now - 600 * G_GUINT64_CONSTANT(1000000000));
    g_assert_true(tool_time_parse("now-1h", now, &t, NULL));
    g_assert_cmpuint(t, ==, now - 3600 * G_GUINT64_CONSTANT(1000000000));
    g_assert_true(tool_time_parse("1714564800.25", now, &t, NULL));
    g_assert_cmpuint(t, ==, now + 250000000);
    g_assert_true(tool_time_parse("2024-05-01T12:00:00Z", now, &t, NULL));
    g_assert_cmpuint(t, ==, now);
    g_assert_true(tool_time_parse("2024-05-01T14:00:00+02:00", now, &t, NULL));
    g_assert_cmpuint(t, ==, now);
    g_assert_false(tool_time_parse("yesterday", now, &t, NULL));
    g_assert_false(tool_time_parse("2024-05-01", now, &t, NULL));

    g_assert_true(tool_time_range_resolve(NULL, NULL, "10m", now, &s, &e, NULL));
    g_assert_cmpuint(e, ==, now);
    g_assert_cmpuint(e - s, ==, 600 * G_GUINT64_CONSTANT(1000000000));
    g_assert_true(tool_time_range_resolve("1714564800", NULL, "1m", now + 1, &s, &e, NULL));
    g_assert_cmpuint(s, ==, now);
    g_assert_cmpuint(e, ==, now + 60 * G_GUINT64_CONSTANT(1000000000));
    g_assert_false(tool_time_range_resolve("1714564800", "1714564700", NULL, now, &s, &e, NULL));
    g_assert_false(tool_time_range_resolve("now", "now", "1m", now, &s, &e, NULL));
}

static void
test_import_lines(void)
{
    g_autoptr(GError) error = NULL;
    ToolImportLine l = {0};
    g_assert_true(tool_import_line_parse("m{a=\"x y\"} 1.5 1714564800.5", NULL, &l, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(l.name, ==, "m");
    g_assert_cmpfloat(l.value, ==, 1.5);
    g_assert_cmpuint(l.t_ns, ==, G_GUINT64_CONSTANT(1714564800500000000));
    tool_import_line_clear(&l);
    g_assert_true(tool_import_line_parse("m NaN 1714564800123ms", NULL, &l, &error));
    g_assert_true(isnan(l.value));
    g_assert_cmpuint(l.t_ns, ==, G_GUINT64_CONSTANT(1714564800123000000));
    tool_import_line_clear(&l);
    static const char *const bad[] = {
        "m", "m 1", "m x 1", "m 1 x", "m 1 2 3", "m{a!=\"b\"} 1 2", "m 1 -5", "m 1 10h"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) e = NULL;
        ToolImportLine b = {0};
        if (tool_import_line_parse(bad[i], NULL, &b, &e))
            g_error("“%s” was accepted", bad[i]);
        g_assert_nonnull(e);
        g_assert_null(b.name);
    }
}

static void
test_values(void)
{
    char buf[TOOL_VALUE_BUF];
    double v;
    tool_value_format(0.1, buf);
    g_assert_cmpstr(buf, ==, "0.1");
    tool_value_format(1.0 / 3, buf);
    g_assert_true(tool_value_parse(buf, &v) && v == 1.0 / 3);
    tool_value_format(NAN, buf);
    g_assert_cmpstr(buf, ==, "NaN");
    tool_value_format(-INFINITY, buf);
    g_assert_cmpstr(buf, ==, "-Inf");
    g_assert_true(tool_value_parse("+Inf", &v) && isinf(v) && v > 0);
    g_assert_false(tool_value_parse("1,5", &v));
}

static void
test_values_human(void)
{
    static const struct {
        const char *name;
        double value;
        const char *want;
    } cases[] = {
        {"mem_bytes", 4096, "4 KiB"},
        {"mem_bytes", 13005312, "12.4 MiB"},
        {"disk_read_bytes_total", 512, "512 B"},
        {"mem_bytes", 0, "0 B"},
        {"exit_latency_seconds", 0.0032, "3.2 ms"},
        {"cpu_seconds_total", 5400, "1.5 h"},
        {"wait_seconds", 2.5e-7, "250 ns"},
        {"vcpu_exits_total", 12984300, "12.98M"},
        {"vcpu_exits_total", 999, "999"},
        {"temperature", -1500, "-1.5k"},
        {"mem_bytes", NAN, "NaN"},
        {"x_seconds", INFINITY, "+Inf"},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        char buf[TOOL_VALUE_BUF];
        tool_value_format_human(cases[i].value, tool_unit_of_name(cases[i].name), buf);
        g_assert_cmpstr(buf, ==, cases[i].want);
    }
    g_assert_cmpint(tool_unit_of_name("bytes"), ==, TOOL_UNIT_NONE);
    g_assert_cmpint(tool_unit_of_name("x_seconds_total"), ==, TOOL_UNIT_SECONDS);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/selector/name-only", test_name_only);
    g_test_add_func("/selector/operators", test_operators);
    g_test_add_func("/selector/name-matcher", test_name_matcher);
    g_test_add_func("/selector/missing-label", test_missing_label);
    g_test_add_func("/selector/escapes", test_escapes);
    g_test_add_func("/selector/errors", test_errors);
    g_test_add_func("/selector/series-form", test_series_form);
    g_test_add_func("/selector/prefix", test_prefix);
    g_test_add_func("/timespec/durations", test_durations);
    g_test_add_func("/timespec/times", test_times);
    g_test_add_func("/import/lines", test_import_lines);
    g_test_add_func("/value/format", test_values);
    g_test_add_func("/value/human", test_values_human);
    return g_test_run();
}
