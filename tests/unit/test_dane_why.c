/*
 * test_dane_why.c - the texts a DANE result gives the MTA and the admin
 * (dane_why.c) for a whole lookup: the MX summary, each host, the TLSA name
 * tried first and then the original name (RFC 7672 §2.2.2).
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
test_why_texts(void **state)
{
	static const struct mxrec   mx[] = { { 10, "mx1.example.org" },
		  { 0, "" }, { 20, "mx2.example.org" } };
	static const struct tlsarec recs[]
	        = { { 3, 1, 1, 32 }, { 1, 1, 1, 32 } };
	struct dns_result   res, a, aaaa, t;
	struct dane_result *r;
	struct dane_host   *h;

	(void)state;
	/* a secure MX RRset with a null MX mixed in, then the summary */
	r = dane_result_new("example.org");
	mk_mx(&res, 1, mx, NREC(mx));
	assert_int_equal(dane_mx_apply(r, &res), 2);
	assert_string_equal(rwhy(r),
	        "DNSSEC-signed MX RRset, 2 hosts; ignored a null MX mixed "
	        "with other MX records (RFC 7505 section 3: a null MX must be "
	        "the "
	        "only one)");
	dns_result_clear(&res);
	h = &r->hosts[0];
	assert_string_equal(h->name, "mx1.example.org");
	assert_string_equal(hwhy(h), "");
	assert_string_equal(tname(h), "");
	/* secure addresses, then a usable TLSA RRset */
	mk_status(&a, DNS_FOUND, 1, 0, "");
	a.nrr = 2;
	mk_status(&aaaa, DNS_NOTFOUND, 1, 0, "no AAAA records");
	assert_int_equal(dane_addr_apply(h, &a, &aaaa, 25), 1);
	assert_null(h->canon); /* no CNAME: the name is not stored twice */
	assert_string_equal(tname(h), "_25._tcp.mx1.example.org");
	mk_tlsa(&t, 1, recs, NREC(recs));
	assert_int_equal(dane_tlsa_apply(h, &t, 25), 0);
	dns_result_clear(&t);
	assert_string_equal(hwhy(h),
	        "1 usable TLSA record at _25._tcp.mx1.example.org (1 "
	        "unusable)");
	assert_null(h->text);
	/* the other host: insecure addresses */
	h        = &r->hosts[1];
	a.secure = 0;
	assert_int_equal(dane_addr_apply(h, &a, &aaaa, 25), 0);
	assert_string_equal(hwhy(h),
	        "address records not DNSSEC-signed: no DANE (RFC 7672 section "
	        "2.2)");
	assert_string_equal(tname(h), "");
	assert_int_equal(dane_result_conclude(r, 300, 3600, 300), 1);
	assert_string_equal(rwhy(r),
	        "DNSSEC-signed MX RRset, 2 hosts; ignored a null MX mixed "
	        "with other MX records (RFC 7505 section 3: a null MX must be "
	        "the "
	        "only one); hosts: 1 usable, 0 unusable, 1 none, 0 tempfail");
	/* a short buffer is cut, not overrun */
	{
		char small[8];

		assert_string_equal(
		        dane_result_why(r, small, sizeof(small)), "DNSSEC-");
		assert_string_equal(
		        dane_host_why(&r->hosts[0], small, sizeof(small)),
		        "1 usabl");
	}
	dane_result_unref(r);

	/* insecure MX RRset; NXDOMAIN; null MX; implicit MX */
	r = dane_result_new("example.org");
	mk_mx(&res, 0, mx, 1);
	assert_int_equal(dane_mx_apply(r, &res), 0);
	dns_result_clear(&res);
	assert_string_equal(rwhy(r),
	        "MX RRset is not DNSSEC-signed: no DANE for any host (RFC "
	        "7672 section 2.2.1)");
	assert_string_equal(
	        hwhy(&r->hosts[0]), "MX RRset is not DNSSEC-signed");
	dane_result_unref(r);
	r = dane_result_new("example.org");
	mk_status(&res, DNS_NOTFOUND, 1, 3, "NXDOMAIN");
	assert_int_equal(dane_mx_apply(r, &res), 0);
	assert_string_equal(rwhy(r),
	        "example.org does not exist (NXDOMAIN, DNSSEC-signed)");
	dane_result_unref(r);
	r = dane_result_new("example.org");
	mk_mx(&res, 1, mx + 1, 1);
	assert_int_equal(dane_mx_apply(r, &res), 0);
	dns_result_clear(&res);
	assert_string_equal(
	        rwhy(r), "null MX (RFC 7505): example.org accepts no mail");
	dane_result_unref(r);
	r = dane_result_new("example.org");
	mk_status(&res, DNS_NOTFOUND, 0, 0, "no MX records");
	assert_int_equal(dane_mx_apply(r, &res), 0);
	assert_ptr_equal(r->hosts[0].name, r->domain); /* not copied */
	assert_string_equal(rwhy(r),
	        "no MX RRset: example.org is its own mail host (RFC 5321 "
	        "section 5.1); the denial is not DNSSEC-signed: no DANE (RFC "
	        "7672 "
	        "section 2.2.1)");
	assert_string_equal(hwhy(&r->hosts[0]),
	        "no MX RRset and its denial is not DNSSEC-signed");
	dane_result_unref(r);
	/* a fresh result has no reason yet */
	r = dane_result_new("example.org");
	assert_string_equal(rwhy(r), "");
	dane_result_unref(r);
}

/* RFC 7672 §2.2.2 texts: the expanded name, then the original one. */
static void
test_why_texts_cname(void **state)
{
	struct dns_result a, aaaa, t;
	struct dane_host  h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.name = "alias.example";
	mk_status(&a, DNS_FOUND, 1, 0, "");
	a.nrr = 1;
	snprintf(a.canon, sizeof(a.canon), "real.example");
	mk_status(&aaaa, DNS_NOTFOUND, 1, 0, "no AAAA records");
	assert_int_equal(dane_addr_apply(&h, &a, &aaaa, 25), 1);
	assert_string_equal(h.canon, "real.example");
	mk_status(&t, DNS_NOTFOUND, 1, 0, "no TLSA records");
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 1);
	assert_string_equal(
	        hwhy(&h), "no TLSA records at _25._tcp.real.example");
	t.secure = 0;
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_string_equal(hwhy(&h),
	        "no TLSA records at _25._tcp.real.example, no TLSA records at "
	        "_25._tcp.alias.example (denial not DNSSEC-signed)");
	/* found but not signed */
	assert_int_equal(dane_addr_apply(&h, &a, &aaaa, 25), 1);
	t.status = DNS_FOUND;
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_string_equal(hwhy(&h),
	        "TLSA records at _25._tcp.real.example not DNSSEC-signed: no "
	        "DANE (RFC 7672 section 2.2)");
	dane_host_clear(&h);
	assert_null(h.canon);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_why_texts),
		cmocka_unit_test(test_why_texts_cname),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
