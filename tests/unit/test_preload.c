/*
 * test_preload.c - table-driven tests of the MTA-STS preload list (EFF
 * STARTTLS-Everywhere policy.json): valid lists (inline policies, aliases,
 * time formats), every validation error, expiry, lookups (hits, misses,
 * case, trailing dot, aliases), list pattern matching, preload_load on
 * tests/data/preload/sample.json and a 100k-domain list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sts/preload.h"

#ifndef MXTLS_SOURCE_DIR
#define MXTLS_SOURCE_DIR "."
#endif
#define SAMPLE MXTLS_SOURCE_DIR "/tests/data/preload/sample.json"

#define NOW   INT64_C(1700000000) /* 2023-11-14T22:13:20Z */
#define E2099 INT64_C(4070908800) /* 2099-01-01T00:00:00Z */

/* A list with the given top-level members after the three required. */
#define TOP(rest)                                                             \
	"{\"version\":\"0.1\",\"timestamp\":\"2020-01-01T00:00:00Z\","        \
	"\"expires\":\"2099-01-01T00:00:00Z\"," rest "}"
#define POLS(x)       TOP("\"policies\":{" x "}")
#define ALIASES(a, x) TOP("\"policy-aliases\":{" a "},\"policies\":{" x "}")
/* A list with the given timestamp and expires values (JSON text). */
#define TIMES(ts, ex)                                                         \
	"{\"version\":\"0.1\",\"timestamp\":" ts ",\"expires\":" ex           \
	",\"policies\":{}}"
#define ENF(d) "\"" d "\":{\"mode\":\"enforce\",\"mxs\":[\"." d "\"]}"

struct parse_case {
	const char *json;
	int64_t     now;
	size_t      count; /* when valid */
	const char *why;   /* NULL: valid; else a substring of why */
};

#define OK(j, n)                                                              \
	{                                                                     \
		j, NOW, n, NULL                                               \
	}
#define BAD(j, w)                                                             \
	{                                                                     \
		j, NOW, 0, w                                                  \
	}

