/*
 * test_sts_refresh_scenario.c - the refresh timer (cached/sts/sts_refresh.c;
 * RFC 8461 §3.3 "SHOULD proactively refresh cached policies before they
 * expire"; docs/DECISIONS.md C11-C16) as scenarios on the fake clock: the
 * real resolver, store (SQLite), plan and timer over the scripted DNS and
 * HTTPS of fake_dns.c and fake_fetch.c.
 *
 * Time: the timer's libevent event runs on libevent's monotonic clock, so
 * the scenarios fire it by hand (tick: event_active, then run the loop
 * until nothing is ready) after setting the fake clock; everything the
 * timer decides reads the fake clock (clock_now).
 *
 * Scenarios: a domain looked up once is rechecked daily and refetched
 * before expiry with no lookup, and stays valid past its first expiry (and
 * with the timer off it does not: the control); an id change is picked up
 * by the timer; N domains due at once are refreshed at most
 * fetch.max_per_second a second and fetch.max_in_flight at once, all long
 * before expiry; an unused domain stops being refreshed, expires and is
 * dropped, a used one is kept; a failing refresh is retried with back-off
 * while the cached policy is answered until expiry; last use survives a
 * restart and is written at most once an hour; a store of schema version 1
 * is refreshed after the upgrade.
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
#include <sqlite3.h>

#include "fake_dns.h"
#include "fake_fetch.h"
#include "fake_loop.h"
#include "fake_sts_world.h"
#include "log.h"
#include "store/store.h"
#include "sts/sts_refresh.h"
#include "sts/sts_resolver.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/memo.h"
#include "util/metrics.h"
#include "util/stats.h"

#define T0   1700000000 /* 2023-11-14T22:13:20Z */
#define HOUR 3600
#define DAY  86400
#define WEEK (7 * DAY)

struct got {
	int                    n;
	enum sts_answer_status status;
	int                    has_policy;
	char                   id[64];
	int64_t                expires;
};

static struct fake_sts_world W;
static struct sts_refresh   *Refresh; /* the timer under test */

/* ---- harness ---------------------------------------------------------- */

static void
got_cb(void *arg, const struct sts_answer *a)
{
	struct got *g = arg;

	g->n++;
	g->status     = a->status;
	g->has_policy = a->has_policy;
	snprintf(g->id, sizeof(g->id), "%s",
	        a->has_policy && a->id != NULL ? a->id : "");
	g->expires = a->expires;
}

static void
run(void)
{
	fake_loop_run(W.base);
}

/* lookup - a lookup of domain at the current fake time, run to its end. */
static struct got
lookup(const char *domain)
{
	struct got g;

	memset(&g, 0, sizeof(g));
	sts_resolver_lookup(W.r, domain, got_cb, &g);
	run();
	assert_int_equal(g.n, 1);
	return (g);
}

/* tick - what the refresh timer does when it fires now. */
static void
tick(void)
{
	fake_loop_fire(W.base, Refresh);
}

/* at - the fake clock to t, then a tick. */
static void
at(int64_t t)
{
	clock_set_fake(t);
	tick();
}

/* walk - ticks every step seconds from now to t (inclusive). */
static void
walk(int64_t t, int64_t step)
{
	int64_t now = clock_now();

	for (; now < t; now += step)
		at(now + step > t ? t : now + step);
}

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

/* site - domain publishes an MTA-STS policy (enforce, max_age). */
static void
site(const char *domain, const char *id, unsigned max_age)
{
	char name[300], txt[128], pol[512];

	snprintf(txt, sizeof(txt), "v=STSv1; id=%s;", id);
	fake_dns_set(txt_name(domain), DNS_T_TXT, DNS_FOUND, 300, txt);
	snprintf(name, sizeof(name), "mta-sts.%s", domain);
	fake_dns_set(name, DNS_T_A, DNS_FOUND, 300, "127.0.0.1");
	snprintf(pol, sizeof(pol),
	        "version: STSv1\r\nmode: enforce\r\nmx: mx1.%s\r\n"
	        "max_age: %u\r\n",
	        domain, max_age);
	fake_fetch_set(domain, STS_FETCH_OK, 200, pol);
}

