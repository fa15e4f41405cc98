/*
 * ipc.c - nng REP listener for mxtlsd (docs/IPC.md).
 *
 * nng completes receives and sends on its own threads. A "policy" request
 * whose finished reply is in the answer cache (answer_cache.h) is answered
 * right there, on nng's thread, without waking the loop. Any other context
 * whose receive completed is queued (mutex) and the loop is woken with
 * event_active() (libevent built thread-aware by evthread_use_pthreads in
 * main). The loop thread hands the request to server.c and, when the reply
 * comes, starts the send; the send completion re-arms the receive.
 *
 * Ownership: a received nng_msg belongs to its context until the loop has
 * handed the bytes to the server; a message given to nng_ctx_send belongs
 * to nng once the send succeeds, and to us (freed here) when it fails.
 */
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "answer_cache.h"
#include "clock.h"
#include "ipc.h"
#include "log.h"
#include "proto.h"
#include "server.h"

enum ipc_state {
	IPC_RECV = 0,
	IPC_WORK,
	IPC_SEND,
};

struct ipc_ctx {
	struct ipc          *ipc;
	nng_ctx              ctx;
	nng_aio             *aio;
	enum ipc_state       state;
	nng_msg             *msg;
	int                  parsed; /* req holds msg's request */
	struct proto_request req;
	TAILQ_ENTRY(ipc_ctx) link;
};

TAILQ_HEAD(ipc_queue, ipc_ctx);

struct ipc {
	struct event_base   *base;
	struct server       *srv;
	struct answer_cache *answers; /* may be NULL */
	nng_socket           sock;
	nng_listener         listener;
	int                  nctx;
	struct ipc_ctx      *ctxs;
	struct event        *wake;
	pthread_mutex_t      lock;
	struct ipc_queue     queue;
	int                  closing;
	char                *path;
};

static void
ipc_recv(struct ipc_ctx *c)
{
	c->state = IPC_RECV;
	nng_ctx_recv(c->ctx, c->aio);
}

struct ipc_copy {
	nng_msg *m;
	int      rv;
};

/* ipc_copy_reply - answer_copy_fn: the cached reply replaces the request
 * in its message (under the cache's read lock: copy only). */
static void
ipc_copy_reply(void *arg, const char *json, size_t len)
{
	struct ipc_copy *cp = arg;

	nng_msg_clear(cp->m);
	cp->rv = nng_msg_append(cp->m, json, len);
}

/* ipc_fast - on an nng thread: answer c's request from the answer cache
 * when it is a "policy" request with a cached reply; 1 when answered. */
static int
ipc_fast(struct ipc_ctx *c)
{
	struct ipc     *ipc = c->ipc;
	struct ipc_copy cp;
	char            why[128];

	c->parsed = 0;
	if (ipc->answers == NULL || nng_msg_len(c->msg) > PROTO_MAX_MSG
	        || proto_request_parse(nng_msg_body(c->msg),
	                   nng_msg_len(c->msg), &c->req, why, sizeof(why))
	                != 0)
		return (0);
	c->parsed = 1;
	if (c->req.op != PROTO_OP_POLICY)
		return (0);
	cp.m  = c->msg;
	cp.rv = 0;
	if (!answer_cache_copy(ipc->answers, c->req.domain, clock_now(),
	            ipc_copy_reply, &cp))
		return (0);
	if (cp.rv != 0) {
		log_err("MXTLS-NOMEM", "reply: %s", nng_strerror(cp.rv));
		abort();
	}
	c->msg   = NULL;
	c->state = IPC_SEND;
	nng_aio_set_msg(c->aio, cp.m);
	nng_ctx_send(c->ctx, c->aio);
	return (1);
}

/* ipc_aio_cb - runs on an nng thread. */
static void
ipc_aio_cb(void *arg)
{
	struct ipc_ctx *c   = arg;
	struct ipc     *ipc = c->ipc;
	int             rv  = nng_aio_result(c->aio);

	switch (c->state) {
	case IPC_RECV:
		if (rv != 0) {
			if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
				return;
			log_warn("MXTLS-IPC-RECV-FAIL", "receive: %s",
			        nng_strerror(rv));
			ipc_recv(c);
			return;
		}
		c->msg = nng_aio_get_msg(c->aio);
		if (ipc_fast(c))
			return;
		c->state = IPC_WORK;
		pthread_mutex_lock(&ipc->lock);
		if (ipc->closing) {
			pthread_mutex_unlock(&ipc->lock);
			nng_msg_free(c->msg);
			c->msg = NULL;
			return;
		}
		TAILQ_INSERT_TAIL(&ipc->queue, c, link);
		pthread_mutex_unlock(&ipc->lock);
		event_active(ipc->wake, EV_READ, 0);
		return;
	case IPC_SEND:
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(c->aio));
			nng_aio_set_msg(c->aio, NULL);
			if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
				return;
			log_debug("MXTLS-IPC-SEND-FAIL", "send: %s",
			        nng_strerror(rv));
		}
		ipc_recv(c);
		return;
	case IPC_WORK:
		break;
	}
}

/* ipc_reply - the server's answer for context arg, on the loop thread. */
static void
ipc_reply(void *arg, char *reply)
{
	struct ipc_ctx *c = arg;
	nng_msg        *m;
	int             rv;

	if (reply == NULL) {
		log_err("MXTLS-NOMEM", "out of memory");
		abort();
	}
	if ((rv = nng_msg_alloc(&m, 0)) != 0
	        || (rv = nng_msg_append(m, reply, strlen(reply))) != 0) {
		log_err("MXTLS-NOMEM", "reply: %s", nng_strerror(rv));
		abort();
	}
	free(reply);
	c->state = IPC_SEND;
	nng_aio_set_msg(c->aio, m);
	nng_ctx_send(c->ctx, c->aio);
}

