/*
 * test_server.c - cached/serve/server.c, request JSON to reply for the ops
 * of docs/IPC.md but TLS reporting's: ping, stats, flush, dump, policy;
 * malformed requests, unknown v and op, members refused on an op; a domain
 * whose lookups fail (tempfail); the local override ops (override_add,
 * override_del, override_list) and their effect on the policy reply. The
 * TLS reporting ops are test_server_tlsrpt.c.
 * Over the real resolvers on the scripted DNS and HTTPS of tests/scenario/
 * (fake_world.h), on the fake clock (server_world.h).
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

/* ---- malformed requests: a table ------------------------------------- */

struct bad {
	const char *req;
	const char *why;
};

static const struct bad bads[] = {
	{ "", "malformed JSON" },
	{ "not json", "malformed JSON" },
	{ "{\"v\":1,\"op\":\"ping\"", "malformed JSON" },
	{ "[1]", "not a JSON object" },
	{ "{}", "missing or non-integer \"v\"" },
	{ "{\"v\":\"1\",\"op\":\"ping\"}", "missing or non-integer \"v\"" },
	{ "{\"v\":2,\"op\":\"ping\"}",
	        "unsupported protocol version 2 (this daemon speaks 1)" },
	{ "{\"v\":0,\"op\":\"ping\"}", "unsupported protocol version 0" },
	{ "{\"v\":1}", "missing or non-string \"op\"" },
	{ "{\"v\":1,\"op\":7}", "missing or non-string \"op\"" },
	{ "{\"v\":1,\"op\":\"fly\"}", "unknown op \"fly\"" },
	{ "{\"v\":1,\"op\":\"PING\"}", "unknown op" },
	{ "{\"v\":1,\"op\":\"ping\\u0000x\"}", "malformed JSON" },
	{ "{\"v\":1,\"op\":\"ping\",\"op\":\"ping\"}", "malformed JSON" },
	{ "{\"v\":1,\"op\":\"policy\"}", "op \"policy\" needs a \"domain\"" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":null}",
	        "needs a \"domain\"" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":5}",
	        "\"domain\" is not a string" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":\"a..b\"}",
	        "invalid domain" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":\"\"}", "invalid domain" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":\"a b.test\"}",
	        "invalid domain" },
	{ "{\"v\":1,\"op\":\"result\"}", "op \"result\" needs a \"domain\"" },
	{ "{\"v\":1,\"op\":\"ping\",\"day\":\"2024-01-01\"}",
	        "op \"ping\" takes no \"day\"" },
	{ "{\"v\":1,\"op\":\"policy\",\"domain\":\"a.test\",\"day\":"
	  "\"2024-01-01\"}",
	        "takes no \"day\"" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"2024-02-30\"}",
	        "\"day\" is not a date YYYY-MM-DD" },
	{ "{\"v\":1,\"op\":\"report-preview\",\"day\":\"24-01-01\"}",
	        "not a date" },
	{ "{\"v\":1,\"op\":\"report-send-now\",\"day\":20240101}",
	        "not a date" },
};

static void
malformed(void **state)
{
	size_t  i;
	json_t *o;
	char   *big;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		print_message("request %s\n", bads[i].req);
		o = req(bads[i].req);
		expect(o, "error", bads[i].why);
	}
	/* one byte over PROTO_MAX_MSG */
	big = malloc(PROTO_MAX_MSG + 2);
	assert_non_null(big);
	memset(big, ' ', PROTO_MAX_MSG + 1);
	memcpy(big, "{\"v\":1,\"op\":\"ping\"}", 19);
	big[PROTO_MAX_MSG + 1] = '\0';
	expect(req(big), "error", "request too large (65536 bytes max)");
	big[PROTO_MAX_MSG] = '\0'; /* exactly the limit: answered */
	expect(req(big), "ok", NULL);
	free(big);
	assert_int_equal(W.stats.request_errors, i + 1);
	assert_int_equal(W.stats.requests, i + 2);
	/* nothing was looked up */
	assert_int_equal(fake_dns_total(), 0);
}

