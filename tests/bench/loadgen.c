/*
 * loadgen.c - load generator and bare floors for the mxtls benchmarks
 * (docs/BENCHMARKS.md). Run on demand, never as a pass/fail test.
 *
 *   loadgen echo-server unix:PATH            bare Unix-socket echo (floor)
 *   loadgen nng-echo-server ipc:///PATH      bare nng REP echo (floor)
 *   loadgen MODE TARGET -c CLIENTS -n REQUESTS [-k KEYFILE] [-p PAYLOAD]
 *     (REQUESTS are spread over the clients; the first REQUESTS % CLIENTS
 *     clients make one more)
 *           [-m MAPNAME] [-s]
 *     MODE: echo (unix:PATH, or inet:HOST:PORT to any echo), nng (nng URL:
 * echo server or mxtlsd), socketmap (unix:PATH or inet:HOST:PORT), sp
 *           (ipc:///PATH: the thread-free SP client of common/spclient, as
 *           the Exim module uses it)
 *     -m    socketmap name sent before the key (default "mxtls"; the peer,
 *           postfix-mta-sts-resolver, answers "postfix")
 *     -s    every request gets a different key (request j of client c uses
 *           key j * CLIENTS + c): for cold lookups, REQUESTS <= keys
 *     -p    printf format of the nng/sp/echo payload (%s = the key); for
 *           echo, "socketmap" sends the same netstring as socketmap mode
 *
 * Every client is a thread with its own connection doing strict
 * request/response (like Postfix's smtp client and the Exim module); keys
 * are taken round-robin from KEYFILE (one domain a line). Prints one line:
 * throughput, p50/p99/p999 latency, and the client process's CPU time.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#ifdef HAVE_SPCLIENT
#include "spclient.h"
#endif

static const char *mode, *target;
static char      **keys;
static size_t      nkeys;
static long        per_client;
static const char *payload = "{\"v\":1,\"op\":\"policy\",\"domain\":\"%s\"}";
static const char *mapname = "mxtls";
static int         sequential;
static int         nclients_g = 1;

struct client {
	pthread_t tid;
	int       idx;
	double   *lat; /* microseconds */
	long      n;   /* requests this client makes */
	long      done;
	long      notok; /* socketmap replies other than "OK ..." */
	int       failed;
};

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static int
connect_to(const char *t)
{
	int fd;

	if (strncmp(t, "unix:", 5) == 0) {
		struct sockaddr_un sun;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", t + 5);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0
		        || connect(fd, (struct sockaddr *)&sun, sizeof(sun))
		                != 0)
			die(t);
		return (fd);
	}
	if (strncmp(t, "inet:", 5) == 0) {
		struct sockaddr_in sin;
		char               host[64];
		const char        *colon = strrchr(t + 5, ':');
		int                one   = 1;
		if (colon == NULL)
			die("inet:HOST:PORT");
		snprintf(host, sizeof(host), "%.*s", (int)(colon - t - 5),
		        t + 5);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port   = htons((uint16_t)atoi(colon + 1));
		inet_pton(AF_INET, host, &sin.sin_addr);
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0
		        || connect(fd, (struct sockaddr *)&sin, sizeof(sin))
		                != 0)
			die(t);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		return (fd);
	}
	fprintf(stderr, "target must be unix:PATH or inet:HOST:PORT\n");
	exit(2);
}

static int
read_full(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return (-1);
		got += (size_t)r;
	}
	return (0);
}

/* one socketmap exchange: "<len>:mxtls <key>," -> "<len>:...,". The reply
 * is read as the echo client reads: into a buffer, as much as has arrived
 * (one read() per reply when it arrives whole), not byte by byte. */
static int
socketmap_call(int fd, const char *key)
{
	char    req[512], body[400], reply[70000];
	size_t  got = 0, len = 0, i;
	int     n;
	ssize_t r;
	char   *colon = NULL;

	n = snprintf(body, sizeof(body), "%s %s", mapname, key);
	n = snprintf(req, sizeof(req), "%d:%s,", n, body);
	if (write(fd, req, (size_t)n) != n)
		return (-1);
	while (colon == NULL) {
		if (got >= 8
		        || (r = read(fd, reply + got, sizeof(reply) - got))
		                <= 0)
			return (-1);
		got += (size_t)r;
		colon = memchr(reply, ':', got);
	}
	for (i = 0; reply + i < colon; i++) {
		if (reply[i] < '0' || reply[i] > '9' || len > 65536)
			return (-1);
		len = len * 10 + (size_t)(reply[i] - '0');
	}
	i = (size_t)(colon - reply) + 1; /* the payload's first byte */
	if (i + len + 1 > sizeof(reply))
		return (-1);
	if (got < i + len + 1
	        && read_full(fd, reply + got, i + len + 1 - got) != 0)
		return (-1);
	if (got > i + len + 1 || reply[i + len] != ',')
		return (-1);
	return (len >= 3 && memcmp(reply + i, "OK ", 3) == 0 ? 0 : 1);
}

