/*
 * tlsrpt_smtp.c - one report mail by SMTP to the configured relay (RFC 8460
 * §5.3, RFC 5321): the relay URL check (smtp:// or smtps://, no AUTH), the
 * easy handle of one submission (envelope, CRLF message that libcurl
 * dot-stuffs, STARTTLS unless the relay is loopback), the server's reply
 * lines (RFC 5321 §4.2) and the outcome (docs/DECISIONS.md T14).
 * tlsrpt_send.c owns the easy handle and runs it on its CURLM.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "tlsrpt/tlsrpt_smtp.h"

/* SMTP: each reply within 30 s (also the bound of the QUIT libcurl sends,
 * blocking, when it closes a cached connection at shutdown) */
#define SMTP_REPLY_TIMEOUT_S 30L

static int
is_loopback_host(const char *host)
{
	char            h[INET6_ADDRSTRLEN + 2];
	struct in_addr  a4;
	struct in6_addr a6;
	size_t          n = strlen(host);

	if (strcasecmp(host, "localhost") == 0) {
		return (1);
	}
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']'
	        && n - 2 < sizeof(h)) {
		memcpy(h, host + 1, n - 2);
		h[n - 2] = '\0';
		return (inet_pton(AF_INET6, h, &a6) == 1
		        && IN6_IS_ADDR_LOOPBACK(&a6));
	}
	if (inet_pton(AF_INET, host, &a4) == 1) {
		return ((ntohl(a4.s_addr) >> 24) == 127);
	}
	return (inet_pton(AF_INET6, host, &a6) == 1
	        && IN6_IS_ADDR_LOOPBACK(&a6));
}

int
tlsrpt_send_smtp_url(const char *relay, const char *ehlo, char *url,
        size_t len, int *loopback, char *why, size_t whylen)
{
	CURLU *u      = curl_url();
	char  *scheme = NULL, *host = NULL, *user = NULL, *query = NULL;
	char  *frag = NULL, *path = NULL, *full = NULL;
	int    rc = -1;

	*loopback = 0;
	if (u == NULL) {
		snprintf(why, whylen, "out of memory");
		return (-1);
	}
	if (curl_url_set(u, CURLUPART_URL, relay, 0) != CURLUE_OK
	        || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK
	        || curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(why, whylen, "tlsrpt.smtp \"%s\": not a URL", relay);
	} else if (strcmp(scheme, "smtp") != 0
	        && strcmp(scheme, "smtps") != 0) {
		snprintf(why, whylen,
		        "tlsrpt.smtp \"%s\": the scheme must be smtp or smtps",
		        relay);
	} else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
		snprintf(why, whylen,
		        "tlsrpt.smtp \"%s\": SMTP authentication is not "
		        "supported (relay to the local MTA)",
		        relay);
	} else if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK
	        || curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0)
	                == CURLUE_OK) {
		snprintf(why, whylen,
		        "tlsrpt.smtp \"%s\": no query or fragment allowed",
		        relay);
	} else if (host[0] == '\0') {
		snprintf(why, whylen, "tlsrpt.smtp \"%s\": no host", relay);
	} else if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK
	        || ((path[0] == '\0' || strcmp(path, "/") == 0)
	                && curl_url_set(u, CURLUPART_PATH, ehlo, 0)
	                        != CURLUE_OK)
	        || curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK) {
		snprintf(why, whylen, "tlsrpt.smtp \"%s\": bad EHLO name",
		        relay);
	} else if (strlen(full) >= len) {
		snprintf(why, whylen, "tlsrpt.smtp \"%s\": too long", relay);
	} else {
		snprintf(url, len, "%s", full);
		*loopback = is_loopback_host(host);
		rc        = 0;
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_free(query);
	curl_free(frag);
	curl_free(path);
	curl_free(full);
	curl_url_cleanup(u);
	return (rc);
}

void
tlsrpt_send_smtp_line(
        struct tlsrpt_smtp_reply *r, const char *line, size_t len)
{
	size_t off, i, start = 0;
	int    last;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
		len--;
	}
	if (len < 3 || !isdigit((unsigned char)line[0])
	        || !isdigit((unsigned char)line[1])
	        || !isdigit((unsigned char)line[2])) {
		return; /* not a reply line */
	}
	if (r->code >= 400 && r->complete) {
		return; /* the first failure is the reason */
	}
	if (memcmp(line, "221", 3) == 0) {
		return; /* the answer to QUIT says nothing about the mail */
	}
	last = len == 3 || line[3] != '-';
	if (r->complete || r->text[0] == '\0') {
		r->text[0]  = '\0';
		r->complete = 0;
	} else {
		start = 4; /* a continuation: the code once */
	}
	off = strlen(r->text);
	if (off > 0 && off + 1 < sizeof(r->text)) {
		r->text[off++] = ' ';
	}
	for (i = start; i < len && off + 1 < sizeof(r->text); i++) {
		unsigned char c = (unsigned char)line[i];

		r->text[off++] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
	}
	r->text[off] = '\0';
	if (start == 0 && len > 3) {
		r->text[3] = ' '; /* "250-..." as "250 ..." */
	}
	if (last) {
		r->complete = 1;
		r->code     = (line[0] - '0') * 100 + (line[1] - '0') * 10
		        + (line[2] - '0');
	}
}

