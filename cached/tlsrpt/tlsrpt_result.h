/*
 * tlsrpt_result.h - one SMTP session outcome for TLS reporting (RFC 8460
 * §4): the IPC "result" request (docs/IPC.md) parsed and validated, and the
 * normalised observation ("obs") that the store aggregates, whatever the
 * input (IPC or a Postfix/libtlsrpt datagram, tlsrpt_datagram.c).
 *
 * Everything here is pure (no I/O, no globals): the parsers take remote or
 * local-client input and are fuzzed (tests/fuzz/fuzz_tlsrpt_result.c).
 *
 * An obs is one session counted towards one policy: the policy domain, the
 * policy (type, policy-string array, mx-host array; both as canonical
 * compact JSON text so they can be keys), the report destinations (rua
 * array, canonical JSON text, sorted, duplicates removed), success or
 * failure, and up to TLSRPT_OBS_MAX_DETAILS failure details (RFC 8460 §4.4
 * failure-details; empty strings stand for absent members).
 */
#ifndef MXTLS_CACHED_TLSRPT_RESULT_H
#define MXTLS_CACHED_TLSRPT_RESULT_H

#include <stddef.h>

#include <jansson.h>

#include "domain.h"

#define TLSRPT_TEXT_MAX        1024 /* failure_reason, additional-info */
#define TLSRPT_IP_MAX          46   /* INET6_ADDRSTRLEN */
#define TLSRPT_OBS_MAX_DETAILS 16   /* per session (datagram) */
#define TLSRPT_MTA_MAX         32
#define TLSRPT_SENDER_MAX      254

enum tlsrpt_ptype {
	TLSRPT_PTYPE_UNSET = 0, /* result op: take the daemon's decision */
	TLSRPT_PTYPE_TLSA,
	TLSRPT_PTYPE_STS,
	TLSRPT_PTYPE_NOPOLICY,
};

/* The RFC 8460 §4.3 result types; index 0 is "success" (not a result
 * type, the session succeeded). */
enum tlsrpt_rtype {
	TLSRPT_SUCCESS = 0,
	TLSRPT_STARTTLS_NOT_SUPPORTED,
	TLSRPT_CERTIFICATE_HOST_MISMATCH,
	TLSRPT_CERTIFICATE_EXPIRED,
	TLSRPT_CERTIFICATE_NOT_TRUSTED,
	TLSRPT_VALIDATION_FAILURE,
	TLSRPT_TLSA_INVALID,
	TLSRPT_DNSSEC_INVALID,
	TLSRPT_DANE_REQUIRED,
	TLSRPT_STS_POLICY_FETCH_ERROR,
	TLSRPT_STS_POLICY_INVALID,
	TLSRPT_STS_WEBPKI_INVALID,
	TLSRPT_RTYPE_COUNT
};

/* The IPC "result" request, validated. */
struct tlsrpt_result {
	char              domain[DOMAIN_MAX + 1];  /* normalised */
	char              mx_host[DOMAIN_MAX + 1]; /* normalised */
	enum tlsrpt_ptype ptype;                   /* UNSET when absent */
	enum tlsrpt_rtype rtype;
	char              sending_ip[TLSRPT_IP_MAX];     /* "" when absent */
	char              receiving_ip[TLSRPT_IP_MAX];   /* "" when absent */
	char              reason[TLSRPT_TEXT_MAX + 1];   /* "" when absent */
	char              mta[TLSRPT_MTA_MAX + 1];       /* "" when absent */
	char              sender[TLSRPT_SENDER_MAX + 1]; /* "" when absent */
};

struct tlsrpt_detail {
	enum tlsrpt_rtype rtype; /* never TLSRPT_SUCCESS */
	char              sending_ip[TLSRPT_IP_MAX];
	char              receiving_ip[TLSRPT_IP_MAX];
	char              mx_host[DOMAIN_MAX + 1];
	char              helo[DOMAIN_MAX + 1];
	char              addinfo[TLSRPT_TEXT_MAX + 1];
	char              reason[TLSRPT_TEXT_MAX + 1];
};