/* one echo exchange of a fixed-size line */
static int
echo_call(int fd, const char *msg, size_t len)
{
	char buf[1024];

	if (write(fd, msg, len) != (ssize_t)len)
		return (-1);
	return (read_full(fd, buf, len));
}

static void *
client_main(void *arg)
{
	struct client *cl = arg;
	nng_socket     s;
	int            fd = -1, rv;
	long           i;
	char           msg[512];
#ifdef HAVE_SPCLIENT
	struct spclient *sp = NULL;
#endif

	if (strcmp(mode, "nng") == 0) {
		if ((rv = nng_req0_open(&s)) != 0
		        || (rv = nng_dial(s, target, NULL, 0)) != 0) {
			fprintf(stderr, "nng: %s\n", nng_strerror(rv));
			cl->failed = 1;
			return (NULL);
		}
	} else if (strcmp(mode, "sp") == 0) {
#ifdef HAVE_SPCLIENT
		char why[256];
		if ((sp = spclient_new(target, 30000, why, sizeof(why)))
		        == NULL) {
			fprintf(stderr, "spclient_new: %s\n", why);
			cl->failed = 1;
			return (NULL);
		}
#else
		fprintf(stderr, "built without spclient\n");
		cl->failed = 1;
		return (NULL);
#endif
	} else {
		fd = connect_to(target);
	}
	for (i = 0; i < cl->n; i++) {
		const char *key = sequential
		        ? keys[(size_t)(i * nclients_g + cl->idx) % nkeys]
		        : keys[(size_t)(cl->idx + i * 7919) % nkeys];
		double      t0  = now_us();
		int         n;

		if (strcmp(payload, "socketmap") == 0) {
			char body[400];
			int  b = snprintf(
			         body, sizeof(body), "%s %s", mapname, key);
			n = snprintf(msg, sizeof(msg), "%d:%s,", b, body);
		} else
			n = snprintf(msg, sizeof(msg), payload, key);

		if (strcmp(mode, "nng") == 0) {
			char  *buf = NULL;
			size_t sz  = 0;
			rv         = nng_send(s, msg, (size_t)n, 0);
			if (rv == 0)
				rv = nng_recv(s, &buf, &sz, NNG_FLAG_ALLOC);
			if (rv == 0)
				nng_free(buf, sz);
		} else if (strcmp(mode, "socketmap") == 0) {
			rv = socketmap_call(fd, key);
			if (rv == 1) {
				cl->notok++;
				rv = 0;
			}
		} else if (strcmp(mode, "sp") == 0) {
#ifdef HAVE_SPCLIENT
			char  *reply = NULL;
			size_t rlen  = 0;
			char   why[256];
			rv = spclient_call(sp, msg, (size_t)n, &reply, &rlen,
			             why, sizeof(why))
			                == SPCLIENT_OK
			        ? 0
			        : -1;
			if (rv != 0)
				fprintf(stderr, "spclient_call: %s\n", why);
			free(reply);
#endif
		} else {
			rv = echo_call(fd, msg, (size_t)n);
		}
		if (rv != 0) {
			cl->failed = 1;
			break;
		}
		cl->lat[cl->done++] = now_us() - t0;
	}
	if (strcmp(mode, "nng") == 0)
		nng_close(s);
	if (fd >= 0)
		close(fd);
#ifdef HAVE_SPCLIENT
	if (sp != NULL)
		spclient_free(sp);
#endif
	return (NULL);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

static void
echo_server_unix(const char *t)
{
	struct sockaddr_un sun;
	int                ls;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", t + 5);
	unlink(sun.sun_path);
	if ((ls = socket(AF_UNIX, SOCK_STREAM, 0)) < 0
	        || bind(ls, (struct sockaddr *)&sun, sizeof(sun)) != 0
	        || listen(ls, 128) != 0)
		die(t);
	for (;;) {
		int fd = accept(ls, NULL, NULL);
		if (fd < 0)
			continue;
		if (fork() == 0) {
			char    buf[4096];
			ssize_t n;
			while ((n = read(fd, buf, sizeof(buf))) > 0)
				if (write(fd, buf, (size_t)n) != n)
					break;
			_exit(0);
		}
		close(fd);
	}
}

static void
echo_server_nng(const char *url)
{
	nng_socket s;
	int        rv;

	if ((rv = nng_rep0_open(&s)) != 0
	        || (rv = nng_listen(s, url, NULL, 0)) != 0) {
		fprintf(stderr, "%s: %s\n", url, nng_strerror(rv));
		exit(1);
	}
	for (;;) {
		nng_msg *m;
		if (nng_recvmsg(s, &m, 0) != 0)
			continue;
		if (nng_sendmsg(s, m, 0) != 0)
			nng_msg_free(m);
	}
}

static void
load_keys(const char *path)
{
	FILE  *f;
	char   line[512];
	size_t cap = 1024;

	keys = malloc(cap * sizeof(*keys));
	if (path == NULL) {
		keys[nkeys++] = strdup("example.test");
		return;
	}
	if ((f = fopen(path, "r")) == NULL)
		die(path);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (nkeys == cap)
			keys = realloc(keys, (cap *= 2) * sizeof(*keys));
		keys[nkeys++] = strdup(line);
	}
	fclose(f);
}

