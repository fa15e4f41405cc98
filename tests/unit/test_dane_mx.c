/*
 * test_dane_mx.c - the MX and address steps of a DANE lookup applied to
 * hand-built DNS answers (dane.c): RFC 7672 §2.1, §2.2 (MX RRset, at most
 * 16 hosts), RFC 7505 (null MX), RFC 7672 §2.2.1 (addresses, CNAMEs, the
 * TLSA base name), RFC 5321 §5.1.
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

struct mx_case {
	const char         *name;
	int                 secure;
	const struct mxrec *recs;
	size_t              nrec;
	enum dane_mx_status want;
	size_t              want_pending;
	const char         *hosts; /* "name/pref,..." */
	const char         *why;   /* substring */
};

static const struct mxrec mx_sorted[] = {
	{ 20, "b.example" },
	{ 10, "a.example" },
	{ 20, "c.example" },
	{ 5, "z.example" },
	{ 10, "d.example" },
};
static const struct mxrec mx_dup[] = {
	{ 20, "a.example" },
	{ 10, "b.example" },
	{ 10, "a.example" },
	{ 30, "b.example" },
};
static const struct mxrec mx_null[]  = { { 0, "" } };
static const struct mxrec mx_null2[] = { { 0, "" }, { 10, "" } };
static const struct mxrec mx_mixed[] = { { 0, "" }, { 10, "mx.example" } };
static const struct mxrec mx_mixed2[]
        = { { 10, "mx.example" }, { 20, "" }, { 30, "mx2.example" } };
static const struct mxrec mx_many[] = {
	{ 17, "h17" },
	{ 16, "h16" },
	{ 15, "h15" },
	{ 14, "h14" },
	{ 13, "h13" },
	{ 12, "h12" },
	{ 11, "h11" },
	{ 10, "h10" },
	{ 9, "h09" },
	{ 8, "h08" },
	{ 7, "h07" },
	{ 6, "h06" },
	{ 5, "h05" },
	{ 4, "h04" },
	{ 3, "h03" },
	{ 2, "h02" },
	{ 1, "h01" },
	{ 1, "h01" },
};
static const struct mxrec mx_sixteen[] = {
	{ 1, "h01" },
	{ 2, "h02" },
	{ 3, "h03" },
	{ 4, "h04" },
	{ 5, "h05" },
	{ 6, "h06" },
	{ 7, "h07" },
	{ 8, "h08" },
	{ 9, "h09" },
	{ 10, "h10" },
	{ 11, "h11" },
	{ 12, "h12" },
	{ 13, "h13" },
	{ 14, "h14" },
	{ 15, "h15" },
	{ 16, "h16" },
	{ 16, "h16" },
	{ 1, "h01" },
	{ 1, "" },
};

static const struct mx_case mx_cases[] = {
	{ "stable sort", 1, mx_sorted, NREC(mx_sorted), DANE_MX_SECURE, 5,
	        "z.example/5,a.example/10,d.example/10,b.example/20,"
	        "c.example/20",
	        "DNSSEC-signed MX RRset, 5 hosts" },
	{ "insecure", 0, mx_sorted, NREC(mx_sorted), DANE_MX_INSECURE, 0,
	        "z.example/5,a.example/10,d.example/10,b.example/20,"
	        "c.example/20",
	        "not DNSSEC-signed" },
	{ "duplicates: lowest preference kept", 1, mx_dup, NREC(mx_dup),
	        DANE_MX_SECURE, 2, "b.example/10,a.example/10", "2 hosts" },
	{ "null MX", 1, mx_null, NREC(mx_null), DANE_MX_NULL, 0, "",
	        "null MX (RFC 7505)" },
	{ "null MX insecure", 0, mx_null, NREC(mx_null), DANE_MX_NULL, 0, "",
	        "accepts no mail" },
	{ "two null MX", 1, mx_null2, NREC(mx_null2), DANE_MX_NULL, 0, "",
	        "null MX" },
	{ "null MX mixed", 1, mx_mixed, NREC(mx_mixed), DANE_MX_SECURE, 1,
	        "mx.example/10", "ignored a null MX" },
	{ "null MX mixed in the middle", 0, mx_mixed2, NREC(mx_mixed2),
	        DANE_MX_INSECURE, 0, "mx.example/10,mx2.example/30",
	        "ignored a null MX" },
	{ "more than 16", 1, mx_many, NREC(mx_many), DANE_MX_SECURE, 16,
	        "h01/1,h02/2,h03/3,h04/4,h05/5,h06/6,h07/7,h08/8,h09/9,"
	        "h10/10,h11/11,h12/12,h13/13,h14/14,h15/15,h16/16",
	        "only the 16 most preferred" },
	{ "exactly 16 after dedup", 1, mx_sixteen, NREC(mx_sixteen),
	        DANE_MX_SECURE, 16,
	        "h01/1,h02/2,h03/3,h04/4,h05/5,h06/6,h07/7,h08/8,h09/9,"
	        "h10/10,h11/11,h12/12,h13/13,h14/14,h15/15,h16/16",
	        "16 hosts; ignored a null MX" },
};

