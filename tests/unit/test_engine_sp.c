/*
 * test_engine_sp.c - the IPC sockets' workers: the connection engine
 * (cached/door/engine.c) speaking the SP codec (cached/door/codec_sp.c,
 * common/spframe.c) on socketpairs, with the real answer cache and a fake
 * loop side that answers each miss after a delay: our REP header goes out
 * first; pipelined requests (hits, misses, a non-policy op, an unparsable
 * body, device hops) are answered in order, each with its own backtrace;
 * hits never reach the loop and misses carry their parse; a malformed frame
 * closes the connection. With 0 threads (on the loop) and with workers,
 * over ipc:// framing and tcp:// framing (no type byte). A reply the loop
 * gives just before the workers stop (SIGTERM's tempfail) is still written.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/time.h>

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "serve/answer_cache.h"
#include "util/clock.h"
#include "proto.h"
#include "door/codec_sp.h"
#include "door/engine.h"
#include "spframe.h"

#define HIT_JSON "{\"v\":1,\"status\":\"ok\",\"policy\":\"sts\"}"

struct fix {
	struct event_base   *loop;
	struct answer_cache *answers;
	struct engine       *ws;
	struct codec_sp_ctx  cx;
	int                  seen; /* misses given to the loop */
	char                 ops[256];
	int                  done; /* atomic: the client finished */
	int                  hold; /* keep misses in held, unanswered */
	struct engine_miss  *held;
};

struct later {
	struct event       *ev;
	struct engine_miss *m;
};

static void
later_fire(evutil_socket_t fd, short what, void *arg)
{
	struct later               *l = arg;
	const struct proto_request *req;
	const char                 *body;
	size_t                      len;
	char                       *s;

	(void)fd;
	(void)what;
	req = codec_sp_request(engine_miss_codec(l->m), &body, &len);
	assert_int_equal(body[len], '\0');
	if (req != NULL) {
		assert_true(asprintf(&s, "{\"miss\":\"%s %s\"}",
		                    proto_op_name(req->op),
		                    codec_sp_key(engine_miss_codec(l->m)))
		        > 0);
	} else {
		assert_true(asprintf(&s, "{\"unparsed\":%zu}", len) > 0);
	}
	engine_answer(l->m, s);
	event_free(l->ev);
	free(l);
}

/* fake_miss_fn - the loop side: answer 1-3 ms later. */
static void
fake_miss_fn(void *arg, struct engine_miss *m)
{
	struct fix    *f = arg;
	struct later  *l;
	struct timeval tv;

	f->seen++;
	if (f->hold) {
		f->held = m;
		return;
	}
	l          = calloc(1, sizeof(*l));
	tv.tv_sec  = 0;
	tv.tv_usec = 1000 + 1000 * (f->seen % 3);
	l->m       = m;
	l->ev      = evtimer_new(f->loop, later_fire, l);
	evtimer_add(l->ev, &tv);
}

static void
fix_init(struct fix *f, int nthreads)
{
	struct engine_conf ec = { SPFRAME_RECV_MAX + CODEC_SP_FRAMING, 10, 300,
		"T-BUSY", "T-ACCEPT", "T-IDLE" };
	char               why[256];
	int64_t            now = clock_now();

	memset(f, 0, sizeof(*f));
	assert_non_null(f->loop = event_base_new());
	f->answers = answer_cache_create(100, 300);
	answer_cache_put(f->answers, "hit.test", HIT_JSON, strlen(HIT_JSON),
	        now, now + 300);
	f->cx.answers = f->answers;
	f->cx.max_msg = SPFRAME_RECV_MAX;
	f->ws         = engine_new(f->loop, &ec, &codec_sp, NULL);
	assert_int_equal(engine_start(f->ws, nthreads, &f->cx, fake_miss_fn, f,
	                         why, sizeof(why)),
	        0);
	assert_int_equal(engine_threads(f->ws), nthreads);
}

static void
fix_free(struct fix *f)
{
	engine_free(f->ws);
	answer_cache_free(f->answers);
	event_base_free(f->loop);
}

/* ------------------------------------------------------------- client -- */

struct client {
	struct fix     *f;
	int             fd;
	char           *out;
	size_t          outlen;
	int             nreplies;
	char            got[16][160]; /* "<backtrace hex> <payload>" */
	int             ngot;
	int             shut; /* shut the write side after the requests */
	int             eof;  /* read EOF after the replies */
	enum spframe_tp tp;
};

static void
add_msg(struct client *c, const char *bt, size_t btlen, const char *body)
{
	size_t n = btlen + strlen(body);

	c->out = realloc(c->out, c->outlen + SPFRAME_MSGHDR + n);
	c->outlen += spframe_msg_header(
	        c->tp, (unsigned char *)c->out + c->outlen, n);
	memcpy(c->out + c->outlen, bt, btlen);
	c->outlen += btlen;
	memcpy(c->out + c->outlen, body, strlen(body));
	c->outlen += strlen(body);
}

static int
read_full(int fd, unsigned char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = read(fd, p, n)) <= 0) {
			return (-1);
		}
		p += k;
		n -= (size_t)k;
	}
	return (0);
}

