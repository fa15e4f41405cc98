/*
 * test_rfc3339.c - RFC 3339 date-times with a zone (cached/util/rfc3339.c):
 * the epoch and its neighbours, zones (Z, +hh:mm, -hhmm), fractions
 * ignored, leap years at the century edges, and every rule's failure with
 * its reason; only len bytes are read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/rfc3339.h"

struct good_case {
	const char *s;
	int64_t     want;
};

static const struct good_case good[] = {
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1970-01-01T00:00:01Z", 1 },
	{ "1969-12-31T23:59:59Z", -1 },
	{ "2023-11-14T22:13:20Z", INT64_C(1700000000) },
	{ "2023-11-14T22:13:20.5Z", INT64_C(1700000000) },
	{ "2023-11-14T22:13:20.999999999Z", INT64_C(1700000000) },
	{ "2020-06-03T10:25:12.710055-07:00", INT64_C(1591205112) },
	{ "2020-06-03T10:25:12-0700", INT64_C(1591205112) },
	{ "2020-06-03T17:25:12+00:00", INT64_C(1591205112) },
	{ "2020-06-04T03:25:12+10:00", INT64_C(1591205112) },
	{ "2000-02-29T00:00:00Z", INT64_C(951782400) }, /* 400: leap */
	{ "2096-02-29T12:00:00+05:30", INT64_C(3981335400) },
	{ "2038-01-19T03:14:08Z", INT64_C(2147483648) }, /* past int32 */
	{ "2000-03-01T00:00:00-01:00", INT64_C(951872400) },
	{ "0000-03-01T00:00:00Z", INT64_C(-62162035200) },
	{ "9999-12-31T23:59:59Z", INT64_C(253402300799) },
	{ "2023-12-31T23:59:59+23:59", INT64_C(1704067199) - 86340 },
};

struct bad_case {
	const char *s;
	const char *why; /* the start of the reason */
};

static const struct bad_case bad[] = {
	{ "", "not an RFC 3339 date-time" },
	{ "2023-11-14", "not an RFC 3339 date-time" },
	{ "2023-11-14 22:13:20Z", "not an RFC 3339 date-time" },
	{ "2023-11-14t22:13:20Z", "not an RFC 3339 date-time" },
	{ "2023/11/14T22:13:20Z", "not an RFC 3339 date-time" },
	{ "2023-11-14T22:13:2xZ", "not an RFC 3339 date-time" },
	{ "20231-1-14T22:13:20Z", "not an RFC 3339 date-time" },
	{ "2023-00-14T22:13:20Z", "month out of range" },
	{ "2023-13-14T22:13:20Z", "month out of range" },
	{ "2023-11-00T22:13:20Z", "day out of range" },
	{ "2023-11-31T22:13:20Z", "day out of range" },
	{ "2023-02-29T22:13:20Z", "day out of range" },
	{ "1900-02-29T00:00:00Z", "day out of range" }, /* 100: not leap */
	{ "2023-11-14T24:00:00Z", "time of day out of range" },
	{ "2023-11-14T22:60:00Z", "time of day out of range" },
	{ "2023-11-14T22:13:60Z", "time of day out of range" },
	{ "2023-11-14T22:13:20.Z", "empty fraction of a second" },
	{ "2023-11-14T22:13:20", "no time zone" },
	{ "2023-11-14T22:13:20z", "no time zone" },
	{ "2023-11-14T22:13:20 Z", "no time zone" },
	{ "2023-11-14T22:13:20+1", "bad time zone offset" },
	{ "2023-11-14T22:13:20+24:00", "bad time zone offset" },
	{ "2023-11-14T22:13:20+01:60", "bad time zone offset" },
	{ "2023-11-14T22:13:20+01:0", "bad time zone offset" },
	{ "2023-11-14T22:13:20ZZ", "trailing characters" },
	{ "2023-11-14T22:13:20+01:00:00", "trailing characters" },
};

static void
test_good(void **state)
{
	size_t  i;
	int64_t t;
	char    why[128];

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		t = -12345;
		if (rfc3339_parse(
		            good[i].s, strlen(good[i].s), &t, why, sizeof(why))
		        != 0) {
			print_error("\"%s\": %s\n", good[i].s, why);
			fail();
		}
		if (t != good[i].want) {
			print_error("\"%s\": %lld, want %lld\n", good[i].s,
			        (long long)t, (long long)good[i].want);
		}
		assert_true(t == good[i].want);
	}
}

static void
test_bad(void **state)
{
	size_t  i;
	int64_t t;
	char    why[128];

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t      = -12345;
		why[0] = '\0';
		assert_int_equal(rfc3339_parse(bad[i].s, strlen(bad[i].s), &t,
		                         why, sizeof(why)),
		        -1);
		if (strncmp(why, bad[i].why, strlen(bad[i].why)) != 0) {
			print_error("\"%s\": \"%s\", want \"%s...\"\n",
			        bad[i].s, why, bad[i].why);
		}
		assert_true(strncmp(why, bad[i].why, strlen(bad[i].why)) == 0);
		assert_true(t == -12345); /* nothing written on failure */
	}
	/* NULL why is fine */
	assert_int_equal(rfc3339_parse("x", 1, &t, NULL, 0), -1);
}

static void
test_len(void **state)
{
	const char *s = "2023-11-14T22:13:20Zjunk";
	int64_t     t = 0;

	(void)state;
	/* only len bytes are read: the junk after them is not seen */
	assert_int_equal(rfc3339_parse(s, 20, &t, NULL, 0), 0);
	assert_true(t == INT64_C(1700000000));
	assert_int_equal(rfc3339_parse(s, 21, &t, NULL, 0), -1);
	/* cut inside: a clear failure, no read past len */
	assert_int_equal(rfc3339_parse(s, 19, &t, NULL, 0), -1);
	assert_int_equal(rfc3339_parse(s, 18, &t, NULL, 0), -1);
	assert_int_equal(
	        rfc3339_parse("2020-06-03T10:25:12+07", 22, &t, NULL, 0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_len),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