static void
test_mx_found(void **state)
{
	size_t i, j, n;
	char   hosts[1024];

	(void)state;
	for (i = 0; i < NREC(mx_cases); i++) {
		const struct mx_case *c = &mx_cases[i];
		struct dns_result     res;
		struct dane_result   *r = dane_result_new("example.org");

		mk_mx(&res, c->secure, c->recs, c->nrec);
		n = dane_mx_apply(r, &res);
		hosts_string(r, hosts, sizeof(hosts));
		if (r->mx_status != c->want || n != c->want_pending
		        || strcmp(hosts, c->hosts) != 0
		        || strstr(rwhy(r), c->why) == NULL
		        || r->mx_secure != c->secure) {
			print_error("%s: got %s %zu [%s] (%s)\n", c->name,
			        dane_mx_status_name(r->mx_status), n, hosts,
			        rwhy(r));
			fail();
		}
		assert_true(r->nhost <= DANE_MAX_HOSTS);
		if (r->mx_status == DANE_MX_INSECURE) {
			for (j = 0; j < r->nhost; j++) {
				assert_int_equal(
				        r->hosts[j].status, DANE_HOST_NONE);
				assert_string_equal(hwhy(&r->hosts[j]),
				        "MX RRset is not DNSSEC-signed");
				assert_int_equal(r->hosts[j].naddr, 0);
			}
		}
		dns_result_clear(&res);
		dane_result_unref(r);
	}
}

struct mx_fail_case {
	enum dns_status     st;
	int                 secure, rcode;
	enum dane_mx_status want;
	size_t              want_pending, nhost;
	int                 mx_secure;
	const char         *why;
};

static const struct mx_fail_case mx_fail_cases[] = {
	{ DNS_BOGUS, 0, 0, DANE_MX_TEMPFAIL, 0, 0, 0,
	        "DNSSEC validation failed for the MX RRset of example.org" },
	{ DNS_BOGUS, 0, 3, DANE_MX_TEMPFAIL, 0, 0, 0, "deferred" },
	{ DNS_TEMPFAIL, 0, 2, DANE_MX_TEMPFAIL, 0, 0, 0,
	        "MX lookup for example.org failed: upstream" },
	{ DNS_NOTFOUND, 1, 3, DANE_MX_NODOMAIN, 0, 0, 1,
	        "example.org does not exist (NXDOMAIN, DNSSEC-signed)" },
	{ DNS_NOTFOUND, 0, 3, DANE_MX_NODOMAIN, 0, 0, 0,
	        "does not exist (NXDOMAIN)" },
	{ DNS_NOTFOUND, 1, 0, DANE_MX_IMPLICIT, 1, 1, 1,
	        "no MX RRset (securely denied)" },
	{ DNS_NOTFOUND, 0, 0, DANE_MX_IMPLICIT, 0, 1, 0,
	        "the denial is not DNSSEC-signed" },
};

static void
test_mx_notfound_fail(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < NREC(mx_fail_cases); i++) {
		const struct mx_fail_case *c = &mx_fail_cases[i];
		struct dns_result          res;
		struct dane_result        *r = dane_result_new("example.org");

		mk_status(&res, c->st, c->secure, c->rcode, "upstream");
		n = dane_mx_apply(r, &res);
		if (r->mx_status != c->want || n != c->want_pending
		        || r->nhost != c->nhost || r->mx_secure != c->mx_secure
		        || strstr(rwhy(r), c->why) == NULL) {
			print_error("case %zu: got %s %zu %zu (%s)\n", i,
			        dane_mx_status_name(r->mx_status), n,
			        (size_t)r->nhost, rwhy(r));
			fail();
		}
		if (r->mx_status == DANE_MX_IMPLICIT) {
			assert_string_equal(r->hosts[0].name, "example.org");
			assert_int_equal(r->hosts[0].pref, 0);
			assert_int_equal(r->hosts[0].status, DANE_HOST_NONE);
		}
		dane_result_unref(r);
	}
}

/* ---- the address step ------------------------------------------------ */

struct addr_case {
	const char           *name;
	enum dns_status       a_st, aaaa_st;
	int                   a_sec, aaaa_sec;
	size_t                a_n, aaaa_n;
	const char           *a_canon, *aaaa_canon;
	int                   want_next;
	enum dane_host_status want;
	size_t                naddr;
	int                   addr_secure;
	const char           *tlsa_name;
	const char           *why;
};

