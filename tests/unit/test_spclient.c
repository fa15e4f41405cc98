/*
 * test_spclient.c - unit tests for the SP REQ client (common/spclient.c):
 * the connection and message framing checked byte for byte by a fake REP
 * peer on the other end of a socketpair (table-driven, one forked peer per
 * case), then reconnection and fork behaviour against a fake REP server on
 * a Unix socket path, and a connection shared with forked children
 * (spclient_share: used by them under the lock, left by all once an
 * exchange did not finish, never used through a reused descriptor
 * number). The real daemon is exercised by
 * tests/integration/test_spclient.sh.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "spclient.h"
#include "spframe.h"

/* ------------------------------------------------------------ fake peer -- */

enum peer_mode {
	PEER_ECHO = 0, /* reply "re:" + body */
	PEER_STALE,    /* a reply with another id first, then the right one */
	PEER_CLOSE,    /* close after the connection headers */
	PEER_SILENT,   /* never reply */
	PEER_BADTYPE,  /* message type 2 */
	PEER_HUGE,     /* announce a 2 MiB reply */
	PEER_SHORT,    /* reply length 3 (no room for the id) */
	PEER_BADHDR,   /* connection header "\0SQ\0" */
	PEER_WRONGPROTO,  /* REQ (0x30) instead of REP */
	PEER_SPLIT,       /* reply written one byte at a time */
	PEER_CLOSE_AFTER, /* answer one request, then close */
};

struct frame_case {
	const char    *name;
	int            ipc; /* framing */
	enum peer_mode mode;
	const char    *req;
	int            want; /* enum spclient_status */
	const char    *reply;
};

static const struct frame_case frame_cases[] = {
	{ "echo ipc", 1, PEER_ECHO, "{\"v\":1,\"op\":\"ping\"}", SPCLIENT_OK,
	        "re:{\"v\":1,\"op\":\"ping\"}" },
	{ "echo tcp framing", 0, PEER_ECHO, "abc", SPCLIENT_OK, "re:abc" },
	{ "empty body", 1, PEER_ECHO, "", SPCLIENT_OK, "re:" },
	{ "stale reply skipped", 1, PEER_STALE, "x", SPCLIENT_OK, "re:x" },
	{ "split reply", 1, PEER_SPLIT, "split", SPCLIENT_OK, "re:split" },
	{ "peer closes", 1, PEER_CLOSE, "x", SPCLIENT_ERROR, NULL },
	{ "peer silent", 1, PEER_SILENT, "x", SPCLIENT_TIMEOUT, NULL },
	{ "bad message type", 1, PEER_BADTYPE, "x", SPCLIENT_ERROR, NULL },
	{ "reply too large", 1, PEER_HUGE, "x", SPCLIENT_ERROR, NULL },
	{ "reply shorter than id", 1, PEER_SHORT, "x", SPCLIENT_ERROR, NULL },
	{ "bad connection header", 1, PEER_BADHDR, "x", SPCLIENT_ERROR, NULL },
	{ "peer is not REP", 1, PEER_WRONGPROTO, "x", SPCLIENT_ERROR, NULL },
};

