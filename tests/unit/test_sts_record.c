/*
 * test_sts_record.c - table-driven tests of the MTA-STS TXT record parser
 * and the multi-record choice (RFC 8461 §3.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sts/sts_record.h"

/* A string literal with its exact length, embedded NULs included. */
#define LIT(s) s, sizeof(s) - 1

#define ID32   "abcdefghijklmnopqrstuvwxyz012345"
#define ID33   ID32 "6"
#define NAME32 "a23456789_123456789-123456789.12"
#define NAME33 NAME32 "3"

struct parse_case {
	const char            *txt;
	size_t                 len;
	enum sts_record_status want;
	const char            *id; /* when STS_RECORD_OK */
};

static const struct parse_case parse_cases[] = {
	/* RFC 8461 §3.1 example, and its variants. */
	{ LIT("v=STSv1; id=20160831085700Z;"), STS_RECORD_OK,
	        "20160831085700Z" },
	{ LIT("v=STSv1; id=20160831085700Z"), STS_RECORD_OK,
	        "20160831085700Z" },
	{ LIT("v=STSv1;id=abc"), STS_RECORD_OK, "abc" },
	{ LIT("v=STSv1 ;id=abc"), STS_RECORD_OK, "abc" },
	{ LIT("v=STSv1\t;\tid=abc\t;\t"), STS_RECORD_OK, "abc" },
	{ LIT("v=STSv1;   id=abc   ;   "), STS_RECORD_OK, "abc" },
	{ LIT("v=STSv1; id=A"), STS_RECORD_OK, "A" },
	{ LIT("v=STSv1; id=" ID32), STS_RECORD_OK, ID32 },
	/* Extensions are checked, then ignored. */
	{ LIT("v=STSv1; id=abc; foo=bar"), STS_RECORD_OK, "abc" },
	{ LIT("v=STSv1; foo=bar; id=abc;"), STS_RECORD_OK, "abc" },
	{ LIT("v=STSv1; id=abc; " NAME32 "=x"), STS_RECORD_OK, "abc" },
	{ LIT("v=STSv1; id=abc; 9.x-y_z=!\"#$%&'()*+,-./:<>?@[\\]^_`{|}~"),
	        STS_RECORD_OK, "abc" },
	{ LIT("v=STSv1; ID=abc; id=def"), STS_RECORD_OK, "def" },
	{ LIT("v=STSv1; id=abc; v=STSv2"), STS_RECORD_OK, "abc" },
	/* Duplicated id: the first wins (RFC 8461 §3.2). */
	{ LIT("v=STSv1; id=first; id=second"), STS_RECORD_OK, "first" },
	{ LIT("v=STSv1; id=first; id=" ID33), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=first; id=b-c"), STS_RECORD_INVALID, NULL },
	/* Missing or malformed id. */
	{ LIT("v=STSv1;"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1 "), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; foo=bar"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; ID=abc"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id="), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=;"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=" ID33), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc-def"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc_def"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc def"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id =abc"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id= abc"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=\xc3\xa9t\xc3\xa9"), STS_RECORD_INVALID, NULL },
	/* Delimiters. */
	{ LIT("v=STSv1 id=abc"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc "), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc;;"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1;; id=abc"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc,foo=bar"), STS_RECORD_INVALID, NULL },
	/* Extension syntax. */
	{ LIT("v=STSv1; id=abc; foo=a=b"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc; foo="), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc; foo"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc; =bar"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc; _foo=bar"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc; " NAME33 "=x"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc; foo=b\x80r"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc; foo=b\x7fr"), STS_RECORD_INVALID, NULL },
	/* NUL and control bytes. */
	{ LIT("v=STSv1; id=abc\0"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=ab\0c"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc; foo=b\0r"), STS_RECORD_INVALID, NULL },
	{ LIT("v=STSv1; id=abc\r\n"), STS_RECORD_INVALID, NULL },
	/* Not an STS record (§3.1 discard rule). */
	{ LIT("v=STSv1\0; id=abc"), STS_RECORD_NOT_STS, NULL },
	{ LIT("v=stsv1; id=abc"), STS_RECORD_NOT_STS, NULL },
	{ LIT("V=STSv1; id=abc"), STS_RECORD_NOT_STS, NULL },
	{ LIT("v=STSV1; id=abc"), STS_RECORD_NOT_STS, NULL },
	{ LIT(" v=STSv1; id=abc"), STS_RECORD_NOT_STS, NULL },
	{ LIT("v = STSv1; id=abc"), STS_RECORD_NOT_STS, NULL },
	{ LIT("v=STSv10; id=abc"), STS_RECORD_NOT_STS, NULL },
	{ LIT("v=STSv2; id=abc"), STS_RECORD_NOT_STS, NULL },
	{ LIT("id=abc; v=STSv1"), STS_RECORD_NOT_STS, NULL },
	{ LIT("v=spf1 -all"), STS_RECORD_NOT_STS, NULL },
	{ LIT("v=STS"), STS_RECORD_NOT_STS, NULL },
	{ LIT(""), STS_RECORD_NOT_STS, NULL },
};

static void
test_parse_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct sts_record        rec;
		enum sts_record_status   st;
		char                     why[256] = "";

		memset(&rec, 'x', sizeof(rec));
		st = sts_record_parse(c->txt, c->len, &rec, why, sizeof(why));
		if (st != c->want) {
			print_error("case %zu: '%s': got %d want %d (%s)\n", i,
			        c->txt, (int)st, (int)c->want, why);
		}
		assert_int_equal(st, c->want);
		if (st == STS_RECORD_OK) {
			assert_string_equal(rec.id, c->id);
		} else {
			assert_string_equal(rec.id, "");
			assert_true(why[0] != '\0');
		}
	}
}

