/*
 * test_tlsrpt_datagram.c - the libtlsrpt datagram parser (Postfix 3.10+
 * TLSRPT events, "dpv":"1"), table-driven, with datagrams laid out byte for
 * byte as libtlsrpt writes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlsrpt/tlsrpt_datagram.h"

#define PR   "v=TLSRPTv1; rua=mailto:tlsrpt@example.com"
#define HEAD "{\"dpv\": \"1\",\"d\": \"Example.com\",\"pr\": \"" PR "\""

struct dcase {
	const char *dg;
	const char *why; /* NULL: valid */
	size_t      nobs;
};

static const struct dcase dcases[] = {
	/* libtlsrpt: no policy found, no policy-domain */
	{ HEAD ",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}", NULL,
	        1 },
	/* TLSA with a failure (libtlsrpt doc/example.txt, example 2) */
	{ HEAD ",\"policies\":[{\"policy-type\":1,\"policy-domain\": "
	       "\"company-y.example\",\"policy-string\":[\"3 0 1 1F85\","
	       "\"3 0 1 1235\"],\"failure-details\":[{\"c\":204,\"s\": "
	       "\"1.2.3.4\",\"n\": \"mailin.example.com\",\"h\": "
	       "\"tes-ehlo.example.com\",\"r\": \"11.22.33.55\",\"a\": "
	       "\"This is additional information\",\"f\": \"999 TEST "
	       "ERROR\"}],\"t\":1,\"f\":1}]}",
	        NULL, 1 },
	/* STS and TLSA in one delivery request */
	{ HEAD ",\"policies\":[{\"policy-type\":2,\"policy-domain\": "
	       "\"example.com\",\"policy-string\":[\"version: STSv1\"],"
	       "\"mx-host\":[\"*.example.com\"],\"t\":0,\"f\":0},"
	       "{\"policy-type\":1,\"policy-domain\": \"mx.example.com\","
	       "\"policy-string\":[\"3 1 1 AB01\"],\"t\":0,\"f\":0}]}",
	        NULL, 2 },
	/* RFC 8460 §4.4: sts and tlsa policies are reported with their
	 * policy-string, sts also with its mx-host patterns */
	{ HEAD ",\"policies\":[{\"policy-type\":1,\"policy-domain\": "
	       "\"mx.example.com\",\"t\":0,\"f\":0}]}",
	        "tlsa policy without its policy-string", 0 },
	{ HEAD ",\"policies\":[{\"policy-type\":1,\"policy-string\":[],"
	       "\"t\":0,\"f\":0}]}",
	        "tlsa policy without its policy-string", 0 },
	{ HEAD ",\"policies\":[{\"policy-type\":2,\"mx-host\":[\"mx.a\"],"
	       "\"t\":0,\"f\":0}]}",
	        "sts policy without its policy-string", 0 },
	{ HEAD ",\"policies\":[{\"policy-type\":2,\"policy-string\":["
	       "\"version: STSv1\"],\"t\":0,\"f\":0}]}",
	        "sts policy without its mx-host", 0 },
	{ HEAD ",\"policies\":[{\"policy-type\":2,\"policy-string\":["
	       "\"version: STSv1\"],\"mx-host\":[],\"t\":0,\"f\":0}]}",
	        "sts policy without its mx-host", 0 },
	/* a tlsa policy without mx-host is taken (Postfix may omit it) */
	{ HEAD ",\"policies\":[{\"policy-type\":1,\"policy-string\":["
	       "\"3 1 1 AB01\"],\"t\":0,\"f\":0}]}",
	        NULL, 1 },
	{ "{\"dpv\": \"2\",\"d\": \"a.b\"}", "\"dpv\"", 0 },
	{ "{\"dpv\": \"1\",\"d\": \"a..b\"}", "invalid domain", 0 },
	{ "{\"dpv\": \"1\",\"d\": \"a.b\",\"pr\": \"v=TLSRPTv1;rua=ftp://x\","
	  "\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}",
	        "TLSRPT record", 0 },
	{ HEAD "}", "no \"policies\"", 0 },
	{ HEAD ",\"policies\":[]}", "no \"policies\"", 0 },
	{ HEAD ",\"policies\":[{\"policy-type\":3,\"t\":0,\"f\":0}]}",
	        "unknown policy-type", 0 },
	{ HEAD ",\"policies\":[{\"policy-type\":2,\"t\":0}]}", "final result",
	        0 },
	{ HEAD ",\"policies\":[{\"policy-type\":2,\"t\":1,\"f\":1,"
	       "\"failure-details\":[{\"c\":901}]}]}",
	        "known code", 0 },
	{ HEAD ",\"policies\":[{\"policy-type\":2,\"t\":1,\"f\":1,"
	       "\"failure-details\":[{\"c\":205,\"s\":\"x\"}]}]}",
	        "invalid IP", 0 },
	{ HEAD ",\"policies\":[{\"policy-type\":2,\"policy-string\":\"x\","
	       "\"t\":0,\"f\":0}]}",
	        "not an array", 0 },
	{ HEAD ",\"policies\":[{\"policy-type\":2,\"policy-string\":["
	       "\"a\\tb\"],"
	       "\"t\":0,\"f\":0}]}",
	        "printable", 0 },
	{ "\"dpv\"", "malformed JSON", 0 },
	{ "{\"dpv\": \"1\",\"dpv\": \"1\"}", "malformed JSON", 0 },
};

