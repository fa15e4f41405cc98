/*
 * test_fdlimit.c - the descriptor budget (cached/util/fdlimit.c) on a real
 * libevent listener: the soft limit raised to the hard one; the reserve
 * (a quarter, 32..1024, at most half); a connection whose descriptor
 * would eat into the reserve closed and the listener paused, then resumed
 * by its timer; accept failing with EMFILE pauses the listener (no spin)
 * and it serves again once descriptors are free. No timed assertions: the
 * loop runs until the expected event (a 20 s guard timer fails the test).
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "util/fdlimit.h"
#include "log.h"

static int                   accepted, refused, errors, guard_fired;
static struct fdlimit_pause *pause_;
static int                   nullfd;

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
        int salen, void *arg)
{
	(void)lev;
	(void)sa;
	(void)salen;
	(void)arg;
	if (!fdlimit_accept(pause_, fd)) {
		refused++;
		return;
	}
	fdlimit_served(pause_);
	accepted++;
	close(fd);
}

static void
on_error(struct evconnlistener *lev, void *arg)
{
	(void)lev;
	(void)arg;
	errors++;
	fdlimit_accept_error(pause_);
}

static void
on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	guard_fired = 1;
	event_base_loopbreak(arg);
}

static void
test_reserve_for(void **state)
{
	(void)state;
	assert_int_equal(fdlimit_reserve_for(1024), 256);
	assert_int_equal(fdlimit_reserve_for(256), 64);
	assert_int_equal(fdlimit_reserve_for(128), 32);
	assert_int_equal(fdlimit_reserve_for(100), 32);    /* at least 32 */
	assert_int_equal(fdlimit_reserve_for(40), 20);     /* at most half */
	assert_int_equal(fdlimit_reserve_for(8192), 1024); /* at most 1024 */
	assert_int_equal(fdlimit_reserve_for(1048576), 1024);
	/* before fdlimit_raise there is no ceiling */
	assert_true(fdlimit_fd_ok(100000));
}

/* fill - dup descriptors until the lowest free one is at least upto (or
 * none is free: upto < 0); returns how many were taken, in fds[]. */
static int
fill(int *fds, int max, int upto)
{
	int n = 0, fd;

	while (n < max && (fd = dup(nullfd)) >= 0) {
		fds[n++] = fd;
		if (upto >= 0 && fd >= upto - 1)
			break;
	}
	return (n);
}

static void
unfill(int *fds, int n)
{
	while (n > 0)
		close(fds[--n]);
}

static int
client(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	return (s);
}

static void
run_until(struct event_base *base, int *counter, int want)
{
	while (*counter < want && !guard_fired)
		event_base_loop(base, EVLOOP_ONCE);
	assert_false(guard_fired);
}

static void
test_pause_resume(void **state)
{
	struct rlimit          rl = { 64, 128 };
	struct sockaddr_in     sin;
	socklen_t              len = sizeof(sin);
	struct event_base     *base;
	struct evconnlistener *lev;
	struct event          *guard;
	struct timeval         tv = { 20, 0 };
	int                    fds[256], n, c1, c2, c3, c4, i;
	char                   b;

	(void)state;
	log_init("test", 1, 0);
	nullfd = open("/dev/null", O_RDONLY);
	assert_true(nullfd >= 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	fdlimit_raise();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(rl.rlim_cur, 128);
	assert_true(fdlimit_fd_ok(95));
	assert_false(fdlimit_fd_ok(96));
	/* the doors' caps must fit below descriptor 96 */
	{
		char why[512];

		assert_true(fdlimit_caps_fit(95, why, sizeof(why)));
		assert_false(fdlimit_caps_fit(96, why, sizeof(why)));
		assert_non_null(strstr(why, "up to 96 connections"));
		assert_non_null(
		        strstr(why, "from descriptor 96 on (limit 128"));
	}

	base = event_base_new();
	assert_non_null(base);
	guard = evtimer_new(base, on_guard, base);
	evtimer_add(guard, &tv);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family      = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lev                 = evconnlistener_new_bind(base, on_accept, NULL,
	                        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128,
	                        (struct sockaddr *)&sin, sizeof(sin));
	assert_non_null(lev);
	evconnlistener_set_error_cb(lev, on_error);
	pause_ = fdlimit_pause_new(base, lev, "test", "MXTLS-TEST-ACCEPT");
	assert_int_equal(getsockname(evconnlistener_get_fd(lev),
	                         (struct sockaddr *)&sin, &len),
	        0);

	/* plenty free: served */
	c1 = client();
	assert_int_equal(connect(c1, (struct sockaddr *)&sin, sizeof(sin)), 0);
	run_until(base, &accepted, 1);

	/* the next descriptor would be in the reserve: refused, paused */
	c2 = client();
	c3 = client();
	n  = fill(fds, 256, 96);
	assert_int_equal(connect(c2, (struct sockaddr *)&sin, sizeof(sin)), 0);
	run_until(base, &refused, 1);
	assert_int_equal(accepted, 1);
	assert_int_equal(recv(c2, &b, 1, 0), 0); /* closed by the daemon */
	/* paused: a waiting client is not taken before the timer */
	assert_int_equal(connect(c3, (struct sockaddr *)&sin, sizeof(sin)), 0);
	for (i = 0; i < 5; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(refused + accepted, 2);
	/* descriptors free again: the timer resumes the listener */
	unfill(fds, n);
	run_until(base, &accepted, 2);
	assert_int_equal(refused, 1);

	/* no descriptor at all: accept fails (EMFILE), the listener pauses
	 * instead of spinning, and serves once one is free */
	c4 = client();
	n  = fill(fds, 256, -1);
	assert_int_equal(errno, EMFILE);
	assert_int_equal(connect(c4, (struct sockaddr *)&sin, sizeof(sin)), 0);
	run_until(base, &errors, 1);
	for (i = 0; i < 50; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(errors, 1);
	unfill(fds, n);
	run_until(base, &accepted, 3);

	close(c1);
	close(c2);
	close(c3);
	close(c4);
	close(nullfd);
	fdlimit_pause_free(pause_);
	evconnlistener_free(lev);
	event_free(guard);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserve_for),
		cmocka_unit_test(test_pause_resume),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