/* row - domain's store row (must exist). */
static struct store_policy
row(const char *domain)
{
	struct store_policy p, copy;
	char                why[256];

	if (store_policy_get(W.store, domain, &p, why, sizeof(why))
	        != STORE_FOUND)
		fail_msg("no store row for %s (%s)", domain, why);
	copy      = p;
	copy.body = NULL; /* only the scalars are read */
	store_policy_clear(&p);
	return (copy);
}

static int
has_row(const char *domain)
{
	struct store_policy p;
	char                why[256];
	enum store_status   st;

	st = store_policy_get(W.store, domain, &p, why, sizeof(why));
	assert_int_not_equal(st, STORE_ERROR);
	store_policy_clear(&p);
	return (st == STORE_FOUND);
}

/* world_open - resolver, store (at W.db), timer at fake time now. */
static void
world_open(void)
{
	fake_sts_world_open(&W);
	Refresh = sts_refresh_create(W.r);
	assert_non_null(Refresh);
}

/* world_close - everything but the store file (a restart). */
static void
world_close(void)
{
	sts_refresh_free(Refresh);
	fake_sts_world_close(&W);
}

static int
setup(void **state)
{
	(void)state;
	fake_sts_world_init(&W, T0, "/tmp/mxtls-refresh");
	W.conf.fetch_allow_private    = 1;
	W.conf.sts_first_contact_wait = 30;
	world_open();
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	world_close();
	fake_sts_world_end(&W);
	return (0);
}

/* ---- scenarios -------------------------------------------------------- */

/* (1) looked up once, never again: rechecked daily, refetched in its
 * refresh window before expiry, valid past its first expiry */
/* mv - a series of the global metrics registry (counted beside stats). */
static int64_t
mv(int id, int l0)
{
	return (metrics_reg_value(metrics_global(), id, l0, 0));
}

static void
test_unqueried_refreshed(void **state)
{
	struct store_policy p;
	struct got          g;
	int64_t             first_exp, refetched_at = 0, t;
	unsigned            txt0;
	int64_t             m_started = mv(M_REFRESH_STARTED, 0),
	        m_unchanged           = mv(M_REFRESHES, MR_UNCHANGED),
	        m_changed             = mv(M_REFRESHES, MR_CHANGED),
	        m_failed              = mv(M_REFRESHES, MR_FAILED);

	(void)state;
	site("a.test", "1", WEEK);
	g = lookup("a.test");
	assert_int_equal(g.has_policy, 1);
	first_exp = g.expires;
	assert_true(first_exp == T0 + WEEK);
	assert_int_equal(fake_fetch_count("a.test"), 1);
	txt0 = txts("a.test");

	/* a day and a quarter: one daily recheck, no fetch */
	walk(T0 + DAY + DAY / 4, 600);
	assert_int_equal(txts("a.test"), txt0 + 1);
	assert_int_equal(fake_fetch_count("a.test"), 1);
	assert_true(W.stats.refresh_timer_started == 1);

	/* on to the first expiry, watching for the refetch */
	for (t = clock_now(); t < first_exp; t += 600) {
		at(t + 600 < first_exp ? t + 600 : first_exp);
		if (refetched_at == 0 && fake_fetch_count("a.test") == 2)
			refetched_at = clock_now();
	}
	assert_true(refetched_at > first_exp - DAY);
	assert_true(refetched_at <= first_exp - DAY / 2 + 600);
	assert_int_equal(fake_fetch_count("a.test"), 2);
	assert_true(txts("a.test") >= txt0 + 6); /* daily, and the refetch */
	assert_true(W.stats.refresh_timer_fetched == 1);
	assert_true(W.stats.refresh_timer_changed == 0);
	assert_true(W.stats.refresh_timer_failed == 0);
	/* the metrics count the same events */
	assert_true(mv(M_REFRESH_STARTED, 0) - m_started
	        == (int64_t)W.stats.refresh_timer_started);
	assert_true(mv(M_REFRESHES, MR_UNCHANGED) - m_unchanged
	        == (int64_t)W.stats.refresh_timer_started);
	assert_true(mv(M_REFRESHES, MR_CHANGED) == m_changed);
	assert_true(mv(M_REFRESHES, MR_FAILED) == m_failed);
	p = row("a.test");
	assert_true(p.expires > first_exp);
	assert_true(p.last_used == T0); /* the timer is not a lookup */

	/* past the first expiry: still valid, answered from memory */
	at(first_exp + HOUR);
	g = lookup("a.test");
	assert_int_equal(g.has_policy, 1);
	assert_string_equal(g.id, "1");
	assert_true(g.expires > first_exp + HOUR);
}

