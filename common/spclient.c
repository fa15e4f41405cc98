/*
 * spclient.c - thread-free SP REQ client over a plain stream socket (see
 * spclient.h for the wire format and the fork, sharing and restart rules).
 *
 * Ownership: the descriptor belongs to the process that opened it (c->pid);
 * a shared one (spclient_share) is used by that process's children too,
 * one exchange at a time under the lock of spclient_share.c (the layer
 * below this file: it knows nothing of connections). Framing:
 * common/spframe.c. Replies are
 * malloc'd for the caller.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "spclient.h"
#include "spclient_share.h"
#include "spframe.h"

struct spclient {
	int                ipc; /* 1: ipc:// (typed frames), 0: tcp:// */
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	char               url[160];
	int                timeout_ms;
	int                fd;
	pid_t              pid; /* owner of fd (and of sh's memfd) */
	uint32_t           next_id;
	int                adopted; /* fd given by the caller: no reconnect */
	int                greeted; /* our SP header sent on fd */
	int                peer_ok; /* the peer's SP header read, REP */
	int                share;   /* spclient_share: connections made here
	                               are usable by forked children */
	struct spclient_share sh;   /* fd shared: its lock and state */
	dev_t                 fd_dev; /* what fd was */
	ino_t                 fd_ino; /* when it was opened */
	pid_t                 user;   /* last process to use fd */
};

static void share_lock(struct spclient *c);

/* tp - the framing of c's transport. */
static enum spframe_tp
tp(const struct spclient *c)
{
	return (c->ipc ? SPFRAME_IPC : SPFRAME_TCP);
}

/* What one I/O step ended with; CLOSED means the peer went away. */
enum io {
	IO_OK = 0,
	IO_CLOSED,
	IO_TIMEOUT,
	IO_ERROR,
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int
left_ms(long long deadline)
{
	long long l = deadline - now_ms();

	if (l < 0) {
		return (0);
	}
	return (l > 0x7fffffff ? 0x7fffffff : (int)l);
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get32(const unsigned char *p)
{
	return (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16)
	        | ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}

const char *
spclient_status_name(enum spclient_status st)
{
	switch (st) {
	case SPCLIENT_OK:
		return ("ok");
	case SPCLIENT_UNREACHABLE:
		return ("unreachable");
	case SPCLIENT_TIMEOUT:
		return ("timeout");
	case SPCLIENT_ERROR:
		break;
	}
	return ("error");
}

struct spclient *
spclient_new(const char *url, int timeout_ms, char *why, size_t whylen)
{
	struct spclient *c;
	const char      *hp, *colon;
	char             host[64];
	char            *end;
	long             port;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	c->fd         = -1;
	c->sh.lockfd  = -1;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	snprintf(c->url, sizeof(c->url), "%s", url);
	if (strncmp(url, "ipc://", 6) == 0) {
		c->ipc = 1;
		if (url[6] == '\0'
		        || strlen(url + 6) >= sizeof(c->sun.sun_path)) {
			snprintf(why, whylen,
			        "%s: empty or too long socket path", url);
			goto fail;
		}
		c->sun.sun_family = AF_UNIX;
		memcpy(c->sun.sun_path, url + 6, strlen(url + 6) + 1);
	} else if (strncmp(url, "tcp://", 6) == 0) {
		hp = url + 6;
		if ((colon = strrchr(hp, ':')) == NULL
		        || (size_t)(colon - hp) >= sizeof(host)) {
			snprintf(why, whylen, "%s: expected tcp://IPV4:PORT",
			        url);
			goto fail;
		}
		memcpy(host, hp, (size_t)(colon - hp));
		host[colon - hp] = '\0';
		if (strcmp(host, "localhost") == 0) {
			snprintf(host, sizeof(host), "127.0.0.1");
		}
		errno = 0;
		port  = strtol(colon + 1, &end, 10);
		if (errno != 0 || *end != '\0' || end == colon + 1 || port < 1
		        || port > 65535
		        || inet_pton(AF_INET, host, &c->sin.sin_addr) != 1) {
			snprintf(why, whylen, "%s: expected tcp://IPV4:PORT",
			        url);
			goto fail;
		}
		c->sin.sin_family = AF_INET;
		c->sin.sin_port   = htons((uint16_t)port);
	} else {
		snprintf(why, whylen,
		        "%s: only ipc:// and tcp:// are supported", url);
		goto fail;
	}
	return (c);
fail:
	free(c);
	return (NULL);
}

/*
 * disconnect - forget this process's connection: closed when this process
 * opened it, or when it was inherited and is still what it was (our copy
 * only; the parent's stays open).
 */
static void
disconnect(struct spclient *c)
{
	if (c->fd >= 0
	        && (c->pid == getpid()
	                || spclient_share_same_file(
	                        c->fd, c->fd_dev, c->fd_ino))) {
		close(c->fd);
	}
	spclient_share_close(&c->sh, c->pid == getpid());
	c->fd = -1;
}

struct spclient *
spclient_new_fd(int fd, int ipc, int timeout_ms, char *why, size_t whylen)
{
	struct spclient *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	c->ipc        = ipc;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	c->fd         = fd;
	c->sh.lockfd  = -1;
	c->pid        = getpid();
	c->adopted    = 1;
	snprintf(c->url, sizeof(c->url), "fd:%d", fd);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0
	        || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
		snprintf(why, whylen, "fcntl: %s", strerror(errno));
		free(c);
		return (NULL);
	}
	return (c);
}

void
spclient_free(struct spclient *c)
{
	if (c == NULL) {
		return;
	}
	disconnect(c);
	free(c);
}

void
spclient_set_timeout(struct spclient *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
}

int
spclient_fd(const struct spclient *c)
{
	if (c->pid == getpid()
	        || (spclient_share_same_file(c->fd, c->fd_dev, c->fd_ino)
	                && spclient_share_valid(&c->sh))) {
		return (c->fd);
	}
	return (-1);
}

/* wait_fd - poll fd for events until deadline. */
static enum io
wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd;
	int           n;

