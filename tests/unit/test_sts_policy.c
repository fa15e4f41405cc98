/*
 * test_sts_policy.c - table-driven tests of the MTA-STS policy parser
 * (RFC 8461 §3.2) and of MX pattern matching (RFC 8461 §4.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sts/sts_policy.h"

#define LIT(s) s, sizeof(s) - 1

/* The first three lines of a valid policy, to prefix mx or other tests. */
#define HEAD   "version: STSv1\nmode: enforce\nmax_age: 86400\n"
#define NAME32 "a23456789_123456789-123456789.12"
#define NAME33 NAME32 "3"
#define L61    "abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789a"
#define L63    L61 "bc"
#define L64    L63 "d"
/* Three labels of 63, one of 61 and 3 dots: 253 characters. */
#define D253 L63 "." L63 "." L63 "." L61
#define D254 D253 "b"

enum { BAD = -1, OK = 0 };

struct policy_case {
	const char   *body;
	size_t        len;
	int           want;
	enum sts_mode mode;
	uint32_t      max_age;
	size_t        nmx;
	const char   *mx[4];
};

#define PBAD(s)                                                               \
	{                                                                     \
		.body = s, .len = sizeof(s) - 1, .want = BAD                  \
	}
#define POK0(s, m, age)                                                       \
	{                                                                     \
		.body = s, .len = sizeof(s) - 1, .want = OK, .mode = m,       \
		.max_age = age                                                \
	}
#define POK(s, m, age, n, ...)                                                \
	{                                                                     \
		.body = s, .len = sizeof(s) - 1, .want = OK, .mode = m,       \
		.max_age = age, .nmx = n,                                     \
		.mx = { __VA_ARGS__ }                                         \
	}

