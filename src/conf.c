/* conf.c - reading /etc/rondo/rondod.conf (a GKeyFile) over built-in defaults.
 *
 * Why strict: a typo in a configuration file that silently falls back to a
 * default (say, a misspelt "allow_remote") is worse than refusing to start,
 * so unknown groups and keys are errors that name the file and the key.
 * Command-line options are applied by main() after this file, so they win.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "conf.h"
#include "eval.h"

/*
 * Under systemd (RuntimeDirectory=rondod sets $RUNTIME_DIRECTORY, the first
 * of a colon-separated list) the live cursors go to a tmpfs of rondod's own;
 * started by hand there is none, and every round writes cursor_dir.
 */
static char *
live_cursor_dir_default(void)
{
    const char *run = g_getenv("RUNTIME_DIRECTORY");
    if (run == NULL || !g_path_is_absolute(run))
        return NULL;
    g_autofree char *first = g_strndup(run, strcspn(run, ":"));
    return g_build_filename(first, RONDOD_LIVE_CURSOR_SUBDIR, NULL);
}

static gboolean
paths_same(const char *a, const char *b)
{
    g_autofree char *ca = g_canonicalize_filename(a, NULL);
    g_autofree char *cb = g_canonicalize_filename(b, NULL);
    return strcmp(ca, cb) == 0;
}

RondodConfig *
rondod_config_new(void)
{
    RondodConfig *c = g_new0(RondodConfig, 1);
    c->listen = g_strdup(RONDOD_DEFAULT_LISTEN);
    c->state_dir = g_strdup(RONDOD_DEFAULT_STATE_DIR);
    c->rescan_interval_s = 2;
    c->max_body_bytes = 64 * 1024;
    c->max_query_range_s = 32 * 24 * 3600;
    c->max_points_per_series = 11000;
    c->max_samples = EVAL_MAX_SAMPLES_DEFAULT;
    c->max_concurrent_queries = 4;
    c->max_connections = 512;
    c->idle_timeout_s = 30;
    c->export.interval_s = 10;
    c->export.consumer = g_strdup("rondod");
    c->export.cursor_dir = g_strdup(RONDOD_DEFAULT_CURSOR_DIR);
    c->export.live_cursor_dir = live_cursor_dir_default();
    c->export.checkpoint_interval_s = 300;
    c->export.batch_samples = 2000;
    c->export.timeout_s = 30;
    c->export.store_label = g_strdup("store");
    c->export.not_ready_after_s = 60;
    return c;
}

void
rondod_config_free(RondodConfig *config)
{
    if (config == NULL)
        return;
    g_free(config->listen);
    g_free(config->state_dir);
    g_free(config->auth_token_file);
    g_free(config->dashboard_dir);
    g_free(config->export.url);
    g_free(config->export.consumer);
    g_free(config->export.cursor_dir);
    g_free(config->export.live_cursor_dir);
    g_free(config->export.bearer_token_file);
    g_free(config->export.basic_auth_file);
    g_free(config->export.store_label);
    g_strfreev(config->export.labels);
    g_free(config);
}

/* The keys rondod.conf(5) documents, per group; anything else is refused. */
static const char *const keys_rondod[] = {
    "listen",          "state_dir", "auth_token_file", "dashboard_dir", "allow_remote",
    "rescan_interval", NULL};
static const char *const keys_limits[] = {
    "max_body_bytes",         "max_query_range", "max_points_per_series", "max_samples",
    "max_concurrent_queries", "max_connections", "idle_timeout",          NULL};
static const char *const keys_export[] = {"url",
                                          "interval",
                                          "tier",
                                          "consumer",
                                          "cursor_dir",
                                          "live_cursor_dir",
                                          "checkpoint_interval",
                                          "batch",
                                          "timeout",
                                          "bearer_token_file",
                                          "basic_auth_file",
                                          "store_label",
                                          "labels",
                                          "not_ready_after",
                                          NULL};