int
main(int argc, char **argv)
{
	struct client *cl;
	struct rusage  ru;
	double        *all, t0, t1, cpu;
	long           total = 0, requests = 10000, notok = 0;
	int            nclients = 1, i, ch, failed = 0;
	const char    *keyfile = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: see the header of loadgen.c\n");
		return (2);
	}
	mode   = argv[1];
	target = argv[2];
	if (strcmp(mode, "echo-server") == 0)
		echo_server_unix(target);
	if (strcmp(mode, "nng-echo-server") == 0)
		echo_server_nng(target);
	optind = 3;
	while ((ch = getopt(argc, argv, "c:n:k:p:m:s")) != -1) {
		switch (ch) {
		case 'c':
			nclients = atoi(optarg);
			break;
		case 'n':
			requests = atol(optarg);
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'p':
			payload = optarg;
			break;
		case 'm':
			mapname = optarg;
			break;
		case 's':
			sequential = 1;
			break;
		default:
			return (2);
		}
	}
	load_keys(keyfile);
	if (nkeys == 0) {
		fprintf(stderr, "%s: no keys\n", keyfile);
		return (2);
	}
	if (nclients < 1)
		nclients = 1;
	nclients_g = nclients;
	per_client = requests / nclients;
	cl         = calloc((size_t)nclients, sizeof(*cl));
	t0         = now_us();
	for (i = 0; i < nclients; i++) {
		cl[i].idx = i;
		/* the first (requests % nclients) clients make one more */
		cl[i].n   = per_client + (i < requests % nclients ? 1 : 0);
		cl[i].lat = malloc(
		        (size_t)(cl[i].n ? cl[i].n : 1) * sizeof(double));
		pthread_create(&cl[i].tid, NULL, client_main, &cl[i]);
	}
	for (i = 0; i < nclients; i++) {
		pthread_join(cl[i].tid, NULL);
		total += cl[i].done;
		notok += cl[i].notok;
		failed |= cl[i].failed;
	}
	t1    = now_us();
	all   = malloc((size_t)(total ? total : 1) * sizeof(double));
	total = 0;
	for (i = 0; i < nclients; i++) {
		memcpy(all + total, cl[i].lat,
		        (size_t)cl[i].done * sizeof(double));
		total += cl[i].done;
	}
	qsort(all, (size_t)total, sizeof(double), cmp_double);
	getrusage(RUSAGE_SELF, &ru);
	cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
	        + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	if (total == 0) {
		fprintf(stderr, "no request completed\n");
		return (1);
	}
	printf("%s clients=%d requests=%ld qps=%.0f p50_us=%.1f p99_us=%.1f "
	       "p999_us=%.1f client_cpu_s=%.2f wall_s=%.3f not_ok=%ld%s\n",
	        mode, nclients, total, total / ((t1 - t0) / 1e6),
	        all[(size_t)(total * 0.50)], all[(size_t)(total * 0.99)],
	        all[(size_t)(total * 0.999)], cpu, (t1 - t0) / 1e6, notok,
	        failed ? " (some clients failed)" : "");
	return (failed);
}