static const struct policy_case policy_cases[] = {
	/* RFC 8461 §3.2 example: LF, CRLF, mixed, no final newline. */
	POK("version: STSv1\nmode: enforce\nmx: mail.example.com\n"
	    "mx: *.example.net\nmx: backupmx.example.com\n"
	    "max_age: 604800\n",
	        STS_MODE_ENFORCE, 604800, 3, "mail.example.com",
	        "*.example.net", "backupmx.example.com"),
	POK("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
	    "mx: *.example.net\r\nmx: backupmx.example.com\r\n"
	    "max_age: 604800\r\n",
	        STS_MODE_ENFORCE, 604800, 3, "mail.example.com",
	        "*.example.net", "backupmx.example.com"),
	POK("version: STSv1\r\nmode: testing\nmx: mail.example.com\r\n"
	    "max_age: 604800",
	        STS_MODE_TESTING, 604800, 1, "mail.example.com"),
	POK("version: STSv1\nmode: enforce\nmx: mail.example.com\n"
	    "max_age: 604800\r\n",
	        STS_MODE_ENFORCE, 604800, 1, "mail.example.com"),
	/* Whitespace: none or any after ':', trailing WSP allowed. */
	POK("version:STSv1\nmode:enforce\nmx:mx.example.com\nmax_age:1",
	        STS_MODE_ENFORCE, 1, 1, "mx.example.com"),
	POK("version: \t STSv1 \t\nmode:\tenforce \r\n"
	    "mx:  mx.example.com\t\nmax_age: 1 \t",
	        STS_MODE_ENFORCE, 1, 1, "mx.example.com"),
	PBAD("version : STSv1\nmode: enforce\nmx: a.b\nmax_age: 1\n"),
	PBAD(" version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 1\n"),
	PBAD("version: STSv1\n mode: enforce\nmx: a.b\nmax_age: 1\n"),
	/* Line structure. */
	PBAD(""),
	PBAD("\n"),
	POK(HEAD "mx: a.b\n\n", STS_MODE_ENFORCE, 86400, 1, "a.b"),
	PBAD(HEAD "\nmx: a.b\n"),
	POK(HEAD "mx: a.b\r\n\r\n\n", STS_MODE_ENFORCE, 86400, 1, "a.b"),
	PBAD(HEAD "mx: a.b\n\nmx: c.d\n"),
	PBAD(HEAD "mx: a.b\n\n \n"),
	PBAD(HEAD "mx: a.b\r"),
	PBAD(HEAD "mx: a.b\rmx: c.d\n"),
	PBAD(HEAD "mx: a.b\r\r\n"),
	POK(HEAD "mx: a.b\n\r\n", STS_MODE_ENFORCE, 86400, 1, "a.b"),
	PBAD(HEAD "mx: a.b\0"),
	PBAD(HEAD "mx: a.b\n\0"),
	PBAD("version: STSv1\0\nmode: enforce\nmx: a.b\nmax_age: 1\n"),
	PBAD(HEAD "mx a.b\n"),
	PBAD(HEAD "mx\n"),
	PBAD(HEAD ": a.b\n"),
	/* version: required, first, exactly STSv1. */
	PBAD("mode: enforce\nmx: a.b\nmax_age: 1\n"),
	PBAD("mode: enforce\nversion: STSv1\nmx: a.b\nmax_age: 1\n"),
	PBAD("foo: bar\nversion: STSv1\nmode: none\nmax_age: 1\n"),
	PBAD("version: STSv2\nmode: enforce\nmx: a.b\nmax_age: 1\n"),
	PBAD("version: stsv1\nmode: enforce\nmx: a.b\nmax_age: 1\n"),
	PBAD("version: STSv1 x\nmode: enforce\nmx: a.b\nmax_age: 1\n"),
	PBAD("version:\nmode: enforce\nmx: a.b\nmax_age: 1\n"),
	PBAD("Version: STSv1\nmode: enforce\nmx: a.b\nmax_age: 1\n"),
	/* mode. */
	POK0("version: STSv1\nmode: none\nmax_age: 86400\n", STS_MODE_NONE,
	        86400),
	POK("version: STSv1\nmode: none\nmx: a.b\nmax_age: 86400\n",
	        STS_MODE_NONE, 86400, 1, "a.b"),
	PBAD("version: STSv1\nmode: enforce\nmax_age: 86400\n"),
	PBAD("version: STSv1\nmode: testing\nmax_age: 86400\n"),
	PBAD("version: STSv1\nmx: a.b\nmax_age: 86400\n"),
	PBAD("version: STSv1\nmode: Enforce\nmx: a.b\nmax_age: 1\n"),
	PBAD("version: STSv1\nmode: ENFORCE\nmx: a.b\nmax_age: 1\n"),
	PBAD("version: STSv1\nmode: enforce x\nmx: a.b\nmax_age: 1\n"),
	PBAD("version: STSv1\nmode: enforced\nmx: a.b\nmax_age: 1\n"),
	PBAD("version: STSv1\nmode:\nmx: a.b\nmax_age: 1\n"),
	PBAD("version: STSv1\nMode: enforce\nmx: a.b\nmax_age: 1\n"),
	POK0("version: STSv1\nMode: testing\nmode: none\nmax_age: 1\n",
	        STS_MODE_NONE, 1),
	/* max_age: 1*10DIGIT, capped at 31557600. */
	POK0("version: STSv1\nmode: none\nmax_age: 0\n", STS_MODE_NONE, 0),
	POK0("version: STSv1\nmode: none\nmax_age: 31557600\n", STS_MODE_NONE,
	        31557600),
	POK0("version: STSv1\nmode: none\nmax_age: 31557601\n", STS_MODE_NONE,
	        31557600),
	POK0("version: STSv1\nmode: none\nmax_age: 4294967296\n",
	        STS_MODE_NONE, 31557600),
	POK0("version: STSv1\nmode: none\nmax_age: 9999999999\n",
	        STS_MODE_NONE, 31557600),
	POK0("version: STSv1\nmode: none\nmax_age: 0000000007\n",
	        STS_MODE_NONE, 7),
	PBAD("version: STSv1\nmode: none\nmax_age: 10000000000\n"),
	PBAD("version: STSv1\nmode: none\nmax_age: 00000000007\n"),
	PBAD("version: STSv1\nmode: none\nmax_age: -1\n"),
	PBAD("version: STSv1\nmode: none\nmax_age: +1\n"),
	PBAD("version: STSv1\nmode: none\nmax_age: 12a\n"),
	PBAD("version: STSv1\nmode: none\nmax_age: 1 2\n"),
	PBAD("version: STSv1\nmode: none\nmax_age: 0x10\n"),
	PBAD("version: STSv1\nmode: none\nmax_age:\n"),
	PBAD("version: STSv1\nmode: none\nmax_age: 1.5\n"),
	PBAD("version: STSv1\nmode: enforce\nmx: a.b\n"),
	/* Duplicates: the first version, mode, max_age wins (§3.2). */
	POK(HEAD "mx: a.b\nmode: testing\n", STS_MODE_ENFORCE, 86400, 1,
	        "a.b"),
	POK(HEAD "mx: a.b\nmax_age: 5\n", STS_MODE_ENFORCE, 86400, 1, "a.b"),
	POK(HEAD "mx: a.b\nversion: STSv1\n", STS_MODE_ENFORCE, 86400, 1,
	        "a.b"),
	POK0("version: STSv1\nmode: none\nmode: enforce\nmax_age: 1\n",
	        STS_MODE_NONE, 1),
	PBAD(HEAD "mx: a.b\nmode: bogus\n"),
	PBAD(HEAD "mx: a.b\nmax_age: -5\n"),
	PBAD(HEAD "mx: a.b\nversion: STSv2\n"),
	POK(HEAD "mx: a.b\nmx: a.b\nmx: c.d\n", STS_MODE_ENFORCE, 86400, 3,
	        "a.b", "a.b", "c.d"),
	/* mx patterns. */
	POK(HEAD "mx: *.a.b\n", STS_MODE_ENFORCE, 86400, 1, "*.a.b"),
	POK(HEAD "mx: MX.Example.COM\nmx: *.EXAMPLE.net\n", STS_MODE_ENFORCE,
	        86400, 2, "mx.example.com", "*.example.net"),
	POK(HEAD "mx: localhost\n", STS_MODE_ENFORCE, 86400, 1, "localhost"),
	POK(HEAD "mx: 1mx-2.xn--bcher-kva.example\n", STS_MODE_ENFORCE, 86400,
	        1, "1mx-2.xn--bcher-kva.example"),
	POK(HEAD "mx: " L63 ".example\n", STS_MODE_ENFORCE, 86400, 1,
	        L63 ".example"),
	POK(HEAD "mx: " D253 "\n", STS_MODE_ENFORCE, 86400, 1, D253),
	POK(HEAD "mx: *." D253 "\n", STS_MODE_ENFORCE, 86400, 1, "*." D253),
	PBAD(HEAD "mx: " D254 "\n"),
	PBAD(HEAD "mx: " L64 ".example\n"),
	PBAD(HEAD "mx: *.\n"),
	PBAD(HEAD "mx: *\n"),
	PBAD(HEAD "mx: a.*.b\n"),
	PBAD(HEAD "mx: **.x\n"),
	PBAD(HEAD "mx: *.*.x\n"),
	PBAD(HEAD "mx: *x.y\n"),
	PBAD(HEAD "mx: .a.b\n"),
	PBAD(HEAD "mx: a.b.\n"),
	PBAD(HEAD "mx: a..b\n"),
	PBAD(HEAD "mx: -a.b\n"),
	PBAD(HEAD "mx: a-.b\n"),
	PBAD(HEAD "mx: a_b.c\n"),
	PBAD(HEAD "mx: a.b c.d\n"),
	PBAD(HEAD "mx: a.b,c.d\n"),
	PBAD(HEAD "mx: [192.0.2.1]\n"),
	PBAD(HEAD "mx: b\xc3\xbc"
	          "cher.example\n"),
	PBAD(HEAD "mx:\n"),
	PBAD(HEAD "mx: a.b\nmx: bad_name\n"),
	/* Extensions: checked, then ignored. */
	POK(HEAD "mx: a.b\nfoo: bar baz\n", STS_MODE_ENFORCE, 86400, 1, "a.b"),
	POK(HEAD "mx: a.b\nfoo: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7\n",
	        STS_MODE_ENFORCE, 86400, 1, "a.b"),
	POK(HEAD "mx: a.b\n" NAME32 ": x\n", STS_MODE_ENFORCE, 86400, 1,
	        "a.b"),
	POK(HEAD "mx: a.b\nfoo: a: b = c; d\n", STS_MODE_ENFORCE, 86400, 1,
	        "a.b"),
	PBAD(HEAD "mx: a.b\n" NAME33 ": x\n"),
	PBAD(HEAD "mx: a.b\n_foo: x\n"),
	PBAD(HEAD "mx: a.b\nfoo:\n"),
	PBAD(HEAD "mx: a.b\nfoo:   \n"),
	PBAD(HEAD "mx: a.b\nfoo: a\tb\n"),
	PBAD(HEAD "mx: a.b\nfoo: a\x7f\n"),
	PBAD(HEAD "mx: a.b\nfoo: \xff\n"),
	PBAD(HEAD "mx: a.b\nfoo: \xc3\n"),
	PBAD(HEAD "mx: a.b\nfoo: \xc0\xaf\n"),
	PBAD(HEAD "mx: a.b\nfoo: \xed\xa0\x80\n"),
	PBAD(HEAD "mx: a.b\nfoo: \xf4\x90\x80\x80\n"),
	PBAD(HEAD "mx: a.b\nfoo bar: x\n"),
};

