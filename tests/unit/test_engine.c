/*
 * test_engine.c - the connection engine (cached/door/engine.c) with a
 * trivial codec of this file (lines: "h..." answered on the worker, any
 * other line a miss the loop answers, "!..." malformed), so that what is
 * tested is the engine alone: the codec's hello first; pipelined requests
 * answered in order across misses; malformed input refused, then EOF; the
 * engine's own input bound for a codec that never refuses; the
 * first-request and idle timeouts; every miss freed; and, through real
 * Unix-socket listeners, the admission: a connection over max refused
 * (listener paused, then resumed), one over a peer's share refused, the
 * socket file given away and removed; over TCP from several loopback
 * addresses, the eviction of the oldest idle connection of the heaviest
 * peer for a newcomer (a busy one is passed over; nobody heavier: the
 * newcomer is refused). With 0 threads and with workers.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
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
#include <event2/listener.h>
#include <event2/thread.h>

#include "door/codec.h"
#include "door/engine.h"
#include "door/engine_int.h"
#include "door/peerlimit.h"

/* ------------------------------------------------------- line codec -- */

#define LINE_MAX_LEN 64

struct line_miss {
	char line[LINE_MAX_LEN];
};

static int misses_freed; /* atomic */

static void
line_hello(const struct codec_conn *cc, struct codec_buf *out)
{
	codec_buf_add(out, "hi\n", 3);
	(void)cc;
}

/* variant 2: no limit of the codec's own (the engine's in_max holds) */
static enum codec_status
line_frame(void *ctx, struct codec_conn *cc, const char *in, size_t len,
        struct codec_req *req, size_t *used, char *why, size_t whylen)
{
	const char *nl = memchr(in, '\n', len);

	(void)ctx;
	if (in[0] == '!') {
		snprintf(why, whylen, "bang");
		return (CODEC_BAD);
	}
	if (nl == NULL) {
		if (len >= LINE_MAX_LEN && cc->variant != 2) {
			snprintf(why, whylen, "line too long");
			return (CODEC_BAD);
		}
		return (CODEC_MORE);
	}
	req->p    = in;
	req->len  = (size_t)(nl - in);
	req->tag  = NULL;
	req->tlen = 0;
	*used     = req->len + 1;
	return (CODEC_REQUEST);
}

static void
line_refuse(
        const struct codec_conn *cc, const char *why, struct codec_buf *out)
{
	(void)cc;
	codec_buf_add(out, "bad: ", 5);
	codec_buf_add(out, why, strlen(why));
	codec_buf_add(out, "\n", 1);
}

static int
line_answer(void *ctx, const struct codec_conn *cc,
        const struct codec_req *req, struct codec_buf *out, void *cm)
{
	struct line_miss *m = cm;

	(void)ctx;
	(void)cc;
	if (req->len > 0 && req->p[0] == 'h') {
		codec_buf_add(out, "hit ", 4);
		codec_buf_add(out, req->p, req->len);
		codec_buf_add(out, "\n", 1);
		return (1);
	}
	snprintf(m->line, sizeof(m->line), "%.*s", (int)req->len, req->p);
	return (0);
}

static void
line_reply(const struct codec_conn *cc, const void *cm, const char *text,
        size_t n, struct codec_buf *out)
{
	const struct line_miss *m = cm;

	(void)cc;
	codec_buf_add(out, text, n);
	codec_buf_add(out, " for ", 5);
	codec_buf_add(out, m->line, strlen(m->line));
	codec_buf_add(out, "\n", 1);
}

static void
line_miss_free(void *cm)
{
	(void)cm;
	__atomic_add_fetch(&misses_freed, 1, __ATOMIC_RELAXED);
}

static const struct codec line_codec = {
	.name      = "line",
	.bad_logid = "T-BAD",
	.miss_size = sizeof(struct line_miss),
	.hello     = line_hello,
	.frame     = line_frame,
	.refuse    = line_refuse,
	.answer    = line_answer,
	.reply     = line_reply,
	.miss_free = line_miss_free,
};

/* ------------------------------------------------------------ fixture -- */

struct fix {
	struct event_base *loop;
	struct engine     *e;
	int                seen; /* misses given to the loop */
	int                hold; /* do not answer them */
	int                fd;   /* run_until_readable */
};

/* on_miss - the loop side: answer at once, "M" */
static void
on_miss(void *arg, struct engine_miss *m)
{
	struct fix *f = arg;

	assert_ptr_equal(engine_miss_arg(m), f);
	assert_string_equal(engine_miss_via(m), "test");
	f->seen++;
	if (!f->hold) {
		engine_answer(m, strdup("M"));
	}
}

