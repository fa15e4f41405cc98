/*
 * spclient_share.h - the lock and state of an SP client connection
 * shared with the processes forked from its owner (spclient_share in
 * spclient.h): a memfd whose POSIX record lock allows one exchange at a
 * time and whose first byte says whether the stream is clean. Below
 * spclient.c: it knows nothing of connections, only of the memfd and of
 * descriptor identity. Internal to common/spclient*.c.
 */
#ifndef MXTLS_COMMON_SPCLIENT_SHARE_H
#define MXTLS_COMMON_SPCLIENT_SHARE_H

#include <sys/types.h>

struct spclient_share {
	int   lockfd; /* the memfd, or -1 */
	dev_t dev;    /* what lockfd was when opened */
	ino_t ino;
};

/* What spclient_share_trylock found. */
enum spclient_share_lock {
	SPCLIENT_SHARE_CLEAN = 0, /* locked and marked busy: exchange now */
	SPCLIENT_SHARE_ABANDON,   /* left dirty by an exchange that did not
	                             finish, or cannot be marked: unlocked;
	                             the stream must be dropped */
	SPCLIENT_SHARE_BUSY,      /* another process holds it: try again */
	SPCLIENT_SHARE_FAIL,      /* fcntl failed (errno) */
};

/* spclient_share_same_file - fd is still the file (dev, ino) it was: a
 * forked child may have closed an inherited descriptor and reused its
 * number. */
int spclient_share_same_file(int fd, dev_t dev, ino_t ino);

/* spclient_share_remember - note what fd is (for same_file later). */
void spclient_share_remember(int fd, dev_t *dev, ino_t *ino);

/* spclient_share_open - make s's memfd, clean; 0, or -1 (s unshared). */
int spclient_share_open(struct spclient_share *s);

/* spclient_share_valid - s has a memfd that is still what it was. */
int spclient_share_valid(const struct spclient_share *s);

/* spclient_share_close - forget the memfd: closed when owner (this
 * process made it) or when it is still what it was. */
void spclient_share_close(struct spclient_share *s, int owner);

/* spclient_share_trylock - take the lock once, without waiting. */
enum spclient_share_lock spclient_share_trylock(struct spclient_share *s);

/* spclient_share_release - the exchange is over (ok: cleanly, the state
 * goes back to clean; otherwise it stays dirty for everybody); unlocked.
 * -1 when the state could not be written (the caller drops the stream). */
int spclient_share_release(struct spclient_share *s, int ok);

#endif
