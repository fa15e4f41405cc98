/*
 * sts_mx.c - MX host names against MTA-STS mx patterns (RFC 8461 §4.1:
 * "*.example.com" matches exactly one leftmost label more, case-
 * insensitively); the preload list spells the wildcard ".example.com"
 * (sts/preload.h). One copy for both. Pure.
 */
#include <string.h>

#include "sts/sts_mx.h"

static int
sts_mx_equal_nocase(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z') {
			x = (unsigned char)(x - 'A' + 'a');
		}
		if (y >= 'A' && y <= 'Z') {
			y = (unsigned char)(y - 'A' + 'a');
		}
		if (x != y) {
			return (0);
		}
	}
	return (1);
}

int
sts_mx_match(const char *pattern, const char *wild, const char *host)
{
	size_t      plen, hlen, wlen, dlen;
	const char *dot;

	if (pattern == NULL || host == NULL || wild == NULL) {
		return (0);
	}
	plen = strlen(pattern);
	hlen = strlen(host);
	wlen = strlen(wild);
	if (plen > 0 && pattern[plen - 1] == '.') {
		plen--;
	}
	if (hlen > 0 && host[hlen - 1] == '.') {
		hlen--;
	}
	if (plen == 0 || hlen == 0) {
		return (0);
	}
	if (wlen > 0 && plen >= wlen && memcmp(pattern, wild, wlen) == 0) {
		/* One leftmost label, then exactly the pattern's domain. */
		dlen = plen - wlen;
		if (dlen == 0) {
			return (0);
		}
		if ((dot = memchr(host, '.', hlen)) == NULL || dot == host) {
			return (0);
		}
		return (hlen - (size_t)(dot + 1 - host) == dlen
		        && sts_mx_equal_nocase(dot + 1, pattern + wlen, dlen));
	}
	return (plen == hlen && sts_mx_equal_nocase(pattern, host, plen));
}
