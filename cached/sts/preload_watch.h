/*
 * preload_watch.h - keeps the configured MTA-STS preload list (preload.path)
 * loaded: read at start, re-read when the file changes (checked every
 * preload.reload_interval), dropped once the list's own "expires" passes. A
 * list that fails to reload keeps the previous one until that expires.
 */
#ifndef MXTLS_CACHED_PRELOAD_WATCH_H
#define MXTLS_CACHED_PRELOAD_WATCH_H

#include <stddef.h>

#include "sts/preload.h"

struct event_base;
struct conf;
struct preload_watch;

/*
 * preload_watch_create - watch conf's preload.path on base. With no path
 * configured the watch holds no list. A list that cannot be read or parsed
 * at start is an error (NULL and why): a security list must not silently be
 * missing. An already expired list is logged and not used.
 */
struct preload_watch *preload_watch_create(struct event_base *base,
        const struct conf *conf, char *why, size_t whylen);

/*
 * preload_watch_reconfigure - preload.path or preload.reload_interval
 * changed in conf (a reload, loop thread): load the list now (an empty
 * path drops it; a list that cannot be read keeps the previous one, logged)
 * and restart the timer with the new interval.
 */
void preload_watch_reconfigure(struct preload_watch *w);

/* preload_watch_free - free the watch and its list. NULL is allowed. */
void preload_watch_free(struct preload_watch *w);

struct change_hook;

/* preload_watch_set_change - call h (copied, domain NULL) whenever the list
 * is replaced or dropped (cached/util/change.h). NULL w is allowed. */
void preload_watch_set_change(
        struct preload_watch *w, const struct change_hook *h);

/* preload_watch_get - the current, unexpired list, or NULL. */
const struct preload *preload_watch_get(struct preload_watch *w);

#endif
