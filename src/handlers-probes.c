/* handlers-probes.c - /healthz (the process answers) and /readyz (stores loaded, export flowing).
 *
 * Probes bypass the bearer token (they reveal nothing but liveness), so a
 * systemd or container health check needs no secret.
 */
#include "config.h"

#include "handlers.h"
#include "jobs.h"
#include "server.h"

/* The answers, made once for both ways in: libsoup's handler and the quick answer (quick.c). */
static void
probe_healthz(Daemon *d, JobReply *reply)
{
    reply->status = SOUP_STATUS_OK;
    reply->content_type = "text/plain";
    reply->body = g_string_new("ok\n");
}

static void
probe_readyz(Daemon *d, JobReply *reply)
{
    if (!registry_is_ready(d->registry)) {
        job_reply_error(reply, SOUP_STATUS_SERVICE_UNAVAILABLE, "stores not loaded yet");
        return;
    }
    g_autofree char *reason = NULL;
    if (d->export != NULL && !export_is_ready(d->export, &reason)) {
        job_reply_error(reply, SOUP_STATUS_SERVICE_UNAVAILABLE, "%s", reason);
        return;
    }
    reply->status = SOUP_STATUS_OK;
    reply->content_type = "text/plain";
    reply->body = g_string_new("ready\n");
}

static void
probe_send(Daemon *d, SoupServerMessage *msg, void (*probe)(Daemon *, JobReply *))
{
    JobReply reply = {0};
    probe(d, &reply);
    job_reply_send(msg, &reply);
    job_reply_clear(&reply);
}

void
handle_healthz(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    probe_send(d, msg, probe_healthz);
}

void
handle_readyz(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    probe_send(d, msg, probe_readyz);
}

gboolean
quick_healthz(Daemon *d, const char *path, const Params *p, JobReply *reply)
{
    probe_healthz(d, reply);
    return TRUE;
}

gboolean
quick_readyz(Daemon *d, const char *path, const Params *p, JobReply *reply)
{
    probe_readyz(d, reply);
    return TRUE;
}
