/*
 * test_dane_scenario.c - the DANE memo life cycle (RFC 7672 §2.1, §2.2;
 * cached/dane/dane_resolver.h) as scenarios on the fake clock: the real
 * cached/dane/dane_resolver.c (with the real dane.c rules and the memo)
 * over the scripted MX, A/AAAA and TLSA answers of fake_dns.c, the wall
 * clock set and advanced through cached/util/clock.h.
 *
 * Each scenario scripts the DNS, looks a domain up, advances the clock,
 * changes the DNS, and checks what the next lookups answer and how many
 * DNS lookups they cost: a memoised result is used until exactly its TTL
 * has passed, a changed RRset is picked up after that and not before, a
 * temporary failure or a bogus answer is never memoised and never hides
 * behind an expired result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "dane/dane_resolver.h"
#include "fake_dane_dns.h"
#include "fake_dns.h"
#include "fake_dns_world.h"
#include "fake_loop.h"
#include "log.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/memo.h"
#include "util/stats.h"
#include "util/time32.h"

#define T0 1700000000 /* 2023-11-14T22:13:20Z */

static struct fake_dns_world W;
static struct dane_resolver *R; /* under test */

/* one answer as the callback saw it */
struct got {
	int                   n;
	enum dane_mx_status   mx;
	int                   nhost;
	enum dane_host_status host[2];
	unsigned char         tlsa0; /* first byte of host 0's first TLSA */
	int                   ntlsa0;
	uint32_t              ttl;
	int64_t               expires; /* 0: not memoised */
	char                  why[DANE_RESULT_WHY_MAX];
};

static const char *const mx1[] = { "mx1.life.test", NULL };
static const char *const mx2[] = { "mx1.life.test", "mx2.life.test", NULL };

static void
got_cb(void *arg, struct dane_result *res)
{
	struct got *g = arg;
	int         i;

	g->n++;
	g->mx    = (enum dane_mx_status)res->mx_status;
	g->nhost = res->nhost;
	for (i = 0; i < res->nhost && i < 2; i++)
		g->host[i] = (enum dane_host_status)res->hosts[i].status;
	g->ntlsa0  = res->nhost > 0 ? res->hosts[0].ntlsa : 0;
	g->tlsa0   = g->ntlsa0 > 0 ? res->hosts[0].tlsa[0].data[0] : 0;
	g->ttl     = res->ttl;
	g->expires = res->expires != 0 ? time32_unpack(res->expires) : 0;
	dane_result_why(res, g->why, sizeof(g->why));
}

static void
run(void)
{
	fake_loop_run(W.base);
}

/* lookup - look domain up into g; returns 1 when answered at once (from
 * the memo), else runs the loop until the answer is in. */
static int
lookup(const char *domain, struct got *g)
{
	int at_once;

	memset(g, 0, sizeof(*g));
	dane_resolver_lookup(R, domain, got_cb, g);
	at_once = g->n == 1;
	run();
	assert_int_equal(g->n, 1);
	return (at_once);
}

static unsigned
mx_lookups(const char *domain)
{
	return (fake_dns_count(domain, DNS_T_MX));
}

static unsigned
tlsa_lookups(const char *host)
{
	return (fake_dns_count(dd_tlsa_name(host), DNS_T_TLSA));
}

static int
setup(void **state)
{
	(void)state;
	fake_dns_world_open(&W, T0);
	W.conf.dane_max_ttl      = 3600;
	W.conf.dane_negative_ttl = 300;
	R = dane_resolver_create(W.base, &W.conf, W.dns, &W.stats, W.memo);
	assert_non_null(R);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	dane_resolver_free(R);
	fake_dns_world_close(&W);
	return (0);
}

/* signed - life.test signed throughout: MX ttl_mx, addresses 3000 s, one
 * DANE-EE SPKI SHA2-256 record of bytes fill with ttl_tlsa. */
static void
signed_domain(uint32_t ttl_mx, uint32_t ttl_tlsa, unsigned char fill)
{
	dd_mx("life.test", 1, ttl_mx, mx1);
	dd_addr("mx1.life.test", 1, 3000, NULL);
	dd_tlsa("mx1.life.test", 1, ttl_tlsa, 3, 1, 1, fill);
}

