/*
 * engine_evict.c - closing the oldest idle connection of a peer so that a
 * newcomer may be served (docs/DECISIONS.md N5, docs/IPC.md "Limits:
 * connections per peer"): door/peerlimit.c chooses the peer on the loop
 * thread; this file finds that peer's oldest idle connection and has the
 * worker that owns it close it.
 *
 * Threads: the engine keeps every connection, oldest first, in a list
 * guarded by elock: the loop adds at engine_add, a worker removes when it
 * closes one (so a connection in the list is not freed, nor are its
 * events). Whether a connection is idle is its worker's to say: the
 * worker marks it IDLE when it waits for a request with nothing buffered
 * and BUSY again (compare-and-swap) before it reads; the loop claims an
 * IDLE one by swapping IDLE for EVICT, so a connection that became busy
 * meanwhile is never claimed, and one claimed is never served again.
 * The loop then activates the connection's read event on the worker's
 * base; the worker, finding EVICT, closes it. No lock on the worker's
 * path of a request: an atomic swap per read that finds the connection
 * idle, a store when it is idle again.
 */
#include <sys/queue.h>

#include <pthread.h>

#include <event2/event.h>

#include "door/engine_int.h"
#include "door/peerlimit.h"

void
engine_evict_init(struct engine *e)
{
	pthread_mutex_init(&e->elock, NULL);
	TAILQ_INIT(&e->all);
}

void
engine_evict_fini(struct engine *e)
{
	pthread_mutex_destroy(&e->elock);
}

void
engine_evict_track(struct engine *e, struct conn *c)
{
	pthread_mutex_lock(&e->elock);
	TAILQ_INSERT_TAIL(&e->all, c, alink);
	pthread_mutex_unlock(&e->elock);
}

int
engine_evict_untrack(struct engine *e, struct conn *c)
{
	int st;

	pthread_mutex_lock(&e->elock);
	TAILQ_REMOVE(&e->all, c, alink);
	/* out of the list: the loop cannot claim c from now on */
	st = __atomic_load_n(&c->state, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&e->elock);
	return (st == CONN_EVICT);
}

int
engine_evict_claim(void *arg, struct peerlimit_peer *victim)
{
	struct engine *e = arg;
	struct conn   *c;
	int            idle, ok = 0;

	pthread_mutex_lock(&e->elock);
	TAILQ_FOREACH(c, &e->all, alink)
	{
		if (c->peer != victim) {
			continue;
		}
		idle = CONN_IDLE;
		if (__atomic_compare_exchange_n(&c->state, &idle, CONN_EVICT,
		            0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			/* counted before its worker can close it (it must
			 * take elock first to leave the list) */
			peerlimit_evicting(victim);
			/* IDLE was stored after c->rev was added on the
			 * worker: the acquire above makes it visible here */
			event_active(c->rev, EV_READ, 0);
			ok = 1;
			break;
		}
	}
	pthread_mutex_unlock(&e->elock);
	return (ok);
}

void
engine_count_evictions(struct engine *e, unsigned long *n)
{
	e->evicted = n;
}
