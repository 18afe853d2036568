/* http-head.h - HTTP/1.1 heads outside libsoup: a plain GET read, an answer's head written. */
#ifndef RONDOD_HTTP_HEAD_H
#define RONDOD_HTTP_HEAD_H

#include <glib.h>

/* Pointers into the parsed bytes, not NUL-terminated. */
typedef struct {
    const char *path; /* the request target up to '?', as sent */
    gsize path_len;
    const char *query; /* after '?', still percent-encoded; NULL: none */
    gsize query_len;
    const char *authorization; /* its value, without surrounding blanks; NULL: none */
    gsize authorization_len;
} HttpHead;

/*
 * Parses @buf as exactly one request head of the strict shape that
 * quick.c answers: "GET /path[?query] HTTP/1.1", header lines of visible
 * ASCII, exactly one Host, at most one Authorization, nothing that
 * announces a body or changes the protocol (Content-Length,
 * Transfer-Encoding, Expect, Upgrade), and the blank line as @buf's last
 * bytes. FALSE for anything else, which is not an error: such a request is
 * libsoup's to read.
 */
gboolean http_head_parse(const char *buf, gsize len, HttpHead *head);

/* "HTTP/1.1 STATUS PHRASE\r\n" appended to @out (@status of three digits). */
void http_head_append_status(GString *out, guint status, const char *phrase);
/* "NAME: VALUE\r\n" appended to @out; nothing for a NULL @value. */
void http_head_append_field(GString *out, const char *name, const char *value);

#endif
