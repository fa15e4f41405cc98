/*
 * test_tlsrpt_smtp.c - one report mail by SMTP (cached/tlsrpt/tlsrpt_smtp.c,
 * RFC 8460 §5.3, docs/DECISIONS.md T14) without a network: what a finished
 * submission means (accepted only on success; the relay's 4xx/5xx reply,
 * else libcurl's error, as the reason) and the message the easy handle
 * sends (CRLF line ends, existing CRLFs kept, size announced). The relay
 * URL check and the reply lines are in test_tlsrpt_send.c, the
 * submissions themselves in tests/integration/test_tlsrpt_smtp.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "tlsrpt/tlsrpt_smtp.h"

struct result_case {
	CURLcode    rc;
	const char *errbuf;
	const char *lines[3]; /* reply lines heard, NULL-ended */
	int         ok;
	const char *why;
};

static const struct result_case result_cases[] = {
	{ CURLE_OK, "", { "250 2.0.0 Ok: queued as 4F", NULL }, 1,
	        "accepted by the SMTP relay: 250 2.0.0 Ok: queued as 4F" },
	{ CURLE_OK, "", { NULL }, 1, "accepted by the SMTP relay: 250" },
	{ CURLE_RECV_ERROR, "",
	        { "250 ok", "550 5.7.1 relaying denied", "221 bye" }, 0,
	        "SMTP 550 5.7.1 relaying denied (Failure when receiving data "
	        "from the peer)" },
	{ CURLE_WEIRD_SERVER_REPLY, "RCPT failed: 451",
	        { "451 4.3.0 try later", NULL }, 0,
	        "SMTP 451 4.3.0 try later (RCPT failed: 451)" },
	{ CURLE_COULDNT_CONNECT, "Failed to connect to 127.0.0.1 port 25",
	        { NULL }, 0,
	        "SMTP relay smtp://127.0.0.1:25/example.org: Failed to "
	        "connect to 127.0.0.1 port 25" },
	{ CURLE_OPERATION_TIMEDOUT, NULL, { "220 hello", "250 ok", NULL }, 0,
	        "SMTP relay smtp://127.0.0.1:25/example.org: Timeout was "
	        "reached" },
	/* a 3xx is no failure reply: libcurl's error names it */
	{ CURLE_SEND_ERROR, "", { "354 go on", NULL }, 0,
	        "SMTP relay smtp://127.0.0.1:25/example.org: Failed sending "
	        "data to the peer" },
};

static void
test_result(void **state)
{
	size_t i, j;
	char   why[256];

	(void)state;
	for (i = 0; i < sizeof(result_cases) / sizeof(result_cases[0]); i++) {
		const struct result_case *c = &result_cases[i];
		struct tlsrpt_smtp        x;
		int                       ok;

		memset(&x, 0, sizeof(x));
		for (j = 0; j < 3 && c->lines[j] != NULL; j++)
			tlsrpt_send_smtp_line(
			        &x.reply, c->lines[j], strlen(c->lines[j]));
		ok = tlsrpt_smtp_result(&x, c->rc, c->errbuf,
		        "smtp://127.0.0.1:25/example.org", why, sizeof(why));
		if (ok != c->ok || strcmp(why, c->why) != 0)
			print_error("case %zu: %d \"%s\"\n", i, ok, why);
		assert_int_equal(ok, c->ok);
		assert_string_equal(why, c->why);
	}
}

struct setup_case {
	const char *msg;
	const char *want; /* what the relay is sent (before dot-stuffing) */
};

static const struct setup_case setup_cases[] = {
	{ "Subject: x\n\nbody\n", "Subject: x\r\n\r\nbody\r\n" },
	{ "Subject: x\r\n\r\nbody\r\n", "Subject: x\r\n\r\nbody\r\n" },
	{ "a\nb\r\nc\n\n", "a\r\nb\r\nc\r\n\r\n" },
	{ "\n", "\r\n" },
	{ "no end", "no end" },
	{ "", "" },
};

static void
test_setup(void **state)
{
	size_t                   i;
	char                     why[256];
	struct tlsrpt_smtp_relay relay;

	(void)state;
	memset(&relay, 0, sizeof(relay));
	relay.url                = "smtp://127.0.0.1:25/example.org";
	relay.loopback           = 1;
	relay.ca_file            = "/nonexistent/ca.pem";
	relay.from               = "tlsrpt@example.org";
	relay.connect_timeout_ms = 1000;
	relay.timeout_ms         = 60000;
	for (i = 0; i < sizeof(setup_cases) / sizeof(setup_cases[0]); i++) {
		struct tlsrpt_smtp x;
		CURL              *easy = curl_easy_init();

		assert_non_null(easy);
		memset(&x, 0, sizeof(x));
		why[0] = '\0';
		assert_int_equal(tlsrpt_smtp_setup(&x, easy, &relay,
		                         "reports@example.net",
		                         setup_cases[i].msg, why, sizeof(why)),
		        0);
		assert_string_equal(why, "");
		assert_int_equal(x.msglen, strlen(setup_cases[i].want));
		assert_memory_equal(x.msg, setup_cases[i].want,
		        strlen(setup_cases[i].want));
		assert_int_equal(x.msgoff, 0);
		assert_non_null(x.rcpt);
		assert_string_equal(x.rcpt->data, "<reports@example.net>");
		assert_null(x.rcpt->next);
		curl_easy_cleanup(easy);
		tlsrpt_smtp_clear(&x);
		assert_null(x.msg);
		assert_null(x.rcpt);
		tlsrpt_smtp_clear(&x); /* twice is harmless */
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result),
		cmocka_unit_test(test_setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
