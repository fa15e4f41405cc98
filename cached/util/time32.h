/*
 * time32.h - unix seconds kept in 32 bits inside per-domain memo entries
 * (docs/BENCHMARKS.md, memory): an unsigned 32-bit count of seconds since
 * 1970 holds every time until 2106-02-07. Times outside that range are
 * clamped: before 1970 becomes 0, after 2106 becomes the last second
 * representable (so a far-future expiry stays in the future until then).
 * Callers compute with int64_t (clock_now) and only store packed values.
 */
#ifndef MXTLS_CACHED_TIME32_H
#define MXTLS_CACHED_TIME32_H

#include <stdint.h>

/* TIME32_MAX - the latest time a packed value can hold (2106-02-07). */
#define TIME32_MAX ((int64_t)UINT32_MAX)

/* time32_pack - t (unix seconds) clamped to [0, TIME32_MAX], in 32 bits. */
static inline uint32_t
time32_pack(int64_t t)
{
	if (t <= 0) {
		return (0);
	}
	if (t >= TIME32_MAX) {
		return (UINT32_MAX);
	}
	return ((uint32_t)t);
}

/* time32_unpack - the unix seconds a packed value holds. */
static inline int64_t
time32_unpack(uint32_t t)
{
	return ((int64_t)t);
}

#endif
