/*
 * test_codec_socketmap.c - the socketmap codec (cached/door/
 * codec_socketmap.c) called through its table, as the engine calls it:
 * framing of whole, partial, pipelined, oversize and malformed netstrings
 * (with the PERM reply that ends the connection), the fast path (a hit
 * copied from the real answer cache, NOTFOUND and PERM keys, a miss with
 * its normalised domain, no answer cache at all) and the framing of the
 * loop's reply.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "door/codec_socketmap.h"
#include "door/socketmap.h"
#include "serve/answer_cache.h"
#include "util/clock.h"

/* ------------------------------------------------------------ framing -- */

struct frame_case {
	const char       *in;
	size_t            max;
	enum codec_status st;
	size_t            used;    /* REQUEST */
	const char       *payload; /* REQUEST */
	const char       *why;     /* BAD: why, and the PERM reply's text */
};

static const struct frame_case frames[] = {
	{ "9:x h1.test,", 10000, CODEC_REQUEST, 12, "x h1.test", NULL },
	{ "0:,", 10000, CODEC_REQUEST, 3, "", NULL },
	/* pipelined: only the first is taken */
	{ "9:x h1.test,10:x big.test,", 10000, CODEC_REQUEST, 12, "x h1.test",
	        NULL },
	/* partial: any proper prefix wants more */
	{ "9", 10000, CODEC_MORE, 0, NULL, NULL },
	{ "9:", 10000, CODEC_MORE, 0, NULL, NULL },
	{ "9:x h1.tes", 10000, CODEC_MORE, 0, NULL, NULL },
	{ "9:x h1.test", 10000, CODEC_MORE, 0, NULL, NULL },
	/* at the limit, and one over: refused before the payload comes */
	{ "16:x 234567890123.t,", 16, CODEC_REQUEST, 20, "x 234567890123.t",
	        NULL },
	{ "17:", 16, CODEC_BAD, 0, NULL,
	        "request too long: 17 bytes (limit 16)" },
	{ "10001:", SOCKETMAP_MAX_REQUEST, CODEC_BAD, 0, NULL,
	        "request too long: 10001 bytes (limit 10000)" },
	/* malformed */
	{ "GET / HTTP/1.0", 10000, CODEC_BAD, 0, NULL,
	        "malformed netstring: byte 0x47 in the length" },
	{ ":x,", 10000, CODEC_BAD, 0, NULL, "malformed netstring: no length" },
	{ "01:x,", 10000, CODEC_BAD, 0, NULL,
	        "malformed netstring: length with a leading zero" },
	{ "3:abc;", 10000, CODEC_BAD, 0, NULL,
	        "malformed netstring: no ',' after 3 bytes of payload" },
	{ "1234567890:", 10000, CODEC_BAD, 0, NULL,
	        "malformed netstring: length has more than 9 digits" },
};

static void
test_frame(void **state)
{
	struct codec_socketmap_ctx x  = { NULL, 0 };
	struct codec_conn          cc = { 0, 0, "test" };
	struct codec_req           req;
	struct codec_buf           out;
	size_t                     i, used;
	char                       why[160], want[300];
	enum codec_status          st;

	(void)state;
	for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		const struct frame_case *c = &frames[i];

		x.max_request = c->max;
		used          = 0;
		why[0]        = '\0';
		st = codec_socketmap.frame(&x, &cc, c->in, strlen(c->in), &req,
		        &used, why, sizeof(why));
		if (st != c->st) {
			fail_msg("case %zu (%s): status %d, want %d", i, c->in,
			        (int)st, (int)c->st);
		}
		if (st == CODEC_REQUEST) {
			assert_int_equal(used, c->used);
			assert_int_equal(req.len, strlen(c->payload));
			assert_memory_equal(req.p, c->payload, req.len);
			assert_ptr_equal(req.p, c->in + (used - req.len - 1));
			assert_null(req.tag);
		}
		if (st == CODEC_BAD) {
			assert_string_equal(why, c->why);
			/* the last reply: PERM with the reason */
			memset(&out, 0, sizeof(out));
			codec_socketmap.refuse(&cc, why, &out);
			snprintf(want, sizeof(want), "%zu:PERM %s,",
			        strlen(c->why) + 5, c->why);
			assert_int_equal(out.len, strlen(want));
			assert_memory_equal(out.p, want, out.len);
			free(out.p);
		}
		/* the codec keeps no state of its own */
		assert_int_equal(cc.state, 0);
	}
}

