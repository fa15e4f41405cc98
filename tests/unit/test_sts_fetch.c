/*
 * test_sts_fetch.c - unit tests for cached/sts/sts_fetch.c: the pure helpers
 * (table-driven), then the real fetcher on a real libevent loop against
 * HTTPS servers this test starts itself on 127.0.0.1 (ephemeral ports).
 *
 * The little world is self-contained and takes about two seconds: a
 * throwaway CA and leaf certificates made in memory with OpenSSL (the CA
 * bundle written to a mkdtemp directory), one blocking TLS server thread per
 * connection that answers by SNI name, a plain-text server (not TLS), a
 * closed port and a listener with a full backlog (connect timeout). The
 * fetcher connects through CURLOPT_CONNECT_TO to the ephemeral port; the
 * names (mta-sts.*.test) exist in no DNS, so a success also shows libcurl
 * used only the pinned addresses. Every server checks the request line and
 * that the Host header is exactly the SNI name.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sts/sts_fetch.h"

/* ---- pure helpers ---- */

struct ct_case {
	const char *ct; /* NULL: header missing */
	int         ok;
};

static const struct ct_case ct_cases[] = {
	{ "text/plain", 1 },
	{ "TEXT/PLAIN; charset=utf-8", 1 },
	{ "text/plain;charset=\"x\"", 1 },
	{ "Text/Plain", 1 },
	{ "text/plain ; charset=us-ascii", 1 },
	{ " text/plain", 1 },
	{ "text/plain ", 1 },
	{ "text/plainx", 0 },
	{ "text/plain-x", 0 },
	{ "text/plai", 0 },
	{ "text/html", 0 },
	{ "text/ plain", 0 },
	{ "text", 0 },
	{ "application/octet-stream", 0 },
	{ "xtext/plain", 0 },
	{ "", 0 },
	{ NULL, 0 },
};

static void
test_content_type(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ct_cases) / sizeof(ct_cases[0]); i++) {
		const struct ct_case *c = &ct_cases[i];

		if (sts_fetch_content_type_ok(c->ct) != c->ok) {
			fail_msg("case %zu \"%s\": expected %d", i,
			        c->ct != NULL ? c->ct : "(missing)", c->ok);
		}
	}
}

static void
test_status_names(void **state)
{
	(void)state;
	assert_string_equal(sts_fetch_status_name(STS_FETCH_OK), "ok");
	assert_string_equal(
	        sts_fetch_status_name(STS_FETCH_CONNECT), "connect");
	assert_string_equal(sts_fetch_status_name(STS_FETCH_TLS), "tls");
	assert_string_equal(
	        sts_fetch_status_name(STS_FETCH_TIMEOUT), "timeout");
	assert_string_equal(
	        sts_fetch_status_name(STS_FETCH_HTTP_STATUS), "http-status");
	assert_string_equal(
	        sts_fetch_status_name(STS_FETCH_CONTENT_TYPE), "content-type");
	assert_string_equal(
	        sts_fetch_status_name(STS_FETCH_TOO_BIG), "too-big");
	assert_string_equal(sts_fetch_status_name(STS_FETCH_ERROR), "error");
	assert_string_equal(
	        sts_fetch_status_name((enum sts_fetch_status)99), "unknown");
}

/* ---- the world: certificates ---- */

struct world {
	char            dir[64];
	char            ca_file[96];
	EVP_PKEY       *ca_key;
	X509           *ca;
	SSL_CTX        *ctx_good;    /* every name below except these two */
	SSL_CTX        *ctx_expired; /* mta-sts.expired.test, expired */
	SSL_CTX        *ctx_other;   /* mta-sts.other.test only */
	int             tls_fd;      /* listeners */
	int             plain_fd;
	int             backlog_fd;
	int             backlog_clients[4];
	unsigned        tls_port;
	unsigned        plain_port;
	unsigned        backlog_port;
	unsigned        closed_port;
	pthread_t       tls_thread;
	pthread_t       plain_thread;
	pthread_mutex_t lock;
	int             conns; /* connection threads alive */
};

static struct world w;

