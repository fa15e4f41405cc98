/*
 * sts_plan.h - when the refresh timer (sts_refresh.c) next looks at a
 * cached MTA-STS policy, and when it retries a failed refresh (RFC 8461
 * §3.3: "MTAs SHOULD proactively refresh cached policies before they
 * expire; a suggested refresh frequency is once per day"; a failed fetch
 * is retried no sooner than five minutes later). Pure functions of their
 * arguments; docs/DECISIONS.md C11-C14.
 */
#ifndef MXTLS_CACHED_STS_PLAN_H
#define MXTLS_CACHED_STS_PLAN_H

#include <stdint.h>

/* STS_PLAN_RETRY_MIN, _MAX - the first and the longest pause after a
 * failed timer refresh (doubling in between). */
#define STS_PLAN_RETRY_MIN 300
#define STS_PLAN_RETRY_MAX 3600

/* sts_plan_margin - how long before expiry a policy of max_age is
 * refetched: refresh_before, at most half of max_age. */
int64_t sts_plan_margin(uint32_t max_age, int refresh_before);

/* sts_plan_jitter - a fraction in [0, 1), fixed by domain and t: where in
 * its window a domain's visit falls. */
double sts_plan_jitter(const char *domain, int64_t t);

/*
 * sts_plan_next - the next visit of domain's policy (expiring at expires,
 * of max_age, its TXT id last checked at checked): the earlier of
 *   the refetch point, in (expires - margin, expires - margin / 2],
 *       where the resolver refetches (margin: sts_plan_margin; none when
 *       the margin is 0), always before expires;
 *   the daily recheck, in (checked + interval * 3/4, checked + interval];
 * spread in those windows by sts_plan_jitter. Never before now.
 */
int64_t sts_plan_next(const char *domain, int64_t now, int64_t checked,
        int64_t expires, uint32_t max_age, int refresh_before, int interval);

/*
 * sts_plan_retry - the next try after fails (>= 1) failed refreshes in a
 * row: STS_PLAN_RETRY_MIN doubled per earlier failure, at most
 * STS_PLAN_RETRY_MAX; brought forward to one second before expires when
 * that is still STS_PLAN_RETRY_MIN away, so the last try comes before the
 * policy expires.
 */
int64_t sts_plan_retry(int64_t now, int fails, int64_t expires);

#endif
