/* doc.h - the small JSON documents of a store: meta.json, series.json and
 * the drain cursors, read and written by librondo itself.
 *
 * librondo used json-glib for them, and with it GObject, GIO and their
 * libraries: about 190 kB of private memory in every process that links
 * librondo (relocated data, the type system, GSlice's caches, the parse
 * tree's peak), i.e. in every VMM, for three files it reads at open and
 * writes a few times in its life. These documents need objects, arrays,
 * strings and integers, so a parser and a writer of their own cost less
 * than the library they replace, and depend on GLib alone.
 *
 * The parser is strict RFC 8259 over input that may be hostile (a damaged
 * or foreign file): valid UTF-8 only, no NUL in strings, no duplicate
 * member, no trailing data, nesting bounded by RONDO_JSON_DEPTH_MAX, the
 * root an object. Every accessor accepts NULL and a node of another type
 * and answers NULL (FALSE for numbers), so a chain of lookups needs one
 * check at its end and no input can raise a critical.
 */
#ifndef RONDO_DOC_H
#define RONDO_DOC_H
#include <glib.h>
#include "json-guard.h" /* RONDO_JSON_DEPTH_MAX, the one nesting limit */

typedef struct _RondoDocNode RondoDocNode;

/*
 * Parses @len bytes of @text; @what names the input in errors (a path).
 * Returns: (transfer full): the root object, freed with rondo_doc_free();
 * NULL with RONDO_ERROR_CORRUPT saying what is wrong at which byte.
 */
RondoDocNode *rondo_doc_parse(const char *text, gsize len, const char *what, GError **error);
/*
 * Reads @path with rondo_file_read() (no link, no special file, at most
 * @bytes_max bytes) and parses it. NULL with RONDO_ERROR_NOT_FOUND when the
 * file does not exist, else RONDO_ERROR_CORRUPT (or _IO) naming @path.
 */
RondoDocNode *rondo_doc_load(const char *path, gsize bytes_max, GError **error);
void rondo_doc_free(RondoDocNode *root);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(RondoDocNode, rondo_doc_free)

gboolean rondo_doc_is_object(const RondoDocNode *node);
gboolean rondo_doc_is_array(const RondoDocNode *node);
/* Elements of an array, members of an object; 0 for anything else. */
guint rondo_doc_length(const RondoDocNode *node);
/* Element @i of an array, the value of member @i of an object (in the
 * file's order); NULL past the end or for anything else. */
const RondoDocNode *rondo_doc_at(const RondoDocNode *node, guint i);
/* The name of member @i of an object; NULL past the end or for a non-object. */
const char *rondo_doc_name_at(const RondoDocNode *node, guint i);
/* Member @name of an object; NULL when absent or @node is not an object. */
const RondoDocNode *rondo_doc_get(const RondoDocNode *node, const char *name);

/* A string's value; NULL for anything else. */
const char *rondo_doc_string(const RondoDocNode *node);
/* An integer (no fraction or exponent, within int64) in [@min, @max] into
 * @ret; FALSE for anything else, @ret untouched. */
gboolean rondo_doc_int(const RondoDocNode *node, gint64 min, gint64 max, gint64 *ret);
/* Shorthands: rondo_doc_string(rondo_doc_get(...)) and the like. */
const char *rondo_doc_get_string(const RondoDocNode *node, const char *name);
gboolean rondo_doc_get_int(const RondoDocNode *node, const char *name, gint64 min, gint64 max,
                           gint64 *ret);

/*
 * A writer: members and elements appended in order to a GString, pretty
 * (two spaces a level, one member a line) or compact. @name is the member's
 * name inside an object and NULL inside an array or at the top. Writing is
 * the caller's program, not input: a misplaced call is a bug (asserted).
 */
typedef struct {
    GString *out;
    gboolean pretty;
    guint depth;
    guint64 filled;  /* bit d: level d has an element already */
    guint64 objects; /* bit d: level d is an object (else an array) */
} RondoDocWriter;

void rondo_doc_writer_init(RondoDocWriter *w, gboolean pretty);
void rondo_doc_write_begin_object(RondoDocWriter *w, const char *name);
void rondo_doc_write_end_object(RondoDocWriter *w);
void rondo_doc_write_begin_array(RondoDocWriter *w, const char *name);
void rondo_doc_write_end_array(RondoDocWriter *w);
void rondo_doc_write_string(RondoDocWriter *w, const char *name, const char *value);
void rondo_doc_write_int(RondoDocWriter *w, const char *name, gint64 value);
/* Returns: (transfer full): the text, its length in @ret_len (optional). */
char *rondo_doc_writer_finish(RondoDocWriter *w, gsize *ret_len);

#endif /* RONDO_DOC_H */
