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
 * hands out references (dane_result_ref / dane_result_unref). They are
 * sized to what they hold (one allocation for the result and its
 * domain, one for the hosts and their names, one per host for its TLSA
 * records); the reasons (why) are produced from the fields when asked for
 * (dane_result_why, dane_host_why), so that a memoised domain costs little.
 */
#ifndef MXTLS_CACHED_DANE_H
#define MXTLS_CACHED_DANE_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

#define DANE_MAX_HOSTS 16 /* MX hosts considered per domain */

enum dane_tlsa_check {
	DANE_TLSA_USABLE = 0,
	DANE_TLSA_BAD_USAGE,    /* PKIX-TA(0), PKIX-EE(1), or unknown */
	DANE_TLSA_BAD_SELECTOR, /* not Cert(0) or SPKI(1) */
	DANE_TLSA_BAD_MTYPE,    /* not Full(0), SHA2-256(1), SHA2-512(2) */
	DANE_TLSA_BAD_LENGTH,   /* digest length does not fit the type, or
	                           empty data */
};

/* one usable TLSA record; data points into the allocation that holds the
 * host's whole array (dane_host.tlsa), after the array */
struct dane_tlsa {
	unsigned char *data;
	uint16_t       len;
	uint8_t        usage;
	uint8_t        selector;
	uint8_t        mtype;
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

/*
 * How a host's why reads (dane_host_why). The reasons of the answers that
 * are kept are produced from the host's fields when asked for; only the
 * rare ones that quote a DNS error or a record are kept as text.
 */
enum dane_why {
	DANE_WHY_EMPTY = 0,          /* "" */
	DANE_WHY_TEXT,               /* dane_host.text */
	DANE_WHY_IMPLICIT_INSECURE,  /* no MX RRset, denial not signed */
	DANE_WHY_MX_INSECURE,        /* MX RRset not signed */
	DANE_WHY_ADDR_INSECURE,      /* address records not signed */
	DANE_WHY_TLSA_RETRY,         /* none at the expanded name: trying the
	                                original one */
	DANE_WHY_TLSA_NONE,          /* securely no TLSA records */
	DANE_WHY_TLSA_NONE_INSECURE, /* no TLSA records, denial not signed */
	DANE_WHY_TLSA_INSECURE,      /* TLSA records not signed */
	DANE_WHY_USABLE,             /* ntlsa usable, nunusable not */
};

/* Which owner a host's TLSA RRset was looked up at last (tlsa_name). */
enum dane_tlsa_at {
	DANE_TLSA_AT_NONE = 0, /* not looked up: tlsa_name is "" */
	DANE_TLSA_AT_CANON,    /* _<port>._tcp.<canon> (canon != NULL) */
	DANE_TLSA_AT_NAME,     /* _<port>._tcp.<name> */
};

/* buffer sizes for dane_host_why, dane_host_tlsa_name, dane_result_why */
#define DANE_HOST_WHY_MAX   256
#define DANE_TLSA_NAME_MAX  (DOMAIN_MAX + 16)
#define DANE_RESULT_WHY_MAX 384

struct dane_host {
	const char *name;       /* not owned: in the allocation of the
	                           result's hosts, or the result's domain */
	char *canon;            /* CNAME-expanded name when it differs
	                           from name, else NULL; owned */
	struct dane_tlsa *tlsa; /* ntlsa usable records and their data,
	                           one allocation; owned */
	char *text;             /* the why when why is DANE_WHY_TEXT;
	                           owned */
	uint16_t pref;
	uint16_t port;      /* of the TLSA owner name */
	uint16_t naddr;     /* A + AAAA records found */
	uint16_t ntlsa;     /* usable records only */
	uint16_t nunusable; /* secure records not usable */
	uint8_t  status;    /* enum dane_host_status */
	uint8_t  addr_secure;
	uint8_t  why;     /* enum dane_why */
	uint8_t  tlsa_at; /* enum dane_tlsa_at */
};

/* dane_result notes: what the MX step saw besides the hosts */
#define DANE_NOTE_WHY       0x01 /* the MX step ran: why is set */
#define DANE_NOTE_NULL_MIX  0x02 /* a null MX mixed with others, ignored */
#define DANE_NOTE_MORE      0x04 /* more than DANE_MAX_HOSTS hosts */
#define DANE_NOTE_CONCLUDED 0x08 /* dane_result_conclude ran */
#define DANE_NOTE_SHARED    0x10 /* hosts is a shared list (dane_share.h) */

/* Immutable once concluded and memoised; shared by reference. */
struct dane_result {
	struct dane_host *hosts; /* preference order; one allocation
	                            with the host names; owned, or
	                            shared (DANE_NOTE_SHARED) */
	char *text;              /* the why when not produced from the
	                            fields (failures), else NULL; owned */
	uint32_t expires;        /* when memoised: until when (else 0);
	                            unix seconds in 32 bits (time32.h) */
	uint32_t ttl;            /* how long this may be reused: min of
	                            the TTLs involved, bounded by config */
	int     refs;
	uint8_t mx_status; /* enum dane_mx_status */
	uint8_t mx_secure;
	uint8_t nhost; /* at most DANE_MAX_HOSTS */
	uint8_t notes; /* DANE_NOTE_* */
	char    domain[];
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

/*
 * dane_result_why - the human-readable reason of r into buf (len bytes,
 * DANE_RESULT_WHY_MAX for the whole text); returns buf.
 */
const char *dane_result_why(
        const struct dane_result *r, char *buf, size_t len);

/* dane_result_set_why - make r's why the given text (at most
 * DANE_RESULT_WHY_MAX - 1 bytes kept), for failures. */
void dane_result_set_why(struct dane_result *r, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* dane_host_why - h's reason into buf (len bytes, DANE_HOST_WHY_MAX for
 * the whole text); returns buf. */
const char *dane_host_why(const struct dane_host *h, char *buf, size_t len);

/* dane_host_set_why - make h's why the given text (at most
 * DANE_HOST_WHY_MAX - 1 bytes kept). */
void dane_host_set_why(struct dane_host *h, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* dane_host_tlsa_name - the owner h's TLSA RRset was looked up at last,
 * _<port>._tcp.<host>, or "" (DANE_TLSA_NAME_MAX bytes); returns buf. */
const char *dane_host_tlsa_name(
        const struct dane_host *h, char *buf, size_t len);

/* dane_host_clear - free what h owns (canon, tlsa, text; not name). */
void dane_host_clear(struct dane_host *h);

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
 * its tlsa name (_<port>._tcp.<CNAME-expanded name>); 0 when h is decided
 * (TEMPFAIL on a failed or bogus lookup, NONE without addresses or with
 * insecure ones).
 */
int dane_addr_apply(struct dane_host *h, const struct dns_result *a,
        const struct dns_result *aaaa, int port);

/*
 * dane_tlsa_apply - the TLSA step for h from the answer for its tlsa name
 * (dane_host_tlsa_name; RFC 7672 §2.1, §2.2, §2.2.2, §3.1). Returns 1 when
 * the lookup must be repeated at the tlsa name, now _<port>._tcp.<h->name>
 * (the expanded name was securely without TLSA); else 0 with h decided.
 * The usable records are copied into h->tlsa.
 */
int dane_tlsa_apply(
        struct dane_host *h, const struct dns_result *tlsa, int port);

/*
 * dane_result_conclude - finish r: r->ttl = min(ttl, max_ttl), further
 * bounded by negative_ttl when no host has a secure TLSA RRset; 0 for a
 * result with DANE_MX_TEMPFAIL or a DANE_HOST_TEMPFAIL host. From then on
 * r's why ends with a host summary. Returns 1 when r may be memoised, else
 * 0.
 */
int dane_result_conclude(struct dane_result *r, uint32_t ttl, uint32_t max_ttl,
        uint32_t negative_ttl);

#endif
