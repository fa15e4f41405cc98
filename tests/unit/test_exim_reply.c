/*
 * test_exim_reply.c - table-driven unit tests for the Exim module's reading
 * of mxtlsd's replies (modules/exim/exim_reply.c) and its TLS outcome
 * classification (modules/exim/exim_outcome.c): normal answers, truncated,
 * oversized and mistyped replies, unknown action words, missing fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exim_outcome.h"
#include "exim_reply.h"
#include "proto.h"

#define OK   EXIM_REPLY_OK
#define TEMP EXIM_REPLY_TEMPFAIL
#define ERR  EXIM_REPLY_ERROR

struct policy_case {
	const char            *json;
	enum exim_reply_status status;
	const char            *word;   /* NULL: not checked (not ok) */
	size_t                 nhosts; /* kept */
	size_t                 dropped;
	int                    testing;
	const char            *why; /* substring of why, or NULL */
};

static const struct policy_case policy_cases[] = {
	/* MTA-STS enforce */
	{ "{\"v\":1,\"status\":\"ok\",\"policy\":\"sts\",\"mode\":\"enforce\","
	  "\"hosts\":[{\"host\":\"mx1.e.test\",\"action\":\"verify\"},"
	  "{\"host\":\"mx2.e.test\",\"action\":\"skip\"}],\"why\":\"w\"}",
	        OK, "verify", 2, 0, 0, "w" },
	/* DANE wins over verify, defer does not count */
	{ "{\"status\":\"ok\",\"policy\":\"dane\",\"hosts\":[{\"host\":\"a."
	  "t\","
	  "\"action\":\"verify\"},{\"host\":\"b.t\",\"action\":\"dane\"},"
	  "{\"host\":\"c.t\",\"action\":\"defer\"}]}",
	        OK, "dane", 3, 0, 0, NULL },
	{ "{\"status\":\"ok\",\"hosts\":[{\"host\":\"a.t\",\"action\":"
	  "\"encrypt\"}]}",
	        OK, "encrypt", 1, 0, 0, NULL },
	/* MTA-STS testing: the word "testing" */
	{ "{\"status\":\"ok\",\"policy\":\"sts\",\"mode\":\"testing\","
	  "\"hosts\":[{\"host\":\"mx1.t.test\",\"action\":\"may\"}]}",
	        OK, "testing", 1, 0, 1, NULL },
	/* testing, but a DANE host: dane */
	{ "{\"status\":\"ok\",\"policy\":\"sts\",\"mode\":\"testing\","
	  "\"hosts\":[{\"host\":\"mx1.t.test\",\"action\":\"dane\"}]}",
	        OK, "dane", 1, 0, 1, NULL },
	/* local override testing of an enforce policy: "testing" */
	{ "{\"status\":\"ok\",\"policy\":\"sts\",\"mode\":\"enforce\","
	  "\"hosts\":[{\"host\":\"mx1.t.test\",\"action\":\"may\"}],"
	  "\"override\":{\"action\":\"testing\",\"until\":9}}",
	        OK, "testing", 1, 0, 1, NULL },
	/* local override no-dane (domain or host) leaving may: "nodane" */
	{ "{\"status\":\"ok\",\"policy\":\"none\","
	  "\"hosts\":[{\"host\":\"mx1.t.test\",\"action\":\"may\"}],"
	  "\"override\":{\"action\":\"no-dane\",\"until\":9}}",
	        OK, "nodane", 1, 0, 0, NULL },
	{ "{\"status\":\"ok\",\"policy\":\"none\","
	  "\"hosts\":[{\"host\":\"mx1.t.test\",\"action\":\"may\","
	  "\"override\":{\"action\":\"none\",\"until\":9}}]}",
	        OK, "nodane", 1, 0, 0, NULL },
	/* ... but a verify host keeps verify */
	{ "{\"status\":\"ok\",\"policy\":\"sts\",\"mode\":\"enforce\","
	  "\"hosts\":[{\"host\":\"mx1.t.test\",\"action\":\"verify\"}],"
	  "\"override\":{\"action\":\"no-dane\",\"until\":9}}",
	        OK, "verify", 1, 0, 0, NULL },
	/* mode none: may */
	{ "{\"status\":\"ok\",\"policy\":\"sts\",\"mode\":\"none\","
	  "\"hosts\":[{\"host\":\"mx1.t.test\",\"action\":\"may\"}]}",
	        OK, "may", 1, 0, 0, NULL },
	/* null MX: no hosts, may */
	{ "{\"status\":\"ok\",\"policy\":\"none\",\"hosts\":[]}", OK, "may", 0,
	        0, 0, NULL },
	/* only skip/defer hosts: may (Exim's routing then finds nothing) */
	{ "{\"status\":\"ok\",\"hosts\":[{\"host\":\"a.t\",\"action\":"
	  "\"skip\"}]}",
	        OK, "may", 1, 0, 0, NULL },
	/* unknown action words are kept as unknown, do not count */
	{ "{\"status\":\"ok\",\"hosts\":[{\"host\":\"a.t\",\"action\":"
	  "\"teleport\"},{\"host\":\"b.t\",\"action\":\"VERIFY\"}]}",
	        OK, "may", 2, 0, 0, NULL },
	/* wrong types: action a number, host a number (dropped), why 3 */
	{ "{\"status\":\"ok\",\"why\":3,\"hosts\":[{\"host\":\"a.t\","
	  "\"action\":4},{\"host\":5,\"action\":\"dane\"},\"x\",null]}",
	        OK, "may", 1, 3, 0, "" },
	/* a host name that is not a domain name is dropped */
	{ "{\"status\":\"ok\",\"hosts\":[{\"host\":\"a..t\",\"action\":"
	  "\"dane\"},{\"host\":\"\",\"action\":\"dane\"}]}",
	        OK, "may", 0, 2, 0, NULL },
	/* upper case host names are normalised */
	{ "{\"status\":\"ok\",\"hosts\":[{\"host\":\"MX1.E.TEST.\",\"action\":"
	  "\"verify\"}]}",
	        OK, "verify", 1, 0, 0, NULL },
	/* tempfail, error */
	{ "{\"status\":\"tempfail\",\"hosts\":[],\"why\":\"MX lookup: "
	  "bogus\"}",
	        TEMP, NULL, 0, 0, 0, "bogus" },
	{ "{\"status\":\"error\",\"why\":\"invalid domain\"}", ERR, NULL, 0, 0,
	        0, "invalid domain" },
	/* missing fields: no status, no hosts, hosts not an array */
	{ "{\"hosts\":[]}", ERR, NULL, 0, 0, 0, "status" },
	{ "{\"status\":\"ok\"}", ERR, NULL, 0, 0, 0, "hosts" },
	{ "{\"status\":\"ok\",\"hosts\":{\"host\":\"a.t\"}}", ERR, NULL, 0, 0,
	        0, "hosts" },
	/* unknown status, status of the wrong type */
	{ "{\"status\":\"maybe\",\"hosts\":[]}", ERR, NULL, 0, 0, 0,
	        "status" },
	{ "{\"status\":1,\"hosts\":[]}", ERR, NULL, 0, 0, 0, "status" },
	/* truncated, not an object, empty, duplicate keys */
	{ "{\"status\":\"ok\",\"hosts\":[{\"host\":\"a.t\",\"act", ERR, NULL,
	        0, 0, 0, "JSON" },
	{ "[{\"status\":\"ok\"}]", ERR, NULL, 0, 0, 0, "JSON" },
	{ "", ERR, NULL, 0, 0, 0, "JSON" },
	{ "{\"status\":\"ok\",\"status\":\"ok\",\"hosts\":[]}", ERR, NULL, 0,
	        0, 0, "JSON" },
};