/* expect_usable - g is a secure domain whose one host is usable with the
 * TLSA record of bytes fill. */
static void
expect_usable(const struct got *g, unsigned char fill)
{
	assert_string_equal(dane_mx_status_name(g->mx), "secure");
	assert_int_equal(g->nhost, 1);
	assert_string_equal(dane_host_status_name(g->host[0]), "usable");
	assert_int_equal(g->ntlsa0, 1);
	assert_int_equal(g->tlsa0, fill);
}

/*
 * The memo lives for the least TTL of the RRsets used: TLSA 600 s under
 * MX 1800 s and addresses 3000 s. One second before: answered from the
 * memo without DNS; at the TTL: looked up again.
 */
static void
memo_follows_ttl(void **state)
{
	struct got g;

	(void)state;
	signed_domain(1800, 600, 0xab);
	assert_false(lookup("life.test", &g));
	expect_usable(&g, 0xab);
	assert_int_equal(g.ttl, 600);
	assert_int_equal(g.expires, T0 + 600);
	assert_int_equal(fake_dns_total(), 4); /* MX, A, AAAA, TLSA */

	clock_advance(599);
	assert_true(lookup("life.test", &g));
	expect_usable(&g, 0xab);
	assert_int_equal(fake_dns_total(), 4);

	clock_advance(1);
	assert_false(lookup("life.test", &g));
	expect_usable(&g, 0xab);
	assert_int_equal(g.expires, T0 + 600 + 600);
	assert_int_equal(mx_lookups("life.test"), 2);
	assert_int_equal(tlsa_lookups("mx1.life.test"), 2);

	/* now the MX RRset has the least TTL (200 s) */
	signed_domain(200, 600, 0xab);
	clock_advance(600);
	assert_false(lookup("life.test", &g));
	assert_int_equal(g.ttl, 200);
	assert_int_equal(g.expires, T0 + 1200 + 200);
	clock_advance(199);
	assert_true(lookup("life.test", &g));
	clock_advance(1);
	assert_false(lookup("life.test", &g));
	assert_int_equal(mx_lookups("life.test"), 4);
	assert_int_equal(W.stats.dane_lookups, 4);
	assert_int_equal(W.stats.dane_hits, 2);
}

/*
 * A TLSA RRset changed in the DNS (a key rollover) is not seen while the
 * memo stands, and is the answer from the first lookup after it expired.
 */
static void
tlsa_change_after_expiry(void **state)
{
	struct got g;

	(void)state;
	signed_domain(3600, 900, 0xab);
	assert_false(lookup("life.test", &g));
	expect_usable(&g, 0xab);

	dd_tlsa("mx1.life.test", 1, 900, 3, 1, 1, 0xcd);
	clock_advance(899);
	assert_true(lookup("life.test", &g));
	expect_usable(&g, 0xab);
	assert_int_equal(tlsa_lookups("mx1.life.test"), 1);

	clock_advance(1);
	assert_false(lookup("life.test", &g));
	expect_usable(&g, 0xcd);
	assert_int_equal(tlsa_lookups("mx1.life.test"), 2);
	assert_true(lookup("life.test", &g));
	expect_usable(&g, 0xcd);

	/* the TLSA records go away (securely): DANE no longer applies, and
	 * that is kept for at most dane.negative_ttl */
	dd_fail(dd_tlsa_name("mx1.life.test"), DNS_T_TLSA, DNS_NOTFOUND, 1,
	        3600, "NXDOMAIN");
	clock_advance(900);
	assert_false(lookup("life.test", &g));
	assert_string_equal(dane_host_status_name(g.host[0]), "none");
	assert_int_equal(g.ttl, 300);
	clock_advance(299);
	assert_true(lookup("life.test", &g));
	assert_string_equal(dane_host_status_name(g.host[0]), "none");
	/* and a new TLSA RRset is picked up once that has expired */
	dd_tlsa("mx1.life.test", 1, 900, 2, 0, 1, 0xef);
	clock_advance(1);
	assert_false(lookup("life.test", &g));
	expect_usable(&g, 0xef);
}