/* the control: with sts.proactive_refresh off, the same domain is never
 * rechecked and its policy expires */
static void
test_timer_off(void **state)
{
	(void)state;
	W.conf.sts_proactive_refresh = 0;
	site("a.test", "1", WEEK);
	(void)lookup("a.test");
	walk(T0 + WEEK + HOUR, HOUR);
	assert_int_equal(txts("a.test"), 1);
	assert_int_equal(fake_fetch_count("a.test"), 1);
	assert_true(row("a.test").expires == T0 + WEEK);
	assert_true(W.stats.refresh_timer_started == 0);
}

/* (2) a new TXT id is picked up by the daily recheck, without a lookup */
static void
test_id_change(void **state)
{
	struct store_policy p;
	struct got          g;
	char                why[256];
	int64_t             m_changed = mv(M_REFRESHES, MR_CHANGED),
	        m_unchanged           = mv(M_REFRESHES, MR_UNCHANGED),
	        m_new_id              = mv(M_POLICY_CHANGES, MCH_NEW_ID);

	(void)state;
	site("a.test", "1", WEEK);
	(void)lookup("a.test");
	clock_set_fake(T0 + HOUR);
	site("a.test", "2", 2 * WEEK);
	walk(T0 + DAY, 600);
	assert_int_equal(fake_fetch_count("a.test"), 2);
	assert_true(W.stats.refresh_timer_changed == 1);
	/* the metrics: one refresh "changed", none "unchanged", one new id */
	assert_true(mv(M_REFRESHES, MR_CHANGED) - m_changed == 1);
	assert_true(mv(M_REFRESHES, MR_UNCHANGED) == m_unchanged);
	assert_true(mv(M_POLICY_CHANGES, MCH_NEW_ID) - m_new_id == 1);
	assert_int_equal(
	        store_policy_get(W.store, "a.test", &p, why, sizeof(why)),
	        STORE_FOUND);
	assert_string_equal(p.id, "2");
	assert_true(p.expires > T0 + 2 * WEEK - DAY);
	store_policy_clear(&p);
	g = lookup("a.test");
	assert_string_equal(g.id, "2");
	assert_int_equal(fake_fetch_count("a.test"), 2); /* from memory */
}

#define NDOM 60

static const char *
dom(int i)
{
	static char d[32];

	snprintf(d, sizeof(d), "d%02d.test", i);
	return (d);
}

/* (3) NDOM domains due at once: at most fetch.max_per_second refreshes
 * (and fetches) a second, all done long before they expire */
