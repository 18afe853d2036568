/* fc-parse.h - one Firecracker metrics line to a SampleSet.
 *
 * What each Firecracker metric becomes (docs/firecracker-integration.md):
 *   - a counter (SharedIncMetric, the delta since the last flush):
 *     SAMPLE_DELTA "firecracker_<group>_<field>_total";
 *   - a SharedStoreMetric: SAMPLE_GAUGE "firecracker_<group>_<field>";
 *   - a latency aggregate {min_us, max_us, sum_us} "<name>_agg":
 *     "firecracker_<group>_<name>_latency_min_seconds" and "..._max_seconds"
 *     (gauges) and "..._latency_seconds_total" (the sum, a counter);
 *   - a value in microseconds (a name ending in "_us", the group
 *     "latencies_us") is stored in seconds, its name ending in "_seconds";
 *   - a per-device group "block_<id>", "net_<id>", "pmem_<id>",
 *     "vhost_user_<kind>_<id>" becomes the group without the id and the
 *     label device="<id>"; the aggregates "block", "net", "pmem" have no
 *     device label;
 *   - the line's utc_timestamp_ms is the timestamp.
 * Which fields are gauges is a table of the Firecracker release the agent
 * was written against (v1.16.1); any other number - an unknown group or a
 * field added since - is taken as a counter, Firecracker's default kind.
 * Values that are not numbers are skipped, never an error.
 */
#ifndef AGENT_FC_PARSE_H
#define AGENT_FC_PARSE_H

#include "sample.h"

/* The longest series name made from a line; longer keys are skipped. */
#define FC_NAME_MAX 200

typedef struct {
    guint fields;      /* samples made */
    guint skipped;     /* members that were not numbers (or not u64 < 2^63), or named too long */
    gboolean resynced; /* the line began with the rest of a cut line, which was dropped */
} FcParseInfo;

/**
 * fc_parse_line:
 * @ret_info: (out) (optional): what the line held; written on success.
 *
 * A line cut short by a full pipe runs on into the next one; when the
 * whole line does not parse, the text from its last "{"utc_timestamp_ms""
 * on is tried alone (@ret_info->resynced).
 * Returns: (transfer full): the samples, or NULL with AGENT_PARSE_ERROR.
 */
SampleSet *fc_parse_line(const char *line, gsize len, FcParseInfo *ret_info, GError **error);

#endif
