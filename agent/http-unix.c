/* http-unix.c - the agent's HTTP client (see http-unix.h).
 *
 * Only what a VMM's API answers needs: a status line, headers, a body of
 * Content-Length bytes (or up to EOF without one). Chunked answers are
 * refused: neither Firecracker nor Cloud Hypervisor sends them.
 * Invariants: exactly one asynchronous step is pending from creation to
 * completion, so a cancelled call is freed by that step's callback; the
 * buffer never holds more than HTTP_HEAD_MAX + reply_max bytes.
 */
#include "config.h"

#include "http-unix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_HEAD_MAX 8192
#define HTTP_CHUNK    4096

struct HttpCall {
    GSocketConnection *conn;
    GCancellable *cancellable;
    GString *request;
    GByteArray *in;
    gsize reply_max;
    guint timeout_id;
    gint64 sent_us;
    gboolean timed_out;
    HttpDoneFunc done; /* NULL once cancelled */
    gpointer user_data;
    guint8 chunk[HTTP_CHUNK];
};

static void
http_call_free(HttpCall *call)
{
    if (call->timeout_id != 0)
        g_source_remove(call->timeout_id);
    if (call->conn != NULL) {
        (void)g_io_stream_close(G_IO_STREAM(call->conn), NULL, NULL);
        g_object_unref(call->conn);
    }
    g_object_unref(call->cancellable);
    g_string_free(call->request, TRUE);
    g_byte_array_unref(call->in);
    g_free(call);
}

static void
http_call_complete(HttpCall *call, const HttpReply *reply, GError *error)
{
    if (error != NULL && call->timed_out &&
        g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_clear_error(&error);
        g_set_error_literal(&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no answer in time");
    }
    if (call->done != NULL)
        call->done(reply, error, call->user_data);
    g_clear_error(&error);
    http_call_free(call);
}

static gboolean
http_call_on_timeout(gpointer data)
{
    HttpCall *call = data;
    call->timeout_id = 0;
    call->timed_out = TRUE;
    g_cancellable_cancel(call->cancellable);
    return G_SOURCE_REMOVE;
}

/* Parses the head in @in: the status and the body's length (-1: until EOF).
 * Returns the head's size, 0 while it is incomplete, -1 when it is malformed. */
static gssize
http_parse_head(const GByteArray *in, guint *ret_status, gint64 *ret_length)
{
    if (in->len == 0)
        return 0;
    const char *text = (const char *)in->data;
    const char *end = g_strstr_len(text, (gssize)in->len, "\r\n\r\n");
    if (end == NULL)
        return in->len > HTTP_HEAD_MAX ? -1 : 0;
    g_autofree char *head = g_strndup(text, (gsize)(end - text));
    g_auto(GStrv) lines = g_strsplit(head, "\r\n", -1);
    unsigned status = 0;
    if (sscanf(lines[0], "HTTP/1.%*1[01] %3u", &status) != 1 || status < 100 || status > 599)
        return -1;
    gint64 length = status == 204 || status == 304 || status < 200 ? 0 : -1;
    for (guint i = 1; lines[i] != NULL; i++) {
        char *colon = strchr(lines[i], ':');
        if (colon == NULL)
            return -1;
        *colon = '\0';
        const char *value = g_strstrip(colon + 1);
        if (g_ascii_strcasecmp(lines[i], "Transfer-Encoding") == 0)
            return -1;
        guint64 n;
        if (g_ascii_strcasecmp(lines[i], "Content-Length") == 0 &&
            !g_ascii_string_to_unsigned(value, 10, 0, G_MAXINT64, &n, NULL))
            return -1;
        if (g_ascii_strcasecmp(lines[i], "Content-Length") == 0)
            length = (gint64)n;
    }
    *ret_status = status;
    *ret_length = length;
    return end + 4 - text;
}

/* Completes the call if @in holds a whole answer (or @eof ends it). */
static gboolean
http_try_finish(HttpCall *call, gboolean eof)
{
    guint status = 0;
    gint64 length = 0;
    gssize head = http_parse_head(call->in, &status, &length);
    GError *error = NULL;
    if (head < 0 || (head == 0 && eof)) {
        g_set_error_literal(&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "malformed HTTP answer");
        http_call_complete(call, NULL, error);
        return TRUE;
    }
    gsize have = head > 0 ? call->in->len - (gsize)head : 0;
    if (head > 0 && (length > (gint64)call->reply_max || (length < 0 && have > call->reply_max))) {
        g_set_error(&error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                    "answer larger than %" G_GSIZE_FORMAT " bytes", call->reply_max);
        http_call_complete(call, NULL, error);
        return TRUE;
    }
    if (head == 0 || (length >= 0 && have < (gsize)length) || (length < 0 && !eof))
        return FALSE;
    gsize body_len = length >= 0 ? (gsize)length : have;
    g_byte_array_set_size(call->in, (guint)((gsize)head + body_len));
    g_byte_array_append(call->in, (const guint8 *)"", 1);
    HttpReply reply = {status, (const char *)call->in->data + head, body_len, call->sent_us};
    http_call_complete(call, &reply, NULL);
    return TRUE;
}

static void http_on_read(GObject *source, GAsyncResult *res, gpointer data);

static void
http_read_more(HttpCall *call)
{
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(call->conn));
    g_input_stream_read_async(in, call->chunk, sizeof call->chunk, G_PRIORITY_DEFAULT,
                              call->cancellable, http_on_read, call);
}

