/*
 * sts_fetch.h - the daemon's only libcurl user for MTA-STS policies: HTTPS
 * GET of https://mta-sts.<domain>/.well-known/mta-sts.txt with the libcurl
 * multi-socket API on the daemon's libevent loop (RFC 8461 §3.3).
 *
 * Rules enforced here: HTTPS only; redirects never followed (a 3xx is a
 * failure); only status 200; only media type text/plain (parameters such as
 * charset allowed); the body capped (64 KiB at most); the certificate must
 * validate against the configured CA bundle for the name mta-sts.<domain>;
 * the connection goes only to the addresses the caller resolved with our own
 * validating resolver (CURLOPT_RESOLVE / CURLOPT_CONNECT_TO), never to an
 * address libcurl looked up itself. Connect, total and low-speed timeouts are
 * configurable.
 */
#ifndef MXTLS_CACHED_STS_FETCH_H
#define MXTLS_CACHED_STS_FETCH_H

#include <sys/socket.h>

#include <stddef.h>

#include "sts/sts_fetch_result.h" /* the result, its status, and the
                                      Content-Type check */

struct event_base;
struct sts_fetcher;
struct sts_fetch;

struct sts_fetch_config {
	const char *ca_file; /* PEM bundle for WebPKI validation */
	unsigned    connect_timeout_ms;
	unsigned    timeout_ms;      /* whole transfer */
	unsigned    low_speed_limit; /* bytes/s, 0 = off */
	unsigned    low_speed_time;  /* seconds below the limit */
	size_t      max_body;        /* <= 65536 */
	unsigned    port;            /* 443; another port only for tests:
	                                the URL, SNI and name check stay
	                                mta-sts.<domain> */
	const char *user_agent;
};

/* sts_fetch_create - a fetcher on base; NULL and why on failure. */
struct sts_fetcher *sts_fetch_create(struct event_base *base,
        const struct sts_fetch_config *cfg, char *why, size_t whylen);

/* sts_fetch_set_limits - take cfg's connect_timeout_ms, timeout_ms,
 * low_speed_limit and low_speed_time for the transfers started from now
 * on (a reload; loop thread). */
void sts_fetch_set_limits(
        struct sts_fetcher *f, const struct sts_fetch_config *cfg);

/* sts_fetch_free - abort every transfer (no callbacks) and free. */
void sts_fetch_free(struct sts_fetcher *f);

typedef void (*sts_fetch_cb)(void *arg, const struct sts_fetch_result *res);

/*
 * sts_fetch_start - fetch the policy of domain (already normalised) from the
 * naddr addresses given (sockaddr_in or sockaddr_in6; port ignored). The
 * callback runs exactly once, later, on the loop thread, unless the fetch is
 * cancelled first. Bad arguments are reported through the callback
 * (STS_FETCH_ERROR); NULL, with no callback, only when out of memory. The
 * fetch is freed when its callback returns.
 */
struct sts_fetch *sts_fetch_start(struct sts_fetcher *f, const char *domain,
        const struct sockaddr_storage *addrs, size_t naddr, sts_fetch_cb cb,
        void *arg);

/* sts_fetch_cancel - abort one fetch; its callback will not run. */
void sts_fetch_cancel(struct sts_fetch *fetch);

#endif
