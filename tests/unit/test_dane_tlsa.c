/*
 * test_dane_tlsa.c - table-driven tests of TLSA usability for SMTP (RFC
 * 7672 §3.1, RFC 6698 §2.1, dane_tlsa.c), RFC 7218 names and the reference
 * counting of a DANE result (dane.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dane/dane.h"
#include "dns_answers.h"
#include "dane_checks.h"

/* ---- dane_tlsa_check ------------------------------------------------- */

struct check_case {
	uint8_t              usage, selector, mtype;
	size_t               len;
	enum dane_tlsa_check want;
	const char          *why; /* substring of the reason */
};

static const struct check_case check_cases[] = {
	/* usable: DANE-TA(2) and DANE-EE(3), every selector/mtype */
	{ 3, 1, 1, 32, DANE_TLSA_USABLE, "DANE-EE(3) SPKI(1) SHA2-256(1)" },
	{ 3, 0, 1, 32, DANE_TLSA_USABLE, "Cert(0)" },
	{ 3, 1, 2, 64, DANE_TLSA_USABLE, "SHA2-512(2)" },
	{ 3, 0, 2, 64, DANE_TLSA_USABLE, NULL },
	{ 3, 1, 0, 1, DANE_TLSA_USABLE, "Full(0)" },
	{ 3, 0, 0, 1200, DANE_TLSA_USABLE, NULL },
	{ 2, 0, 1, 32, DANE_TLSA_USABLE, "DANE-TA(2)" },
	{ 2, 1, 1, 32, DANE_TLSA_USABLE, NULL },
	{ 2, 0, 2, 64, DANE_TLSA_USABLE, NULL },
	{ 2, 1, 0, 91, DANE_TLSA_USABLE, NULL },
	{ 2, 0, 0, 65535, DANE_TLSA_USABLE, NULL },
	/* usage: PKIX-TA(0), PKIX-EE(1) not for SMTP; unknown ones */
	{ 0, 0, 1, 32, DANE_TLSA_BAD_USAGE, "PKIX-TA(0) is not usable" },
	{ 1, 1, 1, 32, DANE_TLSA_BAD_USAGE, "PKIX-EE(1) is not usable" },
	{ 1, 1, 1, 32, DANE_TLSA_BAD_USAGE, "RFC 7672 section 3.1.3" },
	{ 4, 1, 1, 32, DANE_TLSA_BAD_USAGE, "unknown certificate usage 4" },
	{ 254, 1, 1, 32, DANE_TLSA_BAD_USAGE, "usage 254" },
	{ 255, 1, 1, 32, DANE_TLSA_BAD_USAGE, "PrivCert(255)" },
	/* usage is checked first */
	{ 0, 9, 9, 0, DANE_TLSA_BAD_USAGE, NULL },
	{ 1, 2, 1, 32, DANE_TLSA_BAD_USAGE, NULL },
	/* selector */
	{ 3, 2, 1, 32, DANE_TLSA_BAD_SELECTOR, "unknown selector 2" },
	{ 2, 2, 1, 32, DANE_TLSA_BAD_SELECTOR, NULL },
	{ 3, 254, 1, 32, DANE_TLSA_BAD_SELECTOR, NULL },
	{ 3, 255, 1, 32, DANE_TLSA_BAD_SELECTOR, "PrivSel(255)" },
	{ 3, 2, 9, 0, DANE_TLSA_BAD_SELECTOR, NULL },
	/* matching type */
	{ 3, 1, 3, 32, DANE_TLSA_BAD_MTYPE, "unknown matching type 3" },
	{ 2, 0, 3, 48, DANE_TLSA_BAD_MTYPE, NULL },
	{ 3, 1, 254, 32, DANE_TLSA_BAD_MTYPE, NULL },
	{ 3, 1, 255, 32, DANE_TLSA_BAD_MTYPE, "PrivMatch(255)" },
	{ 3, 1, 7, 0, DANE_TLSA_BAD_MTYPE, NULL },
	/* lengths */
	{ 3, 1, 0, 0, DANE_TLSA_BAD_LENGTH, "empty Full(0)" },
	{ 2, 0, 0, 0, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 1, 0, DANE_TLSA_BAD_LENGTH, "0 bytes, not 32" },
	{ 3, 1, 1, 1, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 1, 31, DANE_TLSA_BAD_LENGTH, "31 bytes, not 32" },
	{ 3, 1, 1, 33, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 1, 64, DANE_TLSA_BAD_LENGTH, "64 bytes, not 32" },
	{ 2, 0, 1, 20, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 2, 0, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 2, 32, DANE_TLSA_BAD_LENGTH, "32 bytes, not 64" },
	{ 3, 1, 2, 63, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 2, 65, DANE_TLSA_BAD_LENGTH, NULL },
	{ 2, 1, 2, 48, DANE_TLSA_BAD_LENGTH, NULL },
};

