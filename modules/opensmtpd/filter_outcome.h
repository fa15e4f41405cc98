/*
 * filter_outcome.h - one outbound (smtp-out) session as seen through
 * OpenSMTPD's report events, and its RFC 8460 §4.3 result type. Pure.
 *
 * 6.8 reports link-tls BEFORE its certificate check (mta_session.c): a
 * session that got link-tls and then ended without any transaction is
 * counted as a failed validation. 7.x checks inside the handshake, so a
 * failed check there shows as STARTTLS sent without link-tls.
 */
#ifndef MXTLS_FILTER_OUTCOME_H
#define MXTLS_FILTER_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

struct filter_outcome {
	uint64_t session;
	char     src[64], dst[64]; /* addresses without port */
	char     rdns[254];        /* PTR name of dst (not the MX name) */
	char     greeting[254];    /* the server's banner host name */
	char     rcpt_domain[254]; /* from the first tx-rcpt */
	char     tls[128];         /* link-tls "version:cipher:bits" */
	char     last_reply[160];  /* last protocol-server line */
	int      ehlo_seen;        /* a 250 reply to EHLO was seen */
	int      starttls_offered; /* 250[- ]STARTTLS */
	int      starttls_sent;    /* we said STARTTLS */
	int      tls_up;           /* link-tls */
	int      tx;               /* tx-begin/mail/rcpt */
	struct filter_outcome *next;
};

/*
 * filter_outcome_event - update o with one smtp-out report event (params
 * as in the report line; split in place). vminor for tx-rcpt's layout.
 */
void filter_outcome_event(struct filter_outcome *o, const char *event,
        char *params, int vmajor, int vminor);

/*
 * filter_outcome_classify - the session's result: "success", an RFC 8460
 * result type, or NULL when the session says nothing about TLS (no EHLO
 * answer: connection failure). reason gets a failure-reason text.
 */
const char *filter_outcome_classify(
        const struct filter_outcome *o, char *reason, size_t reasonlen);

/* filter_outcome_addr - "1.2.3.4:25" or "[::1]:25" → address alone. */
void filter_outcome_addr(const char *in, char *out, size_t outlen);

#endif
