/* store-meta.h - a store's schema matchers as strings, for info and dump. */
#ifndef RONDO_STORE_META_H
#define RONDO_STORE_META_H

#include <glib.h>
#include "rondo.h"

/* The label matchers of every schema of @store, in schema order: a GPtrArray
 * per schema of GStrv {label, op, value} (op "=", "!=", "=~", "!~"). */
GPtrArray *rondo_store_meta_matchers(const RondoStore *store);

#endif /* RONDO_STORE_META_H */
