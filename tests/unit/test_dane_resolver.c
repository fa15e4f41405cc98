/*
 * test_dane_resolver.c - table-driven tests of cached/dane/dane_resolver.c
 * (RFC 7672 §2.1, §2.2, §2.2.1, §2.2.2): the real resolver over the
 * scripted DNS of tests/scenario/fake_dns.c. Each case scripts one
 * domain's MX, address and TLSA answers, looks it up once, and checks the
 * result (MX status, every host's status and TLSA owner, the TTL), whether
 * it was memoised (a second lookup answered at once, without DNS) and which
 * lookups were made. Then the resolver's own behaviour: concurrent lookups
 * share the work, flush, tempfail never memoised.
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

#define T0 1700000000

static struct fake_dns_world W;
static struct dane_resolver *R; /* under test */

struct got {
	int                 n;
	struct dane_result *res; /* a reference */
};

static void
got_cb(void *arg, struct dane_result *res)
{
	struct got *g = arg;

	g->n++;
	dane_result_unref(g->res);
	g->res = dane_result_ref(res);
}

static void
run(void)
{
	fake_loop_run(W.base);
}

/* lookup - look domain up into g (released first); 1 when answered inside
 * dane_resolver_lookup (a memo hit). */
static int
lookup(const char *domain, struct got *g)
{
	dane_result_unref(g->res);
	memset(g, 0, sizeof(*g));
	dane_resolver_lookup(R, domain, got_cb, g);
	return (g->n == 1);
}

