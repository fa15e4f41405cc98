/*
 * fuzz_domain.c - libFuzzer target for domain_normalize and
 * domain_is_normal (common/domain.c).
 *
 * Beyond "no crash", it checks the invariants callers rely on: a result is
 * at most DOMAIN_MAX characters, is in normal form, normalises to itself;
 * a rejection leaves out empty and a NUL-terminated why; domain_is_normal
 * agrees with domain_normalize (on the input up to its first NUL); a short why
 * buffer changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char  out[DOMAIN_MAX + 1], again[DOMAIN_MAX + 1];
	char  why[128], tiny[4];
	char *copy;
	int   rv;

	why[0]  = '\0';
	tiny[0] = '\0';
	rv      = domain_normalize(
	             (const char *)data, size, out, sizeof(out), why, sizeof(why));
	if (rv == 0) {
		if (strlen(out) > DOMAIN_MAX || strlen(out) == 0
		        || !domain_is_normal(out)
		        || domain_normalize(out, strlen(out), again,
		                   sizeof(again), NULL, 0)
		                != 0
		        || strcmp(out, again) != 0) {
			abort();
		}
	} else if (rv != -1 || out[0] != '\0'
	        || memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0') {
		abort();
	}
	if (domain_normalize((const char *)data, size, again, sizeof(again),
	            tiny, sizeof(tiny))
	                != rv
	        || (rv == 0 && strcmp(out, again) != 0)
	        || memchr(tiny, '\0', sizeof(tiny)) == NULL) {
		abort();
	}

	/* domain_is_normal on the input as a C string */
	if ((copy = malloc(size + 1)) == NULL) {
		return (0);
	}
	memcpy(copy, data, size);
	copy[size] = '\0';
	rv         = domain_normalize(
	                copy, strlen(copy), again, sizeof(again), NULL, 0);
	if (domain_is_normal(copy) != (rv == 0 && strcmp(copy, again) == 0)) {
		abort();
	}
	free(copy);
	return (0);
}
