/*
 * test_query.c - cached/serve/query.c: the join of the MTA-STS, DANE and
 * TLSRPT lookups behind a "policy" request, over the real resolvers and
 * the scripted DNS and HTTPS of tests/scenario/ (fake_world.h) on the fake
 * clock. Checks the reply, when it is given (synchronously when every
 * input is memoised), when it is kept in the answer cache and until when
 * (the earliest lifetime of its inputs, capped by cache.answer_ttl; never
 * a first fetch or a tempfail), that a change drops it, and that
 * query_shutdown answers the waiting queries with a tempfail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "fake_world.h"
#include "log.h"

#define T0 1700000000

static struct fake_world W;

struct got {
	int     n;
	json_t *reply;
	char   *text;
};

static void
got_cb(void *arg, json_t *reply, char *text)
{
	struct got *g = arg;

	g->n++;
	json_decref(g->reply);
	free(g->text);
	g->reply = reply;
	g->text  = text;
}

static void
got_clear(struct got *g)
{
	json_decref(g->reply);
	free(g->text);
	memset(g, 0, sizeof(*g));
}

/* ask - query_policy into g; returns 1 when answered before it returned */
static int
ask(const char *domain, struct got *g)
{
	int sync;

	got_clear(g);
	query_policy(&W.svc, domain, got_cb, g);
	sync = g->n == 1;
	fw_run(&W);
	assert_int_equal(g->n, 1);
	return (sync);
}

static const char *
str(const struct got *g, const char *key)
{
	const char *s = json_string_value(json_object_get(g->reply, key));

	return (s != NULL ? s : "");
}

struct copied {
	int  n;
	char text[8192];
};

static void
copy_fn(void *arg, const char *json, size_t len)
{
	struct copied *c = arg;

	c->n++;
	snprintf(c->text, sizeof(c->text), "%.*s", (int)len, json);
}

/* kept - 1 when the answer cache has a reply for domain valid at t (its
 * text into c). */
static int
kept(const char *domain, int64_t t, struct copied *c)
{
	memset(c, 0, sizeof(*c));
	return (answer_cache_copy(W.answers, domain, t, copy_fn, c));
}

static int
setup(void **state)
{
	(void)state;
	fw_open(&W, T0);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	fw_close(&W);
	return (0);
}

static const char *const q_mx[] = { "mx1.q.test", NULL };

/* q.test: MTA-STS enforce, MX secure, mx1 with a usable TLSA record
 * (TTL tlsa_ttl), a TLSRPT record */
static void
q_world(uint32_t tlsa_ttl)
{
	fw_sts_site("q.test", "q1", "enforce");
	dd_mx("q.test", 1, 3600, q_mx);
	dd_addr("mx1.q.test", 1, 3600, NULL);
	dd_tlsa("mx1.q.test", 1, tlsa_ttl, 3, 1, 1, 0x5a);
	fw_tlsrpt_record("q.test", "mailto:rpt@q.test");
}

/*
 * First contact: answered from the loop, with the fetched policy, not
 * kept. The next request: answered synchronously from the memos, kept
 * until the earliest lifetime of its inputs (the TLSA TTL, 120 s, here)
 * and given with its text, which is the reply's compact JSON.
 */
static void
first_then_kept(void **state)
{
	struct got    g = { 0 };
	struct copied c;
	char         *dumped;
	json_t       *hosts;

	(void)state;
	q_world(120);
	assert_false(ask("q.test", &g));
	assert_string_equal(str(&g, "status"), "ok");
	assert_string_equal(str(&g, "policy"), "dane");
	assert_string_equal(str(&g, "source"), "fetched");
	assert_string_equal(str(&g, "mode"), "enforce");
	assert_string_equal(str(&g, "mx_status"), "secure");
	hosts = json_object_get(g.reply, "hosts");
	assert_int_equal(json_array_size(hosts), 1);
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(hosts, 0), "action")),
	        "dane");
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_object_get(g.reply, "tlsrpt"), "status")),
	        "found");
	assert_null(g.text);
	assert_int_equal(answer_cache_count(W.answers), 0);

	clock_advance(10);
	assert_true(ask("q.test", &g));
	assert_string_equal(str(&g, "status"), "ok");
	assert_string_equal(str(&g, "source"), "cache");
	assert_non_null(g.text);
	dumped = json_dumps(g.reply, JSON_COMPACT);
	assert_string_equal(g.text, dumped);
	free(dumped);
	assert_true(kept("q.test", T0 + 10, &c));
	assert_string_equal(c.text, g.text);
	/* the DANE memo (TLSA TTL 120 s from T0) bounds it */
	assert_true(kept("q.test", T0 + 119, &c));
	assert_false(kept("q.test", T0 + 120, &c));
	got_clear(&g);
}