/* tlsrpt_smtp_read - the message for libcurl's DATA (it dot-stuffs). */
static size_t
tlsrpt_smtp_read(char *buf, size_t size, size_t nmemb, void *userp)
{
	struct tlsrpt_smtp *x = userp;
	size_t              n = size * nmemb;

	if (n > x->msglen - x->msgoff) {
		n = x->msglen - x->msgoff;
	}
	memcpy(buf, x->msg + x->msgoff, n);
	x->msgoff += n;
	return (n);
}

/* tlsrpt_smtp_debug - the server's reply lines, as libcurl's debug output
 * (CURLINFO_HEADER_IN; the header callback does not get the reply that
 * fails a command). The rest of the debug output is dropped. */
static int
tlsrpt_smtp_debug(
        CURL *easy, curl_infotype type, char *data, size_t size, void *userp)
{
	struct tlsrpt_smtp *x = userp;
	size_t              i, start = 0;

	(void)easy;
	if (type != CURLINFO_HEADER_IN) {
		return (0);
	}
	for (i = 0; i < size; i++) {
		if (data[i] == '\n') {
			tlsrpt_send_smtp_line(
			        &x->reply, data + start, i + 1 - start);
			start = i + 1;
		}
	}
	if (start < size) {
		tlsrpt_send_smtp_line(&x->reply, data + start, size - start);
	}
	return (0);
}

#define SETOPT(opt, val)                                                      \
	do {                                                                  \
		if (curl_easy_setopt(easy, (opt), (val)) != CURLE_OK) {       \
			snprintf(why, whylen,                                 \
			        "curl_easy_setopt(" #opt ") failed");         \
			return (-1);                                          \
		}                                                             \
	} while (0)

int
tlsrpt_smtp_setup(struct tlsrpt_smtp *x, CURL *easy,
        const struct tlsrpt_smtp_relay *relay, const char *to, const char *msg,
        char *why, size_t whylen)
{
	char   addr[330];
	size_t i, n, lf = 0;

	n = strlen(msg);
	for (i = 0; i < n; i++) {
		lf += msg[i] == '\n';
	}
	if ((x->msg = malloc(n + lf + 1)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r')) {
			x->msg[x->msglen++] = '\r';
		}
		x->msg[x->msglen++] = msg[i];
	}
	snprintf(addr, sizeof(addr), "<%s>", to);
	if ((x->rcpt = curl_slist_append(NULL, addr)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return (-1);
	}
	snprintf(addr, sizeof(addr), "<%s>", relay->from);
	SETOPT(CURLOPT_URL, relay->url);
	SETOPT(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	SETOPT(CURLOPT_PROXY, "");
	SETOPT(CURLOPT_MAIL_FROM, addr);
	SETOPT(CURLOPT_MAIL_RCPT, x->rcpt);
	SETOPT(CURLOPT_UPLOAD, 1L);
	SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->msglen);
	SETOPT(CURLOPT_READFUNCTION, tlsrpt_smtp_read);
	SETOPT(CURLOPT_READDATA, (void *)x);
	SETOPT(CURLOPT_DEBUGFUNCTION, tlsrpt_smtp_debug);
	SETOPT(CURLOPT_DEBUGDATA, (void *)x);
	SETOPT(CURLOPT_VERBOSE, 1L);
	if (relay->loopback && strncmp(relay->url, "smtps:", 6) != 0) {
		/* the local MTA: TLS would protect nothing */
		SETOPT(CURLOPT_USE_SSL, (long)CURLUSESSL_NONE);
	} else {
		SETOPT(CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
		SETOPT(CURLOPT_CAINFO, relay->ca_file);
		SETOPT(CURLOPT_CAPATH, (char *)NULL);
		SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
		SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	}
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS, (long)relay->connect_timeout_ms);
	SETOPT(CURLOPT_TIMEOUT_MS, (long)relay->timeout_ms);
	SETOPT(CURLOPT_SERVER_RESPONSE_TIMEOUT, SMTP_REPLY_TIMEOUT_S);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	return (0);
}

int
tlsrpt_smtp_result(const struct tlsrpt_smtp *x, CURLcode rc,
        const char *errbuf, const char *url, char *why, size_t whylen)
{
	const char *err = errbuf != NULL && errbuf[0] != '\0'
	        ? errbuf
	        : curl_easy_strerror(rc);

	if (rc == CURLE_OK) {
		snprintf(why, whylen, "accepted by the SMTP relay: %s",
		        x->reply.text[0] != '\0' ? x->reply.text : "250");
		return (1);
	}
	if (x->reply.code >= 400) {
		snprintf(why, whylen, "SMTP %s (%s)", x->reply.text, err);
	} else {
		snprintf(why, whylen, "SMTP relay %s: %s", url, err);
	}
	return (0);
}

void
tlsrpt_smtp_clear(struct tlsrpt_smtp *x)
{
	curl_slist_free_all(x->rcpt);
	free(x->msg);
	x->rcpt   = NULL;
	x->msg    = NULL;
	x->msglen = 0;
	x->msgoff = 0;
}
