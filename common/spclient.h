/*
 * spclient.h - a fork-safe, thread-free REQ client for mxtlsd's nng REP
 * socket, speaking the scalability protocols' wire format directly on a
 * plain stream socket (no libnng). Made for the Exim module: Exim forks
 * without exec and nng must not be used after a fork.
 *
 Wire format: common/spframe.h, which writes and checks the headers for
 * this client as for the daemon's server; a REQ message's backtrace is
 * one 32-bit big-endian request id whose high bit is set, and the REP
 * reply starts with the same id.
 * The client does not wait for the peer's connection header: its own goes
 * out in the same write as the first request (header, frame and body are
 * always one write), and the peer's is read and checked before the first
 * reply. This saves a round trip per connection and a daemon wake-up per
 * request.
 *
 * One connection per process: a client used in a forked child notices the
 * new getpid() and connects again (the inherited descriptor is closed, the
 * parent's connection is untouched) - unless the parent shared its
 * connection (spclient_share): then the children use it too, one exchange
 * at a time under a POSIX record lock on a memfd that holds the
 * connection's state; an exchange that does not finish (timeout, a process
 * killed between request and reply) leaves the stream marked dirty and
 * every process then opens its own. An inherited descriptor is used or
 * closed only while it is still the file it was (fstat: a child may have
 * reused the number). Descriptors are FD_CLOEXEC. Every send and receive
 * is bounded by the timeout (poll; waiting for the lock included). A
 * connection the daemon closed (restart: EPIPE, ECONNRESET, EOF) is
 * reopened once and the request sent again; policy requests are
 * idempotent.
 *
 * Not thread-safe (one client per thread if ever needed).
 */
#ifndef MXTLS_COMMON_SPCLIENT_H
#define MXTLS_COMMON_SPCLIENT_H

#include <stddef.h>
#include <stdint.h>

#define SPCLIENT_MAX_REPLY (1024 * 1024) /* larger replies: SPCLIENT_ERROR */

enum spclient_status {
	SPCLIENT_OK = 0,
	SPCLIENT_UNREACHABLE, /* cannot connect (daemon down, no socket) */
	SPCLIENT_TIMEOUT,     /* no complete reply within the timeout */
	SPCLIENT_ERROR,       /* protocol error, out of memory, bad URL */
};

struct spclient;

/*
 * spclient_new - a client for url ("ipc:///path" or "tcp://IPV4:PORT"),
 * not yet connected; timeout_ms bounds each call (connect, send and
 * receive together). NULL with a reason in why on a bad URL or no memory.
 * Free with spclient_free.
 */
struct spclient *spclient_new(
        const char *url, int timeout_ms, char *why, size_t whylen);

/*
 * spclient_new_fd - a client on an already connected stream descriptor
 * (ipc: 1 for typed ipc frames, 0 for tcp framing); the client owns fd and
 * never reconnects. For tests and for callers that connect themselves.
 */
struct spclient *spclient_new_fd(
        int fd, int ipc, int timeout_ms, char *why, size_t whylen);

/*
 * spclient_share - let processes forked from this one use this process's
 * connection (the one open now, and the ones it opens later) instead of
 * opening their own: each saves a connect and the daemon a pipe. Call in
 * the parent, before forking. A connection is used by children only once
 * this process has read a reply on it (the peer's SP header is read with
 * the first reply; each process keeps its own copy of that state).
 * Returns 0, or -1 when the open connection cannot be shared (no memfd):
 * the client then works unshared.
 */
int spclient_share(struct spclient *c);

/* spclient_free - close the connection (if this process owns it), free. */
void spclient_free(struct spclient *c);

/* spclient_set_timeout - change the per-call timeout (milliseconds). */
void spclient_set_timeout(struct spclient *c, int timeout_ms);

/*
 * spclient_call - send one request (len bytes) and wait for its reply.
 * On SPCLIENT_OK *reply is a malloc'd NUL-terminated copy of the reply
 * body (caller frees) and *replylen (when not NULL) its length. Otherwise
 * *reply is NULL and why says what happened. Replies to earlier requests
 * (sent with spclient_send, or timed out) are skipped.
 */
enum spclient_status spclient_call(struct spclient *c, const void *req,
        size_t len, char **reply, size_t *replylen, char *why, size_t whylen);

/*
 * spclient_send - send one request without waiting for its reply (fire and
 * forget: the daemon still does the work; the reply is discarded by a later
 * call, or with the connection).
 */
enum spclient_status spclient_send(struct spclient *c, const void *req,
        size_t len, char *why, size_t whylen);

/* spclient_status_name - "ok", "unreachable", "timeout", "error". */
const char *spclient_status_name(enum spclient_status st);

/*
 * spclient_fd - the descriptor this process would use (its own connection,
 * or the one its parent shares), -1 when none (for tests).
 */
int spclient_fd(const struct spclient *c);

#endif
