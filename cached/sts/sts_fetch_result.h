/*
 * sts_fetch_result.h - the meaning of a finished policy transfer (RFC 8461
 * §3.3) as a struct sts_fetch_result (sts_fetch.h). The caller (sts_fetch.c)
 * owns every string it points to.
 */
#ifndef MXTLS_CACHED_STS_FETCH_RESULT_H
#define MXTLS_CACHED_STS_FETCH_RESULT_H

#include <stddef.h>

#include <curl/curl.h>

struct sts_fetch_result;

/* sts_fetch_transfer - the facts of one finished transfer */
struct sts_fetch_transfer {
	long        http_code;    /* 0: no response */
	const char *content_type; /* NULL: no Content-Type header */
	int         header_seen;  /* headers judged at the first body byte */
	int         too_big;      /* the body passed max_body */
	int         nomem;        /* the body could not be stored */
	size_t      max_body;
	const char *errbuf; /* libcurl's error buffer ("" or NULL: none) */
	const char *body;   /* the body received, len bytes */
	size_t      len;
};

/*
 * sts_fetch_result_map - fill res (status, http_code, why; body and len
 * for STS_FETCH_OK, pointing into t's body) from transfer t that ended
 * with rc. First rule that applies: a status other than 200; a missing or
 * non-text/plain media type; too big; out of memory; then rc (connect,
 * timeout, TLS, other).
 */
void sts_fetch_result_map(const struct sts_fetch_transfer *t, CURLcode rc,
        struct sts_fetch_result *res);

#endif
