/*
 * sts_plan.c - the refresh timer's schedule (see sts_plan.h; RFC 8461
 * §3.3): when a cached policy is next looked at, spread over a window so
 * that many policies fetched at once (same max_age) are not all refreshed
 * in the same second, and when a failed refresh is retried.
 */
#include <string.h>

#include "sts/sts_plan.h"
#include "util/hash.h"

int64_t
sts_plan_margin(uint32_t max_age, int refresh_before)
{
	int64_t half = (int64_t)(max_age / 2);

	return (refresh_before < half ? refresh_before : half);
}

double
sts_plan_jitter(const char *domain, int64_t t)
{
	uint32_t h = hash_fnv32(HASH_FNV32_INIT, domain, strlen(domain));
	uint64_t u = (uint64_t)t;

	h = hash_fnv32(h, &u, sizeof(u));
	h ^= h >> 16; /* FNV's low bits mix poorly */
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return ((double)h / 4294967296.0);
}

int64_t
sts_plan_next(const char *domain, int64_t now, int64_t checked,
        int64_t expires, uint32_t max_age, int refresh_before, int interval)
{
	double  j = sts_plan_jitter(domain, expires);
	int64_t margin, at, refetch;

	at     = checked + interval - (int64_t)(j * (double)(interval / 4));
	margin = sts_plan_margin(max_age, refresh_before);
	if (margin > 0) {
		refetch = expires - margin + 1
		        + (int64_t)(j * (double)(margin / 2));
		if (refetch > expires - 1) {
			refetch = expires - 1;
		}
		if (refetch < at) {
			at = refetch;
		}
	}
	return (at > now ? at : now);
}

int64_t
sts_plan_retry(int64_t now, int fails, int64_t expires)
{
	int64_t delay = STS_PLAN_RETRY_MIN;
	int     i;

	for (i = 1; i < fails && delay < STS_PLAN_RETRY_MAX; i++) {
		delay *= 2;
	}
	if (delay > STS_PLAN_RETRY_MAX) {
		delay = STS_PLAN_RETRY_MAX;
	}
	if (now + delay >= expires
	        && expires - 1 >= now + STS_PLAN_RETRY_MIN) {
		return (expires - 1);
	}
	return (now + delay);
}
