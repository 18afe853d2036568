/* store-meta.c - schema matchers, read from the store's meta.json.
 *
 * librondo has no accessor for a schema's matchers (rondo_schema_get_*
 * covers name, series_max and tiers only), yet `rondo info` shows them and
 * `rondo dump` must carry them. meta.json is a documented part of the store
 * format (docs/storage-format.md), so the tools read its "matchers" arrays
 * directly, after rondo_store_open() has validated the store. Replace with
 * an accessor when the library grows one.
 */
#include "config.h"
#include <json-glib/json-glib.h>
#include <glib/gi18n.h>
#include "store-meta.h"

static GPtrArray *
schema_matchers(JsonObject *schema)
{
    GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    JsonArray *ms = json_object_has_member(schema, "matchers")
                        ? json_object_get_array_member(schema, "matchers")
                        : NULL;
    for (guint i = 0; ms && i < json_array_get_length(ms); i++) {
        JsonObject *m = json_array_get_object_element(ms, i);
        if (m == NULL)
            continue;
        char **triple = g_new0(char *, 4);
        triple[0] = g_strdup(json_object_get_string_member_with_default(m, "label", ""));
        triple[1] = g_strdup(json_object_get_string_member_with_default(m, "op", "="));
        triple[2] = g_strdup(json_object_get_string_member_with_default(m, "value", ""));
        g_ptr_array_add(list, triple);
    }
    return list;
}

GPtrArray *
rondo_store_meta_matchers(const char *dir, GError **error)
{
    g_autofree char *path = g_build_filename(dir, "meta.json", NULL);
    g_autoptr(JsonParser) parser = json_parser_new();
    if (!json_parser_load_from_file(parser, path, error))
        return NULL;
    JsonNode *root = json_parser_get_root(parser);
    JsonObject *top = JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    JsonArray *schemas = top && json_object_has_member(top, "schemas")
                             ? json_object_get_array_member(top, "schemas")
                             : NULL;
    if (schemas == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s: no schemas"), path);
        return NULL;
    }
    GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    for (guint i = 0; i < json_array_get_length(schemas); i++) {
        JsonObject *s = json_array_get_object_element(schemas, i);
        g_ptr_array_add(all, s ? schema_matchers(s)
                               : g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev));
    }
    return all;
}