static gboolean
check_keys(GKeyFile *kf, const char *path, const char *group, const char *const *known,
           GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
    for (guint i = 0; keys != NULL && keys[i] != NULL; i++) {
        if (!g_strv_contains(known, keys[i])) {
            g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                        _("%s: unknown key “%s” in group [%s]"), path, keys[i], group);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
check_groups(GKeyFile *kf, const char *path, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
    for (guint i = 0; groups[i] != NULL; i++) {
        const char *g = groups[i];
        const char *const *known = g_str_equal(g, "rondod")   ? keys_rondod
                                   : g_str_equal(g, "limits") ? keys_limits
                                   : g_str_equal(g, "export") ? keys_export
                                                              : NULL;
        if (known == NULL) {
            g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                        _("%s: unknown group [%s]"), path, g);
            return FALSE;
        }
        if (!check_keys(kf, path, g, known, error))
            return FALSE;
    }
    return TRUE;
}

/* The first backslash of @raw that GKeyFile does not take as an escape
 * (\s \n \t \r \\, and \; in a @list), or NULL. */
static const char *
bad_escape(const char *raw, gboolean list)
{
    for (const char *p = strchr(raw, '\\'); p != NULL; p = strchr(p + 2, '\\')) {
        if (p[1] == '\0' || strchr(list ? "sntr\\;" : "sntr\\", p[1]) == NULL)
            return p;
    }
    return NULL;
}

/* The value of @key as a string (NULL: absent); an error (not UTF-8, a bad
 * escape) names the file, group and key. Escapes are checked here first:
 * GLib 2.74 sets its error twice for a bad escape before a trailing
 * backslash, and returns a string *and* an error for a bad escape. */
static gboolean
get_value(GKeyFile *kf, const char *path, const char *group, const char *key, gboolean list,
          char **ret, GError **error)
{
    GError *local = NULL;
    *ret = NULL;
    if (!g_key_file_has_key(kf, group, key, NULL))
        return TRUE;
    g_autofree char *raw = g_key_file_get_value(kf, group, key, NULL);
    if (raw != NULL && bad_escape(raw, list) != NULL) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    _("%s: [%s] %s: a backslash that is not an escape (\\s \\n \\t \\r "
                      "\\\\%s)"),
                    path, group, key, list ? " \\;" : "");
        return FALSE;
    }
    *ret = g_key_file_get_string(kf, group, key, &local);
    if (local == NULL)
        return TRUE;
    g_clear_pointer(ret, g_free);
    g_propagate_prefixed_error(error, local, "%s: [%s] %s: ", path, group, key);
    return FALSE;
}

static gboolean
load_string(GKeyFile *kf, const char *path, const char *group, const char *key, char **field,
            GError **error)
{
    g_autofree char *v = NULL;
    if (!get_value(kf, path, group, key, FALSE, &v, error))
        return FALSE;
    if (v == NULL)
        return TRUE;
    g_free(*field);
    *field = *g_strstrip(v) != '\0' ? g_steal_pointer(&v) : NULL;
    return TRUE;
}

/* An integer key of at least @min (0 or 1); negative values are refused here. */
static gboolean
load_u64_min(GKeyFile *kf, const char *path, const char *group, const char *key, guint64 min,
             guint64 *field, GError **error)
{
    g_autofree char *v = NULL;
    guint64 n = 0;
    if (!get_value(kf, path, group, key, FALSE, &v, error))
        return FALSE;
    if (v == NULL)
        return TRUE;
    if (!g_ascii_string_to_unsigned(g_strstrip(v), 10, min, G_MAXINT64, &n, NULL)) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    min == 0 ? _("%s: [%s] %s: “%s” is not a non-negative integer")
                             : _("%s: [%s] %s: “%s” is not a positive integer"),
                    path, group, key, v);
        return FALSE;
    }
    *field = n;
    return TRUE;
}

/* A positive integer key; 0 and negative values are refused here. */
static gboolean
load_u64(GKeyFile *kf, const char *path, const char *group, const char *key, guint64 *field,
         GError **error)
{
    return load_u64_min(kf, path, group, key, 1, field, error);
}

static gboolean
load_uint(GKeyFile *kf, const char *path, const char *group, const char *key, guint *field,
          GError **error)
{
    guint64 v = *field;
    if (!load_u64(kf, path, group, key, &v, error))
        return FALSE;
    if (v > G_MAXINT) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    _("%s: [%s] %s: too large"), path, group, key);
        return FALSE;
    }
    *field = (guint)v;
    return TRUE;
}

