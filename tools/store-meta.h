/* store-meta.h - a store's schema matchers as strings, for info and dump. */
#ifndef TOOL_STORE_META_H
#define TOOL_STORE_META_H

#include <glib.h>
#include "rondo.h"

/* The label matchers of every schema of @store, in schema order: a GPtrArray
 * per schema of GStrv {label, op, value} (op "=", "!=", "=~", "!~"). */
GPtrArray *tool_store_meta_matchers(const RondoStore *store);

#endif /* TOOL_STORE_META_H */
