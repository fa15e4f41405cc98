/*
 * test_socketmap_answer.c - table-driven tests of the socketmap request
 * keys and of the policy reply -> Postfix smtp_tls_policy_maps answer
 * mapping (docs/postfix.md), on hand-written reply objects shaped like
 * docs/IPC.md's "policy" reply.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain.h"
#include "door/socketmap_answer.h"

#define LIT(s) s, sizeof(s) - 1

/* ------------------------------------------------------------- keys -- */

struct key_case {
	const char        *req;
	size_t             len;
	enum socketmap_key want;
	const char        *domain; /* when LOOKUP */
};

static const struct key_case key_cases[] = {
	{ LIT("postfix example.com"), SOCKETMAP_KEY_LOOKUP, "example.com" },
	{ LIT("x Example.COM."), SOCKETMAP_KEY_LOOKUP, "example.com" },
	{ LIT("postfix310 mx1.enforce.test"), SOCKETMAP_KEY_LOOKUP,
	        "mx1.enforce.test" },
	{ LIT("postfix .example.com"), SOCKETMAP_KEY_NOTFOUND, NULL },
	{ LIT("postfix [example.com]"), SOCKETMAP_KEY_NOTFOUND, NULL },
	{ LIT("postfix [192.0.2.1]:25"), SOCKETMAP_KEY_NOTFOUND, NULL },
	{ LIT("postfix example.com:587"), SOCKETMAP_KEY_NOTFOUND, NULL },
	{ LIT("postfix 192.0.2.1"), SOCKETMAP_KEY_NOTFOUND, NULL },
	{ LIT("postfix 1.example"), SOCKETMAP_KEY_LOOKUP, "1.example" },
	{ LIT("postfix exa_mple.com"), SOCKETMAP_KEY_NOTFOUND, NULL },
	{ LIT("postfix b\xc3\xbc"
	      "cher.example"),
	        SOCKETMAP_KEY_NOTFOUND, NULL },
	{ LIT("postfix exa\0mple.com"), SOCKETMAP_KEY_NOTFOUND, NULL },
	{ LIT("postfix example.com "), SOCKETMAP_KEY_NOTFOUND, NULL },
	{ LIT("postfix a b"), SOCKETMAP_KEY_NOTFOUND, NULL },
	{ LIT("postfix ."), SOCKETMAP_KEY_NOTFOUND, NULL },
	{ LIT("postfix "), SOCKETMAP_KEY_PERM, NULL },
	{ LIT(" example.com"), SOCKETMAP_KEY_PERM, NULL },
	{ LIT("example.com"), SOCKETMAP_KEY_PERM, NULL },
	{ LIT(""), SOCKETMAP_KEY_PERM, NULL },
};

static void
test_keys(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *c                   = &key_cases[i];
		char                   dom[DOMAIN_MAX + 1] = "", why[128] = "";
		enum socketmap_key     k;

		k = socketmap_answer_key(
		        c->req, c->len, dom, sizeof(dom), why, sizeof(why));
		if (k != c->want) {
			print_error("key case %zu: got %d want %d (%s)\n", i,
			        k, c->want, why);
		}
		assert_int_equal(k, c->want);
		if (k == SOCKETMAP_KEY_LOOKUP) {
			assert_string_equal(dom, c->domain);
		} else {
			assert_true(why[0] != '\0');
		}
	}
}

/* ---------------------------------------------------------- answers -- */

struct answer_case {
	const char *name;
	const char *reply; /* JSON */
	int         strict;
	int         attrs;
	const char *want;
};

/* host objects: H without MTA-STS, M matching the policy's patterns, N
 * matching none of them */
#define HS(name, act, sts)                                                    \
	"{\"host\":\"" name "\",\"pref\":10,\"action\":\"" act                \
	"\",\"sts\":\"" sts "\"}"
#define H(name, act) HS(name, act, "none")
#define M(name, act) HS(name, act, "match")
#define N(name, act) HS(name, act, "nomatch")
#define ENF(mx, hosts)                                                        \
	"{\"v\":1,\"status\":\"ok\",\"domain\":\"enforce.test\","             \
	"\"policy\":\"sts\",\"mode\":\"enforce\",\"mx\":" mx ","              \
	"\"policy_id\":\"enforce1\",\"max_age\":86400,\"hosts\":[" hosts "]," \
	"\"why\":\"w\"}"
