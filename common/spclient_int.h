/*
 * spclient_int.h - what spclient.c (connections, framing, exchanges) and
 * spclient_share.c (a connection shared with forked children under a
 * record lock) share: the client's state and the functions each calls in
 * the other. Internal to those two files; callers use spclient.h.
 */
#ifndef MXTLS_COMMON_SPCLIENT_INT_H
#define MXTLS_COMMON_SPCLIENT_INT_H

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <stdint.h>

#include "spclient.h"

struct spclient {
	int                ipc; /* 1: ipc:// (typed frames), 0: tcp:// */
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	char               url[160];
	int                timeout_ms;
	int                fd;
	pid_t              pid; /* owner of fd */
	uint32_t           next_id;
	int                adopted; /* fd given by the caller: no reconnect */
	int                greeted; /* our SP header sent on fd */
	int                peer_ok; /* the peer's SP header read, REP */
	int                share;   /* spclient_share: connections made here
	                               are usable by forked children */
	int lockfd;                 /* fd shared: its lock and state (a
	                               memfd), else -1 */
	dev_t fd_dev, lock_dev;     /* what fd and lockfd were */
	ino_t fd_ino, lock_ino;     /* when they were opened */
	pid_t user;                 /* last process to use fd */
};

/* The state byte of a shared connection (offset 0 of its memfd). */
#define SHARE_CLEAN 0 /* between exchanges: usable */
#define SHARE_DIRTY 1 /* an exchange did not finish: abandoned by all */

/* spclient_now_ms - the monotonic clock in milliseconds. */
long long spclient_now_ms(void);

/* spclient_left_ms - milliseconds until deadline (0 when past). */
int spclient_left_ms(long long deadline);

/* spclient_disconnect - forget this process's connection (closed when
 * this process opened it, or when it was inherited and is still what it
 * was: our copy only). */
void spclient_disconnect(struct spclient *c);

/* spclient_ensure - a usable connection for this process; *fresh says
 * whether it was opened just now (a fresh connection is not retried). */
enum spclient_status spclient_ensure(struct spclient *c, long long deadline,
        int *fresh, char *why, size_t whylen);

/* spclient_share_same_file - fd is still the file (dev, ino) it was: a
 * forked child may have closed an inherited descriptor and reused its
 * number. */
int spclient_share_same_file(int fd, dev_t dev, ino_t ino);

/* spclient_share_remember - note what fd is (for same_file later). */
void spclient_share_remember(int fd, dev_t *dev, ino_t *ino);

/* spclient_share_lock - when sharing is on, make the memfd (lock and
 * state byte) of the connection just opened. */
void spclient_share_lock(struct spclient *c);

/* spclient_share_acquire - spclient_ensure, then, on a shared
 * connection, its lock (see spclient_share.c). */
enum spclient_status spclient_share_acquire(struct spclient *c,
        long long deadline, int *fresh, char *why, size_t whylen);

/* spclient_share_release - the exchange on a shared connection is over
 * (ok: cleanly; otherwise it stays dirty for everybody). */
void spclient_share_release(struct spclient *c, int ok);

#endif
