/*
 * test_tlsrpt_send.c - the pure part of report delivery (RFC 8460 §5.2):
 * the gzip form every report is sent in. The mail form is in
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

#include "tlsrpt_send.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