#define TST(policy, hosts)                                                    \
	"{\"v\":1,\"status\":\"ok\",\"domain\":\"testing.test\","             \
	"\"policy\":\"" policy "\",\"mode\":\"testing\","                     \
	"\"mx\":[\"mx1.testing.test\",\"*.testing.test\"],"                   \
	"\"max_age\":604800,\"hosts\":[" hosts "],\"why\":\"w\"}"
#define NOPOL(policy, hosts)                                                  \
	"{\"v\":1,\"status\":\"ok\",\"domain\":\"d.test\",\"policy\":"        \
	"\"" policy "\",\"hosts\":[" hosts "],\"why\":\"w\"}"

#define SECURE_ENF "OK secure match=mx1.enforce.test servername=hostname"
#define ATTRS_ENF                                                             \
	" policy_type=sts policy_domain=enforce.test policy_ttl=86400"        \
	" mx_host_pattern=mx1.enforce.test mx_host_pattern=*.enforce.test"    \
	" { policy_string = version: STSv1 } { policy_string = mode: "        \
	"enforce }"                                                           \
	" { policy_string = mx: mx1.enforce.test } { policy_string = mx: "    \
	"*.enforce.test }"                                                    \
	" { policy_string = max_age: 86400 }"

static const struct answer_case answer_cases[] = {
	/* tempfail and errors */
	{ "tempfail",
	        "{\"status\":\"tempfail\",\"policy\":\"none\",\"hosts\":[],"
	        "\"why\":\"MX lookup: DNSSEC validation failed: bogus\"}",
	        0, 0, "TEMP MX lookup: DNSSEC validation failed: bogus" },
	{ "tempfail non-ascii why",
	        "{\"status\":\"tempfail\",\"why\":\"RFC 8461 \\u00a75.1\\n\"}",
	        0, 0, "TEMP RFC 8461 \\u00A75.1\\x0A" },
	/* every front door carries a remote reason intact: UTF-8 as
	 * \uXXXX, beyond the BMP \UXXXXXXXX, invalid bytes and controls
	 * \xHH, the backslash doubled; quotes are plain ASCII */
	{ "tempfail utf-8 why",
	        "{\"status\":\"tempfail\",\"why\":\"b\\u00fccher "
	        "\\u20ac \\ud83d\\ude00 \\\"q\\\" a\\\\b\\t\"}",
	        0, 0,
	        "TEMP b\\u00FCcher \\u20AC \\U0001F600 \"q\" a\\\\b\\x09" },
	{ "tempfail no why", "{\"status\":\"tempfail\"}", 0, 0,
	        "TEMP temporary failure" },
	{ "error", "{\"status\":\"error\",\"why\":\"invalid domain\"}", 0, 0,
	        "PERM invalid domain" },
	{ "no status", "{}", 0, 0, "PERM malformed reply" },
	/* DANE */
	{ "all dane",
	        NOPOL("dane",
	                H("mx1.dane.test", "dane") "," H(
	                        "mx2.dane.test", "dane")),
	        0, 0, "OK dane-only" },
	{ "dane + defer",
	        NOPOL("dane",
	                H("mx1.badtlsa.test", "defer") "," H(
	                        "mx2.badtlsa.test", "dane")),
	        0, 0, "OK dane-only" },
	{ "dane + skip (sts enforce)",
	        ENF("[\"mx1.enforce.test\"]",
	                M("mx1.enforce.test", "dane") "," N(
	                        "mx2.other.test", "skip")),
	        0, 1, "OK dane-only" },
	/* mixed: mx2 is only covered by MTA-STS enforce; "dane" would let
	 * Postfix use it with opportunistic TLS */
	{ "dane + verify (danemixed)",
	        ENF("[\"mx2.danemixed.test\"]",
	                N("mx1.danemixed.test", "dane") "," M(
	                        "mx2.danemixed.test", "verify")),
	        0, 1, "OK dane-only" },
	{ "verify + dane, verify first",
	        ENF("[\"*.enforce.test\"]",
	                M("mx1.enforce.test", "verify") "," M(
	                        "mx2.enforce.test", "dane")),
	        0, 0, "OK dane-only" },
	{ "dane + may",
	        NOPOL("dane",
	                H("mx1.d.test", "dane") "," H("mx2.d.test", "may")),
	        0, 0, "OK dane" },
	{ "dane + encrypt",
	        NOPOL("dane",
	                H("mx1.d.test", "dane") "," H(
	                        "mx2.d.test", "encrypt")),
	        0, 0, "OK dane" },
	{ "dane + encrypt + may",
	        NOPOL("dane",
	                H("mx1.d.test", "dane") "," H("mx2.d.test",
	                        "encrypt") "," H("mx3.d.test", "may")),
	        0, 0, "OK dane" },
	{ "dane + may + defer",
	        NOPOL("dane",
	                H("mx1.d.test", "dane") "," H("mx2.d.test",
	                        "may") "," H("mx3.d.test", "defer")),
	        0, 0, "OK dane-only" },
	{ "dane + unknown action",
	        NOPOL("dane",
	                H("mx1.d.test", "dane") "," H("mx2.d.test", "new")),
	        0, 0, "OK dane-only" },
	{ "dane in testing, strict",
	        TST("dane", M("mx1.testing.test", "dane")), 1, 1,
	        "OK dane-only" },
	/* MTA-STS enforce: match= lists the admitted MX host names */
	{ "enforce",
	        ENF("[\"mx1.enforce.test\",\"*.enforce.test\"]",
	                M("mx1.enforce.test", "verify")),
	        0, 0, SECURE_ENF },
	{ "enforce 3.10",
	        ENF("[\"mx1.enforce.test\",\"*.enforce.test\"]",
	                M("mx1.enforce.test", "verify")),
	        0, 1, SECURE_ENF ATTRS_ENF },
	{ "enforce, verify + skip (danests)",
	        ENF("[\"mx1.danests.test\"]",
	                M("mx1.danests.test", "verify") "," N(
	                        "mx2.danests.test", "skip")),
	        0, 0, "OK secure match=mx1.danests.test servername=hostname" },
	{ "enforce, wildcard: exact names, skip left out",
	        ENF("[\"*.a.test\"]",
	                M("mx1.a.test", "verify") "," N("x.y.a.test",
	                        "skip") "," M("mx2.a.test", "verify")),
	        0, 0,
	        "OK secure match=mx1.a.test:mx2.a.test servername=hostname" },
	{ "enforce, a deferred host stays admitted",
	        ENF("[\"*.a.test\"]",
	                M("mx1.a.test", "defer") "," M(
	                        "mx2.a.test", "verify")),
	        0, 0,
	        "OK secure match=mx1.a.test:mx2.a.test servername=hostname" },
	{ "enforce, duplicate hosts",
	        ENF("[\"*.a.test\",\"x.a.test\",\"*.a.test\",\"*.b.test\"]",
	                M("x.a.test", "verify") "," M("x.a.test", "verify")),
	        0, 0, "OK secure match=x.a.test servername=hostname" },
	{ "enforce, unsafe host name left out",
	        ENF("[\"*.a.test\"]",
	                M("a b.a.test", "verify") "," M("x.a.test", "verify")),
	        0, 0, "OK secure match=x.a.test servername=hostname" },
	{ "enforce, no admitted host",
	        ENF("[\"*.a.test\"]", N("mx1.b.test", "skip")), 0, 0,
	        "TEMP no MX host matches the MTA-STS policy's mx patterns "
	        "(RFC 8461 section 4.1)" },
	{ "enforce, hosts without sts member",
	        ENF("[\"*.a.test\"]", H("mx1.a.test", "verify")), 0, 0,
	        "TEMP no MX host matches the MTA-STS policy's mx patterns "
	        "(RFC 8461 section 4.1)" },
	{ "enforce without mx", ENF("[]", M("mx1.enforce.test", "verify")), 0,
	        0, "TEMP MTA-STS policy without usable mx patterns" },
	{ "enforce, bad mx", ENF("[\"a b\"]", M("mx1.enforce.test", "verify")),
	        0, 0, "TEMP MTA-STS policy without usable mx patterns" },
	/* testing */
	{ "testing, opportunistic", TST("sts", M("mx1.testing.test", "may")),
	        0, 0, "NOTFOUND " },
	{ "testing, opportunistic, 3.10",
	        TST("sts", M("mx1.testing.test", "may")), 0, 1, "NOTFOUND " },
	{ "testing, strict", TST("sts", M("mx1.testing.test", "may")), 1, 0,
	        "OK secure match=mx1.testing.test servername=hostname" },
	{ "testing, strict, 3.10", TST("sts", M("mx1.testing.test", "may")), 1,
	        1,
	        "OK secure match=mx1.testing.test "
	        "servername=hostname policy_type=sts "
	        "policy_domain=testing.test policy_ttl=604800 "
	        "mx_host_pattern=mx1.testing.test "
	        "mx_host_pattern=*.testing.test "
	        "{ policy_string = version: STSv1 } "
	        "{ policy_string = mode: testing } "
	        "{ policy_string = mx: mx1.testing.test } "
	        "{ policy_string = mx: *.testing.test } "
	        "{ policy_string = max_age: 604800 }" },
	{ "testing, encrypt host",
	        TST("sts", M("mx1.testing.test", "encrypt")), 0, 0,
	        "OK encrypt" },
	/* mode none, no policy */
	{ "mode none",
	        "{\"status\":\"ok\",\"policy\":\"sts\",\"mode\":\"none\","
	        "\"mx\":[],\"hosts\":[" H("mx1.none.test", "may") "]}",
	        1, 1, "NOTFOUND " },
	{ "no policy", NOPOL("none", H("mx1.notxt.test", "may")), 1, 1,
	        "NOTFOUND " },
	{ "no hosts (null MX)", NOPOL("none", ""), 0, 0, "NOTFOUND " },
	/* RFC 7672 §2.2: a secure TLSA RRset without usable records makes
	 * TLS mandatory whatever Postfix's DNS settings */
	{ "unusable TLSA",
	        NOPOL("none", H("mx1.daneunusable.test", "encrypt")), 0, 0,
	        "OK encrypt" },
	{ "unusable TLSA + may",
	        NOPOL("none",
	                H("mx1.d.test", "encrypt") "," H("mx2.d.test", "may")),
	        0, 0, "OK encrypt" },
	/* a host whose TLSA lookup failed: Postfix's dane defers it too */
	{ "may + defer",
	        NOPOL("none",
	                H("mx1.d.test", "defer") "," H("mx2.d.test", "may")),
	        0, 0, "OK dane" },
	{ "encrypt + defer",
	        NOPOL("none",
	                H("mx1.d.test", "encrypt") "," H(
	                        "mx2.d.test", "defer")),
	        0, 0, "OK dane" },
	{ "host without action", NOPOL("none", "{\"host\":\"x\"}"), 0, 0,
	        "NOTFOUND " },
};

