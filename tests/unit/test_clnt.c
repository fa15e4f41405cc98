/*
 * test_clnt.c - the typed calls to mxtlsd (common/clnt.c) over a fake
 * transport: the request text each call sends (docs/IPC.md), what a reply
 * becomes, and that a transport's failure is passed on as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clnt.h"

/* The fake transport: records the request, answers with reply. */
struct fake {
	enum clnt_status st;    /* what call returns */
	const char      *reply; /* on CLNT_OK */
	char             sent[1024];
	int              calls, sends;
};

static enum clnt_status
fake_call(void *ctx, const char *req, size_t len, char **reply, size_t *rlen,
        char *why, size_t whylen)
{
	struct fake *f = ctx;

	f->calls++;
	snprintf(f->sent, sizeof(f->sent), "%.*s", (int)len, req);
	*reply = NULL;
	if (f->st != CLNT_OK) {
		snprintf(why, whylen, "fake: %s", clnt_status_name(f->st));
		return (f->st);
	}
	*reply = strdup(f->reply);
	if (rlen != NULL)
		*rlen = strlen(f->reply);
	return (CLNT_OK);
}

static enum clnt_status
fake_send(void *ctx, const char *req, size_t len, char *why, size_t whylen)
{
	struct fake *f = ctx;

	(void)why;
	(void)whylen;
	f->sends++;
	snprintf(f->sent, sizeof(f->sent), "%.*s", (int)len, req);
	return (f->st);
}

static const struct clnt_transport with_send    = { fake_call, fake_send };
static const struct clnt_transport without_send = { fake_call, NULL };

struct policy_case {
	enum clnt_status     tp;    /* the transport's answer */
	const char          *reply; /* its reply */
	enum clnt_status     st;    /* clnt_policy's */
	enum decision_status status;
	size_t               nhosts;
};

static const struct policy_case policy_cases[] = {
	{ CLNT_OK,
	        "{\"v\":1,\"domain\":\"example.com\",\"status\":\"ok\","
	        "\"policy\":\"dane\",\"hosts\":[{\"host\":\"mx.example.com\","
	        "\"action\":\"dane\"}],\"why\":\"w\"}",
	        CLNT_OK, DECISION_OK, 1 },
	{ CLNT_OK, "{\"v\":1,\"status\":\"tempfail\",\"why\":\"stopping\"}",
	        CLNT_OK, DECISION_TEMPFAIL, 0 },
	{ CLNT_OK, "{\"v\":1,\"status\":\"error\",\"why\":\"bad\"}", CLNT_OK,
	        DECISION_ERROR, 0 },
	/* not a policy reply */
	{ CLNT_OK, "{\"v\":1,\"status\":\"fine\"}", CLNT_BADREPLY, 0, 0 },
	{ CLNT_OK, "garbage", CLNT_BADREPLY, 0, 0 },
	/* the transport's failures, unchanged */
	{ CLNT_UNREACHABLE, NULL, CLNT_UNREACHABLE, 0, 0 },
	{ CLNT_TIMEOUT, NULL, CLNT_TIMEOUT, 0, 0 },
	{ CLNT_ERROR, NULL, CLNT_ERROR, 0, 0 },
};

static void
test_policy(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(policy_cases) / sizeof(policy_cases[0]); i++) {
		const struct policy_case *pc = &policy_cases[i];
		struct fake               f  = { pc->tp, pc->reply, "", 0, 0 };
		struct clnt               c  = { &with_send, &f };
		struct decision           d;
		char                      why[128] = "";
		enum clnt_status          st;

		st = clnt_policy(&c, "example.com", &d, why, sizeof(why));
		if (st != pc->st)
			fail_msg("case %zu: %s (%s)", i, clnt_status_name(st),
			        why);
		assert_int_equal(f.calls, 1);
		assert_string_equal(f.sent,
		        "{\"v\":1,\"op\":\"policy\",\"domain\":\"example."
		        "com\"}");
		if (st == CLNT_OK) {
			assert_int_equal(d.status, pc->status);
			assert_int_equal(d.nhosts, pc->nhosts);
		} else {
			assert_true(why[0] != '\0');
			assert_int_equal(d.nhosts, 0);
		}
		decision_clear(&d);
	}
}

