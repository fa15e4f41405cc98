/*
 * sts_refresh.h - the refresh timer: cached MTA-STS policies are rechecked
 * and refetched before they expire whether or not anyone looks them up
 * (RFC 8461 §3.3: "MTAs SHOULD proactively refresh cached policies before
 * they expire; a suggested refresh frequency is once per day"), at most
 * fetch.max_per_second a second and while fewer than fetch.max_in_flight
 * lookups are in flight, for domains looked up within
 * sts.refresh_unused_for. docs/DECISIONS.md C11-C16.
 *
 * Runs on the loop thread, over the resolver's own work (sts_resolver.c):
 * no second fetch path.
 */
#ifndef MXTLS_CACHED_STS_REFRESH_H
#define MXTLS_CACHED_STS_REFRESH_H

struct sts_resolver;
struct sts_refresh;

/* sts_refresh_create - the timer over r's store and entries, ticking once
 * a second (libevent) on the project clock (util/clock.h). NULL when the
 * timer cannot be made. */
struct sts_refresh *sts_refresh_create(struct sts_resolver *r);

/* sts_refresh_free - stop the timer; work it started goes on as the
 * resolver's. NULL is allowed. */
void sts_refresh_free(struct sts_refresh *s);

#endif
