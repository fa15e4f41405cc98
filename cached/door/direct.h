/*
 * direct.h - the daemon's IPC sockets (docs/IPC.md "Transport"):
 * `ipc.listen` (ipc://PATH or a loopback tcp://) and the direct socket
 * `ipc.direct` (ipc:///PATH). Both carry proto.h's JSON requests and
 * replies in nng's REQ/REP wire format (spframe.h), so an nng REQ client
 * and common/spclient.c both work unchanged, and both are served by one
 * set of worker threads of our own (engine.h with codec_sp.h), not by
 * nng: nng 1.5.2's REP listener stops accepting after a client that
 * disconnects during the SP handshake (nng issue 1518), and its thread
 * hand-offs cost more than answering a cached lookup. A "policy" request
 * whose finished reply is in the answer cache is answered on the worker
 * that read it; every other request goes to the loop thread's server.c.
 *
 * Life cycle as socketmap.h's: direct_open makes the object, direct_listen
 * binds each socket (as root), direct_chown gives the ipc:// sockets to
 * the daemon's user, direct_attach starts the workers and accepts,
 * direct_free stops (after the loop).
 */
#ifndef MXTLS_CACHED_DIRECT_H
#define MXTLS_CACHED_DIRECT_H

#include <stddef.h>
#include <sys/types.h>

struct event_base;
struct answer_cache;
struct server;
struct direct;

/* Sockets one direct object serves at most (ipc.listen, ipc.direct). */
#define DIRECT_MAX_LISTEN 2

struct conf;

/*
 * direct_open - an object serving no socket yet, whose workers will be
 * conf's ipc.direct_threads threads (-1: one per online CPU, 0: on base),
 * whose connections are limited by conf's ipc.max_connections,
 * ipc.max_per_peer, ipc.reserved_users and timed out by
 * ipc.first_request_timeout and ipc.idle_timeout (docs/IPC.md "Limits").
 */
struct direct *direct_open(struct event_base *base, const struct conf *conf);

/*
 * direct_listen - bind url, not accepting yet: "ipc:///PATH" (file mode
 * mode) or, when tcp is set, "tcp://127.x.y.z:PORT" or "tcp://[::1]:PORT".
 * key names the setting in messages and logs ("ipc.listen"; kept, not
 * copied). -1 with why.
 */
int direct_listen(struct direct *d, const char *key, const char *url, int mode,
        int tcp, char *why, size_t whylen);

/* direct_chown - give the ipc:// sockets to uid:gid; -1 with why. */
int direct_chown(
        struct direct *d, uid_t uid, gid_t gid, char *why, size_t whylen);

/* direct_attach - start serving: requests go to srv, hits come from
 * answers (may be NULL); neither is owned. */
void direct_attach(
        struct direct *d, struct server *srv, struct answer_cache *answers);

/* direct_free - close the sockets and every connection (after the loop
 * has stopped; replies to lookups answered since, such as
 * query_shutdown's, are still written). NULL is fine. */
void direct_free(struct direct *d);

/* direct_count_evictions - count the connections of ipc.listen and
 * ipc.direct closed for a newcomer (docs/DECISIONS.md N5) in *n (the
 * loop thread's). */
void direct_count_evictions(struct direct *d, unsigned long *n);

#endif
