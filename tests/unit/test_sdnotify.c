/*
 * test_sdnotify.c - the systemd notification protocol against a real
 * AF_UNIX datagram socket: nothing sent without $NOTIFY_SOCKET, READY=1 and
 * STATUS= arrive as one datagram each at a path socket and at an abstract
 * ("@name") socket, RELOADING=1 carries MONOTONIC_USEC, and a bad or absent
 * socket is an error naming it.
 */
#include <sys/socket.h>
#include <sys/un.h>

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

#include "daemon/sdnotify.h"

/* bind_dgram - a datagram socket at name ('@' = abstract). */
static int
bind_dgram(const char *name)
{
	struct sockaddr_un sun;
	size_t             len = strlen(name);
	int                fd  = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	assert_int_equal(
	        bind(fd, (struct sockaddr *)&sun,
	                (socklen_t)(offsetof(struct sockaddr_un, sun_path)
	                        + len)),
	        0);
	return (fd);
}

/* recv_one - the next datagram, NUL-terminated (not blocking: the sender
 * has already sent it). */
static void
recv_one(int fd, char *buf, size_t len)
{
	ssize_t n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	buf[n] = '\0';
}

static void
assert_empty(int fd)
{
	char buf[16];

	assert_true(recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0);
}

static void
test_unset(void **state)
{
	char why[256] = "";

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(sdnotify_send("READY=1", why, sizeof(why)), 0);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(sdnotify_status("x", why, sizeof(why)), 0);
	assert_string_equal(why, "");
}

static void
test_path(void **state)
{
	char path[64], why[256], buf[512];
	int  fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_sdnotify.%ld", (long)getpid());
	unlink(path);
	fd = bind_dgram(path);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(
	        sdnotify_send("READY=1\nSTATUS=serving", why, sizeof(why)), 1);
	recv_one(fd, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1\nSTATUS=serving");
	assert_int_equal(
	        sdnotify_status("reloading mxtlsd.conf", why, sizeof(why)), 1);
	recv_one(fd, buf, sizeof(buf));
	assert_string_equal(buf, "STATUS=reloading mxtlsd.conf");
	assert_int_equal(sdnotify_send("STOPPING=1", why, sizeof(why)), 1);
	recv_one(fd, buf, sizeof(buf));
	assert_string_equal(buf, "STOPPING=1");
	assert_empty(fd);
	close(fd);
	unlink(path);
	/* nobody listens there any more: an error naming the socket */
	assert_int_equal(sdnotify_send("READY=1", why, sizeof(why)), -1);
	assert_non_null(strstr(why, path));
	unsetenv("NOTIFY_SOCKET");
}

static void
test_abstract_reloading(void **state)
{
	char               name[64], why[256], buf[512];
	unsigned long long usec;
	struct timespec    before, after;
	int                fd;

	(void)state;
	snprintf(name, sizeof(name), "@test_sdnotify.%ld", (long)getpid());
	fd = bind_dgram(name);
	setenv("NOTIFY_SOCKET", name, 1);
	clock_gettime(CLOCK_MONOTONIC, &before);
	assert_int_equal(sdnotify_reloading(why, sizeof(why)), 1);
	clock_gettime(CLOCK_MONOTONIC, &after);
	recv_one(fd, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27), 0);
	usec = strtoull(buf + 27, NULL, 10);
	assert_true(usec >= (unsigned long long)before.tv_sec * 1000000ULL
	                + (unsigned long long)before.tv_nsec / 1000);
	assert_true(usec <= (unsigned long long)after.tv_sec * 1000000ULL
	                + (unsigned long long)after.tv_nsec / 1000);
	assert_int_equal(sdnotify_send("READY=1", why, sizeof(why)), 1);
	recv_one(fd, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1");
	close(fd);
	unsetenv("NOTIFY_SOCKET");
}

static void
test_bad_name(void **state)
{
	char why[256];

	(void)state;
	setenv("NOTIFY_SOCKET", "relative/socket", 1);
	assert_int_equal(sdnotify_send("READY=1", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "relative/socket"));
	unsetenv("NOTIFY_SOCKET");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unset),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_abstract_reloading),
		cmocka_unit_test(test_bad_name),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