static void
test_parse_table(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(policy_cases) / sizeof(policy_cases[0]); i++) {
		const struct policy_case *c = &policy_cases[i];
		struct sts_policy         pol;
		char                      why[256] = "";
		int                       rc;

		memset(&pol, 0xa5, sizeof(pol));
		rc = sts_policy_parse(c->body, c->len, &pol, why, sizeof(why));
		if (rc != c->want) {
			print_error("case %zu: got %d want %d (%s)\n", i, rc,
			        c->want, why);
		}
		assert_int_equal(rc, c->want);
		if (rc != 0) {
			assert_true(why[0] != '\0');
			assert_int_equal(pol.nmx, 0);
			assert_null(pol.mx);
			assert_int_equal(pol.max_age, 0);
			assert_int_equal(pol.mode, STS_MODE_NONE);
			continue;
		}
		assert_int_equal(pol.mode, c->mode);
		assert_int_equal(pol.max_age, c->max_age);
		assert_int_equal(pol.nmx, c->nmx);
		for (k = 0; k < c->nmx; k++) {
			assert_string_equal(pol.mx[k], c->mx[k]);
		}
		sts_policy_clear(&pol);
		assert_int_equal(pol.nmx, 0);
		assert_null(pol.mx);
	}
}

struct why_case {
	const char *body;
	const char *why;
};

