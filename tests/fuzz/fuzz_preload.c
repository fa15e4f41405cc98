/*
 * fuzz_preload.c - libFuzzer target for the MTA-STS preload list parser
 * (EFF STARTTLS-Everywhere policy.json, see cached/sts/preload.h):
 * preload_parse on the whole input at a fixed "now"; on success every key of
 * "policies" (read back with jansson as an oracle) must be found with a valid
 * mode and valid, matching patterns, and the count must agree; on failure why
 * must be a non-empty string. Always preload_mx_match on a pattern and a host
 * taken from the first two lines of the input. Aborts when an invariant of the
 * API does not hold.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domain.h"
#include "sts/preload.h"

#define HOST_MAX 300
#define NOW      INT64_C(1700000000)

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

/* Invariants of a stored list pattern, checked by matching. */
static void
check_pattern(const struct preload_entry *e, const char *p)
{
	char   host[HOST_MAX];
	size_t n = strlen(p), i;

	if (n == 0 || n + 4 > sizeof(host) || p[n - 1] == '.') {
		abort();
	}
	for (i = 0; i < n; i++) {
		if ((p[i] >= 'A' && p[i] <= 'Z') || p[i] == '*') {
			abort();
		}
	}
	if (p[0] == '.') {
		if (!domain_is_normal(p + 1) || strchr(p + 1, '.') == NULL) {
			abort();
		}
		/* ".d": one more label matches, d itself and two do not. */
		host[0] = 'x';
		memcpy(host + 1, p, n + 1);
		if (!preload_mx_match(p, host)
		        || !preload_mx_allowed(e, host)) {
			abort();
		}
		upper(host);
		if (!preload_mx_match(p, host)) {
			abort();
		}
		if (preload_mx_match(p, p + 1) || preload_mx_match(p, p)) {
			abort();
		}
		host[0] = 'a';
		host[1] = '.';
		host[2] = 'b';
		memcpy(host + 3, p, n + 1);
		if (preload_mx_match(p, host)) {
			abort();
		}
	} else {
		if (!domain_is_normal(p) || strchr(p, '.') == NULL) {
			abort();
		}
		memcpy(host, p, n + 1);
		if (!preload_mx_match(p, host)
		        || !preload_mx_allowed(e, host)) {
			abort();
		}
		host[n]     = '.';
		host[n + 1] = '\0';
		upper(host);
		if (!preload_mx_match(p, host)) {
			abort();
		}
		host[0] = (char)(host[0] == 'Q' ? 'Z' : 'Q');
		if (preload_mx_match(p, host)) {
			abort();
		}
	}
}

static void
check_valid(const struct preload *p, const uint8_t *data, size_t size)
{
	struct preload_entry e;
	json_t              *root, *pols, *v;
	const char          *key;
	size_t               i;

	root = json_loadb(
	        (const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (root == NULL) {
		abort();
	}
	pols = json_object_get(root, "policies");
	if (preload_count(p) != json_object_size(pols)) {
		abort();
	}
	if (preload_expires(p) <= NOW
	        || preload_timestamp(p) > preload_expires(p)) {
		abort();
	}
	json_object_foreach(pols, key, v)
	{
		if (preload_lookup(p, key, &e) != PRELOAD_FOUND) {
			abort();
		}
		if (!domain_is_normal(e.domain) || e.nmx == 0 || e.mx == NULL
		        || (e.mode != STS_MODE_ENFORCE
		                && e.mode != STS_MODE_TESTING)) {
			abort();
		}
		for (i = 0; i < e.nmx; i++) {
			check_pattern(&e, e.mx[i]);
		}
	}
	json_decref(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct preload      *p;
	struct preload_entry e;
	char                 why[128];
	char                 pattern[HOST_MAX], host[HOST_MAX];
	size_t               i, n;

	memset(why, 'X', sizeof(why));
	p = preload_parse((const char *)data, size, NOW, why, sizeof(why));
	if (p != NULL) {
		check_valid(p, data, size);
	} else if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0') {
		abort();
	}

	/* Raw matching and lookup: first line the pattern, second the host. */
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
	(void)preload_mx_match(pattern, host);
	(void)preload_mx_match(host, pattern);
	if (p != NULL) {
		if (preload_lookup(p, host, &e) == PRELOAD_FOUND
		        && !domain_is_normal(e.domain)) {
			abort();
		}
		preload_free(p);
	}
	return (0);
}