	for (;;) {
		pfd.fd      = fd;
		pfd.events  = events;
		pfd.revents = 0;
		n           = poll(&pfd, 1, left_ms(deadline));
		if (n > 0) {
			return (IO_OK);
		}
		if (n == 0) {
			return (IO_TIMEOUT);
		}
		if (errno != EINTR) {
			return (IO_ERROR);
		}
	}
}

static enum io
write_full(int fd, const void *buf, size_t len, long long deadline)
{
	const unsigned char *p = buf;
	ssize_t              n;
	enum io              r;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = wait_fd(fd, POLLOUT, deadline)) != IO_OK) {
				return (r);
			}
			continue;
		}
		if (n < 0
		        && (errno == EPIPE || errno == ECONNRESET
		                || errno == ENOTCONN)) {
			return (IO_CLOSED);
		}
		return (IO_ERROR);
	}
	return (IO_OK);
}

static enum io
read_full(int fd, void *buf, size_t len, long long deadline)
{
	unsigned char *p = buf;
	ssize_t        n;
	enum io        r;

	while (len > 0) {
		n = recv(fd, p, len, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0) {
			return (IO_CLOSED);
		}
		if (errno == EINTR) {
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((r = wait_fd(fd, POLLIN, deadline)) != IO_OK) {
				return (r);
			}
			continue;
		}
		if (errno == ECONNRESET) {
			return (IO_CLOSED);
		}
		return (IO_ERROR);
	}
	return (IO_OK);
}

/* io_status - the call's status for an I/O outcome. */
static enum spclient_status
io_status(enum io r)
{
	switch (r) {
	case IO_OK:
		return (SPCLIENT_OK);
	case IO_TIMEOUT:
		return (SPCLIENT_TIMEOUT);
	case IO_CLOSED:
	case IO_ERROR:
		break;
	}
	return (SPCLIENT_ERROR);
}

static const char *
io_why(enum io r)
{
	switch (r) {
	case IO_OK:
		return ("ok");
	case IO_CLOSED:
		return ("connection closed by the daemon");
	case IO_TIMEOUT:
		return ("timed out");
	case IO_ERROR:
		break;
	}
	return (strerror(errno));
}

/*
 * stale - the connection is known dead: the daemon closed it (EOF or
 * error waiting) while we were not looking. Unread replies are no sign.
 */
