/*
 * test_arbiter.c - DANE-vs-MTA-STS arbitration per MX host and the domain
 * status of the "policy" reply (docs/DECISIONS.md, Arbitration).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "serve/arbiter.h"

static void
mk_sts(struct arbiter_sts *s, enum sts_answer_status st, const char *body)
{
	char why[128];

	memset(s, 0, sizeof(*s));
	s->status = st;
	snprintf(s->why, sizeof(s->why), "sts why");
	if (body != NULL) {
		assert_int_equal(sts_policy_parse(body, strlen(body),
		                         &s->policy, why, sizeof(why)),
		        0);
		s->has_policy = 1;
		strcpy(s->id, "id1");
	}
}

static struct dane_result *
mk_dane(enum dane_mx_status mx, size_t n)
{
	struct dane_result *r = dane_result_new("d.test");

	r->mx_status = mx;
	r->mx_secure = mx == DANE_MX_SECURE;
	r->nhost     = n;
	r->hosts     = calloc(n ? n : 1, sizeof(*r->hosts));
	dane_result_set_why(r, "dane why");
	return (r);
}

static void
mk_host(struct dane_host *h, const char *name, enum dane_host_status st)
{
	h->name    = name; /* not owned */
	h->status  = st;
	h->port    = 25;
	h->tlsa_at = DANE_TLSA_AT_NAME; /* _25._tcp.<name> */
	if (st == DANE_HOST_USABLE) {
		/* one allocation: the array, then the data */
		h->ntlsa            = 1;
		h->tlsa             = calloc(1, sizeof(*h->tlsa) + 32);
		h->tlsa[0].usage    = 3;
		h->tlsa[0].selector = 1;
		h->tlsa[0].mtype    = 1;
		h->tlsa[0].len      = 32;
		h->tlsa[0].data     = (unsigned char *)(h->tlsa + 1);
		h->tlsa[0].data[0]  = 0xab;
		h->why              = DANE_WHY_USABLE;
	}
}

#define ENFORCE                                                               \
	"version: STSv1\nmode: enforce\nmx: mx1.d.test\nmax_age: 86400\n"
#define TESTING                                                               \
	"version: STSv1\nmode: testing\nmx: mx1.d.test\nmax_age: 86400\n"
#define NONE "version: STSv1\nmode: none\nmax_age: 86400\n"

struct host_case {
	enum dane_host_status  dane;
	const char            *sts_body; /* NULL: no policy */
	enum sts_answer_status sts_status;
	const char            *host;
	enum decision_action   action;
	enum decision_sts      match;
};

