/*
 * test_filter_line.c - table-driven unit tests for the smtpd-filters(7)
 * line parser and formatter (modules/opensmtpd/filter_line.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "filter_line.h"

struct line_case {
	const char *in;
	int         ok;
	int         kind;
	const char *event;  /* config key, report event, filter phase */
	const char *params; /* config value or params */
	uint64_t    session, token;
	int         incoming, vminor;
};

static const struct line_case cases[] = {
	{ "config|smtpd-version|6.8.0p2", 1, FILTER_LINE_CONFIG,
	        "smtpd-version", "6.8.0p2", 0, 0, 0, 0 },
	{ "config|subsystem|smtp-out", 1, FILTER_LINE_CONFIG, "subsystem",
	        "smtp-out", 0, 0, 0, 0 },
	{ "config|admd|vm", 1, FILTER_LINE_CONFIG, "admd", "vm", 0, 0, 0, 0 },
	{ "config|protocol|0.7", 1, FILTER_LINE_CONFIG, "protocol", "0.7", 0,
	        0, 0, 0 },
	{ "config|ready", 1, FILTER_LINE_CONFIG, "ready", "", 0, 0, 0, 0 },
	{ "config|ready\r", 1, FILTER_LINE_CONFIG, "ready", "", 0, 0, 0, 0 },
	{ "config|ready|x", 0, 0, NULL, NULL, 0, 0, 0, 0 },
	{ "config|", 0, 0, NULL, NULL, 0, 0, 0, 0 },
	/* observed on 6.8.0p2 */
	{ "report|0.6|1795987462.326423|smtp-in|link-connect|3a9b3b26c073ebe3|"
	  "localhost|pass|127.0.0.1:51054|127.0.0.1:2527",
	        1, FILTER_LINE_REPORT, "link-connect",
	        "localhost|pass|127.0.0.1:51054|127.0.0.1:2527",
	        0x3a9b3b26c073ebe3ULL, 0, 1, 6 },
	{ "filter|0.6|1795987462.330402|smtp-in|rcpt-to|3a9b3b26c073ebe3|"
	  "502c5d6203923a60|u@example.test",
	        1, FILTER_LINE_FILTER, "rcpt-to", "u@example.test",
	        0x3a9b3b26c073ebe3ULL, 0x502c5d6203923a60ULL, 1, 6 },
	{ "report|0.7|1.0|smtp-out|link-disconnect|1", 1, FILTER_LINE_REPORT,
	        "link-disconnect", "", 1, 0, 0, 7 },
	{ "report|0.6|1.5|smtp-out|protocol-client|ab|MAIL FROM:<a|b@c>", 1,
	        FILTER_LINE_REPORT, "protocol-client", "MAIL FROM:<a|b@c>",
	        0xab, 0, 0, 6 },
	{ "filter|0.7|1|smtp-in|rcpt-to|1|2|", 1, FILTER_LINE_FILTER,
	        "rcpt-to", "", 1, 2, 1, 7 },
	/* broken */
	{ "report|0.6|x|smtp-in|link-connect|1|", 0, 0, NULL, NULL, 0, 0, 0,
	        0 },
	{ "report|06|1.0|smtp-in|link-connect|1|", 0, 0, NULL, NULL, 0, 0, 0,
	        0 },
	{ "report|0.6|1.0|smtp-up|link-connect|1|", 0, 0, NULL, NULL, 0, 0, 0,
	        0 },
	{ "report|0.6|1.0|smtp-in|link-connect|xyz|", 0, 0, NULL, NULL, 0, 0,
	        0, 0 },
	{ "report|0.6|1.0|smtp-in|link-connect|11112222333344445|", 0, 0, NULL,
	        NULL, 0, 0, 0, 0 },
	{ "report|0.6|1.0|smtp-in", 0, 0, NULL, NULL, 0, 0, 0, 0 },
	{ "filter|0.6|1.0|smtp-in|rcpt-to|1", 0, 0, NULL, NULL, 0, 0, 0, 0 },
	{ "filter|0.6|1.0|smtp-in|rcpt-to|1|", 0, 0, NULL, NULL, 0, 0, 0, 0 },
	{ "register|ready", 0, 0, NULL, NULL, 0, 0, 0, 0 },
	{ "", 0, 0, NULL, NULL, 0, 0, 0, 0 },
};

