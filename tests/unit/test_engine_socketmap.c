/*
 * test_engine_socketmap.c - the connection engine's worker threads
 * (cached/door/engine.c) speaking the socketmap codec
 * (cached/door/codec_socketmap.c) on socketpairs, with the real answer cache
 * for hits and a fake loop-side lookup (a timer that answers each miss
 * after a random delay, or never): replies in request order for many
 * concurrent clients pipelining hits, misses, NOTFOUND and PERM keys; a
 * client gone while its miss is in flight; stopping with connections open
 * and misses out; replies larger than the socket buffers; malformed input.
 * Every case runs with 0 threads (served on the loop) and with workers.
 * Leaks and races are the sanitizer build's to find.
 */
#define _GNU_SOURCE
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "serve/answer_cache.h"
#include "util/clock.h"
#include "door/codec_socketmap.h"
#include "door/engine.h"
#include "door/socketmap.h"

#define NHITS  20
#define BIGLEN 100000

/* ------------------------------------------------------------ fixture -- */

struct fake_miss {
	struct fix         *f;
	struct event       *ev;
	struct engine_miss *m;
	TAILQ_ENTRY(fake_miss) link;
};

struct fix {
	struct event_base         *loop;
	struct answer_cache       *answers;
	struct codec_socketmap_ctx cx;
	struct engine             *ws;
	int                        hold;         /* never answer misses */
	int                        delay_us_max; /* answer after 0..this */
	int                        seen;         /* misses looked up */
	int                        answered;
	unsigned                   seed;
	TAILQ_HEAD(, fake_miss) pending;
	int (*until)(struct fix *);
	int  done_clients; /* atomic */
	int  nclients;
	int  probe_fd; /* clients_done_by_seen also waits for input here */
	char big[BIGLEN + 1];
};

static void
fake_fire(evutil_socket_t fd, short what, void *arg)
{
	struct fake_miss *fm = arg;
	char             *s;

	(void)fd;
	(void)what;
	assert_true(asprintf(&s, "OK miss:%s",
	                    codec_socketmap_key(engine_miss_codec(fm->m)))
	        > 0);
	TAILQ_REMOVE(&fm->f->pending, fm, link);
	fm->f->answered++;
	engine_answer(fm->m, s);
	if (fm->ev != NULL) {
		event_free(fm->ev);
	}
	free(fm);
}

/* fake_miss_fn - the loop side: answer after a random delay (0: at once,
 * before returning, as a fully cached lookup does), or hold. */
static void
fake_miss_fn(void *arg, struct engine_miss *m)
{
	struct fix       *f  = arg;
	struct fake_miss *fm = calloc(1, sizeof(*fm));
	struct timeval    tv = { 0, 0 };
	int               us;

	assert_ptr_equal(engine_miss_arg(m), f);
	f->seen++;
	fm->f = f;
	fm->m = m;
	TAILQ_INSERT_TAIL(&f->pending, fm, link);
	if (f->hold) {
		return;
	}
	us = f->delay_us_max > 0
	        ? (int)(rand_r(&f->seed) % (unsigned)f->delay_us_max)
	        : 0;
	if (us < 200 && (f->seen % 3) == 0) {
		fake_fire(-1, 0, fm); /* synchronous answer */
		return;
	}
	tv.tv_usec = us;
	fm->ev     = evtimer_new(f->loop, fake_fire, fm);
	evtimer_add(fm->ev, &tv);
}

static void
fix_init(struct fix *f, int nthreads)
{
	struct engine_conf ec
	        = { SOCKETMAP_MAX_REQUEST + CODEC_SOCKETMAP_FRAMING,
		          SOCKETMAP_FIRST_TIMEOUT, SOCKETMAP_IDLE_TIMEOUT,
		          "T-BUSY", "T-ACCEPT", "T-IDLE" };
	char    dom[64], text[96], why[256];
	int64_t now = clock_now();
	int     i;

	memset(f, 0, sizeof(*f));
	TAILQ_INIT(&f->pending);
	f->seed     = 4711;
	f->probe_fd = -1;
	assert_non_null(f->loop = event_base_new());
	f->answers = answer_cache_create(1000, 300);
	for (i = 0; i < NHITS; i++) {
		snprintf(dom, sizeof(dom), "h%d.test", i);
		snprintf(text, sizeof(text), "OK hit:%s", dom);
		answer_cache_put(f->answers, dom, "{}", 2, now, now + 300);
		answer_cache_set_text(f->answers, dom, now, text);
	}
	/* a reply in the cache without a socketmap rendering: a miss */
	answer_cache_put(f->answers, "notext.test", "{}", 2, now, now + 300);
	memset(f->big, 'x', BIGLEN);
	memcpy(f->big, "OK ", 3);
	f->big[BIGLEN] = '\0';
	answer_cache_put(f->answers, "big.test", "{}", 2, now, now + 300);
	answer_cache_set_text(f->answers, "big.test", now, f->big);
	f->cx.answers     = f->answers;
	f->cx.max_request = SOCKETMAP_MAX_REQUEST;
	f->ws             = engine_new(f->loop, &ec, &codec_socketmap, NULL);
	assert_int_equal(engine_start(f->ws, nthreads, &f->cx, fake_miss_fn, f,
	                         why, sizeof(why)),
	        0);
	assert_int_equal(engine_threads(f->ws), nthreads);
}