static int
stale(int fd)
{
	struct pollfd pfd;
	unsigned char b;
	ssize_t       n;

	pfd.fd      = fd;
	pfd.events  = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) <= 0) {
		return (0);
	}
	if (pfd.revents & (POLLERR | POLLNVAL)) {
		return (1);
	}
	if (pfd.revents & (POLLIN | POLLHUP)) {
		/* EAGAIN: the bytes were there and are gone - read by the
		 * process that shares the connection with us */
		if ((n = recv(fd, &b, 1, MSG_PEEK)) < 0
		        && (errno == EAGAIN || errno == EWOULDBLOCK
		                || errno == EINTR)) {
			return (0);
		}
		return (n <= 0);
	}
	return (0);
}

/*
 * do_connect - open this process's connection (the SP headers go with the
 * first request and its reply: send_req, peer_header).
 */
static enum spclient_status
do_connect(struct spclient *c, long long deadline, char *why, size_t whylen)
{
	struct sockaddr *sa;
	socklen_t        salen;
	int              fd, err = 0;
	socklen_t        errlen = sizeof(err);
	enum io          r;

	if (c->ipc) {
		sa    = (struct sockaddr *)&c->sun;
		salen = sizeof(c->sun);
	} else {
		sa    = (struct sockaddr *)&c->sin;
		salen = sizeof(c->sin);
	}
	fd = socket(
	        sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return (SPCLIENT_ERROR);
	}
	if (connect(fd, sa, salen) != 0) {
		if (errno != EINPROGRESS && errno != EAGAIN
		        && errno != EINTR) {
			snprintf(why, whylen, "cannot connect to %s: %s",
			        c->url, strerror(errno));
			close(fd);
			return (SPCLIENT_UNREACHABLE);
		}
		if ((r = wait_fd(fd, POLLOUT, deadline)) != IO_OK) {
			snprintf(why, whylen, "cannot connect to %s: %s",
			        c->url, io_why(r));
			close(fd);
			return (r == IO_TIMEOUT ? SPCLIENT_TIMEOUT
			                        : SPCLIENT_UNREACHABLE);
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0
		        || err != 0) {
			snprintf(why, whylen, "cannot connect to %s: %s",
			        c->url, strerror(err != 0 ? err : errno));
			close(fd);
			return (SPCLIENT_UNREACHABLE);
		}
	}
	c->fd      = fd;
	c->pid     = getpid();
	c->user    = c->pid;
	c->greeted = 0;
	c->peer_ok = 0;
	spclient_share_remember(fd, &c->fd_dev, &c->fd_ino);
	if (c->next_id == 0) {
		c->next_id
		        = (uint32_t)c->pid * 2654435761u ^ (uint32_t)now_ms();
	}
	share_lock(c);
	return (SPCLIENT_OK);
}

/*
 * peer_header - read and check the peer's SP connection header. The
 * headers are not exchanged before the first request: ours goes out with
 * it (one write), the peer's is read before the first reply, which saves
 * a round trip per connection.
 */
static enum io
peer_header(struct spclient *c, long long deadline, char *why, size_t whylen)
{
	unsigned char peer[SPFRAME_HEADER];
	char          why2[128];
	enum io       r;

	if ((r = read_full(c->fd, peer, sizeof(peer), deadline)) != IO_OK) {
		snprintf(why, whylen, "%s: SP handshake: %s", c->url,
		        io_why(r));
		return (r);
	}
	if (spframe_rep_peer_header(peer, sizeof(peer), why2, sizeof(why2))
	        != SPFRAME_OK) {
		snprintf(why, whylen, "%s: %s", c->url, why2);
		return (IO_ERROR);
	}
	c->peer_ok = 1;
	return (IO_OK);
}

/*
 * ensure - a usable connection for this process; *fresh says whether it
 * was opened just now (a fresh connection is not retried).
 */
