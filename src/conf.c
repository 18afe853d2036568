/* conf.c - reading /etc/rondo/rondod.conf (a GKeyFile) over built-in defaults.
 *
 * Why strict: a typo in a configuration file that silently falls back to a
 * default (say, a misspelt "allow_remote") is worse than refusing to start,
 * so unknown groups and keys are errors that name the file and the key.
 * Command-line options are applied by main() after this file, so they win.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "conf.h"

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
    c->max_samples = 5000000;
    c->max_concurrent_queries = 4;
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
    g_free(config);
}

/* The keys rondod.conf(5) documents, per group; anything else is refused. */
static const char *const keys_rondod[] = {
    "listen",          "state_dir", "auth_token_file", "dashboard_dir", "allow_remote",
    "rescan_interval", NULL};
static const char *const keys_limits[] = {"max_body_bytes",         "max_query_range",
                                          "max_points_per_series",  "max_samples",
                                          "max_concurrent_queries", NULL};

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

static gboolean
load_string(GKeyFile *kf, const char *group, const char *key, char **field, GError **error)
{
    if (!g_key_file_has_key(kf, group, key, NULL))
        return TRUE;
    g_autofree char *v = g_key_file_get_string(kf, group, key, error);
    if (v == NULL)
        return FALSE;
    g_free(*field);
    *field = *g_strstrip(v) != '\0' ? g_steal_pointer(&v) : NULL;
    return TRUE;
}

/* A positive integer key; 0 and negative values are refused here. */
static gboolean
load_u64(GKeyFile *kf, const char *path, const char *group, const char *key, guint64 *field,
         GError **error)
{
    if (!g_key_file_has_key(kf, group, key, NULL))
        return TRUE;
    g_autofree char *v = g_key_file_get_string(kf, group, key, error);
    guint64 n = 0;
    if (v == NULL)
        return FALSE;
    if (!g_ascii_string_to_unsigned(g_strstrip(v), 10, 1, G_MAXINT64, &n, NULL)) {
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                    _("%s: [%s] %s: “%s” is not a positive integer"), path, group, key, v);
        return FALSE;
    }
    *field = n;
    return TRUE;
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
    if (!load_string(kf, g, "listen", &c->listen, error) ||
        !load_string(kf, g, "state_dir", &c->state_dir, error) ||
        !load_string(kf, g, "auth_token_file", &c->auth_token_file, error) ||
        !load_string(kf, g, "dashboard_dir", &c->dashboard_dir, error) ||
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
           load_uint(kf, path, g, "max_concurrent_queries", &c->max_concurrent_queries, error);
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
           load_limits_group(config, kf, path, error);
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
    return TRUE;
}
