/* fuzz-remote-read.c - remote-read request bodies as rondod decodes them.
 *
 * Input: a POST /api/v1/read body, given to read_request_parse()
 * (src/read-request.c) with the uncompressed limit of rondod's default
 * max_body_bytes. Oracles beyond the sanitizers: a refusal says why; an
 * accepted request keeps the limits (queries, matchers), and a query that
 * is not empty has its start at or before its end. Each matcher is then tried on a few label
 * values.
 */
#include "config.h"
#include "fuzz.h"
#include "read-request.h"

#define PLAIN_BYTES_MAX ((guint64)READ_PLAIN_FACTOR << 20)

static const char *const probe_values[] = {"", "up", "vcpu_exits_total", "a\nb", "\xc3\xbc"};

static void
query_check(const ReadQuery *q)
{
    if (q->matchers == NULL || q->matchers->len > READ_MATCHERS_MAX)
        fuzz_fail("a query with %u matchers", q->matchers ? q->matchers->len : 0);
    if (!q->empty && q->read.from_ns > q->read.to_ns)
        fuzz_fail("a query that ends before it starts is not empty");
    for (guint m = 0; m < q->matchers->len; m++) {
        for (guint v = 0; v < G_N_ELEMENTS(probe_values); v++)
            (void)matcher_matches(g_ptr_array_index(q->matchers, m), probe_values[v]);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autoptr(GError) error = NULL;
    g_autoptr(ReadRequest) req = read_request_parse(data, size, PLAIN_BYTES_MAX, &error);
    if (req == NULL) {
        if (!g_error_matches(error, READ_ERROR, READ_ERROR_BAD_DATA) || error->message[0] == '\0')
            fuzz_fail("a body refused without a bad_data message");
        return 0;
    }
    if (req->n_queries > READ_QUERIES_MAX)
        fuzz_fail("a request with %u queries", req->n_queries);
    for (guint i = 0; i < req->n_queries; i++)
        query_check(&req->queries[i]);
    return 0;
}