static void
test_policy_table(void **state)
{
	struct exim_reply_policy *p = malloc(sizeof(*p));
	size_t                    i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < sizeof(policy_cases) / sizeof(policy_cases[0]); i++) {
		const struct policy_case *c = &policy_cases[i];

		exim_reply_policy_parse(c->json, strlen(c->json), p);
		if (p->status != c->status) {
			fail_msg("case %zu: status %d, expected %d (%s)", i,
			        p->status, c->status, p->why);
		}
		if (c->word != NULL) {
			assert_string_equal(p->word, c->word);
		}
		if (p->nhosts != c->nhosts || p->dropped != c->dropped) {
			fail_msg("case %zu: %zu hosts, %zu dropped", i,
			        p->nhosts, p->dropped);
		}
		assert_int_equal(p->testing, c->testing);
		if (c->why != NULL && strstr(p->why, c->why) == NULL) {
			fail_msg("case %zu: why '%s' lacks '%s'", i, p->why,
			        c->why);
		}
		/* never a word outside the vocabulary */
		assert_true(strcmp(p->word, "dane") == 0
		        || strcmp(p->word, "verify") == 0
		        || strcmp(p->word, "encrypt") == 0
		        || strcmp(p->word, "may") == 0
		        || strcmp(p->word, "nodane") == 0
		        || strcmp(p->word, "testing") == 0);
	}
	free(p);
}

