/*
 * test_codec_sp.c - the IPC sockets' SP codec (cached/door/codec_sp.c)
 * called through its table, as the engine calls it: our REP header first;
 * the peer's header (a REQ's taken, a REP's or garbage refused, a prefix
 * waited for); messages over ipc:// and tcp:// framing whole, partial,
 * pipelined, over the limit and malformed; the fast path (a "policy" hit
 * copied from the real answer cache with the request's backtrace, misses
 * carrying their bytes and parse, an oversize body not parsed); and the
 * framing of the loop's reply.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "door/codec_sp.h"
#include "serve/answer_cache.h"
#include "util/clock.h"

#define HIT_JSON "{\"v\":1,\"status\":\"ok\",\"policy\":\"sts\"}"
#define HIT_REQ  "{\"v\":1,\"op\":\"policy\",\"domain\":\"hit.test\"}"

/* msg - one message on transport tp (backtrace bt, payload body) into b;
 * returns its length. */
static size_t
msg(enum spframe_tp tp, unsigned char *b, const char *bt, size_t btlen,
        const char *body, size_t blen)
{
	size_t h = spframe_msg_header(tp, b, btlen + blen);

	memcpy(b + h, bt, btlen);
	memcpy(b + h + btlen, body, blen);
	return (h + btlen + blen);
}

static void
test_hello(void **state)
{
	struct codec_conn cc = { SPFRAME_IPC, 0, "test" };
	struct codec_buf  out;

	(void)state;
	memset(&out, 0, sizeof(out));
	codec_sp.hello(&cc, &out);
	assert_int_equal(out.len, SPFRAME_HEADER);
	assert_memory_equal(out.p, "\0SP\0\0\x31\0\0", SPFRAME_HEADER);
	free(out.p);
}

struct hdr_case {
	const char       *in;
	size_t            len;
	enum codec_status st;
	const char       *why;
};

static const struct hdr_case hdrs[] = {
	{ "\0SP\0\0\x30\0\0", 8, CODEC_SKIP, NULL },
	/* followed by a message: only the header is taken */
	{ "\0SP\0\0\x30\0\0\x01", 9, CODEC_SKIP, NULL },
	{ "\0SP\0\0\x30\0", 7, CODEC_MORE, NULL },
	{ "\0", 1, CODEC_MORE, NULL },
	{ "\0SP\0\0\x31\0\0", 8, CODEC_BAD,
	        "peer protocol 0x0031 is not REQ (0x0030)" },
	{ "\0SP\0\0\x30\0\x01", 8, CODEC_BAD,
	        "reserved bytes of the connection header are not zero" },
	{ "GET / HTTP/1.0", 14, CODEC_BAD, "not an SP connection header" },
};

static void
test_peer_header(void **state)
{
	struct codec_sp_ctx x = { NULL, SPFRAME_RECV_MAX };
	struct codec_conn   cc;
	struct codec_req    req;
	size_t              i, used;
	char                why[160];
	enum codec_status   st;

	(void)state;
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		cc.variant = SPFRAME_IPC;
		cc.state   = 0;
		cc.via     = "test";
		used       = 0;
		st = codec_sp.frame(&x, &cc, hdrs[i].in, hdrs[i].len, &req,
		        &used, why, sizeof(why));
		if (st != hdrs[i].st) {
			fail_msg("case %zu: status %d", i, (int)st);
		}
		if (st == CODEC_SKIP) {
			assert_int_equal(used, SPFRAME_HEADER);
			assert_int_equal(cc.state, 1);
		} else {
			assert_int_equal(cc.state, 0);
		}
		if (st == CODEC_BAD) {
			assert_string_equal(why, hdrs[i].why);
		}
	}
	assert_null(codec_sp.refuse); /* no reply to a bad frame */
}

/* frames_tp - messages after the header on transport tp */
static void
frames_tp(enum spframe_tp tp)
{
	struct codec_sp_ctx x  = { NULL, 64 };
	struct codec_conn   cc = { (int)tp, 1, "test" };
	struct codec_req    req;
	unsigned char       b[512];
	size_t              n, n2, used, k, hl = spframe_msghdr_len(tp);
	char                why[160];

	n = msg(tp, b, "\x80\0\0\x01", 4, HIT_REQ, strlen(HIT_REQ));
	/* pipelined: a second one with a device hop */
	n2 = msg(tp, b + n, "\0\0\0\x07\x80\0\0\x02", 8, "x", 1);
	assert_int_equal(codec_sp.frame(&x, &cc, (char *)b, n + n2, &req,
	                         &used, why, sizeof(why)),
	        CODEC_REQUEST);
	assert_int_equal(used, n);
	assert_ptr_equal(req.tag, b + hl);
	assert_int_equal(req.tlen, 4);
	assert_int_equal(req.len, strlen(HIT_REQ));
	assert_memory_equal(req.p, HIT_REQ, req.len);
	assert_int_equal(codec_sp.frame(&x, &cc, (char *)b + n, n2, &req,
	                         &used, why, sizeof(why)),
	        CODEC_REQUEST);
	assert_int_equal(used, n2);
	assert_int_equal(req.tlen, 8);
	assert_memory_equal(req.tag, "\0\0\0\x07\x80\0\0\x02", 8);
	assert_int_equal(req.len, 1);
	/* every proper prefix wants more */
	for (k = 1; k < n; k++) {
		assert_int_equal(codec_sp.frame(&x, &cc, (char *)b, k, &req,
		                         &used, why, sizeof(why)),
		        CODEC_MORE);
	}
	/* at the limit (64), and one over: refused from the header alone */
	memset(b + 100, 'x', 100);
	n = msg(tp, b, "\x80\0\0\x01", 4, (char *)b + 100, 60);
	assert_int_equal(codec_sp.frame(&x, &cc, (char *)b, n, &req, &used,
	                         why, sizeof(why)),
	        CODEC_REQUEST);
	(void)msg(tp, b, "\x80\0\0\x01", 4, (char *)b + 100, 61);
	assert_int_equal(codec_sp.frame(&x, &cc, (char *)b, hl, &req, &used,
	                         why, sizeof(why)),
	        CODEC_BAD);
	assert_string_equal(why, "message of 65 bytes (64 max)");
	/* no request id */
	n = msg(tp, b, "\0\0\0\x01", 4, "x", 1);
	assert_int_equal(codec_sp.frame(&x, &cc, (char *)b, n, &req, &used,
	                         why, sizeof(why)),
	        CODEC_BAD);
	assert_int_equal(cc.state, 1);
}