static const struct host_case host_cases[] = {
	/* DANE wins wherever usable, whatever MTA-STS says */
	{ DANE_HOST_USABLE, ENFORCE, STS_ANSWER_OK, "mx2.d.test",
	        DECISION_ACT_DANE, DECISION_STS_NOMATCH },
	{ DANE_HOST_USABLE, NULL, STS_ANSWER_TEMPFAIL, "mx1.d.test",
	        DECISION_ACT_DANE, DECISION_STS_NONE },
	/* a DANE lookup failure defers the host, never falls back */
	{ DANE_HOST_TEMPFAIL, ENFORCE, STS_ANSWER_OK, "mx1.d.test",
	        DECISION_ACT_DEFER, DECISION_STS_MATCH },
	{ DANE_HOST_TEMPFAIL, NULL, STS_ANSWER_OK, "mx1.d.test",
	        DECISION_ACT_DEFER, DECISION_STS_NONE },
	/* MTA-STS unknown: defer unless DANE */
	{ DANE_HOST_NONE, NULL, STS_ANSWER_TEMPFAIL, "mx1.d.test",
	        DECISION_ACT_DEFER, DECISION_STS_NONE },
	/* enforce: verify on match, skip otherwise */
	{ DANE_HOST_NONE, ENFORCE, STS_ANSWER_OK, "MX1.d.test.",
	        DECISION_ACT_VERIFY, DECISION_STS_MATCH },
	{ DANE_HOST_NONE, ENFORCE, STS_ANSWER_OK, "mx2.d.test",
	        DECISION_ACT_SKIP, DECISION_STS_NOMATCH },
	/* unusable TLSA: encrypt, or verify when enforce is stricter */
	{ DANE_HOST_UNUSABLE, NULL, STS_ANSWER_OK, "mx1.d.test",
	        DECISION_ACT_ENCRYPT, DECISION_STS_NONE },
	{ DANE_HOST_UNUSABLE, ENFORCE, STS_ANSWER_OK, "mx1.d.test",
	        DECISION_ACT_VERIFY, DECISION_STS_MATCH },
	{ DANE_HOST_UNUSABLE, ENFORCE, STS_ANSWER_OK, "mx9.d.test",
	        DECISION_ACT_SKIP, DECISION_STS_NOMATCH },
	{ DANE_HOST_UNUSABLE, TESTING, STS_ANSWER_OK, "mx9.d.test",
	        DECISION_ACT_ENCRYPT, DECISION_STS_NOMATCH },
	/* testing and none never block */
	{ DANE_HOST_NONE, TESTING, STS_ANSWER_OK, "mx9.d.test",
	        DECISION_ACT_MAY, DECISION_STS_NOMATCH },
	{ DANE_HOST_NONE, TESTING, STS_ANSWER_OK, "mx1.d.test",
	        DECISION_ACT_MAY, DECISION_STS_MATCH },
	{ DANE_HOST_NONE, NONE, STS_ANSWER_OK, "mx1.d.test", DECISION_ACT_MAY,
	        DECISION_STS_NONE },
	{ DANE_HOST_NONE, NULL, STS_ANSWER_OK, "mx1.d.test", DECISION_ACT_MAY,
	        DECISION_STS_NONE },
};

static void
test_host_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
		const struct host_case *c = &host_cases[i];
		struct arbiter_sts      sts;
		struct dane_host        h;
		enum decision_sts       m;
		char                    why[512];
		enum decision_action    a;

		memset(&h, 0, sizeof(h));
		mk_sts(&sts, c->sts_status, c->sts_body);
		h.name   = c->host;
		h.status = c->dane;
		a        = arbiter_host(&h, &sts, &m, why, sizeof(why));
		if (a != c->action || m != c->match)
			fail_msg("case %zu: got %s/%s, want %s/%s (%s)", i,
			        decision_action_name(a), decision_sts_name(m),
			        decision_action_name(c->action),
			        decision_sts_name(c->match), why);
		assert_true(why[0] != '\0');
		arbiter_sts_clear(&sts);
	}
}

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return (s != NULL ? s : "");
}

/* the reply's bytes, as the arbiter wrote them before it used the shared
 * encoder (common/decision.c): the encoder changed nothing on the wire */
