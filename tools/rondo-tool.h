/* rondo-tool.h - what the rondo and rondo-query commands share.
 *
 * Each subcommand lives in its own cmd-*.c file and has the signature
 * below: it parses its own options (GOptionContext) and returns the exit
 * status: 0 success, 1 failure, 2 usage error. Errors go to stderr as
 * "PROGRAM: WHAT: message", PROGRAM being g_get_prgname().
 */
#ifndef TOOL_H
#define TOOL_H

#include <glib.h>
#include <glib/gi18n.h>
#include "rondo.h"

#define EXIT_USAGE 2

typedef int (*ToolCommand)(int argc, char **argv);

int tool_cmd_bench(int argc, char **argv);
int tool_cmd_export(int argc, char **argv);
/* `rondo bench --query` in a scratch directory @dir (bench-query.c). */
int tool_bench_query(const char *dir);
int tool_cmd_create(int argc, char **argv);
int tool_cmd_info(int argc, char **argv);
int tool_cmd_import(int argc, char **argv);
int tool_cmd_query(int argc, char **argv);
int tool_cmd_verify(int argc, char **argv);
int tool_cmd_dump(int argc, char **argv);
int tool_cmd_restore(int argc, char **argv);
int tool_cmd_consolidate(int argc, char **argv);
int tool_cmd_upgrade(int argc, char **argv);
int tool_cmd_resize(int argc, char **argv);

/* Sets the program name, the locale and the message catalogue. */
void tool_init(const char *prgname);
/* Names the running subcommand ("rondo create") for --help and usage errors. */
void tool_set_command(const char *command);
const char *tool_command_name(void);
/* Prints "PROGRAM: message" on stderr. */
void tool_error(const char *format, ...) G_GNUC_PRINTF(1, 2);
/* A progress line for a long operation ("import: 120000 lines read"),
 * rewritten in place at most every TOOL_PROGRESS_US, and only when
 * stderr is a terminal; tool_error() and tool_progress_end()
 * clear it. Cheap to call often: nothing is formatted between updates. */
#define TOOL_PROGRESS_US (G_USEC_PER_SEC / 4)
void tool_progress(const char *format, ...) G_GNUC_PRINTF(1, 2);
void tool_progress_end(void);
/* Prints "PROGRAM: DIR: message" for an error about a store, without
 * naming DIR twice when the library's message already starts with it. */
void tool_store_error(const char *dir, const GError *error);
/* Parses a subcommand's options (adding --version, which prints and exits
 * like --help does); on failure prints the error, returns FALSE. */
gboolean tool_parse(GOptionContext *context, int *argc, char ***argv);
/* After parsing: checks that exactly @n positional arguments are left
 * (argv[0] is the command); prints a usage error otherwise. */
gboolean tool_want_args(int argc, char **argv, int n, const char *what);
/* For commands that read one store: parses @context's options, expects one
 * DIR argument and opens it read-only. On failure prints the error and
 * returns NULL with *ret_status set to the exit status (2 usage, 1 failure). */
RondoStore *tool_open_dir(GOptionContext *context, int *argc, char ***argv, int *ret_status);
/* Sets a G_OPTION_ERROR_BAD_VALUE error (input a user typed) and returns
 * FALSE, for one-line error paths. */
gboolean tool_set_error(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* At most TOOL_ECHO_MAX characters of @text (valid UTF-8, "…" added
 * when cut), for echoing user input in an error message. Free with g_free(). */
#define TOOL_ECHO_MAX 64
char *tool_excerpt(const char *text);
/* FALSE with an error when @ns is outside RONDO_TIME_MIN_NS ..
 * RONDO_TIME_MAX_NS: the message quotes @given (the timestamp as the user
 * wrote it) and states the range. */
gboolean tool_check_time(const char *given, guint64 ns, GError **error);
/* The wall clock in nanoseconds since the epoch. */
guint64 tool_now_ns(void);

#endif /* TOOL_H */
