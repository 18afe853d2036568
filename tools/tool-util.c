/* tool-util.c - the conventions every rondo command follows.
 *
 * Locale set-up, error messages in one shape ("PROGRAM: WHAT: message"),
 * option parsing with --version added everywhere: kept in one place so
 * that the two programs and their subcommands cannot drift apart.
 */
#include "config.h"
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rondo-tool.h"

void
tool_init(const char *prgname)
{
    g_set_prgname(prgname);
    setlocale(LC_ALL, "");
    /* RONDO_LOCALEDIR: catalogues of an uninstalled tree (tests). */
    const char *dir = g_getenv("RONDO_LOCALEDIR");
    bindtextdomain(GETTEXT_PACKAGE, dir && *dir ? dir : LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
}

/* A progress line is on stderr (tool_progress()). */
static gboolean progress_shown;
static gint64 progress_last_us;

void
tool_progress(const char *format, ...)
{
    gint64 now = g_get_monotonic_time();
    if (progress_last_us == 0)
        progress_last_us = now; /* a quick operation shows none */
    if (now - progress_last_us < TOOL_PROGRESS_US || !isatty(STDERR_FILENO))
        return;
    progress_last_us = now;
    va_list ap;
    va_start(ap, format);
    g_autofree char *msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    const char *prg = g_get_prgname();
    fprintf(stderr, "\r\033[K%s: %s", prg ? prg : "rondo", msg);
    progress_shown = TRUE;
}

void
tool_progress_end(void)
{
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = FALSE;
}

void
tool_error(const char *format, ...)
{
    tool_progress_end();
    va_list ap;
    va_start(ap, format);
    g_autofree char *msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    const char *prg = g_get_prgname();
    fprintf(stderr, "%s: %s\n", prg ? prg : "rondo", msg);
}

/* Whether the process is in group @gid (primary or supplementary). */
static gboolean
in_group(gid_t gid)
{
    gid_t groups[NGROUPS_MAX];
    int n = getgroups(G_N_ELEMENTS(groups), groups);
    if (getegid() == gid)
        return TRUE;
    for (int i = 0; i < n; i++)
        if (groups[i] == gid)
            return TRUE;
    return FALSE;
}

/* What a user can do about being refused @dir: join its group, when the
 * group has access and the user is not in it; else NULL. */
static char *
group_hint(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !(st.st_mode & S_IRGRP) || in_group(st.st_gid))
        return NULL;
    struct group *gr = getgrgid(st.st_gid);
    if (gr == NULL)
        return NULL;
    return g_strdup_printf(_("; the store is shared with the group “%s”: join it (sudo adduser %s "
                             "%s) and log in again"),
                           gr->gr_name, g_get_user_name(), gr->gr_name);
}

/* The library's message where the state of @dir says more; else NULL. */
static char *
store_error_explained(const char *dir, const GError *error)
{
    if (g_error_matches(error, RONDO_ERROR, RONDO_ERROR_NOT_FOUND)) {
        if (!g_file_test(dir, G_FILE_TEST_EXISTS))
            return g_strdup_printf(_("%s: no such directory"), dir);
        if (g_file_test(dir, G_FILE_TEST_IS_DIR) && rondo_store_probe(dir) == 0)
            return g_strdup_printf(_("%s: not a rondo store (no meta.json); “rondo create %s” "
                                     "makes one"),
                                   dir, dir);
    }
    g_autofree char *hint = NULL;
    if (access(dir, R_OK | X_OK) != 0 && errno == EACCES)
        hint = group_hint(dir);
    if (hint == NULL)
        return NULL;
    return g_str_has_prefix(error->message, dir)
               ? g_strconcat(error->message, hint, NULL)
               : g_strdup_printf("%s: %s%s", dir, error->message, hint);
}

