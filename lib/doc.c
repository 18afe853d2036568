/* doc.c - parsing a store's JSON documents into a small tree (doc.h).
 *
 * A recursive descent over a bounded buffer: the depth is counted on the
 * way down and refused past RONDO_JSON_DEPTH_MAX, so no input can exhaust
 * the stack. The tree keeps what the store's files hold: objects (members
 * in the file's order), arrays, strings and int64 integers; another number,
 * true, false and null are recognised and kept as "other", without a value
 * no reader needs.
 */
#include "config.h"
#include "doc.h"
#include <errno.h>
#include <string.h>
#include "file.h"
#include "internal.h"

typedef enum { DOC_OBJECT, DOC_ARRAY, DOC_STRING, DOC_INT, DOC_OTHER } DocType;

struct _RondoDocNode {
    DocType type;
    guint n;              /* elements or members */
    RondoDocNode **items; /* arrays and objects: n values */
    char **names;         /* objects: n member names */
    union {
        char *s;
        gint64 i;
    } v;
};

typedef struct {
    const char *start, *p, *end;
    const char *what;
    guint depth;
    GError **error;
} DocParser;

void
rondo_doc_free(RondoDocNode *node)
{
    if (node == NULL)
        return;
    for (guint i = 0; i < node->n; i++) {
        rondo_doc_free(node->items[i]);
        if (node->names != NULL)
            g_free(node->names[i]);
    }
    g_free(node->items);
    g_free(node->names);
    if (node->type == DOC_STRING)
        g_free(node->v.s);
    g_free(node);
}

static gboolean
doc_fail(DocParser *ps, const char *why)
{
    if (ps->error != NULL && *ps->error == NULL)
        g_set_error(ps->error, RONDO_ERROR, RONDO_ERROR_CORRUPT,
                    "%s: not valid JSON: %s (at byte %" G_GSIZE_FORMAT ")", ps->what, why,
                    (gsize)(ps->p - ps->start));
    return FALSE;
}

static void
doc_skip_space(DocParser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static RondoDocNode *
doc_node_new(DocType type)
{
    RondoDocNode *node = g_new0(RondoDocNode, 1);
    node->type = type;
    return node;
}

static gboolean
doc_hex4(DocParser *ps, gunichar *ret)
{
    *ret = 0;
    for (guint i = 0; i < 4; i++, ps->p++) {
        int d = ps->p < ps->end ? g_ascii_xdigit_value(*ps->p) : -1;
        if (d < 0)
            return doc_fail(ps, "a \\u escape needs four hexadecimal digits");
        *ret = *ret << 4 | (gunichar)d;
    }
    return TRUE;
}

/* \uXXXX after the backslash and the u, with a surrogate pair as one. */
static gboolean
doc_unicode_escape(DocParser *ps, GString *out)
{
    gunichar c, low;
    if (!doc_hex4(ps, &c))
        return FALSE;
    if (c >= 0xdc00 && c <= 0xdfff)
        return doc_fail(ps, "a low surrogate without a high one");
    if (c >= 0xd800 && c <= 0xdbff) {
        if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
            return doc_fail(ps, "a high surrogate without a low one");
        ps->p += 2;
        if (!doc_hex4(ps, &low))
            return FALSE;
        if (low < 0xdc00 || low > 0xdfff)
            return doc_fail(ps, "a high surrogate without a low one");
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
    }
    g_string_append_unichar(out, c);
    return TRUE;
}

static gboolean
doc_escape(DocParser *ps, GString *out)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (ps->p >= ps->end)
        return doc_fail(ps, "the text ends inside a string");
    char c = *ps->p++;
    if (c == 'u')
        return doc_unicode_escape(ps, out);
    const char *at = c != '\0' ? strchr(from, c) : NULL;
    if (at == NULL)
        return doc_fail(ps, "an unknown escape in a string");
    g_string_append_c(out, to[at - from]);
    return TRUE;
}