static void
fix_free(struct fix *f)
{
	struct fake_miss *fm;

	engine_free(f->ws);
	while ((fm = TAILQ_FIRST(&f->pending)) != NULL) {
		TAILQ_REMOVE(&f->pending, fm, link);
		if (fm->ev != NULL) {
			event_free(fm->ev);
		}
		free(fm);
	}
	answer_cache_free(f->answers);
	event_base_free(f->loop);
}

static void
on_check(evutil_socket_t fd, short what, void *arg)
{
	struct fix *f = arg;

	(void)fd;
	(void)what;
	if (f->until(f)) {
		event_base_loopbreak(f->loop);
	}
}

/* run_until - run the loop until pred holds (checked every 2 ms); fails
 * after 30 s. */
static void
run_until(struct fix *f, int (*pred)(struct fix *))
{
	struct timeval tv = { 0, 2000 }, t0, t1;
	struct event  *ev;

	f->until = pred;
	gettimeofday(&t0, NULL);
	ev = event_new(f->loop, -1, EV_PERSIST, on_check, f);
	event_add(ev, &tv);
	while (!pred(f)) {
		event_base_loop(f->loop, EVLOOP_ONCE);
		gettimeofday(&t1, NULL);
		if (t1.tv_sec - t0.tv_sec > 30) {
			break;
		}
	}
	event_free(ev);
	assert_true(pred(f));
}

static int
no_conns(struct fix *f)
{
	return (engine_conns(f->ws) == 0);
}

static int
clients_done(struct fix *f)
{
	return (__atomic_load_n(&f->done_clients, __ATOMIC_ACQUIRE)
	        == f->nclients);
}

/* connect_pair - a connection served by the workers; returns the
 * client's end (blocking, 30 s receive timeout). */
static int
connect_pair(struct fix *f)
{
	struct timeval tv = { 30, 0 };
	int            sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	engine_add(f->ws, sv[1], "test", 0, 0, NULL);
	return (sv[0]);
}

/* ------------------------------------------------------------- client -- */

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		if ((k = write(fd, p, n)) <= 0) {
			return (-1);
		}
		p += k;
		n -= (size_t)k;
	}
	return (0);
}

/* read_reply - one netstring payload into buf (malloc'd); -1 on EOF or
 * a framing error, -2 on timeout. */
static int
read_reply(int fd, char **buf, size_t *len)
{
	size_t  n = 0, i;
	char    ch;
	ssize_t k;

	for (;;) {
		if ((k = read(fd, &ch, 1)) != 1) {
			return (k < 0 && errno == EAGAIN ? -2 : -1);
		}
		if (ch == ':') {
			break;
		}
		if (ch < '0' || ch > '9') {
			return (-1);
		}
		n = n * 10 + (size_t)(ch - '0');
	}
	*buf = malloc(n + 2);
	for (i = 0; i < n + 1; i += (size_t)k) {
		if ((k = read(fd, *buf + i, n + 1 - i)) <= 0) {
			free(*buf);
			return (-1);
		}
	}
	if ((*buf)[n] != ',') {
		free(*buf);
		return (-1);
	}
	(*buf)[n] = '\0';
	*len      = n;
	return (0);
}

/* eof_within - the server closed fd within ms milliseconds: EOF, or
 * ECONNRESET when it closed with our data unread (a request behind a miss
 * that was never answered). */
static int
eof_within(int fd, int ms)
{
	struct pollfd p = { fd, POLLIN, 0 };
	char          b;
	ssize_t       n;

	if (poll(&p, 1, ms) != 1) {
		return (0);
	}
	n = read(fd, &b, 1);
	return (n == 0 || (n < 0 && errno == ECONNRESET));
}

