/* fuzz-remote-write.c - remote-write bodies as a receiver decodes them.
 *
 * Input: a request body, snappy block format around a protobuf
 * WriteRequest, decoded as the fake receiver of tests/export does
 * (tests/export/decode.c). A request that decodes is given back to rondo's
 * encoder (rondo_remote_write_encode()), series by series: "__name__" as
 * the name, the other labels as pairs, timestamps in ns. Oracle beyond the
 * sanitizers: what the encoder accepts decodes again to the same number
 * of series, each with its samples, and the same labels but empty values.
 */
#include "config.h"
#include <string.h>
#include "decode.h"
#include "fuzz.h"
#include "rondo-export.h"

#define BODY_BYTES_MAX ((gsize)4 << 20)
#define SAMPLE_NS_MAX  (G_MAXUINT64 / 1000000)
#define NS_PER_MS      G_GUINT64_CONSTANT(1000000)
#define LABELS_MAX     64

/* One decoded series as the encoder's input; FALSE if it cannot be one. */
static gboolean
series_from_pb(const Prometheus__TimeSeries *ts, RondoExportSeries *out, GPtrArray *pairs,
               GArray *times, GArray *values)
{
    out->name = NULL;
    for (gsize i = 0; i < ts->n_labels && i < LABELS_MAX; i++) {
        const Prometheus__Label *l = ts->labels[i];
        if (g_strcmp0(l->name, "__name__") == 0)
            out->name = l->value;
        else {
            g_ptr_array_add(pairs, l->name);
            g_ptr_array_add(pairs, l->value);
        }
    }
    g_ptr_array_add(pairs, NULL);
    for (gsize i = 0; i < ts->n_samples; i++) {
        guint64 ms = (guint64)ts->samples[i]->timestamp;
        if (ts->samples[i]->timestamp < 0 || ms > SAMPLE_NS_MAX)
            return FALSE;
        guint64 ns = ms * NS_PER_MS;
        g_array_append_val(times, ns);
        g_array_append_val(values, ts->samples[i]->value);
    }
    out->labels = (const char *const *)pairs->pdata;
    out->timestamps_ns = (const guint64 *)(void *)times->data;
    out->values = (const double *)(void *)values->data;
    out->n_samples = ts->n_samples;
    return ts->n_labels <= LABELS_MAX;
}

static gsize
labels_kept(const RondoExportSeries *s)
{
    gsize n = 1; /* __name__ */
    for (gsize i = 0; s->labels[i] != NULL; i += 2)
        n += s->labels[i + 1][0] != '\0';
    return n;
}

static void
reencode(const Prometheus__TimeSeries *ts)
{
    g_autoptr(GPtrArray) pairs = g_ptr_array_new();
    g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_autoptr(GArray) values = g_array_new(FALSE, FALSE, sizeof(double));
    RondoExportSeries s;
    if (!series_from_pb(ts, &s, pairs, times, values))
        return;
    g_autoptr(GBytes) body = rondo_remote_write_encode(&s, 1, NULL, NULL);
    if (body == NULL)
        return;
    gsize n = 0;
    const guint8 *pb = g_bytes_get_data(body, &n);
    Prometheus__WriteRequest *again = prometheus__write_request__unpack(NULL, n, pb);
    if (again == NULL || again->n_timeseries != 1)
        fuzz_fail("an encoded request does not decode");
    const Prometheus__TimeSeries *t = again->timeseries[0];
    if (t->n_samples != s.n_samples || t->n_labels != labels_kept(&s))
        fuzz_fail("encoded: %zu samples and %zu labels for %zu and %zu", t->n_samples, t->n_labels,
                  s.n_samples, labels_kept(&s));
    for (gsize i = 1; i < t->n_labels; i++) {
        if (strcmp(t->labels[i - 1]->name, t->labels[i]->name) >= 0)
            fuzz_fail("encoded labels are not sorted and unique");
    }
    prometheus__write_request__free_unpacked(again, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    Prometheus__WriteRequest *req = write_request_decode(data, size, BODY_BYTES_MAX, NULL, NULL);
    if (req == NULL)
        return 0;
    for (gsize i = 0; i < req->n_timeseries; i++)
        reencode(req->timeseries[i]);
    prometheus__write_request__free_unpacked(req, NULL);
    return 0;
}
