/*
 * curlev.c - libcurl's multi-socket API on libevent (curl_multi_socket_action
 * (3), CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION): one persistent
 * event per socket libcurl asks us to watch, one timer for its timeouts,
 * and the owner's "after" callback once libcurl has acted.
 */
#include <sys/queue.h>
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "util/curlev.h"

struct curlev_sock {
	LIST_ENTRY(curlev_sock) entry;
	curl_socket_t fd;
	struct event *ev;
};

struct curlev {
	struct event_base *base;
	CURLM             *multi;
	struct event      *timer;
	curlev_after_cb    after;
	void              *arg;
	LIST_HEAD(, curlev_sock) socks;
};

static void
curlev_sock_event(evutil_socket_t fd, short what, void *arg)
{
	struct curlev *c      = arg;
	int            action = 0, running;

	if (what & EV_READ) {
		action |= CURL_CSELECT_IN;
	}
	if (what & EV_WRITE) {
		action |= CURL_CSELECT_OUT;
	}
	curl_multi_socket_action(c->multi, fd, action, &running);
	c->after(c->arg); /* last: may free c */
}

static void
curlev_timer_event(evutil_socket_t fd, short what, void *arg)
{
	struct curlev *c = arg;
	int            running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	c->after(c->arg); /* last: may free c */
}

/* curlev_socket - CURLMOPT_SOCKETFUNCTION: watch fd as libcurl asks. */
static int
curlev_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct curlev      *c = userp;
	struct curlev_sock *s = sockp;
	short               kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			LIST_REMOVE(s, entry);
			if (s->ev != NULL) {
				event_free(s->ev);
			}
			free(s);
			curl_multi_assign(c->multi, fd, NULL);
		}
		return (0);
	}
	kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0)
	        | ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL) {
			return (-1);
		}
		s->fd = fd;
		LIST_INSERT_HEAD(&c->socks, s, entry);
		curl_multi_assign(c->multi, fd, s);
	} else if (s->ev != NULL) {
		event_free(s->ev);
		s->ev = NULL;
	}
	if ((s->ev = event_new(c->base, fd, kind, curlev_sock_event, c))
	                == NULL
	        || event_add(s->ev, NULL) != 0) {
		return (-1);
	}
	return (0);
}

/* curlev_timer - CURLMOPT_TIMERFUNCTION: (re)arm or stop our timer. */
static int
curlev_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct curlev *c = userp;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(c->timer);
		return (0);
	}
	tv.tv_sec  = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return (evtimer_add(c->timer, &tv) == 0 ? 0 : -1);
}

struct curlev *
curlev_create(struct event_base *base, CURLM *multi, curlev_after_cb after,
        void *arg, char *why, size_t whylen)
{
	struct curlev *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	c->base  = base;
	c->multi = multi;
	c->after = after;
	c->arg   = arg;
	LIST_INIT(&c->socks);
	if ((c->timer = evtimer_new(base, curlev_timer_event, c)) == NULL) {
		snprintf(why, whylen, "evtimer_new failed");
		free(c);
		return (NULL);
	}
	if (curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, curlev_socket)
	                != CURLM_OK
	        || curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK
	        || curl_multi_setopt(
	                   multi, CURLMOPT_TIMERFUNCTION, curlev_timer)
	                != CURLM_OK
	        || curl_multi_setopt(multi, CURLMOPT_TIMERDATA, c)
	                != CURLM_OK) {
		snprintf(why, whylen, "curl_multi_setopt failed");
		curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, NULL);
		curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, NULL);
		curlev_free(c);
		return (NULL);
	}
	return (c);
}

void
curlev_free(struct curlev *c)
{
	struct curlev_sock *s;

	if (c == NULL) {
		return;
	}
	while ((s = LIST_FIRST(&c->socks)) != NULL) {
		LIST_REMOVE(s, entry);
		if (s->ev != NULL) {
			event_free(s->ev);
		}
		free(s);
	}
	if (c->timer != NULL) {
		event_free(c->timer);
	}
	free(c);
}