static void
test_policy_hosts(void **state)
{
	static const char json[]
	        = "{\"status\":\"ok\",\"hosts\":[{\"host\":\"mx1.e.test\","
	          "\"action\":\"verify\",\"why\":\"listed\"},{\"host\":"
	          "\"mx2.e.test\",\"action\":\"skip\",\"why\":\"not "
	          "listed\"},{\"host\":\"mx3.e.test\",\"action\":\"frob\"}]}";
	struct exim_reply_policy     *p = malloc(sizeof(*p));
	const struct exim_reply_host *h;

	(void)state;
	assert_non_null(p);
	exim_reply_policy_parse(json, strlen(json), p);
	assert_int_equal(p->status, OK);
	h = exim_reply_host(p, "mx1.e.test");
	assert_non_null(h);
	assert_int_equal(h->action, DECISION_ACT_VERIFY);
	assert_string_equal(h->why, "listed");
	h = exim_reply_host(p, "mx2.e.test");
	assert_non_null(h);
	assert_int_equal(h->action, DECISION_ACT_SKIP);
	assert_string_equal(decision_action_name(h->action), "skip");
	h = exim_reply_host(p, "mx3.e.test");
	assert_non_null(h);
	assert_int_equal(h->action, DECISION_ACT_UNKNOWN);
	assert_string_equal(decision_action_name(h->action), "unknown");
	assert_null(exim_reply_host(p, "mx4.e.test"));
	assert_null(exim_reply_host(p, "MX1.E.TEST")); /* callers normalise */
	assert_int_equal(exim_reply_word_rank("dane"), 4);
	assert_int_equal(exim_reply_word_rank("verify"), 3);
	assert_int_equal(exim_reply_word_rank("encrypt"), 2);
	assert_int_equal(exim_reply_word_rank("testing"), 1);
	assert_int_equal(exim_reply_word_rank("may"), 1);
	free(p);
}

/* the policy the transport chosen by the route applies (RFC 8460 §4.4) */
static void
test_route_ptype(void **state)
{
	(void)state;
	assert_string_equal(exim_reply_route_ptype("dane"), "tlsa");
	assert_string_equal(exim_reply_route_ptype("verify"), "sts");
	assert_string_equal(exim_reply_route_ptype("testing"), "sts");
	assert_string_equal(
	        exim_reply_route_ptype("encrypt"), "no-policy-found");
	assert_string_equal(exim_reply_route_ptype("may"), "no-policy-found");
	assert_string_equal(
	        exim_reply_route_ptype("nodane"), "no-policy-found");
	assert_string_equal(
	        exim_reply_route_ptype("tls-required-no"), "no-policy-found");
	assert_null(exim_reply_route_ptype(""));
	assert_null(exim_reply_route_ptype("Dane"));
	assert_null(exim_reply_route_ptype("skip"));
}

/* oversized: more hosts than kept, a long why, a long host name */
static void
test_policy_oversized(void **state)
{
	struct exim_reply_policy *p   = malloc(sizeof(*p));
	size_t                    cap = 1 << 20, n = 0, i;
	char                     *j = malloc(cap);

	(void)state;
	assert_non_null(p);
	assert_non_null(j);
	n += (size_t)snprintf(j + n, cap - n, "{\"status\":\"ok\",\"why\":\"");
	for (i = 0; i < 5000; i++) {
		j[n++] = 'w';
	}
	n += (size_t)snprintf(j + n, cap - n, "\",\"hosts\":[");
	for (i = 0; i < 100; i++) {
		n += (size_t)snprintf(j + n, cap - n,
		        "%s{\"host\":\"mx%zu.e.test\",\"action\":\"%s\"}",
		        i ? "," : "", i, i == 99 ? "dane" : "may");
	}
	/* a 300-byte label: not a host name */
	n += (size_t)snprintf(j + n, cap - n, ",{\"host\":\"");
	for (i = 0; i < 300; i++) {
		j[n++] = 'a';
	}
	n += (size_t)snprintf(j + n, cap - n, "\",\"action\":\"dane\"}]}");
	exim_reply_policy_parse(j, n, p);
	assert_int_equal(p->status, OK);
	assert_int_equal(p->nhosts, EXIM_REPLY_MAX_HOSTS);
	assert_int_equal(p->dropped, 101 - EXIM_REPLY_MAX_HOSTS);
	/* the DANE host was beyond the cap: not counted */
	assert_string_equal(p->word, "may");
	assert_int_equal(strlen(p->why), EXIM_REPLY_WHY - 1);
	/* the same reply cut anywhere is an error, never a crash */
	for (i = 0; i < n; i += 97) {
		exim_reply_policy_parse(j, i, p);
		assert_int_equal(p->status, ERR);
	}
	free(j);
	free(p);
}

