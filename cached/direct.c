/*
 * direct.c - the direct IPC socket (see direct.h; docs/IPC.md "Direct
 * socket"): accepts on the loop thread and hands each connection to an SP
 * worker (socketmap_worker.c serves it, spframe.c frames it); gives the
 * workers' misses to server.c on the loop.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "direct.h"
#include "log.h"
#include "proto.h"
#include "server.h"
#include "socketmap.h"
#include "socketmap_worker.h"
#include "unixsock.h"

struct direct {
	struct event_base        *base;
	struct evconnlistener    *lev;
	struct server            *srv;
	struct socketmap_workers *ws;
	int                       nthreads;
	char                     *path;
	char                      name[128];
};

static void
oom(void)
{
	log_err("MXTLS-NOMEM", "out of memory");
	abort();
}

/* on_reply - server.c's reply to a miss (loop thread). */
static void
on_reply(void *arg, char *reply)
{
	if (reply == NULL) {
		oom();
	}
	socketmap_worker_answer(arg, reply);
}

/* on_miss - a request the worker did not answer, on the loop thread. */
static void
on_miss(void *arg, struct socketmap_miss *m)
{
	struct direct              *d = arg;
	const struct proto_request *req;
	const char                 *body;
	size_t                      len;
	char                        why[80];

	req = socketmap_worker_request(m, &body, &len);
	if (len > PROTO_MAX_MSG) {
		snprintf(why, sizeof(why),
		        "request too large (%zu bytes, %d max)", len,
		        PROTO_MAX_MSG);
		on_reply(m, proto_reply_error(why));
	} else if (req != NULL) {
		server_handle_parsed(d->srv, req, body, len, on_reply, m);
	} else {
		server_handle(d->srv, body, len, on_reply, m);
	}
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
        int salen, void *arg)
{
	struct direct *d = arg;
	size_t         n;

	(void)lev;
	(void)sa;
	(void)salen;
	if ((n = socketmap_worker_conns(d->ws)) >= SOCKETMAP_MAX_CONNECTIONS) {
		log_warn("MXTLS-IPC-DIRECT-BUSY",
		        "%s: %zu connections open; refusing another", d->name,
		        n);
		evutil_closesocket(fd);
		return;
	}
	socketmap_worker_add(d->ws, fd, d->name);
}

static void
on_listen_error(struct evconnlistener *lev, void *arg)
{
	struct direct *d = arg;

	(void)lev;
	/* EMFILE and friends: log, keep listening */
	log_warn("MXTLS-IPC-DIRECT-ACCEPT", "%s: accept: %s", d->name,
	        evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

struct direct *
direct_open(struct event_base *base, const char *url, int mode, int nthreads,
        char *why, size_t whylen)
{
	struct direct  *d = calloc(1, sizeof(*d));
	char            what[160];
	evutil_socket_t fd;

	if (d == NULL) {
		oom();
	}
	d->base     = base;
	d->nthreads = nthreads;
	if (url[0] == '\0') {
		return (d);
	}
	if (strncmp(url, "ipc:///", 7) != 0) {
		snprintf(why, whylen,
		        "ipc.direct: \"%s\": expected ipc:///PATH", url);
		goto fail;
	}
	snprintf(d->name, sizeof(d->name), "%s", url);
	snprintf(what, sizeof(what), "ipc.direct: %s", url);
	if ((fd = unixsock_listen(url + 6, mode, what, why, whylen)) < 0) {
		goto fail;
	}
	if ((d->path = strdup(url + 6)) == NULL) {
		oom();
	}
	d->lev = evconnlistener_new(base, on_accept, d,
	        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, 0, fd);
	if (d->lev == NULL) {
		snprintf(why, whylen, "%s: cannot listen", what);
		evutil_closesocket(fd);
		goto fail;
	}
	evconnlistener_set_error_cb(d->lev, on_listen_error);
	return (d);
fail:
	direct_free(d);
	return (NULL);
}

const char *
direct_path(const struct direct *d)
{
	return (d->path);
}

int
direct_chown(struct direct *d, uid_t uid, gid_t gid, char *why, size_t whylen)
{
	if (d->path != NULL && chown(d->path, uid, gid) != 0) {
		snprintf(why, whylen, "ipc.direct: chown %s: %s", d->path,
		        strerror(errno));
		return (-1);
	}
	return (0);
}

void
direct_attach(
        struct direct *d, struct server *srv, struct answer_cache *answers)
{
	char why[256];

	d->srv = srv;
	if (d->lev == NULL) {
		return;
	}
	d->ws = socketmap_worker_start_sp(
	        d->base, d->nthreads, answers, on_miss, d, why, sizeof(why));
	if (d->ws == NULL) {
		log_warn("MXTLS-IPC-DIRECT-THREADS",
		        "%s; serving the direct socket on the main loop", why);
		d->ws = socketmap_worker_start_sp(
		        d->base, 0, answers, on_miss, d, why, sizeof(why));
		if (d->ws == NULL) {
			log_err("MXTLS-NOMEM", "%s", why);
			abort();
		}
	}
	evconnlistener_enable(d->lev);
	log_notice("MXTLS-IPC-DIRECT-LISTEN",
	        "direct socket listening on %s (%d threads)", d->name,
	        socketmap_worker_threads(d->ws));
}

void
direct_free(struct direct *d)
{
	if (d == NULL) {
		return;
	}
	if (d->lev != NULL) {
		evconnlistener_free(d->lev);
	}
	if (d->path != NULL) {
		unlink(d->path);
		free(d->path);
	}
	/* the loop has stopped: no reply to a miss in flight comes */
	socketmap_worker_stop(d->ws);
	free(d);
}
