/*
 * engine.c - the connection engine of the front doors (see engine.h;
 * docs/IPC.md "Socketmap threads", "Limits"): connections served by
 * worker threads with an event_base each (the listeners and the admission
 * at accept, on the loop thread, are engine_listen.c). What a request is and
 * how a reply is framed is the codec's (codec.h); this file moves bytes
 * between threads and sockets.
 *
 * A connection is a non-blocking socket with one persistent read event
 * (the first-request or idle timeout) and a write event armed only while
 * output waits. A read lets the codec answer every complete request in the
 * input into the output buffer, then writes it with one send(): a hit
 * costs one read and one write, no allocation, no hand-off. A miss stops
 * the connection (its read event is removed) until the loop's reply is
 * back; later requests stay in the input, so replies keep the order of the
 * requests.
 *
 * Hand-offs, each a mutex-guarded list plus event_active() on the
 * receiver's base: the loop gives new connections to a worker (incoming);
 * a worker gives misses to the loop (queued); the loop gives replies back
 * (answered). The loop keeps the misses it works on in inflight.
 * Idle connections (waiting, nothing buffered) may be closed by the loop
 * for a newcomer: engine_evict.c, engine_int.h conn_state.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "door/codec.h"
#include "door/engine.h"
#include "door/engine_int.h"
#include "door/peerlimit.h"
#include "log.h"
#include "logrl.h"
#include "util/metrics.h"
#include "util/xalloc.h"

/* Input starts this large and grows to the door's in_max. */
#define IN_START 1024
/* Output buffers above this are given back once written. */
#define OUT_KEEP      16384
#define WRITE_TIMEOUT 60

struct worker;

struct engine_miss {
	struct engine *e;
	struct worker *w; /* the connection's worker */
	struct conn   *c;
	char          *text; /* the reply, once answered */
	TAILQ_ENTRY(engine_miss) link;
	char        via[48];
	max_align_t cm[]; /* the codec's miss_size bytes */
};

struct worker {
	struct engine     *e;
	struct event_base *base;
	struct event      *wake;
	pthread_t          thread;
	int                started;
	pthread_mutex_t    lock;
	struct conn_list   incoming; /* from the loop (lock) */
	struct miss_list   answered; /* from the loop (lock) */
	struct conn_list   conns;    /* this worker's thread only */
	size_t             nconns;   /* atomic */
	void              *scratch;  /* the codec's miss, until it is one */
};