/* ---- ping, stats, flush ---------------------------------------------- */

static void
ping_stats_flush(void **state)
{
	json_t *o, *st;

	(void)state;
	o = req("{\"v\":1,\"op\":\"ping\",\"newer_member\":[1,2]}");
	expect(o, "ok", NULL);
	assert_string_equal(m(o, "version"), MXTLS_VERSION);

	req("{\"v\":1,\"op\":\"nope\"}");
	o  = req("{\"v\":1,\"op\":\"stats\"}");
	st = json_object_get(o, "stats");
	expect(o, "ok", NULL);
	assert_non_null(st);
	assert_int_equal(
	        json_integer_value(json_object_get(st, "requests")), 3);
	assert_int_equal(
	        json_integer_value(json_object_get(st, "request_errors")), 1);
	assert_non_null(json_object_get(st, "answer_cache_hits"));
	assert_non_null(json_object_get(st, "uptime"));

	o = req("{\"v\":1,\"op\":\"flush\"}");
	expect(o, "ok", NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "flushed")), 0);

	/* a looked-up domain is flushed by name, then looked up again */
	fw_sts_site("f.test", "f1", "testing");
	req("{\"v\":1,\"op\":\"policy\",\"domain\":\"f.test\"}");
	assert_int_equal(fake_dns_count("_mta-sts.f.test", DNS_T_TXT), 1);
	o = req("{\"v\":1,\"op\":\"flush\",\"domain\":\"F.test.\"}");
	expect(o, "ok", NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "flushed")), 1);
	o = req("{\"v\":1,\"op\":\"policy\",\"domain\":\"f.test\"}");
	assert_string_equal(m(o, "source"), "fetched");
	assert_int_equal(fake_dns_count("_mta-sts.f.test", DNS_T_TXT), 2);
	assert_int_equal(fake_dns_count("f.test", DNS_T_MX), 2);
	assert_int_equal(fake_dns_count("_smtp._tls.f.test", DNS_T_TXT), 2);
}

/* ---- policy ---------------------------------------------------------- */

static const char *const p_mx[] = { "mx1.p.test", NULL };

static void
policy(void **state)
{
	json_t *o, *h;

	(void)state;
	fw_sts_site("p.test", "p1", "enforce");
	dd_mx("p.test", 1, 3600, p_mx);
	dd_addr("mx1.p.test", 1, 3600, NULL);
	dd_tlsa("mx1.p.test", 1, 3600, 3, 1, 1, 0x0f);
	fw_tlsrpt_record("p.test", "mailto:rpt@p.test");

	o = req("{\"v\":1,\"op\":\"policy\",\"domain\":\"P.Test.\"}");
	expect(o, "ok", NULL);
	assert_string_equal(m(o, "domain"), "p.test");
	assert_string_equal(m(o, "policy"), "dane");
	assert_string_equal(m(o, "mode"), "enforce");
	assert_string_equal(m(o, "policy_id"), "p1");
	assert_string_equal(m(o, "source"), "fetched");
	assert_string_equal(m(o, "mx_status"), "secure");
	h = json_array_get(json_object_get(o, "hosts"), 0);
	assert_string_equal(m(h, "host"), "mx1.p.test");
	assert_string_equal(m(h, "action"), "dane");
	assert_string_equal(m(h, "dane"), "usable");
	assert_string_equal(m(h, "sts"), "match");
	assert_string_equal(m(h, "tlsa_name"), "_25._tcp.mx1.p.test");
	assert_string_equal(
	        m(json_array_get(json_object_get(h, "tlsa"), 0), "data"),
	        "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0"
	        "f0f");
	assert_string_equal(
	        m(json_object_get(o, "tlsrpt"), "status"), "found");
	assert_int_equal(W.stats.policy_requests, 1);

	o = req("{\"v\":1,\"op\":\"policy\",\"domain\":\"p.test\"}");
	assert_string_equal(m(o, "source"), "cache");
	assert_int_equal(fake_dns_count("p.test", DNS_T_MX), 1);
}

