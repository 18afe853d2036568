/* handlers-dashboard.c - the static dashboard at / (HTML, JS, CSS, uPlot).
 *
 * Only the files named in the table below are served, looked up by exact
 * name in the dashboard directory: a request path never reaches the file
 * system, so "..", "%2e%2e" or a symlink cannot lead anywhere else.
 */
#include "config.h"

#include "handlers.h"
#include "http.h"
#include "server.h"

static const struct {
    const char *name;
    const char *type;
} files[] = {
    {"index.html", "text/html; charset=utf-8"},
    {"dashboard.js", "text/javascript; charset=utf-8"},
    {"dashboard.css", "text/css; charset=utf-8"},
    {"uPlot.iife.js", "text/javascript; charset=utf-8"},
    {"uPlot.css", "text/css; charset=utf-8"},
    {"LICENSE.uPlot", "text/plain; charset=utf-8"},
};

void
handle_dashboard(Daemon *d, SoupServerMessage *msg, const char *path, const Params *p)
{
    const char *name = g_str_equal(path, "/") ? "index.html" : path + 1;
    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        if (!g_str_equal(name, files[i].name))
            continue;
        g_autofree char *file = g_build_filename(d->dashboard_dir, files[i].name, NULL);
        g_autofree char *data = NULL;
        gsize len = 0;
        g_autoptr(GError) error = NULL;
        if (!g_file_get_contents(file, &data, &len, &error)) {
            http_respond_error(msg, SOUP_STATUS_NOT_FOUND, "dashboard file missing: %s",
                               files[i].name);
            return;
        }
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control",
                                     "no-cache");
        soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
        soup_server_message_set_response(msg, files[i].type, SOUP_MEMORY_TAKE,
                                         g_steal_pointer(&data), len);
        return;
    }
    http_respond_error(msg, SOUP_STATUS_NOT_FOUND, "no such endpoint");
}