static void *
client_main(void *arg)
{
	struct client *c = arg;
	unsigned char  h[SPFRAME_MSGHDR], body[512], rep[SPFRAME_HEADER];
	size_t         n, i, k, hl = spframe_msghdr_len(c->tp);
	int            r;

	/* our header is sent before we say anything */
	if (read_full(c->fd, rep, sizeof(rep)) != 0
	        || memcmp(rep, "\0SP\0\0\x31\0\0", SPFRAME_HEADER) != 0) {
		goto out;
	}
	if (write(c->fd, c->out, c->outlen) != (ssize_t)c->outlen) {
		goto out;
	}
	if (c->shut) {
		shutdown(c->fd, SHUT_WR);
	}
	for (r = 0; r < c->nreplies; r++) {
		if (read_full(c->fd, h, hl) != 0
		        || (c->tp == SPFRAME_IPC && h[0] != 1)) {
			goto out;
		}
		for (n = 0, i = hl - 8; i < hl; i++) {
			n = n << 8 | h[i];
		}
		if (n >= sizeof(body) || read_full(c->fd, body, n) != 0) {
			goto out;
		}
		/* the backtrace: words up to the one with the high bit */
		for (i = 0; i + 4 <= n && !(body[i] & 0x80); i += 4) { }
		i += 4;
		for (k = 0; k < i && 2 * k + 2 < sizeof(c->got[0]); k++) {
			snprintf(c->got[c->ngot] + 2 * k, 3, "%02x", body[k]);
		}
		snprintf(c->got[c->ngot] + 2 * k, sizeof(c->got[0]) - 2 * k,
		        " %.*s", (int)(n - i), (const char *)body + i);
		c->ngot++;
	}
	c->eof = read(c->fd, h, 1) == 0;
out:
	__atomic_store_n(&c->f->done, 1, __ATOMIC_RELEASE);
	return (NULL);
}

/* start_client - c's thread, talking to the workers on a socketpair. */
static pthread_t
start_client(struct fix *f, struct client *c)
{
	struct timeval tv = { 30, 0 };
	pthread_t      t;
	int            sv[2];

	c->f = f;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->fd = sv[0];
	engine_add(f->ws, sv[1], "test", (int)c->tp, 0, NULL);
	assert_int_equal(pthread_create(&t, NULL, client_main, c), 0);
	return (t);
}

/* run_client - serve c on a socketpair until it is done (30 s). */
static void
run_client(struct fix *f, struct client *c)
{
	struct timeval t0, t1;
	pthread_t      t = start_client(f, c);

	gettimeofday(&t0, NULL);
	while (!__atomic_load_n(&f->done, __ATOMIC_ACQUIRE)) {
		struct timeval slice = { 0, 2000 };
		event_base_loopexit(f->loop, &slice);
		event_base_dispatch(f->loop);
		gettimeofday(&t1, NULL);
		assert_true(t1.tv_sec - t0.tv_sec < 30);
	}
	pthread_join(t, NULL);
	close(c->fd);
	free(c->out);
}

#define ID(n)   "\x80\0\0" n, 4
#define HIT_REQ "{\"v\":1,\"op\":\"policy\",\"domain\":\"hit.test\"}"

/* client_init_tp - a client on transport tp whose output starts with the
 * peer header hdr (8 bytes) and a "policy" request for hit.test (id 1). */
static void
client_init_tp(struct client *c, const char *hdr, enum spframe_tp tp)
{
	memset(c, 0, sizeof(*c));
	c->tp     = tp;
	c->out    = malloc(SPFRAME_HEADER);
	c->outlen = SPFRAME_HEADER;
	memcpy(c->out, hdr, SPFRAME_HEADER);
	add_msg(c, ID("\x01"), HIT_REQ);
}

/* client_init - the same over ipc:// framing. */
static void
client_init(struct client *c, const char *hdr)
{
	client_init_tp(c, hdr, SPFRAME_IPC);
}

static void
pipelined(int nthreads, enum spframe_tp tp)
{
	struct fix    f;
	struct client c;

	fix_init(&f, nthreads);
	client_init_tp(&c, "\0SP\0\0\x30\0\0", tp);
	add_msg(&c, ID("\x02"),
	        "{\"v\":1,\"op\":\"policy\",\"domain\":\"Miss.TEST.\"}");
	add_msg(&c, ID("\x03"), HIT_REQ);
	add_msg(&c, ID("\x04"), "{\"v\":1,\"op\":\"ping\"}");
	add_msg(&c, ID("\x05"), "not json");
	add_msg(&c, "\0\0\0\x07\x80\0\0\x06", 8, HIT_REQ);
	c.nreplies = 6;
	c.shut     = 1; /* answered first, then closed */
	run_client(&f, &c);
	assert_int_equal(c.ngot, 6);
	assert_true(c.eof);
	assert_string_equal(c.got[0], "80000001 " HIT_JSON);
	assert_string_equal(
	        c.got[1], "80000002 {\"miss\":\"policy miss.test\"}");
	assert_string_equal(c.got[2], "80000003 " HIT_JSON);
	assert_string_equal(c.got[3], "80000004 {\"miss\":\"ping \"}");
	assert_string_equal(c.got[4], "80000005 {\"unparsed\":8}");
	assert_string_equal(c.got[5], "0000000780000006 " HIT_JSON);
	/* the hits never went to the loop */
	assert_int_equal(f.seen, 3);
	fix_free(&f);
}

