/*
 * test_server_tlsrpt.c - cached/serve/server.c, request JSON to reply for
 * the TLS reporting ops of docs/IPC.md: result, report-preview,
 * report-send-now; without TLS reporting, with a store that cannot be
 * opened (tempfail with the reason, then usable after
 * tlsrpt_sched_reopen_store), a result counted into the day's report, and
 * requests waiting for their lookups at shutdown. The other ops are
 * test_server.c.
 * Over the real resolvers and TLS reporting on the scripted DNS, HTTPS and
 * report delivery of tests/scenario/ (fake_world.h), on the fake clock
 * (server_world.h).
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "log.h"
#include "proto.h"
#include "serve/override.h"
#include "serve/server.h"
#include "serve/server_dump.h"
#include "server_world.h"
#include "util/metrics.h"

/* ---- TLS reporting ops ----------------------------------------------- */

/* without TLS reporting: an error reply for each */
static void
tlsrpt_off(void **state)
{
	(void)state;
	expect(req("{\"v\":1,\"op\":\"result\",\"domain\":\"a.test\","
	           "\"mx_host\":\"mx.a.test\",\"result\":\"success\"}"),
	        "error", "TLS reporting is not running");
	expect(req("{\"v\":1,\"op\":\"report-preview\"}"), "error",
	        "TLS reporting is not running");
	expect(req("{\"v\":1,\"op\":\"report-send-now\"}"), "error",
	        "TLS reporting is not running");
}

#define RESULT(dom, extra)                                                    \
	"{\"v\":1,\"op\":\"result\",\"domain\":\"" dom "\",\"mx_host\":"      \
	"\"mx1." dom "\"" extra "}"

static void
result_ops(void **state)
{
	json_t *o, *a;
	char    text[256];

	(void)state;
	/* r.test: insecure MX, no MTA-STS, a TLSRPT record */
	dd_mx("r.test", 0, 3600, (const char *const[]) { "mx1.r.test", NULL });
	fw_tlsrpt_record("r.test", "mailto:rpt@r.test");
	o = req(RESULT("r.test", ",\"result\":\"success\""));
	expect(o, "ok", NULL);
	assert_true(json_is_true(json_object_get(o, "recorded")));
	assert_string_equal(m(o, "policy_type"), "no-policy-found");
	o = req(RESULT("r.test",
	        ",\"result\":\"starttls-not-supported\","
	        "\"receiving_ip\":\"192.0.2.25\""));
	assert_true(json_is_true(json_object_get(o, "recorded")));
	assert_int_equal(W.stats.tlsrpt_results, 2);

	/* invalid result type: error, nothing counted */
	o = req(RESULT("r.test", ",\"result\":\"ok\""));
	expect(o, "error", "unknown result \"ok\"");
	o = req("{\"v\":1,\"op\":\"result\",\"domain\":\"r.test\","
	        "\"result\":\"success\"}");
	expect(o, "error", NULL);
	assert_int_equal(W.stats.tlsrpt_results_refused, 2);

	/* our own report's session: not counted */
	o = req(RESULT("r.test",
	        ",\"result\":\"success\",\"sender\":"
	        "\"tlsrpt-noreply@sub.test\""));
	expect(o, "ok", "our own TLS report");
	assert_true(json_is_false(json_object_get(o, "recorded")));
	assert_int_equal(W.stats.tlsrpt_results_own, 1);

	/* sts named for a domain without an MTA-STS policy: not counted */
	o = req(RESULT(
	        "r.test", ",\"result\":\"success\",\"policy_type\":\"sts\""));
	expect(o, "ok", NULL);
	assert_true(json_is_false(json_object_get(o, "recorded")));
	assert_int_equal(W.stats.tlsrpt_results_policy_unknown, 1);

	/* no TLSRPT record: acknowledged, not counted */
	dd_mx("n.test", 0, 3600, (const char *const[]) { "mx1.n.test", NULL });
	o = req(RESULT("n.test", ",\"result\":\"success\""));
	expect(o, "ok", NULL);
	assert_true(json_is_false(json_object_get(o, "recorded")));
	assert_int_equal(W.stats.tlsrpt_results_unreported, 1);

	/* its TLSRPT lookup fails: tempfail (the client retries) */
	dd_mx("t.test", 0, 3600, (const char *const[]) { "mx1.t.test", NULL });
	fake_dns_set("_smtp._tls.t.test", DNS_T_TXT, DNS_TEMPFAIL, 0, NULL);
	o = req(RESULT("t.test", ",\"result\":\"success\""));
	expect(o, "tempfail", NULL);
	assert_int_equal(W.stats.tlsrpt_results, 2);

	/* preview: today's report of r.test, 1 success and 1 failure */
	o = req("{\"v\":1,\"op\":\"report-preview\"}");
	expect(o, "ok", NULL);
	a = json_object_get(o, "reports");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(m(json_array_get(a, 0), "domain"), "r.test");
	assert_string_equal(m(json_object_get(json_array_get(a, 0), "report"),
	                            "report-id"),
	        "preview");
	o = req("{\"v\":1,\"op\":\"report-preview\",\"domain\":\"n.test\"}");
	assert_int_equal(json_array_size(json_object_get(o, "reports")), 0);
	o = req("{\"v\":1,\"op\":\"report-preview\",\"day\":\"2023-12-31\"}");
	assert_int_equal(json_array_size(json_object_get(o, "reports")), 0);

	/* send-now: today is not over; nothing closed yet */
	o = req("{\"v\":1,\"op\":\"report-send-now\",\"day\":\"2024-01-01\"}");
	expect(o, "tempfail", "not over");
	o = req("{\"v\":1,\"op\":\"report-send-now\"}");
	expect(o, "ok", NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "reports")), 0);
	assert_int_equal(
	        json_integer_value(json_object_get(o, "deliveries")), 0);

	/* the next day: the report is made and sent at once */
	clock_set_fake(DAY + 86400 + 5);
	o = req("{\"v\":1,\"op\":\"report-send-now\",\"day\":\"2024-01-01\"}");
	expect(o, "ok", NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "reports")), 1);
	assert_int_equal(
	        json_integer_value(json_object_get(o, "deliveries")), 1);
	fw_run(&W);
	assert_int_equal(fake_send_count("mailto:rpt@r.test"), 1);
	o = req("{\"v\":1,\"op\":\"report-send-now\"}");
	assert_int_equal(json_integer_value(json_object_get(o, "reports")), 0);
	assert_int_equal(
	        json_integer_value(json_object_get(o, "deliveries")), 0);
	snprintf(text, sizeof(text),
	        "{\"v\":1,\"op\":\"report-preview\",\"day\":\"2024-01-01\"}");
	o = req(text);
	assert_int_equal(json_array_size(json_object_get(o, "reports")), 0);
}