static const char *const good_names
        = "DNS:mta-sts.good.test,DNS:mta-sts.upper.test,"
          "DNS:mta-sts.notfound.test,DNS:mta-sts.redirect.test,"
          "DNS:mta-sts.html.test,DNS:mta-sts.notype.test,"
          "DNS:mta-sts.bigcl.test,DNS:mta-sts.bigclose.test,"
          "DNS:mta-sts.exact.test,DNS:mta-sts.stall.test,"
          "DNS:mta-sts.stallbody.test,DNS:mta-sts.slow.test";

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX      ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
}

/* make_cert - a certificate for key, signed by the CA (self-signed when
 * issuer is NULL), valid from now + from_s to now + to_s. */
static X509 *
make_cert(EVP_PKEY *key, const char *cn, const char *san, long from_s,
        long to_s, X509 *issuer, EVP_PKEY *issuer_key)
{
	static long serial = 1;
	X509       *x      = X509_new();
	X509_NAME  *name;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), from_s);
	X509_gmtime_adj(X509_getm_notAfter(x), to_s);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	        (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(
	        x, issuer != NULL ? X509_get_subject_name(issuer) : name);
	if (issuer == NULL) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
		add_ext(x, x, NID_subject_key_identifier, "hash");
	} else {
		add_ext(x, issuer, NID_basic_constraints, "CA:FALSE");
		add_ext(x, issuer, NID_key_usage,
		        "critical,digitalSignature,keyEncipherment");
		add_ext(x, issuer, NID_ext_key_usage, "serverAuth");
		add_ext(x, issuer, NID_subject_alt_name, san);
		add_ext(x, issuer, NID_subject_key_identifier, "hash");
		add_ext(x, issuer, NID_authority_key_identifier, "keyid");
	}
	assert_true(X509_sign(x, issuer_key != NULL ? issuer_key : key,
	                    EVP_sha256())
	        > 0);
	return (x);
}

static SSL_CTX *
make_ctx(const char *cn, const char *san, long from_s, long to_s)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509     *x;
	SSL_CTX  *ctx = SSL_CTX_new(TLS_server_method());

	assert_non_null(key);
	assert_non_null(ctx);
	x = make_cert(key, cn, san, from_s, to_s, w.ca, w.ca_key);
	assert_int_equal(SSL_CTX_use_certificate(ctx, x), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	X509_free(x);
	EVP_PKEY_free(key);
	return (ctx);
}

/* sni_cb - choose the certificate by the name the client asked for. */
static int
sni_cb(SSL *ssl, int *alert, void *arg)
{
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	(void)alert;
	(void)arg;
	if (name != NULL && strcmp(name, "mta-sts.expired.test") == 0) {
		SSL_set_SSL_CTX(ssl, w.ctx_expired);
	} else if (name != NULL && strcmp(name, "mta-sts.wrong.test") == 0) {
		SSL_set_SSL_CTX(ssl, w.ctx_other);
	}
	return (SSL_TLSEXT_ERR_OK);
}

/* ---- the world: servers ---- */

struct conn {
	int fd;
	int tls;
};

static int
conn_write(SSL *ssl, int fd, const char *buf, size_t len)
{
	if (ssl != NULL) {
		return (SSL_write(ssl, buf, (int)len) == (int)len ? 0 : -1);
	}
	return (write(fd, buf, len) == (ssize_t)len ? 0 : -1);
}

/* wait_close - block until the client goes away. */
static void
wait_close(SSL *ssl, int fd)
{
	char buf[512];

	if (ssl != NULL) {
		while (SSL_read(ssl, buf, sizeof(buf)) > 0) { }
	} else {
		while (read(fd, buf, sizeof(buf)) > 0) { }
	}
}

