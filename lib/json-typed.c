/* json-typed.c - members of JSON from outside, taken by type (json-typed.h).
 *
 * Each lookup checks the node's type before json-glib's accessor sees it,
 * so no input can raise a critical. Integers are json-glib's int64 values
 * only: a number with a fraction or an exponent is a double and refused.
 */
#include "config.h"

#include "json-typed.h"

JsonObject *
rondo_json_object(JsonNode *node)
{
    return node != NULL && JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
}

JsonArray *
rondo_json_array(JsonNode *node)
{
    return node != NULL && JSON_NODE_HOLDS_ARRAY(node) ? json_node_get_array(node) : NULL;
}

const char *
rondo_json_string(JsonNode *node)
{
    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_STRING)
        return NULL;
    return json_node_get_string(node);
}

gboolean
rondo_json_int(JsonNode *node, gint64 min, gint64 max, gint64 *ret)
{
    if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
        json_node_get_value_type(node) != G_TYPE_INT64)
        return FALSE;
    gint64 v = json_node_get_int(node);
    if (v < min || v > max)
        return FALSE;
    *ret = v;
    return TRUE;
}

static JsonNode *
member(JsonObject *o, const char *name)
{
    return o != NULL ? json_object_get_member(o, name) : NULL;
}

JsonObject *
rondo_json_get_object(JsonObject *o, const char *name)
{
    return rondo_json_object(member(o, name));
}

JsonArray *
rondo_json_get_array(JsonObject *o, const char *name)
{
    return rondo_json_array(member(o, name));
}

const char *
rondo_json_get_string(JsonObject *o, const char *name)
{
    return rondo_json_string(member(o, name));
}

gboolean
rondo_json_get_int(JsonObject *o, const char *name, gint64 min, gint64 max, gint64 *ret)
{
    return rondo_json_int(member(o, name), min, max, ret);
}

static JsonNode *
element(JsonArray *a, guint i)
{
    return a != NULL && i < json_array_get_length(a) ? json_array_get_element(a, i) : NULL;
}

JsonObject *
rondo_json_at_object(JsonArray *a, guint i)
{
    return rondo_json_object(element(a, i));
}

JsonArray *
rondo_json_at_array(JsonArray *a, guint i)
{
    return rondo_json_array(element(a, i));
}

const char *
rondo_json_at_string(JsonArray *a, guint i)
{
    return rondo_json_string(element(a, i));
}

guint
rondo_json_length(JsonArray *a)
{
    return a != NULL ? json_array_get_length(a) : 0;
}
