/* ch-parse.h - a Cloud Hypervisor GET /api/v1/vm.counters answer to a SampleSet.
 *
 * The answer is { "<device>": { "<counter>": <u64>, ... }, ... } (the
 * VmCounters schema of Cloud Hypervisor's OpenAPI document; v53.0 reports
 * virtio-block and virtio-net devices). Its counters are running totals
 * since the device started, so each becomes SAMPLE_TOTAL
 * "cloudhypervisor_<counter>_total" with the label device="<device>";
 * the block latencies (<dir>_latency_min/max/avg, microseconds) are gauges
 * "cloudhypervisor_<counter>_seconds". A latency that has no request yet
 * (u64::MAX) and anything that is not a number is skipped.
 */
#ifndef AGENT_CH_PARSE_H
#define AGENT_CH_PARSE_H

#include "sample.h"

/**
 * ch_parse_counters:
 * @timestamp_ns: when the answer came (Cloud Hypervisor sends none).
 * @ret_skipped: (out) (optional): members skipped.
 * Returns: (transfer full): the samples, or NULL with AGENT_PARSE_ERROR_INVALID.
 */
SampleSet *ch_parse_counters(const char *text, gsize len, guint64 timestamp_ns, guint *ret_skipped,
                             GError **error);

#endif
