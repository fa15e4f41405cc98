/*
 * engine.h - the connection engine every front door runs on (docs/IPC.md
 * "Socketmap threads", "Limits"): listening sockets, the admission of each
 * connection (the descriptor reserve and the listener's pause and back-off
 * of util/fdlimit.c, the per-peer shares of door/peerlimit.c), worker
 * threads with an event_base each, per-connection buffers, reads and
 * writes, the first-request, idle and write timeouts, and the hand-off of
 * the requests a worker cannot answer (misses) to the daemon's loop
 * thread, which owns every resolver. It knows no wire format: the door
 * that starts it gives a codec (codec.h) and its limits.
 *
 * A worker reads a connection's requests, lets the codec answer the ones
 * it can (cache hits, keys needing no lookup) and hands each other one to
 * the loop, whose reply comes back to the worker that owns the
 * connection. Requests on one connection are answered in order: while a
 * miss is out, the connection's later requests wait (they are not read).
 * With 0 threads the connections are served on the loop's own event base
 * (same code, no threads).
 *
 * Threads: every function here runs on the loop thread (the thread that
 * dispatches the loop base given to engine_new); the miss function runs
 * there too. Ownership: a miss belongs to the engine; the miss function's
 * callee must answer it exactly once with engine_answer while the engine
 * runs, and must not after engine_free (which frees it).
 */
#ifndef MXTLS_CACHED_ENGINE_H
#define MXTLS_CACHED_ENGINE_H

#include <sys/socket.h>
#include <sys/types.h>

#include <stddef.h>

#include <event2/util.h>

struct event_base;
struct codec;
struct peerlimit_conf;
struct peerlimit_peer;
struct engine;
struct engine_miss;

/* What the door that starts an engine decides. */
struct engine_conf {
	size_t in_max;        /* input held: one request and its framing */
	int    first_timeout; /* s: no complete request since the accept */
	int    idle_timeout;  /* s: none since the last one */
	/* message IDs: a connection refused by the per-peer shares, a
	 * listener paused (descriptors), a connection timed out or failed
	 * (debug) */
	const char *logid_busy, *logid_accept, *logid_idle;
	/* an idle connection closed for a newcomer (rate-limited info) */
	const char *logid_evict;
};

/* engine_miss_fn - answer m (loop thread). */
typedef void (*engine_miss_fn)(void *arg, struct engine_miss *m);

/*
 * engine_new - an engine for codec's wire format with conf's limits
 * (copied; the strings are kept) and, when pc is not NULL, its per-peer
 * shares of the connections accepted by its listeners. No thread runs
 * and nothing is accepted until engine_start.
 */
struct engine *engine_new(struct event_base *loop,
        const struct engine_conf *conf, const struct codec *codec,
        const struct peerlimit_conf *pc);

/*
 * engine_listen_unix - bind a Unix socket at path with file mode mode
 * (as root, before privileges are dropped), accepting from engine_start
 * on; its connections get the codec's variant and are named name in logs
 * (at most 127 bytes kept). what starts why ("socketmap.listen:
 * unix:/x"). -1 with why.
 */
int engine_listen_unix(struct engine *e, const char *path, int mode,
        const char *name, int variant, const char *what, char *why,
        size_t whylen);

/* engine_listen_tcp - the same for a TCP socket bound to sa (the caller
 * checks it is a loopback address); nodelay sets TCP_NODELAY on each
 * connection. */
int engine_listen_tcp(struct engine *e, const struct sockaddr *sa, int salen,
        const char *name, int variant, int nodelay, const char *what,
        char *why, size_t whylen);

/* engine_set_door - the front door (util/metrics.h MD_*: the "door" label
 * of lookup metrics) of the listeners added from now on; 0 (socketmap)
 * until called. */
void engine_set_door(struct engine *e, int door);

/* engine_chown - give the Unix sockets to uid:gid; -1 with why
 * ("chown PATH: ..."). */
int engine_chown(
        struct engine *e, uid_t uid, gid_t gid, char *why, size_t whylen);

/*
 * engine_start - start nthreads workers (-1: one per online CPU, at most
 * 256; 0: serve on the loop itself) whose codec gets ctx, misses going
 * to fn(arg, m), and accept on every listener. -1 with why when a thread
 * or event base cannot be made: nothing runs then, and engine_start may
 * be called again (with 0 threads).
 */
int engine_start(struct engine *e, int nthreads, void *ctx, engine_miss_fn fn,
        void *arg, char *why, size_t whylen);

/* engine_add - serve the connected socket fd (taken: closed by the
 * engine) on the worker with the fewest connections, with the codec's
 * variant; via names it in logs; door is its front door (metrics); peer
 * (may be NULL) is released when it closes. After engine_start. */
void engine_add(struct engine *e, evutil_socket_t fd, const char *via,
        int variant, int door, struct peerlimit_peer *peer);

/* engine_count_evictions - count in *n (loop thread's) the connections
 * closed for a newcomer (docs/DECISIONS.md N5); NULL: none. */
void engine_count_evictions(struct engine *e, unsigned long *n);

/* engine_conns - connections open on all workers. */
size_t engine_conns(struct engine *e);

/* engine_threads - the number of worker threads (0: on the loop). */
int engine_threads(const struct engine *e);

/* engine_miss_codec - a miss's codec data (what the codec's answer wrote:
 * codec_socketmap_key, codec_sp_request read it). */
const void *engine_miss_codec(const struct engine_miss *m);

/* engine_miss_via / _arg - a miss's listener's name and the arg given to
 * engine_start. */
const char *engine_miss_via(const struct engine_miss *m);
void       *engine_miss_arg(const struct engine_miss *m);

/* engine_answer - the reply text for m (taken, malloc'd, NUL-ended),
 * framed by the codec on the connection's worker; m is gone after
 * this. */
void engine_answer(struct engine_miss *m, char *text);

/* engine_free - close the listeners (unlinking Unix sockets), join the
 * threads, close every connection (replies answered since the loop
 * stopped, such as query_shutdown's, are still written), free every
 * miss. After the loop has stopped. NULL is fine. */
void engine_free(struct engine *e);

#endif