static const struct parse_case parse_cases[] = {
	/* Valid lists. */
	OK(POLS(""), 0),
	OK(POLS(ENF("example.com")), 1),
	OK(POLS(ENF("a.example") "," ENF("b.example") "," ENF("c.example")),
	        3),
	OK(POLS("\"example.com\":{\"mode\":\"testing\",\"mxs\":"
	        "[\"mx.example.com\",\".example.net\"]}"),
	        1),
	OK(ALIASES("\"g\":{\"mode\":\"testing\",\"mxs\":[\".google.test\"]}",
	           "\"gmail.test\":{\"policy-alias\":\"g\"},"
	           "\"googlemail.test\":{\"policy-alias\":\"g\"}"),
	        2),
	/* Unused alias; empty aliases object. */
	OK(ALIASES("\"u\":{\"mode\":\"enforce\",\"mxs\":[\"mx.u.test\"]}",
	           ENF("x.test")),
	        1),
	OK(ALIASES("", ENF("x.test")), 1),
	/* Unknown fields are ignored, known ones type-checked. */
	OK(TOP("\"x-extra\":[1,2],\"author\":\"EFF\",\"policies\":{"
	       "\"x.test\":{\"mode\":\"enforce\",\"mxs\":[\".x.test\"],"
	       "\"min-tls-version\":\"TLSv1.2\"}}"),
	        1),
	/* Keys and patterns: case and one trailing dot are normalised. */
	OK(POLS("\"EXAMPLE.Com.\":{\"mode\":\"enforce\",\"mxs\":"
	        "[\"MX.Example.COM.\"]}"),
	        1),
	/* Versions 0 and 0.x. */
	OK("{\"version\":\"0\",\"timestamp\":0,\"expires\":4070908800,"
	   "\"policies\":{}}",
	        0),
	OK("{\"version\":\"0.2\",\"timestamp\":0,\"expires\":4070908800,"
	   "\"policies\":{}}",
	        0),
	/* Time formats (values checked in test_times). */
	OK(TIMES("1401093333", "4070908800"), 0),
	OK(TIMES("\"2014-05-26T01:35:33+0000\"", "\"2099-01-01T00:00:00Z\""),
	        0),
	OK(TIMES("\"2020-05-20T10:25:12.710034-07:00\"",
	           "\"2096-02-29T12:00:00+05:30\""),
	        0),
	/* timestamp == expires, just after now. */
	{ TIMES("1700000001", "1700000001"), NOW, 0, NULL },

	/* JSON and top level. */
	BAD("", "empty list"),
	BAD("{", "JSON error at line"),
	BAD("[]", "not a JSON object"),
	BAD("{\"version\":\"0.1\",\"version\":\"0.1\"}", "JSON error"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mode\":\"testing\","
	         "\"mxs\":[\".x.test\"]}"),
	        "duplicate"),
	/* Even an identical duplicate (EFF lists of Jul-Dec 2018 had two
	 * "salesforce.com" keys; Python and Go take the last silently). */
	BAD(POLS(ENF("x.test") "," ENF("x.test")),
	        "duplicate object key near '\"x.test\"'"),
	BAD(POLS("\"x.test\":{\"mode\":\"enf\\u0000orce\",\"mxs\":"
	         "[\".x.test\"]}"),
	        "JSON error"),
	BAD("{\"timestamp\":0,\"expires\":4070908800,\"policies\":{}}",
	        "\"version\" missing"),
	BAD("{\"version\":0.1,\"timestamp\":0,\"expires\":4070908800,"
	    "\"policies\":{}}",
	        "\"version\" is not a string"),
	BAD("{\"version\":\"1.0\",\"timestamp\":0,\"expires\":4070908800,"
	    "\"policies\":{}}",
	        "unsupported version \"1.0\""),
	BAD("{\"version\":\"01\",\"timestamp\":0,\"expires\":4070908800,"
	    "\"policies\":{}}",
	        "unsupported version"),
	BAD(TOP("\"author\":7,\"policies\":{}"), "\"author\" is not a string"),
	BAD(TOP("\"policy-aliases\":[],\"policies\":{}"),
	        "\"policy-aliases\" is not an object"),
	BAD(TOP("\"policy-aliases\":{}"), "\"policies\" missing"),
	BAD(TOP("\"policies\":[]"), "\"policies\" is not an object"),

	/* Timestamps. */
	BAD("{\"version\":\"0.1\",\"expires\":4070908800,\"policies\":{}}",
	        "\"timestamp\" missing"),
	BAD("{\"version\":\"0.1\",\"timestamp\":0,\"policies\":{}}",
	        "\"expires\" missing"),
	BAD(TIMES("0", "4070908800.0"), "\"expires\" is not a date-time"),
	BAD(TIMES("-1", "4070908800"), "\"timestamp\" is negative"),
	BAD(TIMES("null", "4070908800"), "\"timestamp\" is not a date-time"),
	BAD(TIMES("\"2020-01-01\"", "4070908800"), "not an RFC 3339"),
	BAD(TIMES("\"2020-01-01 00:00:00Z\"", "4070908800"),
	        "not an RFC 3339"),
	BAD(TIMES("\"2020-01-01t00:00:00Z\"", "4070908800"),
	        "not an RFC 3339"),
	BAD(TIMES("\"20x0-01-01T00:00:00Z\"", "4070908800"),
	        "not an RFC 3339"),
	BAD(TIMES("\"2020-01-01T00:00:00\"", "4070908800"), "no time zone"),
	BAD(TIMES("0", "\"2099-01-01T00:00:00z\""), "no time zone"),
	BAD(TIMES("\"2020-13-01T00:00:00Z\"", "4070908800"), "month out of"),
	BAD(TIMES("\"2020-00-01T00:00:00Z\"", "4070908800"), "month out of"),
	BAD(TIMES("\"2021-02-29T00:00:00Z\"", "4070908800"), "day out of"),
	BAD(TIMES("\"2100-02-29T00:00:00Z\"", "4070908800"), "day out of"),
	BAD(TIMES("\"2020-04-31T00:00:00Z\"", "4070908800"), "day out of"),
	BAD(TIMES("\"2020-01-01T24:00:00Z\"", "4070908800"), "time of day"),
	BAD(TIMES("\"2020-01-01T00:60:00Z\"", "4070908800"), "time of day"),
	BAD(TIMES("\"2020-01-01T00:00:60Z\"", "4070908800"), "time of day"),
	BAD(TIMES("\"2020-01-01T00:00:00.Z\"", "4070908800"),
	        "empty fraction"),
	BAD(TIMES("\"2020-01-01T00:00:00+24:00\"", "4070908800"),
	        "bad time zone"),
	BAD(TIMES("\"2020-01-01T00:00:00+01\"", "4070908800"),
	        "bad time zone"),
	BAD(TIMES("\"2020-01-01T00:00:00+01:6\"", "4070908800"),
	        "bad time zone"),
	BAD(TIMES("\"2020-01-01T00:00:00Z \"", "4070908800"), "trailing"),
	BAD(TIMES("\"2020-01-01T00:00:00+01:000\"", "4070908800"), "trailing"),
	BAD(TIMES("\"2099-01-02T00:00:00Z\"", "\"2099-01-01T00:00:00Z\""),
	        "timestamp 2099-01-02T00:00:00Z is after expires "
	        "2099-01-01T00:00:00Z"),

	/* Expiry: expires <= now. */
	{ TIMES("0", "1700000000"), NOW, 0,
	        "list expired at 2023-11-14T22:13:20Z" },
	{ TIMES("0", "\"2020-06-03T10:25:12.710055-07:00\""), NOW, 0,
	        "list expired at 2020-06-03T17:25:12Z" },
	{ POLS(ENF("x.test")), E2099, 0, "list expired at 2099-01-01" },

	/* Domain keys. */
	BAD(POLS("\"exa mple.com\":{\"mode\":\"enforce\",\"mxs\":[\".x.y\"]}"),
	        "policies: \"exa mple.com\": bad domain: space"),
	BAD(POLS("\"-x.com\":{\"mode\":\"enforce\",\"mxs\":[\".x.y\"]}"),
	        "bad domain: label starts with a hyphen"),
	BAD(POLS("\"a..b\":{\"mode\":\"enforce\",\"mxs\":[\".x.y\"]}"),
	        "bad domain: empty label"),
	BAD(POLS("\"\":{\"mode\":\"enforce\",\"mxs\":[\".x.y\"]}"),
	        "policies: \"\": bad domain: empty"),
	BAD(POLS("\"localhost\":{\"mode\":\"enforce\",\"mxs\":[\".x.y\"]}"),
	        "policies: \"localhost\": bad domain: needs at least two"),
	BAD(POLS("\".example.com\":{\"mode\":\"enforce\",\"mxs\":[\".x.y\"]}"),
	        "bad domain: leading dot"),
	BAD(POLS("\"b\\u00fccher.example\":{\"mode\":\"enforce\",\"mxs\":"
	         "[\".x.y\"]}"),
	        "policies: \"b??cher.example\": bad domain: not an A-label"),
	BAD(POLS("\"[192.0.2.1]\":{\"mode\":\"enforce\",\"mxs\":[\".x.y\"]}"),
	        "bad domain: address literal"),
	BAD(POLS(ENF("example.com") ",\"Example.COM\":{\"mode\":\"testing\","
	                            "\"mxs\":[\".example.com\"]}"),
	        "policies: \"example.com\" listed twice"),
	BAD(POLS(ENF("example.com") ",\"example.com.\":{\"mode\":\"testing\","
	                            "\"mxs\":[\".example.com\"]}"),
	        "listed twice"),
	BAD(POLS("\"x.test\":[]"), "policies: \"x.test\": not an object"),

	/* Modes. */
	BAD(POLS("\"x.test\":{\"mode\":\"Enforce\",\"mxs\":[\".x.test\"]}"),
	        "policies: \"x.test\": unknown mode \"Enforce\""),
	BAD(POLS("\"x.test\":{\"mode\":\"none\",\"mxs\":[\".x.test\"]}"),
	        "unknown mode \"none\""),
	BAD(POLS("\"x.test\":{\"mode\":\"\",\"mxs\":[\".x.test\"]}"),
	        "unknown mode \"\""),
	BAD(POLS("\"x.test\":{\"mode\":1,\"mxs\":[\".x.test\"]}"),
	        "\"mode\" is not a string"),
	BAD(POLS("\"x.test\":{\"mxs\":[\".x.test\"]}"),
	        "policies: \"x.test\": \"mode\" missing"),

	/* mxs. */
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\"}"),
	        "policies: \"x.test\": \"mxs\" missing (required in enforce "
	        "mode)"),
	BAD(POLS("\"x.test\":{\"mode\":\"testing\"}"),
	        "\"mxs\" missing (required in testing mode)"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":\".x.test\"}"),
	        "policies: \"x.test\": \"mxs\" is not an array"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":{}}"),
	        "\"mxs\" is not an array"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":[]}"),
	        "\"mxs\" is empty"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":[\"a.x.test\",5]}"),
	        "policies: \"x.test\": mxs[1] is not a string"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":[\"*.x.test\"]}"),
	        "mxs[0] \"*.x.test\": \"*.\" is not list syntax"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":[\".\"]}"),
	        "mxs[0] \".\": empty domain name"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":[\"\"]}"),
	        "mxs[0] \"\": empty domain name"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":[\"..x.test\"]}"),
	        "mxs[0] \"..x.test\": leading dot"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":[\"mx\"]}"),
	        "mxs[0] \"mx\": needs at least two labels"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":[\".test\"]}"),
	        "mxs[0] \".test\": needs at least two labels"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":[\"mx.x.test:25\"]"
	         "}"),
	        "invalid character ':'"),
	BAD(POLS("\"x.test\":{\"mode\":\"enforce\",\"mxs\":[\"mx_1.x.test\"]"
	         "}"),
	        "underscore"),

	/* Aliases. */
	BAD(POLS("\"x.test\":{\"policy-alias\":\"nope\"}"),
	        "policies: \"x.test\": policy-alias \"nope\" not in "
	        "policy-aliases"),
	BAD(ALIASES("\"g\":{\"mode\":\"enforce\",\"mxs\":[\".g.test\"]}",
	            "\"x.test\":{\"policy-alias\":\"G\"}"),
	        "policy-alias \"G\" not in policy-aliases"),
	BAD(ALIASES("\"g\":{\"mode\":\"enforce\",\"mxs\":[\".g.test\"]}",
	            "\"x.test\":{\"policy-alias\":1}"),
	        "\"policy-alias\" is not a string"),
	BAD(ALIASES("\"g\":{\"mode\":\"enforce\",\"mxs\":[\".g.test\"]}",
	            "\"x.test\":{\"policy-alias\":\"g\",\"mode\":"
	            "\"testing\"}"),
	        "policies: \"x.test\": \"policy-alias\" combined with"),
	BAD(ALIASES("\"g\":{\"mode\":\"enforce\",\"mxs\":[\".g.test\"]}",
	            "\"x.test\":{\"policy-alias\":\"g\",\"mxs\":[\".x.test\"]"
	            "}"),
	        "combined with"),
	BAD(ALIASES("\"g\":{\"mode\":\"enforce\",\"mxs\":[\".g.test\"]},"
	            "\"h\":{\"policy-alias\":\"g\"}",
	            ""),
	        "policy-aliases: \"h\": an alias cannot use \"policy-alias\""),
	BAD(ALIASES("\"g\":{\"mode\":\"none\",\"mxs\":[\".g.test\"]}", ""),
	        "policy-aliases: \"g\": unknown mode \"none\""),
	BAD(ALIASES("\"g\":{\"mode\":\"enforce\"}", ""),
	        "policy-aliases: \"g\": \"mxs\" missing"),
	BAD(ALIASES("\"g\":\"enforce\"", ""),
	        "policy-aliases: \"g\": not an object"),
	BAD(ALIASES("\"\":{\"mode\":\"enforce\",\"mxs\":[\".g.test\"]}", ""),
	        "empty alias name"),

	/* One bad entry among good ones rejects the whole list. */
	BAD(POLS(ENF("a.test") "," ENF(
	            "b.test") ",\"c.test\":{\"mode\":\"enforced\",\"mxs\":[\"."
	                      "c.test\"]}," ENF("d.test")),
	        "policies: \"c.test\": unknown mode \"enforced\""),
};