static const struct why_case why_cases[] = {
	{ "mode: enforce\n",
	        "line 1: first field must be version, not 'mode'" },
	{ HEAD "mx: a.b\r", "line 4: CR not followed by LF" },
	{ HEAD "mx: a.b\n\nmx: c.d\n", "line 5: empty line" },
	{ "version: STSv1\nmode: none\nmax_age: 123456789012\n",
	        "line 3: max_age of 12 digits, 1 to 10 allowed" },
	{ "version: STSv1\nmode: Enforce\n",
	        "line 2: mode 'Enforce' is not enforce, testing or none" },
	{ HEAD "mx: a.*.b\n", "line 4: mx 'a.*.b': invalid character" },
	{ "version: STSv1\nmode: testing\nmax_age: 1\n",
	        "mode testing requires at least one mx field" },
	{ "version: STSv1\nmode: none\n", "missing max_age field" },
};

static void
test_why(void **state)
{
	struct sts_policy pol;
	size_t            i;
	char              why[256];
	char             *big;

	(void)state;
	for (i = 0; i < sizeof(why_cases) / sizeof(why_cases[0]); i++) {
		why[0] = '\0';
		assert_int_equal(sts_policy_parse(why_cases[i].body,
		                         strlen(why_cases[i].body), &pol, why,
		                         sizeof(why)),
		        -1);
		assert_string_equal(why, why_cases[i].why);
	}
	assert_int_equal(sts_policy_parse(LIT("x"), &pol, NULL, 0), -1);
	assert_int_equal(
	        sts_policy_parse(NULL, 0, &pol, why, sizeof(why)), -1);
	assert_int_equal(sts_policy_parse(LIT(HEAD "mx: a.b\n"), NULL, why,
	                         sizeof(why)),
	        -1);

	/* The size cap: a body of exactly STS_POLICY_MAX_BODY bytes parses,
	 * one byte more does not. */
	big = malloc(STS_POLICY_MAX_BODY + 2);
	assert_non_null(big);
	memset(big, 'x', STS_POLICY_MAX_BODY + 1);
	memcpy(big, HEAD "mx: a.b\nfoo: ", strlen(HEAD "mx: a.b\nfoo: "));
	big[STS_POLICY_MAX_BODY - 1] = '\n';
	assert_int_equal(sts_policy_parse(big, STS_POLICY_MAX_BODY, &pol, why,
	                         sizeof(why)),
	        0);
	sts_policy_clear(&pol);
	big[STS_POLICY_MAX_BODY - 1] = 'x';
	big[STS_POLICY_MAX_BODY]     = '\n';
	assert_int_equal(sts_policy_parse(big, STS_POLICY_MAX_BODY + 1, &pol,
	                         why, sizeof(why)),
	        -1);
	assert_string_equal(
	        why, "policy of 65537 bytes, at most 65536 allowed");
	free(big);
}

