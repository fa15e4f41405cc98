/*
 * socketmap_wire.c - the wire formats of the worker threads (see
 * socketmap_conn.h): socketmap netstrings (socketmap_table(5); framing in
 * netstring.c, keys and answers in socketmap_answer.c) and the direct
 * socket's SP messages (docs/IPC.md "Direct socket"; framing in
 * spframe.c, requests in common/proto.c). Each turns the requests in a
 * connection's input into replies in its output - a cache hit, NOTFOUND
 * or PERM at once - or into a miss for the loop thread.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/answer_cache.h"
#include "util/clock.h"
#include "log.h"
#include "logrl.h"
#include "door/netstring.h"
#include "door/socketmap.h"
#include "door/socketmap_conn.h"
#include "util/xalloc.h"

void
socketmap_wire_nets_reply(struct smconn *c, const char *s, size_t n)
{
	int k;

	socketmap_worker_out(c, n + 24);
	k = snprintf(c->out + c->outlen, c->outcap - c->outlen, "%zu:", n);
	c->outlen += (size_t)k;
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
	c->out[c->outlen++] = ',';
}

void
socketmap_wire_sp_reply(struct smconn *c, const unsigned char *bt,
        size_t btlen, const char *s, size_t n)
{
	socketmap_worker_out(c, SPFRAME_MSGHDR + btlen + n);
	c->outlen += spframe_msg_header(c->tp,
	        (unsigned char *)c->out + c->outlen, (uint64_t)(btlen + n));
	memcpy(c->out + c->outlen, bt, btlen);
	c->outlen += btlen;
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
}

/* hit_copy - answer_copy_fn: the socketmap rendering of a cached reply,
 * copied into c's output under the answer cache's read lock. */
static void
hit_copy(void *arg, const char *text, size_t len)
{
	socketmap_wire_nets_reply(arg, text, len);
}

/* conn_hit - answer domain from the answer cache; 1 when answered. */
static int
conn_hit(struct smconn *c, const char *domain)
{
	struct answer_cache *answers = c->w->ws->answers;

	return (answers != NULL
	        && answer_cache_copy_text(
	                answers, domain, clock_now(), hit_copy, c));
}

/* conn_miss - hand domain to the loop; c waits for the reply. */
static void
conn_miss(struct smconn *c, const char *domain)
{
	struct socketmap_miss *m = socketmap_worker_miss_new(c);

	memcpy(m->key, domain, strlen(domain) + 1);
	socketmap_worker_miss_queue(m);
}

/* conn_request - one request payload (len bytes, any content). */
static void
conn_request(struct smconn *c, const char *payload, size_t len)
{
	char key[DOMAIN_MAX + 1], why[256], *s;

	c->served = 1;
	switch (socketmap_answer_key(
	        payload, len, key, sizeof(key), why, sizeof(why))) {
	case SOCKETMAP_KEY_LOOKUP:
		if (!conn_hit(c, key)) {
			conn_miss(c, key);
		}
		return;
	case SOCKETMAP_KEY_NOTFOUND:
		log_debug_rl("MXTLS-SOCKETMAP-NOTFOUND", "%s: %.*s: %s",
		        c->via, (int)(len < 300 ? len : 300), payload, why);
		socketmap_wire_nets_reply(c, "NOTFOUND ", 9);
		return;
	case SOCKETMAP_KEY_PERM:
		s = socketmap_answer_error("PERM", why);
		log_info_rl(
		        "MXTLS-SOCKETMAP-BAD-REQUEST", "%s: %s", c->via, why);
		socketmap_wire_nets_reply(c, s, strlen(s));
		free(s);
		return;
	}
}

/* socketmap_wire_nets - answer the complete socketmap requests in the input,
 * in order, until one is a miss; a malformed netstring gets PERM and ends the
 * connection. Returns the bytes taken. */
