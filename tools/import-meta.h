/* import-meta.h - descriptions from an exposition's # TYPE, # HELP and
 * # UNIT lines, for `rondo import` (import-meta.c). */
#ifndef TOOL_IMPORT_META_H
#define TOOL_IMPORT_META_H

#include "rondo.h"

/* Family name -> what its comment lines said; g_hash_table_unref() it. */
GHashTable *tool_import_meta_new(void);
/* Takes in one line starting with '#'; other comments are ignored. */
void tool_import_meta_read(GHashTable *meta, const char *line);
/* Sets @spec's type, unit and help from the family of series @name (the
 * name itself, or without _total, _bucket, _sum, _count); leaves @spec as
 * it is when no line described it. The strings belong to @meta. */
void tool_import_meta_describe(GHashTable *meta, const char *name, RondoSeriesSpec *spec);

#endif
