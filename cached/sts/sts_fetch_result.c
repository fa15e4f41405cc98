/*
 * sts_fetch_result.c - what a finished policy transfer means (RFC 8461
 * §3.3): the HTTP status (200 only, redirects never followed), the media
 * type (text/plain), the size bound and libcurl's errors, turned into one
 * sts_fetch_result status with its reason; and the Content-Type check
 * (text/plain, parameters allowed) it uses. Pure: the facts come from
 * sts_fetch.c.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "sts/sts_fetch_result.h"

#define STS_FETCH_MEDIATYPE "text/plain" /* RFC 8461 §3.3 */

static const char *const status_names[] = {
	[STS_FETCH_OK]           = "ok",
	[STS_FETCH_CONNECT]      = "connect",
	[STS_FETCH_TLS]          = "tls",
	[STS_FETCH_TIMEOUT]      = "timeout",
	[STS_FETCH_HTTP_STATUS]  = "http-status",
	[STS_FETCH_CONTENT_TYPE] = "content-type",
	[STS_FETCH_TOO_BIG]      = "too-big",
	[STS_FETCH_ERROR]        = "error",
};

const char *
sts_fetch_status_name(enum sts_fetch_status status)
{
	if ((unsigned)status
	        >= sizeof(status_names) / sizeof(status_names[0])) {
		return ("unknown");
	}
	return (status_names[status]);
}

/* is_ows - HTTP optional whitespace (RFC 9110 §5.6.3). */
static int
is_ows(char c)
{
	return (c == ' ' || c == '\t');
}

int
sts_fetch_content_type_ok(const char *content_type)
{
	const char *p = content_type;
	size_t      n = sizeof(STS_FETCH_MEDIATYPE) - 1;

	if (p == NULL) {
		return (0);
	}
	while (is_ows(*p)) {
		p++;
	}
	if (strncasecmp(p, STS_FETCH_MEDIATYPE, n) != 0) {
		return (0);
	}
	p += n;
	while (is_ows(*p)) {
		p++;
	}
	return (*p == '\0' || *p == ';');
}

static int
is_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		return (1);
	default:
		return (0);
	}
}

/* curl_why - curl's error buffer, or its generic text when empty. */
static void
curl_why(struct sts_fetch_result *res, const struct sts_fetch_transfer *t,
        CURLcode rc)
{
	size_t len;

	snprintf(res->why, sizeof(res->why), "%s",
	        t->errbuf != NULL && t->errbuf[0] != '\0'
	                ? t->errbuf
	                : curl_easy_strerror(rc));
	len = strlen(res->why);
	while (len > 0
	        && (res->why[len - 1] == '\n' || res->why[len - 1] == ' ')) {
		res->why[--len] = '\0';
	}
}

void
sts_fetch_result_map(const struct sts_fetch_transfer *t, CURLcode rc,
        struct sts_fetch_result *res)
{
	long        code = t->http_code;
	const char *ct   = t->content_type;

	res->http_code = code;
	if (code != 0 && code != 200) {
		res->status = STS_FETCH_HTTP_STATUS;
		snprintf(res->why, sizeof(res->why), "HTTP status %ld%s", code,
		        code >= 300 && code < 400
		                ? " (redirects are not followed)"
		                : "");
		return;
	}
	/* the header is judged only once all headers are in: at the first
	   body byte (write_cb) or at the end of a complete transfer */
	if (code == 200 && (t->header_seen || rc == CURLE_OK)) {
		if (ct == NULL) {
			res->status = STS_FETCH_CONTENT_TYPE;
			snprintf(res->why, sizeof(res->why),
			        "no Content-Type (text/plain required)");
			return;
		}
		if (!sts_fetch_content_type_ok(ct)) {
			res->status = STS_FETCH_CONTENT_TYPE;
			snprintf(res->why, sizeof(res->why),
			        "Content-Type \"%.100s\" is not text/plain",
			        ct);
			return;
		}
	}
	if (t->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		res->status = STS_FETCH_TOO_BIG;
		snprintf(res->why, sizeof(res->why),
		        "body larger than %zu bytes", t->max_body);
		return;
	}
	if (t->nomem) {
		res->status = STS_FETCH_ERROR;
		snprintf(res->why, sizeof(res->why), "out of memory");
		return;
	}
	switch (rc) {
	case CURLE_OK:
		res->status = STS_FETCH_OK;
		res->body   = t->body != NULL ? t->body : "";
		res->len    = t->len;
		return;
	case CURLE_COULDNT_CONNECT:
		res->status = STS_FETCH_CONNECT;
		curl_why(res, t, rc);
		return;
	case CURLE_OPERATION_TIMEDOUT:
		res->status = STS_FETCH_TIMEOUT;
		curl_why(res, t, rc);
		return;
	default:
		break;
	}
	if (is_tls_error(rc)) {
		res->status = STS_FETCH_TLS;
		curl_why(res, t, rc);
		return;
	}
	res->status = STS_FETCH_ERROR;
	curl_why(res, t, rc);
	{
		char tmp[sizeof(res->why)];

		memcpy(tmp, res->why, sizeof(tmp));
		snprintf(res->why, sizeof(res->why), "curl error %d: %.200s",
		        (int)rc, tmp);
	}
}
