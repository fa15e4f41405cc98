/*
 * socketmap_worker.c - socketmap connections served by worker threads, one
 * event_base each (see socketmap_worker.h; socketmap_table(5), docs/IPC.md
 * "Socketmap threads"). What a request is and how a reply is framed is
 * socketmap_wire.c's; this file moves bytes between threads and sockets.
 *
 * A connection is a non-blocking socket with one persistent read event
 * (the idle timeout) and a write event armed only while output waits. A
 * read answers every complete request in the input into the output
 * buffer, then writes it with one send(): a hit costs one read and one
 * write, no hand-off. A miss stops the connection (its read event is
 * removed) until the loop's reply is back; later requests stay in the
 * input, so replies keep the order of the requests.
 *
 * Hand-offs, each a mutex-guarded list plus event_active() on the
 * receiver's base: the loop gives new connections to a worker (incoming);
 * a worker gives misses to the loop (queued); the loop gives replies back
 * (answered). The loop keeps the misses it works on in inflight.
 *
 * Two wire formats, one per set of workers: socketmap netstrings, and the
 * SP wire format of the direct IPC socket (spframe.c; docs/IPC.md "Direct
 * socket"), whose requests are proto.h's JSON and whose hits are "policy"
 * requests with a finished reply in the answer cache. An SP connection
 * starts with our REP header in its output; its first input must be a REQ
 * peer's header.
 */
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "serve/answer_cache.h"
#include "log.h"
#include "door/socketmap.h"
#include "door/socketmap_conn.h"
#include "util/xalloc.h"

/* Input holds at most one request and its framing (SOCKETMAP_MAX_REQUEST
 * bytes or, over SP, SPFRAME_RECV_MAX as nng's REP socket did): with this much
 * and no complete request, the parser has refused it. */
#define IN_START  1024
#define IN_MAX    (SOCKETMAP_MAX_REQUEST + 32)
#define IN_MAX_SP (SPFRAME_MSGHDR + SPFRAME_RECV_MAX)
/* Output buffers above this are given back once written. */
#define OUT_KEEP      16384
#define WRITE_TIMEOUT 60

static void conn_settle(struct smconn *c);

/* now_ms - the monotonic clock in ms. */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* conn_arm - (re)start c's read timeout: the idle timeout once it has sent
 * a complete request, else what is left of the first-request timeout
 * (counted from the accept: trickling bytes does not extend it). */
static void
conn_arm(struct smconn *c)
{
	struct socketmap_workers *ws = c->w->ws;
	struct timeval            tv = { ws->idle_timeout, 0 };
	long long                 left;

	if (!c->served) {
		left = c->born_ms + (long long)ws->first_timeout * 1000
		        - now_ms();
		if (left < 0) {
			left = 0;
		}
		tv.tv_sec  = (time_t)(left / 1000);
		tv.tv_usec = (suseconds_t)(left % 1000) * 1000;
	}
	event_add(c->rev, &tv);
	c->armed = c->served;
}

/* ------------------------------------------------------- connections -- */

/* conn_free - the memory of a closed connection. */
static void
conn_free(struct smconn *c)
{
	free(c->in);
	free(c->out);
	free(c);
}

/* conn_close - close c's socket and leave its worker; c is freed, or,
 * with a miss out, left to the miss (dead). */
static void
conn_close(struct smconn *c)
{
	struct smworker *w = c->w;

	if (c->rev != NULL) {
		event_free(c->rev);
	}
	if (c->wev != NULL) {
		event_free(c->wev);
	}
	c->rev = c->wev = NULL;
	evutil_closesocket(c->fd);
	c->fd = -1;
	TAILQ_REMOVE(&w->conns, c, link);
	__atomic_sub_fetch(&w->nconns, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&w->ws->nconns, 1, __ATOMIC_RELAXED);
	peerlimit_release(c->peer);
	c->peer = NULL;
	if (c->miss != NULL) {
		c->dead = 1;
		return;
	}
	conn_free(c);
}

void
socketmap_worker_out(struct smconn *c, size_t n)
{
	if (c->outcap - c->outlen >= n) {
		return;
	}
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
		if (c->outcap - c->outlen >= n) {
			return;
		}
	}
	c->outcap = c->outlen + n < 1024 ? 1024 : (c->outlen + n) * 2;
	if ((c->out = realloc(c->out, c->outcap)) == NULL) {
		xdie();
	}
}

