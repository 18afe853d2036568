/* json-load.c - reading a JSON file of a store, bounded; see json-load.h. */
#include "config.h"
#include "json-load.h"
#include "file.h"
#include "internal.h"
#include "json-guard.h"

JsonNode *
rondo_json_load(const char *path, gsize bytes_max, GError **error)
{
    gsize len = 0, at = 0;
    g_autofree char *text = rondo_file_read(path, bytes_max, &len, error);
    if (text == NULL)
        return NULL;
    if (!rondo_json_depth_ok(text, len, RONDO_JSON_DEPTH_MAX, &at)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                    "%s: nested deeper than %d levels (at byte %" G_GSIZE_FORMAT ")", path,
                    RONDO_JSON_DEPTH_MAX, at);
        return NULL;
    }
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) local = NULL;
    if (!json_parser_load_from_data(parser, text, (gssize)len, &local)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "%s: %s", path, local->message);
        return NULL;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_CORRUPT, "%s: not a JSON object", path);
        return NULL;
    }
    return json_node_copy(root);
}