/* ---- dump ------------------------------------------------------------ */

static json_t *
dumped(json_t *o, const char *domain)
{
	json_t *e;
	size_t  i;

	json_array_foreach(json_object_get(o, "domains"), i, e)
	{
		if (strcmp(m(e, "domain"), domain) == 0) {
			return (e);
		}
	}
	return (NULL);
}

static long long
num(json_t *o, const char *key)
{
	return ((long long)json_integer_value(json_object_get(o, key)));
}

/* every cached domain with its policy, DANE state and next check; a cap
 * with "truncated" and "total"; nothing looked up by looking */
static void
dump(void **state)
{
	json_t *o, *e;
	char   *text;
	size_t  lookups;

	(void)state;
	o = req("{\"v\":1,\"op\":\"dump\"}");
	expect(o, "ok", NULL);
	assert_int_equal(json_array_size(json_object_get(o, "domains")), 0);
	assert_true(json_is_false(json_object_get(o, "truncated")));

	fw_sts_site("p.test", "p1", "enforce");
	dd_mx("p.test", 1, 3600, p_mx);
	dd_addr("mx1.p.test", 1, 3600, NULL);
	dd_tlsa("mx1.p.test", 1, 3600, 3, 1, 1, 0x0f);
	req("{\"v\":1,\"op\":\"policy\",\"domain\":\"p.test\"}");
	dd_mx("n.test", 0, 3600, (const char *const[]) { "mx.n.test", NULL });
	req("{\"v\":1,\"op\":\"policy\",\"domain\":\"n.test\"}");
	lookups = fake_dns_total();

	o = req("{\"v\":1,\"op\":\"dump\"}");
	expect(o, "ok", NULL);
	assert_int_equal(num(o, "total"), 2);
	assert_true(json_is_false(json_object_get(o, "truncated")));
	assert_non_null(e = dumped(o, "p.test"));
	assert_string_equal(m(e, "sts"), "policy");
	assert_string_equal(m(e, "mode"), "enforce");
	assert_string_equal(m(e, "policy_id"), "p1");
	assert_string_equal(m(e, "source"), "cache");
	assert_int_equal(num(e, "fetched"), T0);
	assert_true(num(e, "expires") > T0);
	assert_true(num(e, "next_check") > T0);
	assert_true(num(e, "next_check") <= num(e, "expires"));
	assert_string_equal(m(e, "dane"), "dane");
	assert_string_equal(m(e, "dane_mx"), "secure");
	assert_int_equal(num(e, "dane_hosts"), 1);
	assert_int_equal(num(e, "dane_usable"), 1);
	assert_non_null(e = dumped(o, "n.test"));
	assert_string_equal(m(e, "sts"), "none");
	assert_null(json_object_get(e, "policy_id"));
	assert_string_equal(m(e, "dane"), "no-dane");
	assert_string_equal(m(e, "dane_mx"), "insecure");
	/* looking looked nothing up */
	assert_int_equal(fake_dns_total(), lookups);

	/* the cap: one of two, most recently used first */
	text = server_dump(&W.svc, 1);
	o    = json_loads(text, 0, NULL);
	free(text);
	assert_non_null(o);
	assert_true(json_is_true(json_object_get(o, "truncated")));
	assert_int_equal(num(o, "total"), 2);
	assert_int_equal(json_array_size(json_object_get(o, "domains")), 1);
	assert_non_null(dumped(o, "n.test"));
	json_decref(o);

	/* a policy only in the store (as after a restart): listed as
	 * "stored", with what the row says */
	{
		struct store_policy sp;
		char                why[128];

		memset(&sp, 0, sizeof(sp));
		snprintf(sp.domain, sizeof(sp.domain), "s.test");
		snprintf(sp.id, sizeof(sp.id), "s9");
		sp.body    = "version: STSv1\r\nmode: testing\r\nmx: "
		             "mx.s.test\r\nmax_age: 86400\r\n";
		sp.len     = strlen(sp.body);
		sp.fetched = T0 - 100;
		sp.expires = T0 - 100 + 86400;
		assert_int_equal(
		        store_policy_put(W.store, &sp, why, sizeof(why)), 0);
	}
	o = req("{\"v\":1,\"op\":\"dump\"}");
	assert_int_equal(num(o, "total"), 3);
	assert_non_null(e = dumped(o, "s.test"));
	assert_string_equal(m(e, "sts"), "stored");
	assert_string_equal(m(e, "policy_id"), "s9");
	assert_string_equal(m(e, "mode"), "testing");
	assert_string_equal(m(e, "source"), "store");
	assert_int_equal(num(e, "expires"), T0 - 100 + 86400);
	assert_null(json_object_get(e, "next_check"));
	/* p.test is in memory and in the store: listed once */
	assert_int_equal(json_array_size(json_object_get(o, "domains")), 3);

	/* purge (flush) one: gone from the dump */
	req("{\"v\":1,\"op\":\"flush\",\"domain\":\"p.test\"}");
	o = req("{\"v\":1,\"op\":\"dump\"}");
	assert_null(dumped(o, "p.test"));
	assert_non_null(dumped(o, "n.test"));
}