struct why_case {
	const char *txt;
	const char *why;
};

static const struct why_case why_cases[] = {
	{ "v=STSv1; id=" ID33, "id: 33 characters, at most 32 allowed" },
	{ "v=STSv1;", "missing id field" },
	{ "v=STSv1; id=", "id: empty" },
	{ "v=STSv1; id=a-b", "id: invalid character '-' at offset 13" },
	{ "v=stsv1; id=a", "does not begin with v=STSv1" },
	{ "v=STSv1; id=a ", "trailing whitespace without ';' at end" },
	{ "v=STSv1; id=a; foo=a=b",
	        "field 'foo': invalid character '=' at offset 20" },
};

static void
test_why(void **state)
{
	size_t            i;
	struct sts_record rec;
	char              small[8];

	(void)state;
	for (i = 0; i < sizeof(why_cases) / sizeof(why_cases[0]); i++) {
		char why[256] = "";
		(void)sts_record_parse(why_cases[i].txt,
		        strlen(why_cases[i].txt), &rec, why, sizeof(why));
		assert_string_equal(why, why_cases[i].why);
	}
	/* why may be NULL or short; rec may be NULL. */
	assert_int_equal(sts_record_parse(LIT("v=STSv1;"), &rec, NULL, 0),
	        STS_RECORD_INVALID);
	assert_int_equal(
	        sts_record_parse(LIT("v=STSv1;"), &rec, small, sizeof(small)),
	        STS_RECORD_INVALID);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(sts_record_parse(LIT("v=STSv1;id=a"), NULL, NULL, 0),
	        STS_RECORD_OK);
	assert_int_equal(
	        sts_record_parse(NULL, 0, &rec, NULL, 0), STS_RECORD_NOT_STS);
}

struct select_case {
	const char            *txts[4];
	size_t                 n;
	enum sts_record_status want;
	const char            *id;
};

static const struct select_case select_cases[] = {
	{ { NULL }, 0, STS_RECORD_NOT_STS, NULL },
	{ { "v=STSv1; id=abc" }, 1, STS_RECORD_OK, "abc" },
	{ { "v=spf1 -all", "v=STSv1; id=abc", "google-site-verification=x" },
	        3, STS_RECORD_OK, "abc" },
	{ { "v=spf1 -all", "hello" }, 2, STS_RECORD_NOT_STS, NULL },
	{ { "v=stsv1; id=a", "v=STSv1; id=b" }, 2, STS_RECORD_OK, "b" },
	{ { "v=STSv10; id=a", "v=STSv1; id=b" }, 2, STS_RECORD_OK, "b" },
	{ { "v=STSv1; id=a", "v=STSv1; id=b" }, 2, STS_RECORD_INVALID, NULL },
	{ { "v=STSv1; id=a", "v=STSv1; id=a" }, 2, STS_RECORD_INVALID, NULL },
	{ { "v=STSv1; id=a", "v=STSv1" }, 2, STS_RECORD_INVALID, NULL },
	{ { "v=STSv1; id=a", "v=STSv1 ;id=b" }, 2, STS_RECORD_INVALID, NULL },
	{ { "v=STSv1; id=bad-id", "v=spf1" }, 2, STS_RECORD_INVALID, NULL },
	{ { "", "v=STSv1;id=x;" }, 2, STS_RECORD_OK, "x" },
};

static void
test_select_table(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(select_cases) / sizeof(select_cases[0]); i++) {
		const struct select_case *c = &select_cases[i];
		size_t                    lens[4];
		struct sts_record         rec;
		enum sts_record_status    st;
		char                      why[256] = "";

		for (k = 0; k < c->n; k++) {
			lens[k] = strlen(c->txts[k]);
		}
		memset(&rec, 'x', sizeof(rec));
		st = sts_record_select(
		        c->txts, lens, c->n, &rec, why, sizeof(why));
		if (st != c->want) {
			print_error("case %zu: got %d want %d (%s)\n", i,
			        (int)st, (int)c->want, why);
		}
		assert_int_equal(st, c->want);
		if (st == STS_RECORD_OK) {
			assert_string_equal(rec.id, c->id);
		} else {
			assert_string_equal(rec.id, "");
		}
	}
}

static void
test_select_why(void **state)
{
	const char       *txts[] = { "v=STSv1; id=a", "v=STSv1; id=b" };
	size_t            lens[] = { 13, 13 };
	struct sts_record rec;
	char              why[256];

	(void)state;
	assert_int_equal(
	        sts_record_select(txts, lens, 2, &rec, why, sizeof(why)),
	        STS_RECORD_INVALID);
	assert_string_equal(
	        why, "2 TXT records begin with v=STSv1, exactly one allowed");
}

static void
test_to_json(void **state)
{
	struct sts_record rec;
	json_t           *j;
	char             *s;

	(void)state;
	assert_int_equal(sts_record_parse(LIT("v=STSv1; id=20160831085700Z;"),
	                         &rec, NULL, 0),
	        STS_RECORD_OK);
	j = sts_record_to_json(&rec);
	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(s);
	assert_string_equal(s, "{\"id\":\"20160831085700Z\",\"v\":\"STSv1\"}");
	free(s);
	json_decref(j);
	assert_null(sts_record_to_json(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_why),
		cmocka_unit_test(test_select_table),
		cmocka_unit_test(test_select_why),
		cmocka_unit_test(test_to_json),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
