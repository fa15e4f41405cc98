/*
 * rfc3339.h - parse an RFC 3339 date-time with a time zone (the MTA-STS
 * preload list's timestamp and expires, sts/preload.c).
 */
#ifndef MXTLS_CACHED_RFC3339_H
#define MXTLS_CACHED_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/*
 * rfc3339_parse - s (len bytes, not NUL-terminated) as
 * YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm|-hh:mm|+hhmm|-hhmm) into *out, seconds
 * since 1970-01-01T00:00:00Z. 0, or -1 with why (the first rule broken).
 */
int rfc3339_parse(
        const char *s, size_t len, int64_t *out, char *why, size_t whylen);

#endif
