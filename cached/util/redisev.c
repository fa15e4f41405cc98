/*
 * redisev.c - a Redis connection on the daemon's libevent loop:
 * asynchronous connect + AUTH + SELECT, commands with a timeout each, a
 * subscriber connection, reconnect with back-off (redisev.h); the URL is
 * read by redis_url.c.
 *
 * hiredis 0.14 has no command timeout of its own: every command gets a
 * libevent timer; when one fires the whole connection is dropped (a Redis
 * that answers one command late answers the next one late too), which
 * fails every pending command and starts the back-off.
 */
#include "util/redisev.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "log.h"
#include "logrl.h"
#include "util/redis_url.h"
#include "util/xalloc.h"

#define REDISEV_BACKOFF_MIN 250   /* ms */
#define REDISEV_BACKOFF_MAX 10000 /* ms */

struct redisev_req {
	struct redisev     *ev;
	redisev_cb         *cb;
	void               *arg;
	struct event       *timer;
	int                 done; /* cb already called (timeout) */
	struct redisev_req *prev, *next;
};

struct redisev_sub {
	struct redisev *ev;
	char           *channel;
	void (*on_msg)(void *arg, const char *msg, size_t len);
	void               *arg;
	struct redisev_sub *next;
};

struct redisev_hook {
	void (*cb)(void *arg);
	void                *arg;
	struct redisev_hook *next;
};

/* one of the two connections */
struct redisev_conn {
	struct redisev    *ev;
	redisAsyncContext *ac;
	int                up;      /* AUTH and SELECT done */
	int                is_sub;  /* the subscriber */
	struct event      *retry;   /* back-off timer */
	struct event      *cwait;   /* connect + handshake timeout */
	int                backoff; /* ms */
	int                closing;
};

struct redisev {
	struct event_base   *base;
	struct redis_url     url;
	char                 addr[64]; /* numeric host */
	int                  timeout_ms;
	int                  read_only;
	struct redisev_conn  cmd, sub;
	struct redisev_req  *reqs; /* pending on cmd */
	struct redisev_sub  *subs;
	struct redisev_hook *hooks;
	struct redisev_stats st;
	char                 last_error[160];
};

static void redisev_connect(struct redisev_conn *c);
static void redisev_drop(struct redisev_conn *c, const char *why);

/* --- commands ------------------------------------------------------ */

static void
redisev_req_unlink(struct redisev_req *r)
{
	struct redisev *ev = r->ev;

	if (r->prev != NULL) {
		r->prev->next = r->next;
	} else if (ev->reqs == r) {
		ev->reqs = r->next;
	}
	if (r->next != NULL) {
		r->next->prev = r->prev;
	}
	r->prev = r->next = NULL;
	if (r->timer != NULL) {
		event_free(r->timer);
		r->timer = NULL;
	}
}

/* hiredis' callback of a command (reply NULL when the context is freed) */
static void
redisev_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct redisev_req *r = privdata;

	(void)ac;
	if (r == NULL) {
		return;
	}
	redisev_req_unlink(r);
	if (!r->done && r->cb != NULL) {
		r->done = 1;
		r->cb(r->arg, reply,
		        reply != NULL ? NULL
		                      : (r->ev->cmd.closing ? "closed"
		                                            : "disconnected"));
	}
	free(r);
}

static void
redisev_req_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct redisev_req *r     = arg;
	struct redisev     *ev    = r->ev;
	redisev_cb         *cb    = r->cb;
	void               *cbarg = r->arg;

	(void)fd;
	(void)what;
	r->done = 1;
	ev->st.timeouts++;
	/* the request stays with hiredis (freed by redisev_reply) */
	redisev_req_unlink(r);
	redisev_drop(&ev->cmd, "command timeout");
	if (cb != NULL) {
		cb(cbarg, NULL, "timeout");
	}
}

static struct redisev_req *
redisev_req_new(struct redisev *ev, redisev_cb *cb, void *arg)
{
	struct redisev_req *r = xcalloc(1, sizeof(*r));
	struct timeval      tv
	        = { ev->timeout_ms / 1000, (ev->timeout_ms % 1000) * 1000 };

	r->ev    = ev;
	r->cb    = cb;
	r->arg   = arg;
	r->timer = evtimer_new(ev->base, redisev_req_timeout, r);
	if (r->timer == NULL) {
		xdie();
	}
	evtimer_add(r->timer, &tv);
	r->next = ev->reqs;
	if (ev->reqs != NULL) {
		ev->reqs->prev = r;
	}
	ev->reqs = r;
	return (r);
}

