/*
 * codec_sp.c - the IPC sockets' SP wire format as a codec of the
 * connection engine (see codec_sp.h; docs/IPC.md "Direct socket"):
 * framing by common/spframe.c, requests parsed by common/proto.c, hits
 * copied from the answer cache straight into the connection's output.
 */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "door/codec_sp.h"
#include "serve/answer_cache.h"
#include "util/clock.h"
#include "util/metrics.h"
#include "util/xalloc.h"

/* put - one SP reply (backtrace bt, payload s of n bytes) into out. */
static void
put(const struct codec_conn *cc, struct codec_buf *out,
        const unsigned char *bt, size_t btlen, const char *s, size_t n)
{
	unsigned char *p = (unsigned char *)codec_buf_room(
	        out, SPFRAME_MSGHDR + btlen + n);
	size_t h = spframe_msg_header(
	        (enum spframe_tp)cc->variant, p, (uint64_t)(btlen + n));

	memcpy(p + h, bt, btlen);
	memcpy(p + h + btlen, s, n);
	out->len += h + btlen + n;
}

static void
sp_hello(const struct codec_conn *cc, struct codec_buf *out)
{
	(void)cc;
	spframe_rep_header(
	        (unsigned char *)codec_buf_room(out, SPFRAME_HEADER));
	out->len += SPFRAME_HEADER;
}

/* sp_frame - the peer's header first (state 0), then messages. */
static enum codec_status
sp_frame(void *ctx, struct codec_conn *cc, const char *in, size_t len,
        struct codec_req *req, size_t *used, char *why, size_t whylen)
{
	const struct codec_sp_ctx *x = ctx;
	const unsigned char       *b = (const unsigned char *)in;
	struct spframe             f;
	enum spframe_status        st;

	if (cc->state == 0) {
		st = spframe_peer_header(b, len, why, whylen);
		if (st == SPFRAME_OK) {
			cc->state = 1;
			*used     = SPFRAME_HEADER;
			return (CODEC_SKIP);
		}
		return (st == SPFRAME_MORE ? CODEC_MORE : CODEC_BAD);
	}
	st = spframe_parse((enum spframe_tp)cc->variant, b, len, x->max_msg,
	        &f, used, why, whylen);
	if (st != SPFRAME_OK) {
		return (st == SPFRAME_MORE ? CODEC_MORE : CODEC_BAD);
	}
	req->p    = (const char *)f.payload;
	req->len  = f.plen;
	req->tag  = f.bt;
	req->tlen = f.btlen;
	return (CODEC_REQUEST);
}

/* has - 1 when the n bytes of s contain the NUL-ended string w. */
static int
has(const char *s, size_t n, const char *w)
{
	return (memmem(s, n, w, strlen(w)) != NULL);
}

int
codec_sp_answer_class(const char *json, size_t len)
{
	if (has(json, len, "\"status\":\"tempfail\"")) {
		return (MA_TEMPFAIL);
	}
	if (!has(json, len, "\"status\":\"ok\"")) {
		return (MA_ERROR);
	}
	if (has(json, len, "\"action\":\"dane\"")) {
		return (MA_DANE);
	}
	/* as the socketmap's "secure" (socketmap_answer.c): enforced only
	 * while no host is "may", which under mode enforce only a local
	 * override (testing, none) makes */
	if (has(json, len, "\"mode\":\"enforce\"")
	        && !has(json, len, "\"action\":\"may\"")) {
		return (MA_SECURE);
	}
	if (has(json, len, "\"mode\":\"testing\"")) {
		return (MA_TESTING);
	}
	if (has(json, len, "\"action\":\"encrypt\"")) {
		return (MA_ENCRYPT);
	}
	return (MA_NONE);
}

/* counted - one "policy" lookup of cc's door answered with json. */
static void
counted(const struct codec_conn *cc, const char *json, size_t len)
{
	metrics_inc(M_LOOKUPS, cc->door, codec_sp_answer_class(json, len));
	metrics_observe(M_LOOKUP_SECONDS, cc->door, 0, metrics_now() - cc->t0);
}

struct sp_hit {
	const struct codec_conn *cc;
	const struct codec_req  *req;
	struct codec_buf        *out;
};

/* hit_copy - answer_copy_fn: a cached JSON reply, copied into the output
 * under the answer cache's read lock. */
static void
hit_copy(void *arg, const char *json, size_t len)
{
	struct sp_hit *h = arg;

	put(h->cc, h->out, h->req->tag, h->req->tlen, json, len);
	counted(h->cc, json, len);
}

/* sp_answer - a "policy" request with a finished reply in the answer
 * cache is answered here; anything else is a miss, with its parse (so
 * the loop does not parse it again). */
static int
sp_answer(void *ctx, const struct codec_conn *cc, const struct codec_req *req,
        struct codec_buf *out, void *cm)
{
	const struct codec_sp_ctx *x = ctx;
	struct codec_sp_miss      *m = cm;
	struct sp_hit              h = { cc, req, out };
	char                       why[128];

	m->parsed = 0;
	m->policy = 0;
	if (req->len <= PROTO_MAX_MSG) {
		m->parsed = proto_request_parse(req->p, req->len, &m->req, why,
		                    sizeof(why))
		        == 0;
		/* the op is known once it is read: a policy request that
		 * does not parse after it (a bad domain) is a lookup
		 * answered "error" */
		m->policy = m->req.op == PROTO_OP_POLICY;
		if (m->parsed && m->policy && x->answers != NULL
		        && answer_cache_copy(x->answers, m->req.domain,
		                clock_now(), hit_copy, &h)) {
			return (1);
		}
	}
	m->body = xmalloc(req->len + 1);
	m->blen = req->len;
	memcpy(m->body, req->p, req->len);
	m->body[req->len] = '\0';
	memcpy(m->bt, req->tag, req->tlen);
	m->btlen = req->tlen;
	return (0);
}

static void
sp_reply(const struct codec_conn *cc, const void *cm, const char *text,
        size_t n, struct codec_buf *out)
{
	const struct codec_sp_miss *m = cm;

	put(cc, out, m->bt, m->btlen, text, n);
	if (m->policy) {
		counted(cc, text, n);
	}
}

static void
sp_miss_free(void *cm)
{
	free(((struct codec_sp_miss *)cm)->body);
}

const struct codec codec_sp = {
	.name      = "sp",
	.bad_logid = "MXTLS-IPC-DIRECT-BAD-FRAME",
	.miss_size = sizeof(struct codec_sp_miss),
	.hello     = sp_hello,
	.frame     = sp_frame,
	.refuse    = NULL,
	.answer    = sp_answer,
	.reply     = sp_reply,
	.miss_free = sp_miss_free,
};

const struct proto_request *
codec_sp_request(const void *cm, const char **body, size_t *len)
{
	const struct codec_sp_miss *m = cm;

	*body = m->body;
	*len  = m->blen;
	return (m->parsed ? &m->req : NULL);
}

const char *
codec_sp_key(const void *cm)
{
	const struct codec_sp_miss *m = cm;

	return (m->parsed ? m->req.domain : "");
}