static void
test_decide_bytes(void **state)
{
	static const char want[]
	        = "{\"v\":1,\"domain\":\"d.test\",\"status\":\"ok\","
	          "\"policy\":"
	          "\"dane\",\"mode\":\"enforce\",\"mx\":[\"mx1.d.test\"],"
	          "\"poli"
	          "cy_id\":\"id1\",\"max_age\":86400,\"fetched\":0,\"source\":"
	          "\""
	          "fetched\",\"expires\":0,\"mx_status\":\"secure\",\"dane_"
	          "why\""
	          ":\"dane "
	          "why\",\"hosts\":[{\"host\":\"mx0.d.test\",\"pref\":0"
	          ",\"action\":\"dane\",\"dane\":\"usable\",\"sts\":"
	          "\"nomatch\""
	          ",\"tlsa\":[{\"usage\":3,\"selector\":1,\"mtype\":1,"
	          "\"data\":"
	          "\"ab0000000000000000000000000000000000000000000000000000000"
	          "0"
	          "000000\"}],\"tlsa_name\":\"_25._tcp.mx0.d.test\",\"why\":"
	          "\"D"
	          "ANE: 1 usable TLSA records at _25._tcp.mx0.d.test (takes "
	          "pre"
	          "cedence over MTA-STS, RFC 8461 "
	          "section 2)\"},{\"host\":\"mx1.d.test"
	          "\",\"pref\":0,\"action\":\"verify\",\"dane\":\"none\","
	          "\"sts\""
	          ":\"match\",\"tlsa\":[],\"tlsa_name\":\"_25._tcp.mx1.d."
	          "test\""
	          ",\"why\":\"MTA-STS enforce: host matches the policy; "
	          "verifie"
	          "d TLS "
	          "required\"}],\"tlsrpt\":{\"status\":\"tempfail\",\"why"
	          "\":\"not looked up\"},\"why\":\"sts why\"}";
	struct arbiter_sts  sts;
	struct dane_result *d = mk_dane(DANE_MX_SECURE, 2);
	json_t             *o;
	char               *s;

	(void)state;
	mk_sts(&sts, STS_ANSWER_OK, ENFORCE);
	mk_host(&d->hosts[0], "mx0.d.test", DANE_HOST_USABLE);
	mk_host(&d->hosts[1], "mx1.d.test", DANE_HOST_NONE);
	o = arbiter_decide("d.test", &sts, d, NULL, NULL, 0, NULL);
	s = json_dumps(o, JSON_COMPACT);
	assert_string_equal(s, want);
	free(s);
	json_decref(o);
	dane_result_unref(d);
	arbiter_sts_clear(&sts);
}

static void
test_decide_mixed(void **state)
{
	struct arbiter_sts  sts;
	struct dane_result *d = mk_dane(DANE_MX_SECURE, 2);
	json_t             *o, *h;

	(void)state;
	mk_sts(&sts, STS_ANSWER_OK, ENFORCE);
	mk_host(&d->hosts[0], "mx0.d.test", DANE_HOST_USABLE);
	mk_host(&d->hosts[1], "mx1.d.test", DANE_HOST_NONE);
	o = arbiter_decide("d.test", &sts, d, NULL, NULL, 0, NULL);
	assert_string_equal(jstr(o, "status"), "ok");
	assert_string_equal(jstr(o, "policy"), "dane");
	assert_string_equal(jstr(o, "mode"), "enforce");
	assert_string_equal(jstr(o, "mx_status"), "secure");
	h = json_array_get(json_object_get(o, "hosts"), 0);
	assert_string_equal(jstr(h, "action"), "dane");
	assert_string_equal(jstr(h, "tlsa_name"), "_25._tcp.mx0.d.test");
	assert_string_equal(jstr(h, "why"),
	        "DANE: 1 usable TLSA records at _25._tcp.mx0.d.test (takes "
	        "precedence over MTA-STS, RFC 8461 section 2)");
	assert_string_equal(
	        jstr(json_array_get(json_object_get(h, "tlsa"), 0), "data"),
	        "ab000000000000000000000000000000"
	        "00000000000000000000000000000000");
	h = json_array_get(json_object_get(o, "hosts"), 1);
	assert_string_equal(jstr(h, "action"), "verify");
	assert_string_equal(jstr(h, "sts"), "match");
	assert_string_equal(
	        jstr(json_object_get(o, "tlsrpt"), "status"), "tempfail");
	json_decref(o);
	dane_result_unref(d);
	arbiter_sts_clear(&sts);
}