static gboolean
load_rondod_group(RondodConfig *c, GKeyFile *kf, const char *path, GError **error)
{
    const char *g = "rondod";
    if (!load_string(kf, path, g, "listen", &c->listen, error) ||
        !load_string(kf, path, g, "state_dir", &c->state_dir, error) ||
        !load_string(kf, path, g, "auth_token_file", &c->auth_token_file, error) ||
        !load_string(kf, path, g, "dashboard_dir", &c->dashboard_dir, error) ||
        !load_uint(kf, path, g, "rescan_interval", &c->rescan_interval_s, error))
        return FALSE;
    if (g_key_file_has_key(kf, g, "allow_remote", NULL)) {
        GError *local = NULL;
        c->allow_remote = g_key_file_get_boolean(kf, g, "allow_remote", &local);
        if (local != NULL) {
            g_propagate_prefixed_error(error, local, "%s: [rondod] allow_remote: ", path);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
load_limits_group(RondodConfig *c, GKeyFile *kf, const char *path, GError **error)
{
    const char *g = "limits";
    return load_u64(kf, path, g, "max_body_bytes", &c->max_body_bytes, error) &&
           load_u64(kf, path, g, "max_query_range", &c->max_query_range_s, error) &&
           load_u64(kf, path, g, "max_points_per_series", &c->max_points_per_series, error) &&
           load_u64(kf, path, g, "max_samples", &c->max_samples, error) &&
           load_uint(kf, path, g, "max_concurrent_queries", &c->max_concurrent_queries, error) &&
           load_uint(kf, path, g, "max_connections", &c->max_connections, error) &&
           load_uint(kf, path, g, "idle_timeout", &c->idle_timeout_s, error);
}

/* A label name remote-write accepts and that is not reserved ("__" prefix). */
static gboolean
label_name_is_valid(const char *name)
{
    if (!g_ascii_isalpha(name[0]) && name[0] != '_')
        return FALSE;
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_')
            return FALSE;
    }
    return !g_str_has_prefix(name, "__");
}

/* "NAME=VALUE;NAME=VALUE" (GKeyFile's list syntax) into name, value pairs. */
static gboolean
load_labels(GKeyFile *kf, const char *path, char ***field, GError **error)
{
    /* The value as a string first: GLib 2.74's g_key_file_get_string_list()
     * sets its error twice on a value that is not UTF-8. */
    g_autofree char *value = NULL;
    GError *local = NULL;
    if (!get_value(kf, path, "export", "labels", TRUE, &value, error))
        return FALSE;
    if (value == NULL)
        return TRUE;
    g_auto(GStrv) items = g_key_file_get_string_list(kf, "export", "labels", NULL, &local);
    if (local != NULL) {
        g_propagate_prefixed_error(error, local, "%s: [export] labels: ", path);
        return FALSE;
    }
    g_autoptr(GStrvBuilder) pairs = g_strv_builder_new();
    for (guint i = 0; items != NULL && items[i] != NULL; i++) {
        char *eq = strchr(g_strstrip(items[i]), '=');
        if (eq == NULL || eq[1] == '\0') {
            g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        _("%s: [export] labels: “%s” is not NAME=VALUE"), path, items[i]);
            return FALSE;
        }
        *eq = '\0';
        g_strv_builder_add_many(pairs, items[i], eq + 1, NULL);
    }
    g_strfreev(*field);
    *field = g_strv_builder_end(pairs);
    return TRUE;
}

static gboolean
load_export_group(RondodConfig *c, GKeyFile *kf, const char *path, GError **error)
{
    const char *g = "export";
    RondodExportConfig *x = &c->export;
    guint64 tier = x->tier;
    if (!load_string(kf, path, g, "url", &x->url, error) ||
        !load_string(kf, path, g, "consumer", &x->consumer, error) ||
        !load_string(kf, path, g, "cursor_dir", &x->cursor_dir, error) ||
        !load_string(kf, path, g, "live_cursor_dir", &x->live_cursor_dir, error) ||
        !load_uint(kf, path, g, "checkpoint_interval", &x->checkpoint_interval_s, error) ||
        !load_string(kf, path, g, "bearer_token_file", &x->bearer_token_file, error) ||
        !load_string(kf, path, g, "basic_auth_file", &x->basic_auth_file, error) ||
        !load_string(kf, path, g, "store_label", &x->store_label, error) ||
        !load_uint(kf, path, g, "interval", &x->interval_s, error) ||
        !load_u64_min(kf, path, g, "tier", 0, &tier, error) ||
        !load_uint(kf, path, g, "batch", &x->batch_samples, error) ||
        !load_uint(kf, path, g, "timeout", &x->timeout_s, error) ||
        !load_uint(kf, path, g, "not_ready_after", &x->not_ready_after_s, error) ||
        !load_labels(kf, path, &x->labels, error))
        return FALSE;
    x->tier = (guint)MIN(tier, G_MAXUINT);
    return TRUE;
}

gboolean
rondod_config_load(RondodConfig *config, const char *path, gboolean must_exist, GError **error)
{
    g_return_val_if_fail(config != NULL && path != NULL, FALSE);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        if (!must_exist && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return TRUE;
        g_set_error(error, local->domain, local->code, "%s: %s", path, local->message);
        return FALSE;
    }
    return check_groups(kf, path, error) && load_rondod_group(config, kf, path, error) &&
           load_limits_group(config, kf, path, error) && load_export_group(config, kf, path, error);
}

static gboolean
invalid(GError **error, const char *message)
{
    g_set_error_literal(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, message);
    return FALSE;
}

/* The extra labels: valid, unique, and none named like the store label. */
static gboolean
export_validate_labels(const RondodExportConfig *x, GError **error)
{
    if (!label_name_is_valid(x->store_label))
        return invalid(error,
                       _("[export] store_label must be a label name ([a-zA-Z_][a-zA-Z0-9_]*, "
                         "not starting with __)"));
    for (guint i = 0; x->labels != NULL && x->labels[i] != NULL; i += 2) {
        const char *name = x->labels[i];
        gboolean repeated = g_str_equal(name, x->store_label);
        for (guint j = 0; j < i; j += 2)
            repeated |= g_str_equal(name, x->labels[j]);
        if (!label_name_is_valid(name) || repeated) {
            g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        _("[export] labels: “%s” is not a valid label name, or repeats one "
                          "(store_label included)"),
                        name);
            return FALSE;
        }
    }
    return TRUE;
}

