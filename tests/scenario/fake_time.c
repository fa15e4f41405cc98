/*
 * fake_time.c - time(2) for the TLSRPT tests: cached/tlsrpt/tlsrpt_sched.c
 * reads its clock with time(NULL) (tlsrpt_sched_now), not through
 * cached/util/clock.h, so the fake clock cannot move it. Linked into the
 * test executable, this time() is the one the archive's objects call
 * (link-time substitution, like fake_dns.c); once fake_time_follow_clock
 * was called it returns clock_now(), so one fake clock drives the
 * resolvers and TLS reporting alike, to the second. Shared libraries keep
 * their own clocks (libevent's timers, SQLite).
 */
#include <time.h>

#include "fake_time.h"
#include "util/clock.h"

static int fake_time_follow;
static int fake_time_depth;

void
fake_time_follow_clock(int on)
{
	fake_time_follow = on;
}

time_t
time(time_t *tp)
{
	struct timespec ts;
	time_t          v;

	if (fake_time_follow && fake_time_depth == 0) {
		fake_time_depth++; /* clock_now on the real clock calls time */
		v = (time_t)clock_now();
		fake_time_depth--;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		v = ts.tv_sec;
	}
	if (tp != NULL)
		*tp = v;
	return (v);
}
