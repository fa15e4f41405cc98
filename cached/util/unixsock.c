/*
 * unixsock.c - a listening Unix-domain stream socket (see unixsock.h).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/util.h>

#include "util/unixsock.h"

int
unixsock_listen(
        const char *path, int mode, const char *what, char *why, size_t whylen)
{
	struct sockaddr_un sun;
	struct stat        st;
	int                fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (*path != '/' || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(why, whylen,
		        "%s: need an absolute path shorter than %zu bytes",
		        what, sizeof(sun.sun_path));
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(why, whylen, "%s: exists and is not a socket",
			        what);
			return (-1);
		}
		unlink(path); /* stale: the pid file lock excludes a twin */
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0) {
		snprintf(why, whylen, "%s: socket: %s", what, strerror(errno));
		return (-1);
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0
	        || chmod(path, (mode_t)mode) != 0 || listen(fd, 128) != 0
	        || evutil_make_socket_nonblocking(fd) != 0
	        || evutil_make_socket_closeonexec(fd) != 0) {
		snprintf(why, whylen, "%s: %s", what, strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}
