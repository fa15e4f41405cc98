/*
 * test_dane_share.c - shared MX host lists of DANE results (dane_share.c):
 * two domains with the same MX hosts and the same TLSA answers hold one
 * list; a different TLSA record, preference or host makes another; an
 * implicit MX (the host is the domain) is never shared; the reasons read
 * the same after sharing; the list lives until its last result goes, also
 * after the table itself is freed (ASan sees any leak or use after free).
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
#include "dane/dane_share.h"
#include "dns_answers.h"

/* mk_tlsa - one DANE-EE SPKI SHA2-256 record whose digest is all fill */
static void
mk_tlsa(struct dns_result *res, int fill)
{
	memset(res, 0, sizeof(*res));
	res->status = DNS_FOUND;
	res->secure = 1;
	res->ttl    = 300;
	res->nrr    = 1;
	res->rr     = calloc(1, sizeof(*res->rr));
	assert_non_null(res->rr);
	res->rr[0].type            = DNS_T_TLSA;
	res->rr[0].u.tlsa.usage    = 3;
	res->rr[0].u.tlsa.selector = 1;
	res->rr[0].u.tlsa.mtype    = 1;
	res->rr[0].u.tlsa.len      = 32;
	res->rr[0].u.tlsa.data     = malloc(32);
	assert_non_null(res->rr[0].u.tlsa.data);
	memset(res->rr[0].u.tlsa.data, fill, 32);
}

/* result - a concluded result for domain: MX hosts recs, the first one
 * with a TLSA record of digest fill (0: securely no TLSA records) */
static struct dane_result *
result(const char *domain, const struct mxrec *recs, size_t n, int fill)
{
	struct dane_result *r = dane_result_new(domain);
	struct dns_result   mx, t;

	mk_mx(&mx, 1, recs, n);
	assert_int_equal(dane_mx_apply(r, &mx), n);
	dns_result_clear(&mx);
	r->hosts[0].port    = 25;
	r->hosts[0].tlsa_at = DANE_TLSA_AT_NAME;
	if (fill != 0) {
		mk_tlsa(&t, fill);
	} else {
		memset(&t, 0, sizeof(t));
		t.status = DNS_NOTFOUND;
		t.secure = 1;
		snprintf(t.why, sizeof(t.why), "no TLSA records");
	}
	dane_tlsa_apply(&r->hosts[0], &t, 25);
	dns_result_clear(&t);
	dane_result_conclude(r, 3600, 3600, 300);
	return (r);
}

static const struct mxrec two[]
        = { { 10, "mx1.provider.example" }, { 20, "mx2.provider.example" } };
static const struct mxrec two_pref[]
        = { { 10, "mx1.provider.example" }, { 30, "mx2.provider.example" } };
static const struct mxrec one[] = { { 10, "mx1.provider.example" } };

static void
test_shared(void **state)
{
	struct dane_share  *s = dane_share_create();
	struct dane_result *a, *b, *c, *d, *e;
	char before[DANE_RESULT_WHY_MAX], after[DANE_RESULT_WHY_MAX];
	char hwhy[DANE_HOST_WHY_MAX];

	(void)state;
	a = result("a.example", two, 2, 'x');
	b = result("b.example", two, 2, 'x');
	c = result("c.example", two, 2, 'y');      /* other TLSA data */
	d = result("d.example", two_pref, 2, 'x'); /* other preference */
	e = result("e.example", one, 1, 'x');      /* fewer hosts */
	assert_ptr_not_equal(a->hosts, b->hosts);
	dane_result_why(a, before, sizeof(before));
	dane_share_result(s, a);
	dane_share_result(s, b);
	dane_share_result(s, c);
	dane_share_result(s, d);
	dane_share_result(s, e);
	dane_share_result(s, a); /* already shared: nothing changes */
	assert_ptr_equal(a->hosts, b->hosts);
	assert_ptr_not_equal(a->hosts, c->hosts);
	assert_ptr_not_equal(a->hosts, d->hosts);
	assert_ptr_not_equal(a->hosts, e->hosts);
	assert_int_equal(dane_share_count(s), 4);
	assert_true(a->notes & DANE_NOTE_SHARED);
	/* the shared copy answers as the original did */
	assert_string_equal(dane_result_why(a, after, sizeof(after)), before);
	assert_string_equal(a->hosts[0].name, "mx1.provider.example");
	assert_int_equal(a->hosts[0].status, DANE_HOST_USABLE);
	assert_int_equal(a->hosts[0].ntlsa, 1);
	assert_int_equal(a->hosts[0].tlsa[0].data[31], 'x');
	assert_int_equal(c->hosts[0].tlsa[0].data[0], 'y');
	assert_int_equal(a->hosts[1].pref, 20);
	assert_non_null(strstr(dane_host_why(&a->hosts[0], hwhy, sizeof(hwhy)),
	        "usable TLSA"));
	/* a goes: b's list stays */
	dane_result_unref(a);
	assert_int_equal(dane_share_count(s), 4);
	assert_int_equal(b->hosts[0].tlsa[0].data[0], 'x');
	assert_string_equal(b->hosts[1].name, "mx2.provider.example");
	dane_result_unref(b);
	assert_int_equal(dane_share_count(s), 3);
	dane_result_unref(c);
	dane_result_unref(d);
	assert_int_equal(dane_share_count(s), 1);
	/* the table goes first: e's list is still e's */
	dane_share_free(s);
	assert_string_equal(e->hosts[0].name, "mx1.provider.example");
	dane_result_unref(e);
}

static void
test_not_shared(void **state)
{
	struct dane_share  *s = dane_share_create();
	struct dane_result *a, *b;
	struct dns_result   mx;

	(void)state;
	/* implicit MX: the host is the domain itself */
	a = dane_result_new("a.example");
	memset(&mx, 0, sizeof(mx));
	mx.status = DNS_NOTFOUND;
	mx.secure = 1;
	assert_int_equal(dane_mx_apply(a, &mx), 1);
	assert_int_equal(a->mx_status, DANE_MX_IMPLICIT);
	dane_result_conclude(a, 3600, 3600, 300);
	dane_share_result(s, a);
	assert_false(a->notes & DANE_NOTE_SHARED);
	/* NXDOMAIN: no hosts */
	b        = dane_result_new("b.example");
	mx.rcode = 3;
	dane_mx_apply(b, &mx);
	assert_int_equal(b->nhost, 0);
	dane_share_result(s, b);
	assert_false(b->notes & DANE_NOTE_SHARED);
	assert_int_equal(dane_share_count(s), 0);
	dane_result_unref(a);
	dane_result_unref(b);
	dane_share_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_not_shared),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