static void
test_parse_table(void **state)
{
	size_t          i;
	struct preload *p;
	char            why[256];

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		memset(why, 'X', sizeof(why));
		p = preload_parse(
		        c->json, strlen(c->json), c->now, why, sizeof(why));
		if (c->why == NULL) {
			if (p == NULL) {
				print_error("case %zu: %s\n  rejected: %s\n",
				        i, c->json, why);
			}
			assert_non_null(p);
			assert_int_equal(preload_count(p), c->count);
			preload_free(p);
		} else {
			if (p != NULL || strstr(why, c->why) == NULL) {
				print_error("case %zu: %s\n  want \"%s\"\n"
				            "  got %s: %s\n",
				        i, c->json, c->why,
				        p != NULL ? "accepted" : "rejected",
				        p != NULL ? "" : why);
			}
			assert_null(p);
			assert_non_null(strstr(why, c->why));
		}
	}
}

/* Parsing a valid list with why == NULL, and invalid ones too. */
static void
test_parse_null_why(void **state)
{
	static const char good[] = POLS(ENF("x.test"));
	static const char bad[]  = POLS("\"x.test\":{\"mode\":\"bad\"}");
	struct preload   *p;
	char              why[4];

	(void)state;
	p = preload_parse(good, sizeof(good) - 1, NOW, NULL, 0);
	assert_non_null(p);
	preload_free(p);
	assert_null(preload_parse(bad, sizeof(bad) - 1, NOW, NULL, 0));
	assert_null(preload_parse(NULL, 0, NOW, NULL, 0));
	/* A short why is truncated, still terminated. */
	assert_null(
	        preload_parse(bad, sizeof(bad) - 1, NOW, why, sizeof(why)));
	assert_int_equal(strlen(why), 3);
	/* Not NUL-terminated input: only len bytes are read. */
	p = preload_parse(good, sizeof(good) - 2, NOW, NULL, 0);
	assert_null(p);
	preload_free(NULL);
}

