/* test-http-head.c - the strict request-head reader of rondod's quick answers
 * (src/http-head.c): what it takes, what it leaves to libsoup. Leaving a
 * request to libsoup is always safe; taking one libsoup would read
 * differently is the bug these cases look for. */
#include "config.h"

#include <string.h>

#include "http-head.h"

#define HOST "Host: 127.0.0.1:9464\r\n"

static gboolean
parse(const char *text, HttpHead *h)
{
    return http_head_parse(text, strlen(text), h);
}

static void
assert_span(const char *got, gsize len, const char *want)
{
    g_assert_nonnull(got);
    g_assert_cmpuint(len, ==, strlen(want));
    g_assert_cmpint(memcmp(got, want, len), ==, 0);
}

static void
test_takes(void)
{
    HttpHead h;
    g_assert_true(parse("GET /api/v1/query?query=up&time=1 HTTP/1.1\r\n" HOST
                        "User-Agent: Grafana/10\r\nAccept: */*\r\n\r\n",
                        &h));
    assert_span(h.path, h.path_len, "/api/v1/query");
    assert_span(h.query, h.query_len, "query=up&time=1");
    g_assert_null(h.authorization);

    /* the token, blanks around it dropped; names in any case; percent-encoding in the query */
    g_assert_true(parse("GET /api/v1/query_range?query=rate%28x%5B1m%5D%29 HTTP/1.1\r\n"
                        "hOsT:x\r\naUtHoRiZaTiOn: \t Bearer s3cret \t\r\n\r\n",
                        &h));
    assert_span(h.path, h.path_len, "/api/v1/query_range");
    assert_span(h.query, h.query_len, "query=rate%28x%5B1m%5D%29");
    assert_span(h.authorization, h.authorization_len, "Bearer s3cret");

    /* no query; an empty one */
    g_assert_true(parse("GET /healthz HTTP/1.1\r\n" HOST "\r\n", &h));
    assert_span(h.path, h.path_len, "/healthz");
    g_assert_null(h.query);
    g_assert_true(parse("GET /x? HTTP/1.1\r\n" HOST "\r\n", &h));
    assert_span(h.query, h.query_len, "");
    /* an empty value is a value */
    g_assert_true(parse("GET /x HTTP/1.1\r\n" HOST "X-Empty:\r\n\r\n", &h));
}

static void
test_leaves(void)
{
    const char *left[] = {
        "",
        "GET / HTTP/1.1\r\n" HOST, /* the blank line has not come */
        "GET / HTTP/1.1\r\n" HOST "\r",
        "GET / HTTP/1.1\r\n" HOST "\r\nGET / HTTP/1.1\r\n" HOST "\r\n", /* pipelined */
        "GET / HTTP/1.1\r\n" HOST "\r\nx",                              /* a body anyway */
        "POST /api/v1/query HTTP/1.1\r\n" HOST "\r\n",
        "HEAD /api/v1/query HTTP/1.1\r\n" HOST "\r\n",
        "get / HTTP/1.1\r\n" HOST "\r\n",
        "GET / HTTP/1.0\r\n" HOST "\r\n",
        "GET / HTTP/2\r\n" HOST "\r\n",
        "GET /  HTTP/1.1\r\n" HOST "\r\n",
        "GET http://x/api/v1/query HTTP/1.1\r\n" HOST "\r\n", /* absolute form */
        "GET * HTTP/1.1\r\n" HOST "\r\n",
        "GET /api/v1/%71uery HTTP/1.1\r\n" HOST "\r\n", /* libsoup decodes the path */
        "GET /x#frag HTTP/1.1\r\n" HOST "\r\n",
        "GET /x?q=#frag HTTP/1.1\r\n" HOST "\r\n",
        "GET /\xc3\xbc HTTP/1.1\r\n" HOST "\r\n",
        "GET / HTTP/1.1\r\n\r\n", /* HTTP/1.1 needs a Host */
        "GET / HTTP/1.1\r\n" HOST HOST "\r\n",
        "GET / HTTP/1.1\r\n" HOST "Authorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n",
        "GET / HTTP/1.1\r\n" HOST "Content-Length: 0\r\n\r\n",
        "GET / HTTP/1.1\r\n" HOST "Transfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\n" HOST "Expect: 100-continue\r\n\r\n",
        "GET / HTTP/1.1\r\n" HOST "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        "GET / HTTP/1.1\r\n" HOST "X-A: 1\r\n folded\r\n\r\n", /* obs-fold */
        "GET / HTTP/1.1\n" HOST "\r\n",                        /* bare LF */
        "GET / HTTP/1.1\r\nHost: x\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\r\n\r\n",
        "GET / HTTP/1.1\r\n" HOST "Host : y\r\n\r\n", /* a blank before the colon */
        "GET / HTTP/1.1\r\n" HOST ": y\r\n\r\n",
        "GET / HTTP/1.1\r\n" HOST "X-A y\r\n\r\n",
        "GET / HTTP/1.1\r\n" HOST "X-A: caf\xc3\xa9\r\n\r\n", /* obs-text */
        "GET / HTTP/1.1\r\n" HOST "X-A: a\x01z\r\n\r\n",
        "GET / HTTP/1.1\r\n" HOST "X-A: a\x7fz\r\n\r\n",
        "GET / HTTP/1.1\r\n" HOST "Authorization: Bearer a\0b\r\n\r\n",
    };
    for (guint i = 0; i < G_N_ELEMENTS(left); i++) {
        HttpHead h;
        if (parse(left[i], &h))
            g_error("case %u was taken: %s", i, left[i]);
    }
    /* a NUL inside: the length counts, not the string */
    static const char nul[] = "GET /x HTTP/1.1\r\nHost: a\0b\r\n\r\n";
    HttpHead h;
    g_assert_false(http_head_parse(nul, sizeof nul - 1, &h));
}

/* An answer's head as written for the bytes sent without libsoup. */
static void
test_writes(void)
{
    g_autoptr(GString) out = g_string_new(NULL);
    http_head_append_status(out, 200, "OK");
    http_head_append_status(out, 503, "Service Unavailable");
    http_head_append_field(out, "Date", "Thu, 03 Dec 2026 18:00:00 GMT");
    http_head_append_field(out, "Retry-After", NULL);
    g_assert_cmpstr(out->str, ==,
                    "HTTP/1.1 200 OK\r\nHTTP/1.1 503 Service Unavailable\r\n"
                    "Date: Thu, 03 Dec 2026 18:00:00 GMT\r\n");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/http-head/takes", test_takes);
    g_test_add_func("/http-head/leaves", test_leaves);
    g_test_add_func("/http-head/writes", test_writes);
    return g_test_run();
}