static int
xread(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t        n;

	while (len > 0) {
		if ((n = read(fd, p, len)) <= 0) {
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static int
xwrite(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t              n;

	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0) {
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static uint64_t
be64(const unsigned char *p)
{
	uint64_t v = 0;
	int      i;

	for (i = 0; i < 8; i++) {
		v = (v << 8) | p[i];
	}
	return (v);
}

/* send_frame - one reply frame: header, 4-byte id, body. */
static int
send_frame(int fd, int ipc, const unsigned char id[4], const char *body,
        size_t blen, int split)
{
	unsigned char buf[256];
	size_t        h, i;

	h = spframe_msg_header(ipc ? SPFRAME_IPC : SPFRAME_TCP, buf, blen + 4);
	memcpy(buf + h, id, 4);
	memcpy(buf + h + 4, body, blen);
	if (!split) {
		return (xwrite(fd, buf, h + 4 + blen));
	}
	for (i = 0; i < h + 4 + blen; i++) {
		if (xwrite(fd, buf + i, 1) != 0) {
			return (-1);
		}
		usleep(1000);
	}
	return (0);
}

/*
 * peer_run - the REP side of one case; exit status 0 when everything the
 * client sent was framed as nng expects, 1 otherwise.
 */
static void
peer_run(int fd, const struct frame_case *fc)
{
	unsigned char hdr[9], want[8], mine[8], id[4], other[4];
	char          body[200], reply[210];
	size_t        h = fc->ipc ? 9 : 8;
	uint64_t      len;

	spframe_header(SPFRAME_PROTO_REQ, want);
	if (xread(fd, hdr, 8) != 0 || memcmp(hdr, want, 8) != 0) {
		_exit(1);
	}
	spframe_header(fc->mode == PEER_WRONGPROTO ? SPFRAME_PROTO_REQ
	                                           : SPFRAME_PROTO_REP,
	        mine);
	if (fc->mode == PEER_BADHDR) {
		mine[2] = 'Q';
	}
	if (xwrite(fd, mine, 8) != 0) {
		_exit(1);
	}
	if (fc->mode == PEER_CLOSE || fc->mode == PEER_BADHDR
	        || fc->mode == PEER_WRONGPROTO) {
		close(fd);
		_exit(0);
	}
	if (xread(fd, hdr, h) != 0 || (fc->ipc && hdr[0] != 1)) {
		_exit(1);
	}
	len = be64(hdr + h - 8);
	if (len != strlen(fc->req) + 4 || xread(fd, id, 4) != 0
	        || (id[0] & 0x80) == 0 || xread(fd, body, len - 4) != 0
	        || memcmp(body, fc->req, len - 4) != 0) {
		_exit(1);
	}
	snprintf(reply, sizeof(reply), "re:%.*s", (int)(len - 4), body);
	switch (fc->mode) {
	case PEER_SILENT:
		sleep(2);
		_exit(0);
	case PEER_STALE:
		memcpy(other, id, 4);
		other[3] ^= 1;
		if (send_frame(fd, fc->ipc, other, "old", 3, 0) != 0) {
			_exit(1);
		}
		break;
	case PEER_BADTYPE:
		h      = spframe_msg_header(SPFRAME_IPC, hdr, 8);
		hdr[0] = 2;
		xwrite(fd, hdr, h);
		xwrite(fd, id, 4);
		xwrite(fd, "abcd", 4);
		_exit(0);
	case PEER_HUGE:
	case PEER_SHORT:
		h = spframe_msg_header(fc->ipc ? SPFRAME_IPC : SPFRAME_TCP,
		        hdr, fc->mode == PEER_HUGE ? 2u << 20 : 3);
		xwrite(fd, hdr, h);
		xwrite(fd, "abc", 3);
		sleep(1);
		_exit(0);
	default:
		break;
	}
	if (send_frame(fd, fc->ipc, id, reply, strlen(reply),
	            fc->mode == PEER_SPLIT)
	        != 0) {
		_exit(1);
	}
	_exit(0);
}

static void
test_headers(void **state)
{
	unsigned char       b[9];
	const unsigned char req[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 };
	const unsigned char rep[8] = { 0, 'S', 'P', 0, 0, 0x31, 0, 0 };
	const unsigned char f1[9]  = { 1, 0, 0, 0, 0, 0, 0, 0x01, 0x02 };
	const unsigned char f2[8]  = { 0, 0, 0, 1, 0, 0, 0, 5 };

	(void)state;
	spframe_header(SPFRAME_PROTO_REQ, b);
	assert_memory_equal(b, req, 8);
	spframe_header(SPFRAME_PROTO_REP, b);
	assert_memory_equal(b, rep, 8);
	assert_int_equal(spframe_msg_header(SPFRAME_IPC, b, 0x102), 9);
	assert_memory_equal(b, f1, 9);
	assert_int_equal(
	        spframe_msg_header(SPFRAME_TCP, b, 0x100000005ull), 8);
	assert_memory_equal(b, f2, 8);
}

static void
test_frames(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(frame_cases) / sizeof(frame_cases[0]); i++) {
		const struct frame_case *fc = &frame_cases[i];
		struct spclient         *c;
		int                      sv[2], st, wst;
		char                    *reply = NULL, why[256] = "";
		size_t                   rlen = 0;
		pid_t                    pid;

		print_message("case: %s\n", fc->name);
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(sv[0]);
			peer_run(sv[1], fc);
		}
		close(sv[1]);
		c = spclient_new_fd(sv[0], fc->ipc, 500, why, sizeof(why));
		assert_non_null(c);
		st = spclient_call(c, fc->req, strlen(fc->req), &reply, &rlen,
		        why, sizeof(why));
		if (st != fc->want) {
			print_error("%s: status %s, why %s\n", fc->name,
			        spclient_status_name(st), why);
		}
		assert_int_equal(st, fc->want);
		if (fc->reply != NULL) {
			assert_non_null(reply);
			assert_string_equal(reply, fc->reply);
			assert_int_equal(rlen, strlen(fc->reply));
		} else {
			assert_null(reply);
			assert_true(why[0] != '\0');
		}
		free(reply);
		spclient_free(c);
		if (fc->mode == PEER_SILENT) {
			kill(pid, SIGTERM);
		}
		assert_int_equal(waitpid(pid, &wst, 0), pid);
		if (fc->mode != PEER_SILENT) {
			/* the peer found the client's bytes as nng expects */
			assert_true(WIFEXITED(wst));
			assert_int_equal(WEXITSTATUS(wst), 0);
		}
	}
}

/* ------------------------------------------------- fake server on a path --
 */

/*
 * server_run - a REP server on path answering "c<N>:<body>" where N counts
 * connections; the body "close" closes the connection after the reply,
 * the body "silent" gets no reply.
 */
static void
server_run(int lfd)
{
	struct pollfd pfd[16];
	int           conn[16], greeted[16], nconn = 0, n = 0, i;
	unsigned char hdr[9], id[4], mine[8];
	char          body[256], reply[300];
	uint64_t      len;

	spframe_header(SPFRAME_PROTO_REP, mine);
	for (;;) {
		pfd[0].fd     = lfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < nconn; i++) {
			pfd[i + 1].fd     = conn[i];
			pfd[i + 1].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)nconn + 1, -1) <= 0) {
			_exit(1);
		}
		if ((pfd[0].revents & POLLIN) && nconn < 15) {
			conn[nconn]    = accept(lfd, NULL, NULL);
			greeted[nconn] = ++n;
			xwrite(conn[nconn], mine, 8);
			xread(conn[nconn], hdr, 8);
			nconn++;
			continue;
		}
		for (i = 0; i < nconn; i++) {
			if (conn[i] < 0
			        || !(pfd[i + 1].revents
			                & (POLLIN | POLLHUP))) {
				continue;
			}
			if (xread(conn[i], hdr, 9) != 0) {
				close(conn[i]);
				conn[i] = -1;
				continue;
			}
			len = be64(hdr + 1);
			if (len < 4 || len > 200 || xread(conn[i], id, 4) != 0
			        || xread(conn[i], body, len - 4) != 0) {
				_exit(1);
			}
			body[len - 4] = '\0';
			if (strcmp(body, "silent") == 0) {
				continue;
			}
			snprintf(reply, sizeof(reply), "c%d:%s", greeted[i],
			        body);
			send_frame(conn[i], 1, id, reply, strlen(reply), 0);
			if (strcmp(body, "close") == 0) {
				close(conn[i]);
				conn[i] = -1;
			}
		}
	}
}

