/*
 * test_tlsrpt_record.c - table-driven tests of the SMTP TLS Reporting TXT
 * record parser and the multi-record choice (RFC 8460 §3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlsrpt/tlsrpt_record.h"

#define MA "mailto:tlsrpt@example.com"
#define HT "https://reporting.example.com/v1/tlsrpt"

#define TOK(s, n, ...)                                                        \
	{                                                                     \
		.txt = s, .len = sizeof(s) - 1, .want = TLSRPT_RECORD_OK,     \
		.nrua = n,                                                    \
		.rua  = { __VA_ARGS__ }                                       \
	}
#define TBAD(s)                                                               \
	{                                                                     \
		.txt = s, .len = sizeof(s) - 1, .want = TLSRPT_RECORD_INVALID \
	}
#define TNOT(s)                                                               \
	{                                                                     \
		.txt = s, .len = sizeof(s) - 1,                               \
		.want = TLSRPT_RECORD_NOT_TLSRPT                              \
	}

struct parse_case {
	const char               *txt;
	size_t                    len;
	enum tlsrpt_record_status want;
	size_t                    nrua;
	const char               *rua[3];
};

static const struct parse_case parse_cases[] = {
	/* RFC 8460 §3 examples. */
	TOK("v=TLSRPTv1;rua=mailto:reports@example.com", 1,
	        "mailto:reports@example.com"),
	TOK("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", 1, HT),
	/* Delimiters and whitespace. */
	TOK("v=TLSRPTv1; rua=" MA ";", 1, MA),
	TOK("v=TLSRPTv1 ; rua=" MA " ;", 1, MA),
	TOK("v=TLSRPTv1\t;\trua=" MA "\t;\t", 1, MA),
	TBAD("v=TLSRPTv1; rua=" MA " "),
	TBAD("v=TLSRPTv1 rua=" MA),
	TBAD("v=TLSRPTv1; rua=" MA ";;"),
	TBAD("v=TLSRPTv1;; rua=" MA),
	TBAD("v=TLSRPTv1; rua =" MA),
	TBAD("v=TLSRPTv1; rua= " MA),
	/* Two URIs; whitespace around the comma. */
	TOK("v=TLSRPTv1; rua=" MA "," HT, 2, MA, HT),
	TOK("v=TLSRPTv1; rua=" MA " , " HT ";", 2, MA, HT),
	TOK("v=TLSRPTv1; rua=" MA "\t,\t" HT, 2, MA, HT),
	TOK("v=TLSRPTv1; rua=" MA ",mailto:b@example.net," HT, 3, MA,
	        "mailto:b@example.net", HT),
	TBAD("v=TLSRPTv1; rua=" MA ","),
	TBAD("v=TLSRPTv1; rua=" MA ", "),
	TBAD("v=TLSRPTv1; rua=," MA),
	TBAD("v=TLSRPTv1; rua=" MA ",," HT),
	TBAD("v=TLSRPTv1; rua=" MA " " HT),
	TBAD("v=TLSRPTv1; rua=" MA ";" HT),
	/* Schemes: other schemes skipped; none usable is invalid. */
	TOK("v=TLSRPTv1; rua=" MA ",ftp://ftp.example.com/r", 1, MA),
	TOK("v=TLSRPTv1; rua=http://r.example.com/," HT, 1, HT),
	TOK("v=TLSRPTv1; rua=MAILTO:a@example.com", 1, "MAILTO:a@example.com"),
	TOK("v=TLSRPTv1; rua=HTTPS://R.example.com", 1,
	        "HTTPS://R.example.com"),
	TBAD("v=TLSRPTv1; rua=ftp://ftp.example.com/r"),
	TBAD("v=TLSRPTv1; rua=http://r.example.com/"),
	TBAD("v=TLSRPTv1; rua=mailto:"),
	TBAD("v=TLSRPTv1; rua=mailto:@example.com"),
	TBAD("v=TLSRPTv1; rua=mailto:a@"),
	TBAD("v=TLSRPTv1; rua=mailto:a@?subject=x"),
	TBAD("v=TLSRPTv1; rua=https://"),
	TBAD("v=TLSRPTv1; rua=https:r.example.com"),
	TBAD("v=TLSRPTv1; rua=https:///path"),
	/* URI syntax. */
	TOK("v=TLSRPTv1; rua=mailto:a%2Cb@example.com", 1,
	        "mailto:a%2Cb@example.com"),
	TOK("v=TLSRPTv1; rua=mailto:a@example.com?subject=tls%20report", 1,
	        "mailto:a@example.com?subject=tls%20report"),
	TOK("v=TLSRPTv1; rua=https://r.example.com:8443/x?a=b&c=d#f", 1,
	        "https://r.example.com:8443/x?a=b&c=d#f"),
	TOK("v=TLSRPTv1; rua=https://[2001:db8::1]/r", 1,
	        "https://[2001:db8::1]/r"),
	TBAD("v=TLSRPTv1; rua=mailto:a!10m@example.com"),
	TBAD("v=TLSRPTv1; rua=mailto:a@example.com!10m"),
	TBAD("v=TLSRPTv1; rua=mailto:a@example.com%2"),
	TBAD("v=TLSRPTv1; rua=mailto:a@example.com%zz"),
	TBAD("v=TLSRPTv1; rua=mailto:a\"b@example.com"),
	TBAD("v=TLSRPTv1; rua=mailto:a@example.com\x80"),
	TBAD("v=TLSRPTv1; rua=a@example.com"),
	TBAD("v=TLSRPTv1; rua=:a@example.com"),
	TBAD("v=TLSRPTv1; rua=1mailto:a@example.com"),
	TBAD("v=TLSRPTv1; rua=mail_to:a@example.com"),
	/* rua required; the first rua field wins. */
	TBAD("v=TLSRPTv1;"),
	TBAD("v=TLSRPTv1"),
	TBAD("v=TLSRPTv1; foo=bar"),
	TBAD("v=TLSRPTv1; RUA=" MA),
	TBAD("v=TLSRPTv1; rua="),
	TBAD("v=TLSRPTv1; rua=;"),
	TOK("v=TLSRPTv1; rua=" MA "; rua=mailto:b@example.net", 1, MA),
	TOK("v=TLSRPTv1; rua=" MA "; rua=ftp://x", 1, MA),
	TBAD("v=TLSRPTv1; rua=" MA "; rua=a!b"),
	TBAD("v=TLSRPTv1; rua=ftp://x; rua=" MA),
	/* Extensions: checked, then ignored. */
	TOK("v=TLSRPTv1; foo=bar; rua=" MA, 1, MA),
	TOK("v=TLSRPTv1; rua=" MA "; a23456789_123456789-123456789.12=x", 1,
	        MA),
	TBAD("v=TLSRPTv1; rua=" MA "; a23456789_123456789-123456789.123=x"),
	TBAD("v=TLSRPTv1; rua=" MA "; foo=a=b"),
	TBAD("v=TLSRPTv1; rua=" MA "; foo="),
	TBAD("v=TLSRPTv1; rua=" MA "; foo"),
	TBAD("v=TLSRPTv1; rua=" MA "; -foo=x"),
	/* NUL and control bytes. */
	TBAD("v=TLSRPTv1; rua=" MA "\0"),
	TBAD("v=TLSRPTv1; rua=mailto:a\0@example.com"),
	TBAD("v=TLSRPTv1; rua=" MA "\r\n"),
	/* Not a TLSRPT record (§3 discard rule). */
	TNOT(""),
	TNOT("v=TLSRPTv1\0; rua=" MA),
	TNOT("v=tlsrptv1; rua=" MA),
	TNOT("v=TLSRPTV1; rua=" MA),
	TNOT("v=TLSRPTv2; rua=" MA),
	TNOT("v=TLSRPTv10; rua=" MA),
	TNOT(" v=TLSRPTv1; rua=" MA),
	TNOT("rua=" MA "; v=TLSRPTv1"),
	TNOT("v=STSv1; id=abc"),
	TNOT("v=spf1 -all"),
};