/*
 * The MX RRset's DNSSEC state over time: secure, then served unsigned
 * (insecure: no DANE for any host, memoised for dane.negative_ttl at
 * most), then bogus (tempfail: the domain is deferred, never memoised,
 * every lookup asks again), then secure again.
 */
static void
mx_secure_insecure_bogus(void **state)
{
	struct got g;

	(void)state;
	signed_domain(3600, 3600, 0x01);
	assert_false(lookup("life.test", &g));
	expect_usable(&g, 0x01);
	assert_int_equal(g.ttl, 3000); /* the addresses' */

	dd_mx("life.test", 0, 3600, mx1);
	clock_advance(3000);
	assert_false(lookup("life.test", &g));
	assert_string_equal(dane_mx_status_name(g.mx), "insecure");
	assert_string_equal(dane_host_status_name(g.host[0]), "none");
	assert_int_equal(g.ttl, 300);
	assert_int_equal(tlsa_lookups("mx1.life.test"), 1); /* not asked */
	clock_advance(299);
	assert_true(lookup("life.test", &g));
	assert_string_equal(dane_mx_status_name(g.mx), "insecure");

	dd_fail("life.test", DNS_T_MX, DNS_BOGUS, 0, 0,
	        "validation failure <life.test. MX>: signature expired");
	clock_advance(1);
	assert_false(lookup("life.test", &g));
	assert_string_equal(dane_mx_status_name(g.mx), "tempfail");
	assert_int_equal(g.nhost, 0);
	assert_int_equal(g.expires, 0);
	if (strstr(g.why, "signature expired") == NULL)
		fail_msg("why '%s'", g.why);
	assert_false(lookup("life.test", &g));
	assert_string_equal(dane_mx_status_name(g.mx), "tempfail");
	assert_int_equal(mx_lookups("life.test"), 4);
	assert_int_equal(W.stats.dns_bogus, 2);

	signed_domain(3600, 3600, 0x02);
	assert_false(lookup("life.test", &g));
	expect_usable(&g, 0x02);
	assert_true(lookup("life.test", &g));
	assert_int_equal(mx_lookups("life.test"), 5);
}

/*
 * SERVFAIL after the memo expired: the domain is deferred (not answered
 * with the expired result) and nothing is memoised, so every lookup asks
 * again; the first answer after the failure ends is memoised.
 */
static void
servfail_not_memoised(void **state)
{
	struct got g;
	int        i;

	(void)state;
	signed_domain(600, 600, 0x33);
	assert_false(lookup("life.test", &g));
	expect_usable(&g, 0x33);

	dd_fail("life.test", DNS_T_MX, DNS_TEMPFAIL, 0, 0, NULL);
	clock_advance(600);
	for (i = 0; i < 3; i++) {
		assert_false(lookup("life.test", &g));
		assert_string_equal(dane_mx_status_name(g.mx), "tempfail");
		assert_int_equal(g.expires, 0);
		assert_int_equal(g.ttl, 0);
		clock_advance(10);
	}
	assert_int_equal(mx_lookups("life.test"), 4);
	assert_int_equal(W.stats.dns_tempfail, 3);

	signed_domain(600, 600, 0x33);
	assert_false(lookup("life.test", &g));
	expect_usable(&g, 0x33);
	assert_int_equal(g.expires, T0 + 630 + 600);
	assert_true(lookup("life.test", &g));
	assert_int_equal(mx_lookups("life.test"), 5);
}

/*
 * A failure on one host's TLSA lookup (SERVFAIL, then bogus) defers that
 * host only and keeps the whole result out of the memo; the other host is
 * still decided. Once the TLSA lookup works, the result is memoised.
 */
