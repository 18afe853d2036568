/* rondod.c - the rondo host daemon: serves every store under its state directory over HTTP.
 *
 * main() reads like the start-up script: options, configuration file,
 * command-line overrides, the store registry, the HTTP server, the loop.
 * Everything mutable belongs to the main loop; slow queries run in worker
 * threads (jobs.c) that touch only what they were handed.
 *
 * With an [export] url, a remote-write export worker (export.c) is one more
 * owner, started after registry_start() and stopped (cancelled, joined)
 * as soon as the loop quits, before anything it borrowed goes away.
 *
 * SIGHUP (systemctl reload) reads the configuration again: [limits],
 * [export] and the token take effect at once; listen, state_dir,
 * allow_remote and dashboard_dir need a restart (said in the journal). A
 * configuration that does not load or validate is refused and the running
 * one kept. Replaced configurations stay allocated until exit, as threads
 * may still read their limits.
 */
#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "conf.h"
#include "daemon.h"
#include "registry.h"
#include "server.h"

typedef struct {
    char *config;
    char *listen;
    char *state_dir;
    char *auth_token_file;
    char *dashboard_dir;
    gboolean allow_remote;
    gboolean version;
} Options;

static void
options_clear(Options *o)
{
    g_free(o->config);
    g_free(o->listen);
    g_free(o->state_dir);
    g_free(o->auth_token_file);
    g_free(o->dashboard_dir);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Options, options_clear)

static gboolean
options_parse(Options *o, int *argc, char ***argv, GError **error)
{
    /* The defaults are configure-time paths: formatted into the translated
     * text, as xgettext cannot see through the macros. */
    g_autofree char *config_help =
        g_strdup_printf(_("Configuration file (default %s)"), RONDOD_DEFAULT_CONFIG);
    g_autofree char *listen_help =
        g_strdup_printf(_("Address to listen on (default %s)"), RONDOD_DEFAULT_LISTEN);
    g_autofree char *state_dir_help = g_strdup_printf(
        _("Directory holding one store per VM (default %s)"), RONDOD_DEFAULT_STATE_DIR);
    g_autofree char *dashboard_help = g_strdup_printf(
        _("Directory of the dashboard files (default %s)"), PKGDATADIR "/dashboard");
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config, config_help, N_("FILE")},
        {"listen", 'l', 0, G_OPTION_ARG_STRING, &o->listen, listen_help, N_("ADDR:PORT")},
        {"state-dir", 's', 0, G_OPTION_ARG_FILENAME, &o->state_dir, state_dir_help, N_("DIR")},
        {"auth-token-file", 't', 0, G_OPTION_ARG_FILENAME, &o->auth_token_file,
         N_("Require this bearer token on every request but the probes"), N_("FILE")},
        {"allow-remote", 0, 0, G_OPTION_ARG_NONE, &o->allow_remote,
         N_("Allow listening on a non-loopback address"), NULL},
        {"dashboard-dir", 0, 0, G_OPTION_ARG_FILENAME, &o->dashboard_dir, dashboard_help,
         N_("DIR")},
        {"version", 0, 0, G_OPTION_ARG_NONE, &o->version, N_("Print the version and exit"), NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_option_context_set_summary(ctx, _("Serve the rondo stores of this host over HTTP."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse(ctx, argc, argv, error))
        return FALSE;
    if (*argc > 1) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("unexpected argument “%s”"),
                    (*argv)[1]);
        return FALSE;
    }
    return TRUE;
}

static void
override(char **field, const char *value)
{
    if (value == NULL)
        return;
    g_free(*field);
    *field = g_strdup(value);
}

/* The configuration file, then the command line over it. */
static RondodConfig *
config_build(const Options *o, GError **error)
{
    g_autoptr(RondodConfig) c = rondod_config_new();
    const char *path = o->config ? o->config : RONDOD_DEFAULT_CONFIG;
    if (!rondod_config_load(c, path, o->config != NULL, error))
        return NULL;
    override(&c->listen, o->listen);
    override(&c->state_dir, o->state_dir);
    override(&c->auth_token_file, o->auth_token_file);
    override(&c->dashboard_dir, o->dashboard_dir);
    c->allow_remote |= o->allow_remote;
    if (!rondod_config_validate(c, error))
        return NULL;
    return g_steal_pointer(&c);
}

static gboolean
on_quit(gpointer data)
{
    g_message("stopping");
    g_main_loop_quit(data);
    return G_SOURCE_CONTINUE;
}