struct time_case {
	const char *ts; /* JSON text of timestamp */
	int64_t     want;
};

static const struct time_case time_cases[] = {
	{ "0", 0 },
	{ "1401093333", 1401093333 },
	{ "\"1970-01-01T00:00:00Z\"", 0 },
	{ "\"1969-12-31T23:59:59Z\"", -1 },
	{ "\"2023-11-14T22:13:20Z\"", NOW },
	{ "\"2023-11-14T22:13:20.999999999Z\"", NOW },
	{ "\"2020-06-03T10:25:12.710055-07:00\"", 1591205112 },
	{ "\"2020-06-03T10:25:12.710055-0700\"", 1591205112 },
	{ "\"2020-06-03T17:25:12+00:00\"", 1591205112 },
	{ "\"2000-03-01T00:00:00-01:00\"", 951872400 },
	{ "\"2096-02-29T12:00:00+05:30\"", 3981335400 },
	{ "\"2099-01-01T00:00:00Z\"", E2099 },
};

static void
test_times(void **state)
{
	size_t          i;
	struct preload *p;
	char            json[256], why[256];

	(void)state;
	for (i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
		snprintf(json, sizeof(json),
		        "{\"version\":\"0.1\",\"timestamp\":%s,"
		        "\"expires\":4102444799,\"policies\":{}}",
		        time_cases[i].ts);
		p = preload_parse(json, strlen(json), NOW, why, sizeof(why));
		if (p == NULL) {
			print_error("time case %zu: %s\n", i, why);
		}
		assert_non_null(p);
		assert_int_equal(preload_timestamp(p), time_cases[i].want);
		assert_int_equal(preload_expires(p), INT64_C(4102444799));
		preload_free(p);
	}
}