struct socketmap_miss *
socketmap_worker_miss_new(struct smconn *c)
{
	struct socketmap_miss *m = xcalloc(1, sizeof(*m));

	m->ws = c->w->ws;
	m->w  = c->w;
	m->c  = c;
	memcpy(m->via, c->via, sizeof(m->via));
	c->miss = m;
	return (m);
}

void
socketmap_worker_miss_queue(struct socketmap_miss *m)
{
	struct socketmap_workers *ws = m->ws;

	pthread_mutex_lock(&ws->mlock);
	TAILQ_INSERT_TAIL(&ws->queued, m, link);
	pthread_mutex_unlock(&ws->mlock);
	event_active(ws->mwake, EV_READ, 0);
}

/* conn_process - answer the complete requests in the input, in order,
 * until one is a miss. */
static void
conn_process(struct smconn *c)
{
	size_t off
	        = c->w->ws->sp ? socketmap_wire_sp(c) : socketmap_wire_nets(c);

	if (off > 0) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
}

/* conn_flush - send the output; -1 when the connection failed. */
static int
conn_flush(struct smconn *c)
{
	ssize_t n;

	n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
	        MSG_NOSIGNAL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK
		        || errno == EINTR) {
			return (0);
		}
		log_debug("MXTLS-SOCKETMAP-CONN", "%s: %s", c->via,
		        strerror(errno));
		return (-1);
	}
	c->outoff += (size_t)n;
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		if (c->outcap > OUT_KEEP) {
			free(c->out);
			c->out    = NULL;
			c->outcap = 0;
		}
	}
	return (0);
}

/* conn_settle - write what is queued, then wait for the right thing:
 * output room, the next request, a miss's reply; or close. c may be
 * freed. */
static void
conn_settle(struct smconn *c)
{
	struct timeval wt = { WRITE_TIMEOUT, 0 };
	int            wr, rd;

	if (c->outlen > c->outoff && conn_flush(c) != 0) {
		conn_close(c);
		return;
	}
	if (c->eof && c->miss == NULL) {
		/* answer what came before the EOF, then close; half a
		 * request is dropped */
		c->closing = 1;
	}
	wr = c->outlen > c->outoff;
	if (c->closing && c->miss == NULL && !wr) {
		conn_close(c);
		return;
	}
	rd = !wr && c->miss == NULL && !c->closing;
	if (wr != c->writing) {
		if (wr) {
			event_add(c->wev, &wt);
		} else {
			event_del(c->wev);
		}
		c->writing = wr;
	}
	if (rd != c->reading) {
		if (rd) {
			conn_arm(c);
		} else {
			event_del(c->rev);
		}
		c->reading = rd;
	} else if (rd && (!c->served || !c->armed)) {
		/* not served yet: the persistent event restarted the full
		 * first-request timeout on this read; or just served: the
		 * idle timeout from now on. A served connection's reads
		 * (the hot path) re-arm nothing */
		conn_arm(c);
	}
}

static void
conn_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct smconn *c = arg;
	ssize_t        n;

	if (what & EV_TIMEOUT) {
		log_debug("MXTLS-SOCKETMAP-IDLE", "%s: %s, closing", c->via,
		        c->served ? "idle" : "no complete request in time");
		conn_close(c);
		return;
	}
	if (c->inlen == c->incap) {
		size_t max = c->w->ws->inmax;

		if (c->incap >= max) {
			/* cannot happen: the parser refused it before */
			conn_close(c);
			return;
		}
		c->incap = c->incap * 2 < max ? c->incap * 2 : max;
		if ((c->in = realloc(c->in, c->incap)) == NULL) {
			xdie();
		}
	}
	n = read(fd, c->in + c->inlen, c->incap - c->inlen);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK
		        || errno == EINTR) {
			return;
		}
		log_debug("MXTLS-SOCKETMAP-CONN", "%s: %s", c->via,
		        strerror(errno));
		conn_close(c);
		return;
	}
	if (n == 0) {
		c->eof = 1;
	}
	c->inlen += (size_t)n;
	conn_process(c);
	conn_settle(c);
}

