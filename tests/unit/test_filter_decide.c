/*
 * test_filter_decide.c - table-driven unit tests for filter-mxtls's RCPT
 * decision (modules/opensmtpd/filter_decide.c) and smtp-out session
 * classification (filter_outcome.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "filter_decide.h"
#include "filter_outcome.h"

struct decide_case {
	const char *json;
	int         rv;
	int         verdict, secure, webpki_only, known;
	long long   expires;
	size_t      nhosts;
	const char *ptype; /* NULL: "no-policy-found" */
};

#define NOW 1000
#define TTL 60

static const struct decide_case cases[] = {
	/* MTA-STS enforce: verified TLS, MX patterns unchecked */
	{ "{\"v\":1,\"status\":\"ok\",\"domain\":\"e.test\",\"policy\":"
	  "\"sts\","
	  "\"mode\":\"enforce\",\"expires\":5000,\"hosts\":[{\"host\":\"mx1.e."
	  "test\",\"action\":\"verify\"}]}",
	        0, FILTER_DECIDE_PROCEED, 1, 1, 1, 5000, 1, "sts" },
	/* testing: opportunistic */
	{ "{\"v\":1,\"status\":\"ok\",\"policy\":\"sts\",\"mode\":\"testing\","
	  "\"expires\":5000,\"hosts\":[{\"host\":\"mx1\",\"action\":\"may\"}]"
	  "}",
	        0, FILTER_DECIDE_PROCEED, 0, 0, 1, 5000, 1, "sts" },
	/* DANE: verified TLS (WebPKI stands in), expiry from the TTL */
	{ "{\"v\":1,\"status\":\"ok\",\"policy\":\"dane\",\"hosts\":[{"
	  "\"host\":"
	  "\"mx1\",\"action\":\"dane\"},{\"host\":\"mx2\",\"action\":"
	  "\"defer\"}"
	  "]}",
	        0, FILTER_DECIDE_PROCEED, 1, 1, 1, NOW + TTL, 2 },
	/* encrypt only: verified (stricter), no downgrade warning */
	{ "{\"v\":1,\"status\":\"ok\",\"policy\":\"none\",\"hosts\":[{"
	  "\"host\":"
	  "\"mx1\",\"action\":\"encrypt\"}]}",
	        0, FILTER_DECIDE_PROCEED, 1, 0, 1, NOW + TTL, 1 },
	/* expired expires: TTL */
	{ "{\"v\":1,\"status\":\"ok\",\"policy\":\"sts\",\"mode\":\"enforce\","
	  "\"expires\":10,\"hosts\":[{\"host\":\"m\",\"action\":\"verify\"}]}",
	        0, FILTER_DECIDE_PROCEED, 1, 1, 1, NOW + TTL, 1, "sts" },
	/* DANE and MTA-STS enforce: OpenSMTPD applies the MTA-STS policy
	 * (WebPKI), never the TLSA records: reported as sts */
	{ "{\"v\":1,\"status\":\"ok\",\"policy\":\"dane\",\"mode\":"
	  "\"enforce\",\"expires\":5000,\"hosts\":[{\"host\":\"mx1\","
	  "\"action\":\"dane\"},{\"host\":\"mx2\",\"action\":\"verify\"}]}",
	        0, FILTER_DECIDE_PROCEED, 1, 1, 1, NOW + TTL, 2, "sts" },
	/* mode none: no policy applied */
	{ "{\"v\":1,\"status\":\"ok\",\"policy\":\"none\",\"mode\":"
	  "\"none\",\"expires\":5000,\"hosts\":[{\"host\":\"mx1\","
	  "\"action\":\"may\"}]}",
	        0, FILTER_DECIDE_PROCEED, 0, 0, 1, 0, 1, NULL },
	{ "{\"v\":1,\"status\":\"tempfail\",\"policy\":\"none\",\"hosts\":[],"
	  "\"why\":\"MX lookup: bogus\"}",
	        0, FILTER_DECIDE_TEMPFAIL, 0, 0, 1, 0, 0 },
	{ "{\"v\":1,\"status\":\"error\",\"why\":\"invalid domain\"}", 0,
	        FILTER_DECIDE_PROCEED, 0, 0, 0, 0, 0 },
	{ "{\"v\":1,\"status\":\"maybe\"}", -1, 0, 0, 0, 0, 0, 0 },
	{ "{\"v\":1}", -1, 0, 0, 0, 0, 0, 0 },
	{ "[1]", -1, 0, 0, 0, 0, 0, 0 },
	{ "{\"status\":\"ok\",\"status\":\"ok\"}", -1, 0, 0, 0, 0, 0, 0 },
	{ "not json", -1, 0, 0, 0, 0, 0, 0 },
};