struct client {
	struct fix *f;
	int         fd;
	int         id;
	int         pipelined;
	int         rounds;
	int         bad; /* replies wrong, missing or out of order */
	int         misses;
	unsigned    seed;
};

/* client_run - rounds of 12 requests (hits, misses, NOTFOUND and PERM
 * keys) written at once in random pieces or one at a time; every reply
 * checked in order. */
static void *
client_run(void *arg)
{
	struct client *c = arg;
	char           req[64], want[12][96], out[2048], *got;
	size_t         olen, glen, off, piece;
	int            r, i, k;

	for (r = 0; r < c->rounds; r++) {
		olen = 0;
		for (i = 0; i < 12; i++) {
			k = (int)(rand_r(&c->seed) % 10);
			if (k < 4) {
				k = (int)(rand_r(&c->seed) % NHITS);
				snprintf(req, sizeof(req), "x h%d.test", k);
				snprintf(want[i], sizeof(want[i]),
				        "OK hit:h%d.test", k);
			} else if (k < 7) {
				snprintf(req, sizeof(req), "x M%d-%d-%d.test.",
				        c->id, r, i);
				snprintf(want[i], sizeof(want[i]),
				        "OK miss:m%d-%d-%d.test", c->id, r, i);
				c->misses++;
			} else if (k < 8) {
				snprintf(req, sizeof(req), "x notext.test");
				snprintf(want[i], sizeof(want[i]),
				        "OK miss:notext.test");
				c->misses++;
			} else if (k < 9) {
				snprintf(req, sizeof(req), "x .h1.test");
				snprintf(
				        want[i], sizeof(want[i]), "NOTFOUND ");
			} else {
				snprintf(req, sizeof(req), "nokey");
				snprintf(want[i], sizeof(want[i]),
				        "PERM malformed request: expected "
				        "\"<name> <key>\"");
			}
			olen += (size_t)snprintf(out + olen,
			        sizeof(out) - olen, "%zu:%s,", strlen(req),
			        req);
			if (!c->pipelined) {
				if (write_all(c->fd, out, olen) != 0
				        || read_reply(c->fd, &got, &glen)
				                != 0) {
					c->bad++;
					goto out;
				}
				c->bad += strcmp(got, want[i]) != 0;
				free(got);
				olen = 0;
			}
		}
		if (!c->pipelined) {
			continue;
		}
		for (off = 0; off < olen; off += piece) {
			piece = 1 + rand_r(&c->seed) % 60;
			if (piece > olen - off) {
				piece = olen - off;
			}
			if (write_all(c->fd, out + off, piece) != 0) {
				c->bad++;
				goto out;
			}
		}
		for (i = 0; i < 12; i++) {
			if (read_reply(c->fd, &got, &glen) != 0) {
				c->bad++;
				goto out;
			}
			if (strcmp(got, want[i]) != 0) {
				print_error("client %d round %d reply %d: got "
				            "\"%s\" want \"%s\"\n",
				        c->id, r, i, got, want[i]);
				c->bad++;
			}
			free(got);
		}
	}
out:
	close(c->fd);
	__atomic_add_fetch(&c->f->done_clients, 1, __ATOMIC_RELEASE);
	return (NULL);
}

/* -------------------------------------------------------------- cases -- */

static void
order_case(int nthreads)
{
	enum { N = 24 };
	struct fix   *f = calloc(1, sizeof(*f));
	struct client cl[N];
	pthread_t     t[N];
	int           i, bad = 0, misses = 0;

	fix_init(f, nthreads);
	f->delay_us_max = 3000;
	f->nclients     = N;
	for (i = 0; i < N; i++) {
		memset(&cl[i], 0, sizeof(cl[i]));
		cl[i].f         = f;
		cl[i].fd        = connect_pair(f);
		cl[i].id        = i;
		cl[i].pipelined = i % 4 != 3;
		cl[i].rounds    = 6;
		cl[i].seed      = (unsigned)(i * 7919 + 1);
	}
	for (i = 0; i < N; i++) {
		assert_int_equal(
		        pthread_create(&t[i], NULL, client_run, &cl[i]), 0);
	}
	run_until(f, clients_done);
	for (i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		bad += cl[i].bad;
		misses += cl[i].misses;
	}
	assert_int_equal(bad, 0);
	assert_true(misses > 0);
	/* every miss and only the misses reached the loop */
	assert_int_equal(f->seen, misses);
	assert_int_equal(f->answered, misses);
	/* the clients closed: every connection is closed and freed */
	run_until(f, no_conns);
	fix_free(f);
	free(f);
}

