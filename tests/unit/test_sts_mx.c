/*
 * test_sts_mx.c - the one MX pattern matcher (cached/sts/sts_mx.c) that
 * policies (RFC 8461 §4.1, "*.") and the preload list (".") share: exact
 * names, one and only one extra leftmost label under a wildcard, case,
 * trailing dots, and the edges (empty, NULL, a wildcard alone, an empty
 * label).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sts/sts_mx.h"

struct mx_case {
	const char *pattern;
	const char *wild;
	const char *host;
	int         want;
};

static const struct mx_case cases[] = {
	/* exact */
	{ "mx.example.com", "*.", "mx.example.com", 1 },
	{ "mx.example.com", "*.", "MX.Example.COM", 1 },
	{ "MX.EXAMPLE.COM", ".", "mx.example.com", 1 },
	{ "mx.example.com.", "*.", "mx.example.com", 1 },
	{ "mx.example.com", "*.", "mx.example.com.", 1 },
	{ "mx.example.com", "*.", "mx.example.co", 0 },
	{ "mx.example.com", "*.", "a.mx.example.com", 0 },
	{ "mx.example.com", "*.", "x.example.com", 0 },
	/* RFC 8461 §4.1 wildcard: exactly one more label */
	{ "*.example.com", "*.", "mx.example.com", 1 },
	{ "*.example.com", "*.", "MX.EXAMPLE.com.", 1 },
	{ "*.example.com.", "*.", "mx.example.com", 1 },
	{ "*.example.com", "*.", "example.com", 0 },
	{ "*.example.com", "*.", "a.mx.example.com", 0 },
	{ "*.example.com", "*.", ".example.com", 0 },
	{ "*.example.com", "*.", "mxexample.com", 0 },
	{ "*.example.com", "*.", "mx.example.org", 0 },
	/* a wildcard spelled the other way is a literal */
	{ "*.example.com", ".", "mx.example.com", 0 },
	{ "*.example.com", ".", "*.example.com", 1 },
	{ ".example.com", "*.", "mx.example.com", 0 },
	/* the preload list's wildcard */
	{ ".example.com", ".", "mx.example.com", 1 },
	{ ".example.com", ".", "example.com", 0 },
	{ ".example.com", ".", "a.mx.example.com", 0 },
	/* a wildcard alone, empty or missing arguments */
	{ "*.", "*.", "mx.example.com", 0 },
	{ "*", "*.", "mx", 0 },
	{ "*", "*.", "*", 1 },
	{ ".", ".", "mx.example.com", 0 },
	{ "", "*.", "", 0 },
	{ "mx.example.com", "*.", "", 0 },
	{ "", "*.", "mx.example.com", 0 },
	{ "mx.example.com", "*.", ".", 0 },
	{ NULL, "*.", "mx.example.com", 0 },
	{ "mx.example.com", "*.", NULL, 0 },
	{ "mx.example.com", NULL, "mx.example.com", 0 },
	/* an empty wildcard spelling: exact matching only */
	{ "mx.example.com", "", "mx.example.com", 1 },
	{ ".example.com", "", "mx.example.com", 0 },
};

static void
test_match(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mx_case *c = &cases[i];
		int                   got;

		got = sts_mx_match(c->pattern, c->wild, c->host);
		if (got != c->want) {
			print_error(
			        "case %zu: \"%s\" (%s) vs \"%s\": %d, want "
			        "%d\n",
			        i, c->pattern ? c->pattern : "(null)",
			        c->wild ? c->wild : "(null)",
			        c->host ? c->host : "(null)", got, c->want);
		}
		assert_int_equal(got, c->want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