static enum spclient_status
ensure(struct spclient *c, long long deadline, int *fresh, char *why,
        size_t whylen)
{
	pid_t me = getpid();

	if (c->fd >= 0 && c->pid != me) {
		/* shared only once the parent has read the peer's header
		 * (each process keeps its own copy of that state) */
		if (c->greeted && c->peer_ok
		        && spclient_share_same_file(
		                c->fd, c->fd_dev, c->fd_ino)
		        && spclient_share_valid(&c->sh)) {
			/* the parent shares it: ours too, under the lock;
			 * request ids of our own */
			if (c->user != me) {
				c->user    = me;
				c->next_id = (uint32_t)me * 2654435761u
				        ^ (uint32_t)now_ms();
			}
		} else {
			/* inherited across fork: the parent's; drop our copy
			 * (when it is still what it was) */
			disconnect(c);
			c->next_id = 0;
		}
	}
	if (c->fd >= 0 && stale(c->fd)) {
		disconnect(c);
	}
	*fresh = 0;
	if (c->fd >= 0 && c->greeted) {
		return (SPCLIENT_OK);
	}
	*fresh = 1;
	if (c->fd >= 0) {
		/* adopted, or connected by an earlier attempt: the header
		 * goes out with the request */
		if (c->next_id == 0) {
			c->next_id = (uint32_t)me * 2654435761u
			        ^ (uint32_t)now_ms();
		}
		return (SPCLIENT_OK);
	}
	if (c->adopted) {
		snprintf(why, whylen, "%s: connection closed", c->url);
		return (SPCLIENT_UNREACHABLE);
	}
	return (do_connect(c, deadline, why, whylen));
}

/* share_lock - when sharing is on, the memfd (lock and state) of the
 * connection just opened. */
static void
share_lock(struct spclient *c)
{
	if (!c->share || c->fd < 0 || c->sh.lockfd >= 0 || c->adopted) {
		return;
	}
	(void)spclient_share_open(&c->sh);
}

int
spclient_share(struct spclient *c)
{
	c->share = 1;
	if (c->fd >= 0 && c->pid == getpid()) {
		share_lock(c);
	}
	return (c->fd < 0 || c->sh.lockfd >= 0 ? 0 : -1);
}

/*
 * share_acquire - ensure a connection; when it is shared, wait for its
 * lock (until deadline) and mark it busy until the exchange ends. A
 * connection left dirty by another process is dropped and this process
 * opens its own.
 */
static enum spclient_status
share_acquire(struct spclient *c, long long deadline, int *fresh, char *why,
        size_t whylen)
{
	enum spclient_status     st;
	enum spclient_share_lock l;
	int                      tries;

	for (tries = 0; tries < 2; tries++) {
		if ((st = ensure(c, deadline, fresh, why, whylen))
		        != SPCLIENT_OK) {
			return (st);
		}
		if (c->sh.lockfd < 0) {
			return (SPCLIENT_OK);
		}
		while ((l = spclient_share_trylock(&c->sh))
		        == SPCLIENT_SHARE_BUSY) {
			if (left_ms(deadline) == 0) {
				snprintf(why, whylen,
				        "%s: shared connection busy: timed "
				        "out",
				        c->url);
				return (SPCLIENT_TIMEOUT);
			}
			(void)poll(NULL, 0, 1);
		}
		if (l == SPCLIENT_SHARE_FAIL) {
			snprintf(why, whylen, "%s: shared connection busy: %s",
			        c->url, strerror(errno));
			return (SPCLIENT_ERROR);
		}
		if (l == SPCLIENT_SHARE_CLEAN) {
			return (SPCLIENT_OK);
		}
		disconnect(c); /* abandoned: everybody leaves it */
	}
	snprintf(why, whylen, "%s: no usable connection", c->url);
	return (SPCLIENT_ERROR);
}

/* share_release - the exchange on a shared connection is over (ok:
 * cleanly; otherwise it stays dirty for everybody). */
static void
share_release(struct spclient *c, int ok)
{
	if (spclient_share_release(&c->sh, ok) != 0) {
		disconnect(c);
	}
}

/*
 * send_req - the request in one write (the daemon wakes once): our SP
 * connection header first when not sent yet, the frame header, the id,
 * the body.
 */
static enum io
send_req(struct spclient *c, uint32_t id, const void *req, size_t len,
        long long deadline)
{
	unsigned char small[2048], *buf = small;
	size_t        h = 0, total;
	enum io       r;

	total = SPFRAME_HEADER + SPFRAME_MSGHDR + 4 + len;
	if (total > sizeof(small) && (buf = malloc(total)) == NULL) {
		errno = ENOMEM;
		return (IO_ERROR);
	}
	if (!c->greeted) {
		spframe_header(SPFRAME_PROTO_REQ, buf);
		h = SPFRAME_HEADER;
	}
	h += spframe_msg_header(tp(c), buf + h, (uint64_t)len + 4);
	put32(buf + h, id);
	h += 4;
	if (len > 0) {
		memcpy(buf + h, req, len);
	}
	r = write_full(c->fd, buf, h + len, deadline);
	if (buf != small) {
		free(buf);
	}
	if (r == IO_OK) {
		c->greeted = 1;
	}
	return (r);
}

