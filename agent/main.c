/* main.c - rondo-fc-agent: Firecracker's (and Cloud Hypervisor's) metrics,
 * one point per second per metric, into a rondo store per VM.
 *
 * main() reads like the script of a run: options, then either one VM
 * (--metrics-fifo, or --ch-api-socket) whose departure ends the run, or
 * the discovery of every VM under --watch-dir until SIGTERM; a tick on
 * every second's half drives it all; SIGTERM and SIGINT close every store
 * before the exit. Everything runs on the main loop; only store opening
 * and series registration go to worker threads (recorder.c).
 *
 * Why the half second: a VMM's reading carries the time it was taken, and
 * a reading taken on the half second is as far as it can be from a slot
 * boundary, so jitter never puts two readings in one 1 s slot.
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "collector.h"
#include "discovery.h"

#define EXIT_USAGE      2
#define STOP_TIMEOUT_S  30
#define SERIES_MAX_DFLT 512
#define CH_SERIES_MAX   128

typedef struct {
    char *watch_dir, *state_dir, *fifo_name, *socket_name, *ch_socket_name;
    char *metrics_fifo, *api_socket, *ch_api_socket, *store, *vm_id;
    int series_max;
    gboolean version;
} Options;

typedef struct {
    Options opt;
    GMainLoop *loop;
    Discovery *discovery; /* discovery mode */
    Collector *single;    /* single-VM mode */
    gboolean single_done;
    gboolean stopping;
    guint tick_id;
    int status;
} Agent;

static void
options_clear(Options *o)
{
    g_free(o->watch_dir);
    g_free(o->state_dir);
    g_free(o->fifo_name);
    g_free(o->socket_name);
    g_free(o->ch_socket_name);
    g_free(o->metrics_fifo);
    g_free(o->api_socket);
    g_free(o->ch_api_socket);
    g_free(o->store);
    g_free(o->vm_id);
}

