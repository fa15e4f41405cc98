/*
 * test_filter_outcome.c - table-driven unit tests for the envelope sender
 * of an smtp-out session (modules/opensmtpd/filter_outcome.c): taken from
 * tx-mail in both parameter layouts (0.5: MSGID|ADDRESS|RESULT, 0.6+:
 * MSGID|RESULT|ADDRESS), only when accepted, the null sender omitted, and
 * carried as "sender" in the IPC result request (RFC 8460 §3 report loops).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "filter_outcome.h"

#define CONNECT                                                               \
	"link-connect mx1|pass|127.0.0.1:4000|127.0.0.2:25\n"                 \
	"protocol-server 250-STARTTLS\nprotocol-client STARTTLS\n"            \
	"link-tls TLSv1.3:TLS_AES_256_GCM_SHA384:256\n"

struct sender_case {
	const char *events; /* "event params" lines */
	int         vminor; /* protocol 0.vminor */
	const char *sender; /* what the session keeps ("" none) */
	const char *result; /* its classification, NULL: none */
};

static const struct sender_case cases[] = {
	/* 6.8 (0.6): MSGID|RESULT|ADDRESS, as smtpd sends it */
	{ CONNECT "tx-begin e50757fb\ntx-mail e50757fb|ok|tlsrpt-noreply@vm\n"
	          "tx-rcpt e50757fb|ok|u@enforce.test\n",
	        6, "tlsrpt-noreply@vm", "success" },
	{ CONNECT "tx-mail 1|ok|alice@smtpd.test\n", 7, "alice@smtpd.test",
	        "success" },
	/* 0.5: MSGID|ADDRESS|RESULT */
	{ CONNECT "tx-mail 1|bob@smtpd.test|ok\n", 5, "bob@smtpd.test",
	        "success" },
	/* the 0.6 layout read as 0.5: result "bob@..." is not ok */
	{ CONNECT "tx-mail 1|ok|bob@smtpd.test\n", 5, "", "success" },
	/* the 0.5 layout read as 0.6: result "bob@..." is not ok */
	{ CONNECT "tx-mail 1|bob@smtpd.test|ok\n", 6, "", "success" },
	/* not accepted: no sender, but MAIL FROM was sent over TLS */
	{ CONNECT "tx-mail 1|tempfail|carol@smtpd.test\n", 6, "", "success" },
	{ CONNECT "tx-mail 1|permfail|carol@smtpd.test\n", 6, "", "success" },
	{ CONNECT "tx-mail 1|carol@smtpd.test|permfail\n", 5, "", "success" },
	/* the null sender is no sender; a later real one is taken */
	{ CONNECT "tx-mail 1|ok|\n", 6, "", "success" },
	{ CONNECT "tx-mail 1|ok|<>\n", 6, "", "success" },
	{ CONNECT "tx-mail 1||ok\ntx-mail 2|dave@smtpd.test|ok\n", 5,
	        "dave@smtpd.test", "success" },
	/* enclosing brackets removed */
	{ CONNECT "tx-mail 1|ok|<erin@smtpd.test>\n", 6, "erin@smtpd.test",
	        "success" },
	/* the first accepted sender of a reused session is kept */
	{ CONNECT "tx-mail 1|tempfail|x@smtpd.test\n"
	          "tx-mail 2|ok|first@smtpd.test\n"
	          "tx-mail 3|ok|second@smtpd.test\n",
	        6, "first@smtpd.test", "success" },
	/* malformed: too few fields */
	{ CONNECT "tx-mail 1|ok\n", 6, "", "success" },
	{ CONNECT "tx-mail \n", 6, "", "success" },
	/* an address with '|' stays whole in the 0.6 layout (last field) */
	{ CONNECT "tx-mail 1|ok|a|b@smtpd.test\n", 6, "a|b@smtpd.test",
	        "success" },
	/* ... and breaks the 0.5 layout's result: not taken */
	{ CONNECT "tx-mail 1|a|b@smtpd.test|ok\n", 5, "", "success" },
	/* failed before MAIL FROM: no tx-mail, no sender */
	{ "link-connect mx1|pass|127.0.0.1:4000|127.0.0.7:25\n"
	  "protocol-server 250 STARTTLS\nprotocol-client STARTTLS\n"
	  "link-tls TLSv1.3:X:256\n",
	        6, "", "validation-failure" },
};

/* feed - run "event params" lines through filter_outcome_event. */
static void
feed(struct filter_outcome *o, const char *events, int vminor)
{
	char buf[2048], *line, *save = NULL;

	memset(o, 0, sizeof(*o));
	snprintf(buf, sizeof(buf), "%s", events);
	for (line    = strtok_r(buf, "\n", &save); line != NULL;
	        line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		*sp++    = '\0';
		filter_outcome_event(o, line, sp, 0, vminor);
	}
}

static void
test_sender(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sender_case *c = &cases[i];
		struct filter_outcome     o;
		char                      reason[256];
		const char               *r;

		feed(&o, c->events, c->vminor);
		if (strcmp(o.sender, c->sender) != 0) {
			fail_msg("case %zu: sender '%s', want '%s'", i,
			        o.sender, c->sender);
		}
		r = filter_outcome_classify(&o, reason, sizeof(reason));
		assert_non_null(r);
		assert_string_equal(r, c->result);
	}
}

