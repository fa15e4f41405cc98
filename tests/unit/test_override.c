/*
 * test_override.c - local overrides (docs/DECISIONS.md "Local overrides"):
 * the rule's parts (util/override_rule.c), the table (serve/override.c:
 * precedence, expiry at the second, store persistence, config reload), the
 * arbiter's use of them (serve/arbiter.c) and the reply's "override"
 * member (common/decision.c). Times are given explicitly (no clock).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decision.h"
#include "serve/arbiter.h"
#include "serve/override.h"
#include "store/store.h"
#include "util/override_rule.h"
#include "util/stats.h"

#define T0 1800000000LL /* 2027-01-15T08:00:00Z */

static void
test_actions(void **state)
{
	(void)state;
	assert_int_equal(override_action_of("none"), OVERRIDE_NONE);
	assert_int_equal(override_action_of("testing"), OVERRIDE_TESTING);
	assert_int_equal(override_action_of("no-dane"), OVERRIDE_NO_DANE);
	assert_int_equal(override_action_of("no-sts"), OVERRIDE_NO_STS);
	assert_int_equal(override_action_of("defer"), OVERRIDE_DEFER);
	assert_int_equal(override_action_of("None"), -1);
	assert_int_equal(override_action_of("enforce"), -1);
	assert_int_equal(override_action_of(""), -1);
	assert_int_equal(override_action_of(NULL), -1);
	assert_string_equal(override_action_name(OVERRIDE_NO_STS), "no-sts");
}

static void
ok_target(const char *in, const char *want, int want_mx)
{
	char out[OVERRIDE_TARGET_MAX + 1], why[256];
	int  is_mx = -1;

	if (override_target_parse(
	            in, out, sizeof(out), &is_mx, why, sizeof(why))
	        != 0) {
		fail_msg("%s: %s", in, why);
	}
	assert_string_equal(out, want);
	assert_int_equal(is_mx, want_mx);
}

static void
bad_target(const char *in, const char *why_has)
{
	char out[OVERRIDE_TARGET_MAX + 1], why[256] = "";
	int  is_mx;

	assert_int_equal(override_target_parse(in, out, sizeof(out), &is_mx,
	                         why, sizeof(why)),
	        -1);
	if (strstr(why, why_has) == NULL) {
		fail_msg("%s: why \"%s\" lacks \"%s\"", in, why, why_has);
	}
}

static void
test_targets(void **state)
{
	(void)state;
	ok_target("example.com", "example.com", 0);
	ok_target("Example.COM.", "example.com", 0);
	ok_target("mx:MX1.Example.net", "mx:mx1.example.net", 1);
	ok_target("mx:*.example.net", "mx:*.example.net", 1);
	bad_target("", "empty");
	bad_target("192.0.2.1", "IP address");
	bad_target("mx:192.0.2.25", "IP address");
	bad_target("2001:db8::1", "IP address");
	bad_target("mx:[192.0.2.1]", "IP address");
	bad_target("*.example.com", "wildcard");
	bad_target("mx:a.*.example.com", "wildcard");
	bad_target("mx:*.com", "two labels");
	bad_target("exa mple.com", "not a domain");
	bad_target("example..com", "not a domain");
	bad_target("mx:", "not a host name");
}

static void
test_until(void **state)
{
	int64_t t = 0;
	char    why[256];

	(void)state;
	/* a day: through its end, UTC */
	assert_int_equal(
	        override_until_parse("2027-01-31", T0, &t, why, sizeof(why)),
	        0);
	assert_int_equal(t, 1801440000LL); /* 2027-02-01T00:00:00Z */
	assert_int_equal(override_until_parse("2027-01-15T08:00:05Z", T0, &t,
	                         why, sizeof(why)),
	        0);
	assert_int_equal(t, T0 + 5);
	/* the edge: now itself is not the future */
	assert_int_equal(override_until_parse("2027-01-15T08:00:00Z", T0, &t,
	                         why, sizeof(why)),
	        -1);
	assert_non_null(strstr(why, "past"));
	/* today's date is still in force until midnight */
	assert_int_equal(
	        override_until_parse("2027-01-15", T0, &t, why, sizeof(why)),
	        0);
	assert_int_equal(
	        override_until_parse("2027-01-14", T0, &t, why, sizeof(why)),
	        -1);
	assert_int_equal(
	        override_until_parse("2027-02-30", T0, &t, why, sizeof(why)),
	        -1);
	assert_int_equal(
	        override_until_parse("tomorrow", T0, &t, why, sizeof(why)),
	        -1);
	assert_int_equal(
	        override_until_parse("", T0, &t, why, sizeof(why)), -1);
}

