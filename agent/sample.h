/* sample.h - the values one VMM reading yields, before they meet a store.
 *
 * A parser (fc-parse.c, ch-parse.c) turns one reading - a Firecracker
 * metrics line, a Cloud Hypervisor counters answer - into a SampleSet: a
 * timestamp and a list of named values, each saying how it is to be stored.
 * The recorder (recorder.c) alone decides what a kind means in the store.
 */
#ifndef AGENT_SAMPLE_H
#define AGENT_SAMPLE_H

#include <json-glib/json-glib.h>

/**
 * SampleKind:
 * @SAMPLE_GAUGE: stored as it is.
 * @SAMPLE_DELTA: an increment since the previous reading: the recorder adds
 *   it to the series' running total and stores the total.
 * @SAMPLE_TOTAL: a counter's running total already: stored as it is.
 */
typedef enum {
    SAMPLE_GAUGE,
    SAMPLE_DELTA,
    SAMPLE_TOTAL,
} SampleKind;

typedef struct {
    char *name;   /* a valid series name */
    char *device; /* the value of the label "device", or NULL */
    SampleKind kind;
    double value;
} Sample;

typedef struct {
    guint64 timestamp_ns;
    GArray *samples; /* of Sample, owning their strings */
} SampleSet;

SampleSet *sample_set_new(guint64 timestamp_ns);
/* Copies @name and @device (nullable). */
void sample_set_add(SampleSet *set, const char *name, const char *device, SampleKind kind,
                    double value);
/* NULL is accepted. */
void sample_set_free(SampleSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SampleSet, sample_set_free)

static inline const Sample *
sample_set_get(const SampleSet *set, guint i)
{
    return &g_array_index(set->samples, Sample, i);
}

/* A counter of the agent's own, added as a SAMPLE_TOTAL without a device,
 * in front of the set's samples: registered first, a store whose schema is
 * too small for the VM's metrics still keeps the agent's. */
typedef struct {
    const char *name;
    guint64 value;
} SampleCount;

void sample_set_add_counts(SampleSet *set, const SampleCount *counts, gsize n);

/* "name" or "name\x1fdevice": one series' identity inside a VM's store. */
char *sample_key(const Sample *sample);

/* The parsers' errors: what a reading from a VMM can get wrong. */
#define AGENT_PARSE_ERROR (agent_parse_error_quark())
GQuark agent_parse_error_quark(void);
typedef enum {
    AGENT_PARSE_ERROR_INVALID,      /* not JSON, or not the expected shape */
    AGENT_PARSE_ERROR_NO_TIMESTAMP, /* a Firecracker line without a usable utc_timestamp_ms */
} AgentParseError;

/* Parses a VMM's JSON (bounded nesting, tools/json-input.h) whose root
 * must be an object. Returns: (transfer full): the root, or NULL with
 * AGENT_PARSE_ERROR_INVALID. */
JsonNode *sample_json_parse_object(const char *text, gsize len, GError **error);

/* A number as a VMM writes it (a u64, or a finite double): FALSE for
 * anything else. json-glib reads integers as gint64, so a u64 of 2^63 or
 * more (Cloud Hypervisor's u64::MAX for "no value yet") comes out
 * negative and is refused too. */
gboolean sample_json_number(JsonNode *node, double *ret_value);

/* Series names are [a-zA-Z_:][a-zA-Z0-9_:]*: a name made from a VMM's
 * keys gets every other byte replaced by '_'. */
void sample_name_sanitize(GString *name);

#endif
