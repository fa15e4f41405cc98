/*
 * dns.h - the daemon's only libunbound user: asynchronous, DNSSEC-validating
 * lookups on the daemon's libevent loop (ub_ctx_create_event).
 *
 * Every answer keeps apart found / not found (NXDOMAIN or NODATA) /
 * temporary failure (SERVFAIL, REFUSED, timeout, resolver error) / bogus
 * (DNSSEC validation failed), each with the `secure` flag, as RFC 7672 §2.1
 * and RFC 8461 need. A bogus answer is never reported as found, whatever its
 * rcode and data say.
 *
 * Records are parsed from the wire answer (libresolv ns_parserr): only the
 * answer-section records of the queried type are returned, after following
 * any CNAME chain libunbound resolved; `canon` names their owner.
 */
#ifndef MXTLS_CACHED_DNS_H
#define MXTLS_CACHED_DNS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "domain.h"

struct event_base;
struct dns;
struct dns_query;

enum dns_status {
	DNS_FOUND = 0, /* records of the type exist */
	DNS_NOTFOUND,  /* NXDOMAIN or NODATA */
	DNS_TEMPFAIL,  /* SERVFAIL, timeout, network or resolver error */
	DNS_BOGUS,     /* DNSSEC validation failed */
};

#define DNS_T_A    1
#define DNS_T_MX   15
#define DNS_T_TXT  16
#define DNS_T_AAAA 28
#define DNS_T_TLSA 52

struct dns_rr {
	uint16_t type;
	uint32_t ttl;
	union {
		struct {
			char *text; /* character-strings concatenated, NUL
			               added; may contain NUL bytes */
			size_t len;
		} txt;
		struct in_addr  a;
		struct in6_addr aaaa;
		struct {
			uint16_t pref;
			char     host[DOMAIN_MAX + 1]; /* lower case, no
			                                  trailing dot; "" for
			                                  "." (null MX) */
		} mx;
		struct {
			uint8_t        usage;
			uint8_t        selector;
			uint8_t        mtype;
			unsigned char *data;
			size_t         len;
		} tlsa;
	} u;
};

struct dns_result {
	enum dns_status status;
	int             secure; /* validated: 1 for found or denied securely */
	int             rcode;  /* DNS rcode as received (0 when none) */
	uint32_t        ttl;    /* min TTL of the records; for NOTFOUND the
	                           negative TTL when known, else 0 */
	char canon[DOMAIN_MAX + 1]; /* owner of the records */
	char why[256];              /* reason for NOTFOUND,
	                               TEMPFAIL, BOGUS */
	size_t         nrr;
	struct dns_rr *rr; /* nrr records, owned by the result */
};

struct dns_config {
	const char *trust_anchor_file;    /* root key (DS or DNSKEY, zone
	                                     file format), may be NULL */
	const char **extra_trust_anchors; /* NULL-terminated list of trust
	                                    anchor files, may be NULL */
	const char *unbound_config;       /* unbound.conf for ub_ctx_config,
	                                     NULL or "" for none */
	unsigned timeout_ms;              /* per-lookup deadline */
	unsigned cache_kib;               /* msg-cache-size in KiB, RRset
	                                     cache twice that; 0: libunbound's
	                                     defaults */
};

/*
 * dns_create - make a resolver context on base. Returns NULL and fills why
 * when the configuration cannot be applied (missing file, bad option).
 */
struct dns *dns_create(struct event_base *base, const struct dns_config *cfg,
        char *why, size_t whylen);

/* dns_free - cancel outstanding lookups (no callbacks) and free. */
void dns_free(struct dns *dns);

/*
 * dns_cb - called once per lookup, on the loop thread. The result is only
 * valid during the call.
 */
typedef void (*dns_cb)(void *arg, const struct dns_result *res);

/*
 * dns_lookup - start an asynchronous lookup of name/type. The callback is
 * always called later from the loop, never from inside dns_lookup (an
 * immediate failure is delivered on the next loop turn). Returns a handle
 * usable with dns_cancel until the callback has run.
 */
struct dns_query *dns_lookup(
        struct dns *dns, const char *name, int type, dns_cb cb, void *arg);

/* dns_cancel - the callback of q will not be called; q is freed. */
void dns_cancel(struct dns_query *q);

/* dns_status_name - "found", "notfound", "tempfail", "bogus". */
const char *dns_status_name(enum dns_status status);

/*
 * ---- The pure answer classifier dns.c uses (dns_answer.c); for tests and
 * fuzzing too. ----
 *
 * dns_parse_answer - classify one libunbound answer into res (which it
 * overwrites): rcode, pkt/len, sec and why_bogus exactly as the
 * ub_resolve_event callback received them (rcode: 0 or an error rcode; sec:
 * 0 insecure, 1 bogus, 2 secure), qtype the type asked for. No I/O, no
 * globals. res owns what it holds afterwards: release with
 * dns_result_clear.
 */
void dns_parse_answer(const unsigned char *pkt, size_t len, int qtype,
        int rcode, int sec, const char *why_bogus, struct dns_result *res);

/* dns_result_clear - free the records of res and empty it (nrr 0). */
void dns_result_clear(struct dns_result *res);

/* dns_type_supported - 1 for the types a lookup may ask for (A, MX, TXT,
 * AAAA, TLSA), else 0. */
int dns_type_supported(int type);

/* dns_type_name - "A", "MX", ... or "TYPE<n>" formatted into buf. */
const char *dns_type_name(int type, char *buf, size_t len);

#endif