static void
got_clear(struct got *g)
{
	dane_result_unref(g->res);
	memset(g, 0, sizeof(*g));
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

/* ---- the table --------------------------------------------------------- */

static const char *const one_mx[]  = { "mx1.d.test", NULL };
static const char *const two_mx[]  = { "mx1.d.test", "mx2.d.test", NULL };
static const char *const null_mx[] = { "", NULL };

struct rcase {
	const char *name;
	void (*script)(void);
	enum dane_mx_status   mx;
	int                   mx_secure;
	int                   nhost;
	enum dane_host_status host[2];
	int                   ntlsa[2];
	const char           *tlsa_name[2]; /* "" : not looked up */
	uint32_t              ttl;          /* the result's */
	int                   memoised;
	unsigned              a_lookups;    /* of mx1.d.test */
	unsigned              tlsa_lookups; /* of _25._tcp.mx1.d.test */
	const char           *why;          /* in the result's why */
};

/* usable: MX 1200 s, addresses 900 s, TLSA 600 s: TTL 600 */
static void
w_usable(void)
{
	dd_mx("d.test", 1, 1200, one_mx);
	dd_addr("mx1.d.test", 1, 900, NULL);
	dd_tlsa("mx1.d.test", 1, 600, 3, 1, 1, 0xab);
}

/* the same with the TLSA TTL above dane.max_ttl: capped at 3600 */
static void
w_usable_long(void)
{
	dd_mx("d.test", 1, 86400, one_mx);
	dd_addr("mx1.d.test", 1, 86400, NULL);
	dd_tlsa("mx1.d.test", 1, 86400, 2, 0, 2, 0x11);
}

static void
w_mx_insecure(void)
{
	dd_mx("d.test", 0, 1200, one_mx);
}

static void
w_mx_bogus(void)
{
	dd_fail("d.test", DNS_T_MX, DNS_BOGUS, 0, 0, "signature expired");
}

static void
w_mx_servfail(void)
{
	dd_fail("d.test", DNS_T_MX, DNS_TEMPFAIL, 0, 0, NULL);
}

static void
w_null_mx(void)
{
	dd_mx("d.test", 1, 1200, null_mx);
}

static void
w_nxdomain(void)
{
	dd_fail("d.test", DNS_T_MX, DNS_NOTFOUND, 1, 120, "NXDOMAIN");
}

/* no MX RRset, securely: the domain is its own host (RFC 5321 §5.1) */
static void
w_implicit(void)
{
	dd_fail("d.test", DNS_T_MX, DNS_NOTFOUND, 1, 900, "no MX records");
	dd_addr("d.test", 1, 900, NULL);
	dd_tlsa("d.test", 1, 900, 3, 1, 1, 0x01);
}

static void
w_addr_insecure(void)
{
	dd_mx("d.test", 1, 1200, one_mx);
	dd_addr("mx1.d.test", 0, 900, NULL);
}

static void
w_addr_servfail(void)
{
	dd_mx("d.test", 1, 1200, one_mx);
	dd_fail("mx1.d.test", DNS_T_A, DNS_TEMPFAIL, 0, 0, NULL);
	dd_fail("mx1.d.test", DNS_T_AAAA, DNS_NOTFOUND, 1, 900,
	        "no AAAA records");
}

static void
w_tlsa_bogus(void)
{
	dd_mx("d.test", 1, 1200, one_mx);
	dd_addr("mx1.d.test", 1, 900, NULL);
	dd_fail(dd_tlsa_name("mx1.d.test"), DNS_T_TLSA, DNS_BOGUS, 0, 0, NULL);
}

static void
w_tlsa_servfail(void)
{
	dd_mx("d.test", 1, 1200, one_mx);
	dd_addr("mx1.d.test", 1, 900, NULL);
	dd_fail(dd_tlsa_name("mx1.d.test"), DNS_T_TLSA, DNS_TEMPFAIL, 0, 0,
	        NULL);
}

static void
w_tlsa_insecure(void)
{
	dd_mx("d.test", 1, 1200, one_mx);
	dd_addr("mx1.d.test", 1, 900, NULL);
	dd_tlsa("mx1.d.test", 0, 900, 3, 1, 1, 0xab);
}

static void
w_tlsa_none(void)
{
	dd_mx("d.test", 1, 1200, one_mx);
	dd_addr("mx1.d.test", 1, 900, NULL);
	dd_fail(dd_tlsa_name("mx1.d.test"), DNS_T_TLSA, DNS_NOTFOUND, 1, 60,
	        "NXDOMAIN");
}

/* PKIX-EE(1) only: secure but unusable (TLS mandatory, RFC 7672 §2.2) */
static void
w_tlsa_unusable(void)
{
	dd_mx("d.test", 1, 1200, one_mx);
	dd_addr("mx1.d.test", 1, 900, NULL);
	dd_tlsa("mx1.d.test", 1, 900, 1, 1, 1, 0xab);
}

/* mx1 is a CNAME to real.other.test: TLSA securely absent at the
 * expanded name, found at the original one (RFC 7672 §2.2.2) */
static void
w_cname(void)
{
	dd_mx("d.test", 1, 1200, one_mx);
	dd_addr("mx1.d.test", 1, 900, "real.other.test");
	dd_fail(dd_tlsa_name("real.other.test"), DNS_T_TLSA, DNS_NOTFOUND, 1,
	        3600, "no TLSA records");
	dd_tlsa("mx1.d.test", 1, 800, 3, 1, 1, 0xcd);
}

/* two hosts: one usable, one whose TLSA lookup fails */
static void
w_mixed(void)
{
	dd_mx("d.test", 1, 1200, two_mx);
	dd_addr("mx1.d.test", 1, 900, NULL);
	dd_tlsa("mx1.d.test", 1, 600, 3, 1, 1, 0xab);
	dd_addr("mx2.d.test", 1, 900, NULL);
	dd_fail(dd_tlsa_name("mx2.d.test"), DNS_T_TLSA, DNS_TEMPFAIL, 0, 0,
	        NULL);
}

/* two hosts, both decided: usable and securely without TLSA */
static void
w_two_ok(void)
{
	dd_mx("d.test", 1, 1200, two_mx);
	dd_addr("mx1.d.test", 1, 900, NULL);
	dd_tlsa("mx1.d.test", 1, 700, 3, 1, 1, 0xab);
	dd_addr("mx2.d.test", 1, 900, NULL);
	dd_fail(dd_tlsa_name("mx2.d.test"), DNS_T_TLSA, DNS_NOTFOUND, 1, 500,
	        "NXDOMAIN");
}

#define U DANE_HOST_USABLE
#define X DANE_HOST_UNUSABLE
#define N DANE_HOST_NONE
#define F DANE_HOST_TEMPFAIL

static const struct rcase rcases[] = {
	{ "usable", w_usable, DANE_MX_SECURE, 1, 1, { U }, { 1 },
	        { "_25._tcp.mx1.d.test" }, 600, 1, 1, 1, NULL },
	{ "usable, TTL capped by dane.max_ttl", w_usable_long, DANE_MX_SECURE,
	        1, 1, { U }, { 1 }, { "_25._tcp.mx1.d.test" }, 3600, 1, 1, 1,
	        NULL },
	/* insecure MX: no per-host lookups; no secure TLSA anywhere, so the
	 * TTL is bounded by dane.negative_ttl */
	{ "MX insecure", w_mx_insecure, DANE_MX_INSECURE, 0, 1, { N }, { 0 },
	        { "" }, 300, 1, 0, 0, NULL },
	{ "MX bogus", w_mx_bogus, DANE_MX_TEMPFAIL, 0, 0, { 0 }, { 0 }, { "" },
	        0, 0, 0, 0, "signature expired" },
	{ "MX SERVFAIL", w_mx_servfail, DANE_MX_TEMPFAIL, 0, 0, { 0 }, { 0 },
	        { "" }, 0, 0, 0, 0, "SERVFAIL" },
	{ "null MX", w_null_mx, DANE_MX_NULL, 1, 0, { 0 }, { 0 }, { "" }, 300,
	        1, 0, 0, NULL },
	/* negative answer: its TTL (120 s) under dane.negative_ttl */
	{ "NXDOMAIN", w_nxdomain, DANE_MX_NODOMAIN, 1, 0, { 0 }, { 0 }, { "" },
	        120, 1, 0, 0, NULL },
	{ "implicit MX", w_implicit, DANE_MX_IMPLICIT, 1, 1, { U }, { 1 },
	        { "_25._tcp.d.test" }, 300, 1, 0, 0, NULL },
	{ "addresses insecure", w_addr_insecure, DANE_MX_SECURE, 1, 1, { N },
	        { 0 }, { "" }, 300, 1, 1, 0, NULL },
	{ "A SERVFAIL", w_addr_servfail, DANE_MX_SECURE, 1, 1, { F }, { 0 },
	        { "" }, 0, 0, 1, 0, NULL },
	{ "TLSA bogus", w_tlsa_bogus, DANE_MX_SECURE, 1, 1, { F }, { 0 },
	        { "_25._tcp.mx1.d.test" }, 0, 0, 1, 1, NULL },
	{ "TLSA SERVFAIL", w_tlsa_servfail, DANE_MX_SECURE, 1, 1, { F }, { 0 },
	        { "_25._tcp.mx1.d.test" }, 0, 0, 1, 1, NULL },
	{ "TLSA insecure", w_tlsa_insecure, DANE_MX_SECURE, 1, 1, { N }, { 0 },
	        { "_25._tcp.mx1.d.test" }, 300, 1, 1, 1, NULL },
	/* securely no TLSA: TTL of the denial (60 s) */
	{ "TLSA securely absent", w_tlsa_none, DANE_MX_SECURE, 1, 1, { N },
	        { 0 }, { "_25._tcp.mx1.d.test" }, 60, 1, 1, 1, NULL },
	{ "TLSA unusable", w_tlsa_unusable, DANE_MX_SECURE, 1, 1, { X }, { 0 },
	        { "_25._tcp.mx1.d.test" }, 900, 1, 1, 1, NULL },
	/* negative answer at the expanded name counts with
	 * dane.negative_ttl (300 s) */
	{ "CNAME: TLSA at the original name", w_cname, DANE_MX_SECURE, 1, 1,
	        { U }, { 1 }, { "_25._tcp.mx1.d.test" }, 300, 1, 1, 1, NULL },
	{ "two hosts, one TLSA SERVFAIL", w_mixed, DANE_MX_SECURE, 1, 2,
	        { U, F }, { 1, 0 },
	        { "_25._tcp.mx1.d.test", "_25._tcp.mx2.d.test" }, 0, 0, 1, 1,
	        NULL },
	/* the least TTL: mx1's TLSA 700 s, mx2's denial 500 s counted as at
	 * most dane.negative_ttl (300 s) */
	{ "two hosts decided", w_two_ok, DANE_MX_SECURE, 1, 2, { U, N },
	        { 1, 0 }, { "_25._tcp.mx1.d.test", "_25._tcp.mx2.d.test" },
	        300, 1, 1, 1, NULL },
};

static void
table(void **state)
{
	size_t i;
	int    h;

	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++) {
		const struct rcase *c = &rcases[i];
		struct got          g = { 0 }, g2 = { 0 };
		char                buf[DANE_RESULT_WHY_MAX];
		char                tn[DANE_TLSA_NAME_MAX];

		teardown(state);
		setup(state);
		print_message("case %s\n", c->name);
		c->script();
		assert_false(lookup("d.test", &g));
		run();
		assert_int_equal(g.n, 1);
		assert_non_null(g.res);
		assert_string_equal(dane_mx_status_name(g.res->mx_status),
		        dane_mx_status_name(c->mx));
		assert_int_equal(g.res->mx_secure, c->mx_secure);
		assert_int_equal(g.res->nhost, c->nhost);
		for (h = 0; h < c->nhost; h++) {
			const struct dane_host *dh = &g.res->hosts[h];

			assert_string_equal(dane_host_status_name(dh->status),
			        dane_host_status_name(c->host[h]));
			assert_int_equal(dh->ntlsa, c->ntlsa[h]);
			assert_string_equal(
			        dane_host_tlsa_name(dh, tn, sizeof(tn)),
			        c->tlsa_name[h]);
		}
		assert_int_equal(g.res->ttl, c->ttl);
		if (c->why != NULL
		        && strstr(dane_result_why(g.res, buf, sizeof(buf)),
		                   c->why)
		                == NULL)
			fail_msg("%s: why '%s' lacks '%s'", c->name, buf,
			        c->why);
		assert_int_equal(
		        fake_dns_count("mx1.d.test", DNS_T_A), c->a_lookups);
		assert_int_equal(
		        fake_dns_count(dd_tlsa_name("mx1.d.test"), DNS_T_TLSA),
		        c->tlsa_lookups);
		assert_int_equal(fake_dns_count("d.test", DNS_T_MX), 1);
		if (c->memoised) {
			assert_int_equal(g.res->expires,
			        time32_pack(T0 + (int64_t)c->ttl));
			assert_true(lookup("d.test", &g2));
			assert_ptr_equal(g2.res, g.res);
			assert_int_equal(W.stats.dane_hits, 1);
		} else {
			assert_int_equal(g.res->expires, 0);
			assert_false(lookup("d.test", &g2));
			run();
			assert_int_equal(g2.n, 1);
			assert_int_equal(
			        fake_dns_count("d.test", DNS_T_MX), 2);
			assert_int_equal(W.stats.dane_hits, 0);
		}
		assert_int_equal(fake_dns_live(), 0);
		got_clear(&g);
		got_clear(&g2);
	}
}