/* cache.answer_ttl (300 s) caps a reply whose inputs last longer */
static void
answer_ttl_caps(void **state)
{
	struct got    g = { 0 };
	struct copied c;

	(void)state;
	q_world(3600);
	ask("q.test", &g);
	clock_advance(1);
	ask("q.test", &g);
	assert_non_null(g.text);
	assert_true(kept("q.test", T0 + 1 + 299, &c));
	assert_false(kept("q.test", T0 + 1 + 300, &c));
	got_clear(&g);
}

/* the TLSRPT memo (TXT TTL 60 s) bounds the kept reply too */
static void
tlsrpt_bounds(void **state)
{
	struct got    g = { 0 };
	struct copied c;

	(void)state;
	q_world(3600);
	fake_dns_set("_smtp._tls.q.test", DNS_T_TXT, DNS_FOUND, 60,
	        "v=TLSRPTv1; rua=mailto:rpt@q.test");
	ask("q.test", &g);
	ask("q.test", &g);
	assert_non_null(g.text);
	assert_true(kept("q.test", T0 + 59, &c));
	assert_false(kept("q.test", T0 + 60, &c));
	got_clear(&g);
}

/* a tempfail reply (the MX RRset is bogus) is never kept, and the next
 * request asks again */
static void
tempfail_not_kept(void **state)
{
	struct got    g = { 0 };
	struct copied c;

	(void)state;
	q_world(3600);
	dd_fail("q.test", DNS_T_MX, DNS_BOGUS, 0, 0, "signature expired");
	ask("q.test", &g);
	assert_string_equal(str(&g, "status"), "tempfail");
	assert_null(g.text);
	assert_false(ask("q.test", &g));
	assert_string_equal(str(&g, "status"), "tempfail");
	assert_null(g.text);
	assert_false(kept("q.test", T0, &c));
	assert_int_equal(answer_cache_count(W.answers), 0);
	assert_int_equal(fake_dns_count("q.test", DNS_T_MX), 2);
	got_clear(&g);
}

/* a change to what a resolver knows (a flush) drops the kept reply */
static void
change_drops(void **state)
{
	struct got    g = { 0 };
	struct copied c;

	(void)state;
	q_world(3600);
	ask("q.test", &g);
	ask("q.test", &g);
	assert_true(kept("q.test", T0, &c));
	dane_resolver_flush(W.dane, "q.test");
	assert_false(kept("q.test", T0, &c));
	ask("q.test", &g); /* DANE looked up again: a change, not kept */
	ask("q.test", &g);
	assert_true(kept("q.test", T0, &c));
	tlsrpt_lookup_flush(W.tlsrpt, NULL);
	assert_false(kept("q.test", T0, &c));
	got_clear(&g);
}

/* query_shutdown answers every waiting query with a tempfail, once */
static void
shutdown_answers(void **state)
{
	struct got g[3];
	int        i;

	(void)state;
	memset(g, 0, sizeof(g));
	q_world(3600);
	fake_dns_hold("q.test", DNS_T_MX, 1);
	for (i = 0; i < 3; i++)
		query_policy(&W.svc, "q.test", got_cb, &g[i]);
	fw_run(&W);
	for (i = 0; i < 3; i++)
		assert_int_equal(g[i].n, 0);
	query_shutdown();
	for (i = 0; i < 3; i++) {
		assert_int_equal(g[i].n, 1);
		assert_string_equal(str(&g[i], "status"), "tempfail");
		assert_string_equal(
		        str(&g[i], "why"), "mxtlsd is stopping; try again");
		assert_string_equal(str(&g[i], "domain"), "q.test");
		assert_null(g[i].text);
	}
	query_shutdown(); /* nothing left: nobody answered twice */
	for (i = 0; i < 3; i++) {
		assert_int_equal(g[i].n, 1);
		got_clear(&g[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		        first_then_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        answer_ttl_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        tlsrpt_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        tempfail_not_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(change_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        shutdown_answers, setup, teardown),
	};

	log_init("test_query", 1, 0);
	log_set_level(LOG_LVL_ERR);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