static void
test_sender_limits(void **state)
{
	char out[255], addr[300];

	(void)state;
	/* 254 bytes fit (mxtlsd's limit), 255 do not: never cut short */
	memset(addr, 'a', sizeof(addr));
	memcpy(addr + 250, "@b.c", 4);
	addr[254] = '\0';
	assert_int_equal(filter_outcome_sender(addr, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 254);
	memset(addr, 'a', sizeof(addr));
	memcpy(addr + 251, "@b.c", 4);
	addr[255] = '\0';
	assert_int_equal(filter_outcome_sender(addr, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	/* with brackets, the 254 inner bytes still fit */
	addr[0] = '<';
	memset(addr + 1, 'a', 250);
	memcpy(addr + 251, "@b.c>", 6);
	assert_int_equal(filter_outcome_sender(addr, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), 254);
	/* control characters: what mxtlsd refuses */
	assert_int_equal(
	        filter_outcome_sender("a\tb@c.test", out, sizeof(out)), -1);
	assert_int_equal(
	        filter_outcome_sender("a\rb@c.test", out, sizeof(out)), -1);
	assert_int_equal(
	        filter_outcome_sender("a\x7f@c.test", out, sizeof(out)), -1);
	assert_string_equal(out, "");
	/* null sender */
	assert_int_equal(filter_outcome_sender("", out, sizeof(out)), -1);
	assert_int_equal(filter_outcome_sender("<>", out, sizeof(out)), -1);
	/* a lone bracket is kept as it is */
	assert_int_equal(filter_outcome_sender("<a@b", out, sizeof(out)), 0);
	assert_string_equal(out, "<a@b");
	/* a control character in tx-mail: the session has no sender */
	{
		struct filter_outcome o;
		char                  p[] = "1|ok|a\x01@b.test";

		memset(&o, 0, sizeof(o));
		filter_outcome_event(&o, "tx-mail", p, 0, 6);
		assert_string_equal(o.sender, "");
		assert_int_equal(o.tx, 1);
	}
}

/* request - the encoded "result" request for the session, parsed back */
static json_t *
request(const struct filter_outcome *o, const char *domain,
        const char *mx_host, const char *result, const char *reason,
        const char *ptype)
{
	struct proto_result r;
	char               *text;
	json_t             *req;

	filter_outcome_request(o, domain, mx_host, result, reason, ptype, &r);
	if ((text = proto_result_encode(&r)) == NULL) {
		return (NULL);
	}
	req = json_loads(text, 0, NULL);
	free(text);
	return (req);
}

static void
test_request(void **state)
{
	struct filter_outcome o;
	json_t               *req;
	char                  reason[256];
	const char           *r;

	(void)state;
	feed(&o,
	        CONNECT "tx-mail 1|ok|tlsrpt-noreply@vm\n"
	                "tx-rcpt 1|ok|u@enforce.test\n",
	        6);
	r   = filter_outcome_classify(&o, reason, sizeof(reason));
	req = request(
	        &o, "enforce.test", "mx1.enforce.test", r, reason, "sts");
	assert_non_null(req);
	assert_string_equal(
	        json_string_value(json_object_get(req, "op")), "result");
	assert_string_equal(
	        json_string_value(json_object_get(req, "policy_type")), "sts");
	assert_string_equal(json_string_value(json_object_get(req, "domain")),
	        "enforce.test");
	assert_string_equal(json_string_value(json_object_get(req, "mx_host")),
	        "mx1.enforce.test");
	assert_string_equal(
	        json_string_value(json_object_get(req, "result")), "success");
	assert_string_equal(
	        json_string_value(json_object_get(req, "sending_ip")),
	        "127.0.0.1");
	assert_string_equal(
	        json_string_value(json_object_get(req, "receiving_ip")),
	        "127.0.0.2");
	assert_string_equal(json_string_value(json_object_get(req, "sender")),
	        "tlsrpt-noreply@vm");
	assert_null(json_object_get(req, "failure_reason"));
	json_decref(req);

	/* null sender: no "sender" member; a failure has its reason */
	feed(&o,
	        "link-connect mx1|pass|127.0.0.1:4000|127.0.0.7:25\n"
	        "protocol-server 250 STARTTLS\nprotocol-client STARTTLS\n"
	        "link-tls TLSv1.3:X:256\n",
	        6);
	r   = filter_outcome_classify(&o, reason, sizeof(reason));
	req = request(&o, "badcert.test", "mx1.badcert.test", r, reason,
	        "no-policy-found");
	assert_non_null(req);
	assert_null(json_object_get(req, "sender"));
	assert_string_equal(json_string_value(json_object_get(req, "result")),
	        "validation-failure");
	assert_true(json_is_string(json_object_get(req, "failure_reason")));
	json_decref(req);

	feed(&o, CONNECT "tx-mail 1|ok|<>\n", 6);
	req = request(
	        &o, "enforce.test", "mx1.enforce.test", "success", "", NULL);
	assert_non_null(req);
	assert_null(json_object_get(req, "sender"));
	assert_null(json_object_get(req, "policy_type"));
	json_decref(req);

	/* a sender that is not UTF-8: the result goes without it */
	feed(&o, CONNECT "tx-mail 1|ok|\xff\xfe@smtpd.test\n", 6);
	assert_string_equal(o.sender, "\xff\xfe@smtpd.test");
	req = request(&o, "enforce.test", "mx1.enforce.test", "success", NULL,
	        "sts");
	assert_non_null(req);
	assert_null(json_object_get(req, "sender"));
	json_decref(req);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sender),
		cmocka_unit_test(test_sender_limits),
		cmocka_unit_test(test_request),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