static void
host_tempfail_not_memoised(void **state)
{
	struct got g;

	(void)state;
	dd_mx("life.test", 1, 3600, mx2);
	dd_addr("mx1.life.test", 1, 3600, NULL);
	dd_addr("mx2.life.test", 1, 3600, NULL);
	dd_tlsa("mx1.life.test", 1, 3600, 3, 1, 1, 0x44);
	dd_fail(dd_tlsa_name("mx2.life.test"), DNS_T_TLSA, DNS_TEMPFAIL, 0, 0,
	        NULL);
	assert_false(lookup("life.test", &g));
	assert_int_equal(g.nhost, 2);
	assert_string_equal(dane_host_status_name(g.host[0]), "usable");
	assert_string_equal(dane_host_status_name(g.host[1]), "tempfail");
	assert_int_equal(g.expires, 0);

	dd_fail(dd_tlsa_name("mx2.life.test"), DNS_T_TLSA, DNS_BOGUS, 0, 0,
	        NULL);
	assert_false(lookup("life.test", &g));
	assert_string_equal(dane_host_status_name(g.host[1]), "tempfail");
	assert_int_equal(g.expires, 0);
	assert_int_equal(tlsa_lookups("mx2.life.test"), 2);

	dd_tlsa("mx2.life.test", 1, 1000, 3, 1, 1, 0x55);
	assert_false(lookup("life.test", &g));
	assert_string_equal(dane_host_status_name(g.host[1]), "usable");
	assert_int_equal(g.expires, T0 + 1000);
	assert_true(lookup("life.test", &g));
	assert_int_equal(tlsa_lookups("mx2.life.test"), 3);
	assert_int_equal(mx_lookups("life.test"), 3);
}

/*
 * A domain that does not exist is remembered for its negative TTL (here
 * 60 s, under dane.negative_ttl); once it exists and is signed, the first
 * lookup after that finds its DANE records.
 */
static void
nxdomain_then_signed(void **state)
{
	struct got g;

	(void)state;
	dd_fail("life.test", DNS_T_MX, DNS_NOTFOUND, 1, 60, "NXDOMAIN");
	assert_false(lookup("life.test", &g));
	assert_string_equal(dane_mx_status_name(g.mx), "nxdomain");
	assert_int_equal(g.expires, T0 + 60);
	signed_domain(3600, 3600, 0x66);
	clock_advance(59);
	assert_true(lookup("life.test", &g));
	assert_string_equal(dane_mx_status_name(g.mx), "nxdomain");
	clock_advance(1);
	assert_false(lookup("life.test", &g));
	expect_usable(&g, 0x66);
}

/*
 * After expiry, the lookups that arrive while the new lookup is in flight
 * wait for it (none is answered with the expired result) and share it; a
 * host added to the MX RRset meanwhile is in the new result.
 */
static void
expiry_refresh_shared(void **state)
{
	struct got g, w[5];
	int        i;

	(void)state;
	signed_domain(600, 600, 0x77);
	assert_false(lookup("life.test", &g));
	expect_usable(&g, 0x77);

	dd_mx("life.test", 1, 600, mx2);
	dd_addr("mx2.life.test", 1, 3000, NULL);
	dd_tlsa("mx2.life.test", 1, 600, 3, 1, 1, 0x78);
	fake_dns_hold("life.test", DNS_T_MX, 1);
	clock_advance(600);
	memset(w, 0, sizeof(w));
	for (i = 0; i < 5; i++)
		dane_resolver_lookup(R, "life.test", got_cb, &w[i]);
	run();
	for (i = 0; i < 5; i++)
		assert_int_equal(w[i].n, 0);
	assert_int_equal(fake_dns_release("life.test", DNS_T_MX), 1);
	run();
	for (i = 0; i < 5; i++) {
		assert_int_equal(w[i].n, 1);
		assert_int_equal(w[i].nhost, 2);
		assert_string_equal(
		        dane_host_status_name(w[i].host[1]), "usable");
		assert_int_equal(w[i].expires, T0 + 600 + 600);
	}
	assert_int_equal(mx_lookups("life.test"), 2);
	assert_int_equal(tlsa_lookups("mx2.life.test"), 1);
	assert_int_equal(W.stats.dane_lookups, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		        memo_follows_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        tlsa_change_after_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        mx_secure_insecure_bogus, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        servfail_not_memoised, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        host_tempfail_not_memoised, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        nxdomain_then_signed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        expiry_refresh_shared, setup, teardown),
	};

	log_init("test_dane_scenario", 1, 0);
	log_set_level(LOG_LVL_ERR);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
