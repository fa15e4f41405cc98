/*
 * codec_socketmap.c - Postfix socketmap netstrings as a codec of the
 * connection engine (see codec_socketmap.h; socketmap_table(5)): framing
 * by netstring.c, keys and error answers by socketmap_answer.c, hits
 * copied from the answer cache straight into the connection's output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "door/codec_socketmap.h"
#include "door/netstring.h"
#include "door/socketmap_answer.h"
#include "log.h"
#include "logrl.h"
#include "serve/answer_cache.h"
#include "util/clock.h"
#include "util/metrics.h"

/* put - one netstring reply (payload s, n bytes) into out. */
static void
put(struct codec_buf *out, const char *s, size_t n)
{
	char *p = codec_buf_room(out, n + 24);
	int   k = snprintf(p, 24, "%zu:", n);

	memcpy(p + k, s, n);
	p[(size_t)k + n] = ',';
	out->len += (size_t)k + n + 1;
}

static enum codec_status
sm_frame(void *ctx, struct codec_conn *cc, const char *in, size_t len,
        struct codec_req *req, size_t *used, char *why, size_t whylen)
{
	const struct codec_socketmap_ctx *x = ctx;

	(void)cc;
	switch (netstring_parse(in, len, x->max_request, &req->p, &req->len,
	        used, why, whylen)) {
	case NETSTRING_OK:
		req->tag  = NULL;
		req->tlen = 0;
		return (CODEC_REQUEST);
	case NETSTRING_MORE:
		return (CODEC_MORE);
	case NETSTRING_BAD:
		break;
	}
	return (CODEC_BAD);
}

static void
sm_refuse(const struct codec_conn *cc, const char *why, struct codec_buf *out)
{
	char *s = socketmap_answer_error("PERM", why);

	(void)cc;
	put(out, s, strlen(s));
	free(s);
}

/* codec_socketmap_answer_class - the "answer" label (util/metrics.h MA_*)
 * of a socketmap answer text. */
int
codec_socketmap_answer_class(const char *text, size_t len)
{
	static const struct {
		const char *prefix;
		int         cls;
	} map[] = {
		{ "OK dane-only", MA_DANE_ONLY },
		{ "OK dane", MA_DANE },
		{ "OK secure", MA_SECURE },
		{ "OK encrypt", MA_ENCRYPT },
		{ "OK ", MA_NONE },
		{ "NOTFOUND", MA_NONE },
		{ "TEMP", MA_TEMPFAIL },
	};
	size_t i, n;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		n = strlen(map[i].prefix);
		if (len >= n && memcmp(text, map[i].prefix, n) == 0
		        && (len == n || text[n] == ' ' || n == 3)) {
			return (map[i].cls);
		}
	}
	return (MA_ERROR);
}

/* counted - one lookup of cc's door answered with text (metrics). */
static void
counted(const struct codec_conn *cc, const char *text, size_t len)
{
	metrics_inc(
	        M_LOOKUPS, cc->door, codec_socketmap_answer_class(text, len));
	metrics_observe(M_LOOKUP_SECONDS, cc->door, 0, metrics_now() - cc->t0);
}

struct sm_hit {
	const struct codec_conn *cc;
	struct codec_buf        *out;
};

/* hit_copy - answer_copy_fn: the socketmap rendering of a cached reply,
 * copied into the output under the answer cache's read lock. */
static void
hit_copy(void *arg, const char *text, size_t len)
{
	struct sm_hit *h = arg;

	put(h->out, text, len);
	counted(h->cc, text, len);
}

static int
sm_answer(void *ctx, const struct codec_conn *cc, const struct codec_req *req,
        struct codec_buf *out, void *cm)
{
	const struct codec_socketmap_ctx *x = ctx;
	struct codec_socketmap_miss      *m = cm;
	struct sm_hit                     h = { cc, out };
	char                              why[256], *s;

	switch (socketmap_answer_key(
	        req->p, req->len, m->key, sizeof(m->key), why, sizeof(why))) {
	case SOCKETMAP_KEY_LOOKUP:
		return (x->answers != NULL
		        && answer_cache_copy_text(x->answers, m->key,
		                clock_now(), hit_copy, &h));
	case SOCKETMAP_KEY_NOTFOUND:
		log_debug_rl("MXTLS-SOCKETMAP-NOTFOUND", "%s: %.*s: %s",
		        cc->via, (int)(req->len < 300 ? req->len : 300),
		        req->p, why);
		put(out, "NOTFOUND ", 9);
		counted(cc, "NOTFOUND ", 9);
		return (1);
	case SOCKETMAP_KEY_PERM:
		s = socketmap_answer_error("PERM", why);
		log_info_rl(
		        "MXTLS-SOCKETMAP-BAD-REQUEST", "%s: %s", cc->via, why);
		put(out, s, strlen(s));
		counted(cc, s, strlen(s));
		free(s);
		return (1);
	}
	return (1);
}

static void
sm_reply(const struct codec_conn *cc, const void *cm, const char *text,
        size_t n, struct codec_buf *out)
{
	(void)cm;
	put(out, text, n);
	counted(cc, text, n);
}

const struct codec codec_socketmap = {
	.name      = "socketmap",
	.bad_logid = "MXTLS-SOCKETMAP-BAD-NETSTRING",
	.miss_size = sizeof(struct codec_socketmap_miss),
	.hello     = NULL,
	.frame     = sm_frame,
	.refuse    = sm_refuse,
	.answer    = sm_answer,
	.reply     = sm_reply,
	.miss_free = NULL,
};

const char *
codec_socketmap_key(const void *cm)
{
	return (((const struct codec_socketmap_miss *)cm)->key);
}
