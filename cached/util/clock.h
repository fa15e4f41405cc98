/*
 * clock.h - the daemon's one source of wall-clock time for cache lifetimes
 * (policy expiry, TXT recheck, negative caching, DANE and TLSRPT reuse).
 * Normally time(2); scenario tests (tests/scenario/) switch it to a fake
 * clock they set and advance, so a cache life cycle of days runs at once.
 *
 * Only wall-clock seconds go through here: libevent timers (deadlines of
 * lookups and waits) run on libevent's own monotonic clock and are not
 * affected by the fake clock.
 */
#ifndef MXTLS_CACHED_CLOCK_H
#define MXTLS_CACHED_CLOCK_H

#include <stdint.h>

/* clock_now - unix seconds: the real time, or the fake time when set. */
int64_t clock_now(void);

/* clock_set_fake - tests only: clock_now returns t from now on. */
void clock_set_fake(int64_t t);

/* clock_advance - tests only: move the fake time on by secs (>= 0). */
void clock_advance(int64_t secs);

/* clock_set_real - tests only: back to the real time. */
void clock_set_real(void);

#endif
