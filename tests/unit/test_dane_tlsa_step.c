/*
 * test_dane_tlsa_step.c - the TLSA step and the conclusion of a DANE lookup
 * applied to hand-built DNS answers (dane.c): usable, unusable, insecure and
 * failed TLSA RRsets (RFC 7672 §2.2, §3.1), the CNAME chain order (RFC 7672
 * §2.2.2), and how long a result is kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dane/dane.h"
#include "dns_answers.h"
#include "dane_checks.h"

static void
test_tlsa_usable(void **state)
{
	static const struct tlsarec recs[] = {
		{ 1, 1, 1, 32 }, /* PKIX-EE: unusable */
		{ 3, 1, 1, 32 }, { 2, 0, 2, 64 },
		{ 3, 1, 1, 31 }, /* bad length */
		{ 4, 1, 1, 32 }, /* unknown usage */
	};
	struct dns_result t;
	struct dane_host  h;

	(void)state;
	host_at(&h, "mx.example", "_25._tcp.mx.example");
	mk_tlsa(&t, 1, recs, NREC(recs));
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_int_equal(h.status, DANE_HOST_USABLE);
	assert_int_equal(h.ntlsa, 2);
	assert_int_equal(h.nunusable, 3);
	assert_int_equal(h.tlsa[0].usage, 3);
	assert_int_equal(h.tlsa[0].selector, 1);
	assert_int_equal(h.tlsa[0].mtype, 1);
	assert_int_equal(h.tlsa[0].len, 32);
	assert_memory_equal(h.tlsa[0].data, t.rr[1].u.tlsa.data, 32);
	assert_int_equal(h.tlsa[1].usage, 2);
	assert_int_equal(h.tlsa[1].len, 64);
	assert_memory_equal(h.tlsa[1].data, t.rr[2].u.tlsa.data, 64);
	assert_non_null(strstr(hwhy(&h), "2 usable TLSA records"));
	dns_result_clear(&t); /* the host has its own copies */
	assert_int_equal(h.tlsa[1].data[63], 'c');
	host_free(&h);
}

static void
test_tlsa_unusable(void **state)
{
	static const struct tlsarec recs[] = {
		{ 1, 1, 1, 32 },
		{ 0, 0, 1, 32 },
	};
	struct dns_result t;
	struct dane_host  h;

	(void)state;
	host_at(&h, "mx.example", "_25._tcp.mx.example");
	mk_tlsa(&t, 1, recs, NREC(recs));
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_int_equal(h.status, DANE_HOST_UNUSABLE);
	assert_int_equal(h.ntlsa, 0);
	assert_null(h.tlsa);
	assert_int_equal(h.nunusable, 2);
	assert_non_null(strstr(hwhy(&h), "PKIX-EE(1) is not usable"));
	assert_non_null(strstr(hwhy(&h), "TLS mandatory"));
	dns_result_clear(&t);
	host_free(&h);
}

static void
test_tlsa_insecure(void **state)
{
	static const struct tlsarec recs[] = { { 3, 1, 1, 32 } };
	struct dns_result           t;
	struct dane_host            h;

	(void)state;
	host_at(&h, "mx.example", "_25._tcp.mx.example");
	mk_tlsa(&t, 0, recs, NREC(recs));
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_int_equal(h.status, DANE_HOST_NONE);
	assert_int_equal(h.ntlsa, 0);
	assert_non_null(strstr(hwhy(&h), "not DNSSEC-signed"));
	dns_result_clear(&t);
}

struct tlsa_fail_case {
	const char           *name;
	const char           *host, *tlsa_name;
	enum dns_status       st;
	int                   secure;
	int                   want_next;
	enum dane_host_status want;
	const char           *want_name, *why;
};