/* The drain cursor's name becomes part of a file name: [A-Za-z0-9_-]{1,64}. */
static gboolean
consumer_is_valid(const char *name)
{
    gsize n = strlen(name);
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
            return FALSE;
    }
    return n >= 1 && n <= 64;
}

static gboolean
export_validate(const RondodExportConfig *x, GError **error)
{
    if (x->url == NULL)
        return TRUE;
    if (!g_str_has_prefix(x->url, "http://") && !g_str_has_prefix(x->url, "https://"))
        return invalid(error, _("[export] url must start with http:// or https://"));
    if (x->bearer_token_file != NULL && x->basic_auth_file != NULL)
        return invalid(error, _("[export] bearer_token_file and basic_auth_file exclude each "
                                "other"));
    if (x->consumer == NULL || x->store_label == NULL)
        return invalid(error, _("[export] consumer and store_label must not be empty"));
    if (!consumer_is_valid(x->consumer))
        return invalid(error, _("[export] consumer must be 1 to 64 of [A-Za-z0-9_-]"));
    if (x->cursor_dir == NULL || !g_path_is_absolute(x->cursor_dir))
        return invalid(error, _("[export] cursor_dir must be an absolute path"));
    if (x->live_cursor_dir != NULL && !g_path_is_absolute(x->live_cursor_dir))
        return invalid(error, _("[export] live_cursor_dir must be an absolute path"));
    if (x->live_cursor_dir != NULL && paths_same(x->live_cursor_dir, x->cursor_dir))
        return invalid(error, _("[export] live_cursor_dir must not be cursor_dir (leave it "
                                "empty to write cursor_dir at every round)"));
    if (x->batch_samples > 1000000)
        return invalid(error, _("[export] batch must be at most 1000000"));
    return export_validate_labels(x, error);
}

gboolean
rondod_config_validate(const RondodConfig *config, GError **error)
{
    g_return_val_if_fail(config != NULL, FALSE);
    if (config->state_dir == NULL || !g_path_is_absolute(config->state_dir)) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    _("state_dir must be an absolute path"));
        return FALSE;
    }
    if (config->listen == NULL) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    _("listen must be ADDR:PORT"));
        return FALSE;
    }
    if (config->rescan_interval_s == 0 || config->max_concurrent_queries == 0) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    _("rescan_interval and max_concurrent_queries must be at least 1"));
        return FALSE;
    }
    return export_validate(&config->export, error);
}