static void
ipc_wake(evutil_socket_t fd, short what, void *arg)
{
	struct ipc      *ipc = arg;
	struct ipc_queue q;
	struct ipc_ctx  *c;
	nng_msg         *m;
	char             why[64];

	TAILQ_INIT(&q);
	pthread_mutex_lock(&ipc->lock);
	TAILQ_CONCAT(&q, &ipc->queue, link);
	pthread_mutex_unlock(&ipc->lock);
	while ((c = TAILQ_FIRST(&q)) != NULL) {
		TAILQ_REMOVE(&q, c, link);
		m      = c->msg;
		c->msg = NULL;
		if (nng_msg_len(m) > PROTO_MAX_MSG) {
			snprintf(why, sizeof(why),
			        "request too large (%zu bytes, %d max)",
			        nng_msg_len(m), PROTO_MAX_MSG);
			nng_msg_free(m);
			ipc_reply(c, proto_reply_error(why));
			continue;
		}
		if (c->parsed)
			server_handle_parsed(ipc->srv, &c->req,
			        nng_msg_body(m), nng_msg_len(m), ipc_reply, c);
		else
			server_handle(ipc->srv, nng_msg_body(m),
			        nng_msg_len(m), ipc_reply, c);
		nng_msg_free(m);
	}
}

struct ipc *
ipc_open(struct event_base *base, const char *url, int mode, int ncontexts,
        struct server *srv, struct answer_cache *answers, char *why,
        size_t whylen)
{
	struct ipc *ipc;
	int         rv, i;

	if ((ipc = calloc(1, sizeof(*ipc))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	ipc->base    = base;
	ipc->srv     = srv;
	ipc->answers = answers;
	ipc->nctx    = ncontexts;
	pthread_mutex_init(&ipc->lock, NULL);
	TAILQ_INIT(&ipc->queue);
	if (strncmp(url, "ipc://", 6) == 0
	        && (ipc->path = strdup(url + 6)) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	ipc->wake = event_new(base, -1, 0, ipc_wake, ipc);
	if ((rv = nng_rep0_open(&ipc->sock)) != 0) {
		snprintf(why, whylen, "nng_rep0_open: %s", nng_strerror(rv));
		goto fail;
	}
	nng_socket_set_size(ipc->sock, NNG_OPT_RECVMAXSZ, IPC_RECV_MAX);
	if ((rv = nng_listener_create(&ipc->listener, ipc->sock, url)) != 0) {
		snprintf(why, whylen, "%s: %s", url, nng_strerror(rv));
		goto fail_sock;
	}
	if (ipc->path != NULL
	        && (rv = nng_listener_set_int(
	                    ipc->listener, NNG_OPT_IPC_PERMISSIONS, mode))
	                != 0) {
		snprintf(why, whylen, "%s: cannot set mode %o: %s", url, mode,
		        nng_strerror(rv));
		goto fail_sock;
	}
	if ((rv = nng_listener_start(ipc->listener, 0)) != 0) {
		snprintf(why, whylen, "cannot listen on %s: %s", url,
		        nng_strerror(rv));
		goto fail_sock;
	}
	ipc->ctxs = calloc((size_t)ncontexts, sizeof(*ipc->ctxs));
	if (ipc->ctxs == NULL) {
		snprintf(why, whylen, "out of memory");
		goto fail_sock;
	}
	for (i = 0; i < ncontexts; i++) {
		struct ipc_ctx *c = &ipc->ctxs[i];
		c->ipc            = ipc;
		if ((rv = nng_aio_alloc(&c->aio, ipc_aio_cb, c)) != 0
		        || (rv = nng_ctx_open(&c->ctx, ipc->sock)) != 0) {
			snprintf(why, whylen, "nng context: %s",
			        nng_strerror(rv));
			goto fail_sock;
		}
	}
	for (i = 0; i < ncontexts; i++)
		ipc_recv(&ipc->ctxs[i]);
	return (ipc);
fail_sock:
	ipc_close(ipc);
	return (NULL);
fail:
	if (ipc->wake != NULL)
		event_free(ipc->wake);
	pthread_mutex_destroy(&ipc->lock);
	free(ipc->path);
	free(ipc);
	return (NULL);
}

const char *
ipc_path(const struct ipc *ipc)
{
	return (ipc->path);
}

void
ipc_close(struct ipc *ipc)
{
	int i;

	if (ipc == NULL)
		return;
	pthread_mutex_lock(&ipc->lock);
	ipc->closing = 1;
	pthread_mutex_unlock(&ipc->lock);
	nng_close(ipc->sock);
	for (i = 0; ipc->ctxs != NULL && i < ipc->nctx; i++) {
		struct ipc_ctx *c = &ipc->ctxs[i];
		if (c->aio != NULL) {
			/* completes outstanding operations through
			 * ipc_aio_cb, which frees unsent replies */
			nng_aio_stop(c->aio);
			nng_aio_free(c->aio);
		}
		if (c->msg != NULL)
			nng_msg_free(c->msg);
	}
	free(ipc->ctxs);
	if (ipc->wake != NULL)
		event_free(ipc->wake);
	pthread_mutex_destroy(&ipc->lock);
	free(ipc->path);
	free(ipc);
}