/* policy_of - the element of report rep's "policies" whose policy-type
 * is type (NULL when none); its "policy" into *pol. */
static json_t *
policy_of(json_t *rep, const char *type, json_t **pol)
{
	json_t *p;
	size_t  i;

	json_array_foreach(json_object_get(rep, "policies"), i, p)
	{
		*pol = json_object_get(p, "policy");
		if (strcmp(m(*pol, "policy-type"), type) == 0)
			return (p);
	}
	return (NULL);
}

static long
count_of(json_t *summary, const char *key)
{
	return ((long)json_integer_value(json_object_get(summary, key)));
}

/*
 * Results counted under the daemon's own decision for the domain (T1,
 * T11, T13): the DANE host's success under "tlsa" with its TLSA record as
 * the policy-string, a success named "sts" under the MTA-STS policy with
 * its lines, a success under "sts" at a host the policy does not allow
 * counted as a validation-failure; "tlsa" named for a host that is not
 * DANE-authenticated is not counted.
 */
static void
result_into_report(void **state)
{
	json_t *o, *rep, *pol, *sum, *fd;

	(void)state;
	fw_sts_site("p.test", "p1", "enforce");
	dd_mx("p.test", 1, 3600,
	        (const char *const[]) { "mx1.p.test", "mx2.p.test", NULL });
	dd_addr("mx1.p.test", 1, 3600, NULL);
	dd_tlsa("mx1.p.test", 1, 3600, 3, 1, 1, 0x0f);
	dd_addr("mx2.p.test", 1, 3600, NULL);
	dd_fail(dd_tlsa_name("mx2.p.test"), DNS_T_TLSA, DNS_NOTFOUND, 1, 300,
	        "NXDOMAIN");
	fw_tlsrpt_record("p.test", "mailto:rpt@p.test");

	o = req(RESULT("p.test", ",\"result\":\"success\""));
	assert_true(json_is_true(json_object_get(o, "recorded")));
	assert_string_equal(m(o, "policy_type"), "tlsa");
	o = req("{\"v\":1,\"op\":\"result\",\"domain\":\"p.test\","
	        "\"mx_host\":\"mx2.p.test\",\"result\":\"success\"}");
	assert_true(json_is_true(json_object_get(o, "recorded")));
	assert_string_equal(m(o, "policy_type"), "sts");
	o = req("{\"v\":1,\"op\":\"result\",\"domain\":\"p.test\","
	        "\"mx_host\":\"mx.elsewhere.test\",\"result\":\"success\","
	        "\"policy_type\":\"sts\"}");
	assert_true(json_is_true(json_object_get(o, "recorded")));
	o = req("{\"v\":1,\"op\":\"result\",\"domain\":\"p.test\","
	        "\"mx_host\":\"mx2.p.test\",\"result\":\"success\","
	        "\"policy_type\":\"tlsa\"}");
	expect(o, "ok", NULL);
	assert_true(json_is_false(json_object_get(o, "recorded")));

	o   = req("{\"v\":1,\"op\":\"report-preview\",\"domain\":\"p.test\"}");
	rep = json_object_get(
	        json_array_get(json_object_get(o, "reports"), 0), "report");
	assert_non_null(rep);
	assert_non_null(policy_of(rep, "tlsa", &pol));
	sum = json_object_get(policy_of(rep, "tlsa", &pol), "summary");
	assert_string_equal(json_string_value(json_array_get(
	                            json_object_get(pol, "policy-string"), 0)),
	        "3 1 1 "
	        "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
	        "f"
	        "0f");
	assert_int_equal(count_of(sum, "total-successful-session-count"), 1);
	assert_non_null(policy_of(rep, "sts", &pol));
	sum = json_object_get(policy_of(rep, "sts", &pol), "summary");
	assert_string_equal(json_string_value(json_array_get(
	                            json_object_get(pol, "policy-string"), 1)),
	        "mode: enforce");
	assert_int_equal(count_of(sum, "total-successful-session-count"), 1);
	assert_int_equal(count_of(sum, "total-failure-session-count"), 1);
	fd = json_array_get(json_object_get(policy_of(rep, "sts", &pol),
	                            "failure-details"),
	        0);
	assert_string_equal(m(fd, "result-type"), "validation-failure");
	assert_string_equal(
	        m(fd, "receiving-mx-hostname"), "mx.elsewhere.test");
}