static void
test_rate_limit(void **state)
{
	unsigned long started, before;
	int64_t       t, m_delayed = mv(M_REFRESH_DELAYED, 0);
	int           i, done;

	(void)state;
	W.conf.fetch_max_per_second = 5;
	for (i = 0; i < NDOM; i++) {
		site(dom(i), "1", WEEK);
		(void)lookup(dom(i)); /* lookups are not rate limited */
	}
	assert_int_equal(fake_fetch_max_per_second(), NDOM);
	fake_fetch_load_reset();

	/* all inside their refresh margin at once: 18 hours left */
	t = T0 + WEEK - 18 * HOUR;
	for (;;) {
		before = W.stats.refresh_timer_started;
		at(t);
		started = W.stats.refresh_timer_started - before;
		assert_true(started <= 5);
		for (i = 0, done = 0; i < NDOM; i++)
			done += fake_fetch_count(dom(i)) == 2;
		if (done == NDOM)
			break;
		assert_true(t < T0 + WEEK - 18 * HOUR + 60);
		t++;
	}
	/* 60 at 5 a second (the first second a full bucket of 5) */
	assert_true(t - (T0 + WEEK - 18 * HOUR) >= NDOM / 5 - 1);
	assert_int_equal(fake_fetch_max_per_second(), 5);
	assert_true(W.stats.refresh_rate_limited > 0);
	assert_true(mv(M_REFRESH_DELAYED, 0) - m_delayed
	        == (int64_t)W.stats.refresh_rate_limited);
	for (i = 0; i < NDOM; i++)
		assert_true(row(dom(i)).expires > T0 + WEEK);
	/* and nothing more is due for a while */
	before = W.stats.refresh_timer_started;
	walk(t + HOUR, 60);
	assert_true(W.stats.refresh_timer_started == before);
}

/* (3b) at most fetch.max_in_flight in flight, lookups' work counted */
static void
test_in_flight(void **state)
{
	struct got g;
	int64_t    t = T0 + WEEK - 18 * HOUR;
	int        i, done;

	(void)state;
	W.conf.fetch_max_per_second = 1000;
	W.conf.fetch_max_in_flight  = 8;
	for (i = 0; i < NDOM; i++) {
		site(dom(i), "1", WEEK);
		(void)lookup(dom(i));
	}
	for (i = 0; i < NDOM; i++)
		fake_fetch_hold(dom(i), 1);
	fake_fetch_load_reset();
	at(t);
	assert_int_equal(fake_fetch_live(), 8);
	at(++t);
	assert_int_equal(fake_fetch_live(), 8); /* none more */
	/* a lookup is never held back by the limit */
	site("first.test", "1", WEEK);
	memset(&g, 0, sizeof(g));
	sts_resolver_lookup(W.r, "first.test", got_cb, &g);
	run();
	assert_int_equal(g.n, 1);
	assert_int_equal(g.has_policy, 1);
	assert_int_equal(fake_fetch_max_live(), 9); /* 8 + the lookup's */
	fake_fetch_load_reset();
	for (;;) {
		for (i = 0; i < NDOM; i++)
			(void)fake_fetch_release(dom(i));
		run();
		for (i = 0; i < NDOM; i++)
			fake_fetch_hold(dom(i), 1);
		for (i = 0, done = 0; i < NDOM; i++)
			done += fake_fetch_count(dom(i)) == 2;
		if (done == NDOM)
			break;
		at(++t);
		assert_true(fake_fetch_live() <= 8);
		assert_true(t < T0 + WEEK - 18 * HOUR + 60);
	}
	assert_int_equal(fake_fetch_max_live(), 8);
	for (i = 0; i < NDOM; i++)
		fake_fetch_hold(dom(i), 0);
}

/* (4) unused for longer than sts.refresh_unused_for: not refreshed,
 * expires, dropped; a domain in use is kept */
