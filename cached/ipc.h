/*
 * ipc.h - the daemon's nng REP listener (SP REQ/REP over ipc:// or loopback
 * tcp://). N contexts, each a RECV -> WORK -> SEND state machine (nng's
 * demo/async pattern). A "policy" request with a finished reply in the
 * answer cache is answered on nng's thread; other requests are handed to
 * the loop thread, which owns all state, and answered from there.
 */
#ifndef MXTLS_CACHED_IPC_H
#define MXTLS_CACHED_IPC_H

#include <stddef.h>

struct event_base;
struct server;
struct answer_cache;
struct ipc;

/* Largest message nng accepts before dropping the connection; requests
 * above PROTO_MAX_MSG and up to this get an error reply. */
#define IPC_RECV_MAX (1024 * 1024)

/*
 * ipc_open - listen on url (for ipc://, the socket file gets mode) with
 * ncontexts contexts feeding srv on base's thread, answering cached
 * "policy" replies from answers (may be NULL; not owned, must outlive the
 * ipc). NULL and why on failure.
 */
struct ipc *ipc_open(struct event_base *base, const char *url, int mode,
        int ncontexts, struct server *srv, struct answer_cache *answers,
        char *why, size_t whylen);

/* ipc_path - the socket file of an ipc:// listener, else NULL. */
const char *ipc_path(const struct ipc *ipc);

/* ipc_close - stop listening, abort every context and free. Must be called
 * from the loop thread with the loop stopped. */
void ipc_close(struct ipc *ipc);

#endif
