/* export-status.h - what the export worker reported: counters, readiness, logs (main loop). */
#ifndef RONDOD_EXPORT_STATUS_H
#define RONDOD_EXPORT_STATUS_H

#include <glib.h>

#include "rondo-export.h"

/* One rondo_exporter_push() as the worker saw it. */
typedef struct {
    gboolean ok;
    RondoExportStats stats;
    const GError *error;          /* when !ok */
    const char *receiver_message; /* rondo_exporter_get_last_message(), nullable */
} ExportOutcome;

typedef struct _ExportStatus ExportStatus;

/* Export fails readiness once a store's pushes have failed for @not_ready_after_s. */
ExportStatus *export_status_new(guint not_ready_after_s);
void export_status_free(ExportStatus *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ExportStatus, export_status_free)

/* Adds one push's outcome to @store's counters and logs what deserves it. */
void export_status_account(ExportStatus *s, const char *store, const ExportOutcome *o);
/* Forgets the stores not in @names (a vanished store's series disappear). */
void export_status_keep_only(ExportStatus *s, GHashTable *names);

/* Appends the rondod_export_* metrics (text format 0.0.4). */
void export_status_write(const ExportStatus *s, GString *out, guint64 now_ns);
/*
 * FALSE when some store's export has been failing for not_ready_after
 * seconds or more; then @ret_reason (transfer full) names it and the error.
 */
gboolean export_status_is_ready(const ExportStatus *s, char **ret_reason);

#endif
