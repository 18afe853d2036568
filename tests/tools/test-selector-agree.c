/* test-selector-agree.c - rondod's PromQL and the tools read a selector alike.
 *
 * Both front ends call one grammar (src/promql-selector.c): promql_parse(),
 * which rondod answers with, and tool_selector_parse(), which rondo query,
 * rondo import and rondo-query use. Each selector of the table goes through
 * both: they must accept the same ones with the same matchers, and refuse
 * the others at the same character with the same message. The column each
 * refusal is expected at is Prometheus 2.42's (its API's "1:COL: parse
 * error"), asked of Debian 12's prometheus when the table was written.
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "promql.h"
#include "selector.h"

typedef struct {
    const char *text;
    guint col;   /* 0: valid; else where Prometheus 2.42 points, 1-based */
    gboolean in; /* the refusal is the selector's own, so is the message */
} Case;

static const Case cases[] = {
    {"x", 0, FALSE},
    {"ns:metric_1", 0, FALSE},
    {"  x  ", 0, FALSE},
    {"x{}", 0, FALSE},
    {"x { a = \"b\" }", 0, FALSE},
    {"x\t{a=\"b\"}", 0, FALSE},
    {"x{ a = \"b\" , c = 'd' , }", 0, FALSE},
    {"{a=\"b\",}", 0, FALSE},
    {"x{a=\"b\" ,}", 0, FALSE},
    {"x{a!=\"b\"}", 0, FALSE},
    {"x{a=~\"b\"}", 0, FALSE},
    {"x{a!~\"b\"}", 0, FALSE},
    {"{a=~\".+\"}", 0, FALSE},
    {"{a!~\"\"}", 0, FALSE},
    {"{__name__=\"x\"}", 0, FALSE},
    {"{__name__=~\"x.*\"}", 0, FALSE},
    {"{__name__=\"x\",__name__=\"y\"}", 0, FALSE},
    {"x{a=\"1\",a=\"2\"}", 0, FALSE},
    {"x{a=\"\\u00fc\\x41\\101\\n\"}", 0, FALSE},
    {"x{a=`\\u00fc`}", 0, FALSE},
    {"x{a='b'}", 0, FALSE},
    {"x{a=\"\xc3\xbc\"}", 0, FALSE},
    {"x{a=\"b\"} # a comment", 0, FALSE},
    {"x{a=\"b\" # a comment\n}", 0, FALSE},
    {"x{offset=\"a\", by=\"b\", sum=\"c\"}", 0, FALSE},
    {"x{_=\"a\", __a=\"b\", A_1=\"c\"}", 0, FALSE},
    /* keywords Prometheus' grammar takes as metric names */
    {"sum", 0, FALSE},
    {"offset", 0, FALSE},
    {"by", 0, FALSE},
    {"and", 0, FALSE},
    {"or", 0, FALSE},
    {"unless", 0, FALSE},
    {"without", 0, FALSE},
    {"start", 0, FALSE},
    {"Offset{a=\"b\"}", 0, FALSE},
    {"sum{a=\"b\"}", 0, FALSE},
    {"_", 0, FALSE},
    {":", 0, FALSE},
    {"__name__", 0, FALSE},
    /* refused */
    {"{}", 1, TRUE},
    {"{a=\"\"}", 1, TRUE},
    {"{a=~\".*\"}", 1, TRUE},
    {"{a!=\"x\"}", 1, TRUE},
    {"x{__name__=\"y\"}", 1, TRUE},
    {"x{__name__=~\"x\"}", 1, TRUE},
    {"x{,}", 3, TRUE},
    {"x{a=\"b\",,}", 9, TRUE},
    {"x{a:b=\"c\"}", 4, TRUE},
    {"x{:a=\"c\"}", 3, TRUE},
    {"x{1a=\"c\"}", 3, TRUE},
    {"x{\xc3\xbc=\"a\"}", 3, TRUE},
    {"x{\"a\"=\"b\"}", 3, TRUE},
    {"x{{a=\"b\"}}", 3, TRUE},
    {"x{\fa=\"b\"}", 3, TRUE},
    {"x{a}", 4, TRUE},
    {"x{a!\"b\"}", 4, TRUE},
    {"x{a~\"b\"}", 4, TRUE},
    {"x{a=}", 5, TRUE},
    {"x{a==\"\"}", 5, TRUE},
    {"x{a=!\"b\"}", 5, TRUE},
    {"x{a=b}", 5, TRUE},
    {"x{a=\"b\"", 8, TRUE},
    {"x{a=\"b\" c=\"d\"}", 9, TRUE},
    {"x{a=\"b\"c}", 8, TRUE},
    {"x{a=\"b\" # a comment", 20, TRUE},
    {"x{a=~\"(\"}", 3, TRUE},
    {"x{a=\"\\q\"}", 5, TRUE},
    {"x{a=\"\\'\"}", 5, TRUE},
    {"x{a='\\\"'}", 5, TRUE},
    {"x{a=\"\\ud800\"}", 5, TRUE},
    {"x{a=`b}", 5, TRUE},
    {"x{a=\"b\\", 5, TRUE},
    {"x{a=\"b\nc\"}", 5, TRUE},
    /* refused after the selector, each front end in its own words */
    {"x{a=\"b\"}}", 9, FALSE},
    {"x}", 2, FALSE},
    {"x y", 3, FALSE},
    {"{a=\"b\"}x", 8, FALSE},
    {"x\v", 2, FALSE},
    {"}", 1, FALSE},
};