/* the usable host's TLSA record as the resolver copied it */
static void
tlsa_copied(void **state)
{
	struct got g = { 0 };
	size_t     i;

	(void)state;
	w_usable();
	lookup("d.test", &g);
	run();
	assert_int_equal(g.res->hosts[0].ntlsa, 1);
	assert_int_equal(g.res->hosts[0].tlsa[0].usage, 3);
	assert_int_equal(g.res->hosts[0].tlsa[0].selector, 1);
	assert_int_equal(g.res->hosts[0].tlsa[0].mtype, 1);
	assert_int_equal(g.res->hosts[0].tlsa[0].len, 32);
	for (i = 0; i < 32; i++)
		assert_int_equal(g.res->hosts[0].tlsa[0].data[i], 0xab);
	assert_int_equal(g.res->hosts[0].pref, 10);
	assert_int_equal(g.res->hosts[0].naddr, 2);
	got_clear(&g);
}

/* concurrent lookups of one domain share one set of DNS lookups; every
 * waiter gets the same result once */
static void
coalesced(void **state)
{
	struct got g[20];
	int        i;

	(void)state;
	memset(g, 0, sizeof(g));
	w_usable();
	fake_dns_hold(dd_tlsa_name("mx1.d.test"), DNS_T_TLSA, 1);
	for (i = 0; i < 10; i++)
		assert_false(lookup("d.test", &g[i]));
	run();
	for (i = 10; i < 20; i++)
		assert_false(lookup("d.test", &g[i]));
	run();
	for (i = 0; i < 20; i++)
		assert_int_equal(g[i].n, 0);
	assert_int_equal(fake_dns_count("d.test", DNS_T_MX), 1);
	assert_int_equal(fake_dns_count("mx1.d.test", DNS_T_A), 1);
	assert_int_equal(fake_dns_count("mx1.d.test", DNS_T_AAAA), 1);
	assert_int_equal(
	        fake_dns_release(dd_tlsa_name("mx1.d.test"), DNS_T_TLSA), 1);
	run();
	for (i = 0; i < 20; i++) {
		assert_int_equal(g[i].n, 1);
		assert_ptr_equal(g[i].res, g[19].res);
		got_clear(&g[i]);
	}
	assert_int_equal(W.stats.dane_lookups, 1);
}

