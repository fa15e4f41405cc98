/*
 * test_tlsrpt_mail.c - the mail form of a report (RFC 8460 §5.3):
 * mailto: addresses, the file name, the MIME structure, and the reason
 * given for a failed sendmail command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include <sys/wait.h>

#include "tlsrpt/tlsrpt_mail.h"
#include "tlsrpt/tlsrpt_send.h" /* tlsrpt_send_gzip */

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

static const struct {
	const char *uri;
	const char *addr; /* NULL: refused */
} mcases[] = {
	{ "mailto:tlsrpt@example.com", "tlsrpt@example.com" },
	{ "MAILTO:a.b+c@Example.COM?subject=x", "a.b+c@Example.COM" },
	{ "mailto:t%40x@example.com", NULL },
	{ "mailto:tls%2Brpt@example.com", "tls+rpt@example.com" },
	{ "mailto:a@b@c.com", NULL },
	{ "mailto:@example.com", NULL },
	{ "mailto:a@", NULL },
	{ "mailto:a@exa mple.com", NULL },
	{ "mailto:a%0d%0aBcc:x@example.com", NULL },
	{ "mailto:a@example.com%0a", NULL },
	{ "mailto:a%zz@example.com", NULL },
	{ "https://example.com/", NULL },
};

static void
test_mailto(void **state)
{
	size_t i;
	char   addr[320];

	(void)state;
	for (i = 0; i < sizeof(mcases) / sizeof(mcases[0]); i++) {
		int rv = tlsrpt_mail_address(
		        mcases[i].uri, addr, sizeof(addr));

		if (mcases[i].addr == NULL) {
			if (rv == 0)
				fail_msg("case %zu accepted: %s", i, addr);
		} else {
			if (rv != 0)
				fail_msg("case %zu refused", i);
			assert_string_equal(addr, mcases[i].addr);
		}
	}
}

/* status - a wait status as waitpid gives it: exit code, or signal when
 * sig. */
static int
status(int code, int sig)
{
	return (sig ? sig : (code & 0xff) << 8);
}

static const struct {
	int         code, sig;
	const char *err;
	size_t      whylen;
	const char *why;
} scases[] = {
	{ 1, 0, "", 128, "sendmail exited with 1" },
	{ 75, 0, "exim: message rejected by non-SMTP ACL: no such mailbox\n",
	        128,
	        "sendmail exited with 75: exim: message rejected by non-SMTP "
	        "ACL: no such mailbox" },
	{ 1, 0, "\n\n  a\tb\r\n\001c  \n", 128,
	        "sendmail exited with 1: a b c" },
	{ 1, 0, "   \n", 128, "sendmail exited with 1" },
	{ 1, 0, "abcdefghij", 28, "sendmail exited with 1: abc" },
	{ 1, 0, "abcdefghij", 24, "sendmail exited with 1" },
	{ 0, 9, "", 128, "sendmail killed by signal 9" },
};

static void
test_status(void **state)
{
	char   why[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(scases) / sizeof(scases[0]); i++) {
		memset(why, 'x', sizeof(why));
		tlsrpt_mail_status(status(scases[i].code, scases[i].sig),
		        scases[i].err, strlen(scases[i].err), why,
		        scases[i].whylen);
		if (strcmp(why, scases[i].why) != 0) {
			fail_msg("case %zu: '%s', expected '%s'", i, why,
			        scases[i].why);
		}
	}
}

static void
test_filename(void **state)
{
	char buf[256];

	(void)state;
	tlsrpt_mail_filename("sender.example", "example.com", 1704067200 + 5,
	        7, buf, sizeof(buf));
	assert_string_equal(buf,
	        "sender.example!example.com!1704067200!"
	        "1704153599!7.json.gz");
}

/* b64dec - decode the base64 lines from p up to the next empty line. */
static size_t
b64dec(const char *p, unsigned char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	                          "qrstuvwxyz0123456789+/";
	unsigned          v     = 0;
	int               bits  = 0;
	size_t            n     = 0;

	for (; *p != '\0' && !(p[0] == '\n' && p[1] == '\n'); p++) {
		const char *c = strchr(tab, *p);

		if (*p == '\n' || *p == '=' || c == NULL)
			continue;
		v = (v << 6) | (unsigned)(c - tab);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(v >> bits);
		}
	}
	return (n);
}

static void
test_compose(void **state)
{
	struct tlsrpt_send_config cfg;
	struct tlsrpt_send_job    job;
	const char                json[] = "{\"report-id\":\"r1\"}";
	unsigned char            *gz, dec[4096];
	size_t                    n, m;
	char                     *msg, *p, *back;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.from      = "tlsrpt-noreply@sender.example";
	cfg.submitter = "sender.example";
	cfg.org       = "Sender Org";
	memset(&job, 0, sizeof(job));
	job.uri       = "mailto:t@example.com";
	job.domain    = "example.com";
	job.report_id = "2024-01-01.7.example.com@sender.example";
	job.day       = 1704067200;
	job.unique    = 7;
	assert_int_equal(tlsrpt_send_gzip(json, strlen(json), &gz, &n), 0);
	msg = tlsrpt_mail_compose(
	        &cfg, &job, "t@example.com", gz, n, 1704160000);
	assert_non_null(msg);
	assert_non_null(strstr(msg,
	        "\nSubject: Report Domain: example.com Submitter: "
	        "sender.example Report-ID: "
	        "<2024-01-01.7.example.com@sender.example>\n"));
	assert_non_null(strstr(msg, "\nTLS-Report-Domain: example.com\n"));
	assert_non_null(
	        strstr(msg, "\nTLS-Report-Submitter: sender.example\n"));
	assert_non_null(strstr(msg, "\nTLS-Required: No\n"));
	assert_non_null(strstr(msg, "\nTo: t@example.com\n"));
	assert_non_null(
	        strstr(msg, "\nDate: Tue, 02 Jan 2024 01:46:40 +0000\n"));
	assert_non_null(strstr(msg,
	        "Content-Type: multipart/report; report-type=\"tlsrpt\";"));
	assert_non_null(strstr(msg, "Content-Type: text/plain"));
	p = strstr(msg,
	        "Content-Disposition: attachment; filename=\""
	        "sender.example!example.com!1704067200!1704153599!7."
	        "json.gz\"\n\n");
	assert_non_null(p);
	assert_non_null(strstr(msg, "Content-Type: application/tlsrpt+gzip"));
	m    = b64dec(strstr(p, "\n\n") + 2, dec);
	back = gunzip(dec, m);
	assert_string_equal(back, json);
	free(back);
	free(msg);
	free(gz);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailto),
		cmocka_unit_test(test_filename),
		cmocka_unit_test(test_compose),
		cmocka_unit_test(test_status),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