static void
test_parse_table(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case  *c = &parse_cases[i];
		struct tlsrpt_record      rec;
		enum tlsrpt_record_status st;
		char                      why[256] = "";

		memset(&rec, 0xa5, sizeof(rec));
		st = tlsrpt_record_parse(
		        c->txt, c->len, &rec, why, sizeof(why));
		if (st != c->want) {
			print_error("case %zu: '%s': got %d want %d (%s)\n", i,
			        c->txt, (int)st, (int)c->want, why);
		}
		assert_int_equal(st, c->want);
		if (st != TLSRPT_RECORD_OK) {
			assert_true(why[0] != '\0');
			assert_int_equal(rec.nrua, 0);
			assert_null(rec.rua);
			continue;
		}
		assert_int_equal(rec.nrua, c->nrua);
		for (k = 0; k < c->nrua; k++) {
			assert_string_equal(rec.rua[k], c->rua[k]);
		}
		tlsrpt_record_clear(&rec);
		assert_int_equal(rec.nrua, 0);
		assert_null(rec.rua);
	}
}

struct why_case {
	const char *txt;
	const char *why;
};

static const struct why_case why_cases[] = {
	{ "v=TLSRPTv1;", "missing rua field" },
	{ "v=TLSRPTv1; rua=ftp://x", "rua: no usable mailto: or https: URI" },
	{ "v=TLSRPTv1; rua=mailto:a!b@c",
	        "rua: invalid character '!' at offset 24" },
	{ "v=TLSRPTv1; rua=mailto:a%4", "rua: bad %-escape at offset 24" },
	{ "v=TLSRPTv1; rua=a@b", "rua: URI at offset 16 has no scheme" },
	{ "v=TLSRPTv1; rua=" MA ",", "rua: empty URI at offset 42" },
	{ "v=tlsrptv1; rua=" MA, "does not begin with v=TLSRPTv1" },
};

