/*
 * dns_answers.h - hand-built DNS answers for the DANE unit tests
 * (test_dane_*.c). Include after <cmocka.h> and
 * "dns.h"; the answers are freed with dns_result_clear like real ones.
 */
#ifndef MXTLS_TESTS_DNS_ANSWERS_H
#define MXTLS_TESTS_DNS_ANSWERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mxrec {
	uint16_t    pref;
	const char *host;
};

/* mk_mx - a found MX answer (TTL 3600) holding recs, DNSSEC-secure when
 * secure. */
static inline void
mk_mx(struct dns_result *res, int secure, const struct mxrec *recs, size_t n)
{
	size_t i;

	memset(res, 0, sizeof(*res));
	res->status = DNS_FOUND;
	res->secure = secure;
	res->ttl    = 3600;
	res->nrr    = n;
	res->rr     = calloc(n, sizeof(*res->rr));
	assert_non_null(res->rr);
	for (i = 0; i < n; i++) {
		res->rr[i].type      = DNS_T_MX;
		res->rr[i].ttl       = 3600;
		res->rr[i].u.mx.pref = recs[i].pref;
		snprintf(res->rr[i].u.mx.host, sizeof(res->rr[i].u.mx.host),
		        "%s", recs[i].host);
	}
}

#endif