static void
fix_init(struct fix *f, int first, int idle, const struct peerlimit_conf *pc)
{
	struct engine_conf ec
	        = { 2048, first, idle, "T-BUSY", "T-ACCEPT", "T-IDLE" };

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	assert_non_null(f->loop = event_base_new());
	f->e = engine_new(f->loop, &ec, &line_codec, pc);
}

static void
fix_start(struct fix *f, int nthreads)
{
	char why[256];

	assert_int_equal(engine_start(f->e, nthreads, NULL, on_miss, f, why,
	                         sizeof(why)),
	        0);
	assert_int_equal(engine_threads(f->e), nthreads);
}

static void
fix_free(struct fix *f)
{
	engine_free(f->e);
	event_base_free(f->loop);
}

/* run_until - run the loop until pred holds; fails after 30 s. */
static void
run_until(struct fix *f, int (*pred)(struct fix *))
{
	struct timeval t0, t1;

	gettimeofday(&t0, NULL);
	while (!pred(f)) {
		struct timeval slice = { 0, 2000 };

		event_base_loopexit(f->loop, &slice);
		event_base_dispatch(f->loop);
		gettimeofday(&t1, NULL);
		assert_true(t1.tv_sec - t0.tv_sec < 30);
	}
}

static int
no_conns(struct fix *f)
{
	return (engine_conns(f->e) == 0);
}

static int
readable(struct fix *f)
{
	struct pollfd p = { f->fd, POLLIN, 0 };

	return (poll(&p, 1, 0) == 1);
}

/* pair - a connection served by the engine (variant v); the client's
 * end. */
static int
pair(struct fix *f, int v)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	engine_add(f->e, sv[1], "test", v, 0, NULL);
	return (sv[0]);
}

/* expect - read exactly want from fd (running the loop meanwhile), then
 * nothing more unless more; eof: then EOF. */
static void
expect(struct fix *f, int fd, const char *want, int eof)
{
	char   got[512];
	size_t n = 0, w = strlen(want);

	f->fd = fd;
	while (n < w) {
		ssize_t k;

		run_until(f, readable);
		k = read(fd, got + n, sizeof(got) - n);
		assert_true(k > 0);
		n += (size_t)k;
	}
	assert_int_equal(n, w);
	assert_memory_equal(got, want, w);
	if (eof) {
		ssize_t k;

		run_until(f, readable);
		k = read(fd, got, sizeof(got));
		assert_true(k == 0 || (k < 0 && errno == ECONNRESET));
	}
}

/* -------------------------------------------------------------- cases -- */

static void
order_case(int nthreads)
{
	struct fix f;
	int        fd, before;

	fix_init(&f, 10, 300, NULL);
	fix_start(&f, nthreads);
	before = __atomic_load_n(&misses_freed, __ATOMIC_RELAXED);
	fd     = pair(&f, 0);
	assert_int_equal(write(fd, "h1\nm1\nh2\nm2\nm3\nh3\n", 18), 18);
	expect(&f, fd,
	        "hi\nhit h1\nM for m1\nhit h2\nM for m2\nM for m3\nhit h3\n",
	        0);
	assert_int_equal(f.seen, 3);
	/* a half line, then EOF: dropped, closed */
	assert_int_equal(write(fd, "h4", 2), 2);
	shutdown(fd, SHUT_WR);
	expect(&f, fd, "", 1);
	run_until(&f, no_conns);
	close(fd);
	assert_int_equal(
	        __atomic_load_n(&misses_freed, __ATOMIC_RELAXED) - before, 3);
	fix_free(&f);
}

static void
test_order(void **state)
{
	(void)state;
	order_case(0);
	order_case(2);
}

/* bad_case - a hit, a malformed line, a miss behind it: the hit, the
 * refusal, EOF; the miss is never looked up. A long line without an end:
 * refused by the codec; with a codec that never refuses (variant 2), the
 * engine's input bound closes the connection without a reply. */
