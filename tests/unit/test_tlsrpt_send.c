/*
 * test_tlsrpt_send.c - the pure part of report delivery (RFC 8460 §5.2):
 * the gzip form every report is sent in, the check of the SMTP relay URL
 * (tlsrpt.smtp: scheme, EHLO name, loopback) and the SMTP reply text kept
 * for the failure reason (RFC 5321 §4.2). The mail form is in
 * test_tlsrpt_mail.c; the deliveries themselves in
 * tests/integration/test_tlsrpt*.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "tlsrpt/tlsrpt_send.h"

static char *
gunzip(const unsigned char *in, size_t len)
{
	z_stream z;
	char    *out = calloc(1, 65536);

	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in   = (unsigned char *)(uintptr_t)in;
	z.avail_in  = (uInt)len;
	z.next_out  = (unsigned char *)out;
	z.avail_out = 65535;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	inflateEnd(&z);
	return (out);
}

static void
test_gzip(void **state)
{
	const char     json[] = "{\"organization-name\":\"x\"}";
	unsigned char *gz;
	size_t         n;
	char          *back;

	(void)state;
	assert_int_equal(tlsrpt_send_gzip(json, strlen(json), &gz, &n), 0);
	assert_true(n > 10 && gz[0] == 0x1f && gz[1] == 0x8b);
	back = gunzip(gz, n);
	assert_string_equal(back, json);
	free(back);
	free(gz);
}

static const struct {
	const char *relay;
	int         rc;
	const char *url; /* or the start of why */
	int         loopback;
} url_cases[] = {
	{ "smtp://127.0.0.1:25", 0, "smtp://127.0.0.1:25/sender.test", 1 },
	{ "smtp://127.0.0.1", 0, "smtp://127.0.0.1/sender.test", 1 },
	{ "smtp://127.0.0.1:25/", 0, "smtp://127.0.0.1:25/sender.test", 1 },
	{ "smtp://127.255.0.9:2525", 0, "smtp://127.255.0.9:2525/sender.test",
	        1 },
	{ "smtp://localhost:25", 0, "smtp://localhost:25/sender.test", 1 },
	{ "smtp://LOCALHOST", 0, "smtp://LOCALHOST/sender.test", 1 },
	{ "smtp://[::1]:25", 0, "smtp://[::1]:25/sender.test", 1 },
	{ "smtp://127.0.0.1:25/mx.example", 0,
	        "smtp://127.0.0.1:25/mx.example", 1 },
	/* not loopback: STARTTLS when offered, verified */
	{ "smtp://128.0.0.1", 0, "smtp://128.0.0.1/sender.test", 0 },
	{ "smtp://126.255.255.255", 0, "smtp://126.255.255.255/sender.test",
	        0 },
	{ "smtp://[::2]", 0, "smtp://[::2]/sender.test", 0 },
	{ "smtp://relay.example:587", 0,
	        "smtp://relay.example:587/sender.test", 0 },
	{ "smtp://localhost.example", 0,
	        "smtp://localhost.example/sender.test", 0 },
	{ "smtps://127.0.0.1:465", 0, "smtps://127.0.0.1:465/sender.test", 1 },
	/* refused */
	{ "http://127.0.0.1", -1,
	        "tlsrpt.smtp \"http://127.0.0.1\": the scheme", 0 },
	{ "127.0.0.1:25", -1, "tlsrpt.smtp \"127.0.0.1:25\": not a URL", 0 },
	{ "smtp://u:p@127.0.0.1", -1,
	        "tlsrpt.smtp \"smtp://u:p@127.0.0.1\": SMTP authentication",
	        0 },
	{ "smtp://127.0.0.1/?x", -1,
	        "tlsrpt.smtp \"smtp://127.0.0.1/?x\": no query", 0 },
	{ "smtp://127.0.0.1#f", -1,
	        "tlsrpt.smtp \"smtp://127.0.0.1#f\": no query", 0 },
	{ "smtp://", -1, "tlsrpt.smtp \"smtp://\": not a URL", 0 },
	{ "", -1, "tlsrpt.smtp \"\": not a URL", 0 },
};