void
tool_store_error(const char *dir, const GError *error)
{
    g_assert(error != NULL);
    g_autofree char *explained = dir != NULL ? store_error_explained(dir, error) : NULL;
    if (explained != NULL)
        tool_error("%s", explained);
    else if (dir == NULL || g_str_has_prefix(error->message, dir))
        tool_error("%s", error->message);
    else
        tool_error("%s: %s", dir, error->message);
}

static gboolean
print_version(const char *option, const char *value, gpointer data, GError **error)
{
    printf("%s %s\n", tool_command_name(), PACKAGE_VERSION);
    exit(0);
}

/* "rondo create" while a subcommand runs, else the program's name. */
static char *command_name;

void
tool_set_command(const char *command)
{
    g_free(command_name);
    command_name = g_strdup_printf("%s %s", g_get_prgname(), command);
}

const char *
tool_command_name(void)
{
    return command_name ? command_name : g_get_prgname();
}

gboolean
tool_parse(GOptionContext *context, int *argc, char ***argv)
{
    static const GOptionEntry version_entries[] = {
        {"version", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (gpointer)print_version,
         N_("Show the program's version and exit"), NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GError) error = NULL;

    g_option_context_add_main_entries(context, version_entries, GETTEXT_PACKAGE);
    g_option_context_set_translation_domain(context, GETTEXT_PACKAGE);
    /* --help's "Usage:" line names the program with g_get_prgname(). */
    g_autofree char *prgname = g_strdup(g_get_prgname());
    g_set_prgname(tool_command_name());
    gboolean ok = g_option_context_parse(context, argc, argv, &error);
    g_set_prgname(prgname);
    if (!ok) {
        tool_error("%s", error->message);
        return FALSE;
    }
    return TRUE;
}

gboolean
tool_want_args(int argc, char **argv, int n, const char *what)
{
    if (argc - 1 == n)
        return TRUE;
    if (argc - 1 < n)
        tool_error(_("missing %s; see “%s --help”"), what, tool_command_name());
    else
        tool_error(_("unexpected argument “%s”; see “%s --help”"), argv[n + 1],
                   tool_command_name());
    return FALSE;
}

guint64
tool_now_ns(void)
{
    return (guint64)g_get_real_time() * 1000;
}

gboolean
tool_set_error(GError **error, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, msg);
    return FALSE;
}

RondoStore *
tool_open_dir(GOptionContext *context, int *argc, char ***argv, int *ret_status)
{
    g_autoptr(GError) error = NULL;
    if (!tool_parse(context, argc, argv) || !tool_want_args(*argc, *argv, 1, _("DIR"))) {
        *ret_status = EXIT_USAGE;
        return NULL;
    }
    RondoStore *store = rondo_store_open((*argv)[1], RONDO_OPEN_READ_ONLY, &error);
    if (store == NULL) {
        tool_store_error((*argv)[1], error);
        *ret_status = 1;
    }
    return store;
}

char *
tool_excerpt(const char *text)
{
    g_autofree char *valid = g_utf8_make_valid(text, -1);
    if (g_utf8_strlen(valid, -1) <= TOOL_ECHO_MAX)
        return g_steal_pointer(&valid);
    const char *cut = g_utf8_offset_to_pointer(valid, TOOL_ECHO_MAX);
    return g_strdup_printf("%.*s…", (int)(cut - valid), valid);
}

gboolean
tool_check_time(const char *given, guint64 ns, GError **error)
{
    if (ns >= RONDO_TIME_MIN_NS && ns < RONDO_TIME_MAX_NS)
        return TRUE;
    g_autofree char *echo = tool_excerpt(given);
    return tool_set_error(error,
                          _("timestamp “%s” is outside the range a store keeps, 2000-01-01 "
                            "to 2200-01-01 UTC (%llu to %llu s)"),
                          echo, (unsigned long long)(RONDO_TIME_MIN_NS / RONDO_NS_PER_S),
                          (unsigned long long)(RONDO_TIME_MAX_NS / RONDO_NS_PER_S));
}
