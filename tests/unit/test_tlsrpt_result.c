/*
 * test_tlsrpt_result.c - the IPC "result" request (docs/IPC.md) and its
 * conversion into a TLSRPT observation from the daemon's policy decision
 * (RFC 8460 §4.3, §4.4). Table-driven.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlsrpt/tlsrpt_result.h"

#define R(extra)                                                              \
	"{\"v\":1,\"op\":\"result\",\"domain\":\"Example.COM.\","             \
	"\"mx_host\":\"MX1.example.com\"" extra "}"

struct pcase {
	const char *json;
	const char *why; /* NULL: valid */
};

static const struct pcase pcases[] = {
	{ R(",\"result\":\"success\""), NULL },
	{ R(",\"result\":\"certificate-expired\",\"sending_ip\":\"192.0.2.1\","
	    "\"receiving_ip\":\"2001:db8::5\",\"failure_reason\":\"X509\","
	    "\"mta\":\"exim\",\"policy_type\":\"sts\",\"future\":[1]"),
	        NULL },
	{ R(",\"result\":\"sts-webpki-invalid\",\"policy_type\":\"no-policy-"
	    "found\",\"sender\":\"a@b.c\""),
	        NULL },
	{ R(""), "\"result\" is required" },
	{ R(",\"result\":\"ok\""), "unknown result" },
	{ R(",\"result\":\"Success\""), "unknown result" },
	{ R(",\"result\":\"success\",\"policy_type\":\"dane\""),
	        "unknown policy_type" },
	{ R(",\"result\":\"success\",\"sending_ip\":\"1.2.3\""),
	        "\"sending_ip\" is not an IP address" },
	{ R(",\"result\":\"success\",\"receiving_ip\":7"), "not a string" },
	{ R(",\"result\":\"success\",\"failure_reason\":\"a\\nb\""),
	        "control characters" },
	{ R(",\"result\":\"success\",\"mta\":\"Exim 4\""), "\"mta\" must" },
	{ R(",\"result\":\"success\",\"result\":\"success\""),
	        "malformed JSON" },
	{ "{\"v\":1,\"op\":\"result\",\"domain\":\"a.b\",\"result\":"
	  "\"success\"}",
	        "\"mx_host\" is required" },
	{ "{\"v\":1,\"op\":\"result\",\"domain\":\"a..b\",\"mx_host\":\"m\","
	  "\"result\":\"success\"}",
	        "invalid domain" },
	{ "{\"v\":1,\"op\":\"result\",\"domain\":\"a.b\",\"mx_host\":\"[1.2.3."
	  "4]\",\"result\":\"success\"}",
	        "invalid mx_host" },
	{ "[]", "not a JSON object" },
};

static void
test_parse(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
		struct tlsrpt_result r;
		char                 why[256] = "";
		int                  rv = tlsrpt_result_parse(pcases[i].json,
		                         strlen(pcases[i].json), &r, why, sizeof(why));

		if (pcases[i].why == NULL) {
			if (rv != 0)
				fail_msg("case %zu refused: %s", i, why);
			assert_string_equal(r.domain, "example.com");
			assert_string_equal(r.mx_host, "mx1.example.com");
		} else {
			if (rv == 0)
				fail_msg("case %zu accepted", i);
			if (strstr(why, pcases[i].why) == NULL)
				fail_msg("case %zu: \"%s\" lacks \"%s\"", i,
				        why, pcases[i].why);
		}
	}
}

static void
test_parse_fields(void **state)
{
	struct tlsrpt_result r;
	char                 why[256];
	const char          *j = pcases[1].json;

	(void)state;
	assert_int_equal(
	        tlsrpt_result_parse(j, strlen(j), &r, why, sizeof(why)), 0);
	assert_int_equal(r.rtype, TLSRPT_CERTIFICATE_EXPIRED);
	assert_int_equal(r.ptype, TLSRPT_PTYPE_STS);
	assert_string_equal(r.sending_ip, "192.0.2.1");
	assert_string_equal(r.receiving_ip, "2001:db8::5");
	assert_string_equal(r.reason, "X509");
	assert_string_equal(r.mta, "exim");
}

/* A "policy" reply as cached/serve/arbiter.c renders it. */
static const char reply_json[]
        = "{\"v\":1,\"status\":\"ok\",\"domain\":\"example.com\","
          "\"policy\":\"dane\",\"mode\":\"enforce\","
          "\"mx\":[\"mx1.example.com\",\"*.example.net\"],\"max_age\":86400,"
          "\"hosts\":[{\"host\":\"mx1.example.com\",\"action\":\"dane\","
          "\"tlsa\":[{\"usage\":3,\"selector\":1,\"mtype\":1,\"data\":"
          "\"ab01\"},"
          "{\"usage\":2,\"selector\":0,\"mtype\":1,\"data\":\"cd02\"}]},"
          "{\"host\":\"mx2.example.net\",\"action\":\"verify\",\"tlsa\":[]}],"
          "\"tlsrpt\":{\"status\":\"found\",\"rua\":[\"mailto:b@example.com\","
          "\"https://r.example.com/x\",\"mailto:b@example.com\"]}}";

