/*
 * fdlimit.c - the daemon's descriptor budget (see fdlimit.h): raises the
 * soft RLIMIT_NOFILE, keeps a reserve, pauses the front doors' listeners
 * with a back-off instead of spinning on accept. Listeners and timers are
 * the loop thread's alone.
 */
#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "logrl.h"
#include "util/fdlimit.h"
#include "util/xalloc.h"

struct fdlimit_pause {
	struct evconnlistener *lev;
	struct event          *timer;
	const char            *id;
	char                   name[128];
	int                    delay_ms; /* the next pause */
	int                    paused;
	unsigned long          refused; /* since the last resume */
};

static long fdlimit_limit;   /* 0: not raised, no ceiling */
static long fdlimit_ceiling; /* accepted fds must stay below */

long
fdlimit_reserve_for(long limit)
{
	long r = limit / 4;

	if (r < 32) {
		r = 32;
	}
	if (r > 1024) {
		r = 1024;
	}
	if (r > limit / 2) {
		r = limit / 2;
	}
	return (r);
}

void
fdlimit_raise(void)
{
	struct rlimit rl;
	long          before;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		log_warn("MXTLS-FDLIMIT", "getrlimit(RLIMIT_NOFILE): %s",
		        strerror(errno));
		return;
	}
	before = (long)rl.rlim_cur;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			log_warn("MXTLS-FDLIMIT",
			        "setrlimit(RLIMIT_NOFILE, %ld): %s",
			        (long)rl.rlim_max, strerror(errno));
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	fdlimit_limit
	        = rl.rlim_cur == RLIM_INFINITY ? 1L << 20 : (long)rl.rlim_cur;
	fdlimit_ceiling = fdlimit_limit - fdlimit_reserve_for(fdlimit_limit);
	log_notice("MXTLS-FDLIMIT",
	        "%ld descriptors (soft limit was %ld, hard %ld); %ld kept "
	        "for DNS, fetches, the store and TLSRPT: connections are "
	        "refused from descriptor %ld on",
	        fdlimit_limit, before, (long)rl.rlim_max,
	        fdlimit_limit - fdlimit_ceiling, fdlimit_ceiling);
}

int
fdlimit_caps_fit(long conns, char *why, size_t whylen)
{
	if (fdlimit_limit == 0 || conns < fdlimit_ceiling) {
		return (1);
	}
	snprintf(why, whylen,
	        "the front doors take up to %ld connections "
	        "(socketmap.max_connections + ipc.max_connections), but "
	        "connections are refused from descriptor %ld on (limit %ld "
	        "less its reserve): a flood by one user then refuses every "
	        "user's new connections, the MTA's own included; raise "
	        "LimitNOFILE (ulimit -n) or lower max_connections "
	        "(docs/IPC.md \"Limits\")",
	        conns, fdlimit_ceiling, fdlimit_limit);
	return (0);
}

int
fdlimit_fd_ok(evutil_socket_t fd)
{
	return (fdlimit_limit == 0 || (long)fd < fdlimit_ceiling);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct fdlimit_pause *p = arg;

	(void)fd;
	(void)what;
	p->paused = 0;
	evconnlistener_enable(p->lev);
}

struct fdlimit_pause *
fdlimit_pause_new(struct event_base *base, struct evconnlistener *lev,
        const char *name, const char *id)
{
	struct fdlimit_pause *p = calloc(1, sizeof(*p));

	if (p == NULL || (p->timer = evtimer_new(base, on_timer, p)) == NULL) {
		xdie();
	}
	p->lev      = lev;
	p->id       = id;
	p->delay_ms = FDLIMIT_PAUSE_MIN_MS;
	snprintf(p->name, sizeof(p->name), "%s", name);
	return (p);
}

void
fdlimit_pause_free(struct fdlimit_pause *p)
{
	if (p == NULL) {
		return;
	}
	event_free(p->timer);
	free(p);
}

/* pause - stop accepting for the current delay, double the next one. */
static int
pause_listener(struct fdlimit_pause *p)
{
	struct timeval tv;
	int            ms = p->delay_ms;

	p->refused++;
	if (p->paused) {
		return (ms);
	}
	evconnlistener_disable(p->lev);
	tv.tv_sec  = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(p->timer, &tv);
	p->paused   = 1;
	p->delay_ms = ms * 2 > FDLIMIT_PAUSE_MAX_MS ? FDLIMIT_PAUSE_MAX_MS
	                                            : ms * 2;
	return (ms);
}

int
fdlimit_accept(struct fdlimit_pause *p, evutil_socket_t fd)
{
	int ms;

	if (fdlimit_fd_ok(fd)) {
		return (1);
	}
	evutil_closesocket(fd);
	ms = pause_listener(p);
	log_warn_rl(p->id,
	        "%s: fewer than %ld of %ld descriptors would be left: "
	        "connection refused, accepting again in %d ms (%lu refused "
	        "since the last accepted)",
	        p->name, fdlimit_limit - fdlimit_ceiling, fdlimit_limit, ms,
	        p->refused);
	return (0);
}

void
fdlimit_served(struct fdlimit_pause *p)
{
	/* a connection is served: the next pause starts short */
	p->delay_ms = FDLIMIT_PAUSE_MIN_MS;
	p->refused  = 0;
}

void
fdlimit_refused(struct fdlimit_pause *p, evutil_socket_t fd)
{
	evutil_closesocket(fd);
	(void)pause_listener(p);
}

void
fdlimit_accept_error(struct fdlimit_pause *p)
{
	int err = EVUTIL_SOCKET_ERROR();
	int ms;

	ms = pause_listener(p);
	log_warn_rl(p->id,
	        "%s: accept: %s; accepting again in %d ms (%lu failures "
	        "since the last accepted)",
	        p->name, evutil_socket_error_to_string(err), ms, p->refused);
}