struct lookup_case {
	const char   *domain;
	int           found;
	const char   *normal;
	enum sts_mode mode;
	size_t        nmx;
	const char   *mx0;
};

static const struct lookup_case lookup_cases[] = {
	{ "preload-enforce.test", 1, "preload-enforce.test", STS_MODE_ENFORCE,
	        1, ".preload-enforce.test" },
	{ "PRELOAD-Enforce.TEST", 1, "preload-enforce.test", STS_MODE_ENFORCE,
	        1, ".preload-enforce.test" },
	{ "preload-enforce.test.", 1, "preload-enforce.test", STS_MODE_ENFORCE,
	        1, ".preload-enforce.test" },
	{ "preload-testing.test", 1, "preload-testing.test", STS_MODE_TESTING,
	        1, ".preload-testing.test" },
	{ "enforce.test", 1, "enforce.test", STS_MODE_ENFORCE, 1,
	        ".enforce.test" },
	{ "preload-multi.test", 1, "preload-multi.test", STS_MODE_ENFORCE, 3,
	        "mx1.preload-multi.test" },
	{ "preload-alias.test", 1, "preload-alias.test", STS_MODE_ENFORCE, 2,
	        "mx1.preload-provider.test" },
	{ "preload-alias-testing.test", 1, "preload-alias-testing.test",
	        STS_MODE_TESTING, 1, ".preload-provider.test" },
	/* Exact match only: no parent or subdomain matching. */
	{ "mx.preload-enforce.test", 0, NULL, 0, 0, NULL },
	{ "test", 0, NULL, 0, 0, NULL },
	{ "reload-enforce.test", 0, NULL, 0, 0, NULL },
	{ "preload-enforce.tes", 0, NULL, 0, 0, NULL },
	{ "preload-enforce.testx", 0, NULL, 0, 0, NULL },
	/* Alias names are not domains. */
	{ "preload-provider", 0, NULL, 0, 0, NULL },
	/* Invalid domains are simply not found. */
	{ "", 0, NULL, 0, 0, NULL },
	{ ".preload-enforce.test", 0, NULL, 0, 0, NULL },
	{ "preload-enforce.test..", 0, NULL, 0, 0, NULL },
	{ "[192.0.2.1]", 0, NULL, 0, 0, NULL },
	{ "preload enforce.test", 0, NULL, 0, 0, NULL },
};

