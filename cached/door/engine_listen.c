/*
 * engine_listen.c - the front doors' listeners (engine.h): Unix and TCP
 * sockets on the loop thread, admission at accept (door/peerlimit.c: the
 * descriptor reserve, the peer's share, the rate-limited refusal) and the
 * pause of a listener when descriptors run out (util/fdlimit.c), then the
 * hand-over of an admitted connection to engine_add; the door of the
 * listeners (metrics) and the owner of their Unix sockets.
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "door/engine.h"
#include "door/engine_int.h"
#include "door/peerlimit.h"
#include "util/fdlimit.h"
#include "util/unixsock.h"
#include "util/xalloc.h"

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
        int salen, void *arg)
{
	struct listener       *l = arg;
	struct engine         *e = l->e;
	struct peerlimit_peer *p;
	int                    one = 1;

	(void)lev;
	(void)salen;
	p = peerlimit_accept_evict(e->peers, l->pause, fd, sa, engine_conns(e),
	        e->conf.logid_busy, l->name, engine_evict_claim, e,
	        e->conf.logid_evict != NULL ? e->conf.logid_evict
	                                    : e->conf.logid_busy,
	        e->evicted);
	if (p == NULL) {
		return;
	}
	/* as nng's tcp:// (NNG_OPT_TCP_NODELAY): a reply goes out at once */
	if (l->nodelay) {
		(void)setsockopt(
		        fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	engine_add(e, fd, l->name, l->variant, l->door, p);
}

static void
on_listen_error(struct evconnlistener *lev, void *arg)
{
	struct listener *l = arg;

	(void)lev;
	/* EMFILE and friends: pause the listener (a timer resumes it),
	 * log rate-limited; never spin on accept */
	fdlimit_accept_error(l->pause);
}

/* listener_new - a listener of e named name (not yet accepting). */
static struct listener *
listener_new(struct engine *e, const char *name, int variant)
{
	struct listener *l = xcalloc(1, sizeof(*l));

	l->e       = e;
	l->variant = variant;
	l->door    = e->door;
	snprintf(l->name, sizeof(l->name), "%s", name);
	return (l);
}

/* listen_close - free e's listeners and unlink their socket files (loop
 * thread, before the workers stop): the engine's listen_close. */
static void
listen_close(struct engine *e)
{
	size_t i;

	for (i = 0; i < e->nl; i++) {
		fdlimit_pause_free(e->l[i]->pause);
		evconnlistener_free(e->l[i]->lev);
		if (e->l[i]->path != NULL) {
			unlink(e->l[i]->path);
			free(e->l[i]->path);
		}
		free(e->l[i]);
	}
	free(e->l);
	e->l  = NULL;
	e->nl = 0;
}

/* listener_add - l's evconnlistener is made: wire it and keep l. */
static void
listener_add(struct engine *e, struct listener *l)
{
	evconnlistener_set_error_cb(l->lev, on_listen_error);
	e->listen_close = listen_close;
	l->pause        = fdlimit_pause_new(
	               e->loop, l->lev, l->name, e->conf.logid_accept);
	e->l = realloc(e->l, (e->nl + 1) * sizeof(*e->l));
	if (e->l == NULL) {
		xdie();
	}
	e->l[e->nl++] = l;
}

int
engine_listen_unix(struct engine *e, const char *path, int mode,
        const char *name, int variant, const char *what, char *why,
        size_t whylen)
{
	struct listener *l;
	evutil_socket_t  fd;

	if (e->peers == NULL) {
		snprintf(why, whylen, "%s: no connection limits", what);
		return (-1);
	}
	if ((fd = unixsock_listen(path, mode, what, why, whylen)) < 0) {
		return (-1);
	}
	l       = listener_new(e, name, variant);
	l->path = xstrdup(path);
	l->lev  = evconnlistener_new(e->loop, on_accept, l,
	         LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, 0, fd);
	if (l->lev == NULL) {
		snprintf(why, whylen, "%s: cannot listen", what);
		evutil_closesocket(fd);
		unlink(path);
		free(l->path);
		free(l);
		return (-1);
	}
	listener_add(e, l);
	return (0);
}

int
engine_listen_tcp(struct engine *e, const struct sockaddr *sa, int salen,
        const char *name, int variant, int nodelay, const char *what,
        char *why, size_t whylen)
{
	struct listener *l;

	if (e->peers == NULL) {
		snprintf(why, whylen, "%s: no connection limits", what);
		return (-1);
	}
	l          = listener_new(e, name, variant);
	l->nodelay = nodelay;
	l->lev     = evconnlistener_new_bind(e->loop, on_accept, l,
	            LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE
	                    | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_DISABLED,
	            128, sa, salen);
	if (l->lev == NULL) {
		snprintf(why, whylen, "%s: %s", what,
		        evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		free(l);
		return (-1);
	}
	listener_add(e, l);
	return (0);
}

void
engine_set_door(struct engine *e, int door)
{
	e->door = door;
}

int
engine_chown(struct engine *e, uid_t uid, gid_t gid, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < e->nl; i++) {
		if (e->l[i]->path != NULL
		        && chown(e->l[i]->path, uid, gid) != 0) {
			snprintf(why, whylen, "chown %s: %s", e->l[i]->path,
			        strerror(errno));
			return (-1);
		}
	}
	return (0);
}
