/* line-reader.c - bounded line splitting (see line-reader.h).
 *
 * Invariants: buf->len <= line_max; while discarding, buf is empty.
 */
#include "config.h"

#include "line-reader.h"

#include <string.h>

void
line_reader_init(LineReader *lr, gsize line_max)
{
    g_assert(line_max > 0);
    lr->buf = g_byte_array_new();
    lr->line_max = line_max;
    lr->discarding = FALSE;
    lr->oversized = 0;
}

void
line_reader_clear(LineReader *lr)
{
    if (lr->buf != NULL)
        g_byte_array_unref(lr->buf);
    lr->buf = NULL;
}

/* Appends the part of a line in @data, or starts discarding if it is too long. */
static void
line_reader_append(LineReader *lr, const char *data, gsize len)
{
    if (lr->discarding)
        return;
    if (lr->buf->len + len > lr->line_max) {
        g_byte_array_set_size(lr->buf, 0);
        lr->discarding = TRUE;
        lr->oversized++;
        return;
    }
    g_byte_array_append(lr->buf, (const guint8 *)data, (guint)len);
}

void
line_reader_feed(LineReader *lr, const char *data, gsize len, LineFunc func, gpointer user_data)
{
    g_assert(lr->buf != NULL && func != NULL);
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        gsize part = nl != NULL ? (gsize)(nl - data) : len;
        line_reader_append(lr, data, part);
        if (nl == NULL)
            break;
        if (!lr->discarding)
            func((const char *)lr->buf->data, lr->buf->len, user_data);
        g_byte_array_set_size(lr->buf, 0);
        lr->discarding = FALSE;
        data += part + 1;
        len -= part + 1;
    }
    g_assert(lr->buf->len <= lr->line_max);
}

gsize
line_reader_pending(const LineReader *lr)
{
    return lr->discarding ? 1 : lr->buf->len;
}