static char *
call(struct spclient *c, const char *req)
{
	char *reply = NULL, why[256];
	int   st;

	st = spclient_call(
	        c, req, strlen(req), &reply, NULL, why, sizeof(why));
	if (st != SPCLIENT_OK) {
		print_error("call %s: %s: %s\n", req, spclient_status_name(st),
		        why);
	}
	assert_int_equal(st, SPCLIENT_OK);
	return (reply);
}

/* server_start - a fake REP server in a child; *url names it. */
static pid_t
server_start(char *dir, char *url, size_t urllen, char *path, size_t plen)
{
	struct sockaddr_un sun;
	int                lfd;
	pid_t              srv;

	assert_non_null(mkdtemp(dir));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s.sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	if ((srv = fork()) == 0) {
		server_run(lfd);
	}
	close(lfd);
	snprintf(url, urllen, "ipc://%s", sun.sun_path);
	snprintf(path, plen, "%s", sun.sun_path);
	return (srv);
}

static void
test_reconnect_and_fork(void **state)
{
	char dir[] = "/tmp/spclient.XXXXXX", url[200], path[200], why[256];
	struct spclient *c;
	char            *r;
	int              wst, fd_before;
	pid_t            srv, child;

	(void)state;
	srv = server_start(dir, url, sizeof(url), path, sizeof(path));

	/* unreachable: no such socket */
	c = spclient_new("ipc:///nonexistent/x.sock", 300, why, sizeof(why));
	assert_non_null(c);
	assert_int_equal(spclient_call(c, "x", 1, &r, NULL, why, sizeof(why)),
	        SPCLIENT_UNREACHABLE);
	spclient_free(c);
	assert_null(spclient_new("http://x", 300, why, sizeof(why)));
	assert_null(spclient_new("tcp://127.0.0.1:0", 300, why, sizeof(why)));

	c = spclient_new(url, 2000, why, sizeof(why));
	assert_non_null(c);
	r = call(c, "a");
	assert_string_equal(r, "c1:a");
	free(r);
	r = call(c, "b"); /* same connection */
	assert_string_equal(r, "c1:b");
	free(r);
	fd_before = spclient_fd(c);
	assert_true(fd_before >= 0);
	/* server closes after replying: the next call reconnects */
	r = call(c, "close");
	assert_string_equal(r, "c1:close");
	free(r);
	usleep(100 * 1000);
	r = call(c, "d");
	assert_string_equal(r, "c2:d");
	free(r);

	/* a forked child gets its own connection; the parent keeps its own */
	if ((child = fork()) == 0) {
		char *cr  = NULL;
		int   cst = spclient_call(
		          c, "k", 1, &cr, NULL, why, sizeof(why));
		_exit(cst == SPCLIENT_OK && cr != NULL
		                        && strcmp(cr, "c3:k") == 0
		                ? 0
		                : 1);
	}
	assert_int_equal(waitpid(child, &wst, 0), child);
	assert_true(WIFEXITED(wst));
	assert_int_equal(WEXITSTATUS(wst), 0);
	r = call(c, "p");
	assert_string_equal(r, "c2:p");
	free(r);

	/* fire and forget, then a call: the stale reply is skipped */
	assert_int_equal(
	        spclient_send(c, "ff", 2, why, sizeof(why)), SPCLIENT_OK);
	r = call(c, "q");
	assert_string_equal(r, "c2:q");
	free(r);

	spclient_free(c);
	kill(srv, SIGTERM);
	waitpid(srv, &wst, 0);
	unlink(path);
	rmdir(dir);
}

