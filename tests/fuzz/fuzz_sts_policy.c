/*
 * fuzz_sts_policy.c - libFuzzer target for the MTA-STS policy parser
 * (RFC 8461 §3.2) and MX matching (RFC 8461 §4.1): sts_policy_parse on the
 * whole input; on success sts_policy_copy, sts_policy_to_json and
 * sts_policy_mx_match/mx_allowed against hosts built from each pattern;
 * always sts_policy_mx_match on a pattern and a host taken from the first
 * two lines of the input. Aborts when an invariant of the API does not hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sts/sts_policy.h"

#define HOST_MAX 300

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
upper(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s >= 'a' && *s <= 'z') {
			*s = (char)(*s - 'a' + 'A');
		}
	}
}

/* Invariants of every mx pattern of a valid policy, checked by matching. */
static void
check_pattern(const struct sts_policy *pol, const char *p)
{
	char   host[HOST_MAX];
	size_t n = strlen(p), i;

	if (n == 0 || n + 3 > sizeof(host)) {
		abort();
	}
	for (i = 0; i < n; i++) {
		if (p[i] >= 'A' && p[i] <= 'Z') {
			abort();
		}
	}
	if (p[0] == '*') {
		/* "*.d": one more label matches, d itself and two do not. */
		host[0] = 'x';
		memcpy(host + 1, p + 1, n); /* ".d" and the NUL */
		if (!sts_policy_mx_match(p, host)
		        || !sts_policy_mx_allowed(pol, host)) {
			abort();
		}
		upper(host);
		if (!sts_policy_mx_match(p, host)) {
			abort();
		}
		if (sts_policy_mx_match(p, p + 2)) {
			abort();
		}
		host[0] = 'a';
		host[1] = '.';
		host[2] = 'b';
		memcpy(host + 3, p + 1, n);
		if (sts_policy_mx_match(p, host)) {
			abort();
		}
	} else {
		memcpy(host, p, n + 1);
		if (!sts_policy_mx_match(p, host)
		        || !sts_policy_mx_allowed(pol, host)) {
			abort();
		}
		host[n]     = '.';
		host[n + 1] = '\0';
		upper(host);
		if (!sts_policy_mx_match(p, host)) {
			abort();
		}
		host[0] = (char)(host[0] == 'Q' ? 'Z' : 'Q');
		if (sts_policy_mx_match(p, host) && n > 0) {
			abort();
		}
	}
}

static void
check_valid(struct sts_policy *pol)
{
	struct sts_policy cp;
	json_t           *j;
	char             *s;
	size_t            i;

	if (pol->max_age > STS_POLICY_MAX_AGE_CAP) {
		abort();
	}
	if (pol->mode != STS_MODE_NONE && pol->mode != STS_MODE_TESTING
	        && pol->mode != STS_MODE_ENFORCE) {
		abort();
	}
	if (pol->mode != STS_MODE_NONE && pol->nmx == 0) {
		abort();
	}
	for (i = 0; i < pol->nmx; i++) {
		check_pattern(pol, pol->mx[i]);
	}
	if (sts_policy_copy(&cp, pol) != 0 || cp.nmx != pol->nmx
	        || cp.mode != pol->mode || cp.max_age != pol->max_age) {
		abort();
	}
	for (i = 0; i < cp.nmx; i++) {
		if (strcmp(cp.mx[i], pol->mx[i]) != 0) {
			abort();
		}
	}
	sts_policy_clear(&cp);
	if ((j = sts_policy_to_json(pol)) == NULL) {
		abort();
	}
	if (json_integer_value(json_object_get(j, "max_age"))
	                != (json_int_t)pol->max_age
	        || json_array_size(json_object_get(j, "mx")) != pol->nmx) {
		abort();
	}
	if ((s = json_dumps(j, JSON_COMPACT)) == NULL) {
		abort();
	}
	free(s);
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sts_policy pol;
	char              why[96];
	char              pattern[HOST_MAX], host[HOST_MAX];
	size_t            i, n;

	why[0] = '\0';
	if (sts_policy_parse((const char *)data, size, &pol, why, sizeof(why))
	        == 0) {
		check_valid(&pol);
		sts_policy_clear(&pol);
	} else if (pol.nmx != 0 || pol.mx != NULL || pol.max_age != 0
	        || why[0] == '\0') {
		abort();
	}
	if (memchr(why, '\0', sizeof(why)) == NULL) {
		abort();
	}

	/* Raw matching: first line the pattern, second line the host. */
	for (i = 0; i < size && data[i] != '\n' && i < HOST_MAX - 1; i++) {
		pattern[i] = (char)data[i];
	}
	pattern[i] = '\0';
	while (i < size && data[i] != '\n') {
		i++;
	}
	i++;
	for (n = 0; i < size && data[i] != '\n' && n < HOST_MAX - 1; i++) {
		host[n++] = (char)data[i];
	}
	host[n] = '\0';
	(void)sts_policy_mx_match(pattern, host);
	(void)sts_policy_mx_match(host, pattern);
	return (0);
}
