/* http-unix.h - one bounded HTTP/1.1 request over a Unix socket, on the main loop.
 *
 * Firecracker and Cloud Hypervisor serve their API on a Unix socket. The
 * agent asks each VM one small thing a second, so a call is one
 * connection: connect, send, read the status and a body bounded by
 * @reply_max, close. Every step is asynchronous (a VM that never answers
 * stalls only its own call) and the whole call has a deadline.
 */
#ifndef AGENT_HTTP_UNIX_H
#define AGENT_HTTP_UNIX_H

#include <gio/gio.h>

typedef struct {
    guint status;
    const char *body; /* NUL-terminated; valid during the callback only */
    gsize body_len;
    gint64 sent_us; /* g_get_real_time() as the request went out: the time
                     * the answer speaks for, whenever the loop gets to it */
} HttpReply;

/**
 * HttpDoneFunc:
 * @reply: (nullable): the answer, or NULL with @error: G_IO_ERROR_TIMED_OUT
 *   past the deadline, G_IO_ERROR_NOT_FOUND / G_IO_ERROR_CONNECTION_REFUSED
 *   when nothing listens, G_IO_ERROR_INVALID_DATA for a malformed answer,
 *   G_IO_ERROR_MESSAGE_TOO_LARGE beyond @reply_max, other GIO errors.
 * Called once, from the main loop, unless the call was cancelled.
 */
typedef void (*HttpDoneFunc)(const HttpReply *reply, const GError *error, gpointer user_data);

typedef struct HttpCall HttpCall;

/**
 * http_unix_call:
 * @body: (nullable): a JSON body, sent with its Content-Length.
 * Returns: (transfer none): the call, valid until @done runs or
 *   http_call_cancel(); it frees itself.
 */
HttpCall *http_unix_call(const char *socket_path, const char *method, const char *path,
                         const char *body, guint timeout_ms, gsize reply_max, HttpDoneFunc done,
                         gpointer user_data);

/* Abandons @call: @done will not run. The connection closes as soon as its
 * pending step returns. */
void http_call_cancel(HttpCall *call);

#endif
