/*
 * engine_int.h - what engine.c (connections, workers, hand-offs),
 * engine_listen.c (listeners and admission at accept) and engine_evict.c
 * (closing an idle connection for a newcomer) share: the engine, its
 * listeners and connections. Internal to those files; the doors use
 * engine.h.
 *
 * Threads: everything here is the loop thread's, except the members
 * marked atomic or guarded by mlock or elock, and a connection's, which
 * are its worker's but for those so marked.
 */
#ifndef MXTLS_CACHED_ENGINE_INT_H
#define MXTLS_CACHED_ENGINE_INT_H

#include <sys/queue.h>

#include <pthread.h>

#include "door/codec.h"
#include "door/engine.h"

struct conn;
struct worker;
struct engine_miss;
struct peerlimit_peer;
struct fdlimit_pause;
struct evconnlistener;

TAILQ_HEAD(conn_list, conn);
TAILQ_HEAD(miss_list, engine_miss);

/* A connection's state as engine_evict.c sees it (atomic): only its
 * worker moves it between BUSY and IDLE; the loop moves it from IDLE to
 * EVICT (compare-and-swap), after which the worker closes it. */
enum conn_state {
	CONN_BUSY,  /* a request in progress, a reply out, or just made */
	CONN_IDLE,  /* waiting for a request, nothing buffered either way */
	CONN_EVICT, /* chosen to be closed for a newcomer */
};

struct conn {
	struct worker    *w;
	evutil_socket_t   fd;
	struct event     *rev; /* read, persistent, idle timeout */
	struct event     *wev; /* write, armed while output waits */
	int               reading, writing;
	int               eof;     /* the client shut down its side */
	int               closing; /* no more requests: close once written */
	int               dead;    /* closed with a miss out: it frees c */
	int               served;  /* a complete request was taken */
	int               armed;   /* the read timeout is the served one */
	int               state;   /* atomic: enum conn_state */
	long long         born_ms; /* monotonic: when accepted */
	struct codec_conn cc;
	struct peerlimit_peer *peer; /* its count, released on close */
	struct engine_miss    *miss; /* the lookup in flight, or NULL */
	char                  *in;
	size_t                 inlen, incap;
	struct codec_buf       out;
	TAILQ_ENTRY(conn) link;  /* in its worker's lists */
	TAILQ_ENTRY(conn) alink; /* in the engine's all (elock) */
	char via[48];
};

struct listener {
	struct engine         *e;
	struct evconnlistener *lev;
	struct fdlimit_pause  *pause; /* at the descriptor reserve */
	char                  *path;  /* Unix socket to unlink, or NULL */
	int                    variant;
	int                    door; /* metrics: MD_* */
	int                    nodelay;
	char                   name[128];
};

struct engine {
	struct event_base  *loop;
	struct engine_conf  conf;
	const struct codec *codec;
	void               *ctx;
	engine_miss_fn      fn;
	void               *arg;
	struct peerlimit   *peers; /* per-peer shares, or NULL */
	struct listener   **l;
	/* frees the listeners (set by engine_listen.c with the first one, so
	 * that engine.c never calls into the file that calls it) */
	void (*listen_close)(struct engine *e);
	size_t           nl;
	struct worker   *w;
	int              nw;
	int              threaded;
	int              stopping; /* atomic */
	struct event    *mwake;    /* loop: misses queued */
	pthread_mutex_t  mlock;
	struct miss_list queued;   /* from workers (mlock) */
	struct miss_list inflight; /* loop thread only */
	size_t           nconns;   /* atomic */
	unsigned         next;
	int              door; /* of the listeners added next (metrics) */
	/* every connection from engine_add to its close, oldest first
	 * (engine_evict.c) */
	pthread_mutex_t  elock;
	struct conn_list all;     /* elock */
	unsigned long   *evicted; /* counter of evictions, or NULL */
};

/* engine_evict_init / _fini - e's list of connections (engine_new,
 * engine_free). */
void engine_evict_init(struct engine *e);
void engine_evict_fini(struct engine *e);

/* engine_evict_track - c joins e's list (loop thread, engine_add). */
void engine_evict_track(struct engine *e, struct conn *c);

/* engine_evict_untrack - c leaves it (its worker, first thing when it
 * closes c): 1 when c was chosen for eviction (release its peer with
 * peerlimit_release_evicted). */
int engine_evict_untrack(struct engine *e, struct conn *c);

/* engine_evict_claim - the peerlimit_claim_fn of e (arg): choose the
 * oldest idle connection of victim and have its worker close it. */
int engine_evict_claim(void *arg, struct peerlimit_peer *victim);

#endif
