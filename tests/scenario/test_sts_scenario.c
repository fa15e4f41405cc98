/*
 * test_sts_scenario.c - the MTA-STS cache life cycle (docs/DECISIONS.md
 * C1-C7; RFC 8461 §3.3, §5.1) as scenarios on a fake clock: the real
 * cached/sts/sts_resolver.c (with the real cache, policy and record parsers
 * and SQLite store) over the scripted DNS and HTTPS of fake_dns.c and
 * fake_fetch.c, the wall clock set and advanced through cached/util/clock.h.
 *
 * Each scenario scripts the world, makes lookups, advances the clock, runs
 * the event loop until nothing is ready, and checks the answers (status,
 * has_policy, source, mode, id) and how many TXT lookups and fetches were
 * made.
 *
 * Time: the resolver's lifetimes (expiry, recheck, refresh, negative
 * caching) use clock_now(), so the fake clock drives them. Its one libevent
 * timer, the first-contact deadline (sts.first_contact_wait), runs on
 * libevent's monotonic clock, which the fake clock cannot move: that
 * scenario sets the wait to 50 ms and runs the loop for 300 ms of real
 * time. Every other scenario sets the wait to 30 s and never blocks, so the
 * deadline cannot fire in them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "fake_dns.h"
#include "fake_fetch.h"
#include "fake_loop.h"
#include "fake_sts_world.h"
#include "log.h"
#include "store/store.h"
#include "sts/sts_resolver.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/memo.h"
#include "util/stats.h"

#define T0 1700000000 /* 2023-11-14T22:13:20Z */

/* one answer as the callback saw it */
struct got {
	int                    n; /* callbacks (must end up 1) */
	enum sts_answer_status status;
	int                    has_policy;
	enum sts_source        source;
	enum sts_mode          mode;
	char                   id[64];
	int64_t                fetched;
	int64_t                expires;
	char                   why[512];
};

static struct fake_sts_world W;

/* ---- harness ---------------------------------------------------------- */

static void
got_cb(void *arg, const struct sts_answer *a)
{
	struct got *g = arg;

	g->n++;
	g->status     = a->status;
	g->has_policy = a->has_policy;
	g->source     = a->source;
	g->mode       = a->has_policy ? a->policy->mode : STS_MODE_NONE;
	snprintf(g->id, sizeof(g->id), "%s",
	        a->has_policy && a->id != NULL ? a->id : "");
	g->fetched = a->fetched;
	g->expires = a->expires;
	snprintf(g->why, sizeof(g->why), "%s", a->why);
}

/* lookup - start a lookup into g; returns 1 when it was answered at once
 * (inside sts_resolver_lookup, i.e. without waiting for any work). */
static int
lookup(const char *domain, struct got *g)
{
	memset(g, 0, sizeof(*g));
	sts_resolver_lookup(W.r, domain, got_cb, g);
	return (g->n == 1);
}

/* run - run the loop until no callback is ready (fake answers that are
 * not held are ready at once); never waits for a timer. */
static void
run(void)
{
	fake_loop_run(W.base);
}

/* run_real - run the loop for ms milliseconds of real time. */
static void
run_real(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(W.base, &tv);
	event_base_dispatch(W.base);
}

/* policy_text - an STSv1 policy (static buffer). */
static const char *
policy_text(const char *mode, unsigned max_age, const char *domain)
{
	static char buf[512];

	if (strcmp(mode, "none") == 0)
		snprintf(buf, sizeof(buf),
		        "version: STSv1\r\nmode: none\r\nmax_age: %u\r\n",
		        max_age);
	else
		snprintf(buf, sizeof(buf),
		        "version: STSv1\r\nmode: %s\r\nmx: mx1.%s\r\n"
		        "mx: *.%s\r\nmax_age: %u\r\n",
		        mode, domain, domain, max_age);
	return (buf);
}

/* site - script a domain with an MTA-STS policy: _mta-sts TXT with id, the
 * policy host's address, the policy. */
