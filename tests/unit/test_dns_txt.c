/*
 * test_dns_txt.c - the version-tagged TXT record rule MTA-STS (RFC 8461
 * §3.1) and TLSRPT (RFC 8460 §3) share (cached/dns/dns_txt.c): the tag
 * must be followed by the end, ';' or WSP, is case-sensitive, and exactly
 * one record of the RRset may carry it; records are len bytes, not
 * strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns/dns_txt.h"

struct tag_case {
	const char *txt;
	size_t      len; /* 0: strlen(txt) */
	const char *tag;
	int         want;
};

static const struct tag_case tag_cases[] = {
	{ "v=STSv1", 0, "v=STSv1", 1 },
	{ "v=STSv1;", 0, "v=STSv1", 1 },
	{ "v=STSv1; id=1", 0, "v=STSv1", 1 },
	{ "v=STSv1 ;id=1", 0, "v=STSv1", 1 },
	{ "v=STSv1\t;id=1", 0, "v=STSv1", 1 },
	{ "v=STSv10; id=1", 0, "v=STSv1", 0 },
	{ "v=STSv1x", 0, "v=STSv1", 0 },
	{ "v=STSv1,id=1", 0, "v=STSv1", 0 },
	{ "v=stsv1; id=1", 0, "v=STSv1", 0 },
	{ " v=STSv1; id=1", 0, "v=STSv1", 0 },
	{ "v=STSv", 0, "v=STSv1", 0 },
	{ "", 0, "v=STSv1", 0 },
	{ "v=TLSRPTv1; rua=mailto:a@b", 0, "v=TLSRPTv1", 1 },
	{ "v=TLSRPTv1", 0, "v=TLSRPTv1", 1 },
	{ "v=TLSRPTv1;", 0, "v=STSv1", 0 },
	{ "v=STSv1", 0, "v=TLSRPTv1", 0 },
	/* len, not the NUL, ends the record */
	{ "v=STSv1x", 7, "v=STSv1", 1 },
	{ "v=STSv1", 6, "v=STSv1", 0 },
	{ "v=STSv1\0; id=1", 14, "v=STSv1", 0 },
	{ NULL, 0, "v=STSv1", 0 },
};

static void
test_tagged(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tag_cases) / sizeof(tag_cases[0]); i++) {
		const struct tag_case *c = &tag_cases[i];
		size_t len = c->len != 0 || c->txt == NULL ? c->len
		                                           : strlen(c->txt);
		int    got = dns_txt_tagged(c->txt, len, c->tag);

		if (got != c->want) {
			print_error(
			        "case %zu: %d, want %d\n", i, got, c->want);
		}
		assert_int_equal(got, c->want);
	}
}

struct pick_case {
	const char       *txts[4];
	size_t            n;
	enum dns_txt_pick want;
	size_t            found;
	const char       *why;
};

static const struct pick_case pick_cases[] = {
	{ { "v=STSv1; id=1" }, 1, DNS_TXT_ONE, 0, "" },
	{ { "google-site-verification=x", "v=STSv1; id=1", "v=spf1 -all" }, 3,
	        DNS_TXT_ONE, 1, "" },
	{ { "v=spf1 -all", "v=STSv10; id=1", "v=STSv1" }, 3, DNS_TXT_ONE, 2,
	        "" },
	{ { 0 }, 0, DNS_TXT_NONE, 0, "no TXT record begins with v=STSv1" },
	{ { "v=spf1 -all", "v=STSv1x" }, 2, DNS_TXT_NONE, 0,
	        "no TXT record begins with v=STSv1" },
	{ { "v=STSv1; id=1", "v=STSv1; id=2" }, 2, DNS_TXT_MANY, 0,
	        "2 TXT records begin with v=STSv1, exactly one allowed" },
	{ { "v=STSv1; id=1", "x", "v=STSv1", "v=STSv1;" }, 4, DNS_TXT_MANY, 0,
	        "3 TXT records begin with v=STSv1, exactly one allowed" },
};

static void
test_pick(void **state)
{
	size_t i, j, lens[4], found;
	char   why[128];

	(void)state;
	for (i = 0; i < sizeof(pick_cases) / sizeof(pick_cases[0]); i++) {
		const struct pick_case *c = &pick_cases[i];
		enum dns_txt_pick       got;

		for (j = 0; j < c->n; j++) {
			lens[j] = strlen(c->txts[j]);
		}
		why[0] = '\0';
		found  = 99;
		got = dns_txt_pick(c->txts, lens, c->n, "v=STSv1", &found, why,
		        sizeof(why));
		if (got != c->want || strcmp(why, c->why) != 0) {
			print_error("case %zu: %d \"%s\", want %d \"%s\"\n", i,
			        (int)got, why, (int)c->want, c->why);
		}
		assert_int_equal(got, c->want);
		assert_string_equal(why, c->why);
		if (got == DNS_TXT_ONE) {
			assert_int_equal(found, c->found);
		}
	}
	/* no why buffer is fine */
	lens[0] = 3;
	assert_int_equal(dns_txt_pick(pick_cases[0].txts, lens, 1, "v=STSv1",
	                         &found, NULL, 0),
	        DNS_TXT_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tagged),
		cmocka_unit_test(test_pick),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