static void
test_smtp_url(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		char out[256] = "", why[256] = "";
		int  lb = -1, rc;

		rc = tlsrpt_send_smtp_url(url_cases[i].relay, "sender.test",
		        out, sizeof(out), &lb, why, sizeof(why));
		if (rc != url_cases[i].rc) {
			fail_msg(
			        "%s: rc %d (%s)", url_cases[i].relay, rc, why);
		}
		if (rc == 0) {
			assert_string_equal(out, url_cases[i].url);
			if (lb != url_cases[i].loopback) {
				fail_msg("%s: loopback %d", url_cases[i].relay,
				        lb);
			}
		} else if (strncmp(why, url_cases[i].url,
		                   strlen(url_cases[i].url))
		        != 0) {
			fail_msg("%s: why \"%s\"", url_cases[i].relay, why);
		}
	}
	/* too long for the buffer: refused, not cut */
	{
		char out[20], why[256];
		int  lb;

		assert_int_equal(tlsrpt_send_smtp_url("smtp://127.0.0.1:25",
		                         "sender.test", out, sizeof(out), &lb,
		                         why, sizeof(why)),
		        -1);
		assert_non_null(strstr(why, "too long"));
	}
}

static void
feed(struct tlsrpt_smtp_reply *r, const char *line)
{
	tlsrpt_send_smtp_line(r, line, strlen(line));
}

static void
test_smtp_reply(void **state)
{
	struct tlsrpt_smtp_reply r;

	(void)state;
	memset(&r, 0, sizeof(r));
	feed(&r, "220 mx ESMTP Exim 4.96\r\n");
	assert_string_equal(r.text, "220 mx ESMTP Exim 4.96");
	assert_int_equal(r.code, 220);
	/* a multiline reply: the code once, lines joined */
	feed(&r, "250-mx Hello\r\n");
	assert_int_equal(r.code, 220); /* not complete yet */
	feed(&r, "250-SIZE 52428800\r\n");
	feed(&r, "250 HELP\r\n");
	assert_string_equal(r.text, "250 mx Hello SIZE 52428800 HELP");
	assert_int_equal(r.code, 250);
	/* the next reply replaces it */
	feed(&r, "550 nobody@rptbounce.test: no such mailbox\r\n");
	assert_string_equal(
	        r.text, "550 nobody@rptbounce.test: no such mailbox");
	assert_int_equal(r.code, 550);
	/* a failure stays: what follows it is no reason */
	feed(&r, "221 mx closing connection\r\n");
	assert_int_equal(r.code, 550);
	feed(&r, "250 OK\r\n");
	assert_string_equal(
	        r.text, "550 nobody@rptbounce.test: no such mailbox");
	assert_int_equal(r.code, 550);
	memset(&r, 0, sizeof(r));
	/* the answer to QUIT is skipped after a success too */
	feed(&r, "250 OK id=1xabIG-00081E-34\r\n");
	feed(&r, "221-mx\r\n");
	feed(&r, "221 closing connection\r\n");
	assert_string_equal(r.text, "250 OK id=1xabIG-00081E-34");
	assert_int_equal(r.code, 250);
	feed(&r, "451-4.7.1 try\n");
	feed(&r, "451 4.7.1 later\n");
	assert_string_equal(r.text, "451 4.7.1 try 4.7.1 later");
	assert_int_equal(r.code, 451);
	/* a bare code; control characters made printable */
	memset(&r, 0, sizeof(r));
	feed(&r, "354");
	assert_string_equal(r.text, "354");
	assert_int_equal(r.code, 354);
	feed(&r, "554 bad\x01\x7f\xff text\r\n");
	assert_int_equal(r.code, 554);
	assert_string_equal(r.text, "554 bad??? text");
	/* what is not a reply line is ignored */
	feed(&r, "hello\r\n");
	feed(&r, "25\r\n");
	feed(&r, "");
	assert_string_equal(r.text, "554 bad??? text");
	assert_int_equal(r.code, 554);
	/* a long reply is cut, still terminated */
	{
		char line[600];

		memset(&r, 0, sizeof(r));
		memset(line, 'x', sizeof(line));
		memcpy(line, "550 ", 4);
		tlsrpt_send_smtp_line(&r, line, sizeof(line));
		assert_int_equal(strlen(r.text), sizeof(r.text) - 1);
		assert_int_equal(r.code, 550);
		assert_memory_equal(r.text, "550 xxx", 7);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_smtp_url),
		cmocka_unit_test(test_smtp_reply),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
