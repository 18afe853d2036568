/* doc-write.c - writing a store's JSON documents (doc.h).
 *
 * Output follows what json-glib wrote for the same files before 0.10, so a
 * store's files look as they did: pretty documents indent two spaces a
 * level and separate a member's name from its value by " : "; the drain
 * cursors are compact. Strings are escaped as RFC 8259 requires (quote,
 * backslash, control characters); other bytes, UTF-8 included, are copied.
 * Levels are tracked in two 64-bit masks: no store file nests near that.
 */
#include "config.h"
#include "doc.h"
#include <string.h>

#define LEVEL_BIT(d) (G_GUINT64_CONSTANT(1) << (d))

void
rondo_doc_writer_init(RondoDocWriter *w, gboolean pretty)
{
    *w = (RondoDocWriter){.out = g_string_sized_new(256), .pretty = pretty};
}

static void
doc_write_quoted(GString *out, const char *s)
{
    static const char from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
    g_string_append_c(out, '"');
    for (const guchar *p = (const guchar *)s; *p; p++) {
        const char *at = strchr(from, *p);
        if (at != NULL) {
            g_string_append_c(out, '\\');
            g_string_append_c(out, to[at - from]);
        } else if (*p < 0x20) {
            g_string_append_printf(out, "\\u%04x", *p);
        } else {
            g_string_append_c(out, (char)*p);
        }
    }
    g_string_append_c(out, '"');
}

static void
doc_write_newline(RondoDocWriter *w, guint depth)
{
    g_string_append_c(w->out, '\n');
    for (guint i = 0; i < depth; i++)
        g_string_append(w->out, "  ");
}

/* What comes before a value: the comma, the line, the member's name. */
static void
doc_write_prefix(RondoDocWriter *w, const char *name)
{
    gboolean in_object = w->depth > 0 && (w->objects & LEVEL_BIT(w->depth));
    g_assert((name != NULL) == in_object);
    g_assert(w->depth > 0 || !(w->filled & LEVEL_BIT(0))); /* one document */
    if (w->filled & LEVEL_BIT(w->depth))
        g_string_append_c(w->out, ',');
    if (w->pretty && w->depth > 0)
        doc_write_newline(w, w->depth);
    w->filled |= LEVEL_BIT(w->depth);
    if (name != NULL) {
        doc_write_quoted(w->out, name);
        g_string_append(w->out, w->pretty ? " : " : ":");
    }
}

static void
doc_write_begin(RondoDocWriter *w, const char *name, gboolean object)
{
    doc_write_prefix(w, name);
    g_string_append_c(w->out, object ? '{' : '[');
    g_assert(w->depth < 63);
    w->depth++;
    w->filled &= ~LEVEL_BIT(w->depth);
    w->objects = object ? w->objects | LEVEL_BIT(w->depth) : w->objects & ~LEVEL_BIT(w->depth);
}

static void
doc_write_end(RondoDocWriter *w, gboolean object)
{
    g_assert(w->depth > 0 && !!(w->objects & LEVEL_BIT(w->depth)) == object);
    if (w->pretty && (w->filled & LEVEL_BIT(w->depth)))
        doc_write_newline(w, w->depth - 1);
    w->depth--;
    g_string_append_c(w->out, object ? '}' : ']');
}

void
rondo_doc_write_begin_object(RondoDocWriter *w, const char *name)
{
    doc_write_begin(w, name, TRUE);
}

void
rondo_doc_write_end_object(RondoDocWriter *w)
{
    doc_write_end(w, TRUE);
}

void
rondo_doc_write_begin_array(RondoDocWriter *w, const char *name)
{
    doc_write_begin(w, name, FALSE);
}

void
rondo_doc_write_end_array(RondoDocWriter *w)
{
    doc_write_end(w, FALSE);
}

void
rondo_doc_write_string(RondoDocWriter *w, const char *name, const char *value)
{
    doc_write_prefix(w, name);
    doc_write_quoted(w->out, value);
}

void
rondo_doc_write_int(RondoDocWriter *w, const char *name, gint64 value)
{
    doc_write_prefix(w, name);
    g_string_append_printf(w->out, "%" G_GINT64_FORMAT, value);
}

char *
rondo_doc_writer_finish(RondoDocWriter *w, gsize *ret_len)
{
    g_assert(w->depth == 0 && (w->filled & LEVEL_BIT(0)));
    if (w->pretty)
        g_string_append_c(w->out, '\n');
    if (ret_len != NULL)
        *ret_len = w->out->len;
    char *text = g_string_free(w->out, FALSE);
    w->out = NULL;
    return text;
}
