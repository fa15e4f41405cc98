/*
 * socketmap.c - Postfix socketmap listeners on the daemon's libevent loop
 * (see socketmap.h; socketmap_table(5), docs/postfix.md): accepts on the
 * loop thread and hands each connection to a worker (socketmap_worker.c,
 * which serves it and answers cache hits); looks the workers' cache misses
 * up on the loop (query.c) and renders them (socketmap_answer.c).
 */
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "serve/answer_cache.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/fdlimit.h"
#include "log.h"
#include "logrl.h"
#include "door/peerlimit.h"
#include "serve/query.h"
#include "door/socketmap.h"
#include "door/socketmap_answer.h"
#include "door/socketmap_worker.h"
#include "util/unixsock.h"

struct smlistener {
	struct socketmap      *sm;
	struct evconnlistener *lev;
	struct fdlimit_pause  *pause; /* at the descriptor reserve */
	char                  *path;  /* unix: socket to unlink, or NULL */
	char                   name[128];
};

struct socketmap {
	struct event_base           *base;
	struct socketmap_answer_conf ac;
	struct query_services        svc;
	struct smlistener            l[CONF_MAX_LISTEN];
	size_t                       nl;
	int                          nthreads; /* socketmap.threads */
	struct socketmap_workers    *ws;       /* NULL until attached */
	struct peerlimit            *peers;    /* per-peer shares */
	int first_timeout, idle_timeout;       /* socketmap.*_timeout */
};

static void
oom(void)
{
	log_err("MXTLS-NOMEM", "out of memory");
	abort();
}

/* on_answer - the decision for a miss (loop thread): render it, keep the
 * rendering beside the cached reply, send it to the connection's worker. */
static void
on_answer(void *arg, json_t *r, char *text)
{
	struct socketmap_miss *m   = arg;
	struct socketmap      *sm  = socketmap_worker_arg(m);
	const char            *key = socketmap_worker_key(m);
	char                  *s;

	s = socketmap_answer(r, &sm->ac);
	json_decref(r);
	/* text != NULL: this lookup has just kept its reply, so no IPC
	 * client asked for it: keep the rendering alone */
	if (sm->svc.answers != NULL && text != NULL)
		answer_cache_text_only(sm->svc.answers, key, clock_now(), s);
	else if (sm->svc.answers != NULL)
		answer_cache_set_text(sm->svc.answers, key, clock_now(), s);
	free(text);
	log_debug("MXTLS-SOCKETMAP-ANSWER", "%s: %s: %s",
	        socketmap_worker_via(m), key, s);
	if (strncmp(s, "TEMP ", 5) == 0) {
		log_info_rl("MXTLS-SOCKETMAP-TEMP", "%s: %s", key, s + 5);
	}
	socketmap_worker_answer(m, s);
}

/* on_miss - a worker's cache miss, on the loop thread. */
static void
on_miss(void *arg, struct socketmap_miss *m)
{
	struct socketmap *sm = arg;

	query_policy(&sm->svc, socketmap_worker_key(m), on_answer, m);
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
        int salen, void *arg)
{
	struct smlistener     *l  = arg;
	struct socketmap      *sm = l->sm;
	struct peerlimit_peer *p;

	(void)lev;
	(void)salen;
	p = peerlimit_accept(sm->peers, l->pause, fd, sa,
	        socketmap_worker_conns(sm->ws), "MXTLS-SOCKETMAP-BUSY",
	        l->name);
	if (p == NULL) {
		return;
	}
	socketmap_worker_add(sm->ws, fd, l->name, p);
}

static void
on_listen_error(struct evconnlistener *lev, void *arg)
{
	struct smlistener *l = arg;

	(void)lev;
	/* EMFILE and friends: pause the listener (a timer resumes it),
	 * log rate-limited; never spin on accept */
	fdlimit_accept_error(l->pause);
}

static int
open_unix(struct socketmap *sm, struct smlistener *l, const char *path,
        int mode, char *why, size_t whylen)
{
	char            what[160];
	evutil_socket_t fd;

	snprintf(what, sizeof(what), "socketmap.listen: unix:%s", path);
	if ((fd = unixsock_listen(path, mode, what, why, whylen)) < 0) {
		return (-1);
	}
	if ((l->path = strdup(path)) == NULL) {
		oom();
	}
	l->lev = evconnlistener_new(sm->base, on_accept, l,
	        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, 0, fd);
	if (l->lev == NULL) {
		snprintf(why, whylen, "%s: cannot listen", what);
		evutil_closesocket(fd);
		return (-1);
	}
	return (0);
}

static int
is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in  *sin  = (const void *)sa;
	const struct sockaddr_in6 *sin6 = (const void *)sa;

	if (sa->sa_family == AF_INET) {
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	}
	return (sa->sa_family == AF_INET6
	        && IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
}

static int
open_inet(struct socketmap *sm, struct smlistener *l, const char *hostport,
        char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	int                     sslen = (int)sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(
	            hostport, (struct sockaddr *)&ss, &sslen)
	                != 0
	        || !is_loopback((struct sockaddr *)&ss)
	        || (ss.ss_family == AF_INET
	                && ((struct sockaddr_in *)&ss)->sin_port == 0)) {
		snprintf(why, whylen,
		        "socketmap.listen: inet:%s: need a loopback "
		        "address and a port (inet:127.0.0.1:PORT)",
		        hostport);
		return (-1);
	}
	l->lev = evconnlistener_new_bind(sm->base, on_accept, l,
	        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE
	                | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_DISABLED,
	        128, (struct sockaddr *)&ss, sslen);
	if (l->lev == NULL) {
		snprintf(why, whylen, "socketmap.listen: inet:%s: %s",
		        hostport,
		        evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return (-1);
	}
	return (0);
}

