/*
 * test_tlsrpt_lookup.c - table-driven tests of cached/tlsrpt/tlsrpt_lookup.c
 * (RFC 8460 §3): the real lookup over the scripted DNS of
 * tests/scenario/fake_dns.c on the fake clock. Each case scripts the
 * _smtp._tls TXT answer, looks the domain up, and checks the status
 * (found / none / tempfail kept apart), the rua URIs, the reason, until
 * when the answer is memoised, and that the memo is used until exactly
 * then (a tempfail never). Then: concurrent lookups share one query, flush.
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

#include "fake_dns.h"
#include "fake_dns_world.h"
#include "fake_loop.h"
#include "log.h"
#include "tlsrpt/tlsrpt_lookup.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/memo.h"
#include "util/stats.h"

#define T0   1700000000
#define NAME "_smtp._tls.r.test"

static struct fake_dns_world W;
static struct tlsrpt_lookup *T; /* under test */

struct got {
	int                       n;
	enum tlsrpt_lookup_status status;
	size_t                    nrua;
	char                      rua0[256];
	int64_t                   expires;
	char                      why[256];
};

static void
got_cb(void *arg, const struct tlsrpt_answer *a)
{
	struct got *g = arg;

	g->n++;
	g->status  = a->status;
	g->expires = a->expires;
	g->nrua    = a->rec != NULL ? a->rec->nrua : 0;
	snprintf(g->rua0, sizeof(g->rua0), "%s",
	        a->rec != NULL && a->rec->nrua > 0 ? a->rec->rua[0] : "");
	snprintf(g->why, sizeof(g->why), "%s", a->why);
	if (a->status != TLSRPT_LOOKUP_FOUND && a->rec != NULL)
		fail_msg("a record with status %d", a->status);
}

static void
run(void)
{
	fake_loop_run(W.base);
}

static int
lookup(const char *domain, struct got *g)
{
	memset(g, 0, sizeof(*g));
	tlsrpt_lookup_start(T, domain, got_cb, g);
	return (g->n == 1);
}

static int
setup(void **state)
{
	(void)state;
	fake_dns_world_open(&W, T0);
	W.conf.tlsrpt_max_ttl = 3600;
	T = tlsrpt_lookup_create(W.base, &W.conf, W.dns, &W.stats, W.memo);
	assert_non_null(T);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	tlsrpt_lookup_free(T);
	fake_dns_world_close(&W);
	return (0);
}

/* txts - script NAME with the TXT records (NULL-terminated) and ttl. */
static void
txts(uint32_t ttl, const char *const *texts)
{
	struct dns_rr rr[8];
	size_t        n;

	memset(rr, 0, sizeof(rr));
	for (n = 0; texts[n] != NULL; n++) {
		rr[n].type       = DNS_T_TXT;
		rr[n].ttl        = ttl;
		rr[n].u.txt.text = (char *)texts[n];
		rr[n].u.txt.len  = strlen(texts[n]);
	}
	fake_dns_set_rrs(
	        NAME, DNS_T_TXT, DNS_FOUND, 1, ttl, rr, n, NULL, NULL);
}

struct lcase {
	const char     *name;
	enum dns_status dns;     /* the TXT answer */
	uint32_t        ttl;     /* its TTL (or negative TTL) */
	const char     *dns_why; /* NOTFOUND / TEMPFAIL / BOGUS reason */
	const char     *txt[3];  /* DNS_FOUND: the records */
	enum tlsrpt_lookup_status want;
	size_t                    nrua;
	const char               *rua0;
	const char               *why;  /* substring */
	int64_t                   memo; /* seconds memoised; 0: never */
};

