/*
 * direct.h - the direct IPC socket (docs/IPC.md "Direct socket"): the
 * requests and replies of the nng socket (proto.h's JSON in nng's REQ/REP
 * wire format over ipc://, so an nng REQ client and common/spclient.c both
 * work unchanged), served by worker threads of their own
 * (socketmap_worker_start_sp) instead of nng's. A "policy" request whose
 * finished reply is in the answer cache is answered on the worker that
 * read it; every other request goes to the loop thread's server.c, as
 * over nng. Made for the Exim module, whose deliveries each wait for a
 * lookup: nng's own thread hand-offs cost more than the lookup.
 *
 * Life cycle as socketmap.h's: direct_open binds (as root), direct_chown
 * gives the socket to the daemon's user, direct_attach starts the workers
 * and accepts, direct_free stops (after the loop).
 */
#ifndef MXTLS_CACHED_DIRECT_H
#define MXTLS_CACHED_DIRECT_H

#include <stddef.h>
#include <sys/types.h>

struct event_base;
struct answer_cache;
struct server;
struct direct;

/*
 * direct_open - listen on url ("ipc:///PATH"; "" gives an object that
 * serves nothing) with file mode mode, nthreads workers (-1: one per
 * online CPU, 0: on base), not accepting yet. NULL with why.
 */
struct direct *direct_open(struct event_base *base, const char *url, int mode,
        int nthreads, char *why, size_t whylen);

/* direct_path - the socket's path, or NULL when off. */
const char *direct_path(const struct direct *d);

/* direct_chown - give the socket to uid:gid; -1 with why. */
int direct_chown(
        struct direct *d, uid_t uid, gid_t gid, char *why, size_t whylen);

/* direct_attach - start serving: requests go to srv, hits come from
 * answers (may be NULL); neither is owned. */
void direct_attach(
        struct direct *d, struct server *srv, struct answer_cache *answers);

/* direct_free - close the socket and every connection (after the loop
 * has stopped). NULL is fine. */
void direct_free(struct direct *d);

#endif
