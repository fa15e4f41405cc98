/*
 * test_netstring.c - table-driven tests of the netstring parser and
 * encoder (the socketmap framing, socketmap_table(5)).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "door/netstring.h"

#define LIT(s) s, sizeof(s) - 1

struct parse_case {
	const char           *in;
	size_t                len;
	size_t                max;
	enum netstring_status want;
	const char           *payload; /* when OK */
	size_t                used;    /* when OK */
};

static const struct parse_case cases[] = {
	{ LIT("0:,"), 100, NETSTRING_OK, "", 3 },
	{ LIT("5:hello,"), 100, NETSTRING_OK, "hello", 8 },
	{ LIT("5:hello,5:world,"), 100, NETSTRING_OK, "hello", 8 },
	{ LIT("19:postfix example.com,"), 100, NETSTRING_OK,
	        "postfix example.com", 23 },
	{ LIT("3:a,b,"), 100, NETSTRING_OK, "a,b", 6 },
	{ LIT("3:\0\1\2,"), 100, NETSTRING_OK, "\0\1\2", 6 },
	{ LIT("10:0123456789,"), 10, NETSTRING_OK, "0123456789", 14 },
	/* incomplete */
	{ LIT(""), 100, NETSTRING_MORE, NULL, 0 },
	{ LIT("1"), 100, NETSTRING_MORE, NULL, 0 },
	{ LIT("12"), 100, NETSTRING_MORE, NULL, 0 },
	{ LIT("5:"), 100, NETSTRING_MORE, NULL, 0 },
	{ LIT("5:hell"), 100, NETSTRING_MORE, NULL, 0 },
	{ LIT("5:hello"), 100, NETSTRING_MORE, NULL, 0 },
	{ LIT("123456789"), 1000000000, NETSTRING_MORE, NULL, 0 },
	/* malformed */
	{ LIT(":,"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT("x"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT(" 5:hello,"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT("5 :hello,"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT("-1:,"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT("+1:a,"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT("05:hello,"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT("00:,"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT("5:hello;"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT("5:hello!!"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT("4:hello,"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT("1234567890"), 100, NETSTRING_BAD, NULL, 0 },
	{ LIT("99999999999999999999:"), 100, NETSTRING_BAD, NULL, 0 },
	/* over the limit: refused before the payload arrives */
	{ LIT("11:"), 10, NETSTRING_BAD, NULL, 0 },
	{ LIT("100001:"), 100000, NETSTRING_BAD, NULL, 0 },
	{ LIT("1:a,"), 0, NETSTRING_BAD, NULL, 0 },
};

static void
test_parse(void **state)
{
	size_t i, plen, used;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c        = &cases[i];
		const char              *payload  = NULL;
		char                     why[128] = "";
		enum netstring_status    st;

		plen = used = 12345;
		st = netstring_parse(c->in, c->len, c->max, &payload, &plen,
		        &used, why, sizeof(why));
		if (st != c->want) {
			print_error("case %zu (%.*s): got %d want %d (%s)\n",
			        i, (int)c->len, c->in, st, c->want, why);
		}
		assert_int_equal(st, c->want);
		if (st == NETSTRING_OK) {
			assert_ptr_equal(payload, c->in + (used - plen - 1));
			assert_int_equal(used, c->used);
			assert_memory_equal(payload, c->payload, plen);
		} else if (st == NETSTRING_BAD) {
			assert_true(why[0] != '\0');
		} else {
			assert_int_equal(used, 12345);
		}
	}
}

/* Every prefix of a valid netstring is MORE; the whole is OK. */
static void
test_prefixes(void **state)
{
	static const char in[] = "22:postfix danemixed.test,";
	size_t            n, plen, used;
	const char       *p;
	char              why[64];

	(void)state;
	for (n = 0; n < sizeof(in) - 1; n++) {
		assert_int_equal(netstring_parse(in, n, 100, &p, &plen, &used,
		                         why, sizeof(why)),
		        NETSTRING_MORE);
	}
	assert_int_equal(netstring_parse(in, n, 100, &p, &plen, &used, why,
	                         sizeof(why)),
	        NETSTRING_OK);
	assert_int_equal(plen, 22);
	assert_int_equal(used, sizeof(in) - 1);
}

static void
test_encode(void **state)
{
	char   buf[32];
	size_t n;

	(void)state;
	n = netstring_encode(buf, sizeof(buf), "NOTFOUND ", 9);
	assert_int_equal(n, 12);
	assert_string_equal(buf, "9:NOTFOUND ,");
	n = netstring_encode(buf, sizeof(buf), "", 0);
	assert_string_equal(buf, "0:,");
	assert_int_equal(n, 3);
	/* too small: the size needed, nothing usable */
	n = netstring_encode(buf, 12, "NOTFOUND ", 9);
	assert_int_equal(n, 12);
	assert_string_equal(buf, "");
	n = netstring_encode(buf, 13, "NOTFOUND ", 9);
	assert_string_equal(buf, "9:NOTFOUND ,");
}

/* encode and parse are inverse */
static void
test_roundtrip(void **state)
{
	char        data[300], buf[320];
	const char *p;
	size_t      i, n, plen, used;
	char        why[64];

	(void)state;
	for (i = 0; i < sizeof(data); i++) {
		data[i] = (char)(i * 7);
	}
	for (i = 0; i <= sizeof(data); i += 37) {
		n = netstring_encode(buf, sizeof(buf), data, i);
		assert_true(n < sizeof(buf));
		assert_int_equal(netstring_parse(buf, n, sizeof(data), &p,
		                         &plen, &used, why, sizeof(why)),
		        NETSTRING_OK);
		assert_int_equal(plen, i);
		assert_int_equal(used, n);
		assert_memory_equal(p, data, i);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_roundtrip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