struct match_case {
	const char *pattern;
	const char *host;
	int         want;
};

static const struct match_case match_cases[] = {
	{ "mail.example.com", "mail.example.com", 1 },
	{ "mail.example.com", "MAIL.EXAMPLE.COM", 1 },
	{ "MAIL.example.com", "mail.EXAMPLE.com", 1 },
	{ "mail.example.com", "mail.example.com.", 1 },
	{ "mail.example.com.", "mail.example.com", 1 },
	{ "mail.example.com", "mail.example.co", 0 },
	{ "mail.example.com", "mail.example.com.au", 0 },
	{ "mail.example.com", "xmail.example.com", 0 },
	{ "mail.example.com", "a.mail.example.com", 0 },
	{ "mail.example.com", "mail.example.com..", 0 },
	{ "*.example.com", "mx.example.com", 1 },
	{ "*.example.com", "MX.EXAMPLE.COM.", 1 },
	{ "*.EXAMPLE.com", "mx.example.COM", 1 },
	{ "*.example.com", "a.b.example.com", 0 },
	{ "*.example.com", "example.com", 0 },
	{ "*.example.com", "example.com.", 0 },
	{ "*.example.com", ".example.com", 0 },
	{ "*.example.com", "xexample.com", 0 },
	{ "*.example.com", "mx.example.com.evil", 0 },
	{ "*.example.com", "mx.example.org", 0 },
	{ "*.example.com", "*.example.com", 1 },
	{ "*.a.b", "x.a.b", 1 },
	{ "*.a.b", "a.b", 0 },
	{ "*.", "mx", 0 },
	{ "*.", "x.", 0 },
	{ "*", "x", 0 },
	{ "", "", 0 },
	{ ".", ".", 0 },
	{ "mail.example.com", "", 0 },
	{ "", "mail.example.com", 0 },
	{ "mail.example.com", NULL, 0 },
	{ NULL, "mail.example.com", 0 },
};

static void
test_match_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		int r = sts_policy_mx_match(c->pattern, c->host);
		if (r != c->want) {
			print_error("case %zu: '%s' vs '%s': got %d\n", i,
			        c->pattern ? c->pattern : "(null)",
			        c->host ? c->host : "(null)", r);
		}
		assert_int_equal(r, c->want);
	}
}

static const char rfc_example[]
        = "version: STSv1\nmode: enforce\nmx: mail.example.com\n"
          "mx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n";

static const struct match_case allowed_cases[] = {
	{ NULL, "mail.example.com", 1 },
	{ NULL, "Mail.Example.Com.", 1 },
	{ NULL, "mx1.example.net", 1 },
	{ NULL, "backupmx.example.com", 1 },
	{ NULL, "example.net", 0 },
	{ NULL, "a.b.example.net", 0 },
	{ NULL, "evil.example.com", 0 },
	{ NULL, "mail.example.org", 0 },
	{ NULL, "", 0 },
};

