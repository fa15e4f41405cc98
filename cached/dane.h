/*
 * dane.h - DANE for SMTP (RFC 7672, with RFC 6698, RFC 7671, RFC 7218): the
 * per-domain MX/TLSA knowledge a sending MTA needs, and the pure rules that
 * turn DNS answers into it.
 *
 * For a destination domain: the MX RRset (secure, insecure, null MX, no
 * such domain, implicit MX when there is no MX RRset, or a failure that
 * defers the whole domain), then for each MX host in preference order its
 * address records and, when those are secure, its TLSA RRset at
 * _<port>._tcp.<host> (RFC 7672 §2.2, §2.2.2 for CNAMEs). Only DANE-TA(2)
 * and DANE-EE(3) records with known selectors and matching types (and
 * digest lengths that fit) are usable for SMTP (RFC 7672 §3.1). A secure
 * TLSA RRset without a usable record still makes TLS mandatory, without
 * authentication (RFC 7672 §2.2).
 *
 * Results are reference-counted: the resolver keeps them in its memo and
 * hands out references (dane_result_ref / dane_result_unref).
 */
#ifndef MXTLS_CACHED_DANE_H
#define MXTLS_CACHED_DANE_H

#include <stddef.h>
#include <stdint.h>

#include "dns.h"

#define DANE_MAX_HOSTS 16 /* MX hosts considered per domain */

enum dane_tlsa_check {
	DANE_TLSA_USABLE = 0,
	DANE_TLSA_BAD_USAGE,    /* PKIX-TA(0), PKIX-EE(1), or unknown */
	DANE_TLSA_BAD_SELECTOR, /* not Cert(0) or SPKI(1) */
	DANE_TLSA_BAD_MTYPE,    /* not Full(0), SHA2-256(1), SHA2-512(2) */
	DANE_TLSA_BAD_LENGTH,   /* digest length does not fit the type, or
	                           empty data */
};

struct dane_tlsa {
	uint8_t        usage;
	uint8_t        selector;
	uint8_t        mtype;
	unsigned char *data; /* owned */
	size_t         len;
};

enum dane_mx_status {
	DANE_MX_SECURE = 0, /* MX RRset validated: DANE may apply per host */
	DANE_MX_INSECURE,   /* MX RRset not signed: no DANE for any host */
	DANE_MX_IMPLICIT,   /* no MX RRset: the domain is its own host
	                       (RFC 5321 §5.1); secure says if validated */
	DANE_MX_NULL,       /* null MX (RFC 7505): accepts no mail */
	DANE_MX_NODOMAIN,   /* NXDOMAIN */
	DANE_MX_TEMPFAIL,   /* MX lookup failed or bogus: defer the domain */
};

enum dane_host_status {
	DANE_HOST_USABLE = 0, /* secure TLSA RRset with a usable record */
	DANE_HOST_UNUSABLE,   /* secure TLSA RRset, none usable: TLS
	                         mandatory, unauthenticated */
	DANE_HOST_NONE,       /* DANE does not apply (insecure MX, address
	                         or TLSA RRset; or securely no TLSA) */
	DANE_HOST_TEMPFAIL,   /* address or TLSA lookup failed or bogus:
	                         this host must not be used now */
};

struct dane_host {
	char                  name[DOMAIN_MAX + 1];
	uint16_t              pref;
	enum dane_host_status status;
	int                   addr_secure;
	size_t                naddr;       /* A + AAAA records found */
	char   tlsa_name[DOMAIN_MAX + 16]; /* owner looked up last, or "" */
	size_t ntlsa;                      /* usable records only */
	struct dane_tlsa *tlsa;            /* owned */
	size_t            nunusable;       /* secure records not usable */
	char              why[256];
};

struct dane_result {
	int                 refs;
	char                domain[DOMAIN_MAX + 1];
	enum dane_mx_status mx_status;
	int                 mx_secure;
	size_t              nhost;
	struct dane_host   *hosts; /* preference order; owned */
	uint32_t            ttl;   /* how long this may be reused: min of the
	                              TTLs involved, bounded by config */
	int64_t expires;           /* when memoised: until when (else 0) */
	char    why[384];
};