static void
test_unused(void **state)
{
	unsigned txt_at_bound;
	int64_t  t;

	(void)state;
	W.conf.sts_refresh_unused_for = 10 * DAY;
	site("idle.test", "1", 3 * WEEK);
	site("busy.test", "1", 3 * WEEK);
	(void)lookup("idle.test");
	(void)lookup("busy.test");
	for (t = T0; t < T0 + 11 * DAY; t += DAY) {
		walk(t + DAY, HOUR);
		(void)lookup("busy.test");
	}
	txt_at_bound = txts("idle.test");
	assert_true(txt_at_bound >= 9); /* daily while in use */
	for (; t < T0 + 3 * WEEK + 2 * DAY; t += DAY) {
		walk(t + DAY, HOUR);
		if (t < T0 + 15 * DAY)
			(void)lookup("busy.test");
	}
	/* idle: no recheck after the bound, no refetch, expired, dropped */
	assert_true(txts("idle.test") <= txt_at_bound + 1);
	assert_int_equal(fake_fetch_count("idle.test"), 1);
	assert_false(has_row("idle.test"));
	assert_true(W.stats.refresh_dropped_unused == 1);
	/* busy (last looked up on day 14): refetched before expiry, kept */
	assert_int_equal(fake_fetch_count("busy.test"), 2);
	assert_true(has_row("busy.test"));
	assert_true(row("busy.test").expires > T0 + 3 * WEEK);
}

/* (4b) the edge of the bound: last use exactly sts.refresh_unused_for ago
 * is still in use, a second more is not */
static void
test_unused_edge(void **state)
{
	char why[256];

	(void)state;
	W.conf.sts_refresh_unused_for = 2 * DAY;
	site("a.test", "1", 3 * WEEK);
	site("b.test", "1", 3 * WEEK);
	(void)lookup("a.test");
	(void)lookup("b.test");
	assert_int_equal(store_policy_plan(W.store, "a.test", T0 + 2 * DAY, 0,
	                         why, sizeof(why)),
	        0);
	assert_int_equal(store_policy_plan(W.store, "b.test", T0 + 2 * DAY + 1,
	                         0, why, sizeof(why)),
	        0);
	at(T0 + 2 * DAY);
	assert_int_equal(txts("a.test"), 2); /* refreshed */
	assert_int_equal(txts("b.test"), 1); /* not due yet */
	at(T0 + 2 * DAY + 1);
	assert_int_equal(txts("b.test"), 1); /* due, but unused */
	assert_true(row("b.test").refresh_at == T0 + 3 * DAY + 1);
	assert_true(W.stats.refresh_timer_started == 1);
}

/* (5) a failing refresh is retried with back-off (5, 10, 20, 40, 60, 60
 * ... min), the last try before expiry; the cached policy is answered
 * until it expires */
static void
test_failing_refresh(void **state)
{
	int64_t    tries[64], exp = T0 + WEEK, t, last_try = 0;
	unsigned   n = 0, last = 1;
	struct got g;
	int64_t    m_failed = mv(M_REFRESHES, MR_FAILED);

	(void)state;
	site("a.test", "1", WEEK);
	(void)lookup("a.test");
	clock_set_fake(T0 + HOUR);
	/* a new id whose policy cannot be fetched */
	fake_dns_set(txt_name("a.test"), DNS_T_TXT, DNS_FOUND, 300,
	        "v=STSv1; id=2;");
	fake_fetch_set("a.test", STS_FETCH_HTTP_STATUS, 500, NULL);
	for (t = T0 + HOUR; t < exp; t += 60) {
		at(t + 60 < exp ? t + 60 : exp - 1);
		if (fake_fetch_count("a.test") != last) {
			last     = fake_fetch_count("a.test");
			last_try = clock_now();
			if (n < 64)
				tries[n++] = last_try;
		}
	}
	assert_true(n >= 10);
	assert_true(tries[0] <= T0 + DAY); /* the daily recheck */
	assert_true(tries[1] - tries[0] >= 300 && tries[1] - tries[0] <= 360);
	assert_true(tries[2] - tries[1] >= 600 && tries[2] - tries[1] <= 660);
	assert_true(
	        tries[3] - tries[2] >= 1200 && tries[3] - tries[2] <= 1260);
	assert_true(
	        tries[4] - tries[3] >= 2400 && tries[4] - tries[3] <= 2460);
	assert_true(
	        tries[5] - tries[4] >= 3600 && tries[5] - tries[4] <= 3660);
	assert_true(
	        tries[6] - tries[5] >= 3600 && tries[6] - tries[5] <= 3660);
	assert_true(last_try >= exp - 3600); /* the last, before expiry */
	assert_true(W.stats.refresh_timer_failed >= 10);
	assert_true(mv(M_REFRESHES, MR_FAILED) - m_failed
	        == (int64_t)W.stats.refresh_timer_failed);
	assert_true(W.stats.refresh_timer_fetched == 0);
	/* still answered, a minute before expiry, from the cache */
	clock_set_fake(exp - 60);
	g = lookup("a.test");
	assert_int_equal(g.has_policy, 1);
	assert_string_equal(g.id, "1");
	assert_true(g.expires == exp);
}

