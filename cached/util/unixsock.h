/*
 * unixsock.h - a listening Unix-domain stream socket for the daemon's
 * front doors that libevent serves (socketmap.c, direct.c).
 */
#ifndef MXTLS_CACHED_UNIXSOCK_H
#define MXTLS_CACHED_UNIXSOCK_H

#include <stddef.h>

/*
 * unixsock_listen - bind and listen on path (absolute, fits sun_path) with
 * file mode mode; a stale socket there is replaced (the pid file excludes
 * a running twin), any other file is an error. Returns the non-blocking,
 * close-on-exec descriptor (the caller's), or -1 with a reason in why
 * that starts with what ("socketmap.listen: unix:/x: ...").
 */
int unixsock_listen(const char *path, int mode, const char *what, char *why,
        size_t whylen);

#endif
