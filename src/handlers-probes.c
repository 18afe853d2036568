/* handlers-probes.c - /healthz (the process answers) and /readyz (stores loaded, export flowing).
 *
 * Probes bypass the bearer token (they reveal nothing but liveness), so a
 * systemd or container health check needs no secret.
 */
#include "config.h"

#include "handlers.h"
#include "http.h"
#include "server.h"

void
handle_healthz(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    http_respond_text(msg, SOUP_STATUS_OK, "text/plain", g_string_new("ok\n"));
}

void
handle_readyz(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
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
