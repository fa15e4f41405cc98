/*
 * dane_checks.h - what the test_dane_*.c files share: the texts of a DANE
 * host and result (dane_why.c) and hand-built inputs (a DNS status, TLSA
 * RRsets, a host at its TLSA name). Include after <cmocka.h>,
 * "dane/dane.h" and "dns_answers.h".
 */
#ifndef MXTLS_TESTS_DANE_CHECKS_H
#define MXTLS_TESTS_DANE_CHECKS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NREC(a) (sizeof(a) / sizeof((a)[0]))

/* hwhy, tname, rwhy - the texts produced from the fields (each its own
 * buffer, valid until the next call of the same helper). */
static inline const char *
hwhy(const struct dane_host *h)
{
	static char buf[DANE_HOST_WHY_MAX];

	return (dane_host_why(h, buf, sizeof(buf)));
}

static inline const char *
tname(const struct dane_host *h)
{
	static char buf[DANE_TLSA_NAME_MAX];

	return (dane_host_tlsa_name(h, buf, sizeof(buf)));
}

static inline const char *
rwhy(const struct dane_result *r)
{
	static char buf[DANE_RESULT_WHY_MAX];

	return (dane_result_why(r, buf, sizeof(buf)));
}

static inline void
mk_status(struct dns_result *res, enum dns_status st, int secure, int rcode,
        const char *why)
{
	memset(res, 0, sizeof(*res));
	res->status = st;
	res->secure = secure;
	res->rcode  = rcode;
	snprintf(res->why, sizeof(res->why), "%s", why);
}

static inline void
hosts_string(const struct dane_result *r, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < r->nhost && off < len; i++) {
		off += (size_t)snprintf(buf + off, len - off, "%s%s/%u",
		        i > 0 ? "," : "", r->hosts[i].name,
		        (unsigned)r->hosts[i].pref);
	}
}

struct tlsarec {
	uint8_t usage, selector, mtype;
	size_t  len;
};

static inline void
mk_tlsa(struct dns_result *res, int secure, const struct tlsarec *recs,
        size_t n)
{
	size_t i;

	memset(res, 0, sizeof(*res));
	res->status = DNS_FOUND;
	res->secure = secure;
	res->ttl    = 300;
	res->nrr    = n;
	res->rr     = calloc(n, sizeof(*res->rr));
	assert_non_null(res->rr);
	for (i = 0; i < n; i++) {
		res->rr[i].type            = DNS_T_TLSA;
		res->rr[i].u.tlsa.usage    = recs[i].usage;
		res->rr[i].u.tlsa.selector = recs[i].selector;
		res->rr[i].u.tlsa.mtype    = recs[i].mtype;
		res->rr[i].u.tlsa.len      = recs[i].len;
		res->rr[i].u.tlsa.data     = malloc(recs[i].len + 1);
		assert_non_null(res->rr[i].u.tlsa.data);
		memset(res->rr[i].u.tlsa.data, (int)('a' + i),
		        recs[i].len + 1);
	}
}

static inline void
host_at(struct dane_host *h, const char *name, const char *tlsa_name)
{
	memset(h, 0, sizeof(*h));
	unsigned    port;
	const char *base;

	memset(h, 0, sizeof(*h));
	h->name = name;
	assert_int_equal(sscanf(tlsa_name, "_%u._tcp.", &port), 1);
	base       = strstr(tlsa_name, "._tcp.") + 6;
	h->port    = (uint16_t)port;
	h->tlsa_at = DANE_TLSA_AT_NAME;
	if (strcmp(base, name) != 0) {
		h->canon   = strdup(base);
		h->tlsa_at = DANE_TLSA_AT_CANON;
	}
}

static inline void
host_free(struct dane_host *h)
{
	dane_host_clear(h);
}

#endif