struct ocase {
	const char       *mx;
	const char       *ptype; /* given, or NULL */
	const char       *result;
	enum tlsrpt_ptype want;
	const char       *pstr;
	const char       *mxs;
};

static const struct ocase ocases[] = {
	{ "mx1.example.com", NULL, "success", TLSRPT_PTYPE_TLSA,
	        "[\"3 1 1 ab01\",\"2 0 1 cd02\"]", "[\"mx1.example.com\"]" },
	{ "mx2.example.net", NULL, "validation-failure", TLSRPT_PTYPE_STS,
	        "[\"version: STSv1\",\"mode: enforce\",\"mx: "
	        "mx1.example.com\",\"mx: *.example.net\",\"max_age: 86400\"]",
	        "[\"mx1.example.com\",\"*.example.net\"]" },
	{ "mx9.example.net", NULL, "success", TLSRPT_PTYPE_STS, NULL, NULL },
	{ "mx1.example.com", "no-policy-found", "starttls-not-supported",
	        TLSRPT_PTYPE_NOPOLICY, "[]", "[]" },
};

static void
test_to_obs(void **state)
{
	json_t *reply = json_loads(reply_json, 0, NULL);
	size_t  i;

	(void)state;
	assert_non_null(reply);
	for (i = 0; i < sizeof(ocases) / sizeof(ocases[0]); i++) {
		struct tlsrpt_result r;
		struct tlsrpt_obs    obs;
		char                 req[512], why[256];

		snprintf(req, sizeof(req),
		        "{\"domain\":\"example.com\",\"mx_host\":\"%s\","
		        "\"result\":\"%s\"%s%s%s,\"sending_ip\":\"192.0.2."
		        "9\"}",
		        ocases[i].mx, ocases[i].result,
		        ocases[i].ptype ? ",\"policy_type\":\"" : "",
		        ocases[i].ptype ? ocases[i].ptype : "",
		        ocases[i].ptype ? "\"" : "");
		assert_int_equal(tlsrpt_result_parse(req, strlen(req), &r, why,
		                         sizeof(why)),
		        0);
		assert_int_equal(tlsrpt_result_to_obs(
		                         &r, reply, &obs, why, sizeof(why)),
		        0);
		assert_int_equal(obs.ptype, ocases[i].want);
		assert_string_equal(obs.rua,
		        "[\"https://r.example.com/"
		        "x\",\"mailto:b@example.com\"]");
		assert_string_equal(obs.pdomain, "example.com");
		if (ocases[i].pstr != NULL) {
			assert_string_equal(obs.pstr, ocases[i].pstr);
			assert_string_equal(obs.mx, ocases[i].mxs);
		}
		if (strcmp(ocases[i].result, "success") == 0) {
			assert_int_equal(obs.failed, 0);
			assert_int_equal(obs.ndetail, 0);
		} else {
			assert_int_equal(obs.failed, 1);
			assert_int_equal(obs.ndetail, 1);
			assert_string_equal(
			        obs.detail[0].mx_host, ocases[i].mx);
			assert_string_equal(
			        obs.detail[0].sending_ip, "192.0.2.9");
		}
		tlsrpt_obs_clear(&obs);
	}
	json_decref(reply);
}

static void
test_no_record(void **state)
{
	struct tlsrpt_result r;
	struct tlsrpt_obs    obs;
	char                 why[256];
	json_t              *none, *temp;

	(void)state;
	memset(&r, 0, sizeof(r));
	strcpy(r.domain, "x.org");
	strcpy(r.mx_host, "mx.x.org");
	none = json_loads("{\"tlsrpt\":{\"status\":\"none\",\"why\":\"no "
	                  "record\"}}",
	        0, NULL);
	temp = json_loads("{\"tlsrpt\":{\"status\":\"tempfail\",\"why\":"
	                  "\"SERVFAIL\"}}",
	        0, NULL);
	assert_int_equal(
	        tlsrpt_result_to_obs(&r, none, &obs, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "no usable TLSRPT record"));
	assert_int_equal(
	        tlsrpt_result_to_obs(&r, temp, &obs, why, sizeof(why)), 2);
	json_decref(none);
	json_decref(temp);
}

