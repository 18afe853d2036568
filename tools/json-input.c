/* json-input.c - bounded JSON from a pipe or a socket; see json-input.h. */
#include "config.h"
#include <glib/gi18n.h>
#include "json-guard.h"
#include "json-input.h"

GBytes *
tool_json_input_read(GInputStream *in, gsize bytes_max, GError **error)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    guint8 chunk[65536];
    for (;;) {
        gssize n = g_input_stream_read(in, chunk, sizeof chunk, NULL, error);
        if (n < 0)
            return NULL;
        if (n == 0)
            return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
        if (buf->len + (gsize)n > bytes_max) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, _("more than %zu bytes"),
                        bytes_max);
            return NULL;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
}

JsonNode *
tool_json_input_parse(const char *data, gsize len, GError **error)
{
    gsize at = 0;
    if (!rondo_json_depth_ok(data, len, RONDO_JSON_DEPTH_MAX, &at)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    _("JSON nested deeper than %d levels (at byte %zu)"), RONDO_JSON_DEPTH_MAX, at);
        return NULL;
    }
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_data(parser, data, (gssize)len, error))
        return NULL;
    JsonNode *root = json_parser_get_root(parser);
    return root != NULL ? json_node_copy(root) : json_node_new(JSON_NODE_NULL);
}