static void
bad_case(int nthreads)
{
	struct fix f;
	char       big[3000];
	int        fd;

	fix_init(&f, 10, 300, NULL);
	fix_start(&f, nthreads);
	fd = pair(&f, 0);
	assert_int_equal(write(fd, "h1\n!x\nm1\n", 9), 9);
	expect(&f, fd, "hi\nhit h1\nbad: bang\n", 1);
	close(fd);
	memset(big, 'h', sizeof(big));
	fd = pair(&f, 0);
	assert_int_equal(write(fd, big, 100), 100);
	expect(&f, fd, "hi\nbad: line too long\n", 1);
	close(fd);
	fd = pair(&f, 2);
	assert_int_equal(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	expect(&f, fd, "hi\n", 1);
	close(fd);
	run_until(&f, no_conns);
	assert_int_equal(f.seen, 0);
	fix_free(&f);
}

static void
test_bad(void **state)
{
	(void)state;
	bad_case(0);
	bad_case(2);
}

/* timeouts: one connection silent since its accept, one idle after a
 * request, one trickling bytes of a request that never ends: each is
 * closed (the first-request timeout counts from the accept). */
static void
test_timeouts(void **state)
{
	struct fix f;
	int        a, b, c, i;

	(void)state;
	fix_init(&f, 1, 1, NULL);
	fix_start(&f, 1);
	a = pair(&f, 0);
	b = pair(&f, 0);
	c = pair(&f, 0);
	assert_int_equal(write(b, "h1\n", 3), 3);
	expect(&f, b, "hi\nhit h1\n", 0);
	expect(&f, a, "hi\n", 0);
	expect(&f, c, "hi\n", 0);
	for (i = 0; i < 3 && engine_conns(f.e) > 0; i++) {
		(void)write(c, "h", 1);
		usleep(400000);
	}
	expect(&f, a, "", 1);
	expect(&f, b, "", 1);
	expect(&f, c, "", 1);
	run_until(&f, no_conns);
	close(a);
	close(b);
	close(c);
	fix_free(&f);
}

/* test_stop - stopped with a miss held by the loop: the connection
 * closes, the miss is freed. */
static void
test_stop(void **state)
{
	struct fix    f;
	struct pollfd p;
	char          ch;
	int           fd, before, n;

	(void)state;
	for (n = 0; n <= 2; n += 2) {
		before = __atomic_load_n(&misses_freed, __ATOMIC_RELAXED);
		fix_init(&f, 10, 300, NULL);
		fix_start(&f, n);
		f.hold   = 1;
		fd       = pair(&f, 0);
		p.fd     = fd;
		p.events = POLLIN;
		assert_int_equal(write(fd, "m1\n", 3), 3);
		expect(&f, fd, "hi\n", 0);
		while (f.seen == 0) {
			struct timeval slice = { 0, 2000 };

			event_base_loopexit(f.loop, &slice);
			event_base_dispatch(f.loop);
		}
		fix_free(&f);
		/* closed by the stop */
		assert_int_equal(poll(&p, 1, 5000), 1);
		assert_true(read(fd, &ch, 1) <= 0);
		close(fd);
		assert_int_equal(
		        __atomic_load_n(&misses_freed, __ATOMIC_RELAXED)
		                - before,
		        1);
	}
}

/* ---------------------------------------------------------- listeners -- */

static int
connect_unix(const char *path)
{
	struct sockaddr_un sun;
	int                fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return (fd);
}

/* admission over a real listener: max 1 (no reserved users): the second
 * connection is refused (EOF without the hello) and the listener
 * pauses; once the first is gone, a third is served (the pause ends by
 * itself). Then per_peer 1 of max 4: the same peer's second connection
 * is refused. */
static void
listen_case(int nthreads)
{
	struct peerlimit_conf pc;
	struct fix            f;
	struct stat           st;
	char                  dir[] = "/tmp/test_engine.XXXXXX", path[64];
	char                  why[256];
	int                   a, b, c;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	memset(&pc, 0, sizeof(pc));
	pc.max      = 1;
	pc.per_peer = 1;
	fix_init(&f, 10, 300, &pc);
	assert_int_equal(engine_listen_unix(f.e, path, 0600, "test", 0,
	                         "test: unix", why, sizeof(why)),
	        0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(
	        engine_chown(f.e, getuid(), getgid(), why, sizeof(why)), 0);
	fix_start(&f, nthreads);
	a = connect_unix(path);
	expect(&f, a, "hi\n", 0);
	b = connect_unix(path);
	expect(&f, b, "", 1);
	assert_int_equal(write(a, "h1\n", 3), 3);
	expect(&f, a, "hit h1\n", 0);
	close(a);
	close(b);
	run_until(&f, no_conns);
	c = connect_unix(path);
	expect(&f, c, "hi\n", 0);
	close(c);
	run_until(&f, no_conns);
	fix_free(&f);
	/* engine_free removed the socket file */
	assert_int_equal(stat(path, &st), -1);

	pc.max      = 4;
	pc.per_peer = 1;
	fix_init(&f, 10, 300, &pc);
	assert_int_equal(engine_listen_unix(f.e, path, 0600, "test", 0,
	                         "test: unix", why, sizeof(why)),
	        0);
	fix_start(&f, nthreads);
	a = connect_unix(path);
	expect(&f, a, "hi\n", 0);
	b = connect_unix(path);
	expect(&f, b, "", 1);
	assert_int_equal(engine_conns(f.e), 1);
	close(a);
	close(b);
	run_until(&f, no_conns);
	fix_free(&f);
	rmdir(dir);
}

static void
test_listen(void **state)
{
	(void)state;
	listen_case(0);
	listen_case(2);
}

/* without connection limits an engine has no listener */
static void
test_listen_needs_limits(void **state)
{
	struct fix f;
	char       why[256];

	(void)state;
	fix_init(&f, 10, 300, NULL);
	assert_int_equal(engine_listen_unix(f.e, "/tmp/never", 0600, "test", 0,
	                         "test: unix", why, sizeof(why)),
	        -1);
	assert_string_equal(why, "test: unix: no connection limits");
	fix_free(&f);
}

/* ----------------------------------------------------------- eviction -- */

/* connect_from - a TCP connection from loopback address src to port. */
static int
connect_from(const char *src, int port)
{
	struct sockaddr_in sin;
	int                fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, src, &sin.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr), 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return (fd);
}

static size_t conns_want;

static int
conns_are(struct fix *f)
{
	return (engine_conns(f->e) == conns_want);
}

/* 4 in all, 2 per peer, 1 reserved (nobody's): a pool of 3. 127.0.0.2
 * holds 2 (its oldest busy with a miss out), 127.0.0.3 holds 1; the
 * newcomer 127.0.0.4 is served, the idle second connection of 127.0.0.2
 * closed; then 127.0.0.5 finds nobody holding more than 1: refused. */
static void
evict_case(int nthreads)
{
	struct peerlimit_conf pc;
	struct sockaddr_in    sin;
	socklen_t             sl = sizeof(sin);
	struct fix            f;
	unsigned long         evicted = 0;
	char                  why[256];
	int                   a1, a2, b1, c1, d1, port;

	memset(&pc, 0, sizeof(pc));
	pc.max      = 4;
	pc.per_peer = 2;
	pc.reserve  = 1;
	fix_init(&f, 10, 300, &pc);
	engine_count_evictions(f.e, &evicted);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr), 1);
	assert_int_equal(engine_listen_tcp(f.e, (struct sockaddr *)&sin,
	                         (int)sizeof(sin), "test", 0, 0, "test: tcp",
	                         why, sizeof(why)),
	        0);
	assert_int_equal(getsockname(evconnlistener_get_fd(f.e->l[0]->lev),
	                         (struct sockaddr *)&sin, &sl),
	        0);
	port = ntohs(sin.sin_port);
	fix_start(&f, nthreads);
	a1 = connect_from("127.0.0.2", port);
	expect(&f, a1, "hi\n", 0);
	assert_int_equal(write(a1, "h1\n", 3), 3);
	expect(&f, a1, "hit h1\n", 0);
	a2 = connect_from("127.0.0.2", port);
	expect(&f, a2, "hi\n", 0);
	assert_int_equal(write(a2, "h2\n", 3), 3);
	expect(&f, a2, "hit h2\n", 0);
	b1 = connect_from("127.0.0.3", port);
	expect(&f, b1, "hi\n", 0);
	/* the oldest becomes busy: a miss that is not answered */
	f.hold = 1;
	assert_int_equal(write(a1, "m1\n", 3), 3);
	while (f.seen == 0) {
		struct timeval slice = { 0, 2000 };

		event_base_loopexit(f.loop, &slice);
		event_base_dispatch(f.loop);
	}
	c1 = connect_from("127.0.0.4", port);
	expect(&f, c1, "hi\n", 0);
	expect(&f, a2, "", 1); /* the idle one was closed */
	conns_want = 3;
	run_until(&f, conns_are);
	assert_int_equal(evicted, 1);
	assert_int_equal(peerlimit_inflight(f.e->peers), 0);
	/* everyone holds 1 now: the next newcomer is refused */
	d1 = connect_from("127.0.0.5", port);
	expect(&f, d1, "", 1);
	assert_int_equal(evicted, 1);
	/* the others still answer */
	assert_int_equal(write(b1, "h3\n", 3), 3);
	expect(&f, b1, "hit h3\n", 0);
	assert_int_equal(write(c1, "h4\n", 3), 3);
	expect(&f, c1, "hit h4\n", 0);
	close(a1);
	close(a2);
	close(b1);
	close(c1);
	close(d1);
	fix_free(&f);
}