/* The 1-based position in "... at char N: MESSAGE", and the message. */
static guint
position_of(const char *message, const char **ret_text)
{
    const char *at = strstr(message, "at char ");
    g_assert_nonnull(at);
    char *end = NULL;
    guint col = (guint)strtoul(at + strlen("at char "), &end, 10);
    g_assert_true(g_str_has_prefix(end, ": "));
    *ret_text = end + 2;
    return col;
}

/* The selector's matchers as both front ends keep them. */
static void
assert_same_matchers(const Node *n, const ToolSelector *sel, const char *text)
{
    g_assert_cmpint(n->kind, ==, NODE_SELECTOR);
    g_assert_cmpuint(n->matchers->len, ==, tool_selector_get_n_matchers(sel));
    for (guint i = 0; i < n->matchers->len; i++) {
        const Matcher *m = g_ptr_array_index(n->matchers, i);
        RondoMatchOp op;
        const char *value;
        const char *label = tool_selector_get_matcher(sel, i, &op, &value);
        if (!g_str_equal(label, m->label) || (int)op != (int)m->op || !g_str_equal(value, m->value))
            g_error("“%s”: matcher %u differs", text, i);
    }
}

static void
test_agree(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const Case *c = &cases[i];
        g_autoptr(GError) promql_error = NULL, tool_error = NULL;
        g_autoptr(Node) n = promql_parse(c->text, &promql_error);
        g_autoptr(ToolSelector) sel = tool_selector_parse(c->text, &tool_error);
        if (c->col == 0) {
            if (n == NULL || sel == NULL)
                g_error("“%s” refused: %s", c->text,
                        n == NULL ? promql_error->message : tool_error->message);
            assert_same_matchers(n, sel, c->text);
            continue;
        }
        if (n != NULL || sel != NULL)
            g_error("“%s” accepted by %s", c->text, n != NULL ? "rondod" : "the tools");
        const char *promql_text, *tool_text;
        guint promql_col = position_of(promql_error->message, &promql_text);
        guint tool_col = position_of(tool_error->message, &tool_text);
        if (promql_col != c->col || tool_col != c->col ||
            (c->in && !g_str_equal(promql_text, tool_text)))
            g_error("“%s”: want char %u, rondod: %s; tools: %s", c->text, c->col,
                    promql_error->message, tool_error->message);
    }
}

/* Any metric name is a series' name in an import line or on the command
 * line; rondod's PromQL refuses the keywords Prometheus' grammar does. */
static void
test_keyword_names(void)
{
    static const char *const words[] = {"bool",        "on",    "ignoring", "group_left",
                                        "group_right", "atan2", "BOOL",     "On"};
    for (gsize i = 0; i < G_N_ELEMENTS(words); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ToolSelector) sel = tool_selector_parse(words[i], &error);
        g_assert_no_error(error);
        g_autoptr(Node) n = promql_parse(words[i], &error);
        g_assert_null(n);
        g_autofree char *want =
            g_strdup_printf("parse error at char 1: unexpected \"%s\"", words[i]);
        g_assert_cmpstr(error->message, ==, want);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/selector/agree", test_agree);
    g_test_add_func("/selector/keyword-names", test_keyword_names);
    return g_test_run();
}