static const struct lcase lcases[] = {
	{ "one record", DNS_FOUND, 600, NULL,
	        { "v=TLSRPTv1; rua=mailto:tlsrpt@r.test", NULL },
	        TLSRPT_LOOKUP_FOUND, 1, "mailto:tlsrpt@r.test",
	        "record with 1 usable rua URIs", 600 },
	{ "two URIs, TTL above tlsrpt.max_ttl", DNS_FOUND, 86400, NULL,
	        { "v=TLSRPTv1;rua=mailto:a@r.test,https://r.test/rpt", NULL },
	        TLSRPT_LOOKUP_FOUND, 2, "mailto:a@r.test", "2 usable", 3600 },
	{ "one TLSRPT record among others", DNS_FOUND, 300, NULL,
	        { "v=spf1 -all", "v=TLSRPTv1; rua=mailto:x@r.test", NULL },
	        TLSRPT_LOOKUP_FOUND, 1, "mailto:x@r.test", "1 usable", 300 },
	{ "NXDOMAIN", DNS_NOTFOUND, 120, "NXDOMAIN", { NULL },
	        TLSRPT_LOOKUP_NONE, 0, "",
	        "no _smtp._tls TXT record (NXDOMAIN)", 120 },
	{ "NODATA", DNS_NOTFOUND, 90, "no TXT records", { NULL },
	        TLSRPT_LOOKUP_NONE, 0, "",
	        "no _smtp._tls TXT record (no TXT records)", 90 },
	{ "other negative reason", DNS_NOTFOUND, 100, "odd", { NULL },
	        TLSRPT_LOOKUP_NONE, 0, "", "no _smtp._tls TXT record (odd)",
	        100 },
	{ "not a TLSRPT record", DNS_FOUND, 300, NULL, { "v=spf1 -all", NULL },
	        TLSRPT_LOOKUP_NONE, 0, "", "no v=TLSRPTv1 record", 300 },
	{ "invalid record", DNS_FOUND, 300, NULL,
	        { "v=TLSRPTv1; rua=ftp://r.test/x", NULL }, TLSRPT_LOOKUP_NONE,
	        0, "", "invalid _smtp._tls record", 300 },
	{ "two TLSRPT records", DNS_FOUND, 300, NULL,
	        { "v=TLSRPTv1; rua=mailto:a@r.test",
	                "v=TLSRPTv1; rua=mailto:b@r.test", NULL },
	        TLSRPT_LOOKUP_NONE, 0, "", "invalid _smtp._tls record", 300 },
	{ "SERVFAIL", DNS_TEMPFAIL, 0, "SERVFAIL (fake)", { NULL },
	        TLSRPT_LOOKUP_TEMPFAIL, 0, "",
	        "_smtp._tls.r.test TXT: SERVFAIL", 0 },
	{ "bogus", DNS_BOGUS, 0, "signature expired", { NULL },
	        TLSRPT_LOOKUP_TEMPFAIL, 0, "",
	        "DNSSEC validation failed: signature expired", 0 },
};

static void
table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(lcases) / sizeof(lcases[0]); i++) {
		const struct lcase *c = &lcases[i];
		struct got          g;

		teardown(state);
		setup(state);
		print_message("case %s\n", c->name);
		if (c->dns == DNS_FOUND)
			txts(c->ttl, c->txt);
		else
			fake_dns_set_rrs(NAME, DNS_T_TXT, c->dns, 1, c->ttl,
			        NULL, 0, NULL, c->dns_why);
		assert_false(lookup("r.test", &g));
		run();
		assert_int_equal(g.n, 1);
		assert_string_equal(tlsrpt_lookup_status_name(g.status),
		        tlsrpt_lookup_status_name(c->want));
		assert_int_equal(g.nrua, c->nrua);
		assert_string_equal(g.rua0, c->rua0);
		if (strstr(g.why, c->why) == NULL)
			fail_msg("%s: why '%s' lacks '%s'", c->name, g.why,
			        c->why);
		assert_int_equal(fake_dns_count(NAME, DNS_T_TXT), 1);
		if (c->memo > 0) {
			struct got h;

			assert_int_equal(g.expires, T0 + c->memo);
			clock_advance(c->memo - 1);
			assert_true(lookup("r.test", &h));
			assert_string_equal(
			        tlsrpt_lookup_status_name(h.status),
			        tlsrpt_lookup_status_name(c->want));
			assert_string_equal(h.why, g.why);
			assert_string_equal(h.rua0, g.rua0);
			assert_int_equal(h.expires, g.expires);
			assert_int_equal(W.stats.tlsrpt_hits, 1);
			clock_advance(1);
			assert_false(lookup("r.test", &h));
			run();
			assert_int_equal(h.n, 1);
			assert_int_equal(fake_dns_count(NAME, DNS_T_TXT), 2);
		} else {
			struct got h;

			assert_int_equal(g.expires, 0);
			assert_false(lookup("r.test", &h));
			run();
			assert_int_equal(h.n, 1);
			assert_string_equal(
			        tlsrpt_lookup_status_name(h.status),
			        "tempfail");
			assert_int_equal(fake_dns_count(NAME, DNS_T_TXT), 2);
			assert_int_equal(W.stats.tlsrpt_hits, 0);
		}
	}
}

