/* export.h - rondod's remote-write export: a worker thread pushing every store each interval. */
#ifndef RONDOD_EXPORT_H
#define RONDOD_EXPORT_H

#include <glib.h>

#include "conf.h"
#include "registry.h"

typedef struct _Export Export;

/*
 * Prepares export as @config says (it must outlive the Export): reads the
 * secret files and checks the URL and labels with a throwaway exporter.
 * Nothing runs until export_start(). Main loop (its default context).
 * Returns: (transfer full): the export, or NULL with @error.
 */
Export *export_new(const RondodExportConfig *config, Registry *registry, GError **error);

/* Starts the worker: a first round at once, then one every interval. */
void export_start(Export *e);

/*
 * Stops the worker: cancels a running push (its cursor stays where the
 * receiver's last 2xx left it), joins the thread, releases every store
 * handle it held. Returns within about a second even while retries wait.
 * Main loop; idempotent.
 */
void export_stop(Export *e);

/* Stops first if needed. NULL is fine. */
void export_free(Export *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Export, export_free)

/* Appends the rondod_export_* metrics. */
void export_write_metrics(const Export *e, GString *out);

/* FALSE with @ret_reason (transfer full) while export fails beyond not_ready_after. */
gboolean export_is_ready(const Export *e, char **ret_reason);

#endif