/* a "policy" and a "result" waiting for their lookups (the MX lookup
 * held) when the daemon stops (SIGTERM): query_shutdown answers each
 * exactly once, nothing is counted; the policy with a tempfail */
static void
shutdown_waiting_start(struct reply *rp, struct reply *rr)
{
	static const char *pol
	        = "{\"v\":1,\"op\":\"policy\",\"domain\":\"h.test\"}";
	static const char *res = RESULT("h.test", ",\"result\":\"success\"");

	memset(rp, 0, sizeof(*rp));
	memset(rr, 0, sizeof(*rr));
	fw_tlsrpt_record("h.test", "mailto:rpt@h.test");
	fake_dns_hold("h.test", DNS_T_MX, 1);
	server_handle(S, pol, strlen(pol), reply_fn, rp);
	server_handle(S, res, strlen(res), reply_fn, rr);
	fw_run(&W);
	assert_int_equal(rp->n, 0);
	assert_int_equal(rr->n, 0);
	query_shutdown();
	assert_int_equal(rp->n, 1);
	assert_int_equal(rr->n, 1);
	expect(rp->o, "tempfail", "mxtlsd is stopping");
	assert_string_not_equal(m(rr->o, "status"), "ok");
	assert_int_equal(W.stats.tlsrpt_results, 0);
}

static void
shutdown_waiting(void **state)
{
	struct reply rp, rr;

	(void)state;
	shutdown_waiting_start(&rp, &rr);
	json_decref(rp.o);
	json_decref(rr.o);
}

/*
 * The "result" waiting at shutdown is answered tempfail too (docs/IPC.md:
 * "a request still waiting for its lookups is answered tempfail"; "error"
 * tells the client its request was wrong, so it drops the result). It was
 * {"status":"error","why":"policy reply without tlsrpt"} until
 * server_result_done took any policy reply that is not "ok" as tempfail.
 */
static void
shutdown_result_tempfail(void **state)
{
	struct reply rp, rr;

	(void)state;
	shutdown_waiting_start(&rp, &rr);
	json_decref(rp.o);
	expect(rr.o, "tempfail", NULL);
	json_decref(rr.o);
}

/* the TLSRPT store cannot be opened (a directory stands at its path):
 * result, preview and send-now answer tempfail with the reason; once it
 * is fixed, tlsrpt_sched_reopen_store makes it usable */
static void
store_unusable(void **state)
{
	char    path[200];
	json_t *o;

	(void)state;
	snprintf(path, sizeof(path), "%s.tlsrpt", W.db);
	assert_int_equal(mkdir(path, 0700), 0);
	fw_open_tlsrpt(&W);
	server_attach_tlsrpt(S, W.sched);
	dd_mx("r.test", 0, 3600, (const char *const[]) { "mx1.r.test", NULL });
	fw_tlsrpt_record("r.test", "mailto:rpt@r.test");
	o = req(RESULT("r.test", ",\"result\":\"success\""));
	expect(o, "tempfail", "cannot be used");
	expect(req("{\"v\":1,\"op\":\"report-preview\"}"), "tempfail",
	        "cannot be used");
	expect(req("{\"v\":1,\"op\":\"report-send-now\"}"), "tempfail",
	        "cannot be used");
	assert_int_equal(W.stats.tlsrpt_results, 0);

	assert_int_equal(rmdir(path), 0);
	tlsrpt_sched_reopen_store(W.sched);
	o = req(RESULT("r.test", ",\"result\":\"success\""));
	expect(o, "ok", NULL);
	assert_true(json_is_true(json_object_get(o, "recorded")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tlsrpt_off, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        result_ops, setup_tlsrpt, teardown),
		cmocka_unit_test_setup_teardown(
		        result_into_report, setup_tlsrpt, teardown),
		cmocka_unit_test_setup_teardown(
		        shutdown_waiting, setup_tlsrpt, teardown),
		cmocka_unit_test_setup_teardown(
		        shutdown_result_tempfail, setup_tlsrpt, teardown),
		cmocka_unit_test_setup_teardown(
		        store_unusable, setup, teardown),
	};

	log_init("test_server", 1, 0);
	log_set_level(LOG_LVL_ERR);
	metrics_init();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
