/* import-sort.c - an external merge sort for `rondo import`.
 *
 * Import must record points in time order (tier 0 keeps only its window,
 * consolidation reads complete slots), but its input comes in any order: a
 * file per series, concatenated, is typical. Holding every point to sort
 * them made memory grow with the input (93 MB for an 84 MB file). Here at
 * most one chunk of points is in memory: a full chunk is sorted and written
 * to an unlinked temporary file (a run), and the runs are merged through a
 * binary heap, each read back through a small buffer. Memory is then the
 * chunk plus RUN_BUF points per run, whatever the input's size; an input
 * that fits in one chunk never touches the disk.
 *
 * Runs hold ImportPoint structs as they are in memory, RondoSeries pointers
 * included: they are read back by the same process, before the store they
 * point into is closed.
 */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include "import-sort.h"

#define RUN_BUF 256 /* points per run read back at a time */

typedef struct {
    FILE *f;
    ImportPoint buf[RUN_BUF];
    gsize n, pos;
} Run;

struct _ImportSort {
    gsize chunk;
    GArray *mem;     /* ImportPoint: the chunk being filled, or the only one */
    guint mem_pos;   /* reading back the only chunk */
    GPtrArray *runs; /* Run* */
    guint *heap;     /* run indices, a min-heap on each run's next point */
    guint heap_n;
};

static int
point_cmp(const ImportPoint *a, const ImportPoint *b)
{
    if (a->t_ns != b->t_ns)
        return a->t_ns < b->t_ns ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

static int
point_cmp_sort(gconstpointer a, gconstpointer b)
{
    return point_cmp(a, b);
}

static void
run_free(gpointer data)
{
    Run *r = data;
    if (r->f != NULL)
        fclose(r->f);
    g_free(r);
}

ImportSort *
import_sort_new(gsize chunk)
{
    ImportSort *s = g_new0(ImportSort, 1);
    s->chunk = MAX(chunk, 1);
    s->mem = g_array_new(FALSE, FALSE, sizeof(ImportPoint));
    s->runs = g_ptr_array_new_with_free_func(run_free);
    return s;
}

void
import_sort_free(ImportSort *s)
{
    if (s == NULL)
        return;
    g_array_unref(s->mem);
    g_ptr_array_unref(s->runs);
    g_free(s->heap);
    g_free(s);
}

static gboolean
io_error(GError **error, const char *what)
{
    int saved = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
                _("temporary file for sorting: %s: %s"), what, g_strerror(saved));
    return FALSE;
}

/* Sorts the chunk and writes it to a new unlinked temporary file. */
static gboolean
spill(ImportSort *s, GError **error)
{
    g_autofree char *name = NULL;
    int fd = g_file_open_tmp("rondo-import-XXXXXX", &name, error);
    if (fd < 0)
        return FALSE;
    unlink(name);
    Run *r = g_new0(Run, 1);
    r->f = fdopen(fd, "w+b");
    if (r->f == NULL) {
        close(fd);
        g_free(r);
        return io_error(error, "fdopen");
    }
    g_ptr_array_add(s->runs, r);
    g_array_sort(s->mem, point_cmp_sort);
    if (fwrite(s->mem->data, sizeof(ImportPoint), s->mem->len, r->f) != s->mem->len ||
        fflush(r->f) != 0)
        return io_error(error, "write");
    g_array_set_size(s->mem, 0);
    return TRUE;
}

gboolean
import_sort_add(ImportSort *s, const ImportPoint *p, GError **error)
{
    g_array_append_val(s->mem, *p);
    return s->mem->len < s->chunk || spill(s, error);
}

/* Refills @r's buffer; FALSE at its end (or with @error). */
static gboolean
run_fill(Run *r, GError **error)
{
    r->pos = 0;
    r->n = fread(r->buf, sizeof(ImportPoint), RUN_BUF, r->f);
    if (r->n == 0 && ferror(r->f))
        return io_error(error, "read");
    return r->n > 0;
}

static gboolean
heap_less(const ImportSort *s, guint i, guint j)
{
    const Run *a = g_ptr_array_index(s->runs, s->heap[i]);
    const Run *b = g_ptr_array_index(s->runs, s->heap[j]);
    return point_cmp(&a->buf[a->pos], &b->buf[b->pos]) < 0;
}

static void
heap_down(ImportSort *s, guint i)
{
    for (;;) {
        guint least = i, l = 2 * i + 1, r = l + 1;
        if (l < s->heap_n && heap_less(s, l, least))
            least = l;
        if (r < s->heap_n && heap_less(s, r, least))
            least = r;
        if (least == i)
            return;
        guint t = s->heap[i];
        s->heap[i] = s->heap[least];
        s->heap[least] = t;
        i = least;
    }
}

gboolean
import_sort_finish(ImportSort *s, GError **error)
{
    if (s->runs->len == 0) {
        g_array_sort(s->mem, point_cmp_sort);
        return TRUE;
    }
    if (s->mem->len > 0 && !spill(s, error))
        return FALSE;
    g_array_set_size(s->mem, 0);
    s->heap = g_new(guint, s->runs->len);
    for (guint i = 0; i < s->runs->len; i++) {
        Run *r = g_ptr_array_index(s->runs, i);
        if (fseek(r->f, 0, SEEK_SET) != 0)
            return io_error(error, "seek");
        if (run_fill(r, error))
            s->heap[s->heap_n++] = i;
        else if (error != NULL && *error != NULL)
            return FALSE;
    }
    for (guint i = s->heap_n / 2; i-- > 0;)
        heap_down(s, i);
    return TRUE;
}

gboolean
import_sort_next(ImportSort *s, ImportPoint *ret, GError **error)
{
    if (s->runs->len == 0) {
        if (s->mem_pos >= s->mem->len)
            return FALSE;
        *ret = g_array_index(s->mem, ImportPoint, s->mem_pos++);
        return TRUE;
    }
    if (s->heap_n == 0)
        return FALSE;
    Run *r = g_ptr_array_index(s->runs, s->heap[0]);
    *ret = r->buf[r->pos++];
    if (r->pos == r->n && !run_fill(r, error)) {
        if (error != NULL && *error != NULL)
            return FALSE;
        s->heap[0] = s->heap[--s->heap_n]; /* this run is done */
    }
    heap_down(s, 0);
    return TRUE;
}

guint
import_sort_get_n_runs(const ImportSort *s)
{
    return s->runs->len;
}
