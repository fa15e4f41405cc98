/*
 * test_doors.c - the front doors' wiring (cached/door/socketmap.c,
 * cached/door/direct.c) on real Unix sockets in a temporary directory:
 * the settings reach the engine and the codec (socketmap.max_connections
 * and ipc.max_connections refuse the connection over them; the socketmap
 * request limit; the IPC request limit answered on the loop with an
 * error reply), hits are answered from the answer cache on the workers,
 * NOTFOUND keys without a lookup, chown and the removal of the socket
 * files on free. No lookup reaches a resolver: the cases need none.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

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
#include <event2/thread.h>

#include "door/direct.h"
#include "door/socketmap.h"
#include "proto.h"
#include "serve/answer_cache.h"
#include "serve/query.h"
#include "spframe.h"
#include "util/clock.h"
#include "util/conf.h"

#define HIT_JSON "{\"v\":1,\"status\":\"ok\",\"policy\":\"sts\"}"
#define HIT_REQ  "{\"v\":1,\"op\":\"policy\",\"domain\":\"h1.test\"}"

static struct event_base *loop;
static int                watch_fd;

static int
readable(void)
{
	struct pollfd p = { watch_fd, POLLIN, 0 };

	return (poll(&p, 1, 0) == 1);
}

/* wait_readable - run the loop until fd has input (or EOF); 30 s. */
static void
wait_readable(int fd)
{
	struct timeval t0, t1;

	watch_fd = fd;
	gettimeofday(&t0, NULL);
	while (!readable()) {
		struct timeval slice = { 0, 2000 };

		event_base_loopexit(loop, &slice);
		event_base_dispatch(loop);
		gettimeofday(&t1, NULL);
		assert_true(t1.tv_sec - t0.tv_sec < 30);
	}
}

/* expect - read exactly want (wlen bytes) from fd, running the loop;
 * eof: then EOF. */
static void
expect(int fd, const char *want, size_t wlen, int eof)
{
	char   *got = malloc(wlen + 1);
	size_t  n   = 0;
	ssize_t k;

	while (n < wlen) {
		wait_readable(fd);
		k = read(fd, got + n, wlen - n);
		assert_true(k > 0);
		n += (size_t)k;
	}
	assert_memory_equal(got, want, wlen);
	free(got);
	if (eof) {
		char b;

		wait_readable(fd);
		k = read(fd, &b, 1);
		assert_true(k == 0 || (k < 0 && errno == ECONNRESET));
	}
}

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

static struct answer_cache *
answers_new(void)
{
	struct answer_cache *ac  = answer_cache_create(100, 300);
	int64_t              now = clock_now();

	answer_cache_put(
	        ac, "h1.test", HIT_JSON, strlen(HIT_JSON), now, now + 300);
	answer_cache_set_text(ac, "h1.test", now, "OK hit:h1");
	return (ac);
}

static void
socketmap_case(int nthreads)
{
	struct conf           c;
	struct query_services svc;
	struct socketmap     *sm;
	struct stat           st;
	char   dir[] = "/tmp/test_doors.XXXXXX", path[64], why[256], *big;
	int    a, b;
	size_t n = SOCKETMAP_MAX_REQUEST + 1;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sm", dir);
	conf_defaults(&c);
	assert_true(asprintf(&c.socketmap_listen[0], "unix:%s", path) > 0);
	c.socketmap_threads         = nthreads;
	c.socketmap_max_connections = 1;
	assert_non_null(loop = event_base_new());
	sm = socketmap_open(loop, &c, why, sizeof(why));
	assert_non_null(sm);
	assert_int_equal(
	        socketmap_chown(sm, getuid(), getgid(), why, sizeof(why)), 0);
	memset(&svc, 0, sizeof(svc));
	svc.conf    = &c;
	svc.answers = answers_new();
	socketmap_attach(sm, &svc);
	a = connect_unix(path);
	assert_int_equal(write_all(a, "9:x h1.test,10:x .h1.test,", 26), 0);
	expect(a, "9:OK hit:h1,9:NOTFOUND ,", 24, 0);
	/* over socketmap.max_connections: refused, nothing said */
	b = connect_unix(path);
	expect(b, "", 0, 1);
	close(b);
	/* over the request limit: PERM, closed */
	big = malloc(n + 16);
	snprintf(big, 16, "%zu:", n);
	assert_int_equal(write_all(a, big, strlen(big)), 0);
	expect(a, "48:PERM request too long: 10001 bytes (limit 10000),", 52,
	        1);
	free(big);
	close(a);
	socketmap_free(sm);
	assert_int_equal(stat(path, &st), -1);
	answer_cache_free(svc.answers);
	event_base_free(loop);
	conf_free(&c);
	rmdir(dir);
}