/* the reasons kept as codes read as text in the reply */
static void
test_decide_why_codes(void **state)
{
	struct arbiter_sts  sts;
	struct dane_result *d = mk_dane(DANE_MX_INSECURE, 2);
	json_t             *o, *h;

	(void)state;
	mk_sts(&sts, STS_ANSWER_OK, NULL);
	mk_host(&d->hosts[0], "mx0.d.test", DANE_HOST_NONE);
	d->hosts[0].tlsa_at = DANE_TLSA_AT_NONE;
	d->hosts[0].why     = DANE_WHY_MX_INSECURE;
	mk_host(&d->hosts[1], "mx1.d.test", DANE_HOST_NONE);
	d->hosts[1].canon   = strdup("real.d.test");
	d->hosts[1].tlsa_at = DANE_TLSA_AT_NAME;
	d->hosts[1].why     = DANE_WHY_TLSA_NONE;
	o = arbiter_decide("d.test", &sts, d, NULL, NULL, 0, NULL);
	assert_string_equal(jstr(o, "dane_why"), "dane why");
	h = json_array_get(json_object_get(o, "hosts"), 0);
	assert_null(json_object_get(h, "tlsa_name"));
	assert_string_equal(jstr(h, "why"),
	        "no DANE, no MTA-STS enforcement: MX RRset is not "
	        "DNSSEC-signed");
	h = json_array_get(json_object_get(o, "hosts"), 1);
	assert_string_equal(jstr(h, "tlsa_name"), "_25._tcp.mx1.d.test");
	assert_string_equal(jstr(h, "why"),
	        "no DANE, no MTA-STS enforcement: no TLSA records at "
	        "_25._tcp.real.d.test, no TLSA records at "
	        "_25._tcp.mx1.d.test (securely denied)");
	json_decref(o);
	dane_result_unref(d);
	arbiter_sts_clear(&sts);
}

static void
test_decide_all_skipped(void **state)
{
	struct arbiter_sts  sts;
	struct dane_result *d = mk_dane(DANE_MX_INSECURE, 1);
	json_t             *o;

	(void)state;
	mk_sts(&sts, STS_ANSWER_OK, ENFORCE);
	mk_host(&d->hosts[0], "evil.example", DANE_HOST_NONE);
	o = arbiter_decide("d.test", &sts, d, NULL, NULL, 0, NULL);
	assert_string_equal(jstr(o, "status"), "tempfail");
	assert_string_equal(jstr(o, "policy"), "sts");
	assert_non_null(strstr(jstr(o, "why"), "RFC 8461 section 5.1"));
	json_decref(o);
	dane_result_unref(d);
	arbiter_sts_clear(&sts);
}

static void
test_decide_mx_tempfail_and_null(void **state)
{
	struct arbiter_sts  sts;
	struct dane_result *d = mk_dane(DANE_MX_TEMPFAIL, 0);
	json_t             *o;

	(void)state;
	mk_sts(&sts, STS_ANSWER_OK, NULL);
	o = arbiter_decide("d.test", &sts, d, NULL, NULL, 0, NULL);
	assert_string_equal(jstr(o, "status"), "tempfail");
	assert_string_equal(jstr(o, "why"), "dane why");
	json_decref(o);
	dane_result_unref(d);

	d = mk_dane(DANE_MX_NULL, 0);
	o = arbiter_decide("d.test", &sts, d, NULL, NULL, 0, NULL);
	assert_string_equal(jstr(o, "status"), "ok");
	assert_string_equal(jstr(o, "policy"), "none");
	assert_string_equal(jstr(o, "mx_status"), "null");
	assert_string_equal(jstr(o, "why"),
	        "d.test publishes a null MX (RFC 7505): it accepts no mail");
	assert_int_equal(json_array_size(json_object_get(o, "hosts")), 0);
	json_decref(o);
	dane_result_unref(d);
	arbiter_sts_clear(&sts);
}

static void
test_decide_sts_tempfail_defers(void **state)
{
	struct arbiter_sts  sts;
	struct dane_result *d = mk_dane(DANE_MX_INSECURE, 1);
	json_t             *o;

	(void)state;
	mk_sts(&sts, STS_ANSWER_TEMPFAIL, NULL);
	snprintf(sts.why, sizeof(sts.why), "DNSSEC validation failed");
	mk_host(&d->hosts[0], "mx1.d.test", DANE_HOST_NONE);
	o = arbiter_decide("d.test", &sts, d, NULL, NULL, 0, NULL);
	assert_string_equal(jstr(o, "status"), "tempfail");
	assert_non_null(strstr(jstr(o, "why"), "DNSSEC validation failed"));
	json_decref(o);
	dane_result_unref(d);
	arbiter_sts_clear(&sts);
}