static void
site(const char *domain, const char *id, const char *mode, unsigned max_age)
{
	char name[300], txt[128];

	snprintf(name, sizeof(name), "_mta-sts.%s", domain);
	snprintf(txt, sizeof(txt), "v=STSv1; id=%s;", id);
	fake_dns_set(name, DNS_T_TXT, DNS_FOUND, 300, txt);
	snprintf(name, sizeof(name), "mta-sts.%s", domain);
	fake_dns_set(name, DNS_T_A, DNS_FOUND, 300, "127.0.0.1");
	fake_fetch_set(
	        domain, STS_FETCH_OK, 200, policy_text(mode, max_age, domain));
}

/* txt_name - "_mta-sts.<domain>" (static buffer). */
static const char *
txt_name(const char *domain)
{
	static char name[300];

	snprintf(name, sizeof(name), "_mta-sts.%s", domain);
	return (name);
}

static unsigned
txts(const char *domain)
{
	return (fake_dns_count(txt_name(domain), DNS_T_TXT));
}

/* expect_policy - g is one OK answer with a policy of that mode and id. */
static void
expect_policy(const struct got *g, enum sts_source source, enum sts_mode mode,
        const char *id)
{
	assert_int_equal(g->n, 1);
	assert_int_equal(g->status, STS_ANSWER_OK);
	assert_int_equal(g->has_policy, 1);
	assert_string_equal(
	        sts_source_name(g->source), sts_source_name(source));
	assert_int_equal(g->mode, mode);
	assert_string_equal(g->id, id);
}

/* expect_none - g is one OK answer without a policy. */
static void
expect_none(const struct got *g, enum sts_source source, const char *why)
{
	assert_int_equal(g->n, 1);
	assert_int_equal(g->status, STS_ANSWER_OK);
	assert_int_equal(g->has_policy, 0);
	assert_string_equal(
	        sts_source_name(g->source), sts_source_name(source));
	if (strstr(g->why, why) == NULL)
		fail_msg("why '%s' does not contain '%s'", g->why, why);
}

/* expect_tempfail - g is one tempfail answer. */
static void
expect_tempfail(const struct got *g, const char *why)
{
	assert_int_equal(g->n, 1);
	assert_int_equal(g->status, STS_ANSWER_TEMPFAIL);
	assert_int_equal(g->has_policy, 0);
	if (strstr(g->why, why) == NULL)
		fail_msg("why '%s' does not contain '%s'", g->why, why);
}

static int
setup(void **state)
{
	(void)state;
	fake_sts_world_init(&W, T0, "/tmp/mxtls-scenario");
	W.conf.fetch_allow_private = 1; /* the fake policy hosts: 127.0.0.1 */
	W.conf.sts_first_contact_wait = 30;
	W.conf.sts_recheck_interval   = 3600;
	W.conf.sts_refresh_before     = 86400;
	W.conf.sts_expired_policy     = CONF_EXPIRED_NONE;
	W.conf.cache_negative_ttl     = 3600;
	W.conf.cache_failure_ttl      = 300;
	fake_sts_world_open(&W);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	fake_sts_world_close(&W);
	fake_sts_world_end(&W);
	return (0);
}

/* ---- scenarios -------------------------------------------------------- */

/*
 * C6: 100 simultaneous first-contact lookups share one TXT lookup, one
 * address lookup and one fetch; 50 more made while the fetch is in flight
 * join it. All 150 get the fetched policy; the next is a cache hit.
 */
static void
coalesced(void **state)
{
	static struct got g[150];
	struct got        one;
	int               i;

	(void)state;
	site("many.test", "c1", "enforce", 86400);
	fake_dns_hold(txt_name("many.test"), DNS_T_TXT, 1);
	fake_fetch_hold("many.test", 1);
	for (i = 0; i < 100; i++)
		assert_false(lookup("many.test", &g[i]));
	run();
	assert_int_equal(txts("many.test"), 1);
	assert_int_equal(fake_dns_total(), 1);
	for (i = 0; i < 100; i++)
		assert_int_equal(g[i].n, 0);

	assert_int_equal(
	        fake_dns_release(txt_name("many.test"), DNS_T_TXT), 1);
	run();
	assert_int_equal(fake_dns_count("mta-sts.many.test", DNS_T_A), 1);
	assert_int_equal(fake_dns_count("mta-sts.many.test", DNS_T_AAAA), 1);
	assert_int_equal(fake_fetch_count("many.test"), 1);
	for (i = 100; i < 150; i++)
		assert_false(lookup("many.test", &g[i]));
	run();
	assert_int_equal(txts("many.test"), 1);
	assert_int_equal(fake_fetch_count("many.test"), 1);
	for (i = 0; i < 150; i++)
		assert_int_equal(g[i].n, 0);

	assert_int_equal(fake_fetch_release("many.test"), 1);
	run();
	for (i = 0; i < 150; i++)
		expect_policy(
		        &g[i], STS_SOURCE_FETCHED, STS_MODE_ENFORCE, "c1");
	assert_int_equal(W.stats.cache_misses, 150);
	assert_int_equal(W.stats.txt_lookups, 1);
	assert_int_equal(W.stats.fetch_ok, 1);

	assert_true(lookup("many.test", &one));
	expect_policy(&one, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "c1");
	run();
	assert_int_equal(fake_dns_total(), 3);
	assert_int_equal(fake_fetch_count("many.test"), 1);
}