int
redisev_commandargv(struct redisev *ev, redisev_cb *cb, void *arg, int argc,
        const char **argv, const size_t *argvlen)
{
	struct redisev_req *r;

	if (ev == NULL || !ev->cmd.up || ev->cmd.ac == NULL) {
		return (-1);
	}
	r = redisev_req_new(ev, cb, arg);
	if (redisAsyncCommandArgv(
	            ev->cmd.ac, redisev_reply, r, argc, argv, argvlen)
	        != REDIS_OK) {
		redisev_req_unlink(r);
		free(r);
		return (-1);
	}
	ev->st.commands++;
	return (0);
}

int
redisev_command(
        struct redisev *ev, redisev_cb *cb, void *arg, const char *fmt, ...)
{
	struct redisev_req *r;
	va_list             ap;
	int                 rc;

	if (ev == NULL || !ev->cmd.up || ev->cmd.ac == NULL) {
		return (-1);
	}
	r = redisev_req_new(ev, cb, arg);
	va_start(ap, fmt);
	rc = redisvAsyncCommand(ev->cmd.ac, redisev_reply, r, fmt, ap);
	va_end(ap);
	if (rc != REDIS_OK) {
		redisev_req_unlink(r);
		free(r);
		return (-1);
	}
	ev->st.commands++;
	return (0);
}

/* --- connections ------------------------------------------------------- */

static void
redisev_set_error(struct redisev *ev, const char *why)
{
	snprintf(ev->last_error, sizeof(ev->last_error), "%s", why);
}

static void
redisev_schedule(struct redisev_conn *c)
{
	struct timeval tv;

	if (c->closing) {
		return;
	}
	if (c->backoff < REDISEV_BACKOFF_MIN) {
		c->backoff = REDISEV_BACKOFF_MIN;
	}
	tv.tv_sec  = c->backoff / 1000;
	tv.tv_usec = (c->backoff % 1000) * 1000;
	evtimer_add(c->retry, &tv);
	c->backoff *= 2;
	if (c->backoff > REDISEV_BACKOFF_MAX) {
		c->backoff = REDISEV_BACKOFF_MAX;
	}
}

/* drop the connection now (fails its pending commands) and retry later */
static void
redisev_drop(struct redisev_conn *c, const char *why)
{
	struct redisev    *ev     = c->ev;
	redisAsyncContext *ac     = c->ac;
	int                was_up = c->up;

	evtimer_del(c->cwait);
	if (ac == NULL) {
		return;
	}
	c->ac    = NULL;
	c->up    = 0;
	ac->data = NULL; /* the disconnect callback does nothing more */
	ev->st.failures++;
	redisev_set_error(ev, why);
	if (!c->is_sub && !c->closing) {
		if (was_up) {
			log_warn_rl("MXTLS-REDIS-DOWN",
			        "redis connection lost: %s (retrying)", why);
		} else {
			log_warn_rl("MXTLS-REDIS-CONNECT",
			        "redis connect failed: %s (retrying)", why);
		}
	}
	redisAsyncFree(ac);
	redisev_schedule(c);
}

/* the connect or handshake did not finish in time */
static void
redisev_cwait_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	redisev_drop(arg, "connect timeout");
}

static void
redisev_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	redisev_connect(arg);
}

static void
redisev_up_now(struct redisev_conn *c)
{
	struct redisev *ev = c->ev;

	evtimer_del(c->cwait);
	c->up      = 1;
	c->backoff = REDISEV_BACKOFF_MIN;
	if (c->is_sub) {
		return;
	}
	ev->st.connects++;
	log_notice("MXTLS-REDIS-UP", "redis connected (%s%s%s, db %d)",
	        ev->url.path[0] != '\0' ? "unix:" : "",
	        ev->url.path[0] != '\0' ? ev->url.path : ev->addr, "",
	        ev->url.db);
	for (struct redisev_hook *h = ev->hooks; h != NULL; h = h->next) {
		h->cb(h->arg);
	}
}

/* a published message on the subscriber connection */
static void
redisev_sub_msg(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct redisev_sub *s = privdata;
	redisReply         *r = reply;

	(void)ac;
	if (r == NULL || s == NULL || r->type != REDIS_REPLY_ARRAY
	        || r->elements != 3
	        || r->element[0]->type != REDIS_REPLY_STRING
	        || strcmp(r->element[0]->str, "message") != 0
	        || r->element[2]->type != REDIS_REPLY_STRING) {
		return;
	}
	s->ev->st.messages++;
	s->on_msg(s->arg, r->element[2]->str, r->element[2]->len);
}

static void
redisev_sub_send(struct redisev_conn *c, struct redisev_sub *s)
{
	redisAsyncCommand(
	        c->ac, redisev_sub_msg, s, "SUBSCRIBE %s", s->channel);
}

