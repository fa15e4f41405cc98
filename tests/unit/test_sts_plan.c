/*
 * test_sts_plan.c - the refresh timer's schedule (cached/sts/sts_plan.c):
 * the refetch point lies in (expires - margin, expires - margin/2] and
 * before expiry, the daily recheck in (checked + 3/4 interval, checked +
 * interval], never before now; 100,000 domains with the same expiry or
 * the same last check are spread over their windows (no second holds more
 * than a handful); retries double from 300 s to 3600 s and the last one
 * comes before expiry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "sts/sts_plan.h"

#define DAY  86400
#define WEEK (7 * DAY)

static void
test_margin(void **state)
{
	(void)state;
	assert_true(sts_plan_margin(WEEK, DAY) == DAY);
	assert_true(sts_plan_margin(3600, DAY) == 1800);
	assert_true(sts_plan_margin(WEEK, 0) == 0);
	assert_true(sts_plan_margin(1, DAY) == 0);
}

static void
test_windows(void **state)
{
	char    d[64];
	int64_t now = 1000000000, exp = now + WEEK, at;
	int     i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		snprintf(d, sizeof(d), "d%d.example", i);
		/* checked just now: the refetch point comes first */
		at = sts_plan_next(d, now, now, exp, WEEK, DAY, 30 * DAY);
		assert_true(at > exp - DAY);
		assert_true(at <= exp - DAY / 2);
		/* daily recheck first */
		at = sts_plan_next(d, now, now, exp, WEEK, DAY, DAY);
		assert_true(at > now + DAY * 3 / 4);
		assert_true(at <= now + DAY);
		/* no refetch before expiry (refresh_before 0): recheck only */
		at = sts_plan_next(d, now, now, now + 10, WEEK, 0, DAY);
		assert_true(at > now + DAY * 3 / 4);
		/* overdue: now */
		at = sts_plan_next(d, now, now - 2 * DAY, exp, WEEK, DAY, DAY);
		assert_true(at == now);
		/* a tiny margin still lands before expiry */
		at = sts_plan_next(d, now, now, now + 10, 2, DAY, DAY);
		assert_true(at == now + 9);
	}
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

/* max_per_second - the most values falling in one second */
static int
max_per_second(int64_t *v, int n)
{
	int i, run = 1, best = 1;

	qsort(v, (size_t)n, sizeof(*v), cmp64);
	for (i = 1; i < n; i++) {
		run  = v[i] == v[i - 1] ? run + 1 : 1;
		best = run > best ? run : best;
	}
	return (best);
}

static void
test_spread(void **state)
{
	enum { N = 100000 };
	int64_t *v   = calloc(N, sizeof(*v));
	int64_t  now = 1000000000, exp = now + WEEK, lo, hi;
	char     d[64];
	int      i;

	(void)state;
	assert_non_null(v);
	/* 100,000 policies fetched in the same second: the refetches */
	for (i = 0; i < N; i++) {
		snprintf(d, sizeof(d), "domain%d.example", i);
		v[i] = sts_plan_next(d, now, now, exp, WEEK, DAY, 30 * DAY);
	}
	assert_true(max_per_second(v, N) <= 16); /* mean 2.3 a second */
	lo = v[0];
	hi = v[N - 1];
	assert_true(lo > exp - DAY && hi <= exp - DAY / 2);
	assert_true(hi - lo > DAY / 2 * 9 / 10); /* the whole window */
	/* ... and their daily rechecks */
	for (i = 0; i < N; i++) {
		snprintf(d, sizeof(d), "domain%d.example", i);
		v[i] = sts_plan_next(d, now, now, exp, WEEK, DAY, DAY);
	}
	assert_true(max_per_second(v, N) <= 24); /* mean 4.6 a second */
	assert_true(v[N - 1] - v[0] > DAY / 4 * 9 / 10);
	free(v);
}

static void
test_retry(void **state)
{
	int64_t now = 1000000000, far = now + 30 * DAY;

	(void)state;
	assert_true(sts_plan_retry(now, 1, far) == now + 300);
	assert_true(sts_plan_retry(now, 2, far) == now + 600);
	assert_true(sts_plan_retry(now, 3, far) == now + 1200);
	assert_true(sts_plan_retry(now, 4, far) == now + 2400);
	assert_true(sts_plan_retry(now, 5, far) == now + 3600);
	assert_true(sts_plan_retry(now, 60, far) == now + 3600);
	/* the last try before expiry */
	assert_true(sts_plan_retry(now, 5, now + 1000) == now + 999);
	assert_true(sts_plan_retry(now, 5, now + 301) == now + 300);
	/* less than five minutes left: not sooner than five minutes */
	assert_true(sts_plan_retry(now, 5, now + 200) >= now + 300);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_margin),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_retry),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
