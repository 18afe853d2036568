/* fuzz-params.c - rondod's request parameters (src/params.c).
 *
 * Input: a query string, then optionally a NUL and a form body (which may
 * hold more NULs: a body has a length, not a terminator). Every parameter
 * the Prometheus API reads is looked up and given to the time and duration
 * parsers, as the handlers do. Oracle beyond the sanitizers:
 * parse_prom_duration() consumes no more than the string.
 */
#include "config.h"
#include <string.h>
#include "fuzz.h"
#include "params.h"

static const char *const time_names[] = {"time", "start", "end"};
static const char *const duration_names[] = {"step", "timeout", "range", "lookback_delta"};

static void
values_parse(const Params *params)
{
    for (guint i = 0; i < G_N_ELEMENTS(time_names); i++) {
        guint64 ns;
        g_autoptr(GError) error = NULL;
        (void)parse_time(params_get(params, time_names[i]), time_names[i], &ns, &error);
    }
    for (guint i = 0; i < G_N_ELEMENTS(duration_names); i++) {
        const char *value = params_get(params, duration_names[i]);
        guint64 ns;
        g_autoptr(GError) error = NULL;
        (void)parse_duration(value, duration_names[i], &ns, &error);
        if (value != NULL && parse_prom_duration(value, &ns) > strlen(value))
            fuzz_fail("parse_prom_duration() read past “%s”", value);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    const guint8 *nul = memchr(data, '\0', size);
    g_autofree char *query = g_strndup((const char *)data, nul ? (gsize)(nul - data) : size);
    const char *form = nul ? (const char *)nul + 1 : NULL;
    gsize form_len = nul ? size - (gsize)(nul - data) - 1 : 0;
    g_autoptr(Params) params = params_new(query, form, form_len);

    (void)params_is_malformed(params);
    values_parse(params);
    g_autofree const char **matches = params_get_all(params, "match[]");
    for (guint i = 0; matches[i] != NULL; i++) {
        if (params_get(params, "match[]") == NULL)
            fuzz_fail("match[] has values but no first value");
    }
    return 0;
}
