/*
 * test_decision.c - the "policy" reply codec (common/decision.c,
 * docs/IPC.md "policy"): replies as the daemon sends them decode and
 * encode back byte for byte; the decoder's edges (what is absent, what is
 * refused); the action vocabulary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decision.h"

/* Replies as mxtlsd's arbiter encodes them (unit/test_arbiter's cases and
 * a found TLSRPT record): decode then encode gives the same bytes. */
static const char *const golden[] = {
	"{\"v\":1,\"domain\":\"d.test\",\"status\":\"ok\",\"policy\":\"dane\","
	"\"mode\":\"enforce\",\"mx\":[\"mx1.d.test\"],\"policy_id\":\"id1\","
	"\"max_age\":86400,\"fetched\":0,\"source\":\"fetched\",\"expires\":0,"
	"\"mx_status\":\"secure\",\"dane_why\":\"dane why\",\"hosts\":[{"
	"\"host\":\"mx0.d.test\",\"pref\":0,\"action\":\"dane\",\"dane\":"
	"\"usable\",\"sts\":\"nomatch\",\"tlsa\":[{\"usage\":3,\"selector\":1,"
	"\"mtype\":1,\"data\":\"ab00\"}],\"tlsa_name\":\"_25._tcp.mx0.d."
	"test\","
	"\"why\":\"DANE: 1 usable TLSA records\"},{\"host\":\"mx1.d.test\","
	"\"pref\":10,\"action\":\"verify\",\"dane\":\"none\",\"sts\":"
	"\"match\","
	"\"tlsa\":[],\"tlsa_name\":\"_25._tcp.mx1.d.test\",\"why\":\"MTA-STS "
	"enforce\"}],\"tlsrpt\":{\"status\":\"tempfail\",\"why\":\"not looked "
	"up\"},\"why\":\"sts why\"}",
	"{\"v\":1,\"domain\":\"d.test\",\"status\":\"ok\",\"policy\":\"none\","
	"\"source\":\"fetched\",\"expires\":0,\"mx_status\":\"insecure\","
	"\"dane_why\":\"dane "
	"why\",\"hosts\":[{\"host\":\"mx0.d.test\",\"pref\":"
	"0,\"action\":\"may\",\"dane\":\"none\",\"sts\":\"none\",\"tlsa\":[],"
	"\"why\":\"no DANE\"}],\"tlsrpt\":{\"status\":\"found\",\"rua\":["
	"\"mailto:r@d.test\",\"https://r.d.test/v1\"]},\"why\":\"sts why\"}",
	"{\"v\":1,\"domain\":\"d.test\",\"status\":\"tempfail\",\"policy\":"
	"\"none\",\"mx_status\":\"tempfail\",\"dane_why\":\"x\",\"hosts\":[],"
	"\"tlsrpt\":{\"status\":\"none\",\"why\":\"no record\"},\"why\":\"MX "
	"lookup: DNSSEC validation failed\"}",
	"{\"v\":1,\"domain\":\"n.test\",\"status\":\"ok\",\"policy\":\"none\","
	"\"mx_status\":\"null\",\"dane_why\":\"\",\"hosts\":[],\"tlsrpt\":{"
	"\"status\":\"none\",\"why\":\"\"},\"why\":\"n.test publishes a null "
	"MX (RFC 7505): it accepts no mail\"}",
	/* what the daemon sends for a bad request: no more members */
	"{\"v\":1,\"status\":\"error\",\"why\":\"invalid domain\"}",
};

static void
test_golden(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
		struct decision d;
		char            why[128], *s;
		json_t         *o;

		assert_int_equal(decision_decode(golden[i], strlen(golden[i]),
		                         &d, why, sizeof(why)),
		        0);
		assert_non_null(o = decision_encode(&d));
		s = json_dumps(o, JSON_COMPACT);
		if (strcmp(s, golden[i]) != 0)
			fail_msg("case %zu:\n got %s\nwant %s", i, s,
			        golden[i]);
		free(s);
		json_decref(o);
		decision_clear(&d);
	}
}

struct decode_case {
	const char          *json;
	int                  rv;
	enum decision_status status;
	enum decision_policy policy;
	enum decision_mode   mode;
	int                  has_hosts;
	size_t               nhosts;
	enum decision_action act0; /* of the first host */
	const char          *why;  /* substring of why (rv -1) or d.why */
};

