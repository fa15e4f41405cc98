/*
 * fake_dns.h - the scenario tests' stand-in for cached/dns/dns.c: the
 * functions of dns.h answered from a scripted table instead of libunbound
 * (link-time substitution: fake_dns.c is linked before mxtls_core, so the
 * archive's dns.o is never pulled in).
 *
 * A name/type without a script entry is NXDOMAIN (rcode 3, as is a
 * DNS_NOTFOUND whose reason starts with "NXDOMAIN"; other reasons are
 * NODATA, rcode 0). Every dns_lookup is
 * counted per name/type; the answer is read from the table when it is
 * delivered (on the next loop turn, as dns.h promises), or, for a held
 * name/type, only when the scenario releases it.
 */
#ifndef MXTLS_TESTS_FAKE_DNS_H
#define MXTLS_TESTS_FAKE_DNS_H

#include <stdint.h>

#include "dns/dns.h"

/* fake_dns_reset - forget every script entry and count (no query may be
 * live). */
void fake_dns_reset(void);

/*
 * fake_dns_set - script name/type: status, TTL (or negative TTL) and, for
 * DNS_FOUND, one record: TXT text, or an IPv4 address for A. Replaces an
 * earlier script of name/type; counts are kept.
 */
void fake_dns_set(const char *name, int type, enum dns_status status,
        uint32_t ttl, const char *data);

/*
 * fake_dns_set_rrs - script name/type with nrr records of any type (MX,
 * TLSA, A, AAAA, TXT; copied, with the TXT text and TLSA data they point
 * to), the DNSSEC flag secure (a bogus or tempfail answer is never
 * secure), the owner canon the records are at after a CNAME chain (NULL:
 * name) and the reason why (NULL: the fake's default). Replaces an earlier
 * script of name/type; counts are kept.
 */
void fake_dns_set_rrs(const char *name, int type, enum dns_status status,
        int secure, uint32_t ttl, const struct dns_rr *rr, size_t nrr,
        const char *canon, const char *why);

/* fake_dns_hold - hold (1) or not (0) the answers to name/type. */
void fake_dns_hold(const char *name, int type, int hold);

/* fake_dns_release - stop holding name/type and deliver its held queries on
 * the next loop turn; returns how many there were. */
unsigned fake_dns_release(const char *name, int type);

/* fake_dns_count - lookups of name/type started so far. */
unsigned fake_dns_count(const char *name, int type);

/* fake_dns_total - lookups started so far, all names. */
unsigned fake_dns_total(void);

/* fake_dns_live - queries started and neither answered nor cancelled. */
unsigned fake_dns_live(void);

#endif
