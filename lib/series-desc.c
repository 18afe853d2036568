/* series-desc.c - what a series measures: its type, unit and help text.
 *
 * A reader cannot turn a cumulative counter into a rate, or print 12.4 MiB
 * instead of 1.29843e+07, unless the writer says what the numbers are. The
 * description travels with the series in series.json; the readers (rondod's
 * /metrics and /api/v1/metadata, the exporter, rondo info, the dashboard)
 * take it from here instead of guessing from the name.
 *
 * A description is immutable and replaced as a whole, by pointer: a thread
 * reading it while a refresh installs a newer one keeps valid strings,
 * because the old one is kept until the store closes (descriptions change
 * a few times in a store's life, when a newer VMM says more).
 */
#include "config.h"
#include <string.h>
#include "internal.h"

static const char *const type_names[] = {
    [RONDO_SERIES_UNKNOWN] = "unknown",
    [RONDO_SERIES_COUNTER] = "counter",
    [RONDO_SERIES_GAUGE] = "gauge",
};

const char *
rondo_series_type_to_string(RondoSeriesType type)
{
    g_return_val_if_fail((guint)type < G_N_ELEMENTS(type_names), "unknown");
    return type_names[type];
}

gboolean
rondo_series_type_from_string(const char *s, RondoSeriesType *ret_type)
{
    g_return_val_if_fail(ret_type != NULL, FALSE);
    for (guint i = 0; s != NULL && i < G_N_ELEMENTS(type_names); i++) {
        if (g_str_equal(s, type_names[i])) {
            *ret_type = (RondoSeriesType)i;
            return TRUE;
        }
    }
    return FALSE;
}

RondoSeriesDesc *
rondo_series_desc_new(RondoSeriesType type, const char *unit, const char *help, GError **error)
{
    unit = unit ? unit : "";
    help = help ? help : "";
    if ((guint)type >= G_N_ELEMENTS(type_names)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "series type %d is not unknown, counter or gauge", (int)type);
        return NULL;
    }
    if (*unit != '\0' && !rondo_name_valid(unit, FALSE, RONDO_UNIT_MAX)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "unit “%.64s” is not [a-zA-Z_][a-zA-Z0-9_]* of at most %d bytes (a base "
                    "unit such as seconds or bytes)",
                    unit, RONDO_UNIT_MAX);
        return NULL;
    }
    if (strlen(help) > RONDO_HELP_MAX || !g_utf8_validate(help, -1, NULL)) {
        g_set_error(error, RONDO_ERROR, RONDO_ERROR_INVALID,
                    "help text is not UTF-8 of at most %d bytes", RONDO_HELP_MAX);
        return NULL;
    }
    RondoSeriesDesc *desc = g_new0(RondoSeriesDesc, 1);
    desc->type = type;
    desc->unit = g_strdup(unit);
    desc->help = g_strdup(help);
    return desc;
}

void
rondo_series_desc_free(RondoSeriesDesc *desc)
{
    if (desc == NULL)
        return;
    g_free(desc->unit);
    g_free(desc->help);
    g_free(desc);
}

gboolean
rondo_series_desc_equal(const RondoSeriesDesc *a, const RondoSeriesDesc *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return a->type == b->type && g_str_equal(a->unit, b->unit) && g_str_equal(a->help, b->help);
}

void
rondo_series_desc_swap(RondoSeries *series, RondoSeriesDesc *desc, GPtrArray *retired)
{
    RondoSeriesDesc *old = __atomic_exchange_n(&series->desc, desc, __ATOMIC_ACQ_REL);
    if (old != NULL)
        g_ptr_array_add(retired, old);
}

static const RondoSeriesDesc *
series_desc(const RondoSeries *series)
{
    return __atomic_load_n(&series->desc, __ATOMIC_ACQUIRE);
}

RondoSeriesType
rondo_series_get_type(const RondoSeries *series)
{
    g_return_val_if_fail(series != NULL, RONDO_SERIES_UNKNOWN);
    const RondoSeriesDesc *d = series_desc(series);
    return d ? d->type : RONDO_SERIES_UNKNOWN;
}

const char *
rondo_series_get_unit(const RondoSeries *series)
{
    g_return_val_if_fail(series != NULL, "");
    const RondoSeriesDesc *d = series_desc(series);
    return d ? d->unit : "";
}

const char *
rondo_series_get_help(const RondoSeries *series)
{
    g_return_val_if_fail(series != NULL, "");
    const RondoSeriesDesc *d = series_desc(series);
    return d ? d->help : "";
}