static const struct tlsa_fail_case tlsa_fail_cases[] = {
	{ "bogus", "mx.example", "_25._tcp.mx.example", DNS_BOGUS, 0, 0,
	        DANE_HOST_TEMPFAIL, "_25._tcp.mx.example",
	        "DNSSEC validation failed for _25._tcp.mx.example TLSA: "
	        "oops" },
	{ "tempfail", "mx.example", "_25._tcp.mx.example", DNS_TEMPFAIL, 0, 0,
	        DANE_HOST_TEMPFAIL, "_25._tcp.mx.example",
	        "TLSA lookup at _25._tcp.mx.example failed: oops" },
	{ "securely none", "mx.example", "_25._tcp.mx.example", DNS_NOTFOUND,
	        1, 0, DANE_HOST_NONE, "_25._tcp.mx.example",
	        "no TLSA records at _25._tcp.mx.example (securely denied)" },
	{ "insecurely none", "mx.example", "_25._tcp.mx.example", DNS_NOTFOUND,
	        0, 0, DANE_HOST_NONE, "_25._tcp.mx.example",
	        "denial not DNSSEC-signed" },
	{ "none at the expanded name: retry", "alias.example",
	        "_25._tcp.real.example", DNS_NOTFOUND, 1, 1, DANE_HOST_NONE,
	        "_25._tcp.alias.example", "" },
	{ "insecurely none at the expanded name: no retry", "alias.example",
	        "_25._tcp.real.example", DNS_NOTFOUND, 0, 0, DANE_HOST_NONE,
	        "_25._tcp.real.example", "denial not DNSSEC-signed" },
	{ "bogus at the expanded name: no retry", "alias.example",
	        "_25._tcp.real.example", DNS_BOGUS, 0, 0, DANE_HOST_TEMPFAIL,
	        "_25._tcp.real.example", "DNSSEC validation failed" },
};

static void
test_tlsa_fail(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NREC(tlsa_fail_cases); i++) {
		const struct tlsa_fail_case *c = &tlsa_fail_cases[i];
		struct dns_result            t;
		struct dane_host             h;
		int                          next;

		host_at(&h, c->host, c->tlsa_name);
		mk_status(&t, c->st, c->secure, 0, "oops");
		next = dane_tlsa_apply(&h, &t, 25);
		if (next != c->want_next || h.status != c->want
		        || strcmp(tname(&h), c->want_name) != 0
		        || strstr(hwhy(&h), c->why) == NULL) {
			print_error("%s: got %d %s [%s] (%s)\n", c->name, next,
			        dane_host_status_name(h.status), tname(&h),
			        hwhy(&h));
			fail();
		}
		assert_int_equal(h.ntlsa, 0);
		dane_host_clear(&h);
	}
}

/* RFC 7672 §2.2.2: expanded name first, then the original name. */
static void
test_tlsa_cname_chain(void **state)
{
	static const struct tlsarec recs[] = { { 3, 1, 1, 32 } };
	struct dns_result           a, aaaa, t;
	struct dane_host            h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.name = "alias.example";
	mk_status(&a, DNS_FOUND, 1, 0, "");
	a.nrr = 1;
	snprintf(a.canon, sizeof(a.canon), "real.example");
	mk_status(&aaaa, DNS_NOTFOUND, 1, 0, "no AAAA records");
	snprintf(aaaa.canon, sizeof(aaaa.canon), "real.example");
	assert_int_equal(dane_addr_apply(&h, &a, &aaaa, 25), 1);
	assert_string_equal(tname(&h), "_25._tcp.real.example");

	/* none at the expanded name: the original name next */
	mk_status(&t, DNS_NOTFOUND, 1, 0, "no TLSA records");
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 1);
	assert_string_equal(tname(&h), "_25._tcp.alias.example");
	/* none there either: no DANE, and no third lookup */
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_int_equal(h.status, DANE_HOST_NONE);
	assert_non_null(strstr(hwhy(&h), "_25._tcp.real.example"));
	assert_non_null(strstr(hwhy(&h), "_25._tcp.alias.example"));

	/* found at the original name */
	assert_int_equal(dane_addr_apply(&h, &a, &aaaa, 25), 1);
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 1);
	mk_tlsa(&t, 1, recs, NREC(recs));
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_int_equal(h.status, DANE_HOST_USABLE);
	assert_int_equal(h.ntlsa, 1);
	assert_non_null(strstr(hwhy(&h), "_25._tcp.alias.example"));
	dns_result_clear(&t);
	host_free(&h);
}

