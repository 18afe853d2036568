/* routes.c - the table of rondod's endpoints (routes.h).
 *
 * Order matters only where paths overlap: exact paths first, then the
 * families matched by prefix, the dashboard's top-level files last.
 */
#include "config.h"

#include <string.h>

#include "handlers.h"
#include "routes.h"

#define API (ROUTE_GET | ROUTE_POST | ROUTE_PARAMS)

static const Route routes[] = {
    {"/healthz", NULL, "/healthz", ROUTE_GET | ROUTE_PUBLIC, handle_healthz, quick_healthz},
    {"/readyz", NULL, "/readyz", ROUTE_GET | ROUTE_PUBLIC, handle_readyz, quick_readyz},
    {"/metrics", NULL, "/metrics", ROUTE_GET, handle_exposition},
    {"/metrics/query", NULL, "/metrics/query", ROUTE_GET | ROUTE_PARAMS, handle_native_query},
    {"/metrics/health", NULL, "/metrics/health", ROUTE_GET, handle_native_health},
    {"/metrics/info", NULL, "/metrics/info", ROUTE_GET | ROUTE_PARAMS, handle_native_info},
    {"/api/v1/query", NULL, "/api/v1/query", API, handle_prom_query, quick_prom_query},
    {"/api/v1/query_range", NULL, "/api/v1/query_range", API, handle_prom_query_range,
     quick_prom_query_range},
    {"/api/v1/series", NULL, "/api/v1/series", API, handle_prom_series},
    {"/api/v1/labels", NULL, "/api/v1/labels", API, handle_prom_labels},
    {"/api/v1/label/", "/values", "/api/v1/label/:name/values", API, handle_prom_label_values},
    {"/api/v1/status/buildinfo", NULL, "/api/v1/status/buildinfo", API, handle_prom_buildinfo},
    {"/api/v1/metadata", NULL, NULL, API, handle_prom_metadata},
    {"/api/v1/query_exemplars", NULL, NULL, API, handle_prom_exemplars},
    {"/api/v1/read", NULL, "/api/v1/read", ROUTE_POST, handle_remote_read},
    {"/api/v1/", NULL, NULL, API | ROUTE_TREE, handle_prom_unknown},
    {"/", NULL, "/", ROUTE_GET, handle_dashboard},
    {"/", "", "/dashboard", ROUTE_GET, handle_dashboard},
};

/* The path itself; below it (ROUTE_TREE); or PREFIX + one non-empty
 * segment without '/' + SUFFIX. */
static gboolean
matches(const Route *r, const char *path)
{
    if (r->flags & ROUTE_TREE)
        return g_str_has_prefix(path, r->path);
    if (r->suffix == NULL)
        return g_str_equal(path, r->path);
    gsize pre = strlen(r->path), post = strlen(r->suffix), len = strlen(path);
    if (len <= pre + post || strncmp(path, r->path, pre) != 0 ||
        strcmp(path + len - post, r->suffix) != 0)
        return FALSE;
    const char *slash = memchr(path + pre, '/', len - pre - post);
    return slash == NULL;
}

const Route *
route_find(const char *path)
{
    for (guint i = 0; path != NULL && i < G_N_ELEMENTS(routes); i++) {
        if (matches(&routes[i], path))
            return &routes[i];
    }
    return NULL;
}

const char *
route_label(const char *path)
{
    const Route *r = route_find(path);
    return r != NULL && r->label != NULL ? r->label : "other";
}

const char *const *
route_labels(void)
{
    static const char *labels[G_N_ELEMENTS(routes) + 2];
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        guint n = 0;
        for (guint i = 0; i < G_N_ELEMENTS(routes); i++) {
            if (routes[i].label != NULL &&
                !g_strv_contains((const char *const *)labels, routes[i].label))
                labels[n++] = routes[i].label;
        }
        labels[n] = "other";
        g_once_init_leave(&done, 1);
    }
    return labels;
}
