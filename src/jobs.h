/* jobs.h - running a slow request in a worker thread without blocking the main loop. */
#ifndef RONDOD_JOBS_H
#define RONDOD_JOBS_H

#include "daemon.h"

/* What a job answers: filled in the worker thread, sent from the main loop. */
typedef struct {
    guint status;
    GString *body; /* owned by the reply */
    char *retry_after;
    const char *content_type;     /* static; NULL: application/json */
    const char *content_encoding; /* static; NULL: none */
} JobReply;

/* Sets @reply to the JSON error envelope with @status (see http_respond_error()). */
G_GNUC_PRINTF(3, 4)
void job_reply_error(JobReply *reply, guint status, const char *fmt, ...);

/* Answers @msg with @reply (status, headers, body); takes the body. */
void job_reply_send(SoupServerMessage *msg, JobReply *reply);

/* Frees what @reply holds and zeroes it. */
void job_reply_clear(JobReply *reply);

typedef void (*JobFunc)(gpointer data, JobReply *reply);

/*
 * Answers @msg with what @fn (run in a worker thread with @data) replies.
 * The message is paused meanwhile; @handles (from registry_acquire) are
 * released on the main loop when the job ends. When max_concurrent_queries
 * jobs are already running, answers 429 with Retry-After at once instead.
 * Takes @handles and @data in every case.
 */
void job_submit(Daemon *d, SoupServerMessage *msg, GPtrArray *handles, JobFunc fn, gpointer data,
                GDestroyNotify data_free);

#endif