struct result_case {
	const char         *json;
	enum proto_recorded res;
	const char         *why;
};

static const struct result_case result_cases[] = {
	{ "{\"v\":1,\"status\":\"ok\",\"recorded\":true,\"policy_type\":"
	  "\"sts\"}",
	        PROTO_RECORDED, "" },
	{ "{\"v\":1,\"status\":\"ok\",\"recorded\":false,\"why\":\"no usable "
	  "TLSRPT record\"}",
	        PROTO_NOT_RECORDED, "no usable" },
	{ "{\"status\":\"ok\"}", PROTO_NOT_RECORDED, "" },
	{ "{\"status\":\"ok\",\"recorded\":\"true\"}", PROTO_NOT_RECORDED,
	        "" },
	{ "{\"status\":\"tempfail\",\"why\":\"store\"}", PROTO_RESULT_TEMPFAIL,
	        "store" },
	{ "{\"status\":\"error\",\"why\":\"unknown op\"}", PROTO_UNSUPPORTED,
	        "unknown op" },
	{ "{\"status\":\"error\",\"why\":\"unknown result \\\"ok\\\"\"}",
	        PROTO_REFUSED, "unknown result" },
	{ "{\"status\":\"later\"}", PROTO_REFUSED, "" },
	{ "{\"status\":null}", PROTO_UNREADABLE, "status" },
	{ "{\"recorded\":true}", PROTO_UNREADABLE, "status" },
	{ "\"ok\"", PROTO_UNREADABLE, "status" },
	{ "{\"status\":\"ok\",\"recorded\":tr", PROTO_UNREADABLE, "status" },
};

static void
test_result_table(void **state)
{
	char   why[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(result_cases) / sizeof(result_cases[0]); i++) {
		const struct result_case *c = &result_cases[i];
		enum proto_recorded       r;

		r = proto_recorded_parse(
		        c->json, strlen(c->json), why, sizeof(why));
		if (r != c->res || strstr(why, c->why) == NULL) {
			fail_msg("result case %zu: %d '%s'", i, r, why);
		}
	}
	/* a why longer than the buffer is cut */
	{
		char   j[400];
		size_t n;

		n = (size_t)snprintf(j, sizeof(j),
		        "{\"status\":\"error\",\"why\":\"%0300d\"}", 0);
		assert_int_equal(
		        proto_recorded_parse(j, n, why, 8), PROTO_REFUSED);
		assert_int_equal(strlen(why), 7);
	}
}

/* ------------------------------------------------------------ outcome -- */

