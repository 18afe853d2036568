/* regex-cache.c - label matchers' compiled expressions, kept for the next
 * matcher with the same one.
 *
 * Why: rondod parses every query anew, and dashboards send the same few
 * selectors at every refresh. Compiling `code=~"2.."` (PCRE2, then its JIT
 * on the first match) cost a small query about as much as reading its
 * points: 8 % of rondod's time on `http_requests_total{code=~"2.."}`
 * (perf, 2026-12-03). A GRegex never changes once compiled and is
 * thread-safe to match with, so one compiled copy serves every matcher,
 * on any thread.
 *
 * Bounded: two generations of at most CACHE_GENERATION expressions each.
 * A lookup looks in the current one, then in the previous one (and moves
 * a hit to the current one); when the current one is full it becomes the
 * previous one and the old previous one is dropped. An expression in use
 * every generation stays; a burst of new ones costs at most two
 * generations' memory (128 expressions of 50 bytes with their JIT code:
 * 1.2 MB of RSS, measured). Expressions longer than CACHE_MAX_PATTERN are
 * compiled every time and not kept.
 */
#include "config.h"
#include "internal.h"

#include <string.h>

enum {
    CACHE_GENERATION = 64,
    CACHE_MAX_PATTERN = 256,
};

static GMutex cache_lock;
static GHashTable *cache_current, *cache_previous; /* pattern -> GRegex */

static GHashTable *
cache_table_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_regex_unref);
}

/* The suite's one rule for a matcher's expression: anchored as
 * ^(?:value)$, as Prometheus anchors it, and G_REGEX_DOLLAR_ENDONLY so that
 * $ matches only at the very end, as RE2 does, where PCRE's default also
 * matches before a final line feed. */
static GRegex *
regex_compile(const char *value, GError **error)
{
    g_autofree char *anchored = g_strdup_printf("^(?:%s)$", value);
    GRegex *regex = g_regex_new(anchored, G_REGEX_OPTIMIZE | G_REGEX_DOLLAR_ENDONLY, 0, error);
    /* GLib 2.74 compiles the JIT code on a GRegex's first match and writes
     * the GRegex then: done here, while no other thread can see it. */
    if (regex != NULL)
        (void)g_regex_match(regex, "", 0, NULL);
    return regex;
}

/* Under cache_lock: keeps @regex (a reference of its own) for @value. */
static void
cache_insert(const char *value, GRegex *regex)
{
    if (cache_current == NULL)
        cache_current = cache_table_new();
    if (g_hash_table_size(cache_current) >= CACHE_GENERATION) {
        g_clear_pointer(&cache_previous, g_hash_table_unref);
        cache_previous = g_steal_pointer(&cache_current);
        cache_current = cache_table_new();
    }
    g_hash_table_replace(cache_current, g_strdup(value), g_regex_ref(regex));
}

/* Under cache_lock: the kept copy of @value, referenced, or NULL. */
static GRegex *
cache_lookup(const char *value)
{
    GRegex *regex = cache_current != NULL ? g_hash_table_lookup(cache_current, value) : NULL;
    if (regex != NULL)
        return g_regex_ref(regex);
    gpointer key = NULL, found = NULL;
    if (cache_previous == NULL || !g_hash_table_steal_extended(cache_previous, value, &key, &found))
        return NULL;
    cache_insert(value, found); /* still in use: into the current generation */
    g_free(key);
    return found; /* the previous generation's reference, now the caller's */
}

GRegex *
rondo_regex_cache_get(const char *value, GError **error)
{
    g_return_val_if_fail(value != NULL, NULL);
    if (strlen(value) > CACHE_MAX_PATTERN)
        return regex_compile(value, error);
    g_mutex_lock(&cache_lock);
    GRegex *regex = cache_lookup(value);
    g_mutex_unlock(&cache_lock);
    if (regex != NULL)
        return regex;
    /* Compiled outside the lock; two threads may both compile it, the
     * second copy replaces the first (each caller keeps its own). */
    regex = regex_compile(value, error);
    if (regex == NULL)
        return NULL;
    g_mutex_lock(&cache_lock);
    cache_insert(value, regex);
    g_mutex_unlock(&cache_lock);
    return regex;
}

guint
rondo_regex_cache_size(void)
{
    g_mutex_lock(&cache_lock);
    guint n = (cache_current != NULL ? g_hash_table_size(cache_current) : 0) +
              (cache_previous != NULL ? g_hash_table_size(cache_previous) : 0);
    g_mutex_unlock(&cache_lock);
    return n;
}