static void
respond(SSL *ssl, const char *host)
{
	char       *big = calloc(1, 70000);
	char        head[512];
	const char *policy = "version: STSv1\r\nmode: enforce\r\n"
	                     "mx: mail.good.test\r\nmax_age: 86400\r\n";
	size_t      n;

	if (strcmp(host, "mta-sts.good.test") == 0) {
		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		        "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		        strlen(policy), policy);
		conn_write(ssl, -1, head, n);
	} else if (strcmp(host, "mta-sts.upper.test") == 0) {
		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 200 OK\r\nContent-Type: TEXT/PLAIN; "
		        "charset=utf-8\r\nConnection: close\r\n\r\n%s",
		        policy);
		conn_write(ssl, -1, head, n);
	} else if (strcmp(host, "mta-sts.notfound.test") == 0) {
		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
		        "Content-Length: 1000000\r\nConnection: "
		        "close\r\n\r\n");
		conn_write(ssl, -1, head, n);
		memset(big, 'x', 70000);
		conn_write(ssl, -1, big, 70000);
	} else if (strcmp(host, "mta-sts.redirect.test") == 0) {
		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 301 Moved Permanently\r\n"
		        "Location: https://mta-sts.good.test/.well-known/"
		        "mta-sts.txt\r\nContent-Length: 0\r\n"
		        "Connection: close\r\n\r\n");
		conn_write(ssl, -1, head, n);
	} else if (strcmp(host, "mta-sts.html.test") == 0) {
		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
		        "Connection: close\r\n\r\n%s",
		        policy);
		conn_write(ssl, -1, head, n);
	} else if (strcmp(host, "mta-sts.notype.test") == 0) {
		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n%s",
		        policy);
		conn_write(ssl, -1, head, n);
	} else if (strcmp(host, "mta-sts.bigcl.test") == 0) {
		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		        "Content-Length: 70000\r\nConnection: close\r\n\r\n");
		conn_write(ssl, -1, head, n);
		memset(big, 'a', 70000);
		conn_write(ssl, -1, big, 70000);
	} else if (strcmp(host, "mta-sts.bigclose.test") == 0
	        || strcmp(host, "mta-sts.exact.test") == 0) {
		size_t len = host[8] == 'b' ? 70000 : 65536;

		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		        "Connection: close\r\n\r\n");
		conn_write(ssl, -1, head, n);
		memset(big, 'a', len);
		conn_write(ssl, -1, big, len);
	} else if (strcmp(host, "mta-sts.stall.test") == 0) {
		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n");
		conn_write(ssl, -1, head, n);
		wait_close(ssl, -1);
	} else if (strcmp(host, "mta-sts.stallbody.test") == 0) {
		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		        "Content-Length: 100\r\n\r\nversion: ST");
		conn_write(ssl, -1, head, n);
		wait_close(ssl, -1);
	} else if (strcmp(host, "mta-sts.slow.test") == 0) {
		int i;

		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		        "Connection: close\r\n\r\n");
		conn_write(ssl, -1, head, n);
		for (i = 0; i < 40; i++) {
			if (conn_write(ssl, -1, "a", 1) != 0) {
				break;
			}
			usleep(50000);
		}
	} else {
		n = (size_t)snprintf(head, sizeof(head),
		        "HTTP/1.1 500 Unknown host\r\nContent-Length: 0\r\n"
		        "Connection: close\r\n\r\n");
		conn_write(ssl, -1, head, n);
	}
	free(big);
}

/* read_request - the request head; 0 when it is the expected GET for
 * host. */
static int
read_request(SSL *ssl, const char *host)
{
	char   req[4096], want[300];
	size_t len = 0;
	int    n;

	while (len < sizeof(req) - 1) {
		if ((n = SSL_read(
		             ssl, req + len, (int)(sizeof(req) - 1 - len)))
		        <= 0) {
			return (-1);
		}
		len += (size_t)n;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL) {
			break;
		}
	}
	snprintf(want, sizeof(want), "\r\nHost: %s\r\n", host);
	if (strncmp(req, "GET /.well-known/mta-sts.txt HTTP/1.1\r\n", 39) != 0
	        || strstr(req, want) == NULL) {
		return (-1);
	}
	return (0);
}

static void *
conn_main(void *arg)
{
	struct conn *c   = arg;
	SSL         *ssl = NULL;
	const char  *host;

	if (!c->tls) {
		conn_write(NULL, c->fd,
		        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n",
		        45);
		wait_close(NULL, c->fd);
		goto done;
	}
	if ((ssl = SSL_new(w.ctx_good)) == NULL) {
		goto done;
	}
	SSL_set_fd(ssl, c->fd);
	if (SSL_accept(ssl) != 1) {
		goto done;
	}
	host = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (host == NULL || read_request(ssl, host) != 0) {
		const char *bad
		        = "HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n";

		conn_write(ssl, -1, bad, strlen(bad));
		goto done;
	}
	respond(ssl, host);
	SSL_shutdown(ssl);
done:
	SSL_free(ssl);
	close(c->fd);
	free(c);
	ERR_clear_error();
	pthread_mutex_lock(&w.lock);
	w.conns--;
	pthread_mutex_unlock(&w.lock);
	return (NULL);
}