static struct override_rule
rule(const char *target, enum override_action a, int64_t until,
        enum override_source src)
{
	struct override_rule r;

	memset(&r, 0, sizeof(r));
	snprintf(r.target, sizeof(r.target), "%s", target);
	r.is_mx  = strncmp(target, "mx:", 3) == 0;
	r.action = a;
	r.until  = until;
	r.source = src;
	snprintf(r.reason, sizeof(r.reason), "ticket %s", target);
	return (r);
}

static void
test_rule_check(void **state)
{
	struct override_rule r
	        = rule("d.test", OVERRIDE_TESTING, T0 + 1, OVERRIDE_SRC_CLI);
	char why[256];

	(void)state;
	assert_int_equal(override_rule_check(&r, T0, why, sizeof(why)), 0);
	assert_int_equal(
	        override_rule_check(&r, T0 + 1, why, sizeof(why)), -1);
	r.reason[0] = '\0';
	assert_int_equal(override_rule_check(&r, T0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "reason"));
	snprintf(r.reason, sizeof(r.reason), "a\nb");
	assert_int_equal(override_rule_check(&r, T0, why, sizeof(why)), -1);
	snprintf(r.reason, sizeof(r.reason), "ok");
	snprintf(r.target, sizeof(r.target), "D.test");
	assert_int_equal(override_rule_check(&r, T0, why, sizeof(why)), -1);
}

static void
test_host_matches(void **state)
{
	(void)state;
	assert_true(override_host_matches("mx1.d.test", "mx1.d.test"));
	assert_false(override_host_matches("mx1.d.test", "mx2.d.test"));
	assert_true(override_host_matches("*.d.test", "mx1.d.test"));
	assert_false(override_host_matches("*.d.test", "a.mx1.d.test"));
	assert_false(override_host_matches("*.d.test", "d.test"));
	assert_false(override_host_matches("*.d.test", "mx1.xd.test"));
}

static int changes;
static void
on_change(void *arg, const char *domain)
{
	(void)arg;
	assert_null(domain);
	changes++;
}

