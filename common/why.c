/*
 * why.c - fill a caller's why buffer, and keep it valid UTF-8 (RFC 3629
 * §4's syntax) for the JSON replies it ends up in (see why.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "why.h"

void
why_set(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	why_utf8(why);
}

int
why_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
		why_utf8(why);
	}
	return (-1);
}

/* seq_len - the length of the valid UTF-8 sequence at p (RFC 3629 §4:
 * UTF8-2, UTF8-3 and UTF8-4 with their second-byte ranges), 0 when p
 * starts none, or -1 when s ends inside a sequence that was valid so far. */
static int
seq_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int           n, i;

	if (p[0] < 0x80) {
		return (1);
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n  = 3;
		lo = p[0] == 0xe0 ? 0xa0 : 0x80;
		hi = p[0] == 0xed ? 0x9f : 0xbf;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n  = 4;
		lo = p[0] == 0xf0 ? 0x90 : 0x80;
		hi = p[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return (0);
	}
	for (i = 1; i < n; i++) {
		if (p[i] == '\0') {
			return (-1);
		}
		if (p[i] < (i == 1 ? lo : 0x80)
		        || p[i] > (i == 1 ? hi : 0xbf)) {
			return (0);
		}
	}
	return (n);
}

char *
why_utf8(char *s)
{
	unsigned char *p = (unsigned char *)s;
	int            n;

	if (s == NULL) {
		return (s);
	}
	while (*p != '\0') {
		if ((n = seq_len(p)) > 0) {
			p += n;
		} else if (n < 0) {
			*p = '\0'; /* cut short at the end: dropped */
		} else {
			*p++ = '?';
		}
	}
	return (s);
}

json_t *
why_json(const char *why)
{
	json_t *j;
	char   *s;

	if (why == NULL) {
		return (json_string(""));
	}
	if ((s = strdup(why)) == NULL) {
		return (NULL);
	}
	j = json_string(why_utf8(s));
	free(s);
	return (j);
}
