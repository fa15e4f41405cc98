/*
 * direct.c - the daemon's IPC sockets (see direct.h; docs/IPC.md
 * "Transport"): binds ipc.listen and ipc.direct, accepts on the loop
 * thread and hands each connection to an SP worker (socketmap_worker.c
 * serves it, spframe.c frames it); gives the workers' misses to server.c
 * on the loop.
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
#include <event2/util.h>

#include "util/conf.h"
#include "door/direct.h"
#include "util/fdlimit.h"
#include "log.h"
#include "logrl.h"
#include "door/peerlimit.h"
#include "proto.h"
#include "serve/server.h"
#include "door/socketmap.h"
#include "door/socketmap_worker.h"
#include "spframe.h"
#include "util/unixsock.h"

struct dlistener {
	struct direct         *d;
	struct evconnlistener *lev;
	struct fdlimit_pause  *pause; /* at the descriptor reserve */
	enum spframe_tp        tp;
	const char            *key;  /* the setting: "ipc.listen" */
	char                  *path; /* ipc://: the socket file, else NULL */
	char                   name[128];
};

struct direct {
	struct event_base        *base;
	struct dlistener          l[DIRECT_MAX_LISTEN];
	size_t                    nl;
	struct server            *srv;
	struct socketmap_workers *ws;
	int                       nthreads;
	struct peerlimit         *peers; /* per-peer shares */
	int first_timeout, idle_timeout; /* ipc.*_timeout */
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
	struct dlistener      *l = arg;
	struct direct         *d = l->d;
	struct peerlimit_peer *p;
	int                    one = 1;

	(void)lev;
	(void)salen;
	p = peerlimit_accept(d->peers, l->pause, fd, sa,
	        socketmap_worker_conns(d->ws), "MXTLS-IPC-DIRECT-BUSY",
	        l->name);
	if (p == NULL) {
		return;
	}
	/* as nng's tcp:// (NNG_OPT_TCP_NODELAY): a reply goes out at once */
	if (l->tp == SPFRAME_TCP) {
		(void)setsockopt(
		        fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	socketmap_worker_add_sp(d->ws, fd, l->name, l->tp, p);
}

static void
on_listen_error(struct evconnlistener *lev, void *arg)
{
	struct dlistener *l = arg;

	(void)lev;
	/* EMFILE and friends: pause the listener (a timer resumes it),
	 * log rate-limited; never spin on accept */
	fdlimit_accept_error(l->pause);
}

struct direct *
direct_open(struct event_base *base, const struct conf *conf)
{
	struct direct        *d = calloc(1, sizeof(*d));
	struct peerlimit_conf pc;

	if (d == NULL) {
		oom();
	}
	d->base          = base;
	d->nthreads      = conf->ipc_direct_threads;
	d->first_timeout = conf->ipc_first_request_timeout;
	d->idle_timeout  = conf->ipc_idle_timeout;
	peerlimit_conf_make(&pc, (size_t)conf->ipc_max_connections,
	        (size_t)conf->ipc_max_per_peer, conf->ipc_reserved_users,
	        "ipc.reserved_users");
	d->peers = peerlimit_new(&pc);
	return (d);
}

static int
is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in  *sin  = (const void *)sa;
	const struct sockaddr_in6 *sin6 = (const void *)sa;

	if (sa->sa_family == AF_INET) {
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127
		        && sin->sin_port != 0);
	}
	return (sa->sa_family == AF_INET6
	        && IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr)
	        && sin6->sin6_port != 0);
}

/* listen_tcp - bind l to hostport (a loopback address and a port). */
static int
listen_tcp(struct direct *d, struct dlistener *l, const char *hostport,
        const char *what, char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	int                     sslen = (int)sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(
	            hostport, (struct sockaddr *)&ss, &sslen)
	                != 0
	        || !is_loopback((struct sockaddr *)&ss)) {
		snprintf(why, whylen,
		        "%s: need a loopback address and a port "
		        "(tcp://127.0.0.1:PORT or tcp://[::1]:PORT)",
		        what);
		return (-1);
	}
	l->lev = evconnlistener_new_bind(d->base, on_accept, l,
	        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE
	                | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_DISABLED,
	        128, (struct sockaddr *)&ss, sslen);
	if (l->lev == NULL) {
		snprintf(why, whylen, "%s: %s", what,
		        evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return (-1);
	}
	return (0);
}

