/* rondo.c - the administration command: dispatches to subcommands.
 *
 * Each subcommand is a cmd-*.c file; this file only sets up the locale,
 * knows the table of commands and prints the overview for --help.
 */
#include "config.h"
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include "rondo-tool.h"

typedef struct {
    const char *name;
    RondoToolCommand run;
    const char *summary;
} Command;

static const Command commands[] = {
    {"bench", rondo_cmd_bench, N_("measure the cost of record() and of queries")},
};

void
rondo_tool_error(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    g_autofree char *msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    fprintf(stderr, "rondo: %s\n", msg);
}

gboolean
rondo_tool_parse(GOptionContext *context, int *argc, char ***argv)
{
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(context, argc, argv, &error)) {
        rondo_tool_error("%s", error->message);
        return FALSE;
    }
    return TRUE;
}

static void
usage(FILE *out)
{
    fprintf(out, _("Usage: rondo COMMAND [OPTION…]\n\n"));
    fprintf(out, _("Administer rondo time-series stores.\n\nCommands:\n"));
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-12s %s\n", commands[i].name, _(commands[i].summary));
    fprintf(out, _("\nRun “rondo COMMAND --help” for a command's options.\n"));
}

int
main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    if (g_str_equal(argv[1], "--version")) {
        printf("rondo %s\n", PACKAGE_VERSION);
        return 0;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (g_str_equal(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    }
    rondo_tool_error(_("unknown command “%s”; see “rondo --help”"), argv[1]);
    return EXIT_USAGE;
}