/*
 * The reasons kept as codes read exactly as the texts the replies and logs
 * always had (tests/integration/test_dane.sh matches parts of them).
 */

/* ---- the conclusion -------------------------------------------------- */

struct conclude_case {
	const char           *name;
	enum dane_mx_status   mx;
	int                   mx_secure;
	enum dane_host_status h[3];
	size_t                nhost;
	uint32_t              ttl;
	int                   want_keep;
	uint32_t              want_ttl;
};

static const struct conclude_case conclude_cases[] = {
	{ "usable: dns ttl", DANE_MX_SECURE, 1,
	        { DANE_HOST_USABLE, DANE_HOST_NONE }, 2, 1200, 1, 1200 },
	{ "usable: max_ttl", DANE_MX_SECURE, 1, { DANE_HOST_USABLE }, 1, 86400,
	        1, 3600 },
	{ "unusable counts as DANE", DANE_MX_SECURE, 1, { DANE_HOST_UNUSABLE },
	        1, 86400, 1, 3600 },
	{ "all none: negative_ttl", DANE_MX_SECURE, 1,
	        { DANE_HOST_NONE, DANE_HOST_NONE }, 2, 1200, 1, 300 },
	{ "all none, short ttl", DANE_MX_SECURE, 1, { DANE_HOST_NONE }, 1, 60,
	        1, 60 },
	{ "insecure MX", DANE_MX_INSECURE, 0, { DANE_HOST_NONE }, 1, 3600, 1,
	        300 },
	{ "null MX", DANE_MX_NULL, 1, { DANE_HOST_NONE }, 0, 3600, 1, 300 },
	{ "nxdomain", DANE_MX_NODOMAIN, 1, { DANE_HOST_NONE }, 0, 100, 1,
	        100 },
	{ "implicit usable", DANE_MX_IMPLICIT, 1, { DANE_HOST_USABLE }, 1,
	        UINT32_MAX, 1, 3600 },
	{ "host tempfail", DANE_MX_SECURE, 1,
	        { DANE_HOST_USABLE, DANE_HOST_TEMPFAIL }, 2, 1200, 0, 0 },
	{ "mx tempfail", DANE_MX_TEMPFAIL, 0, { DANE_HOST_NONE }, 0, 1200, 0,
	        0 },
};

static void
test_conclude(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < NREC(conclude_cases); i++) {
		const struct conclude_case *c = &conclude_cases[i];
		struct dane_result         *r = dane_result_new("example.org");
		int                         keep;

		r->mx_status = c->mx;
		r->mx_secure = c->mx_secure;
		r->nhost     = c->nhost;
		r->hosts     = calloc(3, sizeof(*r->hosts));
		for (j = 0; j < c->nhost; j++) {
			r->hosts[j].status = c->h[j];
		}
		dane_result_set_why(r, "MX");
		keep = dane_result_conclude(r, c->ttl, 3600, 300);
		if (keep != c->want_keep || r->ttl != c->want_ttl) {
			print_error("%s: got %d ttl %u (%s)\n", c->name, keep,
			        (unsigned)r->ttl, rwhy(r));
			fail();
		}
		if (c->mx == DANE_MX_SECURE) {
			assert_non_null(strstr(rwhy(r), "; hosts: "));
		}
		dane_result_unref(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlsa_usable),
		cmocka_unit_test(test_tlsa_unusable),
		cmocka_unit_test(test_tlsa_insecure),
		cmocka_unit_test(test_tlsa_fail),
		cmocka_unit_test(test_tlsa_cname_chain),
		cmocka_unit_test(test_conclude),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