static void
test_decide(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct decide_case *c = &cases[i];
		struct filter_decision    d;
		int rv = filter_decide(c->json, strlen(c->json), NOW, TTL, &d);

		if (rv != c->rv) {
			fail_msg("case %zu: rv %d, want %d (%s)", i, rv, c->rv,
			        d.why);
		}
		if (rv != 0) {
			assert_true(d.why[0] != '\0');
			continue;
		}
		assert_int_equal(d.verdict, c->verdict);
		assert_int_equal(d.secure, c->secure);
		assert_int_equal(d.webpki_only, c->webpki_only);
		assert_int_equal(d.known, c->known);
		if (c->secure) {
			assert_int_equal((long long)d.expires, c->expires);
		}
		assert_int_equal(d.nhosts, c->nhosts);
		/* never "tlsa": OpenSMTPD checks no TLSA record */
		assert_string_equal(
		        d.ptype, c->ptype ? c->ptype : "no-policy-found");
	}
}

static void
test_ptype(void **state)
{
	(void)state;
	assert_string_equal(filter_decide_ptype("enforce"), "sts");
	assert_string_equal(filter_decide_ptype("testing"), "sts");
	assert_string_equal(filter_decide_ptype("none"), "no-policy-found");
	assert_string_equal(filter_decide_ptype(""), "no-policy-found");
	assert_string_equal(filter_decide_ptype("Enforce"), "no-policy-found");
}

struct outcome_case {
	const char *events; /* "event params" lines */
	const char *result; /* NULL: no TLS outcome */
	const char *rcpt_domain;
};

static const struct outcome_case ocases[] = {
	{ "link-connect mx1|pass|127.0.0.1:4000|127.0.0.2:25\n"
	  "protocol-server 250-STARTTLS\nprotocol-client STARTTLS\n"
	  "link-tls TLSv1.3:TLS_AES_256_GCM_SHA384:256\ntx-begin 1\n"
	  "tx-rcpt 1|ok|u@Enforce.test\n",
	        "success", "Enforce.test" },
	/* 6.8: link-tls before the certificate check, then nothing */
	{ "link-connect mx1|pass|127.0.0.1:4000|127.0.0.2:25\n"
	  "protocol-server 250 STARTTLS\nprotocol-client STARTTLS\n"
	  "link-tls TLSv1.3:X:256\n",
	        "validation-failure", "" },
	{ "protocol-server 250-STARTTLS\nprotocol-client STARTTLS\n"
	  "protocol-server 454 TLS not available\n",
	        "validation-failure", "" },
	{ "protocol-server 250-mx.test\nprotocol-server 250 8BITMIME\n"
	  "tx-begin 1\n",
	        "starttls-not-supported", "" },
	{ "protocol-server 250-STARTTLSX\nprotocol-server 250 OK\n",
	        "starttls-not-supported", "" },
	{ "link-connect mx1|pass|127.0.0.1:4000|127.0.0.2:25\n", NULL, "" },
};

static void
test_outcome(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ocases) / sizeof(ocases[0]); i++) {
		struct filter_outcome o;
		char        buf[1024], reason[256], *line, *save = NULL;
		const char *r;

		memset(&o, 0, sizeof(o));
		snprintf(buf, sizeof(buf), "%s", ocases[i].events);
		for (line    = strtok_r(buf, "\n", &save); line != NULL;
		        line = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(line, ' ');
			*sp++    = '\0';
			filter_outcome_event(&o, line, sp, 0, 6);
		}
		r = filter_outcome_classify(&o, reason, sizeof(reason));
		if (ocases[i].result == NULL) {
			assert_null(r);
			continue;
		}
		assert_non_null(r);
		assert_string_equal(r, ocases[i].result);
		assert_string_equal(o.rcpt_domain, ocases[i].rcpt_domain);
		if (strcmp(r, "success") != 0) {
			assert_true(reason[0] != '\0');
		}
	}
}

static void
test_outcome_addr(void **state)
{
	char a[64];

	(void)state;
	filter_outcome_addr("127.0.0.2:25", a, sizeof(a));
	assert_string_equal(a, "127.0.0.2");
	filter_outcome_addr("[2001:db8::1]:25", a, sizeof(a));
	assert_string_equal(a, "2001:db8::1");
	filter_outcome_addr("2001:db8::1", a, sizeof(a));
	assert_string_equal(a, "2001:db8::1");
	filter_outcome_addr("127.0.0.2", a, sizeof(a));
	assert_string_equal(a, "127.0.0.2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_ptype),
		cmocka_unit_test(test_outcome),
		cmocka_unit_test(test_outcome_addr),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