static void
test_lookup_sample(void **state)
{
	struct preload      *p;
	struct preload_entry e, e2;
	char                 why[256];
	size_t               i;

	(void)state;
	p = preload_load(SAMPLE, NOW, why, sizeof(why));
	if (p == NULL) {
		print_error("%s\n", why);
	}
	assert_non_null(p);
	assert_int_equal(preload_count(p), 6);
	assert_int_equal(preload_expires(p), INT64_C(4102444799));
	assert_int_equal(preload_timestamp(p), INT64_C(1705339512));

	for (i = 0; i < sizeof(lookup_cases) / sizeof(lookup_cases[0]); i++) {
		const struct lookup_case *c = &lookup_cases[i];
		memset(&e, 0xa5, sizeof(e));
		if (c->found) {
			assert_int_equal(preload_lookup(p, c->domain, &e),
			        PRELOAD_FOUND);
			assert_string_equal(e.domain, c->normal);
			assert_int_equal(e.mode, c->mode);
			assert_int_equal(e.nmx, c->nmx);
			assert_string_equal(e.mx[0], c->mx0);
			assert_int_equal(preload_lookup(p, c->domain, NULL),
			        PRELOAD_FOUND);
		} else {
			if (preload_lookup(p, c->domain, &e)
			        != PRELOAD_NOTFOUND) {
				print_error("lookup case %zu: %s found\n", i,
				        c->domain);
			}
			assert_int_equal(preload_lookup(p, c->domain, &e),
			        PRELOAD_NOTFOUND);
			assert_null(e.domain);
			assert_null(e.mx);
			assert_int_equal(e.nmx, 0);
		}
	}
	assert_int_equal(preload_lookup(p, NULL, &e), PRELOAD_NOTFOUND);
	assert_int_equal(
	        preload_lookup(NULL, "enforce.test", &e), PRELOAD_NOTFOUND);

	/* The full mx lists, and mx_allowed over them. */
	assert_int_equal(
	        preload_lookup(p, "preload-multi.test", &e), PRELOAD_FOUND);
	assert_string_equal(e.mx[1], "mx2.preload-multi.test");
	assert_string_equal(e.mx[2], ".backup.preload-multi.test");
	assert_true(preload_mx_allowed(&e, "mx2.preload-multi.test"));
	assert_true(preload_mx_allowed(&e, "b1.backup.preload-multi.test."));
	assert_false(preload_mx_allowed(&e, "mx3.preload-multi.test"));
	assert_false(preload_mx_allowed(&e, "backup.preload-multi.test"));
	assert_false(preload_mx_allowed(NULL, "mx1.preload-multi.test"));

	/* Aliased domains share the alias's list. */
	assert_int_equal(
	        preload_lookup(p, "preload-alias.test", &e), PRELOAD_FOUND);
	assert_string_equal(e.mx[1], ".mx.preload-provider.test");
	assert_true(preload_mx_allowed(&e, "a.mx.preload-provider.test"));
	assert_false(preload_mx_allowed(&e, "mx.preload-provider.test"));
	assert_int_equal(preload_lookup(p, "preload-alias-testing.test", &e2),
	        PRELOAD_FOUND);
	assert_ptr_not_equal(e.mx, e2.mx);
	preload_free(p);

	assert_int_equal(preload_count(NULL), 0);
	assert_int_equal(preload_expires(NULL), 0);
}

