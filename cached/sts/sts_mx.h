/*
 * sts_mx.h - matching an MX host name against an MTA-STS mx pattern (RFC
 * 8461 §4.1), for policies (sts_policy.c, "*.example.com") and the preload
 * list (preload.c, ".example.com").
 */
#ifndef MXTLS_CACHED_STS_MX_H
#define MXTLS_CACHED_STS_MX_H

/*
 * sts_mx_match - 1 when host matches pattern, else 0. One trailing dot of
 * either is ignored; the comparison is ASCII case-insensitive. A pattern
 * that starts with wild (the wildcard's spelling: "*." or ".") matches a
 * host of exactly one more leftmost, non-empty label than the rest of the
 * pattern; any other pattern matches that host only. NULL or empty
 * arguments match nothing.
 */
int sts_mx_match(const char *pattern, const char *wild, const char *host);

#endif
