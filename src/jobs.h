/* jobs.h - running a slow request in a worker thread without blocking the main loop. */
#ifndef RONDOD_JOBS_H
#define RONDOD_JOBS_H

#include "daemon.h"

/* What a job answers: filled in the worker thread, sent from the main loop. */
typedef struct {
    guint status;
    GString *body; /* JSON; owned by the reply */
    char *retry_after;
} JobReply;

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
