/* rondo-tool.h - what the rondo command's subcommands share.
 *
 * Each subcommand lives in its own cmd-*.c file and has the signature
 * below: it parses its own options (GOptionContext) and returns the exit
 * status: 0 success, 1 failure, 2 usage error. Errors go to stderr as
 * "rondo: WHAT: message".
 */
#ifndef RONDO_TOOL_H
#define RONDO_TOOL_H

#include <glib.h>
#include <glib/gi18n.h>
#include "rondo.h"

#define EXIT_USAGE 2

typedef int (*RondoToolCommand)(int argc, char **argv);

int rondo_cmd_bench(int argc, char **argv);

/* Prints "rondo: message" on stderr. */
void rondo_tool_error(const char *format, ...) G_GNUC_PRINTF(1, 2);
/* Parses a subcommand's options; on failure prints the error, returns FALSE. */
gboolean rondo_tool_parse(GOptionContext *context, int *argc, char ***argv);

#endif /* RONDO_TOOL_H */
