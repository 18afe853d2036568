/* http-head.c - a strict reader of the commonest request head, and the
 * writer of an answer's head, for the bytes rondod reads and sends without
 * libsoup (http-head.h).
 *
 * Why a second reader beside libsoup's: quick.c answers a dashboard's GET
 * of a query without libsoup, whose objects per connection cost more than
 * a small query's evaluation. It must never answer a request that libsoup
 * would read differently, so this reader does not try to be complete: it
 * accepts one shape, with nothing to interpret (no folded lines, no
 * bytes outside visible ASCII, no percent-encoding in the path, no body,
 * no HTTP/1.0 with its other rules), and says "not mine" to anything
 * else. Being wrong in that direction costs only speed.
 */
#include "config.h"

#include <string.h>

#include "http-head.h"

#define CRLF "\r\n"

/* A byte of a header value or a request target: visible ASCII (and, in a value, blanks). */
static gboolean
is_visible(char ch)
{
    return ch > 0x20 && ch < 0x7f;
}

/* tchar of RFC 9110: the bytes of a header name. */
static gboolean
is_tchar(char ch)
{
    return g_ascii_isalnum(ch) || (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static gboolean
name_is(const char *name, gsize len, const char *want)
{
    return len == strlen(want) && g_ascii_strncasecmp(name, want, len) == 0;
}

/* "GET /target HTTP/1.1\r\n": the target into @head; the line's length, or 0. */
static gsize
parse_request_line(const char *buf, gsize len, HttpHead *head)
{
    static const char method[] = "GET ", version[] = " HTTP/1.1" CRLF;
    gsize m = sizeof method - 1, v = sizeof version - 1, i = m;
    if (len < m + 1 + v || memcmp(buf, method, m) != 0 || buf[m] != '/')
        return 0;
    while (i < len && is_visible(buf[i]))
        i++;
    if (len - i < v || memcmp(buf + i, version, v) != 0)
        return 0;
    const char *target = buf + m, *end = buf + i;
    const char *q = memchr(target, '?', (gsize)(end - target));
    const char *path_end = q != NULL ? q : end;
    if (memchr(target, '%', (gsize)(path_end - target)) != NULL ||
        memchr(target, '#', (gsize)(end - target)) != NULL)
        return 0;
    head->path = target;
    head->path_len = (gsize)(path_end - target);
    head->query = q != NULL ? q + 1 : NULL;
    head->query_len = q != NULL ? (gsize)(end - q - 1) : 0;
    return i + v;
}

/* Counts what the head's fields say; FALSE for one this reader leaves to libsoup. */
static gboolean
take_field(const char *name, gsize name_len, const char *value, gsize value_len, HttpHead *head,
           guint *n_host)
{
    if (name_is(name, name_len, "Content-Length") || name_is(name, name_len, "Transfer-Encoding") ||
        name_is(name, name_len, "Expect") || name_is(name, name_len, "Upgrade"))
        return FALSE;
    if (name_is(name, name_len, "Host"))
        return ++*n_host == 1;
    if (!name_is(name, name_len, "Authorization"))
        return TRUE;
    if (head->authorization != NULL)
        return FALSE;
    head->authorization = value;
    head->authorization_len = value_len;
    return TRUE;
}

/* One "Name: value\r\n" at @buf; its length, or 0. */
static gsize
parse_field(const char *buf, gsize len, HttpHead *head, guint *n_host)
{
    gsize i = 0;
    while (i < len && is_tchar(buf[i]))
        i++;
    if (i == 0 || i == len || buf[i] != ':')
        return 0;
    gsize name_len = i++;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    gsize start = i, end = i;
    for (; i < len && buf[i] != '\r'; i++) {
        if (is_visible(buf[i]))
            end = i + 1;
        else if (buf[i] != ' ' && buf[i] != '\t')
            return 0;
    }
    if (len - i < 2 || buf[i + 1] != '\n')
        return 0;
    if (!take_field(buf, name_len, buf + start, end - start, head, n_host))
        return 0;
    return i + 2;
}

gboolean
http_head_parse(const char *buf, gsize len, HttpHead *head)
{
    g_return_val_if_fail(buf != NULL && head != NULL, FALSE);
    memset(head, 0, sizeof *head);
    gsize at = parse_request_line(buf, len, head);
    guint n_host = 0;
    if (at == 0)
        return FALSE;
    while (at < len && buf[at] != '\r') {
        gsize n = parse_field(buf + at, len - at, head, &n_host);
        if (n == 0)
            return FALSE;
        at += n;
    }
    /* the blank line, and nothing after it */
    return n_host == 1 && len - at == 2 && buf[at + 1] == '\n';
}

void
http_head_append_status(GString *out, guint status, const char *phrase)
{
    g_assert(status >= 100 && status <= 999);
    char code[] = {(char)('0' + status / 100), (char)('0' + status / 10 % 10),
                   (char)('0' + status % 10), ' ', '\0'};
    g_string_append(out, "HTTP/1.1 ");
    g_string_append(out, code);
    g_string_append(out, phrase);
    g_string_append_len(out, CRLF, 2);
}

void
http_head_append_field(GString *out, const char *name, const char *value)
{
    if (value == NULL)
        return;
    g_string_append(out, name);
    g_string_append_len(out, ": ", 2);
    g_string_append(out, value);
    g_string_append_len(out, CRLF, 2);
}
