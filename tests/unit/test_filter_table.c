/*
 * test_filter_table.c - unit tests for the verified-TLS domain table of
 * filter-mxtls (modules/opensmtpd/filter_table.c): parse, set, prune,
 * format, and the sentinel that keeps smtpd's file table a list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filter_table.h"

static void
test_set_prune_format(void **state)
{
	struct filter_table t;
	char               *s;

	(void)state;
	filter_table_init(&t);
	assert_int_equal(filter_table_set(&t, "b.test", 200), 1);
	assert_int_equal(filter_table_set(&t, "a.test", 100), 1);
	assert_int_equal(filter_table_set(&t, "b.test", 300), 0); /* expiry */
	assert_int_equal(filter_table_find(&t, "b.test")->expires, 300);
	assert_null(filter_table_find(&t, "c.test"));
	s = filter_table_format(&t);
	assert_non_null(s);
	assert_non_null(strstr(s, "\n" FILTER_TABLE_SENTINEL "\n"));
	assert_non_null(strstr(s,
	        "# mxtls-expires 100\na.test\n"
	        "# mxtls-expires 300\nb.test\n"));
	free(s);
	assert_int_equal(filter_table_prune(&t, 100), 1); /* a expired */
	assert_null(filter_table_find(&t, "a.test"));
	assert_int_equal(filter_table_remove(&t, "b.test"), 1);
	assert_int_equal(filter_table_remove(&t, "b.test"), 0);
	assert_int_equal((int)t.n, 0);
	s = filter_table_format(&t); /* empty: still the sentinel */
	assert_non_null(strstr(s, FILTER_TABLE_SENTINEL));
	free(s);
	filter_table_clear(&t);
}

struct parse_case {
	const char *text;
	int         n;
	const char *domain; /* one expected entry */
	long long   expires;
};

static const struct parse_case cases[] = {
	{ "# mxtls-expires 5\nx.test\n", 1, "x.test", 5 },
	{ "# mxtls-expires 5\r\nX.Test.\r\n", 1, "x.test", 5 },
	{ "x.test", 1, "x.test", 0 }, /* no expiry: pruned at once */
	{ "# mxtls-expires 5x\nx.test\n", 1, "x.test", 0 },
	{ "# mxtls-expires 7\n# other\ny.test\n", 1, "y.test", 7 },
	{ FILTER_TABLE_SENTINEL "\n", 0, NULL, 0 },
	{ "[127.0.0.1]\nnot a domain\n\n", 0, NULL, 0 },
	{ "", 0, NULL, 0 },
};

static void
test_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct filter_table              t;
		const struct filter_table_entry *e;

		filter_table_init(&t);
		assert_int_equal(filter_table_parse(&t, cases[i].text,
		                         strlen(cases[i].text)),
		        cases[i].n);
		if (cases[i].domain != NULL) {
			e = filter_table_find(&t, cases[i].domain);
			if (e == NULL) {
				fail_msg("case %zu: %s missing", i,
				        cases[i].domain);
			}
			assert_int_equal(
			        (long long)e->expires, cases[i].expires);
		}
		filter_table_clear(&t);
	}
}

static void
test_round_trip(void **state)
{
	struct filter_table t, u;
	char               *s;

	(void)state;
	filter_table_init(&t);
	filter_table_init(&u);
	filter_table_set(&t, "enforce.test", 1796086400);
	filter_table_set(&t, "dane.test", 1796000000);
	s = filter_table_format(&t);
	assert_int_equal(filter_table_parse(&u, s, strlen(s)), 2);
	assert_int_equal(
	        filter_table_find(&u, "enforce.test")->expires, 1796086400);
	assert_int_equal(
	        filter_table_find(&u, "dane.test")->expires, 1796000000);
	free(s);
	filter_table_clear(&t);
	filter_table_clear(&u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_prune_format),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_round_trip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