static void
test_socketmap(void **state)
{
	(void)state;
	socketmap_case(0);
	socketmap_case(2);
}

/* sp_msg - an SP message over ipc:// (request id 1, payload p) */
static size_t
sp_msg(char *out, const char *p, size_t n)
{
	size_t h = spframe_msg_header(
	        SPFRAME_IPC, (unsigned char *)out, 4 + (uint64_t)n);

	memcpy(out + h, "\x80\0\0\x01", 4);
	memmove(out + h + 4, p, n); /* p may be in out */
	return (h + 4 + n);
}

static void
direct_case(int nthreads)
{
	struct conf          c;
	struct direct       *d;
	struct answer_cache *ac = answers_new();
	struct stat          st;
	char   dir[] = "/tmp/test_doors.XXXXXX", path[64], url[80], why[256];
	char  *buf, *want, *err;
	size_t n = PROTO_MAX_MSG + 1, k, w;
	int    a, b;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/d", dir);
	snprintf(url, sizeof(url), "ipc://%s", path);
	conf_defaults(&c);
	c.ipc_direct_threads  = nthreads;
	c.ipc_max_connections = 1;
	assert_non_null(loop = event_base_new());
	d = direct_open(loop, &c);
	assert_int_equal(direct_listen(d, "ipc.direct", "tcp://127.0.0.1:1",
	                         0600, 0, why, sizeof(why)),
	        -1);
	assert_string_equal(why,
	        "ipc.direct: \"tcp://127.0.0.1:1\": expected ipc:///PATH");
	assert_int_equal(
	        direct_listen(d, "ipc.direct", url, 0600, 0, why, sizeof(why)),
	        0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(
	        direct_chown(d, getuid(), getgid(), why, sizeof(why)), 0);
	direct_attach(d, NULL, ac);
	buf  = malloc(n + 64);
	want = malloc(512);
	a    = connect_unix(path);
	memcpy(buf, "\0SP\0\0\x30\0\0", 8);
	k = 8 + sp_msg(buf + 8, HIT_REQ, strlen(HIT_REQ));
	assert_int_equal(write_all(a, buf, k), 0);
	memcpy(want, "\0SP\0\0\x31\0\0", 8);
	w = 8 + sp_msg(want + 8, HIT_JSON, strlen(HIT_JSON));
	expect(a, want, w, 0);
	/* over ipc.max_connections: refused before our header */
	b = connect_unix(path);
	expect(b, "", 0, 1);
	close(b);
	/* over PROTO_MAX_MSG: the loop's error reply, the connection stays */
	memset(buf + 64, ' ', n);
	k = sp_msg(buf, buf + 64, n);
	assert_int_equal(write_all(a, buf, k), 0);
	err = proto_reply_error("request too large (65537 bytes, 65536 max)");
	w   = sp_msg(want, err, strlen(err));
	expect(a, want, w, 0);
	free(err);
	k = sp_msg(buf, HIT_REQ, strlen(HIT_REQ));
	assert_int_equal(write_all(a, buf, k), 0);
	w = sp_msg(want, HIT_JSON, strlen(HIT_JSON));
	expect(a, want, w, 0);
	close(a);
	free(buf);
	free(want);
	direct_free(d);
	assert_int_equal(stat(path, &st), -1);
	answer_cache_free(ac);
	event_base_free(loop);
	conf_free(&c);
	rmdir(dir);
}

static void
test_direct(void **state)
{
	(void)state;
	direct_case(0);
	direct_case(2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socketmap),
		cmocka_unit_test(test_direct),
	};

	assert_int_equal(evthread_use_pthreads(), 0);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
