/*
 * socketmap_worker.h - the threads that serve Postfix socketmap connections
 * (socketmap_table(5); docs/IPC.md "Socketmap threads") and, with a set of
 * their own, the IPC sockets ipc.listen and ipc.direct (docs/IPC.md
 * "Transport", "Direct socket"). Each worker
 * owns an event_base, its thread and the connections handed to it: it reads
 * the netstring requests, answers answer-cache hits and the keys that need no
 * lookup (NOTFOUND, PERM) itself, and hands each cache miss to the
 * daemon's loop thread, which owns every resolver; the reply comes back to
 * the worker that owns the connection. Requests on one connection are
 * answered in order: while a miss is out, the connection's later requests
 * wait (they are not read).
 *
 * With 0 threads the connections are served on the loop's own event base
 * (the daemon before issue 8): same code, no threads.
 *
 * Threads: every function here runs on the loop thread (the thread that
 * dispatches the loop base given to socketmap_worker_start); the miss
 * function runs there too. Ownership: a miss belongs to this module; the
 * miss function's callee must answer it exactly once with
 * socketmap_worker_answer while the workers run, and must not after
 * socketmap_worker_stop (which frees it).
 */
#ifndef MXTLS_CACHED_SOCKETMAP_WORKER_H
#define MXTLS_CACHED_SOCKETMAP_WORKER_H

#include <stddef.h>

#include <event2/util.h>

#include "spframe.h"

struct event_base;
struct answer_cache;
struct socketmap_answer_conf;
struct socketmap_workers;
struct socketmap_miss;

/* socketmap_miss_fn - look domain up and answer m (loop thread). */
typedef void (*socketmap_miss_fn)(void *arg, struct socketmap_miss *m);

/*
 * socketmap_worker_start - nthreads workers (-1: one per online CPU, at
 * most 256; 0: serve on loop itself)
 * answering hits from answers (may be NULL: every lookup is a miss) with
 * the rendering of ac (copied), misses through fn(arg, m). NULL with why
 * when a thread or event base cannot be made.
 */
struct socketmap_workers *socketmap_worker_start(struct event_base *loop,
        int nthreads, const struct socketmap_answer_conf *ac,
        struct answer_cache *answers, socketmap_miss_fn fn, void *arg,
        char *why, size_t whylen);

/*
 * socketmap_worker_start_sp - the same for the direct IPC socket (docs/
 * IPC.md "Direct socket"): connections speak the SP wire format of nng's
 * REQ/REP over ipc:// (spframe.h) carrying proto.h's JSON requests; hits
 * are "policy" requests whose finished reply is in answers; every other
 * request is a miss, answered with a JSON reply (socketmap_worker_request
 * gives it to the loop).
 */
struct socketmap_workers *socketmap_worker_start_sp(struct event_base *loop,
        int nthreads, struct answer_cache *answers, socketmap_miss_fn fn,
        void *arg, char *why, size_t whylen);

/* socketmap_worker_timeouts - close a connection that has sent no complete
 * request for first s since it was accepted, or, once it has, that stays
 * idle for idle s (defaults: SOCKETMAP_FIRST_TIMEOUT, SOCKETMAP_IDLE_TIMEOUT).
 * Before the first connection is added. */
void socketmap_worker_timeouts(
        struct socketmap_workers *ws, int first, int idle);

struct peerlimit_peer;

/* socketmap_worker_add - serve the connected socket fd (taken: closed by
 * the workers) on the worker with the fewest connections; via names the
 * listener in logs; peer (may be NULL) is released when it closes. */
void socketmap_worker_add(struct socketmap_workers *ws, evutil_socket_t fd,
        const char *via, struct peerlimit_peer *peer);

/* socketmap_worker_add_sp - the same for workers of
 * socketmap_worker_start_sp: the connection speaks SP over tp's framing
 * (ipc:// or tcp://; socketmap_worker_add: ipc://). */
void socketmap_worker_add_sp(struct socketmap_workers *ws, evutil_socket_t fd,
        const char *via, enum spframe_tp tp, struct peerlimit_peer *peer);

/* socketmap_worker_conns - connections open on all workers. */
size_t socketmap_worker_conns(struct socketmap_workers *ws);

/* socketmap_worker_threads - the number of worker threads (0: inline). */
int socketmap_worker_threads(const struct socketmap_workers *ws);

/* socketmap_worker_key / _via / _arg - a miss's normalised domain, its
 * listener's name, and the arg given to socketmap_worker_start. */
const char *socketmap_worker_key(const struct socketmap_miss *m);
const char *socketmap_worker_via(const struct socketmap_miss *m);
void       *socketmap_worker_arg(const struct socketmap_miss *m);

struct proto_request;

/* socketmap_worker_request - an SP miss's request bytes (*body, *len; NUL
 * after them; owned by m) and its parse, or NULL when it did not parse.
 * socketmap_worker_key is its domain then, or "". */
const struct proto_request *socketmap_worker_request(
        const struct socketmap_miss *m, const char **body, size_t *len);

/* socketmap_worker_answer - the reply payload for m (text is taken,
 * malloc'd: the socketmap reply, or the JSON reply over SP); m is gone
 * after this. */
void socketmap_worker_answer(struct socketmap_miss *m, char *text);

/* socketmap_worker_stop - join the threads, close every connection, free
 * every miss (answered or not). NULL is fine. */
void socketmap_worker_stop(struct socketmap_workers *ws);

#endif