/* the last handshake step answered: the connection is ready */
static void
redisev_hello_done(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct redisev_conn *c = privdata;
	redisReply          *r = reply;

	if (r == NULL || ac->data == NULL) {
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		char why[160];

		snprintf(why, sizeof(why), "%s", r->str);
		log_err_rl("MXTLS-REDIS-AUTH",
		        "redis refused the handshake: %s", why);
		redisev_drop(c, why);
		return;
	}
	if (c->is_sub) {
		redisev_up_now(c);
		for (struct redisev_sub *s = c->ev->subs; s != NULL;
		        s                  = s->next) {
			redisev_sub_send(c, s);
		}
		return;
	}
	redisev_up_now(c);
}

/* an intermediate handshake step (AUTH before SELECT) */
static void
redisev_hello_step(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct redisev_conn *c = privdata;
	redisReply          *r = reply;

	if (r == NULL || ac->data == NULL) {
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		char why[160];

		snprintf(why, sizeof(why), "%s", r->str);
		log_err_rl("MXTLS-REDIS-AUTH", "redis refused AUTH: %s", why);
		redisev_drop(c, why);
	}
}

static void
redisev_on_tcp(const redisAsyncContext *ac, int status)
{
	struct redisev_conn *c = ac->data;
	redisAsyncContext   *a = (redisAsyncContext *)ac;
	struct redisev      *ev;

	if (c == NULL) {
		return;
	}
	ev = c->ev;
	if (status != REDIS_OK) {
		char why[160];

		snprintf(why, sizeof(why), "%s",
		        ac->errstr[0] != '\0' ? ac->errstr : "connect failed");
		/* hiredis frees the context itself after this callback */
		c->ac = NULL;
		c->up = 0;
		evtimer_del(c->cwait);
		ev->st.failures++;
		redisev_set_error(ev, why);
		if (!c->is_sub) {
			log_warn_rl("MXTLS-REDIS-CONNECT",
			        "redis connect failed: %s (retrying)", why);
		}
		redisev_schedule(c);
		return;
	}
	if (ev->url.has_pass) {
		if (ev->url.user[0] != '\0') {
			redisAsyncCommand(a, redisev_hello_step, c,
			        "AUTH %s %s", ev->url.user, ev->url.pass);
		} else {
			redisAsyncCommand(a, redisev_hello_step, c, "AUTH %s",
			        ev->url.pass);
		}
	}
	if (c->is_sub) {
		redisAsyncCommand(a, redisev_hello_done, c, "PING");
	} else {
		redisAsyncCommand(
		        a, redisev_hello_done, c, "SELECT %d", ev->url.db);
	}
}

static void
redisev_on_close(const redisAsyncContext *ac, int status)
{
	struct redisev_conn *c = ac->data;

	(void)status;
	if (c == NULL) {
		return;
	}
	/* hiredis frees the context after this callback */
	c->ac = NULL;
	evtimer_del(c->cwait);
	if (c->up || !c->closing) {
		c->ev->st.failures++;
		redisev_set_error(c->ev,
		        ac->errstr[0] != '\0' ? ac->errstr
		                              : "connection closed by server");
		if (!c->is_sub) {
			log_warn_rl("MXTLS-REDIS-DOWN",
			        "redis connection lost: %s (retrying)",
			        c->ev->last_error);
		}
	}
	c->up = 0;
	redisev_schedule(c);
}

static void
redisev_connect(struct redisev_conn *c)
{
	struct redisev    *ev = c->ev;
	redisAsyncContext *ac;
	struct timeval     tv
	        = { ev->timeout_ms / 1000, (ev->timeout_ms % 1000) * 1000 };

	if (c->ac != NULL || c->closing) {
		return;
	}
	if (ev->url.path[0] != '\0') {
		ac = redisAsyncConnectUnix(ev->url.path);
	} else {
		ac = redisAsyncConnect(ev->addr, ev->url.port);
	}
	if (ac == NULL || ac->err != 0) {
		redisev_set_error(
		        ev, ac != NULL ? ac->errstr : "out of memory");
		ev->st.failures++;
		if (ac != NULL) {
			redisAsyncFree(ac);
		}
		redisev_schedule(c);
		return;
	}
	ac->data = c;
	if (redisLibeventAttach(ac, ev->base) != REDIS_OK) {
		redisAsyncFree(ac);
		redisev_schedule(c);
		return;
	}
	redisAsyncSetConnectCallback(ac, redisev_on_tcp);
	redisAsyncSetDisconnectCallback(ac, redisev_on_close);
	c->ac = ac;
	evtimer_add(c->cwait, &tv);
}

