/*
 * filter_decide.h - what filter-mxtls does with a RCPT TO, from mxtlsd's
 * "policy" reply (docs/IPC.md; decoded by common/decision.c): proceed,
 * tempfail or reject, and whether the domain must be in the verified-TLS
 * table. Pure (no I/O).
 *
 * OpenSMTPD can only require "STARTTLS + WebPKI chain + certificate name =
 * MX host name" (`relay tls`) for a domain, chosen at RCPT time. So every
 * host action that needs TLS (dane, verify, encrypt) puts the domain in the
 * table; DANE is thereby replaced by WebPKI and the MTA-STS MX patterns are
 * not checked (webpki_only is set so that the caller can warn).
 *
 * The policy OpenSMTPD thereby applies is what its TLS results are
 * reported under (RFC 8460 §4.4 policy-type, docs/opensmtpd.md): "sts"
 * when the domain has an MTA-STS policy in mode enforce (relay tls) or
 * testing (opportunistic TLS, results reported: RFC 8461 §5), else
 * "no-policy-found" — never "tlsa": OpenSMTPD checks no TLSA record.
 */
#ifndef MXTLS_FILTER_DECIDE_H
#define MXTLS_FILTER_DECIDE_H

#include <stddef.h>
#include <time.h>

#include "decision.h"

#define FILTER_DECIDE_MAXHOSTS 16

enum filter_decide_verdict {
	FILTER_DECIDE_PROCEED = 0,
	FILTER_DECIDE_TEMPFAIL, /* status tempfail: defer the recipient */
};

struct filter_decide_host {
	char                 host[254];
	enum decision_action action; /* common/decision.h */
};

struct filter_decision {
	enum filter_decide_verdict verdict;
	int                        secure;      /* needs the verified table */
	int                        webpki_only; /* dane/enforce downgraded */
	int                        known;       /* status ok (not error) */
	time_t                     expires;     /* table entry expiry */
	char                       domain[254];
	char                       policy[8]; /* dane, sts, none */
	char                       mode[12];  /* enforce, testing, none, "" */
	const char                *ptype;     /* the TLSRPT policy applied */
	size_t                     nhosts;
	struct filter_decide_host  hosts[FILTER_DECIDE_MAXHOSTS];
	char                       why[384];
};

/*
 * filter_decide_ptype - the RFC 8460 policy-type of OpenSMTPD's sessions
 * under an MTA-STS mode ("enforce", "testing", "none" or ""): "sts" for
 * enforce and testing, else "no-policy-found".
 */
const char *filter_decide_ptype(const char *mode);

/*
 * filter_decide_of - fill d from the decoded reply r (common/decision.c;
 * r->status ok, tempfail or error). now and secure_ttl as filter_decide.
 */
void filter_decide_of(const struct decision *r, time_t now, time_t secure_ttl,
        struct filter_decision *d);

/*
 * filter_decide - fill d from the reply (len bytes of JSON). now and
 * secure_ttl give the table expiry when the reply has no `expires` (DANE
 * without MTA-STS). An "error" reply (e.g. an address literal) proceeds
 * with known = 0. d->ptype is always set (filter_decide_ptype). Returns 0, or
 * -1 with d->why set when the reply is not a policy reply (the caller treats
 * that like an unreachable daemon).
 */
int filter_decide(const char *json, size_t len, time_t now, time_t secure_ttl,
        struct filter_decision *d);

#endif
