/* remote.c - rondo-query --url: one synchronous HTTP request to rondod.
 *
 * rondod answers like Prometheus' /api/v1/query_range, so this also works
 * against Prometheus itself. Values arrive as strings ("NaN", "+Inf") and
 * timestamps as (possibly fractional) Unix seconds. Errors in the answer
 * ({"status":"error","error":"..."}) are passed on verbatim.
 */
#include "config.h"
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n.h>
#include "json-input.h"
#include "json-typed.h"
#include "remote.h"
#include "rondo-tool.h"
#include "timespec.h"
#include "value-format.h"

#define TIMEOUT_S 30

static gboolean
bad_answer(GError **error, const char *what)
{
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("unexpected answer: %s"), what);
    return FALSE;
}

/* A point's time: Unix seconds, integer or fractional; FALSE for anything else. */
static gboolean
point_seconds(JsonNode *t, double *ret)
{
    GType type = t && JSON_NODE_HOLDS_VALUE(t) ? json_node_get_value_type(t) : G_TYPE_INVALID;
    if (type == G_TYPE_INT64)
        *ret = (double)json_node_get_int(t);
    else if (type == G_TYPE_DOUBLE)
        *ret = json_node_get_double(t);
    else
        return FALSE;
    return *ret >= 0;
}

static gboolean
parse_point(JsonArray *pair, ToolPoint *ret, GError **error)
{
    const char *v = rondo_json_at_string(pair, 1);
    double secs;
    if (rondo_json_length(pair) != 2 || v == NULL ||
        !point_seconds(json_array_get_element(pair, 0), &secs) || !tool_value_parse(v, &ret->value))
        return bad_answer(error, _("a point is not [time, value]"));
    /* The API's times are whole milliseconds; a double of seconds is not
     * exact, so 1796104758.43 would print as 1796104758.430000128. */
    ret->t_ns = (guint64)llround(secs * 1e3) * G_GUINT64_CONSTANT(1000000);
    ret->tier = TOOL_POINT_TIER_UNKNOWN;
    return TRUE;
}

static gboolean
parse_series(ToolResult *result, JsonObject *o, GError **error)
{
    JsonObject *metric = rondo_json_get_object(o, "metric");
    JsonArray *values = rondo_json_get_array(o, "values");
    if (metric == NULL || values == NULL)
        return bad_answer(error, _("a series lacks “metric” or “values”"));
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    const char *name = "";
    g_autoptr(GList) members = json_object_get_members(metric);
    for (GList *l = members; l; l = l->next) {
        const char *v = rondo_json_get_string(metric, l->data);
        if (v == NULL)
            return bad_answer(error, _("a label value is not a string"));
        if (g_str_equal(l->data, "__name__"))
            name = v;
        else
            g_strv_builder_add_many(b, (const char *)l->data, v, NULL);
    }
    g_auto(GStrv) labels = g_strv_builder_end(b);
    ToolResultSeries *s = tool_result_add(result, name, (const char *const *)labels);
    for (guint i = 0; i < rondo_json_length(values); i++) {
        ToolPoint p;
        if (!parse_point(rondo_json_at_array(values, i), &p, error))
            return FALSE;
        g_array_append_val(s->points, p);
    }
    return TRUE;
}

ToolResult *
tool_remote_parse(const char *json, gsize length, guint64 start_ns, guint64 end_ns, GError **error)
{
    g_autoptr(JsonNode) root = tool_json_input_parse(json, length, error);
    if (root == NULL)
        return NULL;
    JsonObject *top = rondo_json_object(root);
    const char *status = rondo_json_get_string(top, "status");
    if (status != NULL && g_str_equal(status, "error")) {
        const char *message = rondo_json_get_string(top, "error");
        const char *type = rondo_json_get_string(top, "errorType");
        if (message == NULL || message[0] == '\0')
            message = type != NULL && type[0] != '\0' ? type : _("an error without a message");
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_FAILED, message);
        return NULL;
    }
    JsonArray *series = rondo_json_get_array(rondo_json_get_object(top, "data"), "result");
    if (status == NULL || !g_str_equal(status, "success") || series == NULL)
        return bad_answer(error, _("no “data.result” in a successful answer")), NULL;
    g_autoptr(ToolResult) result = tool_result_new(start_ns, end_ns);
    for (guint i = 0; i < rondo_json_length(series); i++) {
        JsonObject *o = rondo_json_at_object(series, i);
        if (o == NULL || !parse_series(result, o, error))
            return NULL;
    }
    tool_result_sort(result);
    return g_steal_pointer(&result);
}

static char *
request_uri(const char *url, const char *selector, guint64 start_ns, guint64 end_ns,
            guint64 step_ns)
{
    char s[32], e[32], st[32];
    g_autofree char *query = g_uri_escape_string(selector, NULL, FALSE);
    g_autofree char *base = g_strdup(url);
    gsize len = strlen(base);
    while (len > 0 && base[len - 1] == '/')
        base[--len] = '\0';
    tool_time_format_seconds(start_ns, s, sizeof s);
    tool_time_format_seconds(end_ns, e, sizeof e);
    tool_time_format_seconds(step_ns, st, sizeof st);
    return g_strdup_printf("%s/api/v1/query_range?query=%s&start=%s&end=%s&step=%s", base, query, s,
                           e, st);
}

ToolResult *
tool_remote_fetch(const char *url, const char *selector, guint64 start_ns, guint64 end_ns,
                  guint64 step_ns, GError **error)
{
    g_autofree char *uri = request_uri(url, selector, start_ns, end_ns, step_ns);
    g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", TIMEOUT_S, NULL);
    g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
    if (msg == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("not an HTTP URL"));
        return NULL;
    }
    g_autoptr(GInputStream) in = soup_session_send(session, msg, NULL, error);
    g_autoptr(GBytes) body = in ? tool_json_input_read(in, TOOL_ANSWER_BYTES_MAX, error) : NULL;
    if (body == NULL)
        return NULL;
    gsize size;
    const char *data = g_bytes_get_data(body, &size);
    guint status = soup_message_get_status(msg);
    /* Prometheus puts a JSON error body on 400/422/503; use its message. */
    g_autoptr(GError) local = NULL;
    ToolResult *result = tool_remote_parse(data ? data : "", size, start_ns, end_ns, &local);
    if (result != NULL && status == SOUP_STATUS_OK)
        return result;
    tool_result_free(result);
    if (status != SOUP_STATUS_OK && (local == NULL || local->domain == JSON_PARSER_ERROR ||
                                     local->code == G_IO_ERROR_INVALID_DATA))
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, _("HTTP %u %s"), status,
                    soup_message_get_reason_phrase(msg));
    else
        g_propagate_error(error, g_steal_pointer(&local));
    return NULL;
}
