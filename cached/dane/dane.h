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

#include "dane/dane_host.h" /* the result and host data */
#include "dns/dns.h"

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

/* dane_host_why_code - make h's why the fixed reason why (not
 * DANE_WHY_TEXT), dropping any text (for the steps, dane.c). */
void dane_host_why_code(struct dane_host *h, enum dane_why why);

/* dane_host_tlsa_name - the owner h's TLSA RRset was looked up at last,
 * _<port>._tcp.<host>, or "" (DANE_TLSA_NAME_MAX bytes); returns buf. */
const char *dane_host_tlsa_name(
        const struct dane_host *h, char *buf, size_t len);

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