static void
test_tlsa_check(void **state)
{
	size_t i;
	char   why[256];

	(void)state;
	for (i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		const struct check_case *c = &check_cases[i];
		enum dane_tlsa_check     got;

		why[0] = '\0';
		got = dane_tlsa_check(c->usage, c->selector, c->mtype, c->len,
		        why, sizeof(why));
		if (got != c->want
		        || (c->why != NULL && strstr(why, c->why) == NULL)) {
			print_error("case %zu: %u %u %u len %zu: got %d (%s), "
			            "want %d (%s)\n",
			        i, c->usage, c->selector, c->mtype, c->len,
			        (int)got, why, (int)c->want,
			        c->why != NULL ? c->why : "");
			fail();
		}
		assert_true(why[0] != '\0');
		/* why is optional, and a short buffer is cut, not overrun */
		assert_int_equal(dane_tlsa_check(c->usage, c->selector,
		                         c->mtype, c->len, NULL, 0),
		        c->want);
		memset(why, 'x', sizeof(why));
		assert_int_equal(dane_tlsa_check(c->usage, c->selector,
		                         c->mtype, c->len, why, 4),
		        c->want);
		assert_int_equal(strlen(why), 3);
	}
}

/* ---- names ----------------------------------------------------------- */

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(dane_usage_name(0), "PKIX-TA");
	assert_string_equal(dane_usage_name(1), "PKIX-EE");
	assert_string_equal(dane_usage_name(2), "DANE-TA");
	assert_string_equal(dane_usage_name(3), "DANE-EE");
	assert_string_equal(dane_usage_name(4), "?");
	assert_string_equal(dane_usage_name(255), "PrivCert");
	assert_string_equal(dane_selector_name(0), "Cert");
	assert_string_equal(dane_selector_name(1), "SPKI");
	assert_string_equal(dane_selector_name(2), "?");
	assert_string_equal(dane_selector_name(255), "PrivSel");
	assert_string_equal(dane_mtype_name(0), "Full");
	assert_string_equal(dane_mtype_name(1), "SHA2-256");
	assert_string_equal(dane_mtype_name(2), "SHA2-512");
	assert_string_equal(dane_mtype_name(3), "?");
	assert_string_equal(dane_mtype_name(255), "PrivMatch");
	assert_string_equal(dane_mx_status_name(DANE_MX_SECURE), "secure");
	assert_string_equal(dane_mx_status_name(DANE_MX_INSECURE), "insecure");
	assert_string_equal(dane_mx_status_name(DANE_MX_IMPLICIT), "implicit");
	assert_string_equal(dane_mx_status_name(DANE_MX_NULL), "null");
	assert_string_equal(dane_mx_status_name(DANE_MX_NODOMAIN), "nxdomain");
	assert_string_equal(dane_mx_status_name(DANE_MX_TEMPFAIL), "tempfail");
	assert_string_equal(dane_mx_status_name((enum dane_mx_status)99), "?");
	assert_string_equal(dane_host_status_name(DANE_HOST_USABLE), "usable");
	assert_string_equal(
	        dane_host_status_name(DANE_HOST_UNUSABLE), "unusable");
	assert_string_equal(dane_host_status_name(DANE_HOST_NONE), "none");
	assert_string_equal(
	        dane_host_status_name(DANE_HOST_TEMPFAIL), "tempfail");
	assert_string_equal(
	        dane_host_status_name((enum dane_host_status)99), "?");
}

/* ---- results --------------------------------------------------------- */

static void
test_result_refs(void **state)
{
	struct dane_result *r;

	(void)state;
	r = dane_result_new("example.org");
	assert_non_null(r);
	assert_int_equal(r->refs, 1);
	assert_string_equal(r->domain, "example.org");
	assert_int_equal(r->nhost, 0);
	assert_null(r->hosts);
	/* give it owned hosts and TLSA data: the last unref frees them */
	r->hosts = calloc(2, sizeof(*r->hosts));
	r->nhost = 2;
	/* one allocation: the records, then their data */
	r->hosts[1].tlsa         = calloc(1, sizeof(*r->hosts[1].tlsa) + 32);
	r->hosts[1].ntlsa        = 1;
	r->hosts[1].tlsa[0].data = (unsigned char *)(r->hosts[1].tlsa + 1);
	r->hosts[1].tlsa[0].len  = 32;
	r->hosts[1].canon        = strdup("real.example.org");
	dane_host_set_why(&r->hosts[1], "a %s", "text");
	assert_ptr_equal(dane_result_ref(r), r);
	assert_int_equal(r->refs, 2);
	dane_result_unref(r);
	assert_int_equal(r->refs, 1);
	dane_result_unref(r); /* frees; ASan/valgrind see any leak */
	dane_result_unref(NULL);
	assert_null(dane_result_ref(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlsa_check),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_result_refs),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