static void
test_allowed_table(void **state)
{
	struct sts_policy pol;
	size_t            i;

	(void)state;
	assert_int_equal(sts_policy_parse(rfc_example, strlen(rfc_example),
	                         &pol, NULL, 0),
	        0);
	for (i = 0; i < sizeof(allowed_cases) / sizeof(allowed_cases[0]);
	        i++) {
		assert_int_equal(
		        sts_policy_mx_allowed(&pol, allowed_cases[i].host),
		        allowed_cases[i].want);
	}
	sts_policy_clear(&pol);
	assert_int_equal(sts_policy_mx_allowed(&pol, "mail.example.com"), 0);
	assert_int_equal(sts_policy_mx_allowed(NULL, "mail.example.com"), 0);
}

static void
test_copy_clear(void **state)
{
	struct sts_policy pol, cp;
	size_t            i;

	(void)state;
	assert_int_equal(sts_policy_parse(rfc_example, strlen(rfc_example),
	                         &pol, NULL, 0),
	        0);
	assert_int_equal(sts_policy_copy(&cp, &pol), 0);
	assert_int_equal(cp.mode, pol.mode);
	assert_int_equal(cp.max_age, pol.max_age);
	assert_int_equal(cp.nmx, pol.nmx);
	for (i = 0; i < pol.nmx; i++) {
		assert_string_equal(cp.mx[i], pol.mx[i]);
		assert_ptr_not_equal(cp.mx[i], pol.mx[i]);
	}
	sts_policy_clear(&pol);
	assert_int_equal(sts_policy_mx_allowed(&cp, "mx.example.net"), 1);
	sts_policy_clear(&cp);
	sts_policy_clear(&cp);
	sts_policy_clear(NULL);

	/* A policy without mx copies to one without mx. */
	assert_int_equal(sts_policy_parse(LIT("version: STSv1\nmode: none\n"
	                                      "max_age: 0\n"),
	                         &pol, NULL, 0),
	        0);
	assert_int_equal(sts_policy_copy(&cp, &pol), 0);
	assert_int_equal(cp.nmx, 0);
	assert_null(cp.mx);
	sts_policy_clear(&cp);
	sts_policy_clear(&pol);
}

static void
test_mode_name(void **state)
{
	(void)state;
	assert_string_equal(sts_mode_name(STS_MODE_ENFORCE), "enforce");
	assert_string_equal(sts_mode_name(STS_MODE_TESTING), "testing");
	assert_string_equal(sts_mode_name(STS_MODE_NONE), "none");
	assert_string_equal(sts_mode_name((enum sts_mode)42), "unknown");
}

static void
test_to_json(void **state)
{
	struct sts_policy pol;
	json_t           *j;
	char             *s;

	(void)state;
	assert_int_equal(sts_policy_parse(rfc_example, strlen(rfc_example),
	                         &pol, NULL, 0),
	        0);
	j = sts_policy_to_json(&pol);
	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s);
	assert_string_equal(s,
	        "{\"version\":\"STSv1\",\"mode\":\"enforce\",\"mx\":"
	        "[\"mail.example.com\",\"*.example.net\","
	        "\"backupmx.example.com\"],\"max_age\":604800}");
	free(s);
	json_decref(j);
	sts_policy_clear(&pol);

	assert_int_equal(sts_policy_parse(LIT("version: STSv1\nmode: none\n"
	                                      "max_age: 99999999999\n"),
	                         &pol, NULL, 0),
	        -1);
	assert_int_equal(sts_policy_parse(LIT("version: STSv1\nmode: none\n"
	                                      "max_age: 9999999999\n"),
	                         &pol, NULL, 0),
	        0);
	j = sts_policy_to_json(&pol);
	s = json_dumps(j, JSON_COMPACT);
	assert_string_equal(s,
	        "{\"version\":\"STSv1\",\"mode\":\"none\","
	        "\"mx\":[],\"max_age\":31557600}");
	free(s);
	json_decref(j);
	sts_policy_clear(&pol);
	assert_null(sts_policy_to_json(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_why),
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_allowed_table),
		cmocka_unit_test(test_copy_clear),
		cmocka_unit_test(test_mode_name),
		cmocka_unit_test(test_to_json),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