size_t
socketmap_wire_nets(struct smconn *c)
{
	size_t                off = 0, plen, used;
	const char           *payload;
	char                  why[160], *s;
	enum netstring_status st;

	while (c->miss == NULL && !c->closing && off < c->inlen) {
		st = netstring_parse(c->in + off, c->inlen - off,
		        SOCKETMAP_MAX_REQUEST, &payload, &plen, &used, why,
		        sizeof(why));
		if (st == NETSTRING_MORE) {
			break;
		}
		if (st == NETSTRING_BAD) {
			log_info_rl("MXTLS-SOCKETMAP-BAD-NETSTRING",
			        "%s: %s; closing the connection", c->via, why);
			s = socketmap_answer_error("PERM", why);
			socketmap_wire_nets_reply(c, s, strlen(s));
			free(s);
			c->closing = 1;
			off        = c->inlen;
			break;
		}
		off += used;
		conn_request(c, payload, plen);
	}
	return (off);
}

struct sp_hit {
	struct smconn        *c;
	const struct spframe *f;
};

/* sp_hit_copy - answer_copy_fn: a cached JSON reply, copied into the
 * connection's output under the answer cache's read lock. */
static void
sp_hit_copy(void *arg, const char *json, size_t len)
{
	struct sp_hit *h = arg;

	socketmap_wire_sp_reply(h->c, h->f->bt, h->f->btlen, json, len);
}

/* sp_request - one SP request: a "policy" request with a finished reply
 * in the answer cache is answered here, anything else goes to the loop
 * (with its parse, so the loop does not parse it again). */
static void
sp_request(struct smconn *c, const struct spframe *f)
{
	struct answer_cache   *answers = c->w->ws->answers;
	struct socketmap_miss *m;
	struct sp_hit          h = { c, f };
	struct proto_request   req;
	char                   why[128];
	int                    parsed = 0;

	c->served = 1;
	if (f->plen <= PROTO_MAX_MSG
	        && proto_request_parse(
	                   f->payload, f->plen, &req, why, sizeof(why))
	                == 0) {
		parsed = 1;
		if (req.op == PROTO_OP_POLICY && answers != NULL
		        && answer_cache_copy(answers, req.domain, clock_now(),
		                sp_hit_copy, &h)) {
			return;
		}
	}
	m       = socketmap_worker_miss_new(c);
	m->body = xmalloc(f->plen + 1);
	m->blen = f->plen;
	memcpy(m->body, f->payload, f->plen);
	m->body[f->plen] = '\0';
	memcpy(m->bt, f->bt, f->btlen);
	m->btlen  = f->btlen;
	m->parsed = parsed;
	if (parsed) {
		m->req = req;
		memcpy(m->key, req.domain, sizeof(m->key));
	}
	socketmap_worker_miss_queue(m);
}

/* socketmap_wire_sp - the SP counterpart of socketmap_wire_nets: the peer's
 * header first, then messages; anything malformed ends the connection (there
 * is no request id to reply to). Returns the bytes taken. */
size_t
socketmap_wire_sp(struct smconn *c)
{
	const unsigned char *in  = (const unsigned char *)c->in;
	size_t               off = 0, used;
	struct spframe       f;
	enum spframe_status  st;
	char                 why[160];

	if (!c->hello) {
		st = spframe_peer_header(in, c->inlen, why, sizeof(why));
		if (st == SPFRAME_MORE) {
			return (0);
		}
		if (st == SPFRAME_BAD) {
			goto bad;
		}
		c->hello = 1;
		off      = SPFRAME_HEADER;
	}
	while (c->miss == NULL && !c->closing && off < c->inlen) {
		st = spframe_parse(c->tp, in + off, c->inlen - off,
		        SPFRAME_RECV_MAX, &f, &used, why, sizeof(why));
		if (st == SPFRAME_MORE) {
			break;
		}
		if (st == SPFRAME_BAD) {
			goto bad;
		}
		off += used;
		sp_request(c, &f);
	}
	return (off);
bad:
	log_info_rl("MXTLS-IPC-DIRECT-BAD-FRAME",
	        "%s: %s; closing the connection", c->via, why);
	c->closing = 1;
	return (c->inlen);
}