typedef struct {
    Daemon *d;
    const Options *options;
    GPtrArray *configs; /* every configuration loaded, the current one last */
} Reload;

static void
reload_say_restart(const RondodConfig *old, const RondodConfig *c)
{
    if (g_strcmp0(old->listen, c->listen) != 0 || g_strcmp0(old->state_dir, c->state_dir) != 0 ||
        g_strcmp0(old->dashboard_dir, c->dashboard_dir) != 0 ||
        old->allow_remote != c->allow_remote || old->rescan_interval_s != c->rescan_interval_s)
        g_message("reload: listen, state_dir, allow_remote, dashboard_dir and rescan_interval "
                  "take effect on restart");
}

/* Replaces the export worker by one for @c; FALSE keeps the old one. */
static gboolean
reload_export(Daemon *d, const RondodConfig *c, GError **error)
{
    Export *next = NULL;
    if (c->export.url != NULL && (next = export_new(&c->export, d->registry, error)) == NULL)
        return FALSE;
    if (d->export != NULL) {
        export_stop(d->export);
        export_free(d->export);
    }
    d->export = next;
    if (next != NULL)
        export_start(next);
    return TRUE;
}

static gboolean
on_hup(gpointer data)
{
    Reload *r = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(RondodConfig) c = config_build(r->options, &error);
    const RondodConfig *old = r->d->config;
    if (c == NULL || !reload_export(r->d, c, &error)) {
        g_message("reload refused, the running configuration stays: %s", error->message);
        return G_SOURCE_CONTINUE;
    }
    reload_say_restart(old, c);
    r->d->config = c;
    if (!server_reload_token(r->d, &error))
        g_message("reload: the token stays the old one: %s", error->message);
    g_ptr_array_add(r->configs, g_steal_pointer(&c));
    registry_scan(r->d->registry);
    g_message("reload: configuration read again%s", r->d->export ? ", export running" : "");
    return G_SOURCE_CONTINUE;
}

static int
run(RondodConfig *config, const Options *options)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) configs =
        g_ptr_array_new_with_free_func((GDestroyNotify)rondod_config_free);
    g_ptr_array_add(configs, config);
    g_autoptr(Registry) registry = registry_new(config->state_dir);
    g_autoptr(Metrics) metrics = metrics_new();
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    Daemon d = {
        .config = config,
        .registry = registry,
        .metrics = metrics,
        .dashboard_dir = config->dashboard_dir ? config->dashboard_dir : PKGDATADIR "/dashboard",
        .started_us = g_get_monotonic_time(),
    };

    if (config->export.url != NULL &&
        (d.export = export_new(&config->export, registry, &error)) == NULL) {
        g_printerr("rondod: %s\n", error->message);
        return EXIT_FAILURE;
    }
    registry_start(registry, config->rescan_interval_s);
    if (!server_start(&d, &error)) {
        g_printerr("rondod: %s\n", error->message);
        server_stop(&d);
        g_clear_pointer(&d.export, export_free);
        return EXIT_FAILURE;
    }
    g_message("serving %u stores from %s", registry_get_n_stores(registry), config->state_dir);
    g_unix_signal_add(SIGTERM, on_quit, loop);
    g_unix_signal_add(SIGINT, on_quit, loop);
    Reload reload = {&d, options, configs};
    g_unix_signal_add(SIGHUP, on_hup, &reload);
    if (d.export != NULL)
        export_start(d.export);
    g_main_loop_run(loop);
    if (d.export != NULL) {
        export_stop(d.export); /* cancels a push waiting on a receiver: quick */
        export_free(d.export);
    }
    server_stop(&d);
    return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* RONDO_LOCALEDIR: catalogues of an uninstalled tree (tests). */
    const char *localedir = g_getenv("RONDO_LOCALEDIR");
    bindtextdomain(GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    g_auto(Options) opts = {0};
    g_autoptr(GError) error = NULL;
    if (!options_parse(&opts, &argc, &argv, &error)) {
        g_printerr("rondod: %s\n", error->message);
        return 2;
    }
    if (opts.version) {
        g_print("rondod %s\n", PACKAGE_VERSION);
        return EXIT_SUCCESS;
    }
    RondodConfig *config = config_build(&opts, &error);
    if (config == NULL) {
        g_printerr("rondod: %s\n", error->message);
        return EXIT_FAILURE;
    }
    return run(config, &opts); /* takes the configuration */
}