static gboolean
options_parse(Options *o, int *argc, char ***argv, GError **error)
{
    const GOptionEntry entries[] = {
        {"watch-dir", 'w', 0, G_OPTION_ARG_FILENAME, &o->watch_dir,
         N_("Directory of the VMs, one subdirectory each (default /run/firecracker)"), N_("DIR")},
        {"state-dir", 's', 0, G_OPTION_ARG_FILENAME, &o->state_dir,
         N_("Where each VM's store is made, as DIR/VM-ID (default /var/lib/rondo)"), N_("DIR")},
        {"fifo-name", 0, 0, G_OPTION_ARG_FILENAME, &o->fifo_name,
         N_("Firecracker's metrics FIFO in a VM's directory (default metrics.fifo)"), N_("NAME")},
        {"socket-name", 0, 0, G_OPTION_ARG_FILENAME, &o->socket_name,
         N_("Firecracker's API socket in a VM's directory (default api.sock)"), N_("NAME")},
        {"ch-socket-name", 0, 0, G_OPTION_ARG_FILENAME, &o->ch_socket_name,
         N_("Cloud Hypervisor's API socket in a VM's directory (default ch.sock)"), N_("NAME")},
        {"metrics-fifo", 'f', 0, G_OPTION_ARG_FILENAME, &o->metrics_fifo,
         N_("Collect this one Firecracker VM's metrics FIFO, then exit"), N_("PATH")},
        {"api-socket", 'a', 0, G_OPTION_ARG_FILENAME, &o->api_socket,
         N_("With --metrics-fifo: its API socket, asked to flush every second"), N_("PATH")},
        {"ch-api-socket", 0, 0, G_OPTION_ARG_FILENAME, &o->ch_api_socket,
         N_("Collect this one Cloud Hypervisor VM's counters, then exit"), N_("PATH")},
        {"store", 'd', 0, G_OPTION_ARG_FILENAME, &o->store, N_("With one VM: its store directory"),
         N_("DIR")},
        {"vm-id", 0, 0, G_OPTION_ARG_STRING, &o->vm_id,
         N_("With one VM: its name in the log (default: the store's name)"), N_("ID")},
        {"series-max", 'n', 0, G_OPTION_ARG_INT, &o->series_max,
         N_("Series a Firecracker VM's store holds (default 512)"), N_("N")},
        {"version", 0, 0, G_OPTION_ARG_NONE, &o->version, N_("Print the version and exit"), NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_option_context_set_translation_domain(ctx, GETTEXT_PACKAGE);
    g_option_context_set_summary(
        ctx, _("Record the metrics of Firecracker (and Cloud Hypervisor) VMs, one point per second "
               "per metric, into a rondo store per VM."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    return g_option_context_parse(ctx, argc, argv, error);
}

/* Fills the defaults; NULL, or what is wrong with the options. */
static const char *
options_check(Options *o)
{
    const char *const defaults[] = {"/run/firecracker", "/var/lib/rondo", "metrics.fifo",
                                    "api.sock", "ch.sock"};
    char **fields[] = {&o->watch_dir, &o->state_dir, &o->fifo_name, &o->socket_name,
                       &o->ch_socket_name};
    G_STATIC_ASSERT(G_N_ELEMENTS(defaults) == G_N_ELEMENTS(fields));
    for (gsize i = 0; i < G_N_ELEMENTS(fields); i++)
        if (*fields[i] == NULL)
            *fields[i] = g_strdup(defaults[i]);
    if (o->series_max == 0)
        o->series_max = SERIES_MAX_DFLT;
    gboolean single = o->metrics_fifo != NULL || o->ch_api_socket != NULL;
    if (o->metrics_fifo != NULL && o->ch_api_socket != NULL)
        return _("--metrics-fifo and --ch-api-socket exclude each other");
    if (single != (o->store != NULL))
        return _("--store goes with --metrics-fifo or --ch-api-socket, and they need it");
    if (o->api_socket != NULL && o->metrics_fifo == NULL)
        return _("--api-socket needs --metrics-fifo");
    if (o->series_max < 16 || o->series_max > RONDO_SERIES_MAX)
        return _("--series-max must be between 16 and 65536");
    if (o->vm_id == NULL && o->store != NULL)
        o->vm_id = g_path_get_basename(o->store);
    if (o->vm_id != NULL && !discovery_vm_id_is_valid(o->vm_id))
        return _("--vm-id (or the store's name) must be 1..128 of [A-Za-z0-9._-], not starting "
                 "with '.'");
    return NULL;
}

/* ------------------------------------------------------------- the tick */

static guint
tick_delay_ms(void)
{
    guint ms = (guint)((g_get_real_time() / 1000) % 1000);
    guint delay = (1500 - ms) % 1000;
    return delay < 20 ? delay + 1000 : delay;
}

static gboolean agent_tick(gpointer data);

static void
agent_schedule_tick(Agent *a)
{
    a->tick_id = g_timeout_add(tick_delay_ms(), agent_tick, a);
}

static gboolean
agent_tick(gpointer data)
{
    Agent *a = data;
    guint64 now_ns = (guint64)g_get_real_time() * 1000;
    if (a->discovery != NULL)
        discovery_tick(a->discovery, now_ns);
    if (a->single != NULL && !a->single_done)
        collector_tick(a->single, now_ns);
    if (a->stopping && (a->discovery == NULL || discovery_get_n_active(a->discovery) == 0) &&
        (a->single == NULL || a->single_done))
        g_main_loop_quit(a->loop);
    agent_schedule_tick(a);
    return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------ stopping */

static void
agent_on_single_done(Collector *c, gpointer data)
{
    Agent *a = data;
    a->single_done = TRUE;
    g_main_loop_quit(a->loop);
}

static gboolean
agent_on_stop_timeout(gpointer data)
{
    Agent *a = data;
    g_message(_("stores still closing after %d s; exiting anyway"), STOP_TIMEOUT_S);
    a->status = EXIT_FAILURE;
    g_main_loop_quit(a->loop);
    return G_SOURCE_REMOVE;
}

static gboolean
agent_on_signal(gpointer data)
{
    Agent *a = data;
    if (a->stopping)
        return G_SOURCE_CONTINUE;
    g_message(_("stopping: closing every store"));
    a->stopping = TRUE;
    if (a->discovery != NULL)
        discovery_shutdown(a->discovery);
    if (a->single != NULL)
        collector_leave(a->single, _("agent stopping"));
    g_timeout_add_seconds(STOP_TIMEOUT_S, agent_on_stop_timeout, a);
    return G_SOURCE_CONTINUE;
}

/* -------------------------------------------------------------- running */

static gboolean
agent_start(Agent *a, GError **error)
{
    Options *o = &a->opt;
    if (o->store == NULL) {
        DiscoveryConfig cfg = {o->watch_dir,   o->state_dir,      o->fifo_name,
                               o->socket_name, o->ch_socket_name, (guint32)o->series_max};
        g_message(_("watching %s; stores in %s"), o->watch_dir, o->state_dir);
        a->discovery = discovery_new(&cfg);
        return TRUE;
    }
    gboolean fc = o->metrics_fifo != NULL;
    CollectorConfig cfg = {o->vm_id, o->store, o->metrics_fifo,
                           fc ? o->api_socket : o->ch_api_socket,
                           fc ? (guint32)o->series_max : CH_SERIES_MAX};
    a->single =
        collector_new(fc ? &fc_source_ops : &ch_source_ops, &cfg, agent_on_single_done, a, error);
    return a->single != NULL;
}

static int
agent_run(Agent *a)
{
    g_autoptr(GError) error = NULL;
    if (!agent_start(a, &error)) {
        g_printerr("rondo-fc-agent: %s\n", error->message);
        return EXIT_FAILURE;
    }
    a->loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, agent_on_signal, a);
    g_unix_signal_add(SIGINT, agent_on_signal, a);
    agent_schedule_tick(a);
    g_main_loop_run(a->loop);
    return a->status;
}

static void
agent_clear(Agent *a)
{
    if (a->tick_id != 0)
        g_source_remove(a->tick_id);
    if (a->discovery != NULL && discovery_get_n_active(a->discovery) == 0)
        discovery_free(a->discovery);
    if (a->single_done)
        collector_free(a->single);
    if (a->loop != NULL)
        g_main_loop_unref(a->loop);
    options_clear(&a->opt);
}

int
main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    Agent a = {.status = EXIT_SUCCESS};
    g_autoptr(GError) error = NULL;
    const char *problem = NULL;
    int status = EXIT_USAGE;
    if (!options_parse(&a.opt, &argc, &argv, &error))
        problem = error->message;
    else if (argc > 1)
        problem = _("unexpected argument");
    else if (a.opt.version) {
        g_print("rondo-fc-agent %s\n", PACKAGE_VERSION);
        status = EXIT_SUCCESS;
    } else if ((problem = options_check(&a.opt)) == NULL)
        status = agent_run(&a);
    if (problem != NULL)
        g_printerr("rondo-fc-agent: %s\n", problem);
    agent_clear(&a);
    return status;
}