/* a tempfail then a record: the record is memoised (the tempfail left no
 * trace) */
static void
tempfail_then_found(void **state)
{
	struct got g;

	(void)state;
	fake_dns_set_rrs(
	        NAME, DNS_T_TXT, DNS_TEMPFAIL, 0, 0, NULL, 0, NULL, NULL);
	lookup("r.test", &g);
	run();
	assert_int_equal(g.status, TLSRPT_LOOKUP_TEMPFAIL);
	txts(600,
	        (const char *const[]) {
	                "v=TLSRPTv1; rua=mailto:a@r.test", NULL });
	assert_false(lookup("r.test", &g));
	run();
	assert_int_equal(g.status, TLSRPT_LOOKUP_FOUND);
	assert_true(lookup("r.test", &g));
	assert_int_equal(g.status, TLSRPT_LOOKUP_FOUND);
	assert_int_equal(W.stats.tlsrpt_lookups, 2);
}

/* concurrent lookups share one DNS query */
static void
coalesced(void **state)
{
	struct got g[10];
	int        i;

	(void)state;
	txts(600,
	        (const char *const[]) {
	                "v=TLSRPTv1; rua=mailto:a@r.test", NULL });
	fake_dns_hold(NAME, DNS_T_TXT, 1);
	for (i = 0; i < 10; i++)
		assert_false(lookup("r.test", &g[i]));
	run();
	assert_int_equal(fake_dns_count(NAME, DNS_T_TXT), 1);
	assert_int_equal(fake_dns_release(NAME, DNS_T_TXT), 1);
	run();
	for (i = 0; i < 10; i++) {
		assert_int_equal(g[i].n, 1);
		assert_int_equal(g[i].status, TLSRPT_LOOKUP_FOUND);
		assert_string_equal(g[i].rua0, "mailto:a@r.test");
	}
	assert_int_equal(W.stats.tlsrpt_lookups, 1);
}

/* flush of one domain and of all: looked up again */
static void
flush(void **state)
{
	struct got g;

	(void)state;
	txts(600,
	        (const char *const[]) {
	                "v=TLSRPTv1; rua=mailto:a@r.test", NULL });
	lookup("r.test", &g);
	lookup("s.test", &g);
	run();
	assert_true(lookup("r.test", &g));
	assert_true(lookup("s.test", &g));
	tlsrpt_lookup_flush(T, "r.test");
	assert_false(lookup("r.test", &g));
	assert_true(lookup("s.test", &g));
	run();
	tlsrpt_lookup_flush(T, NULL);
	assert_false(lookup("r.test", &g));
	assert_false(lookup("s.test", &g));
	run();
	assert_int_equal(fake_dns_count(NAME, DNS_T_TXT), 3);
	assert_int_equal(fake_dns_count("_smtp._tls.s.test", DNS_T_TXT), 2);
}

/* a flush while the lookup is out (one domain, then all): its answer goes
 * to the waiters but is not memoised, since it was asked before the flush
 * (the DANE resolver's rule; it was memoised until entry_reset marked the
 * work flushed) */