#define OK     DECISION_OK
#define TEMP   DECISION_TEMPFAIL
#define ERR    DECISION_ERROR
#define P_NONE DECISION_POLICY_NONE
#define P_STS  DECISION_POLICY_STS
#define P_DANE DECISION_POLICY_DANE
#define P_UNK  DECISION_POLICY_UNKNOWN
#define M_ABS  DECISION_MODE_ABSENT
#define A_UNK  DECISION_ACT_UNKNOWN

static const struct decode_case decode_cases[] = {
	/* every status the protocol has */
	{ "{\"status\":\"ok\",\"policy\":\"sts\",\"mode\":\"testing\","
	  "\"hosts\":[{\"host\":\"mx\",\"action\":\"may\"}]}",
	        0, OK, P_STS, DECISION_MODE_TESTING, 1, 1, DECISION_ACT_MAY,
	        "" },
	{ "{\"status\":\"tempfail\",\"why\":\"bogus\"}", 0, TEMP, P_UNK, M_ABS,
	        0, 0, A_UNK, "bogus" },
	{ "{\"status\":\"error\",\"why\":\"bad\"}", 0, ERR, P_UNK, M_ABS, 0, 0,
	        A_UNK, "bad" },
	/* not a policy reply: refused with a reason */
	{ "{\"status\":\"maybe\"}", -1, 0, 0, 0, 0, 0, 0, "unknown status" },
	{ "{\"status\":\"OK\"}", -1, 0, 0, 0, 0, 0, 0, "unknown status" },
	{ "{\"status\":1}", -1, 0, 0, 0, 0, 0, 0, "no status" },
	/* jansson refuses \u0000 without JSON_ALLOW_NUL */
	{ "{\"status\":\"ok\\u0000x\"}", -1, 0, 0, 0, 0, 0, 0,
	        "not a JSON object" },
	{ "{}", -1, 0, 0, 0, 0, 0, 0, "no status" },
	{ "[]", -1, 0, 0, 0, 0, 0, 0, "not a JSON object" },
	{ "", -1, 0, 0, 0, 0, 0, 0, "not a JSON object" },
	{ "{\"status\":\"ok\",\"status\":\"ok\"}", -1, 0, 0, 0, 0, 0, 0,
	        "not a JSON object" },
	/* members of the wrong type are absent */
	{ "{\"status\":\"ok\",\"hosts\":{}}", 0, OK, P_UNK, M_ABS, 0, 0, A_UNK,
	        "" },
	{ "{\"status\":\"ok\",\"policy\":\"DANE\",\"mode\":7,\"hosts\":[]}", 0,
	        OK, P_UNK, M_ABS, 1, 0, A_UNK, "" },
	{ "{\"status\":\"ok\",\"mode\":\"strict\",\"hosts\":[]}", 0, OK, P_UNK,
	        DECISION_MODE_UNKNOWN, 1, 0, A_UNK, "" },
	/* one host per element, whatever it is; unknown actions unused */
	{ "{\"status\":\"ok\",\"hosts\":[1,{\"host\":\"a\"}]}", 0, OK, P_UNK,
	        M_ABS, 1, 2, A_UNK, "" },
	{ "{\"status\":\"ok\",\"hosts\":[{\"host\":\"a\",\"action\":"
	  "\"unknown\"}]}",
	        0, OK, P_UNK, M_ABS, 1, 1, A_UNK, "" },
	{ "{\"status\":\"ok\",\"hosts\":[{\"host\":\"a\",\"action\":"
	  "\"Dane\"}]}",
	        0, OK, P_UNK, M_ABS, 1, 1, A_UNK, "" },
	{ "{\"status\":\"ok\",\"policy\":\"dane\",\"hosts\":[{\"host\":\"a\","
	  "\"action\":\"dane\"}]}",
	        0, OK, P_DANE, M_ABS, 1, 1, DECISION_ACT_DANE, "" },
	{ "{\"status\":\"ok\",\"policy\":\"none\",\"hosts\":[]}", 0, OK,
	        P_NONE, M_ABS, 1, 0, A_UNK, "" },
};