static void
test_policy_bad_domain(void **state)
{
	struct fake     f = { CLNT_OK, "{}", "", 0, 0 };
	struct clnt     c = { &with_send, &f };
	struct decision d;
	char            why[128] = "", name[300];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(
	        clnt_policy(&c, name, &d, why, sizeof(why)), CLNT_ERROR);
	assert_int_equal(f.calls, 0); /* nothing sent */
	assert_non_null(strstr(why, "too long"));
	decision_clear(&d);
}

static void
test_prefetch(void **state)
{
	struct fake f = { CLNT_OK, "{\"v\":1,\"status\":\"ok\"}", "", 0, 0 };
	struct clnt c = { &with_send, &f };
	char        why[64];

	(void)state;
	assert_int_equal(
	        clnt_prefetch(&c, "a.test", why, sizeof(why)), CLNT_OK);
	assert_int_equal(f.sends, 1); /* not waited for */
	assert_int_equal(f.calls, 0);
	assert_string_equal(
	        f.sent, "{\"v\":1,\"op\":\"policy\",\"domain\":\"a.test\"}");
	c.tp = &without_send; /* nng: a call, the reply dropped */
	assert_int_equal(
	        clnt_prefetch(&c, "a.test", why, sizeof(why)), CLNT_OK);
	assert_int_equal(f.calls, 1);
}

struct result_case {
	const char         *reply;
	enum clnt_status    st;
	enum proto_recorded rec;
};

static const struct result_case result_cases[] = {
	{ "{\"v\":1,\"status\":\"ok\",\"recorded\":true}", CLNT_OK,
	        PROTO_RECORDED },
	{ "{\"v\":1,\"status\":\"ok\",\"recorded\":false,\"why\":\"own\"}",
	        CLNT_OK, PROTO_NOT_RECORDED },
	{ "{\"v\":1,\"status\":\"tempfail\"}", CLNT_OK,
	        PROTO_RESULT_TEMPFAIL },
	{ "{\"v\":1,\"status\":\"error\",\"why\":\"unknown op "
	  "\\\"result\\\"\"}",
	        CLNT_OK, PROTO_UNSUPPORTED },
	{ "{\"v\":1,\"status\":\"error\",\"why\":\"bad result\"}", CLNT_OK,
	        PROTO_REFUSED },
	{ "nope", CLNT_BADREPLY, PROTO_UNREADABLE },
};

static void
test_result(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(result_cases) / sizeof(result_cases[0]); i++) {
		struct fake f = { CLNT_OK, result_cases[i].reply, "", 0, 0 };
		struct clnt c = { &with_send, &f };
		struct proto_result r;
		enum proto_recorded rec;
		char                why[128];

		memset(&r, 0, sizeof(r));
		r.domain         = "d.test";
		r.mx_host        = "mx.d.test";
		r.result         = "success";
		r.mta            = "exim";
		r.receiving_ip   = "";     /* empty: left out */
		r.sender         = "\xff"; /* not UTF-8: left out */
		r.failure_reason = NULL;
		assert_int_equal(clnt_result(&c, &r, &rec, why, sizeof(why)),
		        result_cases[i].st);
		assert_int_equal(rec, result_cases[i].rec);
		assert_string_equal(f.sent,
		        "{\"v\":1,\"op\":\"result\",\"domain\":\"d.test\","
		        "\"mta\":\"exim\",\"mx_host\":\"mx.d.test\","
		        "\"result\":\"success\"}");
	}
}

static void
test_result_required(void **state)
{
	static const char *const keys[] = { "domain", "mx_host", "result" };
	size_t                   i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct fake f = { CLNT_OK, "{\"status\":\"ok\"}", "", 0, 0 };
		struct clnt c = { &with_send, &f };
		struct proto_result r;
		enum proto_recorded rec;
		char                why[128];

		memset(&r, 0, sizeof(r));
		assert_int_equal(proto_result_set(&r, "domain", "d.test"), 0);
		assert_int_equal(proto_result_set(&r, "mx_host", "mx"), 0);
		assert_int_equal(proto_result_set(&r, "result", "success"), 0);
		assert_int_equal(proto_result_set(&r, keys[i], ""), 0);
		assert_int_equal(clnt_result(&c, &r, &rec, why, sizeof(why)),
		        CLNT_ERROR);
		assert_int_equal(f.calls, 0);
	}
	{
		struct proto_result r;

		memset(&r, 0, sizeof(r));
		assert_int_equal(proto_result_set(&r, "colour", "x"), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_policy_bad_domain),
		cmocka_unit_test(test_prefetch),
		cmocka_unit_test(test_result),
		cmocka_unit_test(test_result_required),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