static void conn_settle(struct conn *c);

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
conn_arm(struct conn *c)
{
	struct engine *e  = c->w->e;
	struct timeval tv = { e->conf.idle_timeout, 0 };
	long long      left;

	if (!c->served) {
		left = c->born_ms + (long long)e->conf.first_timeout * 1000
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
conn_free(struct conn *c)
{
	free(c->in);
	free(c->out.p);
	free(c);
}

/* conn_close - close c's socket and leave its worker; c is freed, or,
 * with a miss out, left to the miss (dead). */
static void
conn_close(struct conn *c)
{
	struct worker *w = c->w;
	int            evicted;

	evicted = engine_evict_untrack(w->e, c);
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
	__atomic_sub_fetch(&w->e->nconns, 1, __ATOMIC_RELAXED);
	if (evicted) {
		peerlimit_release_evicted(c->peer);
	} else {
		peerlimit_release(c->peer);
	}
	c->peer = NULL;
	if (c->miss != NULL) {
		c->dead = 1;
		return;
	}
	conn_free(c);
}

/* miss_queue - c's request is a miss (the codec described it in the
 * worker's scratch): hand it to the loop thread; c waits for the reply. */
static void
miss_queue(struct conn *c)
{
	struct engine      *e = c->w->e;
	struct engine_miss *m;

	m    = xcalloc(1, sizeof(*m) + e->codec->miss_size);
	m->e = e;
	m->w = c->w;
	m->c = c;
	memcpy(m->via, c->via, sizeof(m->via));
	memcpy(m->cm, c->w->scratch, e->codec->miss_size);
	c->miss = m;
	pthread_mutex_lock(&e->mlock);
	TAILQ_INSERT_TAIL(&e->queued, m, link);
	pthread_mutex_unlock(&e->mlock);
	event_active(e->mwake, EV_READ, 0);
}

/* conn_process - let the codec answer the complete requests in the
 * input, in order, until one is a miss; malformed input is refused and
 * ends the connection. */
static void
conn_process(struct conn *c)
{
	struct engine      *e = c->w->e;
	const struct codec *k = e->codec;
	struct codec_req    req;
	size_t              off = 0, used;
	char                why[160];

	while (c->miss == NULL && !c->closing && off < c->inlen) {
		used = 0;
		switch (k->frame(e->ctx, &c->cc, c->in + off, c->inlen - off,
		        &req, &used, why, sizeof(why))) {
		case CODEC_MORE:
			goto out;
		case CODEC_SKIP:
			off += used;
			break;
		case CODEC_BAD:
			log_info_rl(k->bad_logid,
			        "%s: %s; closing the connection", c->via, why);
			if (k->refuse != NULL) {
				k->refuse(&c->cc, why, &c->out);
			}
			c->closing = 1;
			off        = c->inlen;
			goto out;
		case CODEC_REQUEST:
			off += used;
			c->served = 1;
			c->cc.t0  = metrics_now();
			if (!k->answer(e->ctx, &c->cc, &req, &c->out,
			            c->w->scratch)) {
				miss_queue(c);
			}
			break;
		}
	}
out:
	if (off > 0) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
}

/* conn_flush - send the output; -1 when the connection failed. */
static int
conn_flush(struct conn *c)
{
	struct codec_buf *o = &c->out;
	ssize_t           n;

	n = send(c->fd, o->p + o->off, o->len - o->off, MSG_NOSIGNAL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK
		        || errno == EINTR) {
			return (0);
		}
		log_debug(c->w->e->conf.logid_idle, "%s: %s", c->via,
		        strerror(errno));
		return (-1);
	}
	o->off += (size_t)n;
	if (o->off == o->len) {
		o->off = o->len = 0;
		if (o->cap > OUT_KEEP) {
			free(o->p);
			o->p   = NULL;
			o->cap = 0;
		}
	}
	return (0);
}

/* conn_settle - write what is queued, then wait for the right thing:
 * output room, the next request, a miss's reply; or close. c may be
 * freed. */
static void
conn_settle(struct conn *c)
{
	struct timeval wt = { WRITE_TIMEOUT, 0 };
	int            wr, rd;

	if (c->out.len > c->out.off && conn_flush(c) != 0) {
		conn_close(c);
		return;
	}
	if (c->eof && c->miss == NULL) {
		/* answer what came before the EOF, then close; half a
		 * request is dropped */
		c->closing = 1;
	}
	wr = c->out.len > c->out.off;
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
	if (rd && c->inlen == 0) {
		/* idle: the loop may claim it for eviction from now on
		 * (only this thread leaves BUSY, so a plain store) */
		__atomic_store_n(&c->state, CONN_IDLE, __ATOMIC_RELEASE);
	}
}

/* conn_take - c is to be read: 0 when the loop chose it for eviction
 * (close it), else it is BUSY until it is idle again. */
static int
conn_take(struct conn *c)
{
	int st = CONN_IDLE;

	if (__atomic_compare_exchange_n(&c->state, &st, CONN_BUSY, 0,
	            __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		return (1);
	}
	return (st != CONN_EVICT);
}

static void
conn_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	ssize_t      n;

	if (what & EV_TIMEOUT) {
		log_debug(c->w->e->conf.logid_idle, "%s: %s, closing", c->via,
		        c->served ? "idle" : "no complete request in time");
		conn_close(c);
		return;
	}
	if (!conn_take(c)) {
		log_debug(c->w->e->conf.logid_idle,
		        "%s: idle, closed for a newcomer", c->via);
		conn_close(c);
		return;
	}
	if (c->inlen == c->incap) {
		size_t max = c->w->e->conf.in_max;

		if (c->incap >= max) {
			/* cannot happen: the codec refused it before */
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
			if (c->inlen == 0) { /* idle as before conn_take */
				__atomic_store_n(&c->state, CONN_IDLE,
				        __ATOMIC_RELEASE);
			}
			return;
		}
		log_debug(c->w->e->conf.logid_idle, "%s: %s", c->via,
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
	struct conn *c = arg;

	(void)fd;
	if (what & EV_TIMEOUT) {
		log_debug(c->w->e->conf.logid_idle,
		        "%s: reply not taken in %d s, closing", c->via,
		        WRITE_TIMEOUT);
		conn_close(c);
		return;
	}
	conn_settle(c);
}

/* conn_begin - on c's worker: start serving a connection handed over. */
static void
conn_begin(struct conn *c)
{
	struct worker *w = c->w;

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
	conn_settle(c); /* the codec's hello goes out at once */
}

/* ------------------------------------------------------------ misses -- */

/* miss_free - free m (and its connection when that is gone). */
static void
miss_free(struct engine_miss *m)
{
	if (m->c != NULL) {
		if (m->c->dead) {
			conn_free(m->c);
		} else {
			m->c->miss = NULL;
		}
	}
	if (m->e->codec->miss_free != NULL) {
		m->e->codec->miss_free(m->cm);
	}
	free(m->text);
	free(m);
}

/* miss_done - on the connection's worker: the reply to m is back. */
static void
miss_done(struct engine_miss *m)
{
	struct conn *c = m->c;

	if (c->dead) {
		miss_free(m);
		return;
	}
	c->miss = NULL;
	m->e->codec->reply(&c->cc, m->cm, m->text, strlen(m->text), &c->out);
	m->c = NULL;
	miss_free(m);
	conn_process(c);
	conn_settle(c);
}

/* engine_on_miss - on the loop: look the queued misses up. */
static void
engine_on_miss(evutil_socket_t fd, short what, void *arg)
{
	struct engine      *e = arg;
	struct miss_list    q;
	struct engine_miss *m;

	(void)fd;
	(void)what;
	TAILQ_INIT(&q);
	pthread_mutex_lock(&e->mlock);
	TAILQ_CONCAT(&q, &e->queued, link);
	pthread_mutex_unlock(&e->mlock);
	while ((m = TAILQ_FIRST(&q)) != NULL) {
		TAILQ_REMOVE(&q, m, link);
		TAILQ_INSERT_TAIL(&e->inflight, m, link);
		e->fn(e->arg, m);
	}
}

/* ----------------------------------------------------------- workers -- */

/* worker_on_wake - on the worker: take new connections and replies. */
static void
worker_on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct worker      *w = arg;
	struct conn_list    in;
	struct miss_list    ans;
	struct conn        *c;
	struct engine_miss *m;

	(void)fd;
	(void)what;
	if (w->e->threaded
	        && __atomic_load_n(&w->e->stopping, __ATOMIC_ACQUIRE)) {
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
	struct worker *w = arg;

	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return (NULL);
}

/* misses_free - free every miss on list q. */
static void
misses_free(struct miss_list *q)
{
	struct engine_miss *m;

	while ((m = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, m, link);
		miss_free(m);
	}
}

/* workers_stop - join the threads, write the replies that came back after
 * a worker's last turn, close every connection, free every miss. */
static void
workers_stop(struct engine *e)
{
	struct worker      *w;
	struct conn        *c;
	struct engine_miss *m;
	int                 i;

	if (e->w == NULL) {
		return;
	}
	__atomic_store_n(&e->stopping, 1, __ATOMIC_RELEASE);
	for (i = 0; i < e->nw; i++) {
		w = &e->w[i];
		if (w->started) {
			event_active(w->wake, EV_READ, 0);
			pthread_join(w->thread, NULL);
		}
	}
	/* the threads are gone: everything is this thread's now. Replies
	 * that came back after a worker's last turn (the tempfail answers of
	 * query_shutdown, made just before this) are still written: one
	 * send() each, the socket's buffer takes them */
	for (i = 0; i < e->nw; i++) {
		while ((m = TAILQ_FIRST(&e->w[i].answered)) != NULL) {
			TAILQ_REMOVE(&e->w[i].answered, m, link);
			miss_done(m);
		}
	}
	/* misses first (they free the connections that are gone) */
	misses_free(&e->queued);
	misses_free(&e->inflight);
	for (i = 0; i < e->nw; i++) {
		misses_free(&e->w[i].answered);
	}
	for (i = 0; i < e->nw; i++) {
		w = &e->w[i];
		while ((c = TAILQ_FIRST(&w->incoming)) != NULL) {
			TAILQ_REMOVE(&w->incoming, c, link);
			(void)engine_evict_untrack(e, c);
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
		if (e->threaded && w->base != NULL) {
			event_base_free(w->base);
		}
		pthread_mutex_destroy(&w->lock);
		free(w->scratch);
	}
	free(e->w);
	e->w  = NULL;
	e->nw = 0;
	if (e->mwake != NULL) {
		event_free(e->mwake);
		e->mwake = NULL;
	}
	pthread_mutex_destroy(&e->mlock);
	__atomic_store_n(&e->stopping, 0, __ATOMIC_RELEASE);
}

int
engine_start(struct engine *e, int nthreads, void *ctx, engine_miss_fn fn,
        void *arg, char *why, size_t whylen)
{
	struct worker *w;
	sigset_t       all, old;
	int            i, rv;
	size_t         k;

	e->ctx = ctx;
	e->fn  = fn;
	e->arg = arg;
	if (nthreads < 0) {
		long n   = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = n < 1 ? 1 : n > 256 ? 256 : (int)n;
	}
	e->threaded = nthreads > 0;
	e->nw       = nthreads > 0 ? nthreads : 1;
	pthread_mutex_init(&e->mlock, NULL);
	TAILQ_INIT(&e->queued);
	TAILQ_INIT(&e->inflight);
	if ((e->mwake = event_new(e->loop, -1, 0, engine_on_miss, e))
	        == NULL) {
		xdie();
	}
	e->w = xcalloc((size_t)e->nw, sizeof(*e->w));
	for (i = 0; i < e->nw; i++) {
		w          = &e->w[i];
		w->e       = e;
		w->scratch = xcalloc(1, e->codec->miss_size + 1);
		pthread_mutex_init(&w->lock, NULL);
		TAILQ_INIT(&w->incoming);
		TAILQ_INIT(&w->answered);
		TAILQ_INIT(&w->conns);
	}
	for (i = 0; i < e->nw; i++) {
		w       = &e->w[i];
		w->base = e->threaded ? event_base_new() : e->loop;
		if (w->base == NULL
		        || (w->wake = event_new(
		                    w->base, -1, 0, worker_on_wake, w))
		                == NULL) {
			snprintf(why, whylen,
			        "%s: cannot make an event base for worker %d",
			        e->codec->name, i);
			goto fail;
		}
	}
	if (e->threaded) {
		/* signals go to the loop thread */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (i = 0; i < e->nw; i++) {
			w  = &e->w[i];
			rv = pthread_create(&w->thread, NULL, worker_main, w);
			if (rv != 0) {
				pthread_sigmask(SIG_SETMASK, &old, NULL);
				snprintf(why, whylen,
				        "%s: cannot start worker %d: %s",
				        e->codec->name, i, strerror(rv));
				goto fail;
			}
			w->started = 1;
		}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	for (k = 0; k < e->nl; k++) {
		evconnlistener_enable(e->l[k]->lev);
	}
	return (0);
fail:
	workers_stop(e);
	return (-1);
}

void
engine_add(struct engine *e, evutil_socket_t fd, const char *via, int variant,
        int door, struct peerlimit_peer *peer)
{
	struct worker *w = &e->w[0];
	struct conn   *c;
	size_t         n, best = SIZE_MAX;
	int            i, k;

	/* the fewest connections, ties taken in turn */
	for (k = 0; k < e->nw; k++) {
		i = (int)((e->next + (unsigned)k) % (unsigned)e->nw);
		n = __atomic_load_n(&e->w[i].nconns, __ATOMIC_RELAXED);
		if (n < best) {
			best = n;
			w    = &e->w[i];
		}
	}
	e->next++;
	(void)evutil_make_socket_nonblocking(fd);
	c             = xcalloc(1, sizeof(*c));
	c->w          = w;
	c->fd         = fd;
	c->in         = xmalloc(IN_START);
	c->incap      = IN_START;
	c->peer       = peer;
	c->born_ms    = now_ms();
	c->state      = CONN_BUSY; /* until its worker has it waiting */
	c->cc.variant = variant;
	c->cc.door    = door;
	c->cc.via     = c->via;
	snprintf(c->via, sizeof(c->via), "%.40s", via);
	if (e->codec->hello != NULL) {
		e->codec->hello(&c->cc, &c->out);
	}
	__atomic_add_fetch(&w->nconns, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&e->nconns, 1, __ATOMIC_RELAXED);
	engine_evict_track(e, c);
	pthread_mutex_lock(&w->lock);
	TAILQ_INSERT_TAIL(&w->incoming, c, link);
	pthread_mutex_unlock(&w->lock);
	event_active(w->wake, EV_READ, 0);
}

size_t
engine_conns(struct engine *e)
{
	return (__atomic_load_n(&e->nconns, __ATOMIC_RELAXED));
}

int
engine_threads(const struct engine *e)
{
	return (e->threaded ? e->nw : 0);
}

const void *
engine_miss_codec(const struct engine_miss *m)
{
	return (m->cm);
}

const char *
engine_miss_via(const struct engine_miss *m)
{
	return (m->via);
}

void *
engine_miss_arg(const struct engine_miss *m)
{
	return (m->e->arg);
}

void
engine_answer(struct engine_miss *m, char *text)
{
	struct engine *e = m->e;
	struct worker *w = m->w;

	TAILQ_REMOVE(&e->inflight, m, link);
	m->text = text;
	pthread_mutex_lock(&w->lock);
	TAILQ_INSERT_TAIL(&w->answered, m, link);
	pthread_mutex_unlock(&w->lock);
	event_active(w->wake, EV_READ, 0);
}

/* ------------------------------------------------------------ engine -- */

struct engine *
engine_new(struct event_base *loop, const struct engine_conf *conf,
        const struct codec *codec, const struct peerlimit_conf *pc)
{
	struct engine *e = xcalloc(1, sizeof(*e));

	e->loop  = loop;
	e->conf  = *conf;
	e->codec = codec;
	engine_evict_init(e);
	if (pc != NULL) {
		e->peers = peerlimit_new(pc);
	}
	return (e);
}

void
engine_free(struct engine *e)
{
	if (e == NULL) {
		return;
	}
	if (e->listen_close != NULL) {
		e->listen_close(e);
	}
	/* the loop has stopped: no reply to a miss in flight comes now;
	 * those that came are written */
	workers_stop(e);
	engine_evict_fini(e);
	peerlimit_free(e->peers);
	free(e);
}