static void
test_pipelined_inline(void **state)
{
	(void)state;
	pipelined(0, SPFRAME_IPC);
}

static void
test_pipelined_threads(void **state)
{
	(void)state;
	pipelined(2, SPFRAME_IPC);
}

/* tcp:// framing: no type byte before the length, both ways */
static void
test_pipelined_tcp(void **state)
{
	(void)state;
	pipelined(0, SPFRAME_TCP);
	pipelined(2, SPFRAME_TCP);
}

/* a malformed frame after a good request: the good one is answered, then
 * the connection closes */
static void
malformed(int nthreads, const char *bad, size_t badlen)
{
	struct fix    f;
	struct client c;

	fix_init(&f, nthreads);
	client_init(&c, "\0SP\0\0\x30\0\0");
	c.out = realloc(c.out, c.outlen + badlen);
	memcpy(c.out + c.outlen, bad, badlen);
	c.outlen += badlen;
	c.nreplies = 1;
	run_client(&f, &c);
	assert_int_equal(c.ngot, 1);
	assert_string_equal(c.got[0], "80000001 " HIT_JSON);
	assert_true(c.eof);
	fix_free(&f);
}

static void
test_malformed(void **state)
{
	int n;

	(void)state;
	for (n = 0; n <= 2; n += 2) {
		malformed(n, "\x02\0\0\0\0\0\0\0\x04\x80\0\0\x01", 13);
		malformed(n, "\x01\0\0\0\0\0\0\0\x04\0\0\0\x01", 13);
		malformed(n, "\x01\0\0\0\0\x01\0\0\0", 9);
	}
}

/* over tcp://, the ipc:// framing is malformed: its type byte makes the
 * length's first byte 0x01, far over the limit */
static void
test_malformed_tcp(void **state)
{
	struct fix    f;
	struct client c;

	(void)state;
	fix_init(&f, 2);
	client_init_tp(&c, "\0SP\0\0\x30\0\0", SPFRAME_TCP);
	c.out = realloc(c.out, c.outlen + 13);
	memcpy(c.out + c.outlen, "\x01\0\0\0\0\0\0\0\x04\x80\0\0\x01", 13);
	c.outlen += 13;
	c.nreplies = 1;
	run_client(&f, &c);
	assert_int_equal(c.ngot, 1);
	assert_true(c.eof);
	fix_free(&f);
}

/* a miss answered by the loop just before the workers stop (what
 * query_shutdown does on SIGTERM, with the loop no longer running) is
 * written to its client before the connection closes */
static void
stop_delivers(int nthreads)
{
	struct fix     f;
	struct client  c;
	struct timeval t0, t1;
	pthread_t      t;

	fix_init(&f, nthreads);
	f.hold = 1;
	client_init(&c, "\0SP\0\0\x30\0\0");
	add_msg(&c, ID("\x02"),
	        "{\"v\":1,\"op\":\"policy\",\"domain\":\"slow.test\"}");
	c.nreplies = 2;
	t          = start_client(&f, &c);
	gettimeofday(&t0, NULL);
	while (f.held == NULL) {
		struct timeval slice = { 0, 2000 };
		event_base_loopexit(f.loop, &slice);
		event_base_dispatch(f.loop);
		gettimeofday(&t1, NULL);
		assert_true(t1.tv_sec - t0.tv_sec < 30);
	}
	/* the loop has stopped: answer and stop at once */
	engine_answer(f.held, strdup("{\"stopping\":1}"));
	engine_free(f.ws);
	f.ws = NULL;
	pthread_join(t, NULL);
	close(c.fd);
	free(c.out);
	assert_int_equal(c.ngot, 2);
	assert_string_equal(c.got[0], "80000001 " HIT_JSON);
	assert_string_equal(c.got[1], "80000002 {\"stopping\":1}");
	assert_true(c.eof);
	fix_free(&f);
}

static void
test_stop_delivers(void **state)
{
	(void)state;
	stop_delivers(0);
	stop_delivers(2);
}

/* a REP peer is refused before any request */
static void
test_bad_peer(void **state)
{
	struct fix    f;
	struct client c;
	int           n;

	(void)state;
	for (n = 0; n <= 2; n += 2) {
		fix_init(&f, n);
		client_init(&c, "\0SP\0\0\x31\0\0");
		c.nreplies = 0;
		run_client(&f, &c);
		assert_int_equal(c.ngot, 0);
		assert_true(c.eof);
		assert_int_equal(f.seen, 0);
		fix_free(&f);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined_inline),
		cmocka_unit_test(test_pipelined_threads),
		cmocka_unit_test(test_pipelined_tcp),
		cmocka_unit_test(test_malformed_tcp),
		cmocka_unit_test(test_stop_delivers),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_peer),
	};

	evthread_use_pthreads();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
