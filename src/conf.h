/* conf.h - rondod's settings: built-in defaults, then rondod.conf, then the command line. */
#ifndef RONDOD_CONF_H
#define RONDOD_CONF_H

#include <glib.h>

#define RONDOD_DEFAULT_CONFIG     SYSCONFDIR "/rondo/rondod.conf"
#define RONDOD_DEFAULT_LISTEN     "127.0.0.1:9464"
#define RONDOD_DEFAULT_STATE_DIR  "/var/lib/rondo"
#define RONDOD_DEFAULT_CURSOR_DIR "/var/lib/rondod/cursors"
/* The live cursors' directory under systemd's RuntimeDirectory= ($RUNTIME_DIRECTORY). */
#define RONDOD_LIVE_CURSOR_SUBDIR "cursors"
#define RONDOD_GROUP              "rondo" /* the system group of rondod and the VMMs */

/* [export]: Prometheus remote-write; see rondod.conf(5) and docs/export.md. */
typedef struct {
    char *url;                   /* NULL: no export */
    guint interval_s;            /* between two rounds over every store */
    guint tier;                  /* the tier exported */
    char *consumer;              /* the drain cursor's name */
    char *cursor_dir;            /* rondod's own: one subdirectory of cursors per store */
    char *live_cursor_dir;       /* the cursors between checkpoints, on tmpfs; NULL: none */
    guint checkpoint_interval_s; /* live cursors copied to cursor_dir this often */
    guint batch_samples;         /* samples per request */
    guint timeout_s;             /* one request, connecting included */
    char *bearer_token_file;     /* read once at start; never logged */
    char *basic_auth_file;       /* USER:PASSWORD on the first line */
    char *store_label;           /* the label naming the store, "store" */
    char **labels;               /* NULL-terminated name, value pairs, or NULL */
    guint not_ready_after_s;     /* /readyz fails after export failed this long */
} RondodExportConfig;

/* Every tunable of the daemon; see rondod.conf(5) for the meaning of each. */
typedef struct {
    char *listen;          /* ADDR:PORT or [ADDR6]:PORT */
    char *state_dir;       /* one store per subdirectory */
    char *auth_token_file; /* NULL: no bearer token required */
    char *dashboard_dir;   /* NULL: the installed one */
    gboolean allow_remote; /* listening on a non-loopback address is allowed */
    guint rescan_interval_s;
    /* limits */
    guint64 max_body_bytes;
    guint64 max_query_range_s;
    guint64 max_points_per_series;
    guint64 max_samples;
    guint max_concurrent_queries;
    guint max_connections; /* client connections open at once */
    guint idle_timeout_s;  /* to send a whole request, or between two */
    RondodExportConfig export;
} RondodConfig;

/* Defaults for every field. Free with rondod_config_free(). */
RondodConfig *rondod_config_new(void);
void rondod_config_free(RondodConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondodConfig, rondod_config_free)

/*
 * Overlays the keys present in the key file at @path. A missing file is an
 * error only when @must_exist; an unknown group or key, or a malformed
 * value, is always an error naming the file, group and key.
 */
gboolean rondod_config_load(RondodConfig *config, const char *path, gboolean must_exist,
                            GError **error);

/* Checks cross-field rules (a limit of 0, a relative state directory, ...). */
gboolean rondod_config_validate(const RondodConfig *config, GError **error);

#endif
