/* test-doc.c - the store's own JSON reader and writer (lib/doc.h).
 *
 * meta.json, series.json and the drain cursors are input when read: a
 * damaged or foreign file must be refused with an error that says what is
 * wrong, never accepted in part or crash. Each case below is one rule of
 * RFC 8259 the parser enforces, or one accessor's answer to a node of the
 * wrong type. The writer's output is checked byte for byte (the files look
 * as json-glib wrote them before 0.10) and read back.
 */
#include "config.h"
#include <string.h>
#include "doc.h"
#include "internal.h"
#include "json-guard.h"
#include "testutil.h"

static RondoDocNode *
parse(const char *text, GError **error)
{
    return rondo_doc_parse(text, strlen(text), "test.json", error);
}

static void
test_parse_values(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoDocNode) o =
        parse(" {\"s\" : \"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00fc\\ud83d\\ude00ü\", \"i\": -42,"
              "\"max\": 9223372036854775807, \"min\": -9223372036854775808,"
              "\"big\": 9223372036854775808, \"zero\": -0, \"f\": 1.5, \"e\": 1e3,"
              "\"t\": true, \"n\": null, \"a\": [1, \"x\", {}, []], \"o\": {\"b\": 2, \"a\": 1}}\n",
              &error);
    g_assert_no_error(error);
    g_assert_nonnull(o);
    g_assert_cmpstr(rondo_doc_get_string(o, "s"), ==, "a\"\\/\b\f\n\r\tü😀ü");
    gint64 v = 7;
    g_assert_true(rondo_doc_get_int(o, "i", G_MININT64, G_MAXINT64, &v));
    g_assert_cmpint(v, ==, -42);
    g_assert_false(rondo_doc_get_int(o, "i", 0, 10, &v)); /* out of the caller's range */
    g_assert_cmpint(v, ==, -42);
    g_assert_true(rondo_doc_get_int(o, "max", 0, G_MAXINT64, &v));
    g_assert_cmpint(v, ==, G_MAXINT64);
    g_assert_true(rondo_doc_get_int(o, "min", G_MININT64, 0, &v));
    g_assert_cmpint(v, ==, G_MININT64);
    g_assert_true(rondo_doc_get_int(o, "zero", 0, 0, &v));
    /* Numbers that are not int64 integers, and literals: no integer. */
    const char *others[] = {"big", "f", "e", "t", "n", "s", "a", "o", "absent"};
    for (guint i = 0; i < G_N_ELEMENTS(others); i++)
        g_assert_false(rondo_doc_get_int(o, others[i], G_MININT64, G_MAXINT64, &v));
    g_assert_null(rondo_doc_get_string(o, "i"));

    const RondoDocNode *a = rondo_doc_get(o, "a");
    g_assert_true(rondo_doc_is_array(a));
    g_assert_false(rondo_doc_is_object(a));
    g_assert_cmpuint(rondo_doc_length(a), ==, 4);
    g_assert_true(rondo_doc_int(rondo_doc_at(a, 0), 1, 1, &v));
    g_assert_cmpstr(rondo_doc_string(rondo_doc_at(a, 1)), ==, "x");
    g_assert_true(rondo_doc_is_object(rondo_doc_at(a, 2)));
    g_assert_true(rondo_doc_is_array(rondo_doc_at(a, 3)));
    g_assert_null(rondo_doc_at(a, 4));
    g_assert_null(rondo_doc_name_at(a, 0)); /* an array has no names */
    g_assert_null(rondo_doc_get(a, "x"));   /* nor members */

    /* Members keep the file's order (a series' labels do). */
    const RondoDocNode *m = rondo_doc_get(o, "o");
    g_assert_cmpuint(rondo_doc_length(m), ==, 2);
    g_assert_cmpstr(rondo_doc_name_at(m, 0), ==, "b");
    g_assert_cmpstr(rondo_doc_name_at(m, 1), ==, "a");
    g_assert_true(rondo_doc_int(rondo_doc_at(m, 1), 1, 1, &v));
    g_assert_null(rondo_doc_name_at(m, 2));

    /* NULL anywhere in a chain answers NULL, 0 or FALSE. */
    g_assert_null(rondo_doc_get(NULL, "a"));
    g_assert_null(rondo_doc_get_string(rondo_doc_get(o, "absent"), "x"));
    g_assert_cmpuint(rondo_doc_length(NULL), ==, 0);
    g_assert_cmpuint(rondo_doc_length(rondo_doc_get(o, "s")), ==, 0);
    g_assert_null(rondo_doc_at(NULL, 0));
    g_assert_false(rondo_doc_is_array(NULL));
}

/* Each text is refused with RONDO_ERROR_CORRUPT, a message naming the
 * input and saying why. */
