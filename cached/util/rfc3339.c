/*
 * rfc3339.c - RFC 3339 §5.6 date-time with a time zone into epoch seconds
 * (proleptic Gregorian, RFC 3339 §5.7: the day must exist in its month;
 * seconds 0-59, a leap second is refused). Fractions of a second are
 * allowed and ignored; the zone is "Z", "+hh:mm" or "+hhmm" (the EFF
 * preload list's ZZZZ). Pure.
 */
#include <stddef.h>
#include <stdint.h>

#include "util/rfc3339.h"
#include "why.h"

static int
digits(const char *s, size_t n, int *out)
{
	size_t i;
	int    v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return (-1);
		}
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (0);
}

static int
is_leap(int y)
{
	return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t  era, yy = y - (m <= 2);
	unsigned yoe, doy, doe;

	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = (unsigned)(yy - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + (int64_t)doe - 719468);
}

int
rfc3339_parse(
        const char *s, size_t len, int64_t *out, char *why, size_t whylen)
{
	static const int mdays[]
	        = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int     Y, M, D, h, m, sec, oh, om, dim;
	int64_t off = 0;
	size_t  i;

	if (len < 19 || digits(s, 4, &Y) != 0 || s[4] != '-'
	        || digits(s + 5, 2, &M) != 0 || s[7] != '-'
	        || digits(s + 8, 2, &D) != 0 || s[10] != 'T'
	        || digits(s + 11, 2, &h) != 0 || s[13] != ':'
	        || digits(s + 14, 2, &m) != 0 || s[16] != ':'
	        || digits(s + 17, 2, &sec) != 0) {
		return (why_fail(why, whylen,
		        "not an RFC 3339 date-time "
		        "(YYYY-MM-DDThh:mm:ss[.frac](Z|+hh:mm))"));
	}
	if (M < 1 || M > 12) {
		return (why_fail(why, whylen, "month out of range"));
	}
	dim = mdays[M - 1] + (M == 2 && is_leap(Y));
	if (D < 1 || D > dim) {
		return (why_fail(why, whylen, "day out of range"));
	}
	if (h > 23 || m > 59 || sec > 59) {
		return (why_fail(why, whylen, "time of day out of range"));
	}
	i = 19;
	if (i < len && s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) { }
		if (i == 20) {
			return (why_fail(
			        why, whylen, "empty fraction of a second"));
		}
	}
	if (i < len && s[i] == 'Z') {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		int neg = s[i] == '-';
		i++;
		if (len - i < 4 || digits(s + i, 2, &oh) != 0) {
			return (why_fail(why, whylen, "bad time zone offset"));
		}
		i += 2;
		if (s[i] == ':') {
			i++;
		}
		if (len - i < 2 || digits(s + i, 2, &om) != 0 || oh > 23
		        || om > 59) {
			return (why_fail(why, whylen, "bad time zone offset"));
		}
		i += 2;
		off = (int64_t)oh * 3600 + om * 60;
		if (neg) {
			off = -off;
		}
	} else {
		return (why_fail(why, whylen,
		        "no time zone (need Z or +hh:mm after the time)"));
	}
	if (i != len) {
		return (why_fail(
		        why, whylen, "trailing characters after the time"));
	}
	*out = days_from_civil(Y, M, D) * 86400 + (int64_t)h * 3600 + m * 60
	        + sec - off;
	return (0);
}