static void
test_why(void **state)
{
	struct tlsrpt_record rec;
	size_t               i;

	(void)state;
	for (i = 0; i < sizeof(why_cases) / sizeof(why_cases[0]); i++) {
		char why[256] = "";
		(void)tlsrpt_record_parse(why_cases[i].txt,
		        strlen(why_cases[i].txt), &rec, why, sizeof(why));
		assert_string_equal(why, why_cases[i].why);
	}
	assert_int_equal(tlsrpt_record_parse("v=TLSRPTv1;", 11, &rec, NULL, 0),
	        TLSRPT_RECORD_INVALID);
	/* rec may be NULL: validate only, nothing leaked. */
	assert_int_equal(tlsrpt_record_parse("v=TLSRPTv1;rua=" MA,
	                         strlen("v=TLSRPTv1;rua=" MA), NULL, NULL, 0),
	        TLSRPT_RECORD_OK);
	assert_int_equal(tlsrpt_record_parse(NULL, 0, &rec, NULL, 0),
	        TLSRPT_RECORD_NOT_TLSRPT);
	tlsrpt_record_clear(NULL);
}

struct select_case {
	const char               *txts[4];
	size_t                    n;
	enum tlsrpt_record_status want;
	const char               *rua0;
};

static const struct select_case select_cases[] = {
	{ { NULL }, 0, TLSRPT_RECORD_NOT_TLSRPT, NULL },
	{ { "v=TLSRPTv1; rua=" MA }, 1, TLSRPT_RECORD_OK, MA },
	{ { "v=spf1 -all", "v=TLSRPTv1; rua=" MA, "v=STSv1; id=x" }, 3,
	        TLSRPT_RECORD_OK, MA },
	{ { "v=spf1 -all", "v=STSv1; id=x" }, 2, TLSRPT_RECORD_NOT_TLSRPT,
	        NULL },
	{ { "v=tlsrptv1; rua=" HT, "v=TLSRPTv1; rua=" MA }, 2,
	        TLSRPT_RECORD_OK, MA },
	{ { "v=TLSRPTv1; rua=" MA, "v=TLSRPTv1; rua=" HT }, 2,
	        TLSRPT_RECORD_INVALID, NULL },
	{ { "v=TLSRPTv1; rua=" MA, "v=TLSRPTv1" }, 2, TLSRPT_RECORD_INVALID,
	        NULL },
	{ { "v=TLSRPTv1; rua=ftp://x", "v=spf1" }, 2, TLSRPT_RECORD_INVALID,
	        NULL },
};

static void
test_select_table(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(select_cases) / sizeof(select_cases[0]); i++) {
		const struct select_case *c = &select_cases[i];
		size_t                    lens[4];
		struct tlsrpt_record      rec;
		enum tlsrpt_record_status st;
		char                      why[256] = "";

		for (k = 0; k < c->n; k++) {
			lens[k] = strlen(c->txts[k]);
		}
		st = tlsrpt_record_select(
		        c->txts, lens, c->n, &rec, why, sizeof(why));
		if (st != c->want) {
			print_error("case %zu: got %d want %d (%s)\n", i,
			        (int)st, (int)c->want, why);
		}
		assert_int_equal(st, c->want);
		if (st == TLSRPT_RECORD_OK) {
			assert_int_equal(rec.nrua, 1);
			assert_string_equal(rec.rua[0], c->rua0);
			tlsrpt_record_clear(&rec);
		} else {
			assert_int_equal(rec.nrua, 0);
			assert_null(rec.rua);
		}
	}
}

static void
test_to_json(void **state)
{
	const char           txt[] = "v=TLSRPTv1; rua=" MA " , " HT;
	struct tlsrpt_record rec;
	json_t              *j;
	char                *s;

	(void)state;
	assert_int_equal(
	        tlsrpt_record_parse(txt, sizeof(txt) - 1, &rec, NULL, 0),
	        TLSRPT_RECORD_OK);
	j = tlsrpt_record_to_json(&rec);
	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s);
	assert_string_equal(
	        s, "{\"v\":\"TLSRPTv1\",\"rua\":[\"" MA "\",\"" HT "\"]}");
	free(s);
	json_decref(j);
	tlsrpt_record_clear(&rec);
	assert_null(tlsrpt_record_to_json(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_why),
		cmocka_unit_test(test_select_table),
		cmocka_unit_test(test_to_json),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
