/* fuzz-http-head.c - rondod's reader of the request heads it answers without
 * libsoup (src/http-head.c).
 *
 * Input: the bytes a connection sent, as conns.c peeks them (at most 8 KiB).
 * Oracles beyond the sanitizers: a head taken is a GET of HTTP/1.1 ending in
 * its blank line; its path starts with '/' and holds neither '%' nor '?';
 * path, query and token lie inside the input, hold only visible ASCII (the
 * token blanks too, but not at its ends), and the token comes from an
 * Authorization line.
 */
#include "config.h"
#include <string.h>
#include "fuzz.h"
#include "http-head.h"

#define PEEK_MAX 8192

static void
check_span(const char *what, const char *p, gsize len, const uint8_t *data, size_t size,
           gboolean blanks)
{
    if (p < (const char *)data || p + len > (const char *)data + size)
        fuzz_fail("the %s lies outside the input", what);
    for (gsize i = 0; i < len; i++) {
        char ch = p[i];
        gboolean blank = ch == ' ' || ch == '\t';
        if (!(ch > 0x20 && ch < 0x7f) && !(blanks && blank && i > 0 && i + 1 < len))
            fuzz_fail("the %s holds byte 0x%02x at %zu", what, (guint)(guchar)ch, i);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    size = MIN(size, PEEK_MAX);
    HttpHead h;
    if (!http_head_parse((const char *)data, size, &h))
        return 0;
    if (size < 4 || memcmp(data, "GET /", 5) != 0 || memcmp(data + size - 4, "\r\n\r\n", 4) != 0)
        fuzz_fail("a head taken that is not a GET ending in its blank line");
    if (h.path_len == 0 || h.path[0] != '/' || memchr(h.path, '%', h.path_len) ||
        memchr(h.path, '?', h.path_len))
        fuzz_fail("a path taken with '%%' or '?', or without its '/'");
    check_span("path", h.path, h.path_len, data, size, FALSE);
    if (h.query != NULL)
        check_span("query", h.query, h.query_len, data, size, FALSE);
    if (h.authorization != NULL) {
        check_span("token", h.authorization, h.authorization_len, data, size, TRUE);
        g_autofree char *lower = g_ascii_strdown((const char *)data, (gssize)size);
        if (strstr(lower, "\nauthorization:") == NULL)
            fuzz_fail("a token without an Authorization line");
    }
    return 0;
}