static void
test_order_inline(void **state)
{
	(void)state;
	order_case(0);
}

static void
test_order_one_thread(void **state)
{
	(void)state;
	order_case(1);
}

static void
test_order_threads(void **state)
{
	(void)state;
	order_case(4);
}

/* clients_done_by_seen - nclients misses reached the loop (and probe_fd,
 * when set, has input). */
static int
clients_done_by_seen(struct fix *f)
{
	struct pollfd p = { f->probe_fd, POLLIN, 0 };

	return (f->seen >= f->nclients
	        && (f->probe_fd < 0 || poll(&p, 1, 0) == 1));
}

/* gone_case - clients that close with a miss in flight (miss then hit,
 * or hit then miss: the hit's reply fails to go out while the miss is
 * out), and one that shuts down its side: it still gets both replies in
 * order, then EOF. */
static void
gone_case(int nthreads)
{
	enum { N = 10 };
	static const char req[] = "12:x gone.test.,9:x h1.test,";
	static const char rev[] = "9:x h1.test,12:x gone.test.,";
	struct fix       *f     = calloc(1, sizeof(*f));
	int               fd[N], half, i;
	char             *got;
	size_t            glen;

	fix_init(f, nthreads);
	f->hold = 1; /* answered below, once the clients left */
	for (i = 0; i < N; i++) {
		fd[i] = connect_pair(f);
		if (i % 2 == 0) {
			assert_int_equal(
			        write_all(fd[i], req, sizeof(req) - 1), 0);
		} else {
			assert_int_equal(
			        write_all(fd[i], rev, sizeof(rev) - 1), 0);
			close(fd[i]);
		}
	}
	half = connect_pair(f);
	assert_int_equal(write_all(half, req, sizeof(req) - 1), 0);
	shutdown(half, SHUT_WR);
	f->nclients = N + 1;
	run_until(f, clients_done_by_seen);
	for (i = 0; i < N; i += 2) {
		close(fd[i]);
	}
	/* now the replies come, to connections whose clients are gone */
	while (!TAILQ_EMPTY(&f->pending)) {
		fake_fire(-1, 0, TAILQ_FIRST(&f->pending));
	}
	run_until(f, no_conns);
	assert_int_equal(read_reply(half, &got, &glen), 0);
	assert_string_equal(got, "OK miss:gone.test");
	free(got);
	assert_int_equal(read_reply(half, &got, &glen), 0);
	assert_string_equal(got, "OK hit:h1.test");
	free(got);
	assert_true(eof_within(half, 5000));
	close(half);
	assert_int_equal(f->answered, N + 1);
	fix_free(f);
	free(f);
}

static void
test_gone_inline(void **state)
{
	(void)state;
	gone_case(0);
}

static void
test_gone_threads(void **state)
{
	(void)state;
	gone_case(2);
}

/* stop_case - stop with idle connections, half requests, misses held by
 * the loop and hits answered: every client sees EOF, nothing leaks. */
static void
stop_case(int nthreads)
{
	static const char miss[] = "11:x held.test,";
	static const char hit[]  = "9:x h2.test,";
	struct fix       *f      = calloc(1, sizeof(*f));
	int               fd[8], i;
	char             *got;
	size_t            glen;

	fix_init(f, nthreads);
	f->hold = 1;
	for (i = 0; i < 8; i++) {
		fd[i] = connect_pair(f);
	}
	assert_int_equal(write_all(fd[2], miss, sizeof(miss) - 1), 0);
	assert_int_equal(write_all(fd[3], miss, sizeof(miss) - 1), 0);
	assert_int_equal(write_all(fd[3], hit, sizeof(hit) - 1), 0);
	assert_int_equal(write_all(fd[4], "12:x he", 7), 0);
	assert_int_equal(write_all(fd[5], hit, sizeof(hit) - 1), 0);
	f->nclients = 2;
	f->probe_fd = fd[5];
	run_until(f, clients_done_by_seen);
	assert_int_equal(read_reply(fd[5], &got, &glen), 0);
	assert_string_equal(got, "OK hit:h2.test");
	free(got);
	assert_int_equal(engine_conns(f->ws), 8);
	engine_free(f->ws);
	f->ws = NULL;
	for (i = 0; i < 8; i++) {
		assert_true(eof_within(fd[i], 5000));
		close(fd[i]);
	}
	/* the held misses were freed by the stop */
	while (!TAILQ_EMPTY(&f->pending)) {
		struct fake_miss *fm = TAILQ_FIRST(&f->pending);
		TAILQ_REMOVE(&f->pending, fm, link);
		free(fm);
	}
	fix_free(f);
	free(f);
}