static void
redisev_conn_init(struct redisev *ev, struct redisev_conn *c, int is_sub)
{
	c->ev      = ev;
	c->is_sub  = is_sub;
	c->backoff = REDISEV_BACKOFF_MIN;
	c->retry   = evtimer_new(ev->base, redisev_retry, c);
	c->cwait   = evtimer_new(ev->base, redisev_cwait_timeout, c);
	if (c->retry == NULL || c->cwait == NULL) {
		xdie();
	}
}

static int
redisev_resolve(struct redisev *ev, char *why, size_t whylen)
{
	struct addrinfo hints, *res = NULL;
	int             rc;

	if (ev->url.path[0] != '\0') {
		return (0);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	rc                = getaddrinfo(ev->url.host, NULL, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(why, whylen, "redis host %s: %s", ev->url.host,
		        gai_strerror(rc));
		return (-1);
	}
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, ev->addr,
	        sizeof(ev->addr), NULL, 0, NI_NUMERICHOST);
	freeaddrinfo(res);
	if (rc != 0) {
		snprintf(why, whylen, "redis host %s: %s", ev->url.host,
		        gai_strerror(rc));
		return (-1);
	}
	return (0);
}

struct redisev *
redisev_open(struct event_base *base, const struct redisev_conf *conf,
        char *why, size_t whylen)
{
	struct redisev *ev = xcalloc(1, sizeof(*ev));

	if (redis_url_parse(conf->url, &ev->url, why, whylen) != 0
	        || redisev_resolve(ev, why, whylen) != 0) {
		free(ev);
		return (NULL);
	}
	ev->base       = base;
	ev->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 1000;
	ev->read_only  = conf->read_only;
	redisev_conn_init(ev, &ev->cmd, 0);
	redisev_conn_init(ev, &ev->sub, 1);
	redisev_connect(&ev->cmd);
	return (ev);
}

static void
redisev_conn_close(struct redisev_conn *c)
{
	c->closing = 1;
	evtimer_del(c->retry);
	evtimer_del(c->cwait);
	if (c->ac != NULL) {
		redisAsyncContext *ac = c->ac;

		c->ac    = NULL;
		c->up    = 0;
		ac->data = NULL;
		redisAsyncFree(ac);
	}
	event_free(c->retry);
	event_free(c->cwait);
}

void
redisev_close(struct redisev *ev)
{
	if (ev == NULL) {
		return;
	}
	redisev_conn_close(&ev->cmd);
	redisev_conn_close(&ev->sub);
	/* anything left (never sent) */
	while (ev->reqs != NULL) {
		struct redisev_req *r = ev->reqs;

		redisev_req_unlink(r);
		if (!r->done && r->cb != NULL) {
			r->cb(r->arg, NULL, "closed");
		}
		free(r);
	}
	while (ev->subs != NULL) {
		struct redisev_sub *s = ev->subs;

		ev->subs = s->next;
		free(s->channel);
		free(s);
	}
	while (ev->hooks != NULL) {
		struct redisev_hook *h = ev->hooks;

		ev->hooks = h->next;
		free(h);
	}
	memset(ev->url.pass, 0, sizeof(ev->url.pass));
	free(ev);
}

int
redisev_up(const struct redisev *ev)
{
	return (ev != NULL && ev->cmd.up);
}

int
redisev_read_only(const struct redisev *ev)
{
	return (ev != NULL && ev->read_only);
}

const char *
redisev_last_error(const struct redisev *ev)
{
	return (ev != NULL ? ev->last_error : "");
}

int
redisev_subscribe(struct redisev *ev, const char                     *channel,
        void (*on_msg)(void *arg, const char *msg, size_t len), void *arg)
{
	struct redisev_sub *s = xcalloc(1, sizeof(*s));

	s->ev      = ev;
	s->channel = xstrdup(channel);
	s->on_msg  = on_msg;
	s->arg     = arg;
	s->next    = ev->subs;
	ev->subs   = s;
	if (ev->sub.ac == NULL) {
		redisev_connect(&ev->sub);
	} else if (ev->sub.up) {
		redisev_sub_send(&ev->sub, s);
	}
	return (0);
}

void
redisev_on_connect(struct redisev *ev, void (*cb)(void *arg), void *arg)
{
	struct redisev_hook  *h  = xcalloc(1, sizeof(*h));
	struct redisev_hook **pp = &ev->hooks;

	h->cb  = cb;
	h->arg = arg;
	while (*pp != NULL) {
		pp = &(*pp)->next;
	}
	*pp = h;
}

void
redisev_get_stats(const struct redisev *ev, struct redisev_stats *out)
{
	if (ev == NULL) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = ev->st;
}