/* Patterns are stored normalised; lookups of other keys normalised. */
static void
test_normalised_storage(void **state)
{
	static const char json[]
	        = POLS("\"EXAMPLE.Com.\":{\"mode\":\"enforce\",\"mxs\":"
	               "[\"MX.Example.COM.\",\".Backup.EXAMPLE.com\"]}");
	struct preload      *p;
	struct preload_entry e;

	(void)state;
	p = preload_parse(json, sizeof(json) - 1, NOW, NULL, 0);
	assert_non_null(p);
	assert_int_equal(preload_lookup(p, "example.com", &e), PRELOAD_FOUND);
	assert_string_equal(e.domain, "example.com");
	assert_string_equal(e.mx[0], "mx.example.com");
	assert_string_equal(e.mx[1], ".backup.example.com");
	preload_free(p);
}

static void
test_load_errors(void **state)
{
	struct preload *p;
	char            why[512];

	(void)state;
	p = preload_load(MXTLS_SOURCE_DIR "/tests/data/preload/nonexistent",
	        NOW, why, sizeof(why));
	assert_null(p);
	assert_non_null(strstr(why, "nonexistent: No such file"));

	p = preload_load(
	        MXTLS_SOURCE_DIR "/tests/data/preload", NOW, why, sizeof(why));
	assert_null(p);
	assert_non_null(strstr(why, "not a regular file"));

	p = preload_load("", NOW, why, sizeof(why));
	assert_null(p);
	p = preload_load(NULL, NOW, why, sizeof(why));
	assert_null(p);

	/* The sample expires at the end of 2099. */
	p = preload_load(SAMPLE, INT64_C(4102444799), why, sizeof(why));
	assert_null(p);
	assert_non_null(strstr(why,
	        "sample.json: list expired at "
	        "2099-12-31T23:59:59Z"));
}

struct match_case {
	const char *pattern;
	const char *host;
	int         want;
};