/* flush: a memoised domain is looked up again; a flush while the work is
 * in flight keeps the waiters but does not memoise the result */
static void
flush(void **state)
{
	struct got g = { 0 };

	(void)state;
	w_usable();
	lookup("d.test", &g);
	run();
	assert_true(lookup("d.test", &g));
	dane_resolver_flush(R, "d.test");
	assert_false(lookup("d.test", &g));
	run();
	assert_int_equal(g.n, 1);
	assert_int_equal(fake_dns_count("d.test", DNS_T_MX), 2);

	/* flush all while in flight */
	fake_dns_hold("d.test", DNS_T_MX, 1);
	dane_resolver_flush(R, NULL);
	assert_false(lookup("d.test", &g));
	run();
	dane_resolver_flush(R, NULL);
	fake_dns_release("d.test", DNS_T_MX);
	run();
	assert_int_equal(g.n, 1);
	assert_string_equal(
	        dane_host_status_name(g.res->hosts[0].status), "usable");
	assert_false(lookup("d.test", &g)); /* not memoised */
	run();
	assert_int_equal(g.n, 1);
	assert_int_equal(fake_dns_count("d.test", DNS_T_MX), 4);
	assert_true(lookup("d.test", &g)); /* this one was */
	got_clear(&g);
}

/* a memo hit is answered inside dane_resolver_lookup; the memo ends at
 * exactly expires (now < expires) */
