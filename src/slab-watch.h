/* slab-watch.h - which stores' slab files changed size since their last check. */
#ifndef RONDOD_SLAB_WATCH_H
#define RONDOD_SLAB_WATCH_H

#include <glib.h>
#include "rondo.h"

/* One inotify instance for all the stores of a registry. */
typedef struct _SlabWatch SlabWatch;

/* A store's part, kept in its registry entry (zeroed to start). */
typedef struct {
    GArray *wds;      /* int: its slabs' watches on the instance */
    gboolean watched; /* every slab has one, of its own (slab-watch.c) */
    gboolean changed; /* an event for one of them (or none watched) since the last check */
} SlabWatchMark;

/* Never NULL: without inotify every store is checked every time (said once). */
SlabWatch *slab_watch_new(void);
void slab_watch_free(SlabWatch *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SlabWatch, slab_watch_free)

/* Watches @store's slabs for @m, in place of what @m watched before; @m is
 * changed until its first check (the files may have moved before the
 * watches were set). */
void slab_watch_add(SlabWatch *w, SlabWatchMark *m, const RondoStore *store);
/* Removes @m's watches (before its store is closed or its mark freed). */
void slab_watch_remove(SlabWatch *w, SlabWatchMark *m);
/* Reads the events queued so far (one read(2) when there are none) and
 * marks the stores they are for; an overflowed queue marks them all. */
void slab_watch_poll(SlabWatch *w);
/* Whether @m's store must be checked (rondo_store_check_files()) before it
 * is read; slab_watch_checked() once it was, and found whole. */
gboolean slab_watch_must_check(const SlabWatchMark *m);
void slab_watch_checked(SlabWatchMark *m);

#endif
