/* fake-receiver.h - a remote-write receiver that misbehaves on request.
 *
 * A libsoup server on 127.0.0.1 in its own thread. It decodes every request
 * (snappy + protobuf), checks the wire format's rules, and answers from a
 * script; samples count as received only when it answers 2xx.
 */
#ifndef FAKE_RECEIVER_H
#define FAKE_RECEIVER_H

#include <glib.h>

typedef struct {
    char *key; /* "name{k=v,...}" as received, labels in received order */
    gint64 timestamp_ms;
    double value;
} FakeSample;

typedef struct _FakeReceiver FakeReceiver;

FakeReceiver *fake_receiver_new(void);
void fake_receiver_free(FakeReceiver *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeReceiver, fake_receiver_free)

/* http://127.0.0.1:PORT/api/v1/write */
const char *fake_receiver_url(FakeReceiver *r);

/* Answers for the next requests, comma-separated, used once each in order;
 * afterwards every request gets 200. Items: a status ("500"), a status
 * with Retry-After seconds ("429:1") or with Retry-After an HTTP-date that
 * many seconds from now ("429@2"), "slow:MS" (answer 200 after MS
 * milliseconds), "hang" (never answer), "kill" (accept, SIGKILL the pid
 * set below, answer 200). */
void fake_receiver_script(FakeReceiver *r, const char *script);
/* Delays every 200 by @ms (a receiver with some latency). */
void fake_receiver_set_latency(FakeReceiver *r, guint ms);
void fake_receiver_set_kill_pid(FakeReceiver *r, GPid pid);

/* Copies of what was received so far (under the receiver's lock). */
GArray *fake_receiver_samples(FakeReceiver *r); /* FakeSample, caller frees with the helper */
void fake_samples_free(GArray *samples);
guint fake_receiver_n_requests(FakeReceiver *r);
/* Connections that carried requests, told apart by their remote port. */
guint fake_receiver_n_connections(FakeReceiver *r);
guint fake_receiver_max_request_samples(FakeReceiver *r);
gsize fake_receiver_max_request_bytes(FakeReceiver *r); /* uncompressed */
/* Per accepted request, its sample count, in order. */
GArray *fake_receiver_request_sizes(FakeReceiver *r);
/* Wire-format rule violations seen (headers, label order, sample order). */
char *fake_receiver_violations(FakeReceiver *r);
char *fake_receiver_last_authorization(FakeReceiver *r);
/* "name type unit help\n" per MetricMetadata of an accepted request, in order
 * (type as prompb numbers it). */
char *fake_receiver_metadata(FakeReceiver *r);

#endif