static void
test_frames(void **state)
{
	struct codec_sp_ctx x  = { NULL, 64 };
	struct codec_conn   cc = { SPFRAME_IPC, 1, "test" };
	struct codec_req    req;
	size_t              used;
	char                why[160];

	(void)state;
	frames_tp(SPFRAME_IPC);
	frames_tp(SPFRAME_TCP);
	/* ipc://: a type byte but 1 */
	assert_int_equal(
	        codec_sp.frame(&x, &cc, "\x02\0\0\0\0\0\0\0\x04\x80\0\0\x01",
	                13, &req, &used, why, sizeof(why)),
	        CODEC_BAD);
	assert_string_equal(why, "unknown message type 0x02");
	/* tcp://: ipc:// framing's type byte makes the length huge */
	cc.variant = SPFRAME_TCP;
	assert_int_equal(
	        codec_sp.frame(&x, &cc, "\x01\0\0\0\0\0\0\0\x04\x80\0\0\x01",
	                13, &req, &used, why, sizeof(why)),
	        CODEC_BAD);
}

struct answer_case {
	const char *body;
	int         answered;
	int         parsed;
	const char *key;
};

static const struct answer_case answers[] = {
	{ HIT_REQ, 1, 1, NULL },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":\"Miss.TEST.\"}", 0, 1,
	        "miss.test" },
	{ "{\"v\":1,\"op\":\"ping\"}", 0, 1, "" },
	/* a hit's domain, but not a "policy" request */
	{ "{\"v\":1,\"op\":\"flush\",\"domain\":\"hit.test\"}", 0, 1,
	        "hit.test" },
	{ "not json", 0, 0, "" },
};

static void
test_answer(void **state)
{
	struct answer_cache        *ac  = answer_cache_create(100, 300);
	int64_t                     now = clock_now();
	struct codec_sp_ctx         x   = { ac, SPFRAME_RECV_MAX };
	struct codec_conn           cc  = { SPFRAME_IPC, 1, "test" };
	struct codec_sp_miss        m;
	struct codec_req            req;
	struct codec_buf            out;
	const struct proto_request *pr;
	const char                 *body;
	unsigned char               want[256];
	size_t                      i, len, n;
	char                       *big;

	(void)state;
	answer_cache_put(
	        ac, "hit.test", HIT_JSON, strlen(HIT_JSON), now, now + 300);
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const struct answer_case *c = &answers[i];

		memset(&out, 0, sizeof(out));
		memset(&m, 'X',
		        sizeof(m)); /* uninitialised, as the engine's */
		req.p    = c->body;
		req.len  = strlen(c->body);
		req.tag  = (const unsigned char *)"\0\0\0\x07\x80\0\0\x09";
		req.tlen = 8;
		if (codec_sp.answer(&x, &cc, &req, &out, &m) != c->answered) {
			fail_msg("case %zu (%s)", i, c->body);
		}
		if (c->answered) {
			n = msg(SPFRAME_IPC, want, (const char *)req.tag, 8,
			        HIT_JSON, strlen(HIT_JSON));
			assert_int_equal(out.len, n);
			assert_memory_equal(out.p, want, n);
			free(out.p);
			continue;
		}
		assert_int_equal(out.len, 0);
		pr = codec_sp_request(&m, &body, &len);
		assert_int_equal(pr != NULL, c->parsed);
		assert_int_equal(len, strlen(c->body));
		assert_memory_equal(body, c->body, len);
		assert_int_equal(body[len], '\0');
		assert_string_equal(codec_sp_key(&m), c->key);
		/* the loop's reply carries the request's backtrace */
		codec_sp.reply(&cc, &m, "{}", 2, &out);
		n = msg(SPFRAME_IPC, want, (const char *)req.tag, 8, "{}", 2);
		assert_int_equal(out.len, n);
		assert_memory_equal(out.p, want, n);
		codec_sp.miss_free(&m);
		free(out.p);
	}
	/* over PROTO_MAX_MSG: not parsed, handed over whole (the loop
	 * answers it with an error) */
	n   = PROTO_MAX_MSG + 1;
	big = malloc(n);
	memset(big, ' ', n);
	memset(&out, 0, sizeof(out));
	req.p    = big;
	req.len  = n;
	req.tag  = (const unsigned char *)"\x80\0\0\x01";
	req.tlen = 4;
	assert_int_equal(codec_sp.answer(&x, &cc, &req, &out, &m), 0);
	assert_null(codec_sp_request(&m, &body, &len));
	assert_int_equal(len, n);
	codec_sp.miss_free(&m);
	free(big);
	/* tcp:// framing of a reply: no type byte */
	cc.variant = SPFRAME_TCP;
	memset(&out, 0, sizeof(out));
	codec_sp.reply(&cc, &m, "{}", 2, &out);
	n = msg(SPFRAME_TCP, want, "\x80\0\0\x01", 4, "{}", 2);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.p, want, n);
	free(out.p);
	answer_cache_free(ac);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_peer_header),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_answer),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
