/* json-load.h - the one way librondo reads a JSON file (meta.json,
 * series.json, drain cursors): bounded in size and depth before parsing. */
#ifndef RONDO_JSON_LOAD_H
#define RONDO_JSON_LOAD_H

#include <json-glib/json-glib.h>

/*
 * Reads @path with rondo_file_read() (no link, no special file, at most
 * @bytes_max bytes), refuses nesting deeper than RONDO_JSON_DEPTH_MAX, then
 * parses it. Returns: (transfer full): the root, which is an object; NULL
 * with RONDO_ERROR_NOT_FOUND when the file does not exist, else
 * RONDO_ERROR_CORRUPT (or _IO) naming @path.
 */
JsonNode *rondo_json_load(const char *path, gsize bytes_max, GError **error);

#endif /* RONDO_JSON_LOAD_H */