/* result_for - r for domain example.com, host mx, result success, with
 * policy_type pt (NULL: none). */
static void
result_for(struct tlsrpt_result *r, const char *mx, const char *pt)
{
	char req[512], why[256];

	snprintf(req, sizeof(req),
	        "{\"domain\":\"example.com\",\"mx_host\":\"%s\","
	        "\"result\":\"success\"%s%s%s}",
	        mx, pt ? ",\"policy_type\":\"" : "", pt ? pt : "",
	        pt ? "\"" : "");
	assert_int_equal(
	        tlsrpt_result_parse(req, strlen(req), r, why, sizeof(why)), 0);
}

#define TLSRPT_FOUND                                                          \
	"\"tlsrpt\":{\"status\":\"found\",\"rua\":[\"mailto:b@example.com\"]" \
	"}"

struct vcase {
	const char *reply; /* NULL: reply_json */
	const char *mx;
	const char *ptype;
	int         rv;
	const char *pstr; /* rv 0: the policy-string counted */
	const char *why;  /* rv != 0: in the reason */
};

/* A client's policy_type is counted only with that policy's strings from
 * the daemon's decision (RFC 8460 §4.4); "no-policy-found" always. */
static const struct vcase vcases[] = {
	/* a DANE host of a domain with MTA-STS enforce: OpenSMTPD applied
	 * the MTA-STS policy (it has no DANE), Exim the TLSA records */
	{ NULL, "mx1.example.com", "sts", 0,
	        "[\"version: STSv1\",\"mode: enforce\",\"mx: "
	        "mx1.example.com\",\"mx: *.example.net\",\"max_age: "
	        "86400\"]",
	        NULL },
	{ NULL, "mx1.example.com", "tlsa", 0,
	        "[\"3 1 1 ab01\",\"2 0 1 cd02\"]", NULL },
	{ NULL, "mx1.example.com", "no-policy-found", 0, "[]", NULL },
	/* tlsa for a host without usable TLSA records, or not an MX */
	{ NULL, "mx2.example.net", "tlsa", 3, NULL,
	        "mx2.example.net has no usable TLSA records in mxtlsd's "
	        "decision (action verify)" },
	{ NULL, "other.example.org", "tlsa", 3, NULL,
	        "not an MX host of the domain" },
	/* sts without an MTA-STS policy in force */
	{ "{\"status\":\"ok\",\"policy\":\"none\",\"hosts\":[{\"host\":"
	  "\"mx1.example.com\",\"action\":\"may\",\"tlsa\":[]}]," TLSRPT_FOUND
	  "}",
	        "mx1.example.com", "sts", 3, NULL,
	        "knows no MTA-STS policy in force for it (no policy)" },
	{ "{\"status\":\"ok\",\"policy\":\"none\",\"mode\":\"none\","
	  "\"mx\":[],\"max_age\":86400,\"hosts\":[]," TLSRPT_FOUND "}",
	        "mx1.example.com", "sts", 3, NULL, "(mode none)" },
	/* ... and when the decision failed for now: tempfail (retry) */
	{ "{\"status\":\"tempfail\",\"policy\":\"none\",\"hosts\":[],"
	  "" TLSRPT_FOUND "}",
	        "mx1.example.com", "sts", 2, NULL, "lookup failed now" },
	{ "{\"status\":\"tempfail\",\"policy\":\"none\",\"hosts\":[],"
	  "" TLSRPT_FOUND "}",
	        "mx1.example.com", "tlsa", 2, NULL, "lookup failed now" },
	/* testing counts under sts; a tempfail decision that still has
	 * the policy counts too */
	{ "{\"status\":\"tempfail\",\"policy\":\"sts\",\"mode\":"
	  "\"testing\",\"mx\":[\"mx1.example.com\"],\"hosts\":[],"
	  "" TLSRPT_FOUND "}",
	        "mx1.example.com", "sts", 0,
	        "[\"version: STSv1\",\"mode: testing\",\"mx: "
	        "mx1.example.com\"]",
	        NULL },
	/* without policy_type: what the decision says; never empty */
	{ "{\"status\":\"ok\",\"policy\":\"none\",\"mode\":\"none\","
	  "\"mx\":[],\"hosts\":[]," TLSRPT_FOUND "}",
	        "mx1.example.com", NULL, 0, "[]", NULL },
};