static void
test_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		struct tlsrpt_obs *obs      = NULL;
		size_t             n        = 0;
		char               why[256] = "";
		int                rv = tlsrpt_datagram_parse(dcases[i].dg,
		                       strlen(dcases[i].dg), &obs, &n, why, sizeof(why));

		if (dcases[i].why == NULL) {
			if (rv != 0)
				fail_msg("case %zu refused: %s", i, why);
			assert_int_equal(n, dcases[i].nobs);
		} else {
			if (rv == 0)
				fail_msg("case %zu accepted", i);
			if (strstr(why, dcases[i].why) == NULL)
				fail_msg("case %zu: \"%s\" lacks \"%s\"", i,
				        why, dcases[i].why);
			assert_null(obs);
		}
		tlsrpt_datagram_free_obs(obs, n);
	}
}

static void
test_fields(void **state)
{
	struct tlsrpt_obs *obs;
	size_t             n;
	char               why[256];

	(void)state;
	assert_int_equal(
	        tlsrpt_datagram_parse(dcases[0].dg, strlen(dcases[0].dg), &obs,
	                &n, why, sizeof(why)),
	        0);
	/* sys4 #51: the missing policy-domain is the domain */
	assert_string_equal(obs[0].domain, "example.com");
	assert_string_equal(obs[0].pdomain, "example.com");
	assert_int_equal(obs[0].ptype, TLSRPT_PTYPE_NOPOLICY);
	assert_string_equal(obs[0].rua, "[\"mailto:tlsrpt@example.com\"]");
	assert_string_equal(obs[0].pstr, "[]");
	tlsrpt_datagram_free_obs(obs, n);

	assert_int_equal(
	        tlsrpt_datagram_parse(dcases[1].dg, strlen(dcases[1].dg), &obs,
	                &n, why, sizeof(why)),
	        0);
	assert_int_equal(obs[0].ptype, TLSRPT_PTYPE_TLSA);
	assert_string_equal(obs[0].pdomain, "company-y.example");
	assert_string_equal(obs[0].pstr, "[\"3 0 1 1F85\",\"3 0 1 1235\"]");
	assert_int_equal(obs[0].failed, 1);
	assert_int_equal(obs[0].ndetail, 1);
	assert_int_equal(obs[0].detail[0].rtype, TLSRPT_CERTIFICATE_EXPIRED);
	assert_string_equal(obs[0].detail[0].sending_ip, "1.2.3.4");
	assert_string_equal(obs[0].detail[0].mx_host, "mailin.example.com");
	assert_string_equal(obs[0].detail[0].helo, "tes-ehlo.example.com");
	assert_string_equal(obs[0].detail[0].receiving_ip, "11.22.33.55");
	assert_string_equal(
	        obs[0].detail[0].addinfo, "This is additional information");
	assert_string_equal(obs[0].detail[0].reason, "999 TEST ERROR");
	tlsrpt_datagram_free_obs(obs, n);
}

/* parse_evil - a datagram for example.com whose "pr" names an attacker's
 * address, with two policies. */
static void
parse_evil(struct tlsrpt_obs **obs, size_t *n)
{
	static const char dg[]
	        = "{\"dpv\":\"1\",\"d\":\"example.com\",\"pr\":\"v=TLSRPTv1; "
	          "rua=mailto:evil@attacker.test\",\"policies\":[{"
	          "\"policy-type\":9,\"t\":0,\"f\":0},{\"policy-type\":"
	          "9,\"t\":0,\"f\":1}]}";
	char why[256];

	assert_int_equal(tlsrpt_datagram_parse(
	                         dg, strlen(dg), obs, n, why, sizeof(why)),
	        0);
	assert_int_equal(*n, 2);
	assert_string_equal((*obs)[0].rua, "[\"mailto:evil@attacker.test\"]");
}

/* issue 17: "pr" never decides where reports go; the daemon's record does */
static void
test_apply(void **state)
{
	char                *own[]  = { "https://r.example.com/tlsrpt",
		                "mailto:tlsrpt@example.com" };
	struct tlsrpt_record rec    = { 2, own };
	struct tlsrpt_answer a      = { TLSRPT_LOOKUP_FOUND, &rec, 0, "" };
	const char          *wanted = "[\"https://r.example.com/tlsrpt\","
	                              "\"mailto:tlsrpt@example.com\"]";
	struct tlsrpt_obs   *obs;
	size_t               n;
	char                 why[1024];

	(void)state;
	/* another record: counted under the daemon's, and said so */
	parse_evil(&obs, &n);
	assert_int_equal(
	        tlsrpt_datagram_apply(obs, n, &a, why, sizeof(why)), 1);
	assert_string_equal(obs[0].rua, wanted);
	assert_string_equal(obs[1].rua, wanted);
	assert_non_null(strstr(why, "evil@attacker.test"));
	assert_non_null(strstr(why, "mailto:tlsrpt@example.com"));
	/* now the same: nothing to say */
	assert_int_equal(
	        tlsrpt_datagram_apply(obs, n, &a, why, sizeof(why)), 0);
	assert_string_equal(obs[1].rua, wanted);
	tlsrpt_datagram_free_obs(obs, n);

	/* the domain publishes nothing: not counted, never the datagram's */
	parse_evil(&obs, &n);
	a.status = TLSRPT_LOOKUP_NONE;
	a.rec    = NULL;
	assert_int_equal(
	        tlsrpt_datagram_apply(obs, n, &a, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no TLSRPT record of its own"));
	/* a temporary failure: not counted either, with the reason */
	a.status = TLSRPT_LOOKUP_TEMPFAIL;
	snprintf(a.why, sizeof(a.why), "SERVFAIL");
	assert_int_equal(
	        tlsrpt_datagram_apply(obs, n, &a, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "SERVFAIL"));
	tlsrpt_datagram_free_obs(obs, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_apply),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
