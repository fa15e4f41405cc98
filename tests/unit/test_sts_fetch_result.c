/*
 * test_sts_fetch_result.c - table-driven tests of the pure parts of a
 * policy fetch's result (cached/sts/sts_fetch_result.c): the Content-Type
 * rule (RFC 8461 §3.3: text/plain, parameters allowed) and the status names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sts/sts_fetch_result.h"

struct ct_case {
	const char *ct; /* NULL: header missing */
	int         ok;
};

static const struct ct_case ct_cases[] = {
	{ "text/plain", 1 },
	{ "TEXT/PLAIN; charset=utf-8", 1 },
	{ "text/plain;charset=\"x\"", 1 },
	{ "Text/Plain", 1 },
	{ "text/plain ; charset=us-ascii", 1 },
	{ " text/plain", 1 },
	{ "text/plain ", 1 },
	{ "text/plainx", 0 },
	{ "text/plain-x", 0 },
	{ "text/plai", 0 },
	{ "text/html", 0 },
	{ "text/ plain", 0 },
	{ "text", 0 },
	{ "application/octet-stream", 0 },
	{ "xtext/plain", 0 },
	{ "", 0 },
	{ NULL, 0 },
};

static void
test_content_type(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ct_cases) / sizeof(ct_cases[0]); i++) {
		const struct ct_case *c = &ct_cases[i];

		if (sts_fetch_content_type_ok(c->ct) != c->ok) {
			fail_msg("case %zu \"%s\": expected %d", i,
			        c->ct != NULL ? c->ct : "(missing)", c->ok);
		}
	}
}

static void
test_status_names(void **state)
{
	(void)state;
	assert_string_equal(sts_fetch_status_name(STS_FETCH_OK), "ok");
	assert_string_equal(
	        sts_fetch_status_name(STS_FETCH_CONNECT), "connect");
	assert_string_equal(sts_fetch_status_name(STS_FETCH_TLS), "tls");
	assert_string_equal(
	        sts_fetch_status_name(STS_FETCH_TIMEOUT), "timeout");
	assert_string_equal(
	        sts_fetch_status_name(STS_FETCH_HTTP_STATUS), "http-status");
	assert_string_equal(
	        sts_fetch_status_name(STS_FETCH_CONTENT_TYPE), "content-type");
	assert_string_equal(
	        sts_fetch_status_name(STS_FETCH_TOO_BIG), "too-big");
	assert_string_equal(sts_fetch_status_name(STS_FETCH_ERROR), "error");
	assert_string_equal(
	        sts_fetch_status_name((enum sts_fetch_status)99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_status_names),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
