/* export-http.c - one remote-write POST through libcurl, and its verdict.
 *
 * Each exporter owns one curl easy handle, so connections are kept alive
 * between batches and nothing is shared between exporters: they may run in
 * different threads. libcurl's global initialisation is not thread-safe in
 * every build, so it runs exactly once, under g_once, and is never undone
 * (the library cannot know when the process is done with curl).
 *
 * What an answer means for delivery is decided here, in one table
 * (export_verdict_for_status), and applied by export.c.
 */
#include "config.h"
#include <curl/curl.h>
#include <string.h>
#include "export.h"

struct _ExportHttp {
    CURL *curl;
    struct curl_slist *headers;
    const gint *cancelled;
    GString *body; /* the answer's body, up to EXPORT_MESSAGE_MAX */
    char errbuf[CURL_ERROR_SIZE];
};

static gpointer
curl_init_once(gpointer data)
{
    return GINT_TO_POINTER(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 1 : 2);
}

static gboolean
curl_ready(void)
{
    static GOnce once = G_ONCE_INIT;
    return GPOINTER_TO_INT(g_once(&once, curl_init_once, NULL)) == 1;
}

void
export_answer_clear(ExportAnswer *answer)
{
    g_clear_pointer(&answer->message, g_free);
}

static size_t
on_body(char *data, size_t size, size_t n, void *user)
{
    GString *body = user;
    gsize room = EXPORT_MESSAGE_MAX - MIN(body->len, EXPORT_MESSAGE_MAX);
    g_string_append_len(body, data, (gssize)MIN(room, size * n));
    return size * n; /* the rest is read and ignored */
}

static int
on_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    const gint *cancelled = user;
    return g_atomic_int_get(cancelled) ? 1 : 0; /* non-zero aborts the transfer */
}

static gboolean
http_setup(ExportHttp *h, const char *url)
{
    g_autofree char *agent = g_strdup_printf("rondo/%s", PACKAGE_VERSION);
    static const char *const headers[] = {
        "Content-Encoding: snappy", "Content-Type: application/x-protobuf",
        "X-Prometheus-Remote-Write-Version: 0.1.0",
        "Expect:", /* no 100-continue round trip for large bodies */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(headers); i++) {
        struct curl_slist *l = curl_slist_append(h->headers, headers[i]);
        if (l == NULL)
            return FALSE;
        h->headers = l;
    }
    CURLcode rc = CURLE_OK;
    rc |= curl_easy_setopt(h->curl, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    rc |= curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    rc |= curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    rc |= curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
    rc |= curl_easy_setopt(h->curl, CURLOPT_USERAGENT, agent); /* copied by curl */
    rc |= curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(h->curl, CURLOPT_POST, 1L);
    rc |= curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
    rc |= curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
    rc |= curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h->body);
    rc |= curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L);
    rc |= curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    rc |= curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA, (void *)h->cancelled);
    return rc == CURLE_OK;
}

ExportHttp *
export_http_new(const char *url, const gint *cancelled, GError **error)
{
    g_assert(cancelled != NULL);
    if (!curl_ready()) {
        g_set_error(error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_FAILED,
                    "libcurl could not be initialised");
        return NULL;
    }
    ExportHttp *h = g_new0(ExportHttp, 1);
    h->curl = curl_easy_init();
    h->cancelled = cancelled;
    h->body = g_string_new(NULL);
    if (h->curl == NULL || !http_setup(h, url)) {
        g_set_error(error, RONDO_EXPORT_ERROR, RONDO_EXPORT_ERROR_FAILED,
                    "libcurl could not set up a request for %s", url);
        export_http_free(h);
        return NULL;
    }
    export_http_set_timeouts(h, 5000, 30000);
    return h;
}

void
export_http_free(ExportHttp *h)
{
    if (h == NULL)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    curl_slist_free_all(h->headers);
    g_string_free(h->body, TRUE);
    g_free(h);
}

void
export_http_set_bearer(ExportHttp *h, const char *token)
{
    curl_easy_setopt(h->curl, CURLOPT_USERNAME, NULL);
    curl_easy_setopt(h->curl, CURLOPT_PASSWORD, NULL);
    curl_easy_setopt(h->curl, CURLOPT_XOAUTH2_BEARER, token);
    curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH, token ? CURLAUTH_BEARER : CURLAUTH_NONE);
}

void
export_http_set_basic(ExportHttp *h, const char *user, const char *password)
{
    curl_easy_setopt(h->curl, CURLOPT_XOAUTH2_BEARER, NULL);
    curl_easy_setopt(h->curl, CURLOPT_USERNAME, user);
    curl_easy_setopt(h->curl, CURLOPT_PASSWORD, user ? (password ? password : "") : NULL);
    curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH, user ? CURLAUTH_BASIC : CURLAUTH_NONE);
}

void
export_http_set_timeouts(ExportHttp *h, guint connect_ms, guint request_ms)
{
    curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)request_ms);
}

ExportVerdict
export_verdict_for_status(guint status)
{
    if (status >= 200 && status < 300)
        return EXPORT_SENT;
    if (status == 429 || (status >= 500 && status < 600))
        return EXPORT_RETRY;
    switch (status) {
    case 401: /* unauthorized */
    case 403: /* forbidden */
    case 404: /* not found: a wrong URL */
    case 405: /* method not allowed: not a write endpoint */
    case 407: /* proxy authentication required */
        return EXPORT_REFUSED;
    default:
        return status >= 400 && status < 500 ? EXPORT_DROP : EXPORT_FAILED;
    }
}

/* Transport errors worth another attempt; the rest cannot get better. */
static ExportVerdict
verdict_for_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
        return EXPORT_RETRY;
    case CURLE_ABORTED_BY_CALLBACK:
        return EXPORT_CANCELLED;
    default:
        return EXPORT_FAILED;
    }
}

void
export_http_post(ExportHttp *h, GBytes *body, ExportAnswer *ret)
{
    gsize n = 0;
    const char *data = g_bytes_get_data(body, &n);
    long status = 0;
    curl_off_t retry_after = -1;

    g_string_truncate(h->body, 0);
    h->errbuf[0] = '\0';
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, data ? data : "");
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
    CURLcode rc = curl_easy_perform(h->curl);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL); /* @body is the caller's */

    *ret = (ExportAnswer){.retry_after_ms = -1};
    if (rc != CURLE_OK) {
        ret->verdict = verdict_for_curl(rc);
        ret->message = g_strdup(h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
        return;
    }
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK &&
        retry_after > 0) /* 0: no header (or a date already past) */
        ret->retry_after_ms = MIN(retry_after, G_MAXINT32) * 1000;
    ret->status = (guint)CLAMP(status, 0, 999);
    ret->verdict = export_verdict_for_status(ret->status);
    if (ret->verdict != EXPORT_SENT) {
        g_autofree char *text = g_utf8_make_valid(h->body->str, (gssize)h->body->len);
        ret->message = g_strdup_printf("HTTP %u: %s", ret->status, g_strstrip(text));
    }
}