static void
test_policy_validation(void **state)
{
	json_t *dflt = json_loads(reply_json, 0, NULL);
	size_t  i;

	(void)state;
	assert_non_null(dflt);
	for (i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		struct tlsrpt_result r;
		struct tlsrpt_obs    obs;
		char                 why[512] = "";
		json_t              *reply    = vcases[i].reply != NULL
		                        ? json_loads(vcases[i].reply, 0, NULL)
		                        : json_incref(dflt);
		int                  rv;

		assert_non_null(reply);
		result_for(&r, vcases[i].mx, vcases[i].ptype);
		rv = tlsrpt_result_to_obs(&r, reply, &obs, why, sizeof(why));
		if (rv != vcases[i].rv)
			fail_msg("case %zu: %d, not %d (%s)", i, rv,
			        vcases[i].rv, why);
		if (rv == 0) {
			assert_string_equal(obs.pstr, vcases[i].pstr);
			assert_int_equal(
			        tlsrpt_obs_check(&obs, why, sizeof(why)), 0);
			tlsrpt_obs_clear(&obs);
		} else {
			if (strstr(why, vcases[i].why) == NULL)
				fail_msg("case %zu: \"%s\" lacks \"%s\"", i,
				        why, vcases[i].why);
			assert_null(obs.pstr);
			assert_null(obs.mx);
		}
		json_decref(reply);
	}
	json_decref(dflt);
}

/* A "success" under sts with an MX host outside the policy's patterns
 * (OpenSMTPD does not check them): a validation-failure (RFC 8461 §4.1);
 * a failure keeps its type. */
static void
test_sts_unlisted(void **state)
{
	json_t              *reply = json_loads(reply_json, 0, NULL);
	struct tlsrpt_result r;
	struct tlsrpt_obs    obs;
	char                 why[512];

	(void)state;
	result_for(&r, "other.example.org", "sts");
	assert_int_equal(
	        tlsrpt_result_to_obs(&r, reply, &obs, why, sizeof(why)), 0);
	assert_int_equal(obs.ptype, TLSRPT_PTYPE_STS);
	assert_int_equal(obs.failed, 1);
	assert_int_equal(obs.ndetail, 1);
	assert_int_equal(obs.detail[0].rtype, TLSRPT_VALIDATION_FAILURE);
	assert_non_null(strstr(obs.detail[0].reason,
	        "other.example.org matches none of the MTA-STS policy's mx "
	        "patterns"));
	tlsrpt_obs_clear(&obs);
	/* listed through the wildcard: a success */
	result_for(&r, "a.example.net", "sts");
	assert_int_equal(
	        tlsrpt_result_to_obs(&r, reply, &obs, why, sizeof(why)), 0);
	assert_int_equal(obs.failed, 0);
	tlsrpt_obs_clear(&obs);
	/* one label too many for *.example.net */
	result_for(&r, "a.b.example.net", "sts");
	assert_int_equal(
	        tlsrpt_result_to_obs(&r, reply, &obs, why, sizeof(why)), 0);
	assert_int_equal(obs.failed, 1);
	tlsrpt_obs_clear(&obs);
	/* no-policy-found and tlsa are not about the patterns */
	result_for(&r, "other.example.org", "no-policy-found");
	assert_int_equal(
	        tlsrpt_result_to_obs(&r, reply, &obs, why, sizeof(why)), 0);
	assert_int_equal(obs.failed, 0);
	tlsrpt_obs_clear(&obs);
	json_decref(reply);
}

static void
test_obs_check(void **state)
{
	struct tlsrpt_obs o;
	char              why[256];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.ptype = TLSRPT_PTYPE_NOPOLICY;
	assert_int_equal(tlsrpt_obs_check(&o, why, sizeof(why)), 0);
	o.ptype = TLSRPT_PTYPE_TLSA;
	assert_int_equal(tlsrpt_obs_check(&o, NULL, 0), -1);
	o.pstr = "[]";
	assert_int_equal(tlsrpt_obs_check(&o, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "tlsa policy without its policy-string"));
	o.pstr = "[\"3 1 1 ab\"]";
	assert_int_equal(tlsrpt_obs_check(&o, why, sizeof(why)), 0);
	o.ptype = TLSRPT_PTYPE_STS;
	o.pstr  = "[\"version: STSv1\"]";
	assert_int_equal(tlsrpt_obs_check(&o, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "sts policy without its mx-host"));
	o.mx = "[]";
	assert_int_equal(tlsrpt_obs_check(&o, why, sizeof(why)), -1);
	o.mx = "[\"mx.a\"]";
	assert_int_equal(tlsrpt_obs_check(&o, why, sizeof(why)), 0);
	o.pstr = "[]";
	assert_int_equal(tlsrpt_obs_check(&o, why, sizeof(why)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_to_obs),
		cmocka_unit_test(test_no_record),
		cmocka_unit_test(test_policy_validation),
		cmocka_unit_test(test_obs_check),
		cmocka_unit_test(test_sts_unlisted),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
