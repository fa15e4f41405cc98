/*
 * test_time32.c - unix seconds in 32 bits (cached/util/time32.h): times from
 * 1970 to 2106 round-trip exactly, negative ones clamp to 0 and later ones
 * to the last representable second (never wrapping to the past), and
 * comparisons against int64_t times keep their order across 2038.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/time32.h"

static void
test_round_trip(void **state)
{
	static const int64_t ts[] = {
		0, 1, 1700000000,    /* 2023 */
		INT64_C(2147483647), /* 2038-01-19T03:14:07Z: int32 max */
		INT64_C(2147483648), /* one second later: sign bit set */
		INT64_C(3000000000), INT64_C(4294967294),
		INT64_C(4294967295), /* 2106-02-07T06:28:15Z */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++)
		assert_true(time32_unpack(time32_pack(ts[i])) == ts[i]);
}

static void
test_clamp(void **state)
{
	(void)state;
	assert_int_equal(time32_pack(-1), 0);
	assert_int_equal(time32_pack(INT64_MIN), 0);
	assert_int_equal(time32_pack(INT64_C(4294967296)), UINT32_MAX);
	assert_int_equal(time32_pack(INT64_MAX), UINT32_MAX);
	assert_true(
	        time32_unpack(time32_pack(INT64_C(4294967296))) == TIME32_MAX);
	/* a far-future expiry stays in the future */
	assert_true(time32_unpack(time32_pack(INT64_C(1) << 40))
	        > INT64_C(4102444800)); /* 2100 */
}

static void
test_order(void **state)
{
	int64_t  now = INT64_C(2147483000); /* just before 2038 */
	uint32_t exp = time32_pack(now + 86400);

	(void)state;
	/* after 2038 the packed value is above INT32_MAX: still later */
	assert_true(now < time32_unpack(exp));
	assert_true(time32_unpack(exp) - now == 86400);
	assert_true(time32_unpack(time32_pack(now + 1))
	        > time32_unpack(time32_pack(now)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_clamp),
		cmocka_unit_test(test_order),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
