/* test-regex-cache.c - label matchers share their compiled expressions
 * (lib/regex-cache.c): the same rule as before, a bounded cache, and
 * threads matching with one copy at once. */
#include "config.h"
#include <string.h>
#include "internal.h"

static RondoMatcher *
regex_matcher(const char *value)
{
    g_autoptr(GError) error = NULL;
    RondoMatcher *m = rondo_matcher_new("l", RONDO_MATCH_REGEX, value, &error);
    g_assert_no_error(error);
    return m;
}

/* Two matchers of one expression share its compiled copy, and the rule
 * (anchored, `$` at the very end only) is the one every matcher had. */
static void
test_shared(void)
{
    RondoMatcher *a = regex_matcher("2..");
    RondoMatcher *b = regex_matcher("2..");
    RondoMatcher *c = regex_matcher("io$");
    g_assert_true(rondo_matcher_get_regex(a) == rondo_matcher_get_regex(b));
    g_assert_true(rondo_matcher_get_regex(a) != rondo_matcher_get_regex(c));
    g_assert_true(rondo_matcher_matches_value(a, "200"));
    g_assert_false(rondo_matcher_matches_value(b, "2000"));
    g_assert_false(rondo_matcher_matches_value(b, "x200"));
    g_assert_true(rondo_matcher_matches_value(c, "io"));
    g_assert_false(rondo_matcher_matches_value(c, "io\n"));
    rondo_matcher_free(a);
    /* the cache's reference keeps b's copy alive and the same */
    RondoMatcher *d = regex_matcher("2..");
    g_assert_true(rondo_matcher_get_regex(d) == rondo_matcher_get_regex(b));
    rondo_matcher_free(b);
    rondo_matcher_free(c);
    rondo_matcher_free(d);
}

/* A bad expression is refused every time and kept nowhere. */
static void
test_bad(void)
{
    guint before = rondo_regex_cache_size();
    for (guint i = 0; i < 2; i++) {
        g_autoptr(GError) error = NULL;
        g_assert_null(rondo_matcher_new("l", RONDO_MATCH_REGEX, "(", &error));
        g_assert_error(error, RONDO_ERROR, RONDO_ERROR_INVALID);
    }
    g_assert_cmpuint(rondo_regex_cache_size(), ==, before);
}

/* Many expressions once each: the cache stays within two generations, and
 * one used all along keeps its copy. A long one is compiled, not kept. */
static void
test_bounded(void)
{
    RondoMatcher *hot = regex_matcher("hot.*");
    GRegex *hot_regex = rondo_matcher_get_regex(hot);
    for (guint i = 0; i < 1000; i++) {
        g_autofree char *value = g_strdup_printf("cold-%u|x", i);
        rondo_matcher_free(regex_matcher(value));
        g_assert_cmpuint(rondo_regex_cache_size(), <=, 128);
        if (i % 16 == 0) {
            RondoMatcher *again = regex_matcher("hot.*");
            g_assert_true(rondo_matcher_get_regex(again) == hot_regex);
            rondo_matcher_free(again);
        }
    }
    rondo_matcher_free(hot);

    g_autoptr(GString) big = g_string_new("a");
    while (big->len <= 256)
        g_string_append(big, "|a");
    guint before = rondo_regex_cache_size();
    RondoMatcher *m1 = regex_matcher(big->str);
    RondoMatcher *m2 = regex_matcher(big->str);
    g_assert_true(rondo_matcher_get_regex(m1) != rondo_matcher_get_regex(m2));
    g_assert_true(rondo_matcher_matches_value(m1, "a"));
    g_assert_false(rondo_matcher_matches_value(m2, "aa"));
    g_assert_cmpuint(rondo_regex_cache_size(), ==, before);
    rondo_matcher_free(m1);
    rondo_matcher_free(m2);
}

enum { THREADS = 4, PATTERNS = 40, ROUNDS = 50 };

/* Each thread makes matchers of the same new expressions and matches with
 * them while the others do: the copies they share give every answer right. */
static gpointer
match_thread(gpointer data)
{
    const char *tag = data;
    for (guint r = 0; r < ROUNDS; r++) {
        for (guint p = 0; p < PATTERNS; p++) {
            g_autofree char *value = g_strdup_printf("%s-%u-[0-9]+", tag, p);
            g_autofree char *yes = g_strdup_printf("%s-%u-%u", tag, p, r);
            g_autofree char *no = g_strdup_printf("%s-%u-x", tag, p);
            RondoMatcher *m = regex_matcher(value);
            g_assert_true(rondo_matcher_matches_value(m, yes));
            g_assert_false(rondo_matcher_matches_value(m, no));
            rondo_matcher_free(m);
        }
    }
    return NULL;
}

static void
test_threads(void)
{
    GThread *threads[THREADS];
    for (guint i = 0; i < THREADS; i++)
        threads[i] = g_thread_new("match", match_thread, (gpointer) "shared");
    for (guint i = 0; i < THREADS; i++)
        g_thread_join(threads[i]);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/regex-cache/shared", test_shared);
    g_test_add_func("/regex-cache/bad", test_bad);
    g_test_add_func("/regex-cache/bounded", test_bounded);
    g_test_add_func("/regex-cache/threads", test_threads);
    return g_test_run();
}
