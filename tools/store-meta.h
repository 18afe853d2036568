/* store-meta.h - what the API does not expose yet, read from meta.json. */
#ifndef RONDO_STORE_META_H
#define RONDO_STORE_META_H

#include <glib.h>

/* The label matchers of every schema of the store in @dir, in schema order:
 * a GPtrArray per schema of GStrv {label, op, value} (op "=", "!=", "=~",
 * "!~"). NULL with @error set if meta.json cannot be read. */
GPtrArray *rondo_store_meta_matchers(const char *dir, GError **error);

#endif /* RONDO_STORE_META_H */
