/* handlers-probes.c - /healthz (the process answers) and /readyz (stores loaded, export flowing).
 *
 * Probes bypass the bearer token (they reveal nothing but liveness), so a
 * systemd or container health check needs no secret.
 */
#include "config.h"

#include "handlers.h"
#include "http.h"
#include "server.h"

static void
on_healthz(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
           gpointer user_data)
{
    if (!http_check_method(msg, FALSE))
        return;
    http_respond_text(msg, SOUP_STATUS_OK, "text/plain", g_string_new("ok\n"));
}

static void
on_readyz(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
          gpointer user_data)
{
    Daemon *d = user_data;
    if (!http_check_method(msg, FALSE))
        return;
    if (!registry_is_ready(d->registry)) {
        http_respond_error(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "stores not loaded yet");
        return;
    }
    g_autofree char *reason = NULL;
    if (d->export != NULL && !export_is_ready(d->export, &reason)) {
        http_respond_error(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "%s", reason);
        return;
    }
    http_respond_text(msg, SOUP_STATUS_OK, "text/plain", g_string_new("ready\n"));
}

void
handlers_register_probes(Daemon *d)
{
    server_add_handler(d, "/healthz", on_healthz);
    server_add_handler(d, "/readyz", on_readyz);
}