struct tlsrpt_obs {
	char domain[DOMAIN_MAX + 1];  /* whose TLSRPT record (rua) applies */
	char pdomain[DOMAIN_MAX + 1]; /* policy-domain: the same, or for
	                                 Postfix DANE the TLSA base domain */
	enum tlsrpt_ptype    ptype;   /* never UNSET */
	char                *pstr;    /* JSON array text */
	char                *mx;      /* JSON array text */
	char                *rua;     /* JSON array text */
	int                  failed;
	size_t               ndetail;
	struct tlsrpt_detail detail[TLSRPT_OBS_MAX_DETAILS];
};

/*
 * tlsrpt_result_parse - parse and validate an IPC "result" request of len
 * bytes (docs/IPC.md). 0 and r filled, or -1 with a one-line reason.
 */
int tlsrpt_result_parse(const void *buf, size_t len, struct tlsrpt_result *r,
        char *why, size_t whylen);

/*
 * tlsrpt_result_to_obs - the observation of r given the daemon's "policy"
 * reply for r->domain (cached/serve/arbiter.c; its "tlsrpt", "policy", "mode",
 * "mx", "max_age" and "hosts" members). The policy type is r->ptype, or
 * when UNSET what the reply says for r->mx_host: "tlsa" when the host's
 * action is "dane", "sts" when an MTA-STS policy (mode enforce or testing)
 * covers the host, else "no-policy-found". A type the client names is
 * counted only with that policy's strings from the reply: "sts" needs an
 * MTA-STS policy in mode enforce or testing, "tlsa" needs r->mx_host to
 * be a host of the reply with action "dane" (usable TLSA records);
 * "no-policy-found" is always taken as said. Returns 0 (obs filled; free
 * with tlsrpt_obs_clear), 1 when the domain has no usable TLSRPT record
 * (nothing to report; why says so), 2 when its TLSRPT lookup failed
 * temporarily, or when the named policy is not known because the decision
 * was a temporary failure, 3 when the named policy is not the daemon's
 * (why says what it knows; nothing to count), -1 on ENOMEM or a malformed
 * reply.
 */
int tlsrpt_result_to_obs(const struct tlsrpt_result *r, json_t *policy_reply,
        struct tlsrpt_obs *obs, char *why, size_t whylen);

/*
 * tlsrpt_obs_check - 0 when obs can be reported as it is: an "sts" or
 * "tlsa" policy needs a non-empty policy-string, an "sts" policy also its
 * mx-host patterns (RFC 8460 §4.4); "no-policy-found" needs neither. -1
 * with why (why may be NULL) otherwise. Every observation is checked so
 * before it is counted (IPC results and datagrams alike).
 */
int tlsrpt_obs_check(const struct tlsrpt_obs *obs, char *why, size_t whylen);

/*
 * tlsrpt_obs_set_rua - set obs->rua from n URIs: sorted, duplicates
 * removed, as JSON text. 0 or -1 (ENOMEM).
 */
int tlsrpt_obs_set_rua(
        struct tlsrpt_obs *obs, const char *const *uris, size_t n);

/* tlsrpt_obs_clear - free what obs owns and zero it. */
void tlsrpt_obs_clear(struct tlsrpt_obs *obs);

/* tlsrpt_ptype_name - "tlsa", "sts", "no-policy-found" ("" for UNSET). */
const char *tlsrpt_ptype_name(enum tlsrpt_ptype t);

/* tlsrpt_ptype_parse - the type named s, or -1. */
int tlsrpt_ptype_parse(const char *s);

/* tlsrpt_rtype_name - "success" or the RFC 8460 §4.3 result type. */
const char *tlsrpt_rtype_name(enum tlsrpt_rtype t);

/* tlsrpt_rtype_parse - the result type named s, or -1. */
int tlsrpt_rtype_parse(const char *s);

/*
 * tlsrpt_text_ok - 1 when s (len bytes) is acceptable free text for a
 * report (no control characters other than none at all; UTF-8 is checked
 * by the JSON parser), else 0.
 */
int tlsrpt_text_ok(const char *s, size_t len);

/* tlsrpt_ip_ok - 1 when s is an IPv4 or IPv6 address in text form. */
int tlsrpt_ip_ok(const char *s);

#endif