static void
test_parse_refused(void)
{
    static const struct {
        const char *text, *why;
    } cases[] = {
        {"", "not an object"},
        {"  ", "not an object"},
        {"[1]", "not an object"},
        {"\"x\"", "not an object"},
        {"{", "name in quotes"},
        {"{\"a\":", "ends where a value"},
        {"{\"a\"}", "colon"},
        {"{\"a\" 1}", "colon"},
        {"{a: 1}", "name in quotes"},
        {"{\"a\": 1,}", "name in quotes"},
        {"{\"a\": [1,]}", "value expected"},
        {"{\"a\": [1 2]}", "comma or ]"},
        {"{\"a\": 1 \"b\": 2}", "comma or }"},
        {"{\"a\": 01}", "comma or }"},
        {"{\"a\": -}", "digit"},
        {"{\"a\": 1.}", "digit"},
        {"{\"a\": 1e}", "digit"},
        {"{\"a\": .5}", "value expected"},
        {"{\"a\": +1}", "value expected"},
        {"{\"a\": NaN}", "value expected"},
        {"{\"a\": tru}", "value expected"},
        {"{\"a\": \"x}", "ends inside a string"},
        {"{\"a\": \"\\x\"}", "unknown escape"},
        {"{\"a\": \"\\u12\"}", "four hexadecimal"},
        {"{\"a\": \"\\u0000\"}", "NUL"},
        {"{\"a\": \"\\ud800\"}", "high surrogate"},
        {"{\"a\": \"\\ud800\\u0041\"}", "high surrogate"},
        {"{\"a\": \"\\udc00\"}", "low surrogate"},
        {"{\"a\": \"\xff\"}", "UTF-8"},
        {"{\"a\": \"\xed\xa0\x80\"}", "UTF-8"}, /* a surrogate encoded */
        {"{\"a\": \"tab\there\"}", "control character"},
        {"{\"a\": 1, \"a\": 2}", "twice"},
        {"{} x", "after the document"},
        {"{}{}", "after the document"},
        {"{} // comment", "after the document"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(RondoDocNode) o = parse(cases[i].text, &error);
        if (o != NULL || !g_error_matches(error, RONDO_ERROR, RONDO_ERROR_CORRUPT) ||
            !strstr(error->message, "test.json") || !strstr(error->message, cases[i].why))
            g_error("case %u (%s): %s", i, cases[i].text, error ? error->message : "accepted");
    }
    /* The length bounds the text: no NUL terminator is needed or read. */
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoDocNode) cut = rondo_doc_parse("{\"a\": 12345}", 9, "test.json", &error);
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT);
    g_assert_null(cut);
}

static void
test_parse_depth(void)
{
    /* The object is one level, each array one more. */
    g_autofree char *fine = test_json_nested(RONDO_JSON_DEPTH_MAX - 1);
    g_autofree char *deep = test_json_nested(RONDO_JSON_DEPTH_MAX);
    g_autofree char *very = test_json_nested(100000);
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoDocNode) ok = parse(fine, &error);
    g_assert_no_error(error);
    g_assert_nonnull(ok);
    g_autoptr(RondoDocNode) refused = parse(deep, &error);
    g_assert_null(refused);
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT);
    g_assert_nonnull(strstr(error->message, "nested deeper than 64"));
    g_clear_error(&error);
    g_autoptr(RondoDocNode) refused_too = parse(very, &error);
    g_assert_null(refused_too);
    g_assert_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT);
}

static char *
write_sample(gboolean pretty, const char *text)
{
    RondoDocWriter w;
    rondo_doc_writer_init(&w, pretty);
    rondo_doc_write_begin_object(&w, NULL);
    rondo_doc_write_string(&w, "s", text);
    rondo_doc_write_int(&w, "i", G_MININT64);
    rondo_doc_write_begin_array(&w, "a");
    rondo_doc_write_int(&w, NULL, 1);
    rondo_doc_write_begin_object(&w, NULL);
    rondo_doc_write_end_object(&w);
    rondo_doc_write_begin_array(&w, NULL);
    rondo_doc_write_end_array(&w);
    rondo_doc_write_end_array(&w);
    rondo_doc_write_begin_object(&w, "o");
    rondo_doc_write_string(&w, "k", "v");
    rondo_doc_write_end_object(&w);
    rondo_doc_write_end_object(&w);
    gsize len = 0;
    char *out = rondo_doc_writer_finish(&w, &len);
    g_assert_cmpuint(len, ==, strlen(out));
    return out;
}

static void
test_write(void)
{
    g_autofree char *pretty = write_sample(TRUE, "x");
    g_assert_cmpstr(pretty, ==,
                    "{\n"
                    "  \"s\" : \"x\",\n"
                    "  \"i\" : -9223372036854775808,\n"
                    "  \"a\" : [\n"
                    "    1,\n"
                    "    {},\n"
                    "    []\n"
                    "  ],\n"
                    "  \"o\" : {\n"
                    "    \"k\" : \"v\"\n"
                    "  }\n"
                    "}\n");
    g_autofree char *compact = write_sample(FALSE, "x");
    g_assert_cmpstr(compact, ==,
                    "{\"s\":\"x\",\"i\":-9223372036854775808,\"a\":[1,{},[]],\"o\":{\"k\":\"v\"}}");
}

/* Every byte a store's strings may hold survives writing and reading. */
static void
test_write_round_trip(void)
{
    GString *all = g_string_new(NULL);
    for (guint c = 1; c < 0x80; c++)
        g_string_append_c(all, (char)c);
    g_string_append(all, "üß€😀\u2028");
    g_autofree char *text = g_string_free(all, FALSE);
    for (guint pretty = 0; pretty < 2; pretty++) {
        g_autofree char *out = write_sample(pretty, text);
        g_autoptr(GError) error = NULL;
        g_autoptr(RondoDocNode) o = parse(out, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(rondo_doc_get_string(o, "s"), ==, text);
        gint64 v = 0;
        g_assert_true(rondo_doc_get_int(o, "i", G_MININT64, 0, &v));
        g_assert_cmpint(v, ==, G_MININT64);
        g_assert_cmpstr(rondo_doc_get_string(rondo_doc_get(o, "o"), "k"), ==, "v");
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/doc/parse/values", test_parse_values);
    g_test_add_func("/doc/parse/refused", test_parse_refused);
    g_test_add_func("/doc/parse/depth", test_parse_depth);
    g_test_add_func("/doc/write/layout", test_write);
    g_test_add_func("/doc/write/round-trip", test_write_round_trip);
    return g_test_run();
}
