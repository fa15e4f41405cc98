/*
 * https_world.c - the HTTPS servers of test_sts_fetch.c (https_world.h):
 * certificates, the per-connection TLS server that answers by SNI name,
 * the plain, closed and full-backlog ports.
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

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <cmocka.h>

#include "https_world.h"

struct https_world world;

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
	x = make_cert(key, cn, san, from_s, to_s, world.ca, world.ca_key);
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
		SSL_set_SSL_CTX(ssl, world.ctx_expired);
	} else if (name != NULL && strcmp(name, "mta-sts.wrong.test") == 0) {
		SSL_set_SSL_CTX(ssl, world.ctx_other);
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
	if ((ssl = SSL_new(world.ctx_good)) == NULL) {
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
	pthread_mutex_lock(&world.lock);
	world.conns--;
	pthread_mutex_unlock(&world.lock);
	return (NULL);
}

static void *
accept_main(void *arg)
{
	int       lfd = *(int *)arg;
	int       tls = lfd == world.tls_fd;
	int       fd;
	pthread_t t;

	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		struct conn *c = calloc(1, sizeof(*c));

		if (c == NULL) {
			abort();
		}
		c->fd  = fd;
		c->tls = tls;
		pthread_mutex_lock(&world.lock);
		world.conns++;
		pthread_mutex_unlock(&world.lock);
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

int
https_world_up(void **state)
{
	FILE              *fp;
	struct sockaddr_in sin;
	int                fd, i;

	(void)state;
	signal(SIGPIPE, SIG_IGN); /* the servers write to departed clients */
	memset(&world, 0, sizeof(world));
	pthread_mutex_init(&world.lock, NULL);
	snprintf(world.dir, sizeof(world.dir), "/tmp/test_sts_fetch.XXXXXX");
	assert_non_null(mkdtemp(world.dir));
	snprintf(world.ca_file, sizeof(world.ca_file), "%s/ca.pem", world.dir);
	world.ca_key = EVP_EC_gen("P-256");
	assert_non_null(world.ca_key);
	world.ca = make_cert(world.ca_key, "test_sts_fetch CA", NULL, -3600,
	        86400, NULL, NULL);
	assert_non_null(fp = fopen(world.ca_file, "w"));
	assert_int_equal(PEM_write_X509(fp, world.ca), 1);
	fclose(fp);
	world.ctx_good
	        = make_ctx("mta-sts.good.test", good_names, -3600, 86400);
	world.ctx_expired = make_ctx("mta-sts.expired.test",
	        "DNS:mta-sts.expired.test", -2 * 86400, -86400);
	world.ctx_other   = make_ctx(
	          "mta-sts.other.test", "DNS:mta-sts.other.test", -3600, 86400);
	SSL_CTX_set_tlsext_servername_callback(world.ctx_good, sni_cb);

	world.tls_fd   = listen_on(&world.tls_port, 64);
	world.plain_fd = listen_on(&world.plain_port, 64);
	fd = listen_on(&world.closed_port, -1); /* bound, not listening */
	close(fd);
	/* a full accept queue: further SYNs are dropped, connect hangs */
	world.backlog_fd = listen_on(&world.backlog_port, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family      = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port        = htons((uint16_t)world.backlog_port);
	for (i = 0; i < 4; i++) {
		world.backlog_clients[i]
		        = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(world.backlog_clients[i], (struct sockaddr *)&sin,
		        sizeof(sin));
	}
	assert_int_equal(pthread_create(&world.tls_thread, NULL, accept_main,
	                         &world.tls_fd),
	        0);
	assert_int_equal(pthread_create(&world.plain_thread, NULL, accept_main,
	                         &world.plain_fd),
	        0);
	return (0);
}

int
https_world_down(void **state)
{
	int i;

	(void)state;
	shutdown(world.tls_fd, SHUT_RDWR);
	shutdown(world.plain_fd, SHUT_RDWR);
	pthread_join(world.tls_thread, NULL);
	pthread_join(world.plain_thread, NULL);
	close(world.tls_fd);
	close(world.plain_fd);
	for (i = 0; i < 4; i++) {
		close(world.backlog_clients[i]);
	}
	close(world.backlog_fd);
	/* every client has gone, so every connection thread ends soon */
	for (i = 0; i < 500; i++) {
		int n;

		pthread_mutex_lock(&world.lock);
		n = world.conns;
		pthread_mutex_unlock(&world.lock);
		if (n == 0) {
			break;
		}
		usleep(10000);
	}
	SSL_CTX_free(world.ctx_good);
	SSL_CTX_free(world.ctx_expired);
	SSL_CTX_free(world.ctx_other);
	X509_free(world.ca);
	EVP_PKEY_free(world.ca_key);
	unlink(world.ca_file);
	rmdir(world.dir);
	return (0);
}
