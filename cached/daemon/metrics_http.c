/*
 * metrics_http.c - the metrics endpoint (see metrics_http.h;
 * docs/METRICS.md): a listener on the loop and, per connection, one
 * request head read into a bufferevent (RFC 9112 §3 request line; headers
 * are read past, not parsed), one response, then the close.
 *
 * Not libevent's evhttp: it cannot bound the number of connections it
 * holds (libevent 2.1 has no hook at accept), and a local flood of idle
 * connections would hold descriptors the front doors need.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "daemon/metrics_http.h"
#include "log.h"
#include "logrl.h"
#include "util/conf.h"
#include "util/fdlimit.h"
#include "util/metrics.h"
#include "util/xalloc.h"

struct mconn {
	struct metrics_http *m;
	struct bufferevent  *bev;
	struct event        *deadline; /* METRICS_HTTP_TIMEOUT after accept */
	TAILQ_ENTRY(mconn) link;
};

TAILQ_HEAD(mconn_list, mconn);

struct metrics_http {
	struct event_base     *base;
	struct evconnlistener *lev;
	struct mconn_list      conns;
	size_t                 nconns;
	metrics_http_ready_fn  ready;
	void                  *ready_arg;
};

int
metrics_http_route(const char *line, char *path, int *head)
{
	char        method[16], target[256], version[16];
	const char *q;
	size_t      tl;

	*path = 0;
	*head = 0;
	if (sscanf(line, "%15s %255s %15s", method, target, version) != 3
	        || strncmp(version, "HTTP/1.", 7) != 0) {
		return (400);
	}
	if (strcmp(method, "HEAD") == 0) {
		*head = 1;
	} else if (strcmp(method, "GET") != 0) {
		return (405);
	}
	q  = strchr(target, '?');
	tl = q != NULL ? (size_t)(q - target) : strlen(target);
	if (tl == 8 && strncmp(target, "/metrics", 8) == 0) {
		*path = 'm';
	} else if (tl == 8 && strncmp(target, "/healthz", 8) == 0) {
		*path = 'h';
	} else {
		return (404);
	}
	return (200);
}

static void
conn_free(struct mconn *c)
{
	TAILQ_REMOVE(&c->m->conns, c, link);
	c->m->nconns--;
	if (c->deadline != NULL) {
		event_free(c->deadline);
	}
	bufferevent_free(c->bev);
	free(c);
}

/* on_written - the response is out: close. */
static void
on_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_free(arg);
}

/* on_deadline - the connection's time is up, whatever it sent (a trickle
 * does not extend it). */
static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_free(arg);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what; /* EOF, error or timeout: the connection ends */
	conn_free(arg);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200:
		return ("OK");
	case 400:
		return ("Bad Request");
	case 404:
		return ("Not Found");
	case 405:
		return ("Method Not Allowed");
	case 503:
		return ("Service Unavailable");
	}
	return ("Error");
}

/* respond - the status line, headers and (unless head) body, then the
 * close once written. */
static void
respond(struct mconn *c, int status, const char *ctype, const char *body,
        size_t len, int head)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out,
	        "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: "
	        "%zu\r\n%sCache-Control: no-store\r\nConnection: "
	        "close\r\n\r\n",
	        status, reason(status), ctype, len,
	        status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (!head) {
		evbuffer_add(out, body, len);
	}
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, on_written, on_event, c);
	bufferevent_enable(c->bev, EV_WRITE);
}

static void
serve(struct mconn *c, const char *line)
{
	struct metrics_http *m = c->m;
	char                 path, why[512], *text, msg[64];
	int                  head, status;
	size_t               len;

	status = metrics_http_route(line, &path, &head);
	if (status != 200) {
		snprintf(msg, sizeof(msg), "%d %s\n", status, reason(status));
		respond(c, status, "text/plain; charset=utf-8", msg,
		        strlen(msg), head);
		return;
	}
	if (path == 'm') {
		text = metrics_reg_render(metrics_global(), &len);
		respond(c, 200, "text/plain; version=0.0.4; charset=utf-8",
		        text, len, head);
		free(text);
		return;
	}
	snprintf(why, sizeof(why), "starting");
	if (m->ready != NULL && m->ready(m->ready_arg, why, sizeof(why))) {
		respond(c, 200, "text/plain; charset=utf-8", "ok\n", 3, head);
		return;
	}
	strncat(why, "\n", sizeof(why) - strlen(why) - 1);
	respond(c, 503, "text/plain; charset=utf-8", why, strlen(why), head);
}

