/*
 * test_proto.c - IPC request parsing and encoding (docs/IPC.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

struct req_case {
	const char   *json;
	int           ok;
	enum proto_op op;
	const char   *domain; /* expected normalised domain, or NULL */
	const char   *why;    /* substring of why when !ok */
};

static const struct req_case req_cases[] = {
	{ "{\"v\":1,\"op\":\"ping\"}", 1, PROTO_OP_PING, NULL },
	{ "{\"v\":1,\"op\":\"stats\"}", 1, PROTO_OP_STATS, NULL },
	{ "{\"v\":1,\"op\":\"flush\"}", 1, PROTO_OP_FLUSH, NULL },
	{ "{\"v\":1,\"op\":\"flush\",\"domain\":\"A.Example.\"}", 1,
	        PROTO_OP_FLUSH, "a.example" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":\"Example.COM\"}", 1,
	        PROTO_OP_POLICY, "example.com" },
	{ "{\"op\":\"policy\",\"domain\":\"x.y\",\"v\":1,\"future\":[1,2]}", 1,
	        PROTO_OP_POLICY, "x.y" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":null}", 0, 0, NULL,
	        "needs a \"domain\"" },
	{ "{\"v\":1,\"op\":\"policy\"}", 0, 0, NULL, "needs a \"domain\"" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":\"a..b\"}", 0, 0, NULL,
	        "invalid domain" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":7}", 0, 0, NULL,
	        "not a string" },
	{ "{\"v\":2,\"op\":\"ping\"}", 0, 0, NULL,
	        "unsupported protocol version 2" },
	{ "{\"v\":\"1\",\"op\":\"ping\"}", 0, 0, NULL, "\"v\"" },
	{ "{\"op\":\"ping\"}", 0, 0, NULL, "\"v\"" },
	{ "{\"v\":1}", 0, 0, NULL, "\"op\"" },
	{ "{\"v\":1,\"op\":\"PING\"}", 0, 0, NULL, "unknown op" },
	{ "{\"v\":1,\"op\":\"drop tables\"}", 0, 0, NULL, "unknown op" },
	{ "{\"v\":1,\"op\":\"ping\",\"op\":\"stats\"}", 0, 0, NULL,
	        "malformed JSON" },
	{ "[1,2]", 0, 0, NULL, "not a JSON object" },
	{ "", 0, 0, NULL, "malformed JSON" },
	{ "{\"v\":1,\"op\":\"ping\"", 0, 0, NULL, "malformed JSON" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":\"a\\u0000b.com\"}", 0, 0,
	        NULL, "malformed JSON" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":\"\\u00e9.com\"}", 0, 0, NULL,
	        "A-label" },
	{ "{\"v\":1,\"op\":\"result\",\"domain\":\"E.com\",\"mx_host\":\"m\","
	  "\"result\":\"success\"}",
	        1, PROTO_OP_RESULT, "e.com" },
	{ "{\"v\":1,\"op\":\"result\"}", 0, 0, NULL,
	        "op \"result\" needs a \"domain\"" },
	{ "{\"v\":1,\"op\":\"report-preview\"}", 1, PROTO_OP_REPORT_PREVIEW,
	        NULL },
	{ "{\"v\":1,\"op\":\"report-preview\",\"domain\":\"X.org\"}", 1,
	        PROTO_OP_REPORT_PREVIEW, "x.org" },
	{ "{\"v\":1,\"op\":\"report-send-now\"}", 1, PROTO_OP_REPORT_SEND_NOW,
	        NULL },
	{ "{\"v\":1,\"op\":\"report-sendnow\"}", 0, 0, NULL, "unknown op" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"2026-11-30\"}", 1,
	        PROTO_OP_REPORT_PREVIEW, NULL },
	{ "{\"v\":1,\"op\":\"report-send-now\",\"day\":null}", 1,
	        PROTO_OP_REPORT_SEND_NOW, NULL },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":\"a.b\",\"day\":"
	  "\"2026-11-30\"}",
	        0, 0, NULL, "takes no \"day\"" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":20261130}", 0, 0, NULL,
	        "not a date" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"2026-02-30\"}", 0, 0,
	        NULL, "not a date" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"2026-13-01\"}", 0, 0,
	        NULL, "not a date" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"2026-00-10\"}", 0, 0,
	        NULL, "not a date" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"2026-11-00\"}", 0, 0,
	        NULL, "not a date" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"2026-1-30\"}", 0, 0,
	        NULL, "not a date" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"2026-11-30Z\"}", 0, 0,
	        NULL, "not a date" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"1969-12-31\"}", 0, 0,
	        NULL, "not a date" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"２026-11-30\"}", 0, 0,
	        NULL, "not a date" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"2026-11-3\\u0000\"}",
	        0, 0, NULL, "malformed JSON" },
};

static void
test_request_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(req_cases) / sizeof(req_cases[0]); i++) {
		const struct req_case *c = &req_cases[i];
		struct proto_request   req;
		char                   why[256] = "";
		int                    rv       = proto_request_parse(
		                                 c->json, strlen(c->json), &req, why, sizeof(why));
		if (c->ok) {
			if (rv != 0)
				fail_msg("case %zu rejected: %s", i, why);
			assert_int_equal(req.op, c->op);
			assert_int_equal(req.has_domain, c->domain != NULL);
			if (c->domain != NULL)
				assert_string_equal(req.domain, c->domain);
		} else {
			if (rv == 0)
				fail_msg("case %zu accepted: %s", i, c->json);
			if (strstr(why, c->why) == NULL)
				fail_msg("case %zu: why \"%s\" lacks \"%s\"",
				        i, why, c->why);
		}
	}
}

static void
test_too_large(void **state)
{
	size_t               n   = PROTO_MAX_MSG + 1;
	char                *big = malloc(n);
	char                 why[128];
	struct proto_request req;

	(void)state;
	memset(big, ' ', n);
	assert_int_equal(
	        proto_request_parse(big, n, &req, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "too large"));
	free(big);
}

static void
test_round_trip(void **state)
{
	struct proto_request a, b;
	char                 why[128], *s;
	const char          *in;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.op         = PROTO_OP_POLICY;
	a.has_domain = 1;
	strcpy(a.domain, "mail.example.org");
	s = proto_request_encode(&a);
	assert_non_null(s);
	assert_int_equal(
	        proto_request_parse(s, strlen(s), &b, why, sizeof(why)), 0);
	assert_int_equal(b.op, PROTO_OP_POLICY);
	assert_string_equal(b.domain, "mail.example.org");
	free(s);
	/* a day: parsed to the start of the UTC day, encoded back */
	in = "{\"v\":1,\"op\":\"report-send-now\",\"day\":\"2024-02-29\"}";
	assert_int_equal(
	        proto_request_parse(in, strlen(in), &b, why, sizeof(why)), 0);
	assert_int_equal(b.has_day, 1);
	assert_int_equal(b.day, 1709164800); /* 2024-02-29T00:00:00Z */
	s = proto_request_encode(&b);
	assert_non_null(s);
	assert_string_equal(s,
	        "{\"v\":1,\"op\":\"report-send-now\",\"day\":\"2024-02-29\"}");
	free(s);
	in = "{\"v\":1,\"op\":\"report-send-now\",\"day\":\"2023-02-29\"}";
	assert_int_equal(
	        proto_request_parse(in, strlen(in), &b, why, sizeof(why)), -1);
	s = proto_reply_error("bad \"thing\"");
	assert_string_equal(s,
	        "{\"v\":1,\"status\":\"error\",\"why\":\"bad "
	        "\\\"thing\\\"\"}");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_cases),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_round_trip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