struct socketmap *
socketmap_open(struct event_base *base, const struct conf *conf, char *why,
        size_t whylen)
{
	struct socketmap  *sm = calloc(1, sizeof(*sm));
	struct smlistener *l;
	const char        *e;
	size_t             i;
	int                rv;

	if (sm == NULL) {
		oom();
	}
	struct peerlimit_conf pc;

	sm->base          = base;
	sm->nthreads      = conf->socketmap_threads;
	sm->first_timeout = conf->socketmap_first_request_timeout;
	sm->idle_timeout  = conf->socketmap_idle_timeout;
	peerlimit_conf_make(&pc, (size_t)conf->socketmap_max_connections,
	        (size_t)conf->socketmap_max_per_peer,
	        conf->socketmap_reserved_users, "socketmap.reserved_users");
	sm->peers = peerlimit_new(&pc);
	if (socketmap_answer_conf_init(&sm->ac,
	            conf->socketmap_postfix_version, conf->socketmap_testing,
	            why, whylen)
	        != 0) {
		goto fail;
	}
	for (i = 0; (e = conf->socketmap_listen[i]) != NULL; i++) {
		if (sm->nl >= CONF_MAX_LISTEN) {
			snprintf(why, whylen, "socketmap.listen: too many");
			goto fail;
		}
		l     = &sm->l[sm->nl];
		l->sm = sm;
		snprintf(l->name, sizeof(l->name), "%s", e);
		if (strncmp(e, "unix:", 5) == 0) {
			rv = open_unix(sm, l, e + 5, conf->socketmap_mode, why,
			        whylen);
		} else if (strncmp(e, "inet:", 5) == 0) {
			rv = open_inet(sm, l, e + 5, why, whylen);
		} else {
			snprintf(why, whylen,
			        "socketmap.listen: \"%s\": expected "
			        "unix:PATH or inet:127.0.0.1:PORT",
			        e);
			rv = -1;
		}
		if (rv != 0) {
			free(l->path);
			l->path = NULL;
			goto fail;
		}
		evconnlistener_set_error_cb(l->lev, on_listen_error);
		l->pause = fdlimit_pause_new(
		        base, l->lev, l->name, "MXTLS-SOCKETMAP-ACCEPT");
		sm->nl++;
	}
	return (sm);
fail:
	socketmap_free(sm);
	return (NULL);
}

int
socketmap_chown(
        struct socketmap *sm, uid_t uid, gid_t gid, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; sm != NULL && i < sm->nl; i++) {
		if (sm->l[i].path != NULL
		        && chown(sm->l[i].path, uid, gid) != 0) {
			snprintf(why, whylen, "socketmap: chown %s: %s",
			        sm->l[i].path, strerror(errno));
			return (-1);
		}
	}
	return (0);
}

void
socketmap_attach(struct socketmap *sm, const struct query_services *svc)
{
	char   why[256];
	size_t i;

	sm->svc = *svc;
	if (sm->nl == 0) {
		return;
	}
	sm->ws = socketmap_worker_start(sm->base, sm->nthreads, &sm->ac,
	        svc->answers, on_miss, sm, why, sizeof(why));
	if (sm->ws == NULL) {
		log_warn("MXTLS-SOCKETMAP-THREADS",
		        "%s; serving socketmap on the main loop", why);
		sm->ws = socketmap_worker_start(sm->base, 0, &sm->ac,
		        svc->answers, on_miss, sm, why, sizeof(why));
		if (sm->ws == NULL) {
			log_err("MXTLS-NOMEM", "%s", why);
			abort();
		}
	}
	socketmap_worker_timeouts(sm->ws, sm->first_timeout, sm->idle_timeout);
	for (i = 0; i < sm->nl; i++) {
		evconnlistener_enable(sm->l[i].lev);
		log_notice("MXTLS-SOCKETMAP-LISTEN",
		        "socketmap listening on %s (postfix %s attributes, "
		        "testing %s, %d threads)",
		        sm->l[i].name, sm->ac.tlsrpt_attrs ? "3.10" : "3.7",
		        sm->ac.testing_strict ? "strict" : "opportunistic",
		        socketmap_worker_threads(sm->ws));
	}
}

void
socketmap_free(struct socketmap *sm)
{
	size_t i;

	if (sm == NULL) {
		return;
	}
	for (i = 0; i < sm->nl; i++) {
		fdlimit_pause_free(sm->l[i].pause);
		evconnlistener_free(sm->l[i].lev);
		if (sm->l[i].path != NULL) {
			unlink(sm->l[i].path);
			free(sm->l[i].path);
		}
	}
	/* the loop has stopped: no answer to a miss in flight comes */
	socketmap_worker_stop(sm->ws);
	peerlimit_free(sm->peers);
	free(sm);
}

int
socketmap_reconfigure(struct socketmap *sm, const struct conf *conf, char *why,
        size_t whylen)
{
	struct socketmap_answer_conf ac;

	if (socketmap_answer_conf_init(&ac, conf->socketmap_postfix_version,
	            conf->socketmap_testing, why, whylen)
	        != 0)
		return (-1);
	if (sm != NULL)
		sm->ac = ac;
	return (0);
}