static void
test_decode(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
		const struct decode_case *c = &decode_cases[i];
		struct decision           d;
		char                      why[128] = "";
		int                       rv;

		rv = decision_decode(
		        c->json, strlen(c->json), &d, why, sizeof(why));
		if (rv != c->rv)
			fail_msg("case %zu: rv %d (%s)", i, rv, why);
		if (rv != 0) {
			if (strstr(why, c->why) == NULL)
				fail_msg("case %zu: why \"%s\"", i, why);
			assert_int_equal(d.nhosts, 0);
			assert_null(d.why);
			decision_clear(&d);
			continue;
		}
		assert_int_equal(d.status, c->status);
		assert_int_equal(d.policy, c->policy);
		assert_int_equal(d.mode, c->mode);
		assert_int_equal(d.has_hosts, c->has_hosts);
		assert_int_equal(d.nhosts, c->nhosts);
		if (d.nhosts > 0)
			assert_int_equal(d.hosts[0].action, c->act0);
		assert_non_null(strstr(d.why ? d.why : "", c->why));
		decision_clear(&d);
		assert_int_equal(d.nhosts, 0);
		assert_null(d.hosts);
	}
}

static void
test_vocabulary(void **state)
{
	static const char *const words[]
	        = { "skip", "defer", "may", "encrypt", "verify", "dane" };
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++) {
		enum decision_action a = decision_action_of(words[i]);

		assert_int_not_equal(a, DECISION_ACT_UNKNOWN);
		assert_string_equal(decision_action_name(a), words[i]);
	}
	/* in order of strictness */
	assert_true(DECISION_ACT_SKIP < DECISION_ACT_DEFER);
	assert_true(DECISION_ACT_DEFER < DECISION_ACT_MAY);
	assert_true(DECISION_ACT_MAY < DECISION_ACT_ENCRYPT);
	assert_true(DECISION_ACT_ENCRYPT < DECISION_ACT_VERIFY);
	assert_true(DECISION_ACT_VERIFY < DECISION_ACT_DANE);
	assert_int_equal(decision_action_of(NULL), DECISION_ACT_UNKNOWN);
	assert_int_equal(decision_action_of(""), DECISION_ACT_UNKNOWN);
	assert_int_equal(decision_action_of("unknown"), DECISION_ACT_UNKNOWN);
	assert_int_equal(decision_action_of("DANE"), DECISION_ACT_UNKNOWN);
	assert_string_equal(
	        decision_action_name(DECISION_ACT_UNKNOWN), "unknown");
	assert_string_equal(
	        decision_action_name((enum decision_action)99), "unknown");
	assert_string_equal(
	        decision_status_name(DECISION_TEMPFAIL), "tempfail");
	assert_string_equal(
	        decision_sts_name(DECISION_STS_NOMATCH), "nomatch");
	assert_string_equal(decision_mode_name(DECISION_MODE_ABSENT), "");
	assert_string_equal(
	        decision_tlsrpt_name(DECISION_TLSRPT_FOUND), "found");
}

static void
test_best(void **state)
{
	static const struct {
		const char          *hosts;
		enum decision_action best;
	} cases[] = {
		{ "[]", DECISION_ACT_MAY },
		{ "[{\"action\":\"skip\"},{\"action\":\"defer\"}]",
		        DECISION_ACT_MAY },
		{ "[{\"action\":\"may\"},{\"action\":\"encrypt\"}]",
		        DECISION_ACT_ENCRYPT },
		{ "[{\"action\":\"verify\"},{\"action\":\"dane\"},"
		  "{\"action\":\"defer\"}]",
		        DECISION_ACT_DANE },
		{ "[{\"action\":\"bogus\"}]", DECISION_ACT_MAY },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct decision d;
		char            json[256], why[64];

		snprintf(json, sizeof(json),
		        "{\"status\":\"ok\",\"hosts\":%s}", cases[i].hosts);
		assert_int_equal(decision_decode(json, strlen(json), &d, why,
		                         sizeof(why)),
		        0);
		assert_int_equal(decision_best(&d), cases[i].best);
		decision_clear(&d);
	}
}

/* an empty decision encodes only what it has */
static void
test_encode_minimal(void **state)
{
	struct decision d;
	json_t         *o;
	char           *s;

	(void)state;
	decision_init(&d);
	d.status = DECISION_TEMPFAIL;
	d.policy = DECISION_POLICY_UNKNOWN;
	assert_int_equal(decision_strdup(&d.why, "stopping"), 0);
	o = decision_encode(&d);
	s = json_dumps(o, JSON_COMPACT);
	assert_string_equal(
	        s, "{\"v\":1,\"status\":\"tempfail\",\"why\":\"stopping\"}");
	free(s);
	json_decref(o);
	decision_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_vocabulary),
		cmocka_unit_test(test_best),
		cmocka_unit_test(test_encode_minimal),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
