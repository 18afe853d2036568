/* import-sort.h - `rondo import`'s points in time order, in bounded memory
 * (import-sort.c). */
#ifndef TOOL_IMPORT_SORT_H
#define TOOL_IMPORT_SORT_H

#include <glib.h>
#include "rondo.h"

typedef struct {
    RondoSeries *series; /* owned by the store being imported into */
    double value;
    guint64 t_ns;
    guint line; /* the input line: ties in time keep input order */
} ImportPoint;

typedef struct _ImportSort ImportSort;

/* At most @chunk points are held in memory; more go to sorted runs in
 * temporary files (in $TMPDIR), merged when read back. */
ImportSort *import_sort_new(gsize chunk);
void import_sort_free(ImportSort *sort);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImportSort, import_sort_free)

/* FALSE with @error when a run cannot be written (disk full). */
gboolean import_sort_add(ImportSort *sort, const ImportPoint *p, GError **error);
/* Ends the input; then import_sort_next() gives every point by (t_ns, line). */
gboolean import_sort_finish(ImportSort *sort, GError **error);
/* FALSE at the end, or with @error when a run cannot be read back. */
gboolean import_sort_next(ImportSort *sort, ImportPoint *ret, GError **error);
/* How many runs went to temporary files (0: it all fitted in memory). */
guint import_sort_get_n_runs(const ImportSort *sort);

#endif