/* listen_ipc - bind l to the socket file path with file mode mode. */
static int
listen_ipc(struct direct *d, struct dlistener *l, const char *path, int mode,
        const char *what, char *why, size_t whylen)
{
	evutil_socket_t fd;

	if ((fd = unixsock_listen(path, mode, what, why, whylen)) < 0) {
		return (-1);
	}
	if ((l->path = strdup(path)) == NULL) {
		oom();
	}
	l->lev = evconnlistener_new(d->base, on_accept, l,
	        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, 0, fd);
	if (l->lev == NULL) {
		snprintf(why, whylen, "%s: cannot listen", what);
		evutil_closesocket(fd);
		unlink(path);
		free(l->path);
		l->path = NULL;
		return (-1);
	}
	return (0);
}

int
direct_listen(struct direct *d, const char *key, const char *url, int mode,
        int tcp, char *why, size_t whylen)
{
	struct dlistener *l;
	char              what[192];
	int               rv;

	if (d->nl >= DIRECT_MAX_LISTEN) {
		snprintf(why, whylen, "%s: too many IPC sockets", key);
		return (-1);
	}
	l = &d->l[d->nl];
	memset(l, 0, sizeof(*l));
	l->d   = d;
	l->key = key;
	snprintf(l->name, sizeof(l->name), "%s", url);
	snprintf(what, sizeof(what), "%s: %s", key, url);
	if (strncmp(url, "ipc:///", 7) == 0) {
		l->tp = SPFRAME_IPC;
		rv    = listen_ipc(d, l, url + 6, mode, what, why, whylen);
	} else if (tcp && strncmp(url, "tcp://", 6) == 0) {
		l->tp = SPFRAME_TCP;
		rv    = listen_tcp(d, l, url + 6, what, why, whylen);
	} else {
		snprintf(why, whylen, "%s: \"%s\": expected ipc:///PATH%s",
		        key, url, tcp ? " or tcp://127.0.0.1:PORT" : "");
		rv = -1;
	}
	if (rv != 0) {
		return (-1);
	}
	evconnlistener_set_error_cb(l->lev, on_listen_error);
	l->pause = fdlimit_pause_new(
	        d->base, l->lev, l->name, "MXTLS-IPC-DIRECT-ACCEPT");
	d->nl++;
	return (0);
}

int
direct_chown(struct direct *d, uid_t uid, gid_t gid, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < d->nl; i++) {
		if (d->l[i].path != NULL
		        && chown(d->l[i].path, uid, gid) != 0) {
			snprintf(why, whylen, "chown %s: %s", d->l[i].path,
			        strerror(errno));
			return (-1);
		}
	}
	return (0);
}

void
direct_attach(
        struct direct *d, struct server *srv, struct answer_cache *answers)
{
	char   why[256];
	size_t i;

	d->srv = srv;
	if (d->nl == 0) {
		return;
	}
	d->ws = socketmap_worker_start_sp(
	        d->base, d->nthreads, answers, on_miss, d, why, sizeof(why));
	if (d->ws == NULL) {
		log_warn("MXTLS-IPC-DIRECT-THREADS",
		        "%s; serving the IPC sockets on the main loop", why);
		d->ws = socketmap_worker_start_sp(
		        d->base, 0, answers, on_miss, d, why, sizeof(why));
		if (d->ws == NULL) {
			log_err("MXTLS-NOMEM", "%s", why);
			abort();
		}
	}
	socketmap_worker_timeouts(d->ws, d->first_timeout, d->idle_timeout);
	for (i = 0; i < d->nl; i++) {
		evconnlistener_enable(d->l[i].lev);
		log_notice("MXTLS-IPC-LISTEN",
		        "%s: listening on %s (%d threads)", d->l[i].key,
		        d->l[i].name, socketmap_worker_threads(d->ws));
	}
}

void
direct_free(struct direct *d)
{
	size_t i;

	if (d == NULL) {
		return;
	}
	for (i = 0; i < d->nl; i++) {
		fdlimit_pause_free(d->l[i].pause);
		evconnlistener_free(d->l[i].lev);
		if (d->l[i].path != NULL) {
			unlink(d->l[i].path);
			free(d->l[i].path);
		}
	}
	/* the loop has stopped: no reply to a miss in flight comes now;
	 * those that came are written */
	socketmap_worker_stop(d->ws);
	peerlimit_free(d->peers);
	free(d);
}
