/* json-stream.h - one large JSON object read member by member, an array
 * member element by element (json-stream.c), so that `rondo restore` holds
 * one series of a dump in memory, not the whole dump. */
#ifndef TOOL_JSON_STREAM_H
#define TOOL_JSON_STREAM_H

#include <gio/gio.h>
#include <json-glib/json-glib.h>

/* The largest member (or element of the streamed array) read at once. */
#define TOOL_JSON_VALUE_BYTES_MAX ((gsize)256 << 20)

/* Called for each member in input order with its name and value; for the
 * member named as streamed, once per element of its array (an empty array:
 * never). @value is owned by the reader. FALSE (with @error) stops. */
typedef gboolean (*ToolJsonMemberFunc)(const char *name, JsonNode *value, gpointer user_data,
                                       GError **error);

/* Reads one JSON object from @in to its end (nothing but white space may
 * follow). Each value is parsed within json-input.h's bounds; malformed
 * input is G_IO_ERROR_INVALID_DATA naming the byte offset. */
gboolean tool_json_stream_object(GInputStream *in, const char *streamed, ToolJsonMemberFunc fn,
                                 gpointer user_data, GError **error);

#endif /* TOOL_JSON_STREAM_H */