static void
test_table(void **state)
{
	struct stats                st;
	struct change_hook          hook = { on_change, NULL };
	struct store               *s;
	struct override_table      *t, *t2;
	struct override_rule        r, cfg[2];
	const struct override_rule *got;
	char                        why[256];
	int                         replaced;
	json_t                     *l;

	(void)state;
	memset(&st, 0, sizeof(st));
	s = store_open("sqlite", ":memory:", why, sizeof(why));
	assert_non_null(s);
	t = override_table_create(s, &st);
	override_table_set_change(t, &hook);
	changes = 0;

	/* config rules */
	cfg[0] = rule(
	        "d.test", OVERRIDE_TESTING, T0 + 100, OVERRIDE_SRC_CONFIG);
	cfg[1] = rule("old.test", OVERRIDE_DEFER, T0 - 1, OVERRIDE_SRC_CONFIG);
	override_table_set_config(t, cfg, 2, T0);
	assert_int_equal(changes, 1);
	assert_int_equal(
	        override_table_active(t, T0), 1); /* old one skipped */
	assert_int_equal(st.overrides_active, 1);
	got = override_table_domain(t, "d.test", T0);
	assert_non_null(got);
	assert_int_equal(got->action, OVERRIDE_TESTING);
	assert_null(override_table_domain(t, "old.test", T0));
	assert_null(override_table_domain(t, "x.d.test", T0));

	/* a CLI rule for the same target wins */
	r = rule("d.test", OVERRIDE_DEFER, T0 + 50, OVERRIDE_SRC_CLI);
	assert_int_equal(
	        override_table_add(t, &r, T0, &replaced, why, sizeof(why)), 0);
	assert_int_equal(replaced, 0);
	assert_int_equal(changes, 2);
	got = override_table_domain(t, "d.test", T0);
	assert_int_equal(got->action, OVERRIDE_DEFER);
	assert_int_equal(got->source, OVERRIDE_SRC_CLI);
	assert_int_equal(got->created, T0);
	/* the list shows both, the config one shadowed */
	l = override_table_list(t, T0);
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(l, 0), "source")),
	        "cli");
	assert_true(json_is_true(
	        json_object_get(json_array_get(l, 1), "shadowed")));
	json_decref(l);
	/* at its until second the CLI rule stops applying: config again */
	got = override_table_domain(t, "d.test", T0 + 50);
	assert_int_equal(got->source, OVERRIDE_SRC_CONFIG);
	assert_null(override_table_domain(t, "d.test", T0 + 100));

	/* mx: exact beats wildcard; CLI beats config for the same name */
	r = rule("mx:*.d.test", OVERRIDE_NO_DANE, T0 + 100, OVERRIDE_SRC_CLI);
	assert_int_equal(
	        override_table_add(t, &r, T0, &replaced, why, sizeof(why)), 0);
	r = rule("mx:mx1.d.test", OVERRIDE_NONE, T0 + 100, OVERRIDE_SRC_CLI);
	assert_int_equal(
	        override_table_add(t, &r, T0, &replaced, why, sizeof(why)), 0);
	assert_int_equal(override_table_host(t, "mx1.d.test", T0)->action,
	        OVERRIDE_NONE);
	assert_int_equal(override_table_host(t, "mx2.d.test", T0)->action,
	        OVERRIDE_NO_DANE);
	assert_null(override_table_host(t, "d.test", T0));
	/* replacing */
	r = rule("mx:mx1.d.test", OVERRIDE_DEFER, T0 + 100, OVERRIDE_SRC_CLI);
	assert_int_equal(
	        override_table_add(t, &r, T0, &replaced, why, sizeof(why)), 0);
	assert_int_equal(replaced, 1);
	assert_int_equal(override_table_host(t, "mx1.d.test", T0)->action,
	        OVERRIDE_DEFER);

	/* refusals */
	r = rule("e.test", OVERRIDE_TESTING, T0, OVERRIDE_SRC_CLI);
	assert_int_equal(
	        override_table_add(t, &r, T0, &replaced, why, sizeof(why)),
	        -1);
	r = rule("e.test", OVERRIDE_TESTING, T0 + 1, OVERRIDE_SRC_CLI);
	r.reason[0] = '\0';
	assert_int_equal(
	        override_table_add(t, &r, T0, &replaced, why, sizeof(why)),
	        -1);

	/* persistence: a second table on the same store */
	t2 = override_table_create(s, NULL);
	assert_int_equal(override_table_load(t2, T0, why, sizeof(why)), 0);
	assert_int_equal(override_table_active(t2, T0), 3);
	assert_int_equal(override_table_domain(t2, "d.test", T0)->action,
	        OVERRIDE_DEFER);
	assert_int_equal(override_table_host(t2, "mx1.d.test", T0)->action,
	        OVERRIDE_DEFER);
	override_table_free(t2);
	/* loading after d.test's until: it is not loaded, and deleted */
	t2 = override_table_create(s, NULL);
	assert_int_equal(
	        override_table_load(t2, T0 + 50, why, sizeof(why)), 0);
	assert_int_equal(override_table_active(t2, T0 + 50), 2);
	assert_null(override_table_domain(t2, "d.test", T0 + 50));
	override_table_free(t2);

	/* del: CLI only; a config-only target is refused with a reason */
	assert_int_equal(override_table_del(t, "mx:mx1.d.test",
	                         OVERRIDE_TESTING, why, sizeof(why)),
	        0); /* action differs */
	changes = 0;
	assert_int_equal(
	        override_table_del(t, "mx:mx1.d.test", -1, why, sizeof(why)),
	        1);
	assert_int_equal(changes, 1);
	assert_int_equal(override_table_host(t, "mx1.d.test", T0)->action,
	        OVERRIDE_NO_DANE); /* the wildcard now */
	assert_int_equal(
	        override_table_del(t, "nope.test", -1, why, sizeof(why)), 0);

	/* the sweep: d.test's CLI rule expired at T0 + 50 */
	changes = 0;
	assert_int_equal(override_table_sweep(t, T0 + 60), 1);
	assert_int_equal(changes, 1);
	assert_int_equal(override_table_sweep(t, T0 + 60), 0);
	assert_int_equal(
	        override_table_del(t, "d.test", -1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "config file"));
	/* config reload without the list: only CLI rules are left */
	override_table_set_config(t, NULL, 0, T0 + 60);
	assert_null(override_table_domain(t, "d.test", T0 + 60));
	assert_int_equal(override_table_active(t, T0 + 60), 1);
	override_table_free(t);
	store_close(s);
}

