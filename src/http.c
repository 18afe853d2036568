/* http.c - the shapes of rondod's answers.
 *
 * Every error, on every path, is the Prometheus envelope
 *   {"status":"error","errorType":"bad_data","error":"what went wrong"}
 * so that a client needs one error parser; success bodies of /api/v1 wrap
 * their data in {"status":"success","data":...}.
 */
#include "config.h"

#include <string.h>

#include "http.h"
#include "json.h"

void
http_respond_text(SoupServerMessage *msg, guint status, const char *content_type, GString *body)
{
    gsize len = body->len;
    soup_server_message_set_status(msg, status, NULL);
    soup_server_message_set_response(msg, content_type, SOUP_MEMORY_TAKE,
                                     g_string_free(body, FALSE), len);
}

void
http_respond_json(SoupServerMessage *msg, guint status, GString *body)
{
    http_respond_text(msg, status, "application/json", body);
}

const char *
http_error_type(guint status)
{
    switch (status) {
    case SOUP_STATUS_UNAUTHORIZED:
        return "unauthorized";
    case SOUP_STATUS_NOT_FOUND:
        return "not_found";
    case SOUP_STATUS_UNPROCESSABLE_ENTITY:
        return "execution";
    case HTTP_STATUS_TOO_MANY_REQUESTS:
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
        return "unavailable";
    case SOUP_STATUS_INTERNAL_SERVER_ERROR:
        return "internal";
    default:
        return "bad_data";
    }
}

GString *
http_error_body(guint status, const char *text)
{
    GString *body = g_string_new("{\"status\":\"error\",\"errorType\":");
    json_append_string(body, http_error_type(status));
    g_string_append(body, ",\"error\":");
    json_append_string(body, text);
    g_string_append(body, "}\n");
    return body;
}

void
http_respond_error(SoupServerMessage *msg, guint status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    http_respond_json(msg, status, http_error_body(status, text));
}

void
http_respond_success(SoupServerMessage *msg, GString *data)
{
    g_string_prepend(data, "{\"status\":\"success\",\"data\":");
    g_string_append(data, "}\n");
    http_respond_json(msg, SOUP_STATUS_OK, data);
}

/* Answers 405 with the methods allowed; FALSE. */
static gboolean
refuse_method(SoupServerMessage *msg, const char *allow)
{
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", allow);
    http_respond_error(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method %s not allowed",
                       soup_server_message_get_method(msg));
    return FALSE;
}

gboolean
http_check_method(SoupServerMessage *msg, gboolean post)
{
    if (http_already_answered(msg))
        return FALSE;
    const char *m = soup_server_message_get_method(msg);
    if (m == SOUP_METHOD_GET || m == SOUP_METHOD_HEAD || (post && m == SOUP_METHOD_POST))
        return TRUE;
    return refuse_method(msg, post ? "GET, HEAD, POST" : "GET, HEAD");
}

gboolean
http_check_post(SoupServerMessage *msg)
{
    if (http_already_answered(msg))
        return FALSE;
    return soup_server_message_get_method(msg) == SOUP_METHOD_POST || refuse_method(msg, "POST");
}

static gboolean
is_form(SoupServerMessage *msg)
{
    SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
    const char *ct = soup_message_headers_get_content_type(h, NULL);
    return ct != NULL && g_ascii_strcasecmp(ct, "application/x-www-form-urlencoded") == 0;
}

Params *
http_get_params(SoupServerMessage *msg)
{
    GUri *uri = soup_server_message_get_uri(msg);
    const char *query = g_uri_get_query(uri);
    g_autoptr(GBytes) form = NULL;
    SoupMessageBody *body = soup_server_message_get_request_body(msg);
    if (soup_server_message_get_method(msg) == SOUP_METHOD_POST && body->length > 0) {
        if (!is_form(msg)) {
            http_respond_error(msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                               "POST bodies must be application/x-www-form-urlencoded");
            return NULL;
        }
        form = soup_message_body_flatten(body);
    }
    gsize len = 0;
    const char *data = form ? g_bytes_get_data(form, &len) : NULL;
    Params *p = params_new(query, data, len);
    if (params_is_malformed(p)) {
        params_free(p);
        http_respond_error(msg, SOUP_STATUS_BAD_REQUEST,
                           "malformed parameters (bad percent-encoding or invalid UTF-8)");
        return NULL;
    }
    return p;
}

gboolean
http_already_answered(SoupServerMessage *msg)
{
    return soup_server_message_get_status(msg) != SOUP_STATUS_NONE;
}
