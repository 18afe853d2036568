/* json-input.h - JSON from a pipe or a socket (a rondod answer, a member of
 * a dump), read and parsed within bounds: a size limit while reading,
 * the library's nesting limit (lib/json-guard.h) before json-glib's
 * recursive parser sees it. */
#ifndef TOOL_JSON_INPUT_H
#define TOOL_JSON_INPUT_H

#include <gio/gio.h>
#include <json-glib/json-glib.h>

/* The largest answer `rondo-query --url` accepts (`rondo restore` streams
 * its dump instead: json-stream.h bounds each member). */
#define TOOL_ANSWER_BYTES_MAX ((gsize)256 << 20)

/* Reads @in to its end, failing (G_IO_ERROR_MESSAGE_TOO_LARGE) as soon as
 * more than @bytes_max bytes came. Returns: (transfer full): the bytes. */
GBytes *tool_json_input_read(GInputStream *in, gsize bytes_max, GError **error);

/* Parses @len bytes of @data after the nesting check
 * (G_IO_ERROR_INVALID_DATA when too deep; json-glib's errors otherwise).
 * Returns: (transfer full) (nullable): the root node. */
JsonNode *tool_json_input_parse(const char *data, gsize len, GError **error);

#endif /* TOOL_JSON_INPUT_H */