/* ------------------------------------------------------------ arbiter -- */

#define ENFORCE                                                               \
	"version: STSv1\nmode: enforce\nmx: mx1.d.test\nmax_age: 86400\n"

static void
mk_sts(struct arbiter_sts *s, const char *body)
{
	char why[128];

	memset(s, 0, sizeof(*s));
	s->status = STS_ANSWER_OK;
	snprintf(s->why, sizeof(s->why), "sts why");
	assert_int_equal(sts_policy_parse(body, strlen(body), &s->policy, why,
	                         sizeof(why)),
	        0);
	s->has_policy = 1;
	strcpy(s->id, "id1");
}

/* mk_dane - d.test: mx1.d.test (DANE as given), mx2.d.test (no DANE). */
static struct dane_result *
mk_dane(enum dane_host_status mx1)
{
	struct dane_result *r = dane_result_new("d.test");

	r->mx_status = DANE_MX_SECURE;
	r->mx_secure = 1;
	r->nhost     = 2;
	r->hosts     = calloc(2, sizeof(*r->hosts));
	dane_result_set_why(r, "dane why");
	r->hosts[0].name    = "mx1.d.test";
	r->hosts[0].status  = mx1;
	r->hosts[0].port    = 25;
	r->hosts[0].tlsa_at = DANE_TLSA_AT_NAME;
	if (mx1 == DANE_HOST_USABLE) {
		r->hosts[0].ntlsa = 1;
		r->hosts[0].tlsa  = calloc(1, sizeof(*r->hosts[0].tlsa) + 32);
		r->hosts[0].tlsa[0].usage    = 3;
		r->hosts[0].tlsa[0].selector = 1;
		r->hosts[0].tlsa[0].mtype    = 1;
		r->hosts[0].tlsa[0].len      = 32;
		r->hosts[0].tlsa[0].data
		        = (unsigned char *)(r->hosts[0].tlsa + 1);
		r->hosts[0].why = DANE_WHY_USABLE;
	}
	r->hosts[1].name    = "mx2.d.test";
	r->hosts[1].status  = DANE_HOST_NONE;
	r->hosts[1].port    = 25;
	r->hosts[1].tlsa_at = DANE_TLSA_AT_NAME;
	return (r);
}

static const char *
js(json_t *o, const char *k)
{
	return (json_string_value(json_object_get(o, k)));
}

static const char *
hact(json_t *o, size_t i)
{
	return (js(json_array_get(json_object_get(o, "hosts"), i), "action"));
}

/* decide - the reply for d.test under table t at now. */
static json_t *
decide(enum dane_host_status mx1, struct override_table *t, int64_t now,
        struct arbiter_overrides *ov)
{
	struct arbiter_sts  sts;
	struct dane_result *d = mk_dane(mx1);
	json_t             *o;

	mk_sts(&sts, ENFORCE);
	o = arbiter_decide("d.test", &sts, d, NULL, t, now, ov);
	dane_result_unref(d);
	arbiter_sts_clear(&sts);
	return (o);
}