static void
test_answers(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(answer_cases) / sizeof(answer_cases[0]); i++) {
		const struct answer_case    *c = &answer_cases[i];
		struct socketmap_answer_conf ac;
		json_error_t                 err;
		json_t                      *r;
		char                        *got;

		r = json_loads(c->reply, 0, &err);
		if (r == NULL) {
			print_error(
			        "case %s: bad JSON: %s\n", c->name, err.text);
		}
		assert_non_null(r);
		memset(&ac, 0, sizeof(ac));
		ac.testing_strict = c->strict;
		ac.tlsrpt_attrs   = c->attrs;
		got               = socketmap_answer(r, &ac);
		if (strcmp(got, c->want) != 0) {
			print_error("case %s:\n  got  '%s'\n  want '%s'\n",
			        c->name, got, c->want);
		}
		assert_string_equal(got, c->want);
		free(got);
		json_decref(r);
	}
}

/* A policy whose answer would pass Postfix's 100000-byte reply limit:
 * 1000 long patterns only fit without the 3.10 attributes; 2000 admitted
 * host names (more than a real reply has) do not fit at all. */
/* socketmap_answer_error on bytes no JSON reply can carry: invalid UTF-8
 * (a lone continuation byte, an overlong form, a surrogate, a sequence cut
 * short), control characters; and the 200-byte cap */