static const struct match_case match_cases[] = {
	/* Exact names. */
	{ "mx.example.com", "mx.example.com", 1 },
	{ "mx.example.com", "MX.EXAMPLE.COM", 1 },
	{ "MX.example.com", "mx.example.com", 1 },
	{ "mx.example.com", "mx.example.com.", 1 },
	{ "mx.example.com.", "mx.example.com", 1 },
	{ "mx.example.com", "mx.example.co", 0 },
	{ "mx.example.com", "mx.example.comm", 0 },
	{ "mx.example.com", "a.mx.example.com", 0 },
	{ "example.com", "mx.example.com", 0 },
	/* Leading dot: exactly one more label. */
	{ ".example.com", "mx.example.com", 1 },
	{ ".example.com", "MX.Example.Com.", 1 },
	{ ".example.com", "a-b.example.com", 1 },
	{ ".example.com", "example.com", 0 },
	{ ".example.com", ".example.com", 0 },
	{ ".example.com", "a.b.example.com", 0 },
	{ ".example.com", "mxexample.com", 0 },
	{ ".example.com", "mx.example.co", 0 },
	{ ".example.com", "mx.example.com.au", 0 },
	{ ".yahoodns.net", "mta7.am0.yahoodns.net", 0 },
	{ ".am0.yahoodns.net", "mta7.am0.yahoodns.net", 1 },
	/* RFC 8461 "*." is not list syntax: no match. */
	{ "*.example.com", "mx.example.com", 0 },
	/* Degenerate inputs. */
	{ ".", "mx.example.com", 0 },
	{ "..example.com", "mx..example.com", 0 },
	{ "", "", 0 },
	{ "", "mx.example.com", 0 },
	{ "mx.example.com", "", 0 },
	{ "mx.example.com", ".", 0 },
	{ ".com", "example.com", 1 },
	{ NULL, "mx.example.com", 0 },
	{ "mx.example.com", NULL, 0 },
};

static void
test_match_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		const struct match_case *c = &match_cases[i];
		if (preload_mx_match(c->pattern, c->host) != c->want) {
			print_error("match case %zu: %s vs %s\n", i,
			        c->pattern ? c->pattern : "(null)",
			        c->host ? c->host : "(null)");
		}
		assert_int_equal(
		        preload_mx_match(c->pattern, c->host), c->want);
	}
}

/* 100k domains: all found, neighbours not, in reasonable time. */
static void
test_large(void **state)
{
	const size_t         n = 100000;
	size_t               i, len = 0, cap = n * 80 + 1024;
	char                *json, name[64], why[256];
	struct preload      *p;
	struct preload_entry e;

	(void)state;
	json = malloc(cap);
	assert_non_null(json);
	len += (size_t)snprintf(json + len, cap - len,
	        "{\"version\":\"0.1\",\"timestamp\":0,\"expires\":4070908800,"
	        "\"policy-aliases\":{\"big\":{\"mode\":\"testing\",\"mxs\":"
	        "[\".big.test\"]}},\"policies\":{");
	for (i = 0; i < n; i++) {
		if (i % 2 == 0) {
			len += (size_t)snprintf(json + len, cap - len,
			        "%s\"d%zu.test\":{\"mode\":\"enforce\","
			        "\"mxs\":[\".d%zu.test\"]}",
			        i ? "," : "", i, i);
		} else {
			len += (size_t)snprintf(json + len, cap - len,
			        ",\"D%zu.Test\":{\"policy-alias\":\"big\"}",
			        i);
		}
	}
	len += (size_t)snprintf(json + len, cap - len, "}}");
	assert_true(len < cap);
	p = preload_parse(json, len, NOW, why, sizeof(why));
	free(json);
	if (p == NULL) {
		print_error("%s\n", why);
	}
	assert_non_null(p);
	assert_int_equal(preload_count(p), n);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "d%zu.test", i);
		assert_int_equal(preload_lookup(p, name, &e), PRELOAD_FOUND);
		assert_string_equal(e.domain, name);
		assert_int_equal(e.mode,
		        i % 2 == 0 ? STS_MODE_ENFORCE : STS_MODE_TESTING);
		snprintf(name, sizeof(name), "d%zu.test", i + n);
		assert_int_equal(
		        preload_lookup(p, name, NULL), PRELOAD_NOTFOUND);
	}
	preload_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_null_why),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_lookup_sample),
		cmocka_unit_test(test_normalised_storage),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_large),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