static void
flush_during_lookup(void **state)
{
	struct got g;
	int        all;

	(void)state;
	txts(600,
	        (const char *const[]) {
	                "v=TLSRPTv1; rua=mailto:a@r.test", NULL });
	for (all = 0; all <= 1; all++) {
		tlsrpt_lookup_flush(T, "r.test"); /* idle: dropped */
		fake_dns_hold(NAME, DNS_T_TXT, 1);
		assert_false(lookup("r.test", &g));
		run();
		tlsrpt_lookup_flush(T, all ? NULL : "r.test");
		assert_int_equal(fake_dns_release(NAME, DNS_T_TXT), 1);
		run();
		assert_int_equal(g.n, 1);
		assert_int_equal(g.status, TLSRPT_LOOKUP_FOUND);
		assert_false(lookup("r.test", &g)); /* asked again */
		run();
		assert_int_equal(g.status, TLSRPT_LOOKUP_FOUND);
		assert_true(lookup("r.test", &g)); /* now memoised */
	}
	assert_int_equal(fake_dns_count(NAME, DNS_T_TXT), 4);
}

/* a memo of 2 records, both with a lookup in flight: a third domain gets
 * a tempfail ("cache full"), never memoised; once the lookups are
 * done, an idle record is evicted for it */
static void
memo_full(void **state)
{
	struct got a, b, c;

	(void)state;
	tlsrpt_lookup_free(T);
	memo_free(W.memo);
	W.memo = memo_create(2);
	T = tlsrpt_lookup_create(W.base, &W.conf, W.dns, &W.stats, W.memo);
	fake_dns_hold("_smtp._tls.a.test", DNS_T_TXT, 1);
	fake_dns_hold("_smtp._tls.b.test", DNS_T_TXT, 1);
	assert_false(lookup("a.test", &a));
	assert_false(lookup("b.test", &b));
	lookup("c.test", &c); /* answered inside the call today (the header
	                         promises "later" for anything but a memo
	                         hit): not asserted either way */
	run();
	assert_int_equal(c.n, 1);
	assert_int_equal(c.status, TLSRPT_LOOKUP_TEMPFAIL);
	assert_string_equal(c.why, "cache full");
	assert_int_equal(c.expires, 0);
	fake_dns_release("_smtp._tls.a.test", DNS_T_TXT);
	fake_dns_release("_smtp._tls.b.test", DNS_T_TXT);
	run();
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_false(lookup("c.test", &c));
	run();
	assert_int_equal(c.status, TLSRPT_LOOKUP_NONE);
	assert_int_equal(fake_dns_count("_smtp._tls.c.test", DNS_T_TXT), 1);
}

/*
 * A record with TTL 0 is not reused (docs/DECISIONS.md R4: "reused for its
 * TTL (at most tlsrpt.max_ttl)"); it was reused for the whole
 * tlsrpt.max_ttl (1 h) until tlsrpt_done took TTL 0 as "do not keep", as
 * the DANE resolver does.
 */
static void
ttl_zero_not_reused(void **state)
{
	struct got g;

	(void)state;
	txts(0,
	        (const char *const[]) {
	                "v=TLSRPTv1; rua=mailto:a@r.test", NULL });
	lookup("r.test", &g);
	run();
	assert_int_equal(g.status, TLSRPT_LOOKUP_FOUND);
	assert_false(lookup("r.test", &g));
	run();
	assert_int_equal(fake_dns_count(NAME, DNS_T_TXT), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(table, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        tempfail_then_found, setup, teardown),
		cmocka_unit_test_setup_teardown(coalesced, setup, teardown),
		cmocka_unit_test_setup_teardown(flush, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        flush_during_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(memo_full, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        ttl_zero_not_reused, setup, teardown),
	};

	log_init("test_tlsrpt_lookup", 1, 0);
	log_set_level(LOG_LVL_WARN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
