/*
 * spclient_share.c - the lock and state byte of a client connection
 * shared with forked children (see spclient_share.h; the rules are in
 * spclient.h): a POSIX record lock on a memfd (one holder per process,
 * released when the holder dies), whose first byte is SHARE_CLEAN between
 * exchanges and SHARE_DIRTY during one; an exchange that does not finish
 * leaves it dirty, and every process then opens its own connection.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "spclient_share.h"

#define SHARE_CLEAN 0 /* between exchanges: usable */
#define SHARE_DIRTY 1 /* an exchange did not finish: abandoned by all */

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

int
spclient_share_open(struct spclient_share *s)
{
	unsigned char b = SHARE_CLEAN;

	if ((s->lockfd = memfd_create("mxtls-spclient", MFD_CLOEXEC)) < 0) {
		return (-1); /* not shared: children connect themselves */
	}
	if (pwrite(s->lockfd, &b, 1, 0) != 1) {
		close(s->lockfd);
		s->lockfd = -1;
		return (-1);
	}
	spclient_share_remember(s->lockfd, &s->dev, &s->ino);
	return (0);
}

int
spclient_share_valid(const struct spclient_share *s)
{
	return (s->lockfd >= 0
	        && spclient_share_same_file(s->lockfd, s->dev, s->ino));
}

void
spclient_share_close(struct spclient_share *s, int owner)
{
	if (s->lockfd >= 0 && (owner || spclient_share_valid(s))) {
		close(s->lockfd);
	}
	s->lockfd = -1;
}

/* unlock - release the lock (when still ours). */
static void
unlock(struct spclient_share *s)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type   = F_UNLCK;
	fl.l_whence = SEEK_SET;
	(void)fcntl(s->lockfd, F_SETLK, &fl);
}

enum spclient_share_lock
spclient_share_trylock(struct spclient_share *s)
{
	struct flock  fl;
	unsigned char b;

	memset(&fl, 0, sizeof(fl));
	fl.l_type   = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(s->lockfd, F_SETLK, &fl) != 0) {
		return (errno == EACCES || errno == EAGAIN || errno == EINTR
		                ? SPCLIENT_SHARE_BUSY
		                : SPCLIENT_SHARE_FAIL);
	}
	if (pread(s->lockfd, &b, 1, 0) == 1 && b == SHARE_CLEAN) {
		b = SHARE_DIRTY;
		if (pwrite(s->lockfd, &b, 1, 0) == 1) {
			return (SPCLIENT_SHARE_CLEAN);
		}
	}
	/* another process's exchange did not finish (the stream may hold
	 * half a frame), or we cannot say ours is going on: everybody
	 * leaves it */
	unlock(s);
	return (SPCLIENT_SHARE_ABANDON);
}

int
spclient_share_release(struct spclient_share *s, int ok)
{
	unsigned char b  = SHARE_CLEAN;
	int           rv = 0;

	if (s->lockfd < 0) {
		return (0);
	}
	if (ok && pwrite(s->lockfd, &b, 1, 0) != 1) {
		rv = -1; /* cannot record: nobody else may trust the stream */
	}
	unlock(s);
	return (rv);
}