static void
test_tlsrpt_copy(void **state)
{
	struct tlsrpt_record  rec;
	struct tlsrpt_answer  a;
	struct arbiter_tlsrpt t;
	char                  why[64];
	const char           *txt = "v=TLSRPTv1; rua=mailto:a@b.test";

	(void)state;
	assert_int_equal(
	        tlsrpt_record_parse(txt, strlen(txt), &rec, why, sizeof(why)),
	        TLSRPT_RECORD_OK);
	memset(&a, 0, sizeof(a));
	a.status = TLSRPT_LOOKUP_FOUND;
	a.rec    = &rec;
	assert_int_equal(arbiter_tlsrpt_copy(&t, &a), 0);
	tlsrpt_record_clear(&rec);
	assert_int_equal(t.rec.nrua, 1);
	assert_string_equal(t.rec.rua[0], "mailto:a@b.test");
	arbiter_tlsrpt_clear(&t);
}

static void
test_apply_preload(void **state)
{
	struct arbiter_sts   sts;
	const char *const    mx[] = { ".d.test", "mx.other.test" };
	struct preload_entry e    = { "d.test", STS_MODE_ENFORCE, 2, mx };

	(void)state;
	/* a live policy is never overridden */
	mk_sts(&sts, STS_ANSWER_OK, TESTING);
	assert_int_equal(arbiter_apply_preload(&sts, &e, "enforce", 9, 1), 0);
	assert_int_equal(sts.policy.mode, STS_MODE_TESTING);
	arbiter_sts_clear(&sts);
	/* nor a temporary failure */
	mk_sts(&sts, STS_ANSWER_TEMPFAIL, NULL);
	assert_int_equal(arbiter_apply_preload(&sts, &e, "enforce", 9, 1), 0);
	arbiter_sts_clear(&sts);
	/* enforce: the entry becomes the policy, ".d" spelled "*.d" */
	mk_sts(&sts, STS_ANSWER_OK, NULL);
	assert_int_equal(arbiter_apply_preload(&sts, &e, "enforce", 9, 1), 1);
	assert_int_equal(sts.has_policy, 1);
	assert_int_equal(sts.policy.mode, STS_MODE_ENFORCE);
	assert_int_equal(sts.source, STS_SOURCE_PRELOAD);
	assert_string_equal(sts.policy.mx[0], "*.d.test");
	assert_string_equal(sts.policy.mx[1], "mx.other.test");
	assert_int_equal(sts_policy_mx_allowed(&sts.policy, "mx1.d.test"), 1);
	assert_int_equal(sts_policy_mx_allowed(&sts.policy, "a.b.d.test"), 0);
	assert_int_equal(sts.expires, 9);
	arbiter_sts_clear(&sts);
	/* testing rule downgrades */
	mk_sts(&sts, STS_ANSWER_OK, NULL);
	assert_int_equal(arbiter_apply_preload(&sts, &e, "testing", 9, 1), 1);
	assert_int_equal(sts.policy.mode, STS_MODE_TESTING);
	arbiter_sts_clear(&sts);
	/* tempfail rule defers enforce entries */
	mk_sts(&sts, STS_ANSWER_OK, NULL);
	assert_int_equal(arbiter_apply_preload(&sts, &e, "tempfail", 9, 1), 1);
	assert_int_equal(sts.status, STS_ANSWER_TEMPFAIL);
	arbiter_sts_clear(&sts);
	/* ignore */
	mk_sts(&sts, STS_ANSWER_OK, NULL);
	assert_int_equal(arbiter_apply_preload(&sts, &e, "ignore", 9, 1), 0);
	assert_int_equal(sts.has_policy, 0);
	arbiter_sts_clear(&sts);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_cases),
		cmocka_unit_test(test_decide_mixed),
		cmocka_unit_test(test_decide_bytes),
		cmocka_unit_test(test_decide_why_codes),
		cmocka_unit_test(test_decide_all_skipped),
		cmocka_unit_test(test_decide_mx_tempfail_and_null),
		cmocka_unit_test(test_decide_sts_tempfail_defers),
		cmocka_unit_test(test_tlsrpt_copy),
		cmocka_unit_test(test_apply_preload),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
