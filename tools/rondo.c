/* rondo.c - the administration command: dispatches to subcommands.
 *
 * Each subcommand is a cmd-*.c file; this file only sets up the locale,
 * knows the table of commands and prints the overview for --help.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "rondo-tool.h"

typedef struct {
    const char *name;
    ToolCommand run;
    const char *summary;
} Command;

static const Command commands[] = {
    {"create", tool_cmd_create, N_("create a store from a preset or a schema file")},
    {"info", tool_cmd_info, N_("describe a store: schemas, tiers, usage, cursors, size")},
    {"import", tool_cmd_import, N_("record points read from standard input")},
    {"query", tool_cmd_query, N_("print the points of the series a selector matches")},
    {"verify", tool_cmd_verify, N_("check every file of a store, repairing nothing")},
    {"dump", tool_cmd_dump, N_("write a whole store as portable JSON")},
    {"restore", tool_cmd_restore, N_("create a store from a dump")},
    {"consolidate", tool_cmd_consolidate, N_("fill the coarser tiers once, now")},
    {"upgrade", tool_cmd_upgrade, N_("convert a store of an older format version in place")},
    {"resize", tool_cmd_resize, N_("grow a schema in place: series, slots, tiers, functions")},
    {"export", tool_cmd_export, N_("push new points to a Prometheus remote-write receiver")},
    {"bench", tool_cmd_bench, N_("measure the cost of record() and of queries")},
};

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
    tool_init("rondo");
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
        if (g_str_equal(argv[1], commands[i].name)) {
            tool_set_command(commands[i].name);
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    tool_error(_("unknown command “%s”; see “rondo --help”"), argv[1]);
    return EXIT_USAGE;
}
