/* json-guard.h - the checks JSON from outside gets before json-glib parses it.
 *
 * json-glib parses recursively: ~80 000 nested brackets overflow the stack
 * (SIGSEGV), and it reads whatever size it is given. Everything the tools
 * and the agent parse with json-glib from a file, a pipe or a socket is
 * first measured against a size limit, then scanned here for its nesting
 * depth (compiled into each; no exported symbol). librondo reads its own
 * files with its own parser, which refuses the same depth as it descends
 * (lib/doc.h).
 */
#ifndef RONDO_JSON_GUARD_H
#define RONDO_JSON_GUARD_H

#include <glib.h>

/* No rondo file or answer nests deeper than a few levels. */
#define RONDO_JSON_DEPTH_MAX 64

/*
 * Counts [ and { outside strings (honouring backslash escapes) over @len
 * bytes of @text. Returns FALSE, with @ret_offset (optional) at the bracket
 * that goes deeper than @depth_max, when the text nests too deep. Says
 * nothing about whether @text is valid JSON: the parser judges that.
 */
gboolean rondo_json_depth_ok(const char *text, gsize len, guint depth_max, gsize *ret_offset);

#endif /* RONDO_JSON_GUARD_H */