static void
conn_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct smconn *c = arg;

	(void)fd;
	if (what & EV_TIMEOUT) {
		log_debug("MXTLS-SOCKETMAP-IDLE",
		        "%s: reply not taken in %d s, "
		        "closing",
		        c->via, WRITE_TIMEOUT);
		conn_close(c);
		return;
	}
	conn_settle(c);
}

/* conn_begin - on c's worker: start serving a connection handed over. */
static void
conn_begin(struct smconn *c)
{
	struct smworker *w = c->w;

	c->rev = event_new(
	        w->base, c->fd, EV_READ | EV_PERSIST, conn_on_read, c);
	c->wev = event_new(
	        w->base, c->fd, EV_WRITE | EV_PERSIST, conn_on_write, c);
	if (c->rev == NULL || c->wev == NULL) {
		xdie();
	}
	TAILQ_INSERT_TAIL(&w->conns, c, link);
	conn_arm(c);
	c->reading = 1;
	conn_settle(c); /* SP: our header goes out at once */
}

/* ------------------------------------------------------------ misses -- */

/* miss_free - free m (and its connection when that is gone). */
static void
miss_free(struct socketmap_miss *m)
{
	if (m->c != NULL) {
		if (m->c->dead) {
			conn_free(m->c);
		} else {
			m->c->miss = NULL;
		}
	}
	free(m->text);
	free(m->body);
	free(m);
}

/* miss_done - on the connection's worker: the reply to m is back. */
static void
miss_done(struct socketmap_miss *m)
{
	struct smconn *c = m->c;

	if (c->dead) {
		miss_free(m);
		return;
	}
	c->miss = NULL;
	if (m->ws->sp) {
		socketmap_wire_sp_reply(
		        c, m->bt, m->btlen, m->text, strlen(m->text));
	} else {
		socketmap_wire_nets_reply(c, m->text, strlen(m->text));
	}
	m->c = NULL;
	miss_free(m);
	conn_process(c);
	conn_settle(c);
}

/* workers_on_miss - on the loop: look the queued misses up. */
static void
workers_on_miss(evutil_socket_t fd, short what, void *arg)
{
	struct socketmap_workers *ws = arg;
	struct smmiss_list        q;
	struct socketmap_miss    *m;

	(void)fd;
	(void)what;
	TAILQ_INIT(&q);
	pthread_mutex_lock(&ws->mlock);
	TAILQ_CONCAT(&q, &ws->queued, link);
	pthread_mutex_unlock(&ws->mlock);
	while ((m = TAILQ_FIRST(&q)) != NULL) {
		TAILQ_REMOVE(&q, m, link);
		TAILQ_INSERT_TAIL(&ws->inflight, m, link);
		ws->fn(ws->arg, m);
	}
}

/* ----------------------------------------------------------- workers -- */

/* worker_on_wake - on the worker: take new connections and replies. */
static void
worker_on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct smworker       *w = arg;
	struct smconn_list     in;
	struct smmiss_list     ans;
	struct smconn         *c;
	struct socketmap_miss *m;

	(void)fd;
	(void)what;
	if (w->ws->threaded
	        && __atomic_load_n(&w->ws->stopping, __ATOMIC_ACQUIRE)) {
		event_base_loopbreak(w->base);
		return;
	}
	TAILQ_INIT(&in);
	TAILQ_INIT(&ans);
	pthread_mutex_lock(&w->lock);
	TAILQ_CONCAT(&in, &w->incoming, link);
	TAILQ_CONCAT(&ans, &w->answered, link);
	pthread_mutex_unlock(&w->lock);
	while ((c = TAILQ_FIRST(&in)) != NULL) {
		TAILQ_REMOVE(&in, c, link);
		conn_begin(c);
	}
	while ((m = TAILQ_FIRST(&ans)) != NULL) {
		TAILQ_REMOVE(&ans, m, link);
		miss_done(m);
	}
}

static void *
worker_main(void *arg)
{
	struct smworker *w = arg;

	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return (NULL);
}