static void
test_error_bytes(void **state)
{
	char  *got, big[400];
	size_t i;

	(void)state;
	got = socketmap_answer_error("PERM",
	        "a\x80"
	        "b \xc0\xaf \xed\xa0\x80 \x01\x7f \xc3\xa9 \xe2\x82");
	assert_string_equal(got,
	        "PERM a\\x80b \\xC0\\xAF \\xED\\xA0\\x80 \\x01\\x7F "
	        "\\u00E9 \\xE2\\x82");
	for (i = 0; got[i] != '\0'; i++) {
		assert_true(got[i] >= 0x20 && got[i] < 0x7f);
	}
	free(got);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	got                  = socketmap_answer_error("TEMP", big);
	assert_int_equal(strlen(got), 5 + 200);
	free(got);
	got = socketmap_answer_error("TEMP", NULL);
	assert_string_equal(got, "TEMP ");
	free(got);
}

static void
test_too_large(void **state)
{
	struct socketmap_answer_conf ac = { 0, 1 };
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:i, s:[{s:s, s:s, s:s}]}",
	        "status", "ok", "policy", "sts", "mode", "enforce", "domain",
	        "x.test", "max_age", 1, "hosts", "host", "mx0000.x.test",
	        "action", "verify", "sts", "match");
	json_t *mx = json_array(), *hosts = json_object_get(r, "hosts");
	char    name[80], *got;
	int     i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "mx%04d.%060d.test", i, 0);
		json_array_append_new(mx, json_string(name));
	}
	json_object_set_new(r, "mx", mx);
	/* 3.10: attributes dropped, the plain answer still fits */
	got = socketmap_answer(r, &ac);
	assert_string_equal(
	        got, "OK secure match=mx0000.x.test servername=hostname");
	free(got);
	for (i = 1; i < 2000; i++) {
		snprintf(name, sizeof(name), "mx%04d.%060d.test", i, 0);
		json_array_append_new(hosts,
		        json_pack("{s:s, s:s, s:s}", "host", name, "action",
		                "verify", "sts", "match"));
	}
	got = socketmap_answer(r, &ac);
	assert_string_equal(
	        got, "TEMP MTA-STS policy too large for a socketmap reply");
	free(got);
	json_decref(r);
}

