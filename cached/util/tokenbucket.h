/*
 * tokenbucket.h - a token bucket on whole seconds of the project clock
 * (clock.h): rate tokens come in per second, at most burst are kept, one
 * is taken per unit of work. The refresh timer's global rate limit
 * (cached/sts/sts_refresh.c, fetch.max_per_second). Pure: the caller
 * passes the time, the rate and the burst (so a reload applies at the
 * next refill).
 */
#ifndef MXTLS_CACHED_TOKENBUCKET_H
#define MXTLS_CACHED_TOKENBUCKET_H

#include <stdint.h>

struct tokenbucket {
	int64_t tokens;
	int64_t last; /* the time of the last refill */
};

/* tokenbucket_init - a full bucket (burst tokens) at time now. */
void tokenbucket_init(struct tokenbucket *b, int64_t now, int64_t burst);

/* tokenbucket_refill - add rate tokens per second since the last refill,
 * keeping at most burst. A clock that went back refills nothing (and
 * counts from now on). */
void tokenbucket_refill(
        struct tokenbucket *b, int64_t now, int64_t rate, int64_t burst);

/* tokenbucket_take - take one token: 1, or 0 when the bucket is empty. */
int tokenbucket_take(struct tokenbucket *b);

#endif