/* (6) last use survives a restart, is written at most once an hour, and
 * bounds the timer after the restart */
static void
test_restart_last_used(void **state)
{
	unsigned n;

	(void)state;
	W.conf.sts_refresh_unused_for = 2 * DAY;
	site("a.test", "1", 3 * WEEK);
	(void)lookup("a.test");
	assert_true(row("a.test").last_used == T0);
	clock_set_fake(T0 + 50 * 60);
	(void)lookup("a.test"); /* within the hour: not written */
	assert_true(row("a.test").last_used == T0);
	clock_set_fake(T0 + 2 * HOUR);
	(void)lookup("a.test");
	assert_true(row("a.test").last_used == T0 + 2 * HOUR);

	world_close();
	clock_set_fake(T0 + 3 * HOUR);
	world_open();
	assert_true(row("a.test").last_used == T0 + 2 * HOUR);
	/* refreshed while in use, then no more (no lookup since) */
	walk(T0 + 2 * HOUR + 2 * DAY, HOUR);
	n = txts("a.test");
	assert_true(n >= 3);
	walk(T0 + 10 * DAY, HOUR);
	assert_true(txts("a.test") <= n + 1);
	assert_true(row("a.test").last_used == T0 + 2 * HOUR);
}

/* (6b) a store of schema version 1: its rows are kept, counted as used at
 * the upgrade and refreshed by the timer */
static void
test_old_store(void **state)
{
	sqlite3 *db;
	char     sql[1024];

	(void)state;
	world_close();
	fake_sts_world_unlink(&W, "");
	fake_sts_world_unlink(&W, "-wal");
	fake_sts_world_unlink(&W, "-shm");
	assert_int_equal(sqlite3_open(W.db, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql),
	        "CREATE TABLE sts_policy(domain TEXT PRIMARY KEY, id TEXT "
	        "NOT NULL, body BLOB NOT NULL, fetched INTEGER NOT NULL, "
	        "expires INTEGER NOT NULL);"
	        "INSERT INTO sts_policy VALUES('old.test','1',CAST('version: "
	        "STSv1\r\nmode: enforce\r\nmx: mx1.old.test\r\nmax_age: "
	        "604800\r\n' AS BLOB),%d,%d);"
	        "PRAGMA user_version = 1;",
	        T0 - 2 * DAY, T0 - 2 * DAY + WEEK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	site("old.test", "1", WEEK);

	world_open();
	assert_true(row("old.test").last_used == 0);
	at(T0 + 1);
	assert_int_equal(txts("old.test"), 1); /* due at once */
	assert_true(row("old.test").last_used == T0 + 1);
	assert_int_equal(fake_fetch_count("old.test"), 0); /* id same */
	walk(T0 + 5 * DAY, HOUR);
	assert_int_equal(fake_fetch_count("old.test"), 1); /* before expiry */
	assert_true(row("old.test").expires > T0 + 5 * DAY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		        test_unqueried_refreshed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_timer_off, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_id_change, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_unused_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_failing_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_restart_last_used, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        test_old_store, setup, teardown),
	};

	log_set_level(LOG_LVL_ERR);
	metrics_init();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
