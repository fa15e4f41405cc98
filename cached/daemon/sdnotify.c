/*
 * sdnotify.c - sd_notify(3) without libsystemd: the daemon tells systemd
 * (Type=notify) that it is ready, reloading or stopping, and what it is
 * doing (STATUS=). The protocol is a single datagram of newline-separated
 * KEY=VALUE assignments sent to the AF_UNIX socket whose path is in
 * $NOTIFY_SOCKET; a leading '@' names a socket in the abstract namespace.
 * Errors never stop the daemon: the caller logs them.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/sdnotify.h"

int
sdnotify_send(const char *state, char *why, size_t whylen)
{
	const char        *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t          salen;
	size_t             len;
	ssize_t            n;
	int                fd;

	if (name == NULL || name[0] == '\0') {
		return (0);
	}
	len = strlen(name);
	if ((name[0] != '/' && name[0] != '@')
	        || len >= sizeof(sun.sun_path)) {
		snprintf(why, whylen,
		        "NOTIFY_SOCKET=\"%s\": not an absolute path or "
		        "@abstract name that fits a socket address",
		        name);
		return (-1);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@') {
		sun.sun_path[0] = '\0';
	}
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(why, whylen, "NOTIFY_SOCKET: socket: %s",
		        strerror(errno));
		return (-1);
	}
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	        (struct sockaddr *)&sun, salen);
	if (n < 0 || (size_t)n != strlen(state)) {
		snprintf(why, whylen, "NOTIFY_SOCKET %s: send: %s", name,
		        n < 0 ? strerror(errno) : "short write");
		close(fd);
		return (-1);
	}
	close(fd);
	return (1);
}

int
sdnotify_status(const char *text, char *why, size_t whylen)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "STATUS=%s", text);
	return (sdnotify_send(buf, why, whylen));
}

int
sdnotify_reloading(char *why, size_t whylen)
{
	struct timespec ts;
	char            buf[128];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
	        (unsigned long long)ts.tv_sec * 1000000ULL
	                + (unsigned long long)ts.tv_nsec / 1000ULL);
	return (sdnotify_send(buf, why, whylen));
}