/*
 * dane_tlsa_check - classify one TLSA record for SMTP use (RFC 7672 §3.1,
 * RFC 7671 §5, RFC 7218 names); why (may be NULL) says why it is not
 * usable, e.g. "PKIX-EE(1) is not usable for SMTP (RFC 7672 §3.1.3)".
 */
enum dane_tlsa_check dane_tlsa_check(uint8_t usage, uint8_t selector,
        uint8_t mtype, size_t len, char *why, size_t whylen);

/* dane_usage_name etc. - RFC 7218 acronyms: "DANE-EE", "SPKI", "SHA2-256";
 * "?" for unknown values. */
const char *dane_usage_name(uint8_t usage);
const char *dane_selector_name(uint8_t selector);
const char *dane_mtype_name(uint8_t mtype);

/* dane_mx_status_name / dane_host_status_name - stable lower-case names
 * used in replies: "secure", "insecure", "implicit", "null", "nxdomain",
 * "tempfail"; "usable", "unusable", "none", "tempfail". */
const char *dane_mx_status_name(enum dane_mx_status status);
const char *dane_host_status_name(enum dane_host_status status);

/* dane_result_new - an empty result with one reference. */
struct dane_result *dane_result_new(const char *domain);

/* dane_result_ref - take another reference; returns r. */
struct dane_result *dane_result_ref(struct dane_result *r);

/* dane_result_unref - drop a reference; the last one frees. NULL ok. */
void dane_result_unref(struct dane_result *r);

/*
 * ---- For tests: the pure steps dane_resolver.c applies to DNS answers ----
 * No I/O, no globals; TTL bookkeeping stays in the resolver.
 */

/*
 * dane_mx_apply - the MX step for r->domain (RFC 7672 §2.1, §2.2.1; RFC
 * 7505; RFC 5321 §5.1): sets mx_status, mx_secure, why and the hosts
 * (preference order, stable for ties, duplicates dropped, a null MX mixed
 * with other MX records ignored, at most DANE_MAX_HOSTS). r must have no
 * hosts yet. Returns how many hosts (the first ones) still need their
 * address lookups: 0 when the MX RRset is insecure (those hosts are already
 * DANE_HOST_NONE) or there are no hosts.
 */
size_t dane_mx_apply(struct dane_result *r, const struct dns_result *mx);

/*
 * dane_addr_apply - the address step for h (RFC 7672 §2.1, §2.2, §2.2.2)
 * from its A and AAAA answers; reads only status, secure, canon, why and nrr
 * (never rr). Returns 1 when h's TLSA RRset must be looked up next, at
 * h->tlsa_name (_<port>._tcp.<CNAME-expanded name>); 0 when h is decided
 * (TEMPFAIL on a failed or bogus lookup, NONE without addresses or with
 * insecure ones).
 */
int dane_addr_apply(struct dane_host *h, const struct dns_result *a,
        const struct dns_result *aaaa, int port);

/*
 * dane_tlsa_apply - the TLSA step for h from the answer for h->tlsa_name
 * (RFC 7672 §2.1, §2.2, §2.2.2, §3.1). Returns 1 when the lookup must be
 * repeated at h->tlsa_name, now _<port>._tcp.<h->name> (the expanded name
 * was securely without TLSA); else 0 with h decided. The usable records are
 * copied into h->tlsa.
 */
int dane_tlsa_apply(
        struct dane_host *h, const struct dns_result *tlsa, int port);

/*
 * dane_result_conclude - finish r: r->ttl = min(ttl, max_ttl), further
 * bounded by negative_ttl when no host has a secure TLSA RRset; 0 for a
 * result with DANE_MX_TEMPFAIL or a DANE_HOST_TEMPFAIL host. Appends a host
 * summary to r->why. Returns 1 when r may be memoised, else 0.
 */
int dane_result_conclude(struct dane_result *r, uint32_t ttl, uint32_t max_ttl,
        uint32_t negative_ttl);

#endif
