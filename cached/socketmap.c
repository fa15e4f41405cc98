/*
 * socketmap.c - Postfix socketmap listeners on the daemon's libevent loop
 * (see socketmap.h; socketmap_table(5), docs/postfix.md). Framing is in
 * netstring.c, the answers in socketmap_answer.c, the decisions in
 * query.c; this file only moves bytes.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "answer_cache.h"
#include "clock.h"
#include "conf.h"
#include "domain.h"
#include "log.h"
#include "netstring.h"
#include "query.h"
#include "socketmap.h"
#include "socketmap_answer.h"

struct smconn {
	struct socketmap   *sm;
	struct bufferevent *bev;
	TAILQ_ENTRY(smconn) link;
	int  pending; /* a query is in flight */
	int  closing; /* close once the output is written */
	int  dead;    /* gone while a query was in flight: free on answer */
	int  inloop;  /* process() runs: answers do not re-enter it */
	int  eof;     /* the client shut down its side: answer, then close */
	char key[DOMAIN_MAX + 1];
	char via[48];
};

struct smlistener {
	struct socketmap      *sm;
	struct evconnlistener *lev;
	char                  *path; /* unix: socket to unlink, or NULL */
	char                   name[128];
};

struct socketmap {
	struct event_base           *base;
	struct socketmap_answer_conf ac;
	struct query_services        svc;
	struct smlistener            l[CONF_MAX_LISTEN];
	size_t                       nl;
	TAILQ_HEAD(, smconn) conns;
	size_t nconns;
};

static void process(struct smconn *c);
static void maybe_close(struct smconn *c);

static void
oom(void)
{
	log_err("MXTLS-NOMEM", "out of memory");
	abort();
}

static void
conn_free(struct smconn *c)
{
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		TAILQ_REMOVE(&c->sm->conns, c, link);
		c->sm->nconns--;
	}
	if (c->pending) {
		/* query_policy still holds c: freed by on_answer */
		c->dead = 1;
		return;
	}
	free(c);
}

/* reply - queue one netstring reply. */
static void
reply(struct smconn *c, const char *s)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t           n   = strlen(s);

	evbuffer_add_printf(out, "%zu:", n);
	evbuffer_add(out, s, n);
	evbuffer_add(out, ",", 1);
}

static void
on_answer(void *arg, json_t *r, char *text)
{
	struct smconn *c = arg;
	char          *s;

	free(text);
	c->pending = 0;
	if (c->dead) {
		json_decref(r);
		free(c);
		return;
	}
	s = socketmap_answer(r, &c->sm->ac);
	json_decref(r);
	if (c->sm->svc.answers != NULL)
		answer_cache_set_text(
		        c->sm->svc.answers, c->key, clock_now(), s);
	log_debug("MXTLS-SOCKETMAP-ANSWER", "%s: %s: %s", c->via, c->key, s);
	if (strncmp(s, "TEMP ", 5) == 0) {
		log_info("MXTLS-SOCKETMAP-TEMP", "%s: %s", c->key, s + 5);
	}
	reply(c, s);
	free(s);
	if (!c->inloop) {
		process(c);
		maybe_close(c);
	}
}

/* request - one request payload (len bytes, any content). */
static void
request(struct smconn *c, const char *payload, size_t len)
{
	const char *cached;
	char        why[256];

	switch (socketmap_answer_key(
	        payload, len, c->key, sizeof(c->key), why, sizeof(why))) {
	case SOCKETMAP_KEY_LOOKUP:
		if (c->sm->svc.answers != NULL
		        && (cached = answer_cache_text(
		                    c->sm->svc.answers, c->key, clock_now()))
		                != NULL) {
			reply(c, cached);
			return;
		}
		c->pending = 1;
		query_policy(&c->sm->svc, c->key, on_answer, c);
		return;
	case SOCKETMAP_KEY_NOTFOUND:
		log_debug("MXTLS-SOCKETMAP-NOTFOUND", "%s: %.*s: %s", c->via,
		        (int)(len < 300 ? len : 300), payload, why);
		reply(c, "NOTFOUND ");
		return;
	case SOCKETMAP_KEY_PERM: {
		char *s = socketmap_answer_error("PERM", why);
		log_info("MXTLS-SOCKETMAP-BAD-REQUEST", "%s: %s", c->via, why);
		reply(c, s);
		free(s);
		return;
	}
	}
}

/* process - answer the complete requests in the input, one at a time: a
 * request waiting for its answer stops the loop (answers keep the order
 * of the requests); on_answer resumes it. */
static void
process(struct smconn *c)
{
	struct evbuffer      *in;
	size_t                n, take, plen, used;
	const char           *payload;
	char                  why[160], *copy, *s;
	enum netstring_status st;

	c->inloop = 1;
	while (!c->pending && !c->closing) {
		in = bufferevent_get_input(c->bev);
		if ((n = evbuffer_get_length(in)) == 0) {
			break;
		}
		take = n < SOCKETMAP_MAX_REQUEST + 16
		        ? n
		        : SOCKETMAP_MAX_REQUEST + 16;
		st   = netstring_parse(
		          (const char *)evbuffer_pullup(in, (ev_ssize_t)take),
		          take, SOCKETMAP_MAX_REQUEST, &payload, &plen, &used,
		          why, sizeof(why));
		if (st == NETSTRING_MORE) {
			break;
		}
		if (st == NETSTRING_BAD) {
			log_info("MXTLS-SOCKETMAP-BAD-NETSTRING",
			        "%s: %s; closing the connection", c->via, why);
			s = socketmap_answer_error("PERM", why);
			reply(c, s);
			free(s);
			c->closing = 1;
			bufferevent_disable(c->bev, EV_READ);
			break;
		}
		if ((copy = malloc(plen + 1)) == NULL) {
			oom();
		}
		memcpy(copy, payload, plen);
		copy[plen] = '\0';
		evbuffer_drain(in, used);
		request(c, copy, plen);
		free(copy);
	}
	c->inloop = 0;
}

