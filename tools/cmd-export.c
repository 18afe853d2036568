/* cmd-export.c - `rondo export DIR --url URL`: one push of a store's new
 * points to a Prometheus remote-write receiver.
 *
 * Everything about delivery (batches, retries, the cursor) is librondo's
 * rondo_exporter_push(); this file turns options into exporter settings and
 * the result into a summary and an exit status. The store is opened
 * read-only, so a running writer is not disturbed; the cursor file needs
 * the directory to be writable.
 */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "rondo-export.h"
#include "rondo-tool.h"

int tool_cmd_export(int argc, char **argv); /* until rondo-tool.h lists it */

typedef struct {
    char *url;
    char *consumer;
    gint tier;
    char **labels;
    gint batch;
    gint timeout_s;
    char *bearer_file;
    char *basic_file;
} ExportOptions;

static void
export_options_clear(ExportOptions *o)
{
    g_free(o->url);
    g_free(o->consumer);
    g_strfreev(o->labels);
    g_free(o->bearer_file);
    g_free(o->basic_file);
}

/* The first line of @path, trimmed; a secret never goes on the command line. */
static char *
read_secret(const char *option, const char *path)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(path, &text, NULL, &error)) {
        tool_error("%s: %s", option, error->message);
        return NULL;
    }
    char *nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    g_strstrip(text);
    if (text[0] == '\0') {
        tool_error(_("%s: %s is empty"), option, path);
        return NULL;
    }
    return g_steal_pointer(&text);
}

static gboolean
set_auth(RondoExporter *e, const ExportOptions *o)
{
    if (o->bearer_file) {
        g_autofree char *token = read_secret("--bearer-token-file", o->bearer_file);
        if (token == NULL)
            return FALSE;
        rondo_exporter_set_bearer_token(e, token);
    } else if (o->basic_file) {
        g_autofree char *secret = read_secret("--basic-auth-file", o->basic_file);
        char *colon = secret ? strchr(secret, ':') : NULL;
        if (colon == NULL) {
            if (secret)
                tool_error(_("--basic-auth-file: %s does not hold USER:PASSWORD"), o->basic_file);
            return FALSE;
        }
        *colon = '\0';
        rondo_exporter_set_basic_auth(e, secret, colon + 1);
    }
    return TRUE;
}

/* The exporter the options describe; NULL after printing a usage error. */
static RondoExporter *
exporter_from_options(const ExportOptions *o)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoExporter) e = rondo_exporter_new(o->url, &error);

    if (e == NULL) {
        tool_error("--url: %s", error->message);
        return NULL;
    }
    for (guint i = 0; o->labels && o->labels[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(o->labels[i], "=", 2);
        if (kv[0] == NULL || kv[1] == NULL) {
            tool_error(_("--label: “%s” is not NAME=VALUE"), o->labels[i]);
            return NULL;
        }
        if (!rondo_exporter_add_label(e, kv[0], kv[1], &error)) {
            tool_error("--label: %s", error->message);
            return NULL;
        }
    }
    if ((o->batch > 0 && !rondo_exporter_set_batch(e, (guint)o->batch, 4 << 20, &error)) ||
        (o->timeout_s > 0 &&
         !rondo_exporter_set_timeouts(e, 5000, (guint)MIN(o->timeout_s, 86400) * 1000, &error))) {
        tool_error("%s", error->message);
        return NULL;
    }
    if (o->batch < 0 || o->timeout_s < 0 || o->tier < 0) {
        tool_error(_("--batch, --timeout and --tier must not be negative"));
        return NULL;
    }
    return set_auth(e, o) ? g_steal_pointer(&e) : NULL;
}

static void
print_summary(const char *dir, const RondoExportStats *st, RondoExporter *e)
{
    printf(_("%s: sent %llu samples in %llu requests (%llu bytes), dropped %llu samples in %llu "
             "requests, %llu retries, %llu slot times missed\n"),
           dir, (unsigned long long)st->samples_sent, (unsigned long long)st->batches_sent,
           (unsigned long long)st->bytes_sent, (unsigned long long)st->samples_dropped,
           (unsigned long long)st->batches_dropped, (unsigned long long)st->retries,
           (unsigned long long)st->slots_missed);
    if (st->batches_dropped > 0 && rondo_exporter_get_last_message(e))
        tool_error(_("%s: the receiver rejected data: %s"), dir,
                   rondo_exporter_get_last_message(e));
    if (st->slots_missed > 0)
        tool_error(_("%s: %llu slot times left the store before they were exported"), dir,
                   (unsigned long long)st->slots_missed);
}

static int
export_run(const char *dir, const ExportOptions *o)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(RondoExporter) e = exporter_from_options(o);
    if (e == NULL)
        return EXIT_USAGE;
    g_autoptr(RondoStore) store = rondo_store_open(dir, RONDO_OPEN_READ_ONLY, &error);
    if (store == NULL) {
        tool_store_error(dir, error);
        return 1;
    }
    RondoExportStats st = {0};
    const char *consumer = o->consumer ? o->consumer : "rondo-export";
    gboolean ok = rondo_exporter_push(e, store, consumer, (guint)o->tier, &st, &error);
    print_summary(dir, &st, e);
    if (!ok) {
        tool_store_error(dir, error);
        return 1;
    }
    return 0;
}

int
tool_cmd_export(int argc, char **argv)
{
    /* GOption does not free a default it replaces: defaults go in after parsing. */
    ExportOptions o = {0};
    GOptionEntry entries[] = {
        {"url", 'u', 0, G_OPTION_ARG_STRING, &o.url,
         N_("The receiver's remote-write URL (required)"), N_("URL")},
        {"consumer", 'c', 0, G_OPTION_ARG_STRING, &o.consumer,
         N_("Name of the cursor kept in the store (default: rondo-export)"), N_("NAME")},
        {"tier", 't', 0, G_OPTION_ARG_INT, &o.tier, N_("Tier to export (default: 0)"), N_("N")},
        {"label", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &o.labels,
         N_("Add a label to every series sent (repeatable)"), N_("NAME=VALUE")},
        {"batch", 'b', 0, G_OPTION_ARG_INT, &o.batch, N_("Samples per request (default: 2000)"),
         N_("N")},
        {"timeout", 0, 0, G_OPTION_ARG_INT, &o.timeout_s,
         N_("Seconds a request may take (default: 30)"), N_("S")},
        {"bearer-token-file", 0, 0, G_OPTION_ARG_FILENAME, &o.bearer_file,
         N_("Send the token in FILE as Authorization: Bearer"), N_("FILE")},
        {"basic-auth-file", 0, 0, G_OPTION_ARG_FILENAME, &o.basic_file,
         N_("Use HTTP basic authentication with USER:PASSWORD from FILE"), N_("FILE")},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new(_("DIR"));
    g_option_context_set_summary(
        context, _("Push the points of DIR not yet exported to a Prometheus remote-write "
                   "receiver,\nthen remember how far it got (at-least-once delivery)."));
    g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
    int status = EXIT_USAGE;
    if (!tool_parse(context, &argc, &argv) || !tool_want_args(argc, argv, 1, _("DIR")))
        ;
    else if (o.url == NULL)
        tool_error(_("--url is required; see “%s --help”"), tool_command_name());
    else if (o.bearer_file && o.basic_file)
        tool_error(_("give either --bearer-token-file or --basic-auth-file, not both"));
    else
        status = export_run(argv[1], &o);
    export_options_clear(&o);
    return status;
}