static const struct addr_case addr_cases[] = {
	{ "secure A and AAAA", DNS_FOUND, DNS_FOUND, 1, 1, 1, 2, "mx.example",
	        "mx.example", 1, DANE_HOST_NONE, 3, 1, "_25._tcp.mx.example",
	        "" },
	{ "secure A only", DNS_FOUND, DNS_NOTFOUND, 1, 1, 2, 0, "mx.example",
	        "", 1, DANE_HOST_NONE, 2, 1, "_25._tcp.mx.example", "" },
	{ "secure AAAA only, through a CNAME", DNS_NOTFOUND, DNS_FOUND, 1, 1,
	        0, 1, "", "real.example", 1, DANE_HOST_NONE, 1, 1,
	        "_25._tcp.real.example", "" },
	{ "CNAME: A's canon wins", DNS_FOUND, DNS_FOUND, 1, 1, 1, 1,
	        "real.example", "other.example", 1, DANE_HOST_NONE, 2, 1,
	        "_25._tcp.real.example", "" },
	{ "no canon: the host name", DNS_FOUND, DNS_NOTFOUND, 1, 1, 1, 0, "",
	        "", 1, DANE_HOST_NONE, 1, 1, "_25._tcp.mx.example", "" },
	{ "A bogus", DNS_BOGUS, DNS_FOUND, 0, 1, 0, 1, "", "mx.example", 0,
	        DANE_HOST_TEMPFAIL, 0, 0, "",
	        "DNSSEC validation failed for mx.example A: oops" },
	{ "AAAA bogus, A tempfail", DNS_TEMPFAIL, DNS_BOGUS, 0, 0, 0, 0, "",
	        "", 0, DANE_HOST_TEMPFAIL, 0, 0, "",
	        "DNSSEC validation failed for mx.example AAAA" },
	{ "AAAA tempfail", DNS_FOUND, DNS_TEMPFAIL, 1, 0, 1, 0, "mx.example",
	        "", 0, DANE_HOST_TEMPFAIL, 0, 0, "",
	        "AAAA lookup for mx.example failed: oops" },
	{ "no addresses", DNS_NOTFOUND, DNS_NOTFOUND, 1, 1, 0, 0, "", "", 0,
	        DANE_HOST_NONE, 0, 1, "", "no address records" },
	{ "A insecure", DNS_FOUND, DNS_NOTFOUND, 0, 0, 1, 0, "mx.example", "",
	        0, DANE_HOST_NONE, 1, 0, "",
	        "address records not DNSSEC-signed" },
	{ "A secure, AAAA insecure", DNS_FOUND, DNS_FOUND, 1, 0, 1, 1,
	        "mx.example", "mx.example", 0, DANE_HOST_NONE, 2, 0, "",
	        "not DNSSEC-signed" },
	{ "A secure, insecure AAAA denial", DNS_FOUND, DNS_NOTFOUND, 1, 0, 1,
	        0, "mx.example", "", 1, DANE_HOST_NONE, 1, 1,
	        "_25._tcp.mx.example", "" },
};

static void
test_addr(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NREC(addr_cases); i++) {
		const struct addr_case *c = &addr_cases[i];
		struct dns_result       a, aaaa;
		struct dane_host        h;
		int                     next;

		memset(&h, 0, sizeof(h));
		h.name = "mx.example";
		mk_status(&a, c->a_st, c->a_sec, 0, "oops");
		mk_status(&aaaa, c->aaaa_st, c->aaaa_sec, 0, "oops");
		a.nrr    = c->a_n; /* rr is never read */
		aaaa.nrr = c->aaaa_n;
		snprintf(a.canon, sizeof(a.canon), "%s", c->a_canon);
		snprintf(aaaa.canon, sizeof(aaaa.canon), "%s", c->aaaa_canon);
		next = dane_addr_apply(&h, &a, &aaaa, 25);
		if (next != c->want_next || h.status != c->want
		        || h.naddr != c->naddr
		        || h.addr_secure != c->addr_secure
		        || strcmp(tname(&h), c->tlsa_name) != 0
		        || strstr(hwhy(&h), c->why) == NULL) {
			print_error("%s: got %d %s naddr %zu secure %d [%s] "
			            "(%s)\n",
			        c->name, next, dane_host_status_name(h.status),
			        (size_t)h.naddr, h.addr_secure, tname(&h),
			        hwhy(&h));
			fail();
		}
		dane_host_clear(&h);
	}
}

static void
test_addr_port(void **state)
{
	struct dns_result a, aaaa;
	struct dane_host  h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.name = "mx.example";
	mk_status(&a, DNS_FOUND, 1, 0, "");
	a.nrr = 1;
	mk_status(&aaaa, DNS_NOTFOUND, 1, 0, "no AAAA records");
	assert_int_equal(dane_addr_apply(&h, &a, &aaaa, 2526), 1);
	assert_string_equal(tname(&h), "_2526._tcp.mx.example");
	dane_host_clear(&h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mx_found),
		cmocka_unit_test(test_mx_notfound_fail),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_addr_port),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