static void
test_stop_inline(void **state)
{
	(void)state;
	stop_case(0);
}

static void
test_stop_threads(void **state)
{
	(void)state;
	stop_case(3);
}

struct bigclient {
	struct fix *f;
	int         fd;
	int         bad;
};

/* big_client - 20 pipelined hits, 16 with 100 kB replies, read after
 * 200 ms: by then the output waits for the client (write event). */
static void *
big_client(void *arg)
{
	struct bigclient *b = arg;
	char              out[512], *got;
	size_t            olen = 0, glen;
	int               i;

	for (i = 0; i < 20; i++) {
		olen += (size_t)snprintf(out + olen, sizeof(out) - olen, "%s",
		        i % 5 == 4 ? "9:x h3.test," : "10:x big.test,");
	}
	if (write_all(b->fd, out, olen) != 0) {
		b->bad++;
	}
	usleep(200000);
	for (i = 0; i < 20 && b->bad == 0; i++) {
		if (read_reply(b->fd, &got, &glen) != 0) {
			b->bad++;
			break;
		}
		if (i % 5 == 4) {
			b->bad += strcmp(got, "OK hit:h3.test") != 0;
		} else {
			b->bad += glen != BIGLEN
			        || memcmp(got, b->f->big, BIGLEN) != 0;
		}
		free(got);
	}
	close(b->fd);
	__atomic_add_fetch(&b->f->done_clients, 1, __ATOMIC_RELEASE);
	return (NULL);
}

/* big_case - replies larger than the socket buffer, in order. */
static void
big_case(int nthreads)
{
	struct fix      *f = calloc(1, sizeof(*f));
	struct bigclient b;
	pthread_t        t;

	fix_init(f, nthreads);
	b.f         = f;
	b.fd        = connect_pair(f);
	b.bad       = 0;
	f->nclients = 1;
	assert_int_equal(pthread_create(&t, NULL, big_client, &b), 0);
	run_until(f, clients_done);
	pthread_join(t, NULL);
	assert_int_equal(b.bad, 0);
	run_until(f, no_conns);
	fix_free(f);
	free(f);
}

static void
test_big_inline(void **state)
{
	(void)state;
	big_case(0);
}

static void
test_big_threads(void **state)
{
	(void)state;
	big_case(2);
}

/* garbage_case - a good request, then garbage: its reply, PERM, EOF; half
 * a request then EOF: EOF without a reply. */
static void
garbage_case(int nthreads)
{
	struct fix *f = calloc(1, sizeof(*f));
	int         a, b;
	char       *got;
	size_t      glen;

	fix_init(f, nthreads);
	a = connect_pair(f);
	b = connect_pair(f);
	assert_int_equal(write_all(a, "9:x h4.test,GET / HTTP/1.0", 26), 0);
	assert_int_equal(write_all(b, "12:x h4", 7), 0);
	shutdown(b, SHUT_WR);
	run_until(f, no_conns);
	assert_int_equal(read_reply(a, &got, &glen), 0);
	assert_string_equal(got, "OK hit:h4.test");
	free(got);
	assert_int_equal(read_reply(a, &got, &glen), 0);
	assert_string_equal(
	        got, "PERM malformed netstring: byte 0x47 in the length");
	free(got);
	assert_true(eof_within(a, 5000));
	assert_true(eof_within(b, 5000));
	close(a);
	close(b);
	assert_int_equal(f->seen, 0);
	fix_free(f);
	free(f);
}

static void
test_garbage_inline(void **state)
{
	(void)state;
	garbage_case(0);
}

static void
test_garbage_threads(void **state)
{
	(void)state;
	garbage_case(2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_inline),
		cmocka_unit_test(test_order_one_thread),
		cmocka_unit_test(test_order_threads),
		cmocka_unit_test(test_gone_inline),
		cmocka_unit_test(test_gone_threads),
		cmocka_unit_test(test_stop_inline),
		cmocka_unit_test(test_stop_threads),
		cmocka_unit_test(test_big_inline),
		cmocka_unit_test(test_big_threads),
		cmocka_unit_test(test_garbage_inline),
		cmocka_unit_test(test_garbage_threads),
	};

	assert_int_equal(evthread_use_pthreads(), 0);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