static void
test_evict(void **state)
{
	(void)state;
	evict_case(0);
	evict_case(2);
}

/* wait_read - run the loop until fd is readable; read what is there: the
 * bytes read, 0 at EOF or reset. */
static ssize_t
wait_read(struct fix *f, int fd, char *buf, size_t len)
{
	ssize_t k;

	f->fd = fd;
	run_until(f, readable);
	k = read(fd, buf, len);
	return (k < 0 ? 0 : k);
}

/* A race of the workers and the loop over the same connections: 6 in
 * all, 3 per peer, a pool of 5 held by 127.0.0.2 (3) and 127.0.0.3 (2),
 * each sending a request in every round while a newcomer from another
 * address arrives; an evicted connection is opened again. Every request
 * is answered or its connection closed, never both half; at the end no
 * eviction is left in flight. (Run under TSan: docs/DECISIONS.md N5.) */
static void
evict_race(int nthreads)
{
	struct peerlimit_conf pc;
	struct sockaddr_in    sin;
	socklen_t             sl = sizeof(sin);
	struct fix            f;
	unsigned long         evicted = 0;
	const char           *src[5] = { "127.0.0.2", "127.0.0.2", "127.0.0.2",
		          "127.0.0.3", "127.0.0.3" };
	char                  why[256], buf[64], want[32], nsrc[32];
	int                   fd[5], n, i, round, port;
	ssize_t               k;

	memset(&pc, 0, sizeof(pc));
	pc.max      = 6;
	pc.per_peer = 3;
	pc.reserve  = 1;
	fix_init(&f, 10, 300, &pc);
	engine_count_evictions(f.e, &evicted);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr), 1);
	assert_int_equal(engine_listen_tcp(f.e, (struct sockaddr *)&sin,
	                         (int)sizeof(sin), "test", 0, 0, "test: tcp",
	                         why, sizeof(why)),
	        0);
	assert_int_equal(getsockname(evconnlistener_get_fd(f.e->l[0]->lev),
	                         (struct sockaddr *)&sin, &sl),
	        0);
	port = ntohs(sin.sin_port);
	fix_start(&f, nthreads);
	for (i = 0; i < 5; i++) {
		fd[i] = connect_from(src[i], port);
		expect(&f, fd[i], "hi\n", 0);
	}
	for (round = 0; round < 40; round++) {
		n = snprintf(want, sizeof(want), "h%d\n", round);
		for (i = 0; i < 5; i++) {
			(void)send(fd[i], want, (size_t)n, MSG_NOSIGNAL);
		}
		snprintf(nsrc, sizeof(nsrc), "127.0.0.%d", 10 + round);
		i = connect_from(nsrc, port);
		k = wait_read(&f, i, buf, sizeof(buf));
		assert_true(k == 0 || (k == 3 && memcmp(buf, "hi\n", 3) == 0));
		close(i);
		for (i = 0; i < 5; i++) {
			k = wait_read(&f, fd[i], buf, sizeof(buf));
			if (k > 0) {
				/* answered: "hit hN" */
				assert_int_equal(k, n + 4);
				assert_memory_equal(buf, "hit ", 4);
				continue;
			}
			/* evicted (idle before this round's request came,
			 * or in the next one): open it again, when there is
			 * room */
			close(fd[i]);
			fd[i] = connect_from(src[i], port);
			k     = wait_read(&f, fd[i], buf, sizeof(buf));
			assert_true(k == 0 || k == 3);
		}
	}
	for (i = 0; i < 5; i++) {
		close(fd[i]);
	}
	run_until(&f, no_conns);
	assert_int_equal(peerlimit_inflight(f.e->peers), 0);
	assert_true(evicted > 0);
	fix_free(&f);
}

static void
test_evict_race(void **state)
{
	(void)state;
	evict_race(2);
	evict_race(0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_listen_needs_limits),
		cmocka_unit_test(test_evict),
		cmocka_unit_test(test_evict_race),
	};

	assert_int_equal(evthread_use_pthreads(), 0);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
