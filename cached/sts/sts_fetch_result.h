/*
 * sts_fetch_result.h - the meaning of a finished policy transfer (RFC 8461
 * §3.3) as a struct sts_fetch_result, and the pure checks it is made of.
 * sts_fetch.h includes this header; the caller (sts_fetch.c) owns every
 * string a result points to.
 */
#ifndef MXTLS_CACHED_STS_FETCH_RESULT_H
#define MXTLS_CACHED_STS_FETCH_RESULT_H

#include <stddef.h>

#include <curl/curl.h>

enum sts_fetch_status {
	STS_FETCH_OK = 0,      /* 200, text/plain, body within the cap */
	STS_FETCH_CONNECT,     /* could not connect to any address */
	STS_FETCH_TLS,         /* handshake or certificate validation failed */
	STS_FETCH_TIMEOUT,     /* connect, total or low-speed timeout */
	STS_FETCH_HTTP_STATUS, /* status other than 200 (3xx included) */
	STS_FETCH_CONTENT_TYPE, /* not text/plain */
	STS_FETCH_TOO_BIG,      /* body over the cap */
	STS_FETCH_ERROR,        /* anything else (out of memory, curl error) */
};

struct sts_fetch_result {
	enum sts_fetch_status status;
	long                  http_code; /* 0 when no response */
	const char           *body;      /* STS_FETCH_OK only; not
	                                    NUL-terminated; valid during the
	                                    callback */
	size_t len;
	char   why[256];
};

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

/* sts_fetch_status_name - a short stable name for status. */
const char *sts_fetch_status_name(enum sts_fetch_status status);

/* sts_fetch_content_type_ok - 1 when the Content-Type value (NULL when
 * absent) has media type text/plain (any case, parameters allowed), else 0.
 * Pure; exposed for the unit test. */
int sts_fetch_content_type_ok(const char *content_type);

#endif
