/*
 * engine_int.h - what engine.c (connections, workers, hand-offs) and
 * engine_listen.c (listeners and admission at accept) share: the engine
 * and its listeners. Internal to those two files; the doors use engine.h.
 *
 * Threads: everything here is the loop thread's, except the members
 * marked atomic or guarded by mlock.
 */
#ifndef MXTLS_CACHED_ENGINE_INT_H
#define MXTLS_CACHED_ENGINE_INT_H

#include <sys/queue.h>

#include <pthread.h>

#include "door/engine.h"

struct conn;
struct worker;
struct fdlimit_pause;
struct evconnlistener;

TAILQ_HEAD(conn_list, conn);
TAILQ_HEAD(miss_list, engine_miss);

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
};

#endif