static void
http_on_read(GObject *source, GAsyncResult *res, gpointer data)
{
    HttpCall *call = data;
    GError *error = NULL;
    gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, &error);
    if (n < 0) {
        http_call_complete(call, NULL, error);
        return;
    }
    g_byte_array_append(call->in, call->chunk, (guint)n);
    if (!http_try_finish(call, n == 0))
        http_read_more(call);
}

static void
http_on_written(GObject *source, GAsyncResult *res, gpointer data)
{
    HttpCall *call = data;
    GError *error = NULL;
    if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), res, NULL, &error)) {
        http_call_complete(call, NULL, error);
        return;
    }
    http_read_more(call);
}

static void
http_on_connected(GObject *source, GAsyncResult *res, gpointer data)
{
    HttpCall *call = data;
    GError *error = NULL;
    call->conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(source), res, &error);
    if (call->conn == NULL) {
        http_call_complete(call, NULL, error);
        return;
    }
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(call->conn));
    call->sent_us = g_get_real_time();
    g_output_stream_write_all_async(out, call->request->str, call->request->len, G_PRIORITY_DEFAULT,
                                    call->cancellable, http_on_written, call);
}

HttpCall *
http_unix_call(const char *socket_path, const char *method, const char *path, const char *body,
               guint timeout_ms, gsize reply_max, HttpDoneFunc done, gpointer user_data)
{
    g_return_val_if_fail(socket_path != NULL && method != NULL && path != NULL, NULL);
    g_return_val_if_fail(timeout_ms > 0 && done != NULL, NULL);

    HttpCall *call = g_new0(HttpCall, 1);
    call->cancellable = g_cancellable_new();
    call->in = g_byte_array_new();
    call->reply_max = reply_max;
    call->done = done;
    call->user_data = user_data;
    call->request = g_string_new(NULL);
    g_string_append_printf(call->request, "%s %s HTTP/1.1\r\nHost: localhost\r\n", method, path);
    g_string_append(call->request, "Accept: application/json\r\nConnection: close\r\n");
    if (body != NULL)
        g_string_append_printf(call->request,
                               "Content-Type: application/json\r\nContent-Length: %zu\r\n",
                               strlen(body));
    g_string_append_printf(call->request, "\r\n%s", body != NULL ? body : "");
    call->timeout_id = g_timeout_add(timeout_ms, http_call_on_timeout, call);

    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_socket_client_set_enable_proxy(client, FALSE);
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(socket_path);
    g_socket_client_connect_async(client, G_SOCKET_CONNECTABLE(addr), call->cancellable,
                                  http_on_connected, call);
    return call;
}

void
http_call_cancel(HttpCall *call)
{
    if (call == NULL)
        return;
    call->done = NULL;
    g_cancellable_cancel(call->cancellable);
}
