/* dump-restore.h - a “rondo dump” applied to a new store as it is read.
 *
 * The reader of `rondo restore` (cmd-restore.c), apart from the command so
 * that the fuzz target (tests/fuzz/fuzz-restore.c) drives the same code.
 * A dump is outside input: every member is taken by type (json-typed.h),
 * so a mistyped one is "not a rondo dump", never a critical.
 */
#ifndef TOOL_DUMP_RESTORE_H
#define TOOL_DUMP_RESTORE_H

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include "rondo.h"

/* What happened to the dump's points: each is written or refused; after
 * the restore the store is counted, so the summary says what it holds. */
typedef struct {
    guint64 points;       /* in the dump, NaN ones left out (they read as empty) */
    guint64 out_of_range; /* refused: timestamp outside the valid range */
    guint64 too_old;      /* refused: older than the tier's window at the time */
    guint64 kept;         /* found in the store afterwards */
} ToolRestoreTally;

/* Told of each point refused for its timestamp (a line for the user). */
typedef void (*ToolRestoreRefusedFunc)(const char *message, gpointer user_data);

/*
 * Creates the store @dir from the dump read from @in and fills it, one
 * series in memory at a time: "format" and "version" must come first and
 * "schemas" before "series", as `rondo dump` writes them. Any error stops
 * the restore and leaves the half-made @dir for the caller to remove (it
 * is new, so nothing of value is lost). @refused (optional) hears of each
 * point outside the valid time range, which is counted, not an error.
 */
gboolean tool_dump_restore(const char *dir, GInputStream *in, ToolRestoreTally *tally,
                           ToolRestoreRefusedFunc refused, gpointer user_data, GError **error);

#endif /* TOOL_DUMP_RESTORE_H */
