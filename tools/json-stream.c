/* json-stream.c - a JSON object split into its members without a tree.
 *
 * json-glib parses a whole document into a tree: 48 MB of memory for a
 * 3.3 MB dump, so a large store could not be restored on a small machine.
 * A dump is one object whose "series" array holds nearly everything, so
 * this reader walks the object's outer syntax itself - member names,
 * colons, commas, the streamed array's brackets - and hands each member's
 * value (each element of the streamed array) to json-glib on its own. To
 * find where a value ends it only tracks strings, escapes and bracket
 * depth; whether the value is valid JSON is json-glib's to say.
 */
#include "config.h"
#include <glib/gi18n.h>
#include "json-input.h"
#include "json-stream.h"

typedef struct {
    GInputStream *in;
    guint8 buf[65536];
    gsize len, pos;
    guint64 offset; /* of buf[0] in the input */
    gboolean eof;
    GError *io_error;
} Reader;

/* The next byte, or -1 at the end of the input or after a read error. */
static int
peek(Reader *r)
{
    if (r->pos == r->len && !r->eof && r->io_error == NULL) {
        r->offset += r->len;
        gssize n = g_input_stream_read(r->in, r->buf, sizeof r->buf, NULL, &r->io_error);
        r->len = n > 0 ? (gsize)n : 0;
        r->pos = 0;
        r->eof = n <= 0;
    }
    return r->pos < r->len ? r->buf[r->pos] : -1;
}

static int
get(Reader *r)
{
    int c = peek(r);
    if (c >= 0)
        r->pos++;
    return c;
}

static int
skip_space(Reader *r)
{
    int c;
    while ((c = peek(r)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        r->pos++;
    return c;
}

static gboolean
bad(Reader *r, GError **error, const char *what)
{
    if (r->io_error != NULL) {
        g_propagate_error(error, g_steal_pointer(&r->io_error));
        return FALSE;
    }
    g_autofree char *at = g_strdup_printf("%" G_GUINT64_FORMAT, r->offset + r->pos);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("%s at byte %s"), what, at);
    return FALSE;
}

/* Whether @c ends a scalar at depth 0 (a number, true, false, null). */
static gboolean
ends_scalar(int c)
{
    return c < 0 || c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' ||
           c == '\r';
}

/* Appends one value's text to @out: a string, an object or array up to its
 * closing bracket, or a scalar up to the next delimiter. */
static gboolean
capture(Reader *r, GString *out, GError **error)
{
    int depth = 0;
    gboolean in_string = FALSE, escaped = FALSE;
    g_string_truncate(out, 0);
    skip_space(r);
    for (;;) {
        int c = peek(r);
        if (!in_string && depth == 0 && out->len > 0 && ends_scalar(c))
            return TRUE;
        if (c < 0)
            return bad(r, error, _("the JSON ends in the middle of a value"));
        if (out->len >= TOOL_JSON_VALUE_BYTES_MAX)
            return bad(r, error, _("a JSON value larger than 256 MiB"));
        g_string_append_c(out, (char)get(r));
        if (in_string) {
            if (escaped)
                escaped = FALSE;
            else if (c == '\\')
                escaped = TRUE;
            else if (c == '"')
                in_string = FALSE;
            if (!in_string && depth == 0)
                return TRUE;
        } else if (c == '"') {
            in_string = TRUE;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && --depth <= 0) {
            return depth == 0 || bad(r, error, _("a closing bracket without its opening one"));
        }
    }
}

/* Captures a value and parses it. Returns: (transfer full) (nullable). */
static JsonNode *
read_value(Reader *r, GString *text, GError **error)
{
    if (!capture(r, text, error))
        return NULL;
    return tool_json_input_parse(text->str, text->len, error);
}

static gboolean
expect(Reader *r, int want, GError **error)
{
    if (skip_space(r) == want) {
        get(r);
        return TRUE;
    }
    g_autofree char *what = g_strdup_printf(_("“%c” expected"), want);
    return bad(r, error, what);
}

/* The elements of an array, each on its own; the '[' is next. */
static gboolean
stream_array(Reader *r, const char *name, GString *text, ToolJsonMemberFunc fn, gpointer data,
             GError **error)
{
    if (!expect(r, '[', error))
        return FALSE;
    if (skip_space(r) == ']') {
        get(r);
        return TRUE;
    }
    for (;;) {
        g_autoptr(JsonNode) v = read_value(r, text, error);
        if (v == NULL || !fn(name, v, data, error))
            return FALSE;
        int c = skip_space(r);
        get(r);
        if (c == ']')
            return TRUE;
        if (c != ',')
            return bad(r, error, _("“,” or “]” expected"));
    }
}

/* One "name": value member; the name's opening quote is next. */
static gboolean
read_member(Reader *r, const char *streamed, GString *text, ToolJsonMemberFunc fn, gpointer data,
            GError **error)
{
    if (skip_space(r) != '"')
        return bad(r, error, _("a member name expected"));
    g_autoptr(JsonNode) key = read_value(r, text, error);
    if (key == NULL)
        return FALSE;
    g_autofree char *name = g_strdup(json_node_get_string(key));
    if (!expect(r, ':', error))
        return FALSE;
    if (g_str_equal(name, streamed) && skip_space(r) == '[')
        return stream_array(r, name, text, fn, data, error);
    g_autoptr(JsonNode) v = read_value(r, text, error);
    return v != NULL && fn(name, v, data, error);
}

gboolean
tool_json_stream_object(GInputStream *in, const char *streamed, ToolJsonMemberFunc fn,
                        gpointer user_data, GError **error)
{
    g_autofree Reader *r = g_new0(Reader, 1);
    g_autoptr(GString) text = g_string_new(NULL);
    r->in = in;
    gboolean ok = expect(r, '{', error);
    if (ok && skip_space(r) == '}')
        get(r);
    else
        while (ok) {
            ok = read_member(r, streamed, text, fn, user_data, error);
            int c = ok ? skip_space(r) : 0;
            if (ok && get(r) == '}')
                break;
            if (ok && c != ',')
                ok = bad(r, error, _("“,” or “}” expected"));
        }
    if (ok && skip_space(r) >= 0)
        ok = bad(r, error, _("data after the JSON object"));
    if (ok && r->io_error != NULL)
        ok = bad(r, error, NULL);
    g_clear_error(&r->io_error);
    return ok;
}