static struct override_table *
table_with(const char *target, enum override_action a, int64_t until)
{
	struct override_table *t = override_table_create(NULL, NULL);
	struct override_rule   r = rule(target, a, until, OVERRIDE_SRC_CLI);
	char                   why[256];
	int                    replaced;

	assert_int_equal(
	        override_table_add(t, &r, T0, &replaced, why, sizeof(why)), 0);
	return (t);
}

static void
test_arbiter_domain(void **state)
{
	struct override_table   *t;
	struct arbiter_overrides ov;
	json_t                  *o;

	(void)state;
	/* without: mx1 verify, mx2 skip (not in the policy) */
	o = decide(DANE_HOST_NONE, NULL, T0, &ov);
	assert_string_equal(hact(o, 0), "verify");
	assert_string_equal(hact(o, 1), "skip");
	assert_null(json_object_get(o, "override"));
	assert_int_equal(ov.n, 0);
	assert_true(ov.until == INT64_MAX);
	json_decref(o);

	/* testing: both may; the published policy stays (TLSRPT) */
	t = table_with("d.test", OVERRIDE_TESTING, T0 + 10);
	o = decide(DANE_HOST_NONE, t, T0, &ov);
	assert_string_equal(js(o, "status"), "ok");
	assert_string_equal(hact(o, 0), "may");
	assert_string_equal(hact(o, 1), "may");
	assert_string_equal(js(o, "mode"), "enforce");
	assert_string_equal(js(o, "policy"), "sts");
	assert_string_equal(
	        js(json_object_get(o, "override"), "action"), "testing");
	assert_non_null(strstr(js(o, "why"),
	        "local override testing for "
	        "d.test"));
	assert_int_equal(ov.n, 1);
	assert_true(ov.until == T0 + 10);
	json_decref(o);
	/* at until: as without */
	o = decide(DANE_HOST_NONE, t, T0 + 10, &ov);
	assert_string_equal(hact(o, 0), "verify");
	assert_null(json_object_get(o, "override"));
	json_decref(o);
	override_table_free(t);

	/* defer: tempfail, hosts as published */
	t = table_with("d.test", OVERRIDE_DEFER, T0 + 10);
	o = decide(DANE_HOST_NONE, t, T0, &ov);
	assert_string_equal(js(o, "status"), "tempfail");
	assert_string_equal(hact(o, 0), "verify");
	assert_non_null(strstr(js(o, "why"), "mail held"));
	json_decref(o);
	override_table_free(t);

	/* no-dane: DANE host falls back to MTA-STS */
	t = table_with("d.test", OVERRIDE_NO_DANE, T0 + 10);
	o = decide(DANE_HOST_USABLE, NULL, T0, NULL);
	assert_string_equal(hact(o, 0), "dane");
	json_decref(o);
	o = decide(DANE_HOST_USABLE, t, T0, NULL);
	assert_string_equal(hact(o, 0), "verify");
	assert_string_equal(js(o, "policy"), "sts");
	json_decref(o);
	override_table_free(t);

	/* no-sts: DANE stays, MTA-STS gone */
	t = table_with("d.test", OVERRIDE_NO_STS, T0 + 10);
	o = decide(DANE_HOST_USABLE, t, T0, NULL);
	assert_string_equal(hact(o, 0), "dane");
	assert_string_equal(hact(o, 1), "may");
	assert_string_equal(js(o, "policy"), "dane");
	json_decref(o);
	override_table_free(t);

	/* none: neither */
	t = table_with("d.test", OVERRIDE_NONE, T0 + 10);
	o = decide(DANE_HOST_USABLE, t, T0, NULL);
	assert_string_equal(hact(o, 0), "may");
	assert_string_equal(hact(o, 1), "may");
	assert_string_equal(js(o, "policy"), "none");
	json_decref(o);
	override_table_free(t);
}

