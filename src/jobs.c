/* jobs.c - heavy queries off the main loop: pause, GTask thread, unpause.
 *
 * libsoup's server runs on one GMainContext: a handler that computes for a
 * second stalls every other client for that second. A query handler that
 * may be slow therefore pauses its message, hands the work to a GTask
 * thread and returns; the completion callback, back on the main loop, sets
 * the response and unpauses. The number of such jobs is bounded
 * (max_concurrent_queries); beyond it clients get 429 and Retry-After.
 *
 * Ownership: the worker thread sees only the job (its data, the acquired
 * store handles, the reply); the message and the Daemon stay on the main loop.
 */
#include "config.h"

#include <string.h>

#include "http.h"
#include "jobs.h"

typedef struct {
    Daemon *d;
    SoupServerMessage *msg;
    GPtrArray *handles;
    JobFunc fn;
    gpointer data;
    GDestroyNotify data_free;
    JobReply reply;
} Job;

static void
job_free(Job *job)
{
    registry_release(job->handles);
    if (job->data_free)
        job->data_free(job->data);
    job_reply_clear(&job->reply);
    g_object_unref(job->msg);
    g_free(job);
}

static void
job_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    Job *job = task_data;
    job->fn(job->data, &job->reply);
    g_task_return_boolean(task, TRUE);
}

void
job_reply_send(SoupServerMessage *msg, JobReply *reply)
{
    g_return_if_fail(reply->body != NULL);
    SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
    if (reply->retry_after)
        soup_message_headers_replace(h, "Retry-After", reply->retry_after);
    if (reply->content_encoding)
        soup_message_headers_replace(h, "Content-Encoding", reply->content_encoding);
    http_respond_text(msg, reply->status,
                      reply->content_type ? reply->content_type : "application/json",
                      g_steal_pointer(&reply->body));
}

void
job_reply_clear(JobReply *reply)
{
    if (reply->body != NULL)
        g_string_free(reply->body, TRUE);
    g_free(reply->retry_after);
    memset(reply, 0, sizeof *reply);
}

static void
job_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    Job *job = g_task_get_task_data(G_TASK(result));
    job->d->heavy_in_flight--;
    job_reply_send(job->msg, &job->reply);
    soup_server_message_unpause(job->msg);
    /* Free the job here, on the main loop, whichever thread drops the last task ref. */
    g_task_set_task_data(G_TASK(result), NULL, NULL);
}

void
job_reply_error(JobReply *reply, guint status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (reply->body != NULL)
        g_string_free(reply->body, TRUE);
    reply->status = status;
    reply->content_type = reply->content_encoding = NULL;
    reply->body = http_error_body(status, text);
}

void
job_submit(Daemon *d, SoupServerMessage *msg, GPtrArray *handles, JobFunc fn, gpointer data,
           GDestroyNotify data_free)
{
    if (d->heavy_in_flight >= d->config->max_concurrent_queries) {
        registry_release(handles);
        if (data_free)
            data_free(data);
        metrics_rejected(d->metrics, "too_many_queries");
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After",
                                     "1");
        http_respond_error(msg, HTTP_STATUS_TOO_MANY_REQUESTS,
                           "too many concurrent queries (limit max_concurrent_queries=%u)",
                           d->config->max_concurrent_queries);
        return;
    }
    Job *job = g_new0(Job, 1);
    job->d = d;
    job->msg = g_object_ref(msg);
    job->handles = handles;
    job->fn = fn;
    job->data = data;
    job->data_free = data_free;
    job->reply.status = SOUP_STATUS_INTERNAL_SERVER_ERROR;
    d->heavy_in_flight++;
    soup_server_message_pause(msg);
    g_autoptr(GTask) task = g_task_new(NULL, NULL, job_done, NULL);
    g_task_set_task_data(task, job, (GDestroyNotify)job_free);
    g_task_run_in_thread(task, job_thread);
}
