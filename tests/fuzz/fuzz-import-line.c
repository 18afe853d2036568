/* fuzz-import-line.c - `rondo import` lines (tools/import-line.c).
 *
 * Input: one line, cut at its first NUL and at TOOL_IMPORT_LINE_MAX bytes
 * as `rondo import` cuts it, parsed as each --format reads it (with and
 * without --now). Oracles beyond the sanitizers: an accepted
 * line has a name, name-value label pairs and a timestamp in the range a
 * store keeps; a refusal always says why. (What the store refuses beyond
 * the syntax, such as a label value that is not UTF-8, is refused when the
 * series is registered, line by line, and is not this parser's job.)
 * The same text as a comment line (tools/import-meta.c): a # HELP text
 * comes back valid UTF-8 of at most RONDO_HELP_MAX bytes.
 * The series the line starts with, read by rondod's PromQL parser, selects
 * the same: both call one grammar (src/promql-selector.c), and PromQL may
 * refuse it only where the tools allow more (a name PromQL reads as an
 * operator or a number, text that is not UTF-8 or too long).
 */
#include "config.h"
#include <string.h>
#include "fuzz.h"
#include "import-line.h"
#include "import-meta.h"
#include "promql-selector.h"
#include "promql.h"
#include "rondo.h"
#include "selector.h"

#define NOW_NS (G_GUINT64_CONSTANT(1700000000) * G_GUINT64_CONSTANT(1000000000))

static void
parse_one(const char *text, const ToolImportOptions *options)
{
    ToolImportLine line = {0};
    g_autoptr(GError) error = NULL;
    if (!tool_import_line_parse(text, options, &line, &error)) {
        if (error == NULL || error->message[0] == '\0')
            fuzz_fail("a line refused without a message");
        return;
    }
    if (line.t_ns < RONDO_TIME_MIN_NS || line.t_ns >= RONDO_TIME_MAX_NS)
        fuzz_fail("timestamp %" G_GUINT64_FORMAT " accepted out of range", line.t_ns);
    if (line.name == NULL || line.labels == NULL || g_strv_length(line.labels) % 2 != 0)
        fuzz_fail("an accepted line without a name or with odd labels");
    tool_import_line_clear(&line);
}

/* Whether rondod may read a selector the tools take otherwise: its name
 * alone is no selector to PromQL (bool, inf, ...), or the text is too long
 * or not UTF-8 for an expression. */
static gboolean
promql_may_differ(const char *selector)
{
    const char *p = promql_skip_blanks(selector);
    g_autofree char *name = g_strndup(p, promql_name_length(p));
    g_autoptr(Node) alone = name[0] != '\0' ? promql_parse(name, NULL) : NULL;
    return (name[0] != '\0' && (alone == NULL || alone->kind != NODE_SELECTOR)) ||
           strlen(selector) > PROMQL_EXPR_MAX || !g_utf8_validate(selector, -1, NULL);
}

static void
same_as_promql(const char *text)
{
    gsize len = 0;
    g_autoptr(ToolSelector) sel = tool_selector_parse_prefix(text, &len, NULL);
    if (sel == NULL)
        return;
    g_autofree char *selector = g_strndup(text, len);
    g_autoptr(GError) error = NULL;
    g_autoptr(Node) n = promql_parse(selector, &error);
    if (n == NULL || n->kind != NODE_SELECTOR) {
        if (!promql_may_differ(selector))
            fuzz_fail("the tools take “%s”, rondod does not: %s", selector,
                      error ? error->message : "no selector");
        return;
    }
    if (n->matchers->len != tool_selector_get_n_matchers(sel))
        fuzz_fail("“%s” is another selector to rondod", selector);
    for (guint i = 0; i < n->matchers->len; i++) {
        const Matcher *m = g_ptr_array_index(n->matchers, i);
        RondoMatchOp op;
        const char *value, *label = tool_selector_get_matcher(sel, i, &op, &value);
        if (!g_str_equal(label, m->label) || (int)op != (int)m->op || !g_str_equal(value, m->value))
            fuzz_fail("“%s”: matcher %u differs for rondod", selector, i);
    }
}

static void
describe_one(const char *text)
{
    g_autoptr(GHashTable) meta = tool_import_meta_new();
    g_autofree char *comment = g_strconcat("# HELP ", text, NULL);
    tool_import_meta_read(meta, text);
    tool_import_meta_read(meta, comment);
    g_auto(GStrv) w = g_strsplit(text, " ", 2);
    RondoSeriesSpec spec = {0};
    tool_import_meta_describe(meta, w[0] ? w[0] : "", &spec);
    if (spec.help != NULL &&
        (strlen(spec.help) > RONDO_HELP_MAX || !g_utf8_validate(spec.help, -1, NULL)))
        fuzz_fail("a help text of %zu bytes or not UTF-8", strlen(spec.help));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ToolImportOptions formats[] = {
        {TOOL_IMPORT_FORMAT_PROMETHEUS, NOW_NS},
        {TOOL_IMPORT_FORMAT_OPENMETRICS, NOW_NS},
        {TOOL_IMPORT_FORMAT_RONDO, NOW_NS},
    };
    fuzz_init();
    g_autofree char *text = g_strndup((const char *)data, MIN(size, TOOL_IMPORT_LINE_MAX));
    guint64 ns;

    (void)tool_import_timestamp_parse(text, &ns);
    describe_one(text);
    same_as_promql(text);
    parse_one(text, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
        parse_one(text, &formats[i]);
    return 0;
}