static void
memo_edge(void **state)
{
	struct got g = { 0 };

	(void)state;
	w_usable(); /* TTL 600 */
	lookup("d.test", &g);
	run();
	clock_advance(599);
	assert_true(lookup("d.test", &g));
	clock_advance(1);
	assert_false(lookup("d.test", &g));
	run();
	assert_int_equal(g.n, 1);
	assert_int_equal(fake_dns_count("d.test", DNS_T_MX), 2);
	got_clear(&g);
}

/*
 * A memo of 2 records, both with work in flight: a third domain cannot be
 * looked up now and gets a tempfail (on the next loop turn, not inside
 * the call); once the work is done, an idle record is evicted for it.
 */
static void
memo_full(void **state)
{
	struct got a = { 0 }, b = { 0 }, c = { 0 };

	(void)state;
	dane_resolver_free(R);
	memo_free(W.memo);
	W.memo = memo_create(2);
	R = dane_resolver_create(W.base, &W.conf, W.dns, &W.stats, W.memo);
	dd_mx("a.test", 0, 600, one_mx);
	dd_mx("b.test", 0, 600, one_mx);
	dd_mx("c.test", 0, 600, one_mx);
	fake_dns_hold("a.test", DNS_T_MX, 1);
	fake_dns_hold("b.test", DNS_T_MX, 1);
	assert_false(lookup("a.test", &a));
	assert_false(lookup("b.test", &b));
	assert_false(lookup("c.test", &c));
	assert_int_equal(c.n, 0);
	run();
	assert_int_equal(c.n, 1);
	assert_string_equal(dane_mx_status_name(c.res->mx_status), "tempfail");
	assert_int_equal(c.res->expires, 0);
	assert_int_equal(fake_dns_count("c.test", DNS_T_MX), 0);
	fake_dns_release("a.test", DNS_T_MX);
	fake_dns_release("b.test", DNS_T_MX);
	run();
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_false(lookup("c.test", &c));
	run();
	assert_string_equal(dane_mx_status_name(c.res->mx_status), "insecure");
	assert_int_equal(fake_dns_count("c.test", DNS_T_MX), 1);
	got_clear(&a);
	got_clear(&b);
	got_clear(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(table, setup, teardown),
		cmocka_unit_test_setup_teardown(tlsa_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(coalesced, setup, teardown),
		cmocka_unit_test_setup_teardown(flush, setup, teardown),
		cmocka_unit_test_setup_teardown(memo_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(memo_full, setup, teardown),
	};

	log_init("test_dane_resolver", 1, 0);
	log_set_level(LOG_LVL_WARN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
