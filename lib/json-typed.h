/* json-typed.h - members of JSON from outside, taken by type, without criticals.
 *
 * json-glib's accessors (json_object_get_array_member() and the rest) treat
 * a member of the wrong type as a programming error: a g_critical, and an
 * abort under G_DEBUG=fatal-criticals. In a store's files, a dump or an
 * answer off the network a wrong type is input, not a bug: these return
 * NULL (FALSE for numbers) instead, and the caller reports bad input. Every
 * function accepts a NULL container, so a chain of lookups needs one check
 * at its end. Shared by the tools and the agent (compiled into each, like
 * json-guard.c; no exported symbol); librondo's files have lib/doc.h.
 */
#ifndef RONDO_JSON_TYPED_H
#define RONDO_JSON_TYPED_H

#include <json-glib/json-glib.h>

/* @node as an object, an array, a string; NULL if it is not one (or NULL). */
JsonObject *rondo_json_object(JsonNode *node);
JsonArray *rondo_json_array(JsonNode *node);
const char *rondo_json_string(JsonNode *node);
/* An integer (no fraction, within int64) in [@min, @max] into @ret; FALSE otherwise. */
gboolean rondo_json_int(JsonNode *node, gint64 min, gint64 max, gint64 *ret);

/* Member @name of @o, by type (NULL: absent, mistyped, or @o NULL). */
JsonObject *rondo_json_get_object(JsonObject *o, const char *name);
JsonArray *rondo_json_get_array(JsonObject *o, const char *name);
const char *rondo_json_get_string(JsonObject *o, const char *name);
gboolean rondo_json_get_int(JsonObject *o, const char *name, gint64 min, gint64 max, gint64 *ret);

/* Element @i of @a, by type (NULL: past the end, mistyped, or @a NULL). */
JsonObject *rondo_json_at_object(JsonArray *a, guint i);
JsonArray *rondo_json_at_array(JsonArray *a, guint i);
const char *rondo_json_at_string(JsonArray *a, guint i);
/* The number of elements; 0 for NULL. */
guint rondo_json_length(JsonArray *a);

#endif /* RONDO_JSON_TYPED_H */