static void
test_cert_parse(void **state)
{
	struct exim_outcome_cert c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(exim_outcome_cert_parse("1 1900000000 ca", &c), 1);
	assert_int_equal(c.seen, 0); /* only the leaf is kept */
	assert_int_equal(exim_outcome_cert_parse(
	                         "0 1612137600 mx1.e.test;*.e.test", &c),
	        0);
	assert_int_equal(c.seen, 1);
	assert_int_equal(c.notafter, 1612137600LL);
	assert_string_equal(c.sans, "mx1.e.test;*.e.test");
	assert_int_equal(exim_outcome_cert_parse("0  ", &c), 0);
	assert_int_equal(c.notafter, 0);
	assert_string_equal(c.sans, "");
	assert_int_equal(exim_outcome_cert_parse("0 x.test", &c), 0);
	assert_string_equal(c.sans, "x.test");
	/* control bytes end the list */
	assert_int_equal(exim_outcome_cert_parse("0 5 a.t;b.t\nc.t", &c), 0);
	assert_string_equal(c.sans, "a.t;b.t");
	assert_int_equal(exim_outcome_cert_parse("", &c), -1);
	assert_int_equal(exim_outcome_cert_parse("-1 5 a", &c), -1);
	assert_int_equal(exim_outcome_cert_parse("x 5 a", &c), -1);
	assert_int_equal(exim_outcome_cert_parse("0x 5 a", &c), -1);
	assert_int_equal(exim_outcome_cert_parse("0 5x a", &c), -1);
	assert_int_equal(exim_outcome_cert_parse("99 5 a", &c), -1);
	{
		char big[3000];

		memset(big, 'a', sizeof(big));
		memcpy(big, "0 1 ", 4);
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(exim_outcome_cert_parse(big, &c), 0);
		assert_int_equal(strlen(c.sans), EXIM_OUTCOME_SANS - 1);
	}
}

static void
test_name_match(void **state)
{
	(void)state;
	assert_true(exim_outcome_name_match("mx1.e.test", "mx1.e.test"));
	assert_true(exim_outcome_name_match("mx1.e.test", "a.t;MX1.E.TEST"));
	assert_true(exim_outcome_name_match("mx1.e.test", "mx1.e.test."));
	assert_true(exim_outcome_name_match("mx1.e.test", "*.e.test"));
	assert_false(exim_outcome_name_match("a.mx1.e.test", "*.e.test"));
	assert_false(exim_outcome_name_match("e.test", "*.e.test"));
	assert_false(exim_outcome_name_match("mx1.e.test", "mx*.e.test"));
	assert_false(exim_outcome_name_match("mx1.e.test", "*"));
	assert_false(exim_outcome_name_match("mx1.e.test", "wrong.test"));
	assert_false(exim_outcome_name_match("mx1.e.test", ""));
	assert_false(exim_outcome_name_match("mx1.e.test", ";;"));
	assert_false(exim_outcome_name_match("mx1.e.test", "mx1.e.tes"));
	assert_false(exim_outcome_name_match("mx1.e.test", "x.mx1.e.test"));
}

static void
test_cert_failure(void **state)
{
	struct exim_outcome_cert c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_string_equal(exim_outcome_cert_failure(&c, "mx1.e.test", 100),
	        "certificate-not-trusted");
	assert_int_equal(exim_outcome_cert_parse("0 50 mx1.e.test", &c), 0);
	assert_string_equal(exim_outcome_cert_failure(&c, "mx1.e.test", 100),
	        "certificate-expired");
	assert_int_equal(exim_outcome_cert_parse("0 500 wrong.test", &c), 0);
	assert_string_equal(exim_outcome_cert_failure(&c, "mx1.e.test", 100),
	        "certificate-host-mismatch");
	assert_int_equal(exim_outcome_cert_parse("0 500 *.e.test", &c), 0);
	assert_string_equal(exim_outcome_cert_failure(&c, "mx1.e.test", 100),
	        "certificate-not-trusted");
}

static void
test_classify(void **state)
{
	static const struct {
		const char *text, *type;
		int         tls;
	} cases[] = {
		{ "a TLS session is required, but the server did not offer "
		  "TLS support",
		        "starttls-not-supported", 1 },
		{ "TLS session: (certificate verification failed): "
		  "certificate invalid",
		        "validation-failure", 1 },
		{ "TLS session: certificate has expired",
		        "certificate-expired", 1 },
		{ "TLS session: hostname mismatch",
		        "certificate-host-mismatch", 1 },
		{ "TLS session: self-signed certificate",
		        "certificate-not-trusted", 1 },
		{ "Connection refused", "validation-failure", 0 },
		{ "", "validation-failure", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_string_equal(
		        exim_outcome_classify(cases[i].text), cases[i].type);
		assert_int_equal(
		        exim_outcome_tls_related(cases[i].text), cases[i].tls);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_table),
		cmocka_unit_test(test_policy_hosts),
		cmocka_unit_test(test_policy_oversized),
		cmocka_unit_test(test_route_ptype),
		cmocka_unit_test(test_result_table),
		cmocka_unit_test(test_cert_parse),
		cmocka_unit_test(test_name_match),
		cmocka_unit_test(test_cert_failure),
		cmocka_unit_test(test_classify),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