/* a domain whose MX RRset is bogus, or whose MTA-STS TXT lookup fails:
 * tempfail, never "no policy" */
static void
policy_tempfail(void **state)
{
	json_t *o;

	(void)state;
	dd_fail("bogus.test", DNS_T_MX, DNS_BOGUS, 0, 0, "signature expired");
	o = req("{\"v\":1,\"op\":\"policy\",\"domain\":\"bogus.test\"}");
	expect(o, "tempfail", NULL);
	assert_string_equal(m(o, "mx_status"), "tempfail");
	assert_int_equal(json_array_size(json_object_get(o, "hosts")), 0);

	fake_dns_set("_mta-sts.sf.test", DNS_T_TXT, DNS_TEMPFAIL, 0, NULL);
	dd_mx("sf.test", 0, 3600,
	        (const char *const[]) { "mx.sf.test", NULL });
	o = req("{\"v\":1,\"op\":\"policy\",\"domain\":\"sf.test\"}");
	expect(o, "tempfail", NULL);
	assert_string_equal(m(o, "mx_status"), "insecure");
	assert_string_equal(
	        m(json_array_get(json_object_get(o, "hosts"), 0), "action"),
	        "defer");
}

/* ---- local overrides ------------------------------------------------- */

static void
overrides(void **state)
{
	struct override_table *t;
	json_t                *o;
	char                   buf[1024];

	(void)state;
	o = req("{\"v\":1,\"op\":\"override_list\"}");
	expect(o, "error", "not available");
	t               = override_table_create(NULL, &W.stats);
	W.svc.overrides = t;
	server_attach(S, &W.svc);
	fw_sts_site("p.test", "p1", "enforce");
	dd_mx("p.test", 1, 3600, p_mx);
	dd_addr("mx1.p.test", 1, 3600, NULL);
	dd_tlsa("mx1.p.test", 1, 3600, 3, 1, 1, 0x0f);

	/* refusals, each with its reason */
	expect(req("{\"v\":1,\"op\":\"override_add\",\"target\":\"192.0.2.1\","
	           "\"action\":\"none\",\"until\":9999999999,\"reason\":"
	           "\"r\"}"),
	        "error", "IP address");
	expect(req("{\"v\":1,\"op\":\"override_add\",\"target\":\"p.test\","
	           "\"action\":\"off\",\"until\":9999999999,\"reason\":"
	           "\"r\"}"),
	        "error", "unknown action");
	snprintf(buf, sizeof(buf),
	        "{\"v\":1,\"op\":\"override_add\",\"target\":\"p.test\","
	        "\"action\":\"defer\",\"until\":%lld,\"reason\":\"r\"}",
	        (long long)T0);
	expect(req(buf), "error", "not in the future");
	expect(req("{\"v\":1,\"op\":\"override_add\",\"target\":\"p.test\","
	           "\"action\":\"defer\",\"until\":\"tomorrow\",\"reason\":"
	           "\"r\"}"),
	        "error", "until");
	expect(req("{\"v\":1,\"op\":\"override_add\",\"target\":\"p.test\","
	           "\"action\":\"defer\",\"until\":9999999999,\"reason\":"
	           "\"\"}"),
	        "error", "reason");
	expect(req("{\"v\":1,\"op\":\"override_add\",\"action\":\"defer\"}"),
	        "error", "target");
	o = req("{\"v\":1,\"op\":\"override_list\"}");
	expect(o, "ok", NULL);
	assert_int_equal(json_array_size(json_object_get(o, "overrides")), 0);

	/* add: in force for the policy reply */
	snprintf(buf, sizeof(buf),
	        "{\"v\":1,\"op\":\"override_add\",\"target\":\"P.test\","
	        "\"action\":\"no-dane\",\"until\":%lld,\"reason\":\"t1\"}",
	        (long long)T0 + 60);
	o = req(buf);
	expect(o, "ok", "added");
	assert_string_equal(
	        m(json_object_get(o, "override"), "target"), "p.test");
	assert_true(json_is_false(json_object_get(o, "replaced")));
	o = req("{\"v\":1,\"op\":\"policy\",\"domain\":\"p.test\"}");
	expect(o, "ok", "local override no-dane for p.test");
	assert_string_equal(
	        m(json_array_get(json_object_get(o, "hosts"), 0), "action"),
	        "verify");
	assert_string_equal(m(json_object_get(o, "override"), "reason"), "t1");
	assert_int_equal(W.stats.overrides_applied_no_dane, 1);
	/* the Prometheus series count the same (metrics_init in main) */
	assert_int_equal(metrics_reg_value(metrics_global(),
	                         M_OVERRIDES_APPLIED, MO_NO_DANE, 0),
	        1);
	assert_int_equal(
	        metrics_reg_value(metrics_global(), M_OVERRIDES_ACTIVE, 0, 0),
	        1);
	o = req("{\"v\":1,\"op\":\"override_list\"}");
	assert_string_equal(
	        m(json_array_get(json_object_get(o, "overrides"), 0),
	                "source"),
	        "cli");
	o = req("{\"v\":1,\"op\":\"stats\"}");
	assert_int_equal(
	        json_integer_value(json_object_get(
	                json_object_get(o, "stats"), "overrides_active")),
	        1);
	/* del with another action: nothing; then deleted */
	o = req("{\"v\":1,\"op\":\"override_del\",\"target\":\"p.test\","
	        "\"action\":\"defer\"}");
	expect(o, "ok", NULL);
	assert_int_equal(json_integer_value(json_object_get(o, "deleted")), 0);
	o = req("{\"v\":1,\"op\":\"override_del\",\"target\":\"p.test\"}");
	assert_int_equal(json_integer_value(json_object_get(o, "deleted")), 1);
	o = req("{\"v\":1,\"op\":\"policy\",\"domain\":\"p.test\"}");
	assert_null(json_object_get(o, "override"));
	assert_string_equal(
	        m(json_array_get(json_object_get(o, "hosts"), 0), "action"),
	        "dane");
	W.svc.overrides = NULL;
	override_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        ping_stats_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(policy, setup, teardown),
		cmocka_unit_test_setup_teardown(dump, setup, teardown),
		cmocka_unit_test_setup_teardown(overrides, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        policy_tempfail, setup, teardown),
	};

	log_init("test_server", 1, 0);
	log_set_level(LOG_LVL_ERR);
	metrics_init();
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