/* workers_start - socketmap_worker_start and _start_sp (ac NULL). */
static struct socketmap_workers *
workers_start(struct event_base *loop, int nthreads,
        const struct socketmap_answer_conf *ac, struct answer_cache *answers,
        socketmap_miss_fn fn, void *arg, char *why, size_t whylen)
{
	struct socketmap_workers *ws = xcalloc(1, sizeof(*ws));
	struct smworker          *w;
	sigset_t                  all, old;
	int                       i, rv;

	ws->loop = loop;
	ws->sp   = ac == NULL;
	if (ac != NULL) {
		ws->ac = *ac;
	}
	ws->inmax         = ws->sp ? IN_MAX_SP : IN_MAX;
	ws->first_timeout = SOCKETMAP_FIRST_TIMEOUT;
	ws->idle_timeout  = SOCKETMAP_IDLE_TIMEOUT;
	ws->answers       = answers;
	ws->fn            = fn;
	ws->arg           = arg;
	if (nthreads < 0) {
		long n   = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = n < 1 ? 1 : n > 256 ? 256 : (int)n;
	}
	ws->threaded = nthreads > 0;
	ws->nw       = nthreads > 0 ? nthreads : 1;
	pthread_mutex_init(&ws->mlock, NULL);
	TAILQ_INIT(&ws->queued);
	TAILQ_INIT(&ws->inflight);
	if ((ws->mwake = event_new(loop, -1, 0, workers_on_miss, ws))
	        == NULL) {
		xdie();
	}
	ws->w = xcalloc((size_t)ws->nw, sizeof(*ws->w));
	for (i = 0; i < ws->nw; i++) {
		w     = &ws->w[i];
		w->ws = ws;
		pthread_mutex_init(&w->lock, NULL);
		TAILQ_INIT(&w->incoming);
		TAILQ_INIT(&w->answered);
		TAILQ_INIT(&w->conns);
	}
	for (i = 0; i < ws->nw; i++) {
		w       = &ws->w[i];
		w->base = ws->threaded ? event_base_new() : loop;
		if (w->base == NULL
		        || (w->wake = event_new(
		                    w->base, -1, 0, worker_on_wake, w))
		                == NULL) {
			snprintf(why, whylen,
			        "socketmap: cannot make an event base for "
			        "worker %d",
			        i);
			goto fail;
		}
	}
	if (!ws->threaded) {
		return (ws);
	}
	/* signals go to the loop thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < ws->nw; i++) {
		w = &ws->w[i];
		if ((rv = pthread_create(&w->thread, NULL, worker_main, w))
		        != 0) {
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			snprintf(why, whylen,
			        "socketmap: cannot start worker %d: %s", i,
			        strerror(rv));
			goto fail;
		}
		w->started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return (ws);
fail:
	socketmap_worker_stop(ws);
	return (NULL);
}

struct socketmap_workers *
socketmap_worker_start(struct event_base *loop, int nthreads,
        const struct socketmap_answer_conf *ac, struct answer_cache *answers,
        socketmap_miss_fn fn, void *arg, char *why, size_t whylen)
{
	return (workers_start(
	        loop, nthreads, ac, answers, fn, arg, why, whylen));
}

struct socketmap_workers *
socketmap_worker_start_sp(struct event_base *loop, int nthreads,
        struct answer_cache *answers, socketmap_miss_fn fn, void *arg,
        char *why, size_t whylen)
{
	return (workers_start(
	        loop, nthreads, NULL, answers, fn, arg, why, whylen));
}

void
socketmap_worker_timeouts(struct socketmap_workers *ws, int first, int idle)
{
	ws->first_timeout = first;
	ws->idle_timeout  = idle;
}

void
socketmap_worker_add(struct socketmap_workers *ws, evutil_socket_t fd,
        const char *via, struct peerlimit_peer *peer)
{
	socketmap_worker_add_sp(ws, fd, via, SPFRAME_IPC, peer);
}

void
socketmap_worker_add_sp(struct socketmap_workers *ws, evutil_socket_t fd,
        const char *via, enum spframe_tp tp, struct peerlimit_peer *peer)
{
	struct smworker *w = &ws->w[0];
	struct smconn   *c;
	size_t           n, best = SIZE_MAX;
	int              i, k;

	/* the fewest connections, ties taken in turn */
	for (k = 0; k < ws->nw; k++) {
		i = (int)((ws->next + (unsigned)k) % (unsigned)ws->nw);
		n = __atomic_load_n(&ws->w[i].nconns, __ATOMIC_RELAXED);
		if (n < best) {
			best = n;
			w    = &ws->w[i];
		}
	}
	ws->next++;
	(void)evutil_make_socket_nonblocking(fd);
	c          = xcalloc(1, sizeof(*c));
	c->w       = w;
	c->fd      = fd;
	c->in      = xmalloc(IN_START);
	c->incap   = IN_START;
	c->tp      = tp;
	c->peer    = peer;
	c->born_ms = now_ms();
	if (ws->sp) {
		socketmap_worker_out(c, SPFRAME_HEADER);
		spframe_rep_header((unsigned char *)c->out);
		c->outlen = SPFRAME_HEADER;
	}
	snprintf(c->via, sizeof(c->via), "%.40s", via);
	__atomic_add_fetch(&w->nconns, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&ws->nconns, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&w->lock);
	TAILQ_INSERT_TAIL(&w->incoming, c, link);
	pthread_mutex_unlock(&w->lock);
	event_active(w->wake, EV_READ, 0);
}

