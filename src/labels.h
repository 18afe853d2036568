/* labels.h - the label set a stored series has on the HTTP API. */
#ifndef RONDOD_LABELS_H
#define RONDOD_LABELS_H

#include <glib.h>
#include "store-handle.h"

/*
 * A series' API labels: __name__ (the series name), store (the store's
 * name, which wins over a stored label of that name) and its stored labels.
 */
const char *series_label_value(const StoreHandle *h, const RondoSeries *s, const char *name);
/* TRUE if every Matcher* in @matchers accepts the series. */
gboolean series_matches(const StoreHandle *h, const RondoSeries *s, const GPtrArray *matchers);
/* FALSE if a Matcher* on the store label refuses @h's name: then no series of @h matches. */
gboolean store_may_match(const StoreHandle *h, const GPtrArray *matchers);
/* Sorted name, value pairs, NULL-terminated (g_strfreev). */
char **series_labelset(const StoreHandle *h, const RondoSeries *s);
/* Adds the names of series_labelset()'s pairs to @names, without building them. */
void series_add_label_names(const RondoSeries *s, GHashTable *names);
/* Adds a copy of @s to @set (of g_free'd strings) unless it holds it already. */
void labels_set_add(GHashTable *set, const char *s);
/* Appends {"a":"1",...} for sorted pairs. */
void labels_write_json(GString *out, char *const *pairs);
/* The value of the label @name in @pairs, or NULL. */
const char *labels_get(char *const *pairs, const char *name);
/* Pairs without the one named @name (a copy). */
char **labels_without(char *const *pairs, const char *name);
/* Removes the pair named @name from @pairs, in place; returns @pairs. */
char **labels_drop(char **pairs, const char *name);
/* A copy of sorted @pairs with @name set to @value (removed if @value is NULL or ""). */
char **labels_with(char *const *pairs, const char *name, const char *value);
/* Prometheus order of label sets: pair by pair, name then value; a prefix sorts first. */
int labels_cmp(char *const *a, char *const *b);
/* A compact key of the pairs, equal for equal sets (for grouping). */
char *labels_key(char *const *pairs);

/* Appends @v escaped as a label value of the text exposition format. */
void labels_append_escaped(GString *out, const char *v);

/* qsort() comparator for an array of char pointers. */
int str_ptr_cmp(const void *a, const void *b);

#endif
