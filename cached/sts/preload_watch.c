/*
 * preload_watch.c - load and reload the MTA-STS preload list on the loop.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "sts/preload_watch.h"
#include "util/change.h"
#include "util/clock.h"
#include "util/conf.h"

struct preload_watch {
	struct event_base *base;
	const struct conf *conf;
	struct preload    *list;
	struct event      *timer;
	struct timespec    mtime;
	off_t              size;
	struct change_hook change;
};

static int
file_changed(struct preload_watch *w, int *gone)
{
	struct stat st;

	*gone = 0;
	if (stat(w->conf->preload_path, &st) != 0) {
		*gone = 1;
		return (0);
	}
	if (st.st_mtim.tv_sec == w->mtime.tv_sec
	        && st.st_mtim.tv_nsec == w->mtime.tv_nsec
	        && st.st_size == w->size) {
		return (0);
	}
	w->mtime = st.st_mtim;
	w->size  = st.st_size;
	return (1);
}

/* preload_watch_load - (re)load the file; 0 or -1 with why. */
static int
preload_watch_load(struct preload_watch *w, char *why, size_t whylen)
{
	struct preload *p;

	p = preload_load(w->conf->preload_path, clock_now(), why, whylen);
	if (p == NULL) {
		return (-1);
	}
	preload_free(w->list);
	w->list = p;
	change_notify(&w->change, NULL);
	log_notice("MXTLS-PRELOAD-LOADED",
	        "%s: %zu domains, list expires at %lld", w->conf->preload_path,
	        preload_count(p), (long long)preload_expires(p));
	return (0);
}

static void
preload_watch_tick(evutil_socket_t fd, short what, void *arg)
{
	struct preload_watch *w = arg;
	char                  why[512];
	int                   gone;

	if (file_changed(w, &gone)
	        && preload_watch_load(w, why, sizeof(why)) != 0) {
		log_err("MXTLS-PRELOAD-LOAD-FAIL",
		        "%s (keeping the previous list until it expires)",
		        why);
	}
	if (gone) {
		log_warn("MXTLS-PRELOAD-LOAD-FAIL",
		        "%s: cannot stat (keeping the previous list until it "
		        "expires)",
		        w->conf->preload_path);
	}
	(void)preload_watch_get(w);
}

const struct preload *
preload_watch_get(struct preload_watch *w)
{
	if (w == NULL || w->list == NULL) {
		return (NULL);
	}
	if (preload_expires(w->list) <= clock_now()) {
		log_warn("MXTLS-PRELOAD-EXPIRED",
		        "%s: the preload list expired at %lld and is no "
		        "longer used",
		        w->conf->preload_path,
		        (long long)preload_expires(w->list));
		preload_free(w->list);
		w->list = NULL;
		change_notify(&w->change, NULL);
	}
	return (w->list);
}

void
preload_watch_set_change(struct preload_watch *w, const struct change_hook *h)
{
	if (w != NULL) {
		w->change = *h;
	}
}

struct preload_watch *
preload_watch_create(struct event_base *base, const struct conf *conf,
        char *why, size_t whylen)
{
	struct preload_watch *w = calloc(1, sizeof(*w));
	struct timeval        tv;
	int                   gone;

	if (w == NULL) {
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	w->base = base;
	w->conf = conf;
	if (conf->preload_path[0] == '\0') {
		return (w);
	}
	(void)file_changed(w, &gone);
	if (preload_watch_load(w, why, whylen) != 0) {
		if (strstr(why, "expired") == NULL) {
			free(w);
			return (NULL);
		}
		log_warn("MXTLS-PRELOAD-EXPIRED", "%s: not used", why);
	}
	w->timer   = event_new(base, -1, EV_PERSIST, preload_watch_tick, w);
	tv.tv_sec  = conf->preload_reload_interval;
	tv.tv_usec = 0;
	if (w->timer == NULL || event_add(w->timer, &tv) != 0) {
		snprintf(why, whylen, "cannot start the preload timer");
		preload_watch_free(w);
		return (NULL);
	}
	return (w);
}

void
preload_watch_free(struct preload_watch *w)
{
	if (w == NULL) {
		return;
	}
	if (w->timer != NULL) {
		event_free(w->timer);
	}
	preload_free(w->list);
	free(w);
}

void
preload_watch_reconfigure(struct preload_watch *w)
{
	struct timeval tv;
	char           why[512];
	int            gone;

	if (w == NULL) {
		return;
	}
	if (w->timer != NULL) {
		event_free(w->timer);
		w->timer = NULL;
	}
	w->mtime.tv_sec = w->mtime.tv_nsec = 0;
	w->size                            = 0;
	if (w->conf->preload_path[0] == '\0') {
		if (w->list != NULL) {
			preload_free(w->list);
			w->list = NULL;
			change_notify(&w->change, NULL);
			log_notice("MXTLS-PRELOAD-OFF",
			        "preload.path is empty: no preload list");
		}
		return;
	}
	(void)file_changed(w, &gone);
	if (preload_watch_load(w, why, sizeof(why)) != 0) {
		log_err("MXTLS-PRELOAD-LOAD-FAIL",
		        "%s (keeping the previous list until it expires)",
		        why);
	}
	w->timer   = event_new(w->base, -1, EV_PERSIST, preload_watch_tick, w);
	tv.tv_sec  = w->conf->preload_reload_interval;
	tv.tv_usec = 0;
	if (w->timer == NULL || event_add(w->timer, &tv) != 0) {
		log_err("MXTLS-NOMEM", "cannot restart the preload timer");
	}
}