/* A string, ps->p on its opening quote. Returns: (transfer full). */
static char *
doc_parse_string(DocParser *ps)
{
    g_autoptr(GString) out = g_string_new(NULL);
    const char *open = ps->p++;
    for (;;) {
        if (ps->p >= ps->end) {
            doc_fail(ps, "the text ends inside a string");
            return NULL;
        }
        char c = *ps->p++;
        if (c == '"')
            break;
        if ((guchar)c < 0x20) {
            ps->p--;
            doc_fail(ps, "a control character in a string");
            return NULL;
        }
        if (c == '\\' && !doc_escape(ps, out))
            return NULL;
        if (c != '\\')
            g_string_append_c(out, c);
    }
    /* Also refuses NUL (from \u0000), which no C string can carry. */
    if (!g_utf8_validate_len(out->str, out->len, NULL)) {
        ps->p = open;
        doc_fail(ps, "a string is not valid UTF-8 or holds NUL");
        return NULL;
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static gboolean
doc_digits(DocParser *ps)
{
    const char *from = ps->p;
    while (ps->p < ps->end && g_ascii_isdigit(*ps->p))
        ps->p++;
    return ps->p > from || doc_fail(ps, "a number needs a digit here");
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? per RFC 8259. */
static RondoDocNode *
doc_parse_number(DocParser *ps)
{
    const char *from = ps->p;
    gboolean integral = TRUE;
    if (*ps->p == '-')
        ps->p++;
    if (ps->p < ps->end && *ps->p == '0')
        ps->p++;
    else if (!doc_digits(ps))
        return NULL;
    if (ps->p < ps->end && *ps->p == '.') {
        integral = FALSE;
        ps->p++;
        if (!doc_digits(ps))
            return NULL;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        integral = FALSE;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!doc_digits(ps))
            return NULL;
    }
    g_autofree char *token = g_strndup(from, (gsize)(ps->p - from));
    char *stop = NULL;
    errno = 0;
    gint64 v = integral ? g_ascii_strtoll(token, &stop, 10) : 0;
    if (!integral || errno == ERANGE || *stop != '\0')
        return doc_node_new(DOC_OTHER);
    RondoDocNode *node = doc_node_new(DOC_INT);
    node->v.i = v;
    return node;
}

static RondoDocNode *doc_parse_value(DocParser *ps);

/* The members or elements of an object or array after its opening bracket:
 * values separated by commas up to @close; objects with a name before each. */
static gboolean
doc_parse_items(DocParser *ps, RondoDocNode *node, char close)
{
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func((GDestroyNotify)rondo_doc_free);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    doc_skip_space(ps);
    if (ps->p < ps->end && *ps->p == close)
        ps->p++;
    else
        for (;;) {
            doc_skip_space(ps);
            if (node->type == DOC_OBJECT) {
                if (ps->p >= ps->end || *ps->p != '"')
                    return doc_fail(ps, "a member needs a name in quotes");
                char *name = doc_parse_string(ps);
                if (name == NULL)
                    return FALSE;
                g_ptr_array_add(names, name);
                doc_skip_space(ps);
                if (ps->p >= ps->end || *ps->p++ != ':')
                    return doc_fail(ps, "a member's name needs a colon after it");
            }
            RondoDocNode *value = doc_parse_value(ps);
            if (value == NULL)
                return FALSE;
            g_ptr_array_add(items, value);
            doc_skip_space(ps);
            char c = ps->p < ps->end ? *ps->p++ : '\0';
            if (c == close)
                break;
            if (c != ',')
                return doc_fail(ps,
                                close == '}' ? "a comma or } expected" : "a comma or ] expected");
        }
    node->n = items->len;
    node->items = (RondoDocNode **)g_ptr_array_steal(items, NULL);
    if (node->type == DOC_OBJECT)
        node->names = (char **)g_ptr_array_steal(names, NULL);
    return TRUE;
}

static gboolean
doc_has_duplicate(const RondoDocNode *node)
{
    if (node->n < 2)
        return FALSE;
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < node->n; i++)
        if (!g_hash_table_add(seen, node->names[i]))
            return TRUE;
    return FALSE;
}

static RondoDocNode *
doc_parse_container(DocParser *ps, DocType type)
{
    if (++ps->depth > RONDO_JSON_DEPTH_MAX) {
        g_autofree char *why =
            g_strdup_printf("nested deeper than %d levels", RONDO_JSON_DEPTH_MAX);
        doc_fail(ps, why);
        return NULL;
    }
    ps->p++;
    g_autoptr(RondoDocNode) node = doc_node_new(type);
    if (!doc_parse_items(ps, node, type == DOC_OBJECT ? '}' : ']'))
        return NULL;
    if (type == DOC_OBJECT && doc_has_duplicate(node)) {
        doc_fail(ps, "an object names a member twice");
        return NULL;
    }
    ps->depth--;
    return g_steal_pointer(&node);
}

static gboolean
doc_parse_word(DocParser *ps, const char *word)
{
    gsize n = strlen(word);
    if ((gsize)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return doc_fail(ps, "a value expected");
    ps->p += n;
    return TRUE;
}

static RondoDocNode *
doc_parse_value(DocParser *ps)
{
    doc_skip_space(ps);
    if (ps->p >= ps->end) {
        doc_fail(ps, "the text ends where a value is expected");
        return NULL;
    }
    char c = *ps->p;
    if (c == '{' || c == '[')
        return doc_parse_container(ps, c == '{' ? DOC_OBJECT : DOC_ARRAY);
    if (c == '"') {
        char *s = doc_parse_string(ps);
        if (s == NULL)
            return NULL;
        RondoDocNode *node = doc_node_new(DOC_STRING);
        node->v.s = s;
        return node;
    }
    if (c == '-' || g_ascii_isdigit(c))
        return doc_parse_number(ps);
    if (doc_parse_word(ps, c == 't' ? "true" : c == 'f' ? "false" : "null"))
        return doc_node_new(DOC_OTHER);
    return NULL;
}

RondoDocNode *
rondo_doc_parse(const char *text, gsize len, const char *what, GError **error)
{
    g_return_val_if_fail(text != NULL || len == 0, NULL);
    DocParser ps = {.start = text, .p = text, .end = text + len, .what = what, .error = error};
    doc_skip_space(&ps);
    if (ps.p >= ps.end || *ps.p != '{') {
        doc_fail(&ps, "the document is not an object");
        return NULL;
    }
    g_autoptr(RondoDocNode) root = doc_parse_value(&ps);
    if (root == NULL)
        return NULL;
    doc_skip_space(&ps);
    if (ps.p != ps.end) {
        doc_fail(&ps, "text after the document");
        return NULL;
    }
    return g_steal_pointer(&root);
}

RondoDocNode *
rondo_doc_load(const char *path, gsize bytes_max, GError **error)
{
    gsize len = 0;
    g_autofree char *text = rondo_file_read(path, bytes_max, &len, error);
    return text != NULL ? rondo_doc_parse(text, len, path, error) : NULL;
}

gboolean
rondo_doc_is_object(const RondoDocNode *node)
{
    return node != NULL && node->type == DOC_OBJECT;
}

gboolean
rondo_doc_is_array(const RondoDocNode *node)
{
    return node != NULL && node->type == DOC_ARRAY;
}

guint
rondo_doc_length(const RondoDocNode *node)
{
    return rondo_doc_is_object(node) || rondo_doc_is_array(node) ? node->n : 0;
}

const RondoDocNode *
rondo_doc_at(const RondoDocNode *node, guint i)
{
    return i < rondo_doc_length(node) ? node->items[i] : NULL;
}

const char *
rondo_doc_name_at(const RondoDocNode *node, guint i)
{
    return rondo_doc_is_object(node) && i < node->n ? node->names[i] : NULL;
}

const RondoDocNode *
rondo_doc_get(const RondoDocNode *node, const char *name)
{
    for (guint i = 0; rondo_doc_is_object(node) && i < node->n; i++)
        if (g_str_equal(node->names[i], name))
            return node->items[i];
    return NULL;
}

const char *
rondo_doc_string(const RondoDocNode *node)
{
    return node != NULL && node->type == DOC_STRING ? node->v.s : NULL;
}

gboolean
rondo_doc_int(const RondoDocNode *node, gint64 min, gint64 max, gint64 *ret)
{
    if (node == NULL || node->type != DOC_INT || node->v.i < min || node->v.i > max)
        return FALSE;
    *ret = node->v.i;
    return TRUE;
}

const char *
rondo_doc_get_string(const RondoDocNode *node, const char *name)
{
    return rondo_doc_string(rondo_doc_get(node, name));
}

gboolean
rondo_doc_get_int(const RondoDocNode *node, const char *name, gint64 min, gint64 max, gint64 *ret)
{
    return rondo_doc_int(rondo_doc_get(node, name), min, max, ret);
}
