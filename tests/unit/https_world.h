/*
 * https_world.h - the little HTTPS world of test_sts_fetch.c, started in
 * the test process on 127.0.0.1 (ephemeral ports): a throwaway CA and leaf
 * certificates made in memory with OpenSSL (the CA bundle written to a
 * mkdtemp directory), one blocking TLS server thread per connection that
 * answers by SNI name (https_world.c lists the names and what each
 * answers), a plain-text server (not TLS), a closed port and a listener with
 * a full backlog (connect timeout). Every server checks the request line
 * and that the Host header is exactly the SNI name.
 */
#ifndef MXTLS_TESTS_HTTPS_WORLD_H
#define MXTLS_TESTS_HTTPS_WORLD_H

#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

struct https_world {
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

/* world - the world, set up by https_world_up. */
extern struct https_world world;

/* https_world_up, https_world_down - cmocka group setup and teardown. */
int https_world_up(void **state);
int https_world_down(void **state);

#endif
