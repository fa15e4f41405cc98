/*
 * test_tokenbucket.c - the token bucket of cached/util/tokenbucket.c: full
 * at start, rate tokens a second up to the burst, none when the clock goes
 * back, a long pause never gives more than the burst, a lowered burst
 * applies at once, a zero rate gives nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/tokenbucket.h"

static int
drain(struct tokenbucket *b)
{
	int n = 0;

	while (tokenbucket_take(b)) {
		n++;
	}
	return (n);
}

static void
test_rate_and_burst(void **state)
{
	struct tokenbucket b;

	(void)state;
	tokenbucket_init(&b, 1000, 10);
	assert_int_equal(drain(&b), 10);
	assert_int_equal(tokenbucket_take(&b), 0);
	tokenbucket_refill(&b, 1000, 10, 10); /* same second: nothing */
	assert_int_equal(drain(&b), 0);
	tokenbucket_refill(&b, 1001, 10, 10);
	assert_int_equal(drain(&b), 10);
	tokenbucket_refill(&b, 1003, 10, 10); /* two seconds, burst 10 */
	assert_int_equal(drain(&b), 10);
	tokenbucket_refill(&b, 1004, 3, 10); /* rate below the burst */
	assert_int_equal(drain(&b), 3);
	tokenbucket_refill(&b, 1006, 3, 10);
	assert_int_equal(drain(&b), 6);
}

static void
test_partial_use(void **state)
{
	struct tokenbucket b;

	(void)state;
	tokenbucket_init(&b, 0, 5);
	assert_int_equal(tokenbucket_take(&b), 1);
	assert_int_equal(tokenbucket_take(&b), 1);
	tokenbucket_refill(&b, 1, 5, 5); /* 3 left + 5, kept at 5 */
	assert_int_equal(drain(&b), 5);
}

static void
test_clock_jumps(void **state)
{
	struct tokenbucket b;

	(void)state;
	tokenbucket_init(&b, 1000, 4);
	assert_int_equal(drain(&b), 4);
	tokenbucket_refill(&b, 900, 4, 4); /* back: nothing */
	assert_int_equal(drain(&b), 0);
	tokenbucket_refill(&b, 901, 4, 4); /* counts from 900 */
	assert_int_equal(drain(&b), 4);
	tokenbucket_refill(&b, INT64_C(1) << 40, 1000000, 4); /* no overflow */
	assert_int_equal(drain(&b), 4);
}

static void
test_lowered_and_zero(void **state)
{
	struct tokenbucket b;

	(void)state;
	tokenbucket_init(&b, 0, 100);
	tokenbucket_refill(&b, 0, 100, 7); /* burst lowered by a reload */
	assert_int_equal(drain(&b), 7);
	tokenbucket_refill(&b, 50, 0, 7); /* rate 0: nothing */
	assert_int_equal(drain(&b), 0);
	tokenbucket_init(&b, 0, -1);
	assert_int_equal(drain(&b), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_and_burst),
		cmocka_unit_test(test_partial_use),
		cmocka_unit_test(test_clock_jumps),
		cmocka_unit_test(test_lowered_and_zero),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
