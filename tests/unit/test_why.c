/*
 * test_why.c - common/why.c: why_set cuts to fit, and every why is made
 * valid UTF-8 (RFC 3629 §4) before it goes into JSON: stray and invalid
 * bytes become '?', a sequence cut at the end is dropped, valid text of
 * every length class is kept byte for byte. A reason quoting a peer's
 * bytes with %.40s once made a reply NULL (jansson refuses such a string)
 * and the daemon abort (fuzz_request's finding).
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

#include "proto.h"
#include "why.h"

static const struct {
	const char *in, *out;
} cases[] = {
	{ "", "" },
	{ "plain ASCII", "plain ASCII" },
	{ "\xc2\xa7 8.4", "\xc2\xa7 8.4" },         /* U+00A7 */
	{ "\xe2\x82\xac", "\xe2\x82\xac" },         /* U+20AC */
	{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" }, /* U+1F600 */
	{ "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf" }, /* U+10FFFF */
	{ "\xed\x9f\xbf", "\xed\x9f\xbf" },         /* U+D7FF */
	{ "\xee\x80\x80", "\xee\x80\x80" },         /* U+E000 */
	{ "cut \xd9", "cut " },                     /* 2-byte, cut */
	{ "cut \xe2\x82", "cut " },                 /* 3-byte, cut */
	{ "cut \xf0\x9f\x98", "cut " },             /* 4-byte, cut */
	{ "\xd9\"x", "?\"x" },                      /* lead, no cont */
	{ "a\x80"
	  "b",
	        "a?b" },                /* stray cont */
	{ "\xc0\xaf", "??" },           /* overlong '/' */
	{ "\xc1\xbf", "??" },           /* overlong */
	{ "\xe0\x80\xaf", "???" },      /* overlong */
	{ "\xf0\x80\x80\xaf", "????" }, /* overlong */
	{ "\xed\xa0\x80", "???" },      /* surrogate */
	{ "\xf4\x90\x80\x80", "????" }, /* > U+10FFFF */
	{ "\xf5\x80\x80\x80", "????" }, /* no such lead */
	{ "\xff\xfe", "??" },
	{ "ok \xc2\xa7 then \xd9 and \xe2\x82\xac",
	        "ok \xc2\xa7 then ? and \xe2\x82\xac" },
};

static void
utf8_table(void **state)
{
	char   buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		why_utf8(buf);
		if (strcmp(buf, cases[i].out) != 0) {
			fail_msg("case %zu: got \"%s\"", i, buf);
		}
		json_t *j = why_json(cases[i].in);
		assert_non_null(j);
		assert_string_equal(json_string_value(j), cases[i].out);
		json_decref(j);
	}
	assert_null(why_utf8(NULL));
	json_t *j = why_json(NULL);
	assert_string_equal(json_string_value(j), "");
	json_decref(j);
}

/* why_set cuts to fit and never leaves half a character at the end */
static void
set_cut(void **state)
{
	char why[8];

	(void)state;
	why_set(why, sizeof(why), "%s", "abcdef\xc2\xa7");
	assert_string_equal(why, "abcdef"); /* 7 bytes fit: the lead cut */
	why_set(why, sizeof(why), "%s", "abcde\xc2\xa7");
	assert_string_equal(why, "abcde\xc2\xa7");
	assert_int_equal(
	        why_fail(why, sizeof(why), "%.3s", "ab\xe2\x82\xac"), -1);
	assert_string_equal(why, "ab");
	why_set(NULL, 0, "%s", "x");
}

/* the error reply of a reason with a cut character is a reply, not NULL */
static void
reply_error_not_utf8(void **state)
{
	char   *s;
	json_t *o;

	(void)state;
	s = proto_reply_error(
	        "unknown result \"certificatailure2_reascertifi08 "
	        "verify:\xd9\" (RFC 8460 \xc2\xa7 4.3)");
	assert_non_null(s);
	o = json_loads(s, 0, NULL);
	assert_non_null(o);
	assert_string_equal(
	        json_string_value(json_object_get(o, "status")), "error");
	assert_string_equal(json_string_value(json_object_get(o, "why")),
	        "unknown result \"certificatailure2_reascertifi08 verify:?\" "
	        "(RFC 8460 \xc2\xa7 4.3)");
	json_decref(o);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_table),
		cmocka_unit_test(set_cut),
		cmocka_unit_test(reply_error_not_utf8),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
