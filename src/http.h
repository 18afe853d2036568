/* http.h - answering requests: JSON bodies, error envelopes, methods, parameters. */
#ifndef RONDOD_HTTP_H
#define RONDOD_HTTP_H

#include <libsoup/soup.h>

#include "params.h"

/* libsoup 3.2 has no name for it (RFC 6585). */
#define HTTP_STATUS_TOO_MANY_REQUESTS 429

/* Sets @status and the JSON @body (taken). */
void http_respond_json(SoupServerMessage *msg, guint status, GString *body);
void http_respond_text(SoupServerMessage *msg, guint status, const char *content_type,
                       GString *body);
/*
 * The Prometheus error envelope {"status":"error","errorType":..,"error":..}
 * for every error rondod answers, whatever the path.
 */
G_GNUC_PRINTF(3, 4)
void http_respond_error(SoupServerMessage *msg, guint status, const char *fmt, ...);
/* The error envelope of @status and @text, as a new string. */
GString *http_error_body(guint status, const char *text);
/* The Prometheus success envelope around @data (taken), status 200. */
void http_respond_success(SoupServerMessage *msg, GString *data);

/*
 * TRUE if the early handler already answered (401, 411, 413): libsoup still
 * calls the path's handler, which must then leave the answer alone.
 */
gboolean http_already_answered(SoupServerMessage *msg);
/* FALSE (after answering 405) unless the method is GET, HEAD or (if @post) POST. */
/* Both checks return FALSE at once if the early handler answered. */
gboolean http_check_method(SoupServerMessage *msg, gboolean post);
/* FALSE (after answering 405) unless the method is POST. */
gboolean http_check_post(SoupServerMessage *msg);
/* Query string plus an urlencoded POST body; NULL after answering 400. */
Params *http_get_params(SoupServerMessage *msg);

/* errorType for an HTTP status, as Prometheus names them. */
const char *http_error_type(guint status);

#endif
