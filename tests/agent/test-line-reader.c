/* test-line-reader.c - bounded line splitting (agent/line-reader.c). */
#include "config.h"

#include <string.h>

#include "line-reader.h"

static void
collect(const char *line, gsize len, gpointer data)
{
    g_ptr_array_add(data, g_strndup(line, len));
}

static void
test_split(void)
{
    LineReader lr;
    line_reader_init(&lr, 64);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    const char *stream = "one\ntwo\n\nthr";
    /* byte by byte, as the worst pipe would give it */
    for (gsize i = 0; i < strlen(stream); i++)
        line_reader_feed(&lr, stream + i, 1, collect, lines);
    g_assert_cmpuint(lines->len, ==, 3);
    g_assert_cmpstr(lines->pdata[0], ==, "one");
    g_assert_cmpstr(lines->pdata[2], ==, "");
    g_assert_cmpuint(line_reader_pending(&lr), ==, 3);
    line_reader_feed(&lr, "ee\nfour\n", 8, collect, lines);
    g_assert_cmpstr(lines->pdata[3], ==, "three");
    g_assert_cmpstr(lines->pdata[4], ==, "four");
    g_assert_cmpuint(line_reader_pending(&lr), ==, 0);
    line_reader_clear(&lr);
}

static void
test_oversized(void)
{
    LineReader lr;
    line_reader_init(&lr, 8);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    line_reader_feed(&lr, "12345678\n123456789", 18, collect, lines);
    g_assert_cmpuint(lr.oversized, ==, 1);
    g_assert_cmpuint(line_reader_pending(&lr), ==, 1); /* inside the long line */
    for (int i = 0; i < 1000; i++)
        line_reader_feed(&lr, "xxxxxxxxxx", 10, collect, lines);
    g_assert_cmpuint(lr.buf->len, ==, 0);
    line_reader_feed(&lr, "x\nok\n", 5, collect, lines);
    g_assert_cmpuint(lines->len, ==, 2);
    g_assert_cmpstr(lines->pdata[0], ==, "12345678");
    g_assert_cmpstr(lines->pdata[1], ==, "ok");
    g_assert_cmpuint(lr.oversized, ==, 1);
    line_reader_clear(&lr);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/line-reader/split", test_split);
    g_test_add_func("/line-reader/oversized", test_oversized);
    return g_test_run();
}