/* child_calls - in a child: n calls, each answered on connection want. */
static int
child_calls(struct spclient *c, int n, const char *want)
{
	char *r, req[32], exp[64], why[256];
	int   i, bad = 0;

	for (i = 0; i < n; i++) {
		snprintf(req, sizeof(req), "k%d.%d", (int)getpid(), i);
		snprintf(exp, sizeof(exp), "%s:%s", want, req);
		r = NULL;
		if (spclient_call(
		            c, req, strlen(req), &r, NULL, why, sizeof(why))
		                != SPCLIENT_OK
		        || strcmp(r, exp) != 0) {
			fprintf(stderr, "child_calls %s: got %s (%s)\n", req,
			        r != NULL ? r : "nothing", why);
			bad++;
		}
		free(r);
	}
	return (bad);
}

static void
wait_ok(pid_t pid)
{
	int wst;

	assert_int_equal(waitpid(pid, &wst, 0), pid);
	assert_true(WIFEXITED(wst));
	assert_int_equal(WEXITSTATUS(wst), 0);
}

static void
test_share(void **state)
{
	char             dir[] = "/tmp/spclient.XXXXXX", url[200], path[200];
	char             why[256], tmpl[] = "/tmp/spclient-reuse.XXXXXX";
	struct spclient *c;
	char            *r;
	pid_t            srv, kids[3];
	int              i, wst, tfd;
	struct stat      st;

	(void)state;
	srv = server_start(dir, url, sizeof(url), path, sizeof(path));
	c   = spclient_new(url, 2000, why, sizeof(why));
	assert_non_null(c);
	assert_int_equal(spclient_share(c), 0);
	r = call(c, "a");
	assert_string_equal(r, "c1:a");
	free(r);

	/* children and parent at once, all on connection 1 */
	for (i = 0; i < 3; i++) {
		if ((kids[i] = fork()) == 0) {
			_exit(child_calls(c, 50, "c1") == 0 ? 0 : 1);
		}
	}
	assert_int_equal(child_calls(c, 50, "c1"), 0);
	for (i = 0; i < 3; i++) {
		wait_ok(kids[i]);
	}

	/* a child that reused the descriptor's number for a file of its own
	 * neither writes to it nor closes it: it connects itself (2) */
	tfd = mkstemp(tmpl);
	assert_true(tfd >= 0);
	if ((kids[0] = fork()) == 0) {
		int fd = spclient_fd(c);

		if (fd < 0 || dup2(tfd, fd) != fd) {
			_exit(2);
		}
		if (child_calls(c, 2, "c2") != 0) {
			_exit(3);
		}
		_exit(fcntl(fd, F_GETFD) == -1 ? 4 : 0);
	}
	wait_ok(kids[0]);
	assert_int_equal(fstat(tfd, &st), 0);
	assert_int_equal(st.st_size, 0);
	close(tfd);
	unlink(tmpl);
	r = call(c, "b"); /* the parent's is untouched */
	assert_string_equal(r, "c1:b");
	free(r);

	/* a child whose exchange does not finish (no reply: timeout) leaves
	 * the stream dirty: the parent then connects anew (3) */
	if ((kids[0] = fork()) == 0) {
		char *cr = NULL;

		spclient_set_timeout(c, 200);
		_exit(spclient_call(
		              c, "silent", 6, &cr, NULL, why, sizeof(why))
		                        == SPCLIENT_TIMEOUT
		                ? 0
		                : 1);
	}
	wait_ok(kids[0]);
	r = call(c, "d");
	assert_string_equal(r, "c3:d");
	free(r);
	/* and shares the new one */
	if ((kids[0] = fork()) == 0) {
		_exit(child_calls(c, 3, "c3") == 0 ? 0 : 1);
	}
	wait_ok(kids[0]);

	spclient_free(c);
	kill(srv, SIGTERM);
	waitpid(srv, &wst, 0);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_reconnect_and_fork),
		cmocka_unit_test(test_share),
	};

	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
