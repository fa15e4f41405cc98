/*
 * spclient_share.c - a client's connection shared with the processes
 * forked from its owner (spclient_share; see spclient.h for the rules):
 * one exchange at a time under a POSIX record lock on a memfd whose first
 * byte says whether the stream is clean; an exchange that does not finish
 * leaves it dirty, and every process then opens its own. Descriptors are
 * checked by fstat identity before an inherited one is used or closed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "spclient_int.h"

/* spclient_share_same_file - fd is still the file (dev, ino) it was: a forked
 * child may have closed an inherited descriptor and reused its number. */
int
spclient_share_same_file(int fd, dev_t dev, ino_t ino)
{
	struct stat st;

	return (fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == dev
	        && st.st_ino == ino);
}

void
spclient_share_remember(int fd, dev_t *dev, ino_t *ino)
{
	struct stat st;

	if (fstat(fd, &st) == 0) {
		*dev = st.st_dev;
		*ino = st.st_ino;
	}
}

/* spclient_share_lock - make fd's memfd (lock and state byte) for children. */
void
spclient_share_lock(struct spclient *c)
{
	unsigned char b = SHARE_CLEAN;

	if (!c->share || c->fd < 0 || c->lockfd >= 0 || c->adopted) {
		return;
	}
	if ((c->lockfd = memfd_create("mxtls-spclient", MFD_CLOEXEC)) < 0) {
		return; /* not shared: children connect themselves */
	}
	if (pwrite(c->lockfd, &b, 1, 0) != 1) {
		close(c->lockfd);
		c->lockfd = -1;
		return;
	}
	spclient_share_remember(c->lockfd, &c->lock_dev, &c->lock_ino);
}

int
spclient_share(struct spclient *c)
{
	c->share = 1;
	if (c->fd >= 0 && c->pid == getpid()) {
		spclient_share_lock(c);
	}
	return (c->fd < 0 || c->lockfd >= 0 ? 0 : -1);
}

/* share_set - write the state byte of a shared connection. */
static void
share_set(struct spclient *c, unsigned char b)
{
	if (pwrite(c->lockfd, &b, 1, 0) != 1) {
		/* cannot record: nobody else may trust the stream */
		spclient_disconnect(c);
	}
}

/* share_unlock - release a shared connection's lock (when still ours). */
static void
share_unlock(struct spclient *c)
{
	struct flock fl;

	if (c->lockfd < 0) {
		return;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type   = F_UNLCK;
	fl.l_whence = SEEK_SET;
	(void)fcntl(c->lockfd, F_SETLK, &fl);
}

/*
 * spclient_share_acquire - ensure a connection; when it is shared, wait for
 * its lock (POSIX record locks: one holder per process, released when a holder
 * dies) and mark it dirty until the exchange ends. A connection left dirty
 * by another process is dropped and this process opens its own.
 */
enum spclient_status
spclient_share_acquire(struct spclient *c, long long deadline, int *fresh,
        char *why, size_t whylen)
{
	struct flock         fl;
	unsigned char        b;
	enum spclient_status st;
	int                  tries;

	for (tries = 0; tries < 2; tries++) {
		if ((st = spclient_ensure(c, deadline, fresh, why, whylen))
		        != SPCLIENT_OK) {
			return (st);
		}
		if (c->lockfd < 0) {
			return (SPCLIENT_OK);
		}
		memset(&fl, 0, sizeof(fl));
		fl.l_type   = F_WRLCK;
		fl.l_whence = SEEK_SET;
		while (fcntl(c->lockfd, F_SETLK, &fl) != 0) {
			if ((errno != EACCES && errno != EAGAIN
			            && errno != EINTR)
			        || spclient_left_ms(deadline) == 0) {
				snprintf(why, whylen,
				        "%s: shared connection busy: %s",
				        c->url,
				        errno == EACCES || errno == EAGAIN
				                ? "timed out"
				                : strerror(errno));
				return (errno == EACCES || errno == EAGAIN
				                ? SPCLIENT_TIMEOUT
				                : SPCLIENT_ERROR);
			}
			(void)poll(NULL, 0, 1);
		}
		if (pread(c->lockfd, &b, 1, 0) == 1 && b == SHARE_CLEAN) {
			share_set(c, SHARE_DIRTY);
			if (c->fd >= 0) {
				return (SPCLIENT_OK);
			}
			continue;
		}
		/* another process's exchange did not finish: the stream
		 * may hold half a frame; everybody leaves it */
		share_unlock(c);
		spclient_disconnect(c);
	}
	snprintf(why, whylen, "%s: no usable connection", c->url);
	return (SPCLIENT_ERROR);
}

/* spclient_share_release - the exchange on a shared connection is over (ok:
 * cleanly). */
void
spclient_share_release(struct spclient *c, int ok)
{
	if (c->lockfd < 0) {
		return;
	}
	if (ok) {
		share_set(c, SHARE_CLEAN);
	}
	share_unlock(c);
}
