/* decode.h - a remote-write body back into a WriteRequest, as a receiver
 * reads it: snappy block format, then protobuf. Shared by the fake receiver
 * and the remote-write fuzz target. */
#ifndef RONDO_TEST_DECODE_H
#define RONDO_TEST_DECODE_H

#include <glib.h>
#include "remote-write.pb-c.h"

/*
 * Decodes @n bytes of @body. The uncompressed length a snappy block
 * announces is checked against @bytes_max before anything is allocated.
 * @ret_bytes: (out) (optional): the protobuf's size, on success.
 * Returns: (transfer full): the request (free with
 *   prometheus__write_request__free_unpacked()), or NULL with @ret_problem
 *   (optional) saying what is wrong with the body.
 */
Prometheus__WriteRequest *write_request_decode(const void *body, gsize n, gsize bytes_max,
                                               gsize *ret_bytes, const char **ret_problem);

#endif /* RONDO_TEST_DECODE_H */