/* on_read - wait for the whole head (an empty line), at most 8 KiB. */
static void
on_read(struct bufferevent *bev, void *arg)
{
	struct mconn       *c  = arg;
	struct evbuffer    *in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;
	char               *line;
	size_t              n;

	p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (p.pos < 0) {
		p = evbuffer_search(in, "\n\n", 2, NULL);
	}
	if (p.pos < 0) {
		if (evbuffer_get_length(in) > METRICS_HTTP_MAX_HEAD) {
			respond(c, 400, "text/plain; charset=utf-8",
			        "400 request head too large\n", 27, 0);
		}
		return;
	}
	line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
	if (line == NULL) {
		respond(c, 400, "text/plain; charset=utf-8",
		        "400 Bad Request\n", 16, 0);
		return;
	}
	serve(c, line);
	free(line);
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
        int salen, void *arg)
{
	struct metrics_http *m = arg;
	struct mconn        *c;
	struct timeval       tv = { METRICS_HTTP_TIMEOUT, 0 };

	(void)lev;
	(void)sa;
	(void)salen;
	if (m->nconns >= METRICS_HTTP_MAX_CONNS || !fdlimit_fd_ok(fd)) {
		log_info_rl("MXTLS-METRICS-BUSY",
		        "metrics.listen: %zu connections open; refusing "
		        "another",
		        m->nconns);
		close(fd);
		return;
	}
	c      = xcalloc(1, sizeof(*c));
	c->m   = m;
	c->bev = bufferevent_socket_new(m->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->deadline = evtimer_new(m->base, on_deadline, c);
	if (c->bev == NULL || c->deadline == NULL
	        || evtimer_add(c->deadline, &tv) != 0) {
		if (c->bev != NULL) {
			bufferevent_free(c->bev);
		} else {
			close(fd);
		}
		if (c->deadline != NULL) {
			event_free(c->deadline);
		}
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&m->conns, c, link);
	m->nconns++;
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ);
}

struct metrics_http *
metrics_http_open(struct event_base *base, const char *hostport, char *why,
        size_t whylen)
{
	struct metrics_http    *m;
	struct sockaddr_storage ss;
	int                     len = 0;

	if (conf_metrics_addr(hostport, &ss, &len) != 0) {
		snprintf(why, whylen,
		        "metrics.listen: \"%s\": need a loopback address and "
		        "a "
		        "port",
		        hostport);
		return (NULL);
	}
	m       = xcalloc(1, sizeof(*m));
	m->base = base;
	TAILQ_INIT(&m->conns);
	m->lev = evconnlistener_new_bind(base, on_accept, m,
	        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE
	                | LEV_OPT_CLOSE_ON_EXEC,
	        64, (struct sockaddr *)&ss, len);
	if (m->lev == NULL) {
		snprintf(why, whylen,
		        "metrics.listen: cannot listen on %s: %s", hostport,
		        evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		free(m);
		return (NULL);
	}
	return (m);
}

void
metrics_http_set_ready(
        struct metrics_http *m, metrics_http_ready_fn fn, void *arg)
{
	if (m != NULL) {
		m->ready     = fn;
		m->ready_arg = arg;
	}
}

void
metrics_http_free(struct metrics_http *m)
{
	if (m == NULL) {
		return;
	}
	evconnlistener_free(m->lev);
	while (!TAILQ_EMPTY(&m->conns)) {
		conn_free(TAILQ_FIRST(&m->conns));
	}
	free(m);
}
