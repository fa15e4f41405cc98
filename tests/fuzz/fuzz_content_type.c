/*
 * fuzz_content_type.c - libFuzzer target for sts_fetch_content_type_ok
 * (cached/sts/sts_fetch_result.c): the policy server's Content-Type header
 * (RFC 8461 §3.3: text/plain, parameters allowed).
 *
 * Beyond "no crash", it checks the rule itself on every input: accepted
 * means "text/plain" (any case) after optional whitespace, followed by
 * optional whitespace and then the end or ';'; and the verdict does not
 * change when parameters are appended to an accepted value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sts/sts_fetch_result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char       *s, *more;
	const char *p;
	int         ok;

	if ((s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0'; /* a header value stops at its first NUL */
	ok      = sts_fetch_content_type_ok(s);
	p       = s;
	while (*p == ' ' || *p == '\t')
		p++;
	if (ok) {
		if (strncasecmp(p, "text/plain", 10) != 0)
			abort();
		p += 10;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0' && *p != ';')
			abort();
		if ((more = malloc(strlen(s) + 16)) != NULL) {
			strcpy(more, s);
			strcat(more, *p == '\0' ? "; charset=x" : "");
			if (!sts_fetch_content_type_ok(more))
				abort();
			free(more);
		}
	}
	free(s);
	return (0);
}
