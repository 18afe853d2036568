/* fuzz-vmm-metrics.c - what rondo-fc-agent reads from a VMM.
 *
 * Input: a selector byte, then the text. Selector % 2: 0 a Firecracker
 * metrics line (agent/fc-parse.c, cut short or run together as a full
 * pipe does it), 1 a Cloud Hypervisor vm.counters answer
 * (agent/ch-parse.c). Oracles beyond the sanitizers: a refusal is an
 * AGENT_PARSE_ERROR with a message; every sample made has a Prometheus
 * metric name (of at most FC_NAME_MAX bytes for Firecracker), a finite
 * value, and a device label that is valid UTF-8 when there is one.
 */
#include "config.h"
#include <math.h>
#include <string.h>
#include "ch-parse.h"
#include "fc-parse.h"
#include "fuzz.h"

#define CH_TIMESTAMP_NS (G_GUINT64_CONSTANT(1700000000) * G_GUINT64_CONSTANT(1000000000))

static gboolean
name_ok(const char *name)
{
    if (!g_ascii_isalpha(name[0]) && name[0] != '_' && name[0] != ':')
        return FALSE;
    for (const char *p = name + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != ':')
            return FALSE;
    }
    return TRUE;
}

static void
set_check(const SampleSet *set, gsize name_max)
{
    for (guint i = 0; i < set->samples->len; i++) {
        const Sample *s = sample_set_get(set, i);
        if (!name_ok(s->name) || strlen(s->name) > name_max)
            fuzz_fail("sample %u: bad name “%s”", i, s->name);
        if (!isfinite(s->value))
            fuzz_fail("sample %s: value %g", s->name, s->value);
        if (s->device != NULL && !g_utf8_validate(s->device, -1, NULL))
            fuzz_fail("sample %s: a device label that is not UTF-8", s->name);
    }
}

static void
refusal_check(const GError *error)
{
    if (error == NULL || error->domain != AGENT_PARSE_ERROR || error->message[0] == '\0')
        fuzz_fail("a reading refused without a parse error message");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    if (size < 1)
        return 0;
    const char *text = (const char *)data + 1;
    gsize len = size - 1;
    g_autoptr(GError) error = NULL;
    g_autoptr(SampleSet) set = NULL;
    if (data[0] % 2 == 0) {
        FcParseInfo info;
        set = fc_parse_line(text, len, &info, &error);
        if (set != NULL)
            set_check(set, FC_NAME_MAX);
    } else {
        set = ch_parse_counters(text, len, CH_TIMESTAMP_NS, NULL, &error);
        if (set != NULL)
            set_check(set, G_MAXSIZE);
    }
    if (set == NULL)
        refusal_check(error);
    return 0;
}