/* --------------------------------------------------------- fast path -- */

struct answer_case {
	const char *req;
	int         answered;
	const char *out; /* answered: the netstring written */
	const char *key; /* a miss: its domain */
};

static const struct answer_case answers[] = {
	{ "x h1.test", 1, "9:OK hit:h1,", NULL },
	{ "name H1.Test.", 1, "9:OK hit:h1,", NULL },
	{ "x miss.test", 0, NULL, "miss.test" },
	{ "x Miss.TEST.", 0, NULL, "miss.test" },
	/* in the cache but without a socketmap rendering: a miss */
	{ "x notext.test", 0, NULL, "notext.test" },
	{ "x .h1.test", 1, "9:NOTFOUND ,", NULL },
	{ "x [10.0.0.1]", 1, "9:NOTFOUND ,", NULL },
	{ "x h1.test:25", 1, "9:NOTFOUND ,", NULL },
	{ "nokey", 1, "47:PERM malformed request: expected \"<name> <key>\",",
	        NULL },
};

static void
test_answer(void **state)
{
	struct answer_cache        *ac  = answer_cache_create(100, 300);
	int64_t                     now = clock_now();
	struct codec_socketmap_ctx  x   = { ac, SOCKETMAP_MAX_REQUEST };
	struct codec_conn           cc  = { 0, 0, "test" };
	struct codec_socketmap_miss m;
	struct codec_req            req;
	struct codec_buf            out;
	size_t                      i;
	int                         r;

	(void)state;
	answer_cache_put(ac, "h1.test", "{}", 2, now, now + 300);
	answer_cache_set_text(ac, "h1.test", now, "OK hit:h1");
	answer_cache_put(ac, "notext.test", "{}", 2, now, now + 300);
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		const struct answer_case *c = &answers[i];

		memset(&out, 0, sizeof(out));
		memset(&m, 'X',
		        sizeof(m)); /* uninitialised, as the engine's */
		req.p    = c->req;
		req.len  = strlen(c->req);
		req.tag  = NULL;
		req.tlen = 0;
		r        = codec_socketmap.answer(&x, &cc, &req, &out, &m);
		if (r != c->answered) {
			fail_msg("case %zu (%s): answered %d", i, c->req, r);
		}
		if (r) {
			assert_int_equal(out.len, strlen(c->out));
			assert_memory_equal(out.p, c->out, out.len);
		} else {
			assert_int_equal(out.len, 0);
			assert_string_equal(codec_socketmap_key(&m), c->key);
		}
		free(out.p);
	}
	/* no answer cache: every domain is a miss */
	x.answers = NULL;
	memset(&out, 0, sizeof(out));
	req.p   = "x h1.test";
	req.len = 9;
	assert_int_equal(codec_socketmap.answer(&x, &cc, &req, &out, &m), 0);
	assert_string_equal(codec_socketmap_key(&m), "h1.test");
	answer_cache_free(ac);
}

/* ------------------------------------------------------------- reply -- */

static void
test_reply(void **state)
{
	struct codec_conn           cc = { 0, 0, "test" };
	struct codec_socketmap_miss m;
	struct codec_buf            out;
	char                       *big;
	size_t                      n = 100000;

	(void)state;
	memset(&out, 0, sizeof(out));
	memset(&m, 0, sizeof(m));
	assert_null(codec_socketmap.hello);
	codec_socketmap.reply(&cc, &m, "OK dane-only", 12, &out);
	codec_socketmap.reply(&cc, &m, "", 0, &out);
	assert_int_equal(out.len, 19);
	assert_memory_equal(out.p, "12:OK dane-only,0:,", 19);
	/* part written: the rest moves down, a large reply grows the buffer */
	out.off = 16;
	big     = malloc(n);
	memset(big, 'x', n);
	codec_socketmap.reply(&cc, &m, big, n, &out);
	assert_int_equal(out.len - out.off, 4 + 7 + n);
	assert_memory_equal(out.p + out.off, "0:,100000:", 10);
	assert_memory_equal(out.p + out.off + 10, big, n);
	assert_int_equal(out.p[out.len - 1], ',');
	free(big);
	free(out.p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_reply),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
