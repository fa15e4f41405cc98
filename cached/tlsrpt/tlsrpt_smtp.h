/*
 * tlsrpt_smtp.h - one report mail submitted by SMTP to the configured relay
 * (RFC 8460 §5.3, RFC 5321) on a libcurl easy handle that tlsrpt_send.c
 * owns and drives on its CURLM: the relay URL check, the envelope and
 * message, the server's replies, and what the outcome means (tlsrpt_send.h
 * says the rules; docs/DECISIONS.md T14). tlsrpt_send.h includes this
 * header: tlsrpt_send_smtp_url and tlsrpt_send_smtp_line keep the names
 * they had there.
 */
#ifndef MXTLS_CACHED_TLSRPT_SMTP_H
#define MXTLS_CACHED_TLSRPT_SMTP_H

#include <stddef.h>

#include <curl/curl.h>

/*
 * tlsrpt_send_smtp_url - check the relay URL relay (smtp:// or smtps://,
 * a host, an optional port, an optional path naming the EHLO domain, no
 * user, query or fragment) and write into url the URL libcurl gets: the
 * path is ehlo when relay has none. *loopback is 1 when the host is
 * "localhost" or a literal loopback address (127.0.0.0/8, ::1). 0, or -1
 * with why.
 */
int tlsrpt_send_smtp_url(const char *relay, const char *ehlo, char *url,
        size_t len, int *loopback, char *why, size_t whylen);

/* the SMTP reply (RFC 5321 §4.2) that tells how a submission went, built
 * from the reply lines libcurl passes to the debug callback: the last
 * one, except that the first 4xx/5xx reply stays (what follows it, up to
 * libcurl's QUIT, is no reason) and 221 replies (to QUIT) are skipped.
 * text is one line of printable ASCII, the lines of a multiline reply
 * joined by spaces (the code once). */
struct tlsrpt_smtp_reply {
	char text[256];
	int  code;     /* of the last complete reply, 0 before any */
	int  complete; /* the last line had "NNN " (the next line starts a new
	                  reply) */
};

/* tlsrpt_send_smtp_line - add one reply line (with or without CRLF). */
void tlsrpt_send_smtp_line(
        struct tlsrpt_smtp_reply *r, const char *line, size_t len);

/* tlsrpt_smtp_relay - where and how a submission goes */
struct tlsrpt_smtp_relay {
	const char *url;      /* from tlsrpt_send_smtp_url */
	int         loopback; /* its *loopback */
	const char *ca_file;  /* to verify a TLS relay */
	const char *from;     /* MAIL FROM address, without <> */
	unsigned    connect_timeout_ms;
	unsigned    timeout_ms; /* the whole submission */
};

/* tlsrpt_smtp - one submission: what its easy handle reads and hears */
struct tlsrpt_smtp {
	struct curl_slist       *rcpt;
	char                    *msg; /* the message, CRLF line ends */
	size_t                   msglen;
	size_t                   msgoff;
	struct tlsrpt_smtp_reply reply;
};

/*
 * tlsrpt_smtp_setup - set easy (whose CURLOPT_PRIVATE and ERRORBUFFER are
 * the caller's) up to submit msg (LF or CRLF line ends; copied) to the
 * address to through relay; x (zeroed by the caller) keeps what the
 * transfer reads. 0, or -1 with why (out of memory, a curl option
 * refused); x is released by tlsrpt_smtp_clear either way.
 */
int tlsrpt_smtp_setup(struct tlsrpt_smtp *x, CURL *easy,
        const struct tlsrpt_smtp_relay *relay, const char *to, const char *msg,
        char *why, size_t whylen);

/*
 * tlsrpt_smtp_result - what the finished transfer (rc, libcurl's error
 * buffer errbuf) to relay url means: 1 when the relay accepted the data,
 * else 0 (4xx and 5xx alike: retried, tlsrpt_send.h); why says it with
 * the server's last reply.
 */
int tlsrpt_smtp_result(const struct tlsrpt_smtp *x, CURLcode rc,
        const char *errbuf, const char *url, char *why, size_t whylen);

/* tlsrpt_smtp_clear - free what x holds. */
void tlsrpt_smtp_clear(struct tlsrpt_smtp *x);

#endif
