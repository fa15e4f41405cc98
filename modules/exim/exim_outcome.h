/*
 * exim_outcome.h - the RFC 8460 §4.3 result type of one Exim TLS session,
 * from what Exim's events show: the error text of msg:host:defer, and the
 * facts of the server's leaf certificate that the tls:cert event hands over
 * (its notAfter and its DNS subjectAltNames, which come from the remote
 * peer). Pure functions, no Exim headers; results are static strings or
 * the caller's structures.
 */
#ifndef MXTLS_EXIM_OUTCOME_H
#define MXTLS_EXIM_OUTCOME_H

#include <time.h>

#define EXIM_OUTCOME_SANS 1024 /* SAN text kept (longer lists are cut) */

/* The leaf certificate as seen in the tls:cert event (depth 0). */
struct exim_outcome_cert {
	int       seen;     /* a depth-0 certificate was parsed */
	long long notafter; /* Unix seconds; 0 unknown */
	char      sans[EXIM_OUTCOME_SANS]; /* DNS names, ';'-separated */
};

/*
 * exim_outcome_cert_parse - the tls:cert event data as MXTLS_EVENT passes
 * it: "DEPTH NOTAFTER SAN;SAN;..." (NOTAFTER in Unix seconds, either may
 * be empty). Returns the depth (>= 0), or -1 for text that is not of this
 * form; *out is filled only for depth 0.
 */
int exim_outcome_cert_parse(const char *data, struct exim_outcome_cert *out);

/*
 * exim_outcome_name_match - host (normal form) matches one of the
 * ';'-separated DNS names: exactly, case-insensitively, or through a
 * wildcard that stands for the whole left-most label only (RFC 8461 §4.1,
 * RFC 6125 §6.4.3). 1 yes, 0 no.
 */
int exim_outcome_name_match(const char *host, const char *sans);

/*
 * exim_outcome_cert_failure - why a certificate that did not verify failed:
 * "certificate-expired" (notAfter in the past), "certificate-host-mismatch"
 * (no SAN names host), else "certificate-not-trusted".
 */
const char *exim_outcome_cert_failure(
        const struct exim_outcome_cert *c, const char *host, time_t now);

/*
 * exim_outcome_classify - the result type for Exim's error text of a
 * failed TLS session: starttls-not-supported, certificate-expired,
 * certificate-host-mismatch, certificate-not-trusted, else
 * validation-failure.
 */
const char *exim_outcome_classify(const char *text);

/* exim_outcome_tls_related - text (a msg:host:defer error) is about TLS. */
int exim_outcome_tls_related(const char *text);

/* exim_outcome_is_starttls - the error is about STARTTLS itself (no
 * certificate was involved). */
int exim_outcome_is_starttls(const char *text);

#endif
