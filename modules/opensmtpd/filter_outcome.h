/*
 * filter_outcome.h - one outbound (smtp-out) session as seen through
 * OpenSMTPD's report events, and its RFC 8460 §4.3 result type. Pure.
 *
 * 6.8 reports link-tls BEFORE its certificate check (mta_session.c): a
 * session that got link-tls and then ended without any transaction is
 * counted as a failed validation. 7.x checks inside the handshake, so a
 * failed check there shows as STARTTLS sent without link-tls.
 *
 * The envelope sender comes from tx-mail (sent once the MAIL FROM was
 * accepted): mxtlsd does not count a session that carried its own report
 * mail (RFC 8460 §3). A session that failed before MAIL FROM has none.
 */
#ifndef MXTLS_FILTER_OUTCOME_H
#define MXTLS_FILTER_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

struct filter_outcome {
	uint64_t session;
	char     src[64], dst[64]; /* addresses without port */
	char     rdns[254];        /* PTR name of dst (not the MX name) */
	char     greeting[254];    /* the server's banner host name */
	char     rcpt_domain[254]; /* from the first tx-rcpt */
	char     sender[255];      /* first accepted tx-mail, "" none */
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
 * as in the report line; split in place). vmajor.vminor for the layout of
 * tx-mail and tx-rcpt (filter_line_tx_address).
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

/*
 * filter_outcome_request - the IPC "result" request (docs/IPC.md) for the
 * session into r (encoded by common/proto.c: proto_result_encode):
 * domain, mx_host, result (from filter_outcome_classify), reason ("" or
 * NULL: none), policy_type ptype (the policy OpenSMTPD applied,
 * filter_decide_ptype; NULL: omitted), its addresses and "sender" when it
 * has one (left out for the null sender and for a sender that is not
 * UTF-8). r points into o and the arguments.
 */
void filter_outcome_request(const struct filter_outcome *o, const char *domain,
        const char *mx_host, const char *result, const char *reason,
        const char *ptype, struct proto_result *r);

/*
 * filter_outcome_sender - copy a tx-mail address to out as the bare
 * mailbox (one pair of enclosing <> removed): 0; -1 (out emptied) for the
 * null sender ("" or "<>") and for an address that does not fit or holds
 * a control character (what mxtlsd refuses). Never cut short: a shortened
 * address could equal tlsrpt.from by accident.
 */
int filter_outcome_sender(const char *addr, char *out, size_t outlen);

/* filter_outcome_addr - "1.2.3.4:25" or "[::1]:25" → address alone. */
void filter_outcome_addr(const char *in, char *out, size_t outlen);

#endif