struct conf_case {
	const char *version, *testing;
	int         rv, attrs, strict;
};

static const struct conf_case conf_cases[] = {
	{ "3.7", "opportunistic", 0, 0, 0 },
	{ "3.7.11", "strict", 0, 0, 1 },
	{ "3.9", "opportunistic", 0, 0, 0 },
	{ "3.10", "opportunistic", 0, 1, 0 },
	{ "3.10.5", "opportunistic", 0, 1, 0 },
	{ "3.12", "opportunistic", 0, 1, 0 },
	{ "4.0", "opportunistic", 0, 1, 0 },
	{ "2.11", "opportunistic", 0, 0, 0 },
	{ "3", "opportunistic", -1, 0, 0 },
	{ "3.", "opportunistic", -1, 0, 0 },
	{ "3.10.", "opportunistic", -1, 0, 0 },
	{ "v3.10", "opportunistic", -1, 0, 0 },
	{ "3.10-rc1", "opportunistic", -1, 0, 0 },
	{ "", "opportunistic", -1, 0, 0 },
	{ "3.7", "enforce", -1, 0, 0 },
};

static void
test_conf(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(conf_cases) / sizeof(conf_cases[0]); i++) {
		const struct conf_case      *c = &conf_cases[i];
		struct socketmap_answer_conf ac;
		char                         why[200] = "";
		int                          rv;

		rv = socketmap_answer_conf_init(
		        &ac, c->version, c->testing, why, sizeof(why));
		if (rv != c->rv) {
			print_error("conf %s/%s: %d (%s)\n", c->version,
			        c->testing, rv, why);
		}
		assert_int_equal(rv, c->rv);
		if (rv == 0) {
			assert_int_equal(ac.tlsrpt_attrs, c->attrs);
			assert_int_equal(ac.testing_strict, c->strict);
		} else {
			assert_true(why[0] != '\0');
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_error_bytes),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_conf),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