static void
test_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct line_case *c = &cases[i];
		struct filter_line      l;
		char                    buf[512], why[160] = "";
		int                     rv;

		snprintf(buf, sizeof(buf), "%s", c->in);
		rv = filter_line_parse(buf, &l, why, sizeof(why));
		if (!c->ok) {
			if (rv != -1 || why[0] == '\0') {
				fail_msg("case %zu '%s': accepted", i, c->in);
			}
			continue;
		}
		if (rv != 0) {
			fail_msg("case %zu '%s': %s", i, c->in, why);
		}
		assert_int_equal(l.kind, c->kind);
		if (c->kind == FILTER_LINE_CONFIG) {
			assert_string_equal(l.key, c->event);
			assert_string_equal(l.value, c->params);
			continue;
		}
		assert_string_equal(l.event, c->event);
		assert_string_equal(l.params, c->params);
		assert_true(l.session == c->session);
		assert_true(l.token == c->token);
		assert_int_equal(l.incoming, c->incoming);
		assert_int_equal(l.vmajor, 0);
		assert_int_equal(l.vminor, c->vminor);
	}
}

static void
test_filter_line_keeps_ids_on_error(void **state)
{
	struct filter_line l;
	char               buf[] = "filter|0.6|bad|smtp-in|rcpt-to|a1|b2|u@x";
	char               why[64];

	(void)state;
	assert_int_equal(filter_line_parse(buf, &l, why, sizeof(why)), -1);
	assert_int_equal(l.kind, FILTER_LINE_FILTER);
	assert_true(l.session == 0xa1 && l.token == 0xb2);
}

static void
test_result(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(filter_line_result(out, sizeof(out), 0, 6, 0x3a9b,
	                         0x502c, "proceed"),
	        (int)strlen("filter-result|0000000000003a9b|000000000000502c|"
	                    "proceed\n"));
	assert_string_equal(out,
	        "filter-result|0000000000003a9b|000000000000502c|proceed\n");
	filter_line_result(out, sizeof(out), 0, 7, 1, 2, "reject|451 x");
	assert_string_equal(out,
	        "filter-result|0000000000000001|0000000000000002|reject|451 "
	        "x\n");
	/* protocol 0.4 put the token first */
	filter_line_result(out, sizeof(out), 0, 4, 1, 2, "proceed");
	assert_string_equal(out,
	        "filter-result|0000000000000002|0000000000000001|proceed\n");
	assert_int_equal(
	        filter_line_result(out, 10, 0, 6, 1, 2, "proceed"), -1);
}

static void
test_tx_address(void **state)
{
	char        p6[]  = "e50757fb|ok|alice@testbed.test";
	char        p5[]  = "e50757fb|bob@x.test|tempfail";
	char        bad[] = "e50757fb|ok";
	const char *a, *r;

	(void)state;
	assert_int_equal(filter_line_tx_address(p6, 0, 6, &a, &r), 0);
	assert_string_equal(a, "alice@testbed.test");
	assert_string_equal(r, "ok");
	assert_int_equal(filter_line_tx_address(p5, 0, 5, &a, &r), 0);
	assert_string_equal(a, "bob@x.test");
	assert_string_equal(r, "tempfail");
	assert_int_equal(filter_line_tx_address(bad, 0, 6, &a, &r), -1);
}

static void
test_addr_domain(void **state)
{
	char d[16];

	(void)state;
	assert_int_equal(
	        filter_line_addr_domain("u@Example.TEST", d, sizeof(d)), 0);
	assert_string_equal(d, "Example.TEST");
	assert_int_equal(
	        filter_line_addr_domain("<a@b@c.test>", d, sizeof(d)), 0);
	assert_string_equal(d, "c.test");
	assert_int_equal(
	        filter_line_addr_domain("postmaster", d, sizeof(d)), -1);
	assert_int_equal(filter_line_addr_domain("u@", d, sizeof(d)), -1);
	assert_int_equal(filter_line_addr_domain(
	                         "u@a-very-long-domain.test", d, sizeof(d)),
	        -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_filter_line_keeps_ids_on_error),
		cmocka_unit_test(test_result),
		cmocka_unit_test(test_tx_address),
		cmocka_unit_test(test_addr_domain),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