/*
 * C2: the TXT id is rechecked in the background once sts.recheck_interval
 * has passed: the lookup that notices is answered at once from the cache,
 * a changed id is fetched, and the next lookup has the new policy. An
 * unchanged id costs a TXT lookup and no fetch.
 */
static void
id_change_background(void **state)
{
	struct got g, h;

	(void)state;
	site("idc.test", "v1", "enforce", 86400);
	assert_false(lookup("idc.test", &g));
	run();
	expect_policy(&g, STS_SOURCE_FETCHED, STS_MODE_ENFORCE, "v1");
	assert_int_equal(g.fetched, T0);
	assert_int_equal(g.expires, T0 + 86400);

	clock_advance(1800); /* recheck not due */
	assert_true(lookup("idc.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "v1");
	run();
	assert_int_equal(txts("idc.test"), 1);

	site("idc.test", "v2", "testing", 86400);
	fake_dns_hold(txt_name("idc.test"), DNS_T_TXT, 1);
	clock_advance(1800); /* T0 + 3600: due */
	assert_true(lookup("idc.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "v1");
	assert_int_equal(txts("idc.test"), 2); /* started, off the request */
	assert_int_equal(W.stats.refreshes, 1);
	/* while the recheck is in flight: still answered at once, no second
	 * recheck */
	assert_true(lookup("idc.test", &h));
	expect_policy(&h, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "v1");
	assert_int_equal(txts("idc.test"), 2);
	assert_int_equal(fake_fetch_count("idc.test"), 1);

	fake_dns_release(txt_name("idc.test"), DNS_T_TXT);
	run();
	assert_int_equal(fake_fetch_count("idc.test"), 2);
	assert_true(lookup("idc.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_TESTING, "v2");
	assert_int_equal(g.fetched, T0 + 3600);
	assert_int_equal(g.expires, T0 + 3600 + 86400);

	/* same id at the next recheck: TXT only */
	clock_advance(3600);
	assert_true(lookup("idc.test", &g));
	run();
	assert_int_equal(txts("idc.test"), 3);
	assert_int_equal(fake_fetch_count("idc.test"), 2);
	assert_true(lookup("idc.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_TESTING, "v2");
	assert_int_equal(g.fetched, T0 + 3600);
}

/*
 * FLEET news (docs/FLEET.md): another host published another policy id.
 * A policy held here is kept and its TXT record rechecked at once: while
 * this host's resolver still serves the old id, nothing is fetched (the
 * old code dropped the policy, so the next lookup fetched it again under
 * the old id and published that back to the fleet); once the TXT record
 * shows the new id, the recheck takes it. The same for a policy that is
 * only in the store. A cached "no policy" is dropped.
 */
static void
fleet_news_rechecks(void **state)
{
	struct got g;

	(void)state;
	site("news.test", "n1", "enforce", 86400);
	assert_false(lookup("news.test", &g));
	run();
	expect_policy(&g, STS_SOURCE_FETCHED, STS_MODE_ENFORCE, "n1");
	assert_int_equal(txts("news.test"), 1);

	/* the same id: nothing to do */
	sts_resolver_fleet_news(W.r, "news.test", "n1");
	run();
	assert_int_equal(txts("news.test"), 1);

	/* another id, but this host's DNS still says n1 */
	sts_resolver_fleet_news(W.r, "news.test", "n2");
	run();
	assert_int_equal(txts("news.test"), 2); /* rechecked at once */
	assert_int_equal(fake_fetch_count("news.test"), 1);
	assert_true(lookup("news.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "n1");
	run();
	assert_int_equal(fake_fetch_count("news.test"), 1);

	/* the TXT record now shows n2: the news makes the recheck fetch it
	 * (from the fleet when there is one; here, without, over HTTPS) */
	site("news.test", "n2", "testing", 86400);
	sts_resolver_fleet_news(W.r, "news.test", "n2");
	run();
	assert_int_equal(txts("news.test"), 3);
	assert_int_equal(fake_fetch_count("news.test"), 2);
	assert_true(lookup("news.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_TESTING, "n2");

	/* a policy only in the store (not in memory) is loaded and rechecked,
	 * not deleted */
	assert_int_equal(memo_del(W.memo, MEMO_STS, "news.test"), 1);
	sts_resolver_fleet_news(W.r, "news.test", "n3");
	run();
	assert_int_equal(txts("news.test"), 4);
	assert_int_equal(fake_fetch_count("news.test"), 2);
	assert_true(lookup("news.test", &g));
	expect_policy(&g, STS_SOURCE_STORE, STS_MODE_TESTING, "n2");

	/* a domain never seen here is not touched */
	sts_resolver_fleet_news(W.r, "unseen.test", "u1");
	run();
	assert_int_equal(txts("unseen.test"), 0);
	assert_null(memo_get(W.memo, MEMO_STS, "unseen.test"));

	/* a cached "no policy" is dropped: the next lookup resolves again */
	fake_dns_set(
	        txt_name("nopol.test"), DNS_T_TXT, DNS_NOTFOUND, 3600, NULL);
	assert_false(lookup("nopol.test", &g));
	run();
	expect_none(&g, STS_SOURCE_FETCHED, "no _mta-sts TXT record");
	assert_true(lookup("nopol.test", &g));
	expect_none(&g, STS_SOURCE_CACHE, "no _mta-sts TXT record");
	sts_resolver_fleet_news(W.r, "nopol.test", "p1");
	assert_false(lookup("nopol.test", &g));
	run();
	assert_int_equal(txts("nopol.test"), 2);
}

/*
 * C3: with less than min(sts.refresh_before, max_age / 2) of its life
 * left, a policy is refetched in the background although its id did not
 * change; the refreshed policy outlives the old expiry.
 */
static void
proactive_refresh(void **state)
{
	struct got g;

	(void)state;
	W.conf.sts_recheck_interval = 30 * 86400; /* no id rechecks */
	W.conf.sts_refresh_before   = 3600;
	site("pro.test", "p1", "enforce", 86400);
	assert_false(lookup("pro.test", &g));
	run();
	expect_policy(&g, STS_SOURCE_FETCHED, STS_MODE_ENFORCE, "p1");

	clock_advance(86400 - 3600 - 1); /* 3601 s left */
	assert_true(lookup("pro.test", &g));
	run();
	assert_int_equal(txts("pro.test"), 1);
	assert_int_equal(fake_fetch_count("pro.test"), 1);

	clock_advance(2); /* 3599 s left */
	assert_true(lookup("pro.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "p1");
	assert_int_equal(g.expires, T0 + 86400);
	run();
	assert_int_equal(txts("pro.test"), 2);
	assert_int_equal(fake_fetch_count("pro.test"), 2);

	clock_advance(3599 + 10); /* past the first expiry */
	assert_true(lookup("pro.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "p1");
	assert_int_equal(g.fetched, T0 + 86400 - 3599);
	assert_int_equal(g.expires, T0 + 86400 - 3599 + 86400);
	run();
	assert_int_equal(txts("pro.test"), 2);

	/* max_age / 2 is the margin when smaller: 600 s policy, 300 s */
	site("short.test", "s1", "testing", 600);
	assert_false(lookup("short.test", &g));
	run();
	clock_advance(299); /* 301 s left */
	assert_true(lookup("short.test", &g));
	run();
	assert_int_equal(fake_fetch_count("short.test"), 1);
	clock_advance(2); /* 299 s left */
	assert_true(lookup("short.test", &g));
	run();
	assert_int_equal(fake_fetch_count("short.test"), 2);
}

/* expire_with_failing_refetch - fetch at T0, make the policy host answer
 * 404, look up again when the policy has just expired. */
static void
expire_with_failing_refetch(const char *domain, struct got *g)
{
	site(domain, "e1", "enforce", 86400);
	assert_false(lookup(domain, g));
	run();
	expect_policy(g, STS_SOURCE_FETCHED, STS_MODE_ENFORCE, "e1");
	fake_fetch_set(domain, STS_FETCH_HTTP_STATUS, 404, NULL);
	clock_advance(86400);            /* now == expires: expired */
	assert_false(lookup(domain, g)); /* no stale answer */
	run();
	assert_int_equal(txts(domain), 2);
	assert_int_equal(fake_fetch_count(domain), 2);
}

/*
 * C5, default sts.expired_policy = none: an expired policy that cannot be
 * refetched is gone; the answer is "no policy" (RFC 8461 §5.1), remembered
 * for cache.failure_ttl, then tried again.
 */
static void
expiry_none(void **state)
{
	struct got g;

	(void)state;
	W.conf.sts_recheck_interval = 30 * 86400;
	W.conf.sts_refresh_before   = 0; /* no proactive refresh */
	expire_with_failing_refetch("expn.test", &g);
	expect_none(&g, STS_SOURCE_FETCHED, "policy fetch failed");

	clock_advance(299);
	assert_true(lookup("expn.test", &g));
	expect_none(&g, STS_SOURCE_CACHE, "policy fetch failed");
	assert_int_equal(txts("expn.test"), 2);
	clock_advance(1); /* cache.failure_ttl (300 s) is over */
	assert_false(lookup("expn.test", &g));
	run();
	expect_none(&g, STS_SOURCE_FETCHED, "policy fetch failed");
	assert_int_equal(txts("expn.test"), 3);
	assert_int_equal(fake_fetch_count("expn.test"), 3);

	/* a DNS failure is tempfail under this option too (S6), and not
	 * remembered */
	fake_dns_set(txt_name("expn.test"), DNS_T_TXT, DNS_TEMPFAIL, 0, NULL);
	clock_advance(300);
	assert_false(lookup("expn.test", &g));
	run();
	expect_tempfail(&g, "SERVFAIL");
	assert_false(lookup("expn.test", &g));
	run();
	expect_tempfail(&g, "SERVFAIL");
	assert_int_equal(txts("expn.test"), 5);
	assert_int_equal(fake_fetch_count("expn.test"), 3);
}

/*
 * C5, sts.expired_policy = tempfail: the same expiry defers instead, and
 * is never remembered: every lookup tries again until a fetch works.
 */
static void
expiry_tempfail(void **state)
{
	struct got g;

	(void)state;
	W.conf.sts_recheck_interval = 30 * 86400;
	W.conf.sts_refresh_before   = 0;
	W.conf.sts_expired_policy   = CONF_EXPIRED_TEMPFAIL;
	expire_with_failing_refetch("expt.test", &g);
	expect_tempfail(&g, "sts.expired_policy = tempfail");

	assert_false(lookup("expt.test", &g));
	run();
	expect_tempfail(&g, "sts.expired_policy = tempfail");
	assert_int_equal(txts("expt.test"), 3);
	assert_int_equal(fake_fetch_count("expt.test"), 3);

	site("expt.test", "e2", "enforce", 86400);
	assert_false(lookup("expt.test", &g));
	run();
	expect_policy(&g, STS_SOURCE_FETCHED, STS_MODE_ENFORCE, "e2");
	assert_int_equal(fake_fetch_count("expt.test"), 4);
}

/*
 * C6: first contact waits for the work up to sts.first_contact_wait (a
 * real-time libevent timer: 50 ms here), then answers tempfail while the
 * work goes on; its result is cached for the next lookup.
 */
static void
first_contact_deadline(void **state)
{
	struct got g;

	(void)state;
	W.conf.sts_first_contact_wait = 0.05;
	site("slow.test", "w1", "enforce", 86400);
	fake_fetch_hold("slow.test", 1);
	assert_false(lookup("slow.test", &g));
	run();
	assert_int_equal(g.n, 0);
	assert_int_equal(fake_fetch_count("slow.test"), 1);
	run_real(300);
	expect_tempfail(&g, "still in progress");
	assert_int_equal(W.stats.wait_timeouts, 1);
	assert_int_equal(fake_fetch_live(), 1); /* the work goes on */

	g.n = 0;
	fake_fetch_release("slow.test");
	run();
	assert_int_equal(g.n, 0); /* answered once only */
	assert_true(lookup("slow.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "w1");
	assert_int_equal(txts("slow.test"), 1);
	assert_int_equal(fake_fetch_count("slow.test"), 1);
}

/*
 * C7: "no _mta-sts record" is remembered for min(DNS negative TTL,
 * cache.negative_ttl); an invalid record likewise (with the TXT's TTL); a
 * temporary DNS failure or a bogus answer is never remembered.
 */
static void
negative_caching(void **state)
{
	struct got g;

	(void)state;
	/* negative TTL 60 s < cache.negative_ttl 3600 s */
	fake_dns_set(txt_name("neg.test"), DNS_T_TXT, DNS_NOTFOUND, 60, NULL);
	assert_false(lookup("neg.test", &g));
	run();
	expect_none(&g, STS_SOURCE_FETCHED, "no _mta-sts TXT record");
	assert_int_equal(g.expires, T0 + 60);
	clock_advance(59);
	assert_true(lookup("neg.test", &g));
	expect_none(&g, STS_SOURCE_CACHE, "no _mta-sts TXT record");
	clock_advance(1);
	assert_false(lookup("neg.test", &g));
	run();
	expect_none(&g, STS_SOURCE_FETCHED, "no _mta-sts TXT record");
	assert_int_equal(txts("neg.test"), 2);

	/* negative TTL 7200 s: capped to cache.negative_ttl */
	fake_dns_set(
	        txt_name("cap.test"), DNS_T_TXT, DNS_NOTFOUND, 7200, NULL);
	assert_false(lookup("cap.test", &g));
	run();
	assert_int_equal(g.expires, clock_now() + 3600);
	clock_advance(3599);
	assert_true(lookup("cap.test", &g));
	clock_advance(1);
	assert_false(lookup("cap.test", &g));
	run();
	assert_int_equal(txts("cap.test"), 2);

	/* an invalid record: no policy, for the record's TTL (300 s) */
	fake_dns_set(txt_name("badid.test"), DNS_T_TXT, DNS_FOUND, 300,
	        "v=STSv1; id=bad_id!;");
	assert_false(lookup("badid.test", &g));
	run();
	expect_none(&g, STS_SOURCE_FETCHED, "invalid _mta-sts");
	assert_int_equal(g.expires, clock_now() + 300);
	assert_int_equal(fake_fetch_count("badid.test"), 0);

	/* SERVFAIL and bogus: tempfail every time, a new lookup every time */
	fake_dns_set(txt_name("sf.test"), DNS_T_TXT, DNS_TEMPFAIL, 0, NULL);
	fake_dns_set(txt_name("bog.test"), DNS_T_TXT, DNS_BOGUS, 0, NULL);
	assert_false(lookup("sf.test", &g));
	run();
	expect_tempfail(&g, "SERVFAIL");
	assert_false(lookup("sf.test", &g));
	run();
	expect_tempfail(&g, "SERVFAIL");
	assert_int_equal(txts("sf.test"), 2);
	assert_false(lookup("bog.test", &g));
	run();
	expect_tempfail(&g, "DNSSEC validation failed");
	assert_false(lookup("bog.test", &g));
	run();
	expect_tempfail(&g, "DNSSEC validation failed");
	assert_int_equal(txts("bog.test"), 2);
}

/*
 * C4: a fetched "mode: none" replaces the cached enforce policy at once
 * (RFC 8461 §8.3: how a domain withdraws its policy).
 */
static void
mode_none_replaces(void **state)
{
	struct got g;

	(void)state;
	site("mn.test", "n1", "enforce", 86400);
	assert_false(lookup("mn.test", &g));
	run();
	expect_policy(&g, STS_SOURCE_FETCHED, STS_MODE_ENFORCE, "n1");

	site("mn.test", "n2", "none", 86400);
	clock_advance(3600);
	assert_true(lookup("mn.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "n1");
	run();
	assert_int_equal(fake_fetch_count("mn.test"), 2);
	assert_true(lookup("mn.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_NONE, "n2");
}

/*
 * C1: a valid cached policy outlives failed refreshes: a changed id whose
 * policy cannot be fetched, a SERVFAIL, a TXT that disappeared.
 */
static void
failed_refresh_keeps_policy(void **state)
{
	struct got g;

	(void)state;
	site("keep.test", "k1", "enforce", 86400);
	assert_false(lookup("keep.test", &g));
	run();

	site("keep.test", "k2", "enforce", 86400);
	fake_fetch_set("keep.test", STS_FETCH_TIMEOUT, 0, NULL);
	clock_advance(3600);
	assert_true(lookup("keep.test", &g));
	run();
	assert_int_equal(fake_fetch_count("keep.test"), 2);
	assert_true(lookup("keep.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "k1");

	fake_dns_set(txt_name("keep.test"), DNS_T_TXT, DNS_TEMPFAIL, 0, NULL);
	clock_advance(3600);
	assert_true(lookup("keep.test", &g));
	run();
	assert_true(lookup("keep.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "k1");

	fake_dns_set(txt_name("keep.test"), DNS_T_TXT, DNS_NOTFOUND, 60, NULL);
	clock_advance(3600);
	assert_true(lookup("keep.test", &g));
	run();
	assert_true(lookup("keep.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "k1");
	assert_int_equal(txts("keep.test"), 4);
	assert_int_equal(fake_fetch_count("keep.test"), 2);
}

/*
 * A remembered "no policy" and a policy share room in an entry
 * (sts_resolver.c: reason and mx list, "none" expiry and policy expiry):
 * none -> policy -> none, each answer with its own reason and expiry.
 */
static void
none_policy_none(void **state)
{
	struct got g;

	(void)state;
	fake_dns_set(txt_name("flip.test"), DNS_T_TXT, DNS_NOTFOUND, 60, NULL);
	assert_false(lookup("flip.test", &g));
	run();
	expect_none(&g, STS_SOURCE_FETCHED, "no _mta-sts TXT record");
	assert_int_equal(g.expires, T0 + 60);

	/* the domain publishes a policy once the "none" has expired */
	site("flip.test", "f1", "enforce", 86400);
	clock_advance(60);
	assert_false(lookup("flip.test", &g));
	run();
	expect_policy(&g, STS_SOURCE_FETCHED, STS_MODE_ENFORCE, "f1");
	assert_int_equal(g.fetched, T0 + 60);
	assert_int_equal(g.expires, T0 + 60 + 86400);
	assert_true(lookup("flip.test", &g));
	expect_policy(&g, STS_SOURCE_CACHE, STS_MODE_ENFORCE, "f1");
	assert_int_equal(g.expires, T0 + 60 + 86400);
	if (strstr(g.why, "MTA-STS policy id f1, mode enforce") == NULL)
		fail_msg("why '%s'", g.why);

	/* it expires with its TXT gone: no policy again, for 60 s */
	fake_dns_set(txt_name("flip.test"), DNS_T_TXT, DNS_NOTFOUND, 60, NULL);
	clock_advance(86400);
	assert_false(lookup("flip.test", &g));
	run();
	expect_none(&g, STS_SOURCE_FETCHED, "no _mta-sts TXT record");
	assert_int_equal(g.expires, T0 + 60 + 86400 + 60);
	clock_advance(59);
	assert_true(lookup("flip.test", &g));
	expect_none(&g, STS_SOURCE_CACHE, "no _mta-sts TXT record");
	assert_int_equal(g.expires, T0 + 60 + 86400 + 60);
	assert_int_equal(fake_fetch_count("flip.test"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(coalesced, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        id_change_background, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        fleet_news_rechecks, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        proactive_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(expiry_none, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        expiry_tempfail, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        first_contact_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        negative_caching, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        mode_none_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        failed_refresh_keeps_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        none_policy_none, setup, teardown),
	};

	log_init("test_sts_scenario", 1, 0);
	log_set_level(LOG_LVL_WARN);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