/* maybe_close - after the client's EOF, close once every request has
 * been answered and the output written; c may be freed. */
static void
maybe_close(struct smconn *c)
{
	if (c->eof && !c->pending) {
		c->closing = 1;
	}
	if (c->closing && !c->pending
	        && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		conn_free(c);
	}
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct smconn *c = arg;

	(void)bev;
	if (!c->pending) {
		process(c);
	}
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	struct smconn *c = arg;

	(void)bev;
	maybe_close(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct smconn *c = arg;

	(void)bev;
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR)) {
		/* answer what was sent before the EOF, then close */
		c->eof = 1;
		bufferevent_disable(c->bev, EV_READ);
		if (!c->pending) {
			process(c);
		}
		maybe_close(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		log_debug("MXTLS-SOCKETMAP-IDLE", "%s: idle, closing", c->via);
	} else if (what & BEV_EVENT_ERROR) {
		log_debug("MXTLS-SOCKETMAP-CONN", "%s: %s", c->via,
		        evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	}
	conn_free(c);
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
        int salen, void *arg)
{
	struct smlistener *l  = arg;
	struct socketmap  *sm = l->sm;
	struct smconn     *c;
	struct timeval     rt = { SOCKETMAP_IDLE_TIMEOUT, 0 }, wt = { 60, 0 };

	(void)lev;
	(void)sa;
	(void)salen;
	if (sm->nconns >= SOCKETMAP_MAX_CONNECTIONS) {
		log_warn("MXTLS-SOCKETMAP-BUSY",
		        "%s: %zu connections open; refusing another", l->name,
		        sm->nconns);
		evutil_closesocket(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		oom();
	}
	c->sm  = sm;
	c->bev = bufferevent_socket_new(sm->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_warn("MXTLS-SOCKETMAP-CONN",
		        "%s: cannot set up a connection", l->name);
		evutil_closesocket(fd);
		free(c);
		return;
	}
	snprintf(c->via, sizeof(c->via), "%.40s", l->name);
	TAILQ_INSERT_TAIL(&sm->conns, c, link);
	sm->nconns++;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(
	        c->bev, EV_READ, 0, SOCKETMAP_MAX_REQUEST + 32);
	bufferevent_set_timeouts(c->bev, &rt, &wt);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void
on_listen_error(struct evconnlistener *lev, void *arg)
{
	struct smlistener *l = arg;

	(void)lev;
	/* EMFILE and friends: log, keep listening */
	log_warn("MXTLS-SOCKETMAP-ACCEPT", "%s: accept: %s", l->name,
	        evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
}

static int
open_unix(struct socketmap *sm, struct smlistener *l, const char *path,
        int mode, char *why, size_t whylen)
{
	struct sockaddr_un sun;
	struct stat        st;
	evutil_socket_t    fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (*path != '/' || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(why, whylen,
		        "socketmap.listen: unix:%s: need an absolute path "
		        "shorter than %zu bytes",
		        path, sizeof(sun.sun_path));
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(why, whylen,
			        "socketmap.listen: %s exists and is not a "
			        "socket",
			        path);
			return (-1);
		}
		unlink(path); /* stale: the pid file lock excludes a twin */
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		snprintf(
		        why, whylen, "socketmap: socket: %s", strerror(errno));
		return (-1);
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0
	        || chmod(path, (mode_t)mode) != 0 || listen(fd, 128) != 0
	        || evutil_make_socket_nonblocking(fd) != 0
	        || evutil_make_socket_closeonexec(fd) != 0) {
		snprintf(why, whylen, "socketmap.listen: unix:%s: %s", path,
		        strerror(errno));
		evutil_closesocket(fd);
		return (-1);
	}
	if ((l->path = strdup(path)) == NULL) {
		oom();
	}
	l->lev = evconnlistener_new(sm->base, on_accept, l,
	        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_DISABLED, 0, fd);
	if (l->lev == NULL) {
		snprintf(why, whylen,
		        "socketmap.listen: unix:%s: cannot "
		        "listen",
		        path);
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
	sm->base = base;
	TAILQ_INIT(&sm->conns);
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
	size_t i;

	sm->svc = *svc;
	for (i = 0; i < sm->nl; i++) {
		evconnlistener_enable(sm->l[i].lev);
		log_notice("MXTLS-SOCKETMAP-LISTEN",
		        "socketmap listening on %s (postfix %s attributes, "
		        "testing %s)",
		        sm->l[i].name, sm->ac.tlsrpt_attrs ? "3.10" : "3.7",
		        sm->ac.testing_strict ? "strict" : "opportunistic");
	}
}

void
socketmap_free(struct socketmap *sm)
{
	struct smconn *c;
	size_t         i;

	if (sm == NULL) {
		return;
	}
	for (i = 0; i < sm->nl; i++) {
		evconnlistener_free(sm->l[i].lev);
		if (sm->l[i].path != NULL) {
			unlink(sm->l[i].path);
			free(sm->l[i].path);
		}
	}
	while ((c = TAILQ_FIRST(&sm->conns)) != NULL) {
		c->pending = 0; /* the loop has stopped: no answer comes */
		conn_free(c);
	}
	free(sm);
}
