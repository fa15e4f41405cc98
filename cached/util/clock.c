/*
 * clock.c - wall-clock seconds for the cache life cycle, with a fake clock
 * for scenario tests (see clock.h). The fake state is process-global and
 * only ever touched from the loop thread (or a test's main thread).
 */
#include <time.h>

#include "util/clock.h"

static int     clock_fake;
static int64_t clock_fake_now;

int64_t
clock_now(void)
{
	if (clock_fake) {
		return (clock_fake_now);
	}
	return ((int64_t)time(NULL));
}

void
clock_set_fake(int64_t t)
{
	clock_fake     = 1;
	clock_fake_now = t;
}

void
clock_advance(int64_t secs)
{
	if (secs > 0) {
		clock_fake_now += secs;
	}
}

void
clock_set_real(void)
{
	clock_fake = 0;
}