static void
test_arbiter_host(void **state)
{
	struct override_table   *t;
	struct override_rule     r;
	struct arbiter_overrides ov;
	json_t                  *o, *h;
	char                     why[256];
	int                      replaced;

	(void)state;
	/* an mx: rule changes only its host */
	t = table_with("mx:mx2.d.test", OVERRIDE_TESTING, T0 + 20);
	o = decide(DANE_HOST_NONE, t, T0, &ov);
	assert_string_equal(js(o, "status"), "ok");
	assert_string_equal(hact(o, 0), "verify");
	assert_string_equal(hact(o, 1), "may");
	h = json_array_get(json_object_get(o, "hosts"), 1);
	assert_string_equal(
	        js(json_object_get(h, "override"), "target"), "mx:mx2.d.test");
	assert_null(json_object_get(
	        json_array_get(json_object_get(o, "hosts"), 0), "override"));
	assert_non_null(strstr(js(o, "why"), "MX host mx2.d.test"));
	assert_true(ov.until == T0 + 20);
	json_decref(o);
	/* host rule wins over the domain rule for its host */
	r = rule("d.test", OVERRIDE_NO_STS, T0 + 5, OVERRIDE_SRC_CLI);
	assert_int_equal(
	        override_table_add(t, &r, T0, &replaced, why, sizeof(why)), 0);
	r = rule("mx:mx1.d.test", OVERRIDE_DEFER, T0 + 30, OVERRIDE_SRC_CLI);
	assert_int_equal(
	        override_table_add(t, &r, T0, &replaced, why, sizeof(why)), 0);
	o = decide(DANE_HOST_NONE, t, T0, &ov);
	assert_string_equal(hact(o, 0), "defer");
	assert_string_equal(hact(o, 1), "may");
	assert_int_equal(ov.n, 3);
	assert_true(ov.until == T0 + 5);
	json_decref(o);
	/* every host deferred: the domain is */
	r = rule("mx:mx2.d.test", OVERRIDE_DEFER, T0 + 30, OVERRIDE_SRC_CLI);
	assert_int_equal(
	        override_table_add(t, &r, T0, &replaced, why, sizeof(why)), 0);
	o = decide(DANE_HOST_NONE, t, T0, &ov);
	assert_string_equal(js(o, "status"), "tempfail");
	json_decref(o);
	override_table_free(t);
}

static void
test_decision_member(void **state)
{
	struct decision d;
	json_t         *o;
	char           *s, why[128];

	(void)state;
	assert_int_equal(decision_decode("{\"status\":\"ok\",\"override\":{"
	                                 "\"target\":\"d.test\",\"action\":"
	                                 "\"testing\",\"until\":5,\"reason\":"
	                                 "\"r\",\"source\":\"cli\"},\"hosts\":"
	                                 "[{\"host\":\"h\",\"override\":{"
	                                 "\"action\":\"defer\"}}]}",
	                         strlen("{\"status\":\"ok\",\"override\":{"
	                                "\"target\":\"d.test\",\"action\":"
	                                "\"testing\",\"until\":5,\"reason\":"
	                                "\"r\",\"source\":\"cli\"},\"hosts\":"
	                                "[{\"host\":\"h\",\"override\":{"
	                                "\"action\":\"defer\"}}]}"),
	                         &d, why, sizeof(why)),
	        0);
	assert_string_equal(d.override.action, "testing");
	assert_string_equal(d.override.target, "d.test");
	assert_int_equal(d.override.until, 5);
	assert_string_equal(d.hosts[0].override.action, "defer");
	o = decision_encode(&d);
	s = json_dumps(o, JSON_COMPACT);
	assert_non_null(strstr(s,
	        "\"override\":{\"target\":\"d.test\","
	        "\"action\":\"testing\",\"until\":5"));
	free(s);
	json_decref(o);
	decision_clear(&d);
	/* not an object, or no action: absent */
	assert_int_equal(decision_decode("{\"status\":\"ok\",\"override\":3}",
	                         strlen("{\"status\":\"ok\",\"override\":3}"),
	                         &d, why, sizeof(why)),
	        0);
	assert_null(d.override.action);
	decision_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_until),
		cmocka_unit_test(test_rule_check),
		cmocka_unit_test(test_host_matches),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_arbiter_domain),
		cmocka_unit_test(test_arbiter_host),
		cmocka_unit_test(test_decision_member),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
