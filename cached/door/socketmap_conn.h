/*
 * socketmap_conn.h - what socketmap_worker.c (threads, sockets, hand-offs)
 * and socketmap_wire.c (the two wire formats: socketmap netstrings and the
 * direct socket's SP framing) share: a worker's connection and miss, and
 * the few worker functions the wire code calls. Internal to those two
 * files; everyone else uses socketmap_worker.h.
 *
 * Threads: a connection and its buffers belong to its worker's thread; a
 * miss belongs to the connection's worker until queued, then to the loop
 * thread until answered (socketmap_worker.h).
 */
#ifndef MXTLS_CACHED_SOCKETMAP_CONN_H
#define MXTLS_CACHED_SOCKETMAP_CONN_H

#include <sys/queue.h>

#include <pthread.h>
#include <stddef.h>

#include <event2/util.h>

#include "domain.h"
#include "door/peerlimit.h"
#include "proto.h"
#include "door/socketmap_answer.h"
#include "door/socketmap_worker.h"
#include "spframe.h"

struct smworker;

struct smconn {
	struct smworker *w;
	evutil_socket_t  fd;
	struct event    *rev; /* read, persistent, idle timeout */
	struct event    *wev; /* write, armed while output waits */
	int              reading, writing;
	int              eof;        /* the client shut down its side */
	int              closing;    /* no more requests: close once written */
	int              dead;       /* closed with a miss out: it frees c */
	int              hello;      /* SP: the peer's header was read */
	enum spframe_tp  tp;         /* SP: ipc:// or tcp:// framing */
	int              served;     /* a complete request was taken */
	int              armed;      /* the read timeout is the served one */
	long long        born_ms;    /* monotonic: when accepted */
	struct peerlimit_peer *peer; /* its count, released on close */
	struct socketmap_miss *miss; /* the lookup in flight, or NULL */
	char                  *in;
	size_t                 inlen, incap;
	char                  *out;
	size_t                 outoff, outlen, outcap;
	TAILQ_ENTRY(smconn) link;
	char via[48];
};

struct socketmap_miss {
	struct socketmap_workers *ws;
	struct smworker          *w; /* the connection's worker */
	struct smconn            *c;
	char                     *text; /* the reply, once answered */
	TAILQ_ENTRY(socketmap_miss) link;
	char key[DOMAIN_MAX + 1];
	char via[48];
	/* SP: the request, its backtrace and (parsed) its meaning */
	char                *body;
	size_t               blen;
	unsigned char        bt[SPFRAME_MAX_BT];
	size_t               btlen;
	int                  parsed;
	struct proto_request req;
};

TAILQ_HEAD(smconn_list, smconn);
TAILQ_HEAD(smmiss_list, socketmap_miss);

struct smworker {
	struct socketmap_workers *ws;
	struct event_base        *base;
	struct event             *wake;
	pthread_t                 thread;
	int                       started;
	pthread_mutex_t           lock;
	struct smconn_list        incoming; /* from the loop (lock) */
	struct smmiss_list        answered; /* from the loop (lock) */
	struct smconn_list        conns;    /* this worker's thread only */
	size_t                    nconns;   /* atomic */
};

struct socketmap_workers {
	struct event_base           *loop;
	struct socketmap_answer_conf ac;
	struct answer_cache         *answers;
	socketmap_miss_fn            fn;
	void                        *arg;
	struct smworker             *w;
	int                          nw;
	int                          threaded;
	int                          sp; /* SP wire format, not netstrings */
	size_t                       inmax;
	int                          first_timeout; /* s, no request yet */
	int                          idle_timeout;  /* s, after one */
	int                          stopping;      /* atomic */
	struct event                *mwake;         /* loop: misses queued */
	pthread_mutex_t              mlock;
	struct smmiss_list           queued;   /* from workers (mlock) */
	struct smmiss_list           inflight; /* loop thread only */
	size_t                       nconns;   /* atomic */
	unsigned                     next;
};

/* socketmap_worker_out - room for n more bytes in c's output (c->out +
 * c->outlen onwards). */
void socketmap_worker_out(struct smconn *c, size_t n);

/* socketmap_worker_miss_new - a miss for c (key and request still
 * empty); c waits for its reply from now on. */
struct socketmap_miss *socketmap_worker_miss_new(struct smconn *c);

/* socketmap_worker_miss_queue - hand m to the loop thread. */
void socketmap_worker_miss_queue(struct socketmap_miss *m);

/* socketmap_wire_nets / _sp - answer the complete requests in c's input,
 * in order, until one is a miss (socketmap netstrings / SP messages);
 * anything malformed answers or logs and sets c->closing. Returns the
 * bytes of input taken. */
size_t socketmap_wire_nets(struct smconn *c);
size_t socketmap_wire_sp(struct smconn *c);

/* socketmap_wire_nets_reply - queue one netstring reply (payload s, n
 * bytes) in c's output. */
void socketmap_wire_nets_reply(struct smconn *c, const char *s, size_t n);

/* socketmap_wire_sp_reply - queue one SP reply: backtrace bt, payload s
 * (n bytes). */
void socketmap_wire_sp_reply(struct smconn *c, const unsigned char *bt,
        size_t btlen, const char *s, size_t n);

#endif