size_t
socketmap_worker_conns(struct socketmap_workers *ws)
{
	return (__atomic_load_n(&ws->nconns, __ATOMIC_RELAXED));
}

int
socketmap_worker_threads(const struct socketmap_workers *ws)
{
	return (ws->threaded ? ws->nw : 0);
}

const char *
socketmap_worker_key(const struct socketmap_miss *m)
{
	return (m->key);
}

const char *
socketmap_worker_via(const struct socketmap_miss *m)
{
	return (m->via);
}

const struct proto_request *
socketmap_worker_request(
        const struct socketmap_miss *m, const char **body, size_t *len)
{
	*body = m->body;
	*len  = m->blen;
	return (m->parsed ? &m->req : NULL);
}

void *
socketmap_worker_arg(const struct socketmap_miss *m)
{
	return (m->ws->arg);
}

void
socketmap_worker_answer(struct socketmap_miss *m, char *text)
{
	struct socketmap_workers *ws = m->ws;
	struct smworker          *w  = m->w;

	TAILQ_REMOVE(&ws->inflight, m, link);
	m->text = text;
	pthread_mutex_lock(&w->lock);
	TAILQ_INSERT_TAIL(&w->answered, m, link);
	pthread_mutex_unlock(&w->lock);
	event_active(w->wake, EV_READ, 0);
}

/* misses_free - free every miss on list q. */
static void
misses_free(struct smmiss_list *q)
{
	struct socketmap_miss *m;

	while ((m = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, m, link);
		miss_free(m);
	}
}

void
socketmap_worker_stop(struct socketmap_workers *ws)
{
	struct smworker *w;
	struct smconn   *c;
	int              i;

	if (ws == NULL) {
		return;
	}
	__atomic_store_n(&ws->stopping, 1, __ATOMIC_RELEASE);
	for (i = 0; i < ws->nw; i++) {
		w = &ws->w[i];
		if (w->started) {
			event_active(w->wake, EV_READ, 0);
			pthread_join(w->thread, NULL);
		}
	}
	/* the threads are gone: everything is this thread's now. Replies
	 * that came back after a worker's last turn (the tempfail answers of
	 * query_shutdown, made just before this) are still written: one
	 * send() each, the socket's buffer takes them */
	for (i = 0; i < ws->nw; i++) {
		struct socketmap_miss *m;

		while ((m = TAILQ_FIRST(&ws->w[i].answered)) != NULL) {
			TAILQ_REMOVE(&ws->w[i].answered, m, link);
			miss_done(m);
		}
	}
	/* misses first (they free the connections that are gone) */
	misses_free(&ws->queued);
	misses_free(&ws->inflight);
	for (i = 0; i < ws->nw; i++) {
		misses_free(&ws->w[i].answered);
	}
	for (i = 0; i < ws->nw; i++) {
		w = &ws->w[i];
		while ((c = TAILQ_FIRST(&w->incoming)) != NULL) {
			TAILQ_REMOVE(&w->incoming, c, link);
			evutil_closesocket(c->fd);
			peerlimit_release(c->peer);
			conn_free(c);
		}
		while ((c = TAILQ_FIRST(&w->conns)) != NULL) {
			conn_close(c);
		}
		if (w->wake != NULL) {
			event_free(w->wake);
		}
		if (ws->threaded && w->base != NULL) {
			event_base_free(w->base);
		}
		pthread_mutex_destroy(&w->lock);
	}
	free(ws->w);
	event_free(ws->mwake);
	pthread_mutex_destroy(&ws->mlock);
	free(ws);
}