static void *
accept_main(void *arg)
{
	int       lfd = *(int *)arg;
	int       tls = lfd == w.tls_fd;
	int       fd;
	pthread_t t;

	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		struct conn *c = calloc(1, sizeof(*c));

		if (c == NULL) {
			abort();
		}
		c->fd  = fd;
		c->tls = tls;
		pthread_mutex_lock(&w.lock);
		w.conns++;
		pthread_mutex_unlock(&w.lock);
		if (pthread_create(&t, NULL, conn_main, c) != 0) {
			abort();
		}
		pthread_detach(t);
	}
	return (NULL);
}

static int
listen_on(unsigned *port, int backlog)
{
	struct sockaddr_in sin;
	socklen_t          len = sizeof(sin);
	int                fd  = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family      = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (backlog >= 0) {
		assert_int_equal(listen(fd, backlog), 0);
	}
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return (fd);
}

static int
world_up(void **state)
{
	FILE              *fp;
	struct sockaddr_in sin;
	int                fd, i;

	(void)state;
	signal(SIGPIPE, SIG_IGN); /* the servers write to departed clients */
	memset(&w, 0, sizeof(w));
	pthread_mutex_init(&w.lock, NULL);
	snprintf(w.dir, sizeof(w.dir), "/tmp/test_sts_fetch.XXXXXX");
	assert_non_null(mkdtemp(w.dir));
	snprintf(w.ca_file, sizeof(w.ca_file), "%s/ca.pem", w.dir);
	w.ca_key = EVP_EC_gen("P-256");
	assert_non_null(w.ca_key);
	w.ca = make_cert(
	        w.ca_key, "test_sts_fetch CA", NULL, -3600, 86400, NULL, NULL);
	assert_non_null(fp = fopen(w.ca_file, "w"));
	assert_int_equal(PEM_write_X509(fp, w.ca), 1);
	fclose(fp);
	w.ctx_good = make_ctx("mta-sts.good.test", good_names, -3600, 86400);
	w.ctx_expired = make_ctx("mta-sts.expired.test",
	        "DNS:mta-sts.expired.test", -2 * 86400, -86400);
	w.ctx_other   = make_ctx(
	          "mta-sts.other.test", "DNS:mta-sts.other.test", -3600, 86400);
	SSL_CTX_set_tlsext_servername_callback(w.ctx_good, sni_cb);

	w.tls_fd   = listen_on(&w.tls_port, 64);
	w.plain_fd = listen_on(&w.plain_port, 64);
	fd         = listen_on(&w.closed_port, -1); /* bound, not listening */
	close(fd);
	/* a full accept queue: further SYNs are dropped, connect hangs */
	w.backlog_fd = listen_on(&w.backlog_port, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family      = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port        = htons((uint16_t)w.backlog_port);
	for (i = 0; i < 4; i++) {
		w.backlog_clients[i]
		        = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(w.backlog_clients[i], (struct sockaddr *)&sin,
		        sizeof(sin));
	}
	assert_int_equal(
	        pthread_create(&w.tls_thread, NULL, accept_main, &w.tls_fd),
	        0);
	assert_int_equal(pthread_create(&w.plain_thread, NULL, accept_main,
	                         &w.plain_fd),
	        0);
	return (0);
}

static int
world_down(void **state)
{
	int i;

	(void)state;
	shutdown(w.tls_fd, SHUT_RDWR);
	shutdown(w.plain_fd, SHUT_RDWR);
	pthread_join(w.tls_thread, NULL);
	pthread_join(w.plain_thread, NULL);
	close(w.tls_fd);
	close(w.plain_fd);
	for (i = 0; i < 4; i++) {
		close(w.backlog_clients[i]);
	}
	close(w.backlog_fd);
	/* every client has gone, so every connection thread ends soon */
	for (i = 0; i < 500; i++) {
		int n;

		pthread_mutex_lock(&w.lock);
		n = w.conns;
		pthread_mutex_unlock(&w.lock);
		if (n == 0) {
			break;
		}
		usleep(10000);
	}
	SSL_CTX_free(w.ctx_good);
	SSL_CTX_free(w.ctx_expired);
	SSL_CTX_free(w.ctx_other);
	X509_free(w.ca);
	EVP_PKEY_free(w.ca_key);
	unlink(w.ca_file);
	rmdir(w.dir);
	return (0);
}

/* ---- the fetcher ---- */

struct job {
	const char           *domain;
	const char           *addrs; /* comma-separated */
	enum sts_fetch_status expect;
	const char           *why; /* substring of why; NULL: "" */
	size_t                len; /* expected body length when OK */
	int                   called;
	struct sts_fetch     *fetch;
	struct job           *cancel; /* cancel this from the callback */
	struct sts_fetcher  **free;   /* free this from the callback */
};

static int                in_start;
static int                pending;
static struct event_base *base;

static void
job_cb(void *arg, const struct sts_fetch_result *res)
{
	struct job *j = arg;

	assert_int_equal(in_start, 0);
	assert_int_equal(j->called, 0);
	j->called = 1;
	pending--;
	if (res->status != j->expect) {
		fail_msg("%s: got %s (\"%s\"), expected %s", j->domain,
		        sts_fetch_status_name(res->status), res->why,
		        sts_fetch_status_name(j->expect));
	}
	if (j->why != NULL && strstr(res->why, j->why) == NULL) {
		fail_msg("%s: why \"%s\" lacks \"%s\"", j->domain, res->why,
		        j->why);
	}
	if (res->status == STS_FETCH_OK) {
		assert_string_equal(res->why, "");
		assert_int_equal(res->http_code, 200);
		assert_int_equal(res->len, j->len);
		if (strcmp(j->domain, "good.test") == 0) {
			assert_memory_equal(
			        res->body, "version: STSv1\r\n", 16);
		}
	} else {
		assert_true(res->why[0] != '\0');
	}
	if (j->cancel != NULL) {
		sts_fetch_cancel(j->cancel->fetch);
		if (!j->cancel->called) {
			pending--;
		}
	}
	if (j->free != NULL) {
		sts_fetch_free(*j->free);
		*j->free = NULL;
	}
}

static struct sts_fetcher *
fetcher(unsigned port, unsigned timeout_ms)
{
	struct sts_fetch_config cfg;
	struct sts_fetcher     *f;
	char                    why[256];

	memset(&cfg, 0, sizeof(cfg));
	cfg.ca_file            = w.ca_file;
	cfg.connect_timeout_ms = 300;
	cfg.timeout_ms         = timeout_ms;
	cfg.max_body           = 65536;
	cfg.port               = port;
	cfg.user_agent         = "test_sts_fetch";
	if ((f = sts_fetch_create(base, &cfg, why, sizeof(why))) == NULL) {
		fail_msg("sts_fetch_create: %s", why);
	}
	return (f);
}

static void
start(struct sts_fetcher *f, struct job *j)
{
	struct sockaddr_storage ss[8];
	char                    buf[256], *tok, *save = NULL;
	size_t                  n = 0;

	snprintf(buf, sizeof(buf), "%s", j->addrs);
	for (tok    = strtok_r(buf, ",", &save); tok != NULL && n < 8;
	        tok = strtok_r(NULL, ",", &save)) {
		memset(&ss[n], 0, sizeof(ss[n]));
		if (strchr(tok, ':') != NULL) {
			struct sockaddr_in6 *s6
			        = (struct sockaddr_in6 *)&ss[n];

			s6->sin6_family = AF_INET6;
			assert_int_equal(
			        inet_pton(AF_INET6, tok, &s6->sin6_addr), 1);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss[n];

			s4->sin_family = AF_INET;
			assert_int_equal(
			        inet_pton(AF_INET, tok, &s4->sin_addr), 1);
		}
		n++;
	}
	j->called = 0;
	in_start  = 1;
	j->fetch  = sts_fetch_start(f, j->domain, ss, n, job_cb, j);
	in_start  = 0;
	assert_non_null(j->fetch);
	pending++;
}

static void
run(void)
{
	while (pending > 0) {
		event_base_loop(base, EVLOOP_ONCE);
	}
}

#define BIG_WHY   "body larger than 65536 bytes"
#define CONN_WHY  "Failed to connect to mta-sts."
#define NOTYPE    "no Content-Type (text/plain required)"
#define REDIR_WHY "HTTP status 301 (redirects are not followed)"

static struct job tls_jobs[] = {
	{ "good.test", "127.0.0.1", STS_FETCH_OK, NULL, 67, 0, 0, 0, 0 },
	{ "upper.test", "127.0.0.1", STS_FETCH_OK, NULL, 67, 0, 0, 0, 0 },
	{ "exact.test", "127.0.0.1", STS_FETCH_OK, NULL, 65536, 0, 0, 0, 0 },
	/* the pinned addresses are tried in turn */
	{ "good.test", "127.0.0.2,127.0.0.1", STS_FETCH_OK, NULL, 67, 0, 0, 0,
	        0 },
	{ "notfound.test", "127.0.0.1", STS_FETCH_HTTP_STATUS,
	        "HTTP status 404", 0, 0, 0, 0, 0 },
	{ "redirect.test", "127.0.0.1", STS_FETCH_HTTP_STATUS, REDIR_WHY, 0, 0,
	        0, 0, 0 },
	{ "html.test", "127.0.0.1", STS_FETCH_CONTENT_TYPE,
	        "Content-Type \"text/html\" is not text/plain", 0, 0, 0, 0,
	        0 },
	{ "notype.test", "127.0.0.1", STS_FETCH_CONTENT_TYPE, NOTYPE, 0, 0, 0,
	        0, 0 },
	{ "bigcl.test", "127.0.0.1", STS_FETCH_TOO_BIG, BIG_WHY, 0, 0, 0, 0,
	        0 },
	{ "bigclose.test", "127.0.0.1", STS_FETCH_TOO_BIG, BIG_WHY, 0, 0, 0, 0,
	        0 },
	{ "expired.test", "127.0.0.1", STS_FETCH_TLS, "expired", 0, 0, 0, 0,
	        0 },
	{ "wrong.test", "127.0.0.1", STS_FETCH_TLS, "mta-sts.wrong.test", 0, 0,
	        0, 0, 0 },
	{ "stall.test", "127.0.0.1", STS_FETCH_TIMEOUT, "timed out", 0, 0, 0,
	        0, 0 },
	{ "stallbody.test", "127.0.0.1", STS_FETCH_TIMEOUT, "timed out", 0, 0,
	        0, 0, 0 },
	/* nothing listens on 127.0.0.2: refused, and no DNS to fall back to */
	{ "good.test", "127.0.0.2", STS_FETCH_CONNECT, CONN_WHY, 0, 0, 0, 0,
	        0 },
	{ "nxdomain.invalid", "127.0.0.3,::1", STS_FETCH_CONNECT, CONN_WHY, 0,
	        0, 0, 0, 0 },
	/* bad arguments come back through the loop */
	{ "Bad_Domain.test", "127.0.0.1", STS_FETCH_ERROR, "invalid domain", 0,
	        0, 0, 0, 0 },
	{ "good.test", "", STS_FETCH_ERROR, "0 addresses", 0, 0, 0, 0, 0 },
};

#define NJOBS (sizeof(tls_jobs) / sizeof(tls_jobs[0]))

static void
test_one_by_one(void **state)
{
	struct sts_fetcher *f;
	size_t              i;

	(void)state;
	base = event_base_new();
	f    = fetcher(w.tls_port, 500);
	for (i = 0; i < NJOBS; i++) {
		start(f, &tls_jobs[i]);
		run();
		assert_int_equal(tls_jobs[i].called, 1);
	}
	sts_fetch_free(f);
	event_base_free(base);
}

static void
test_concurrent(void **state)
{
	struct sts_fetcher *f;
	size_t              i;

	(void)state;
	base = event_base_new();
	f    = fetcher(w.tls_port, 500);
	for (i = 0; i < NJOBS; i++) {
		start(f, &tls_jobs[i]);
	}
	run();
	for (i = 0; i < NJOBS; i++) {
		assert_int_equal(tls_jobs[i].called, 1);
	}
	sts_fetch_free(f);
	event_base_free(base);
}

static void
test_other_failures(void **state)
{
	struct sts_fetcher *f;
	struct job plain  = { "good.test", "127.0.0.1", STS_FETCH_TLS, NULL, 0,
		 0, 0, 0, 0 };
	struct job closed = { "good.test", "127.0.0.1", STS_FETCH_CONNECT,
		CONN_WHY, 0, 0, 0, 0, 0 };
	struct job hang = { "good.test", "127.0.0.1", STS_FETCH_TIMEOUT, NULL,
		0, 0, 0, 0, 0 };
	struct job slow = { "slow.test", "127.0.0.1", STS_FETCH_TIMEOUT,
		"too slow", 0, 0, 0, 0, 0 };
	struct sts_fetch_config cfg;
	char                    why[256];

	(void)state;
	base = event_base_new();
	/* a server that does not speak TLS */
	f = fetcher(w.plain_port, 2000);
	start(f, &plain);
	run();
	sts_fetch_free(f);
	f = fetcher(w.closed_port, 2000);
	start(f, &closed);
	run();
	sts_fetch_free(f);
	/* connect timeout (300 ms) well before the total one */
	f = fetcher(w.backlog_port, 5000);
	start(f, &hang);
	run();
	sts_fetch_free(f);
	/* low-speed limit: 20 bytes/s for 1 s, total timeout 5 s */
	memset(&cfg, 0, sizeof(cfg));
	cfg.ca_file         = w.ca_file;
	cfg.timeout_ms      = 5000;
	cfg.low_speed_limit = 100;
	cfg.low_speed_time  = 1;
	cfg.port            = w.tls_port;
	f                   = sts_fetch_create(base, &cfg, why, sizeof(why));
	assert_non_null(f);
	start(f, &slow);
	run();
	sts_fetch_free(f);
	/* bad configurations */
	cfg.max_body = 65537;
	assert_null(sts_fetch_create(base, &cfg, why, sizeof(why)));
	assert_non_null(strstr(why, "max_body"));
	cfg.max_body = 0;
	cfg.ca_file  = NULL;
	assert_null(sts_fetch_create(base, &cfg, why, sizeof(why)));
	event_base_free(base);
}

static void
test_cancel(void **state)
{
	struct sts_fetcher *f, *g;
	struct job a = { "stall.test", "127.0.0.1", STS_FETCH_TIMEOUT, NULL, 0,
		0, 0, 0, 0 };
	struct job b = { "good.test", "127.0.0.1", STS_FETCH_OK, NULL, 67, 0,
		0, 0, 0 };
	struct job c = { "good.test", "127.0.0.2", STS_FETCH_CONNECT, NULL, 0,
		0, 0, 0, 0 };
	struct job d = { "good.test", "127.0.0.2", STS_FETCH_CONNECT, NULL, 0,
		0, 0, 0, 0 };
	struct job e
	        = { "good.test", "", STS_FETCH_ERROR, NULL, 0, 0, 0, 0, 0 };
	struct timeval tv = { 0, 600000 };

	(void)state;
	base = event_base_new();
	f    = fetcher(w.tls_port, 500);

	/* cancelled right after start and after a turn of the loop */
	start(f, &a);
	start(f, &e);
	sts_fetch_cancel(a.fetch);
	sts_fetch_cancel(e.fetch);
	pending -= 2;
	start(f, &a);
	start(f, &b);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	sts_fetch_cancel(a.fetch);
	pending--;
	run();
	assert_int_equal(b.called, 1);
	/* past the stalled fetch's timeout: its callback must not come */
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_int_equal(a.called, 0);
	assert_int_equal(e.called, 0);

	/* two refused fetches: the first to finish cancels the other */
	c.cancel = &d;
	d.cancel = &c;
	start(f, &c);
	start(f, &d);
	run();
	assert_int_equal(c.called + d.called, 1);

	/* a refused fetch cancels a stalled one on another fetcher */
	g        = fetcher(w.tls_port, 500);
	c.cancel = &a;
	d.cancel = NULL;
	start(g, &a);
	start(f, &c);
	run();
	assert_int_equal(a.called, 0);

	/* a callback frees its own fetcher with other fetches live */
	c.cancel = NULL;
	c.free   = &g;
	start(g, &a);
	start(g, &e);
	start(g, &c);
	start(g, &d);
	while (g != NULL) {
		event_base_loop(base, EVLOOP_ONCE);
	}
	pending = 0;
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_int_equal(a.called, 0);

	/* freeing with live fetches, no loop turn in between */
	g = fetcher(w.tls_port, 500);
	start(g, &a);
	start(g, &b);
	start(g, &e);
	sts_fetch_free(g);
	pending = 0;
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_int_equal(a.called + b.called + e.called, 0);

	sts_fetch_free(f);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_one_by_one),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_other_failures),
		cmocka_unit_test(test_cancel),
	};

	return (cmocka_run_group_tests(tests, world_up, world_down));
}
