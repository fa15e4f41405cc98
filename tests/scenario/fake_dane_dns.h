/*
 * fake_dane_dns.h - scripting helpers over fake_dns.h for the DANE tests
 * (tests/unit/test_dane_resolver.c, tests/scenario/test_dane_scenario.c):
 * an MX RRset, a host's A and AAAA records, a TLSA RRset, each secure or
 * not, with its TTL. Header-only (static functions); include after
 * "fake_dns.h".
 */
#ifndef MXTLS_TESTS_FAKE_DANE_DNS_H
#define MXTLS_TESTS_FAKE_DANE_DNS_H

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_dns.h"

/* dd_mx - domain's MX RRset: found with the hosts (NULL-terminated,
 * preferences 10, 20, ...), secure or not, with ttl. */
static void __attribute__((unused))
dd_mx(const char *domain, int secure, uint32_t ttl, const char *const *hosts)
{
	struct dns_rr rr[16];
	size_t        n;

	memset(rr, 0, sizeof(rr));
	for (n = 0; hosts[n] != NULL && n < 16; n++) {
		rr[n].type      = DNS_T_MX;
		rr[n].ttl       = ttl;
		rr[n].u.mx.pref = (uint16_t)(10 * (n + 1));
		snprintf(rr[n].u.mx.host, sizeof(rr[n].u.mx.host), "%s",
		        hosts[n]);
	}
	fake_dns_set_rrs(
	        domain, DNS_T_MX, DNS_FOUND, secure, ttl, rr, n, NULL, NULL);
}

/* dd_fail - name/type answers status: DNS_NOTFOUND (why "NXDOMAIN" or
 * e.g. "no MX records" for NODATA) secure or not with a negative ttl,
 * DNS_TEMPFAIL, DNS_BOGUS (why NULL: the fake's). */
static void __attribute__((unused)) dd_fail(const char *name, int type,
        enum dns_status status, int secure, uint32_t ttl, const char *why)
{
	fake_dns_set_rrs(name, type, status, secure, ttl, NULL, 0, NULL, why);
}

/* dd_addr - host's A (127.0.0.x) and AAAA (::1) records, both secure or
 * not, with ttl; canon (may be NULL) the name they are at after a CNAME. */
static void __attribute__((unused))
dd_addr(const char *host, int secure, uint32_t ttl, const char *canon)
{
	struct dns_rr a, aaaa;

	memset(&a, 0, sizeof(a));
	memset(&aaaa, 0, sizeof(aaaa));
	a.type = DNS_T_A;
	a.ttl  = ttl;
	inet_pton(AF_INET, "127.0.0.25", &a.u.a);
	aaaa.type = DNS_T_AAAA;
	aaaa.ttl  = ttl;
	inet_pton(AF_INET6, "::1", &aaaa.u.aaaa);
	fake_dns_set_rrs(
	        host, DNS_T_A, DNS_FOUND, secure, ttl, &a, 1, canon, NULL);
	fake_dns_set_rrs(host, DNS_T_AAAA, DNS_FOUND, secure, ttl, &aaaa, 1,
	        canon, NULL);
}

/* dd_tlsa_name - "_25._tcp.<host>" (static buffer). */
static const char *__attribute__((unused)) dd_tlsa_name(const char *host)
{
	static char buf[300];

	snprintf(buf, sizeof(buf), "_25._tcp.%s", host);
	return (buf);
}

/* dd_tlsa - host's TLSA RRset at _25._tcp.<host>: one record usage
 * selector mtype with a SHA2-256-sized digest of bytes fill (mtype 1; 64
 * bytes for mtype 2), secure or not, with ttl. */
static void __attribute__((unused))
dd_tlsa(const char *host, int secure, uint32_t ttl, uint8_t usage,
        uint8_t selector, uint8_t mtype, unsigned char fill)
{
	struct dns_rr rr;
	unsigned char data[64];

	memset(&rr, 0, sizeof(rr));
	memset(data, fill, sizeof(data));
	rr.type            = DNS_T_TLSA;
	rr.ttl             = ttl;
	rr.u.tlsa.usage    = usage;
	rr.u.tlsa.selector = selector;
	rr.u.tlsa.mtype    = mtype;
	rr.u.tlsa.data     = data;
	rr.u.tlsa.len      = mtype == 2 ? 64 : 32;
	fake_dns_set_rrs(dd_tlsa_name(host), DNS_T_TLSA, DNS_FOUND, secure,
	        ttl, &rr, 1, NULL, NULL);
}

#endif
