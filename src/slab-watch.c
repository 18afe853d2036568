/* slab-watch.c - which stores' slab files changed size since their last check.
 *
 * Why: a slab truncated under rondod's map kills it with SIGBUS on the next
 * read, so a query used to check every slab of every store it reads with
 * one fstat each (rondo_store_check_files()). On a small query of two
 * stores that was four system calls of eleven, 8 % of rondod's time (perf,
 * 2026-12-03). A truncation or an extension queues an IN_MODIFY event on
 * an inotify watch before the call that made it returns, and the writers'
 * stores through their maps queue none; so one read(2) of one instance
 * tells which stores need the fstats at all, usually none.
 *
 * The same guarantee as before: a change that completed before a query
 * began is seen by it. Everything here runs on the main loop (the registry
 * does). A store is checked every time, as before, when its slabs could
 * not all be watched (the inotify limits, no /proc), when one of them is
 * another store's file too (a hard link: inotify has one watch per file,
 * which either store's removal would take from the other), or when the
 * kernel dropped a watch (an unmount).
 */
#include "config.h"

#include <errno.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "slab-watch.h"

struct _SlabWatch {
    int fd;              /* -1: no inotify; every store checked every time */
    GHashTable *by_wd;   /* wd -> SlabWatchMark* */
    GHashTable *marks;   /* SlabWatchMark* set, for an overflowed queue */
    gboolean poll_error; /* said once */
    gboolean add_error;  /* said once */
};

SlabWatch *
slab_watch_new(void)
{
    SlabWatch *w = g_new0(SlabWatch, 1);
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0)
        g_message("slab files: no inotify instance (%s): every query checks the size of every "
                  "slab it reads",
                  g_strerror(errno));
    w->by_wd = g_hash_table_new(NULL, NULL);
    w->marks = g_hash_table_new(NULL, NULL);
    return w;
}

void
slab_watch_free(SlabWatch *w)
{
    if (w == NULL)
        return;
    if (w->fd >= 0)
        close(w->fd);
    g_hash_table_destroy(w->by_wd);
    g_hash_table_destroy(w->marks);
    g_free(w);
}

void
slab_watch_remove(SlabWatch *w, SlabWatchMark *m)
{
    for (guint i = 0; m->wds != NULL && i < m->wds->len; i++) {
        int wd = g_array_index(m->wds, int, i);
        if (g_hash_table_lookup(w->by_wd, GINT_TO_POINTER(wd)) == m)
            g_hash_table_remove(w->by_wd, GINT_TO_POINTER(wd));
        (void)inotify_rm_watch(w->fd, wd); /* a shared one too: its other store is unwatched */
    }
    g_clear_pointer(&m->wds, g_array_unref);
    g_hash_table_remove(w->marks, m);
    m->watched = FALSE;
    m->changed = TRUE;
}

void
slab_watch_add(SlabWatch *w, SlabWatchMark *m, const RondoStore *store)
{
    slab_watch_remove(w, m);
    if (w->fd < 0)
        return;
    m->wds = g_array_new(FALSE, FALSE, sizeof(int));
    g_autoptr(GError) error = NULL;
    m->watched = rondo_store_watch_files(store, w->fd, m->wds, &error);
    if (error != NULL && !w->add_error)
        g_message("slab files of %s: %s; such stores are checked before every query (said "
                  "once)",
                  rondo_store_get_path(store), error->message);
    w->add_error |= error != NULL;
    gboolean shared = FALSE;
    for (guint i = 0; i < m->wds->len; i++) {
        gpointer wd = GINT_TO_POINTER(g_array_index(m->wds, int, i));
        SlabWatchMark *other = g_hash_table_lookup(w->by_wd, wd);
        /* The same file in two stores (a hard link): one watch for both,
         * which either one's removal would take from the other. Both are
         * checked every time instead. */
        if (other != NULL && other != m) {
            other->watched = FALSE;
            m->watched = FALSE;
            shared = TRUE;
            continue;
        }
        g_hash_table_insert(w->by_wd, wd, m);
    }
    g_hash_table_add(w->marks, m);
    if (shared)
        g_message("slab files of %s: a file of another store too (a hard link); both stores are "
                  "checked before every query",
                  rondo_store_get_path(store));
}

static void
mark_all_changed(SlabWatch *w)
{
    GHashTableIter it;
    gpointer m;
    g_hash_table_iter_init(&it, w->marks);
    while (g_hash_table_iter_next(&it, &m, NULL))
        ((SlabWatchMark *)m)->changed = TRUE;
}

void
slab_watch_poll(SlabWatch *w)
{
    if (w->fd < 0)
        return;
    /* whole events only: the kernel never splits one across reads */
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) { /* cannot tell what changed: assume everything did */
            if (!w->poll_error)
                g_message("slab files: cannot read the inotify instance (%s): checking every "
                          "store",
                          n < 0 ? g_strerror(errno) : "end of file");
            w->poll_error = TRUE;
            mark_all_changed(w);
            return;
        }
        for (ssize_t off = 0; off < n;) {
            const struct inotify_event *ev = (const struct inotify_event *)(buf + off);
            if (ev->mask & IN_Q_OVERFLOW) /* 16 384 events unread: not from writers' maps */
                mark_all_changed(w);
            SlabWatchMark *m = g_hash_table_lookup(w->by_wd, GINT_TO_POINTER(ev->wd));
            if (m != NULL) /* none: a watch removed since, or its IN_IGNORED */
                m->changed = TRUE;
            if (m != NULL && (ev->mask & IN_IGNORED)) {
                /* the kernel dropped a watch we did not remove (an
                 * unmount): that store is checked every time from now */
                m->watched = FALSE;
                g_hash_table_remove(w->by_wd, GINT_TO_POINTER(ev->wd));
            }
            off += (ssize_t)(sizeof *ev + ev->len);
        }
    }
}

gboolean
slab_watch_must_check(const SlabWatchMark *m)
{
    return m->changed || !m->watched;
}

void
slab_watch_checked(SlabWatchMark *m)
{
    m->changed = FALSE;
}