/*
 * recv_reply - read frames until the one for id; others are replies to
 * requests we gave up on, skipped.
 */
static enum io
recv_reply(struct spclient *c, uint32_t id, char **reply, size_t *replylen,
        long long deadline, char *why, size_t whylen)
{
	unsigned char hdr[SPFRAME_MSGHDR];
	unsigned char idb[4];
	size_t        h = spframe_msghdr_len(tp(c));
	uint64_t      len;
	char         *buf, why2[128];
	enum io       r;

	if (!c->peer_ok
	        && (r = peer_header(c, deadline, why, whylen)) != IO_OK) {
		return (r);
	}
	for (;;) {
		if ((r = read_full(c->fd, hdr, h, deadline)) != IO_OK) {
			snprintf(why, whylen, "%s: receive: %s", c->url,
			        io_why(r));
			return (r);
		}
		if (spframe_msg_length(tp(c), hdr, h, SPCLIENT_MAX_REPLY, &len,
		            why2, sizeof(why2))
		        != SPFRAME_OK) {
			snprintf(why, whylen, "%s: %s", c->url, why2);
			return (IO_ERROR);
		}
		if (len < 4) {
			snprintf(why, whylen, "%s: bad reply length %llu",
			        c->url, (unsigned long long)len);
			return (IO_ERROR);
		}
		if ((r = read_full(c->fd, idb, 4, deadline)) != IO_OK) {
			snprintf(why, whylen, "%s: receive: %s", c->url,
			        io_why(r));
			return (r);
		}
		len -= 4;
		if ((buf = malloc((size_t)len + 1)) == NULL) {
			snprintf(why, whylen, "out of memory");
			return (IO_ERROR);
		}
		if ((r = read_full(c->fd, buf, (size_t)len, deadline))
		        != IO_OK) {
			snprintf(why, whylen, "%s: receive: %s", c->url,
			        io_why(r));
			free(buf);
			return (r);
		}
		if (get32(idb) != id) {
			free(buf); /* an old request's reply */
			continue;
		}
		buf[len] = '\0';
		*reply   = buf;
		if (replylen != NULL) {
			*replylen = (size_t)len;
		}
		return (IO_OK);
	}
}

/* exchange - one request (and its reply when reply != NULL), one retry. */
static enum spclient_status
exchange(struct spclient *c, const void *req, size_t len, char **reply,
        size_t *replylen, char *why, size_t whylen)
{
	long long            deadline = now_ms() + c->timeout_ms;
	enum spclient_status st;
	enum io              r;
	uint32_t             id;
	int                  attempt, fresh;

	if (reply != NULL) {
		*reply = NULL;
	}
	if (len > SPCLIENT_MAX_REPLY) {
		snprintf(why, whylen, "request too large (%zu bytes)", len);
		return (SPCLIENT_ERROR);
	}
	for (attempt = 0; attempt < 2; attempt++) {
		if ((st = share_acquire(c, deadline, &fresh, why, whylen))
		        != SPCLIENT_OK) {
			return (st);
		}
		id = (c->next_id++) | 0x80000000u;
		if ((r = send_req(c, id, req, len, deadline)) != IO_OK) {
			snprintf(why, whylen, "%s: send: %s", c->url,
			        io_why(r));
		} else if (reply == NULL) {
			share_release(c, 1);
			return (SPCLIENT_OK);
		} else if ((r = recv_reply(c, id, reply, replylen, deadline,
		                    why, whylen))
		        == IO_OK) {
			share_release(c, 1);
			return (SPCLIENT_OK);
		}
		share_release(
		        c, 0); /* left dirty: nobody uses this stream again */
		disconnect(c);
		if (r != IO_CLOSED || fresh) {
			return (io_status(r));
		}
		/* a connection from before a daemon restart: once more */
	}
	return (SPCLIENT_ERROR);
}

enum spclient_status
spclient_call(struct spclient *c, const void *req, size_t len, char **reply,
        size_t *replylen, char *why, size_t whylen)
{
	return (exchange(c, req, len, reply, replylen, why, whylen));
}

enum spclient_status
spclient_send(struct spclient *c, const void *req, size_t len, char *why,
        size_t whylen)
{
	return (exchange(c, req, len, NULL, NULL, why, whylen));
}
