/* decode.c - see decode.h. */
#include "config.h"
#include <snappy-c.h>
#include "decode.h"

static Prometheus__WriteRequest *
refuse(const char **ret_problem, const char *problem)
{
    if (ret_problem != NULL)
        *ret_problem = problem;
    return NULL;
}

Prometheus__WriteRequest *
write_request_decode(const void *body, gsize n, gsize bytes_max, gsize *ret_bytes,
                     const char **ret_problem)
{
    size_t out_n = 0;
    if (snappy_uncompressed_length(body, n, &out_n) != SNAPPY_OK)
        return refuse(ret_problem, "body is not snappy block format");
    if (out_n > bytes_max)
        return refuse(ret_problem, "body decompresses past the size limit");
    g_autofree char *out = g_malloc(MAX(out_n, 1));
    if (snappy_uncompress(body, n, out, &out_n) != SNAPPY_OK)
        return refuse(ret_problem, "snappy body does not decompress");
    Prometheus__WriteRequest *req =
        prometheus__write_request__unpack(NULL, out_n, (const guint8 *)out);
    if (req == NULL)
        return refuse(ret_problem, "body is not a WriteRequest");
    if (ret_bytes != NULL)
        *ret_bytes = out_n;
    return req;
}
