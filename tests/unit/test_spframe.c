/*
 * test_spframe.c - table-driven tests of the SP framing the direct socket
 * parses (common/spframe.c: nng's REQ/REP over ipc:// and tcp://).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "spframe.h"

#define LIT(s) (const unsigned char *)s, sizeof(s) - 1

struct hdr_case {
	const unsigned char *in;
	size_t               len;
	enum spframe_status  want;
	const char          *why; /* substring, when BAD */
};

static const struct hdr_case hdr_cases[] = {
	{ LIT("\0SP\0\0\x30\0\0"), SPFRAME_OK, NULL },
	{ LIT("\0SP\0\0\x30\0\0\x01\0"), SPFRAME_OK, NULL }, /* more after */
	{ LIT(""), SPFRAME_MORE, NULL },
	{ LIT("\0"), SPFRAME_MORE, NULL },
	{ LIT("\0SP"), SPFRAME_MORE, NULL },
	{ LIT("\0SP\0\0\x30\0"), SPFRAME_MORE, NULL },
	{ LIT("\0SP\0\0\x31\0\0"), SPFRAME_BAD, "0x0031 is not REQ" },
	{ LIT("\0SP\0\0\x31"), SPFRAME_BAD, "not REQ" }, /* seen early */
	{ LIT("\0SP\0\x01\x30\0\0"), SPFRAME_BAD, "0x0130" },
	{ LIT("\0SP\0\0\x30\0\x01"), SPFRAME_BAD, "reserved" },
	{ LIT("\0SP\0\0\x30\x01"), SPFRAME_BAD, "reserved" },
	{ LIT("GET / HTTP/1.0"), SPFRAME_BAD, "not an SP" },
	{ LIT("\x01"), SPFRAME_BAD, "not an SP" },
	{ LIT("\0SQ"), SPFRAME_BAD, "not an SP" },
};

static void
test_peer_header(void **state)
{
	size_t i;
	char   why[128];

	(void)state;
	for (i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		const struct hdr_case *c = &hdr_cases[i];

		why[0] = '\0';
		if (spframe_peer_header(c->in, c->len, why, sizeof(why))
		        != c->want) {
			fail_msg("header case %zu: got another status (%s)", i,
			        why);
		}
		if (c->why != NULL && strstr(why, c->why) == NULL) {
			fail_msg("header case %zu: why \"%s\" lacks \"%s\"", i,
			        why, c->why);
		}
	}
}

static void
test_rep_header(void **state)
{
	unsigned char h[SPFRAME_HEADER];

	(void)state;
	spframe_rep_header(h);
	assert_memory_equal(h, "\0SP\0\0\x31\0\0", SPFRAME_HEADER);
}

struct parse_case {
	const unsigned char *in;
	size_t               len;
	size_t               max;
	enum spframe_status  want;
	size_t               btlen, plen, used; /* when OK */
	const char          *why;               /* substring, when BAD */
};

#define H(n) "\x01\0\0\0\0\0\0\0" n

static const struct parse_case parse_cases[] = {
	{ LIT(H("\x04") "\x80\0\0\x01"), 100, SPFRAME_OK, 4, 0, 13, NULL },
	{ LIT(H("\x06") "\x80\0\0\x01{}"), 100, SPFRAME_OK, 4, 2, 15, NULL },
	/* the id's high bit ends the backtrace, whatever the rest holds */
	{ LIT(H("\x08") "\xff\xff\xff\xff\x80\0\0\0"), 100, SPFRAME_OK, 4, 4,
	        17, NULL },
	/* hops before the id */
	{ LIT(H("\x0a") "\0\0\0\x07\x80\0\0\x01{}"), 100, SPFRAME_OK, 8, 2, 19,
	        NULL },
	{ LIT(H("\x20") "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5\0\0\0\6\0"
	                "\0\0\7\x80\0\0\0"),
	        100, SPFRAME_OK, 32, 0, 41, NULL },
	/* a second message after the first: only the first is taken */
	{ LIT(H("\x04") "\x80\0\0\x01" H("\x04") "\x80\0\0\x02"), 100,
	        SPFRAME_OK, 4, 0, 13, NULL },
	/* exactly at the limit */
	{ LIT(H("\x06") "\x80\0\0\x01{}"), 6, SPFRAME_OK, 4, 2, 15, NULL },
	/* incomplete */
	{ LIT(""), 100, SPFRAME_MORE, 0, 0, 0, NULL },
	{ LIT("\x01"), 100, SPFRAME_MORE, 0, 0, 0, NULL },
	{ LIT("\x01\0\0\0\0\0\0\0"), 100, SPFRAME_MORE, 0, 0, 0, NULL },
	{ LIT(H("\x06") "\x80\0\0\x01{"), 100, SPFRAME_MORE, 0, 0, 0, NULL },
	{ LIT(H("\x06")), 100, SPFRAME_MORE, 0, 0, 0, NULL },
	/* malformed */
	{ LIT("\x02"), 100, SPFRAME_BAD, 0, 0, 0, "type 0x02" },
	{ LIT("\x00\0\0\0\0\0\0\0\x04"), 100, SPFRAME_BAD, 0, 0, 0,
	        "type 0x00" },
	{ LIT(H("\x00")), 100, SPFRAME_BAD, 0, 0, 0, "no request id" },
	{ LIT(H("\x03") "\x80\0\0"), 100, SPFRAME_BAD, 0, 0, 0,
	        "no request id" },
	{ LIT(H("\x08") "\0\0\0\1\0\0\0\2"), 100, SPFRAME_BAD, 0, 0, 0,
	        "no request id in a message of 8" },
	{ LIT(H("\x24") "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5\0\0\0\6\0"
	                "\0\0\7\0\0\0\x08\x80\0\0\0"),
	        100, SPFRAME_BAD, 0, 0, 0, "within 8 hops" },
	/* over the limit: refused before the body arrives */
	{ LIT(H("\x07")), 6, SPFRAME_BAD, 0, 0, 0, "7 bytes (6 max)" },
	{ LIT("\x01\xff\xff\xff\xff\xff\xff\xff\xff"), 1 << 20, SPFRAME_BAD, 0,
	        0, 0, "18446744073709551615 bytes" },
	{ LIT("\x01\0\0\0\x01\0\0\0\0"), 1 << 20, SPFRAME_BAD, 0, 0, 0,
	        "4294967296" },
};

static void
test_parse(void **state)
{
	size_t         i, used;
	struct spframe f;
	char           why[128];

	(void)state;
	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		enum spframe_status      st;

		why[0] = '\0';
		memset(&f, 0, sizeof(f));
		used = 0;
		st   = spframe_parse(SPFRAME_IPC, c->in, c->len, c->max, &f,
		          &used, why, sizeof(why));
		if (st != c->want) {
			fail_msg("parse case %zu: status %d, want %d (%s)", i,
			        st, c->want, why);
		}
		if (st == SPFRAME_OK) {
			assert_ptr_equal(f.bt, c->in + SPFRAME_MSGHDR);
			assert_int_equal(f.btlen, c->btlen);
			assert_ptr_equal(f.payload, f.bt + f.btlen);
			assert_int_equal(f.plen, c->plen);
			assert_int_equal(used, c->used);
			assert_true(f.bt[f.btlen - 4] & 0x80);
		}
		if (st == SPFRAME_MORE) {
			assert_int_equal(used, 0);
		}
		if (c->why != NULL && strstr(why, c->why) == NULL) {
			fail_msg("parse case %zu: why \"%s\" lacks \"%s\"", i,
			        why, c->why);
		}
	}
}

/* every proper prefix of a valid message is MORE */
static void
test_prefixes(void **state)
{
	static const unsigned char m[] = H("\x0a") "\0\0\0\x07\x80\0\0\x01{}";
	size_t                     n, used;
	struct spframe             f;
	char                       why[128];

	(void)state;
	for (n = 0; n < sizeof(m) - 1; n++) {
		assert_int_equal(spframe_parse(SPFRAME_IPC, m, n, 100, &f,
		                         &used, why, sizeof(why)),
		        SPFRAME_MORE);
	}
	assert_int_equal(spframe_parse(SPFRAME_IPC, m, n, 100, &f, &used, why,
	                         sizeof(why)),
	        SPFRAME_OK);
	/* the same over tcp://: without the type byte */
	for (n = 0; n < sizeof(m) - 2; n++) {
		assert_int_equal(spframe_parse(SPFRAME_TCP, m + 1, n, 100, &f,
		                         &used, why, sizeof(why)),
		        SPFRAME_MORE);
	}
	assert_int_equal(spframe_parse(SPFRAME_TCP, m + 1, n, 100, &f, &used,
	                         why, sizeof(why)),
	        SPFRAME_OK);
}

static void
test_msg_header(void **state)
{
	unsigned char  h[SPFRAME_MSGHDR], buf[64];
	struct spframe f;
	size_t         used;
	char           why[64];

	(void)state;
	assert_int_equal(
	        spframe_msg_header(SPFRAME_IPC, h, 0x0102030405060708ULL), 9);
	assert_memory_equal(h, "\x01\x01\x02\x03\x04\x05\x06\x07\x08", 9);
	assert_int_equal(
	        spframe_msg_header(SPFRAME_TCP, h, 0x0102030405060708ULL), 8);
	assert_memory_equal(h, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(spframe_msghdr_len(SPFRAME_IPC), 9);
	assert_int_equal(spframe_msghdr_len(SPFRAME_TCP), 8);
	/* round trips */
	spframe_msg_header(SPFRAME_IPC, buf, 6);
	memcpy(buf + 9, "\x80\0\0\x09ok", 6);
	assert_int_equal(spframe_parse(SPFRAME_IPC, buf, 15, 100, &f, &used,
	                         why, sizeof(why)),
	        SPFRAME_OK);
	assert_int_equal(f.plen, 2);
	assert_memory_equal(f.payload, "ok", 2);
	spframe_msg_header(SPFRAME_TCP, buf, 6);
	memcpy(buf + 8, "\x80\0\0\x09ok", 6);
	assert_int_equal(spframe_parse(SPFRAME_TCP, buf, 14, 100, &f, &used,
	                         why, sizeof(why)),
	        SPFRAME_OK);
	assert_int_equal(used, 14);
	assert_ptr_equal(f.bt, buf + 8);
	assert_int_equal(f.plen, 2);
	assert_memory_equal(f.payload, "ok", 2);
}

/* tcp:// messages: a 64-bit length and no type byte, any first byte */
#define T(n) "\0\0\0\0\0\0\0" n

static const struct parse_case tcp_cases[] = {
	{ LIT(T("\x04") "\x80\0\0\x01"), 100, SPFRAME_OK, 4, 0, 12, NULL },
	{ LIT(T("\x0a") "\0\0\0\x07\x80\0\0\x01{}"), 100, SPFRAME_OK, 8, 2, 18,
	        NULL },
	{ LIT(T("\x06") "\x80\0\0\x01{}"), 6, SPFRAME_OK, 4, 2, 14, NULL },
	{ LIT(T("\x04") "\x80\0\0\x01" T("\x04")), 100, SPFRAME_OK, 4, 0, 12,
	        NULL },
	{ LIT(""), 100, SPFRAME_MORE, 0, 0, 0, NULL },
	{ LIT("\0"), 100, SPFRAME_MORE, 0, 0, 0, NULL },
	{ LIT("\0\0\0\0\0\0\0"), 100, SPFRAME_MORE, 0, 0, 0, NULL },
	{ LIT(T("\x06") "\x80\0\0\x01{"), 100, SPFRAME_MORE, 0, 0, 0, NULL },
	/* no type byte to check: an ipc:// header reads as a huge length */
	{ LIT("\x01\0\0\0\0\0\0\0\x04"), 1 << 20, SPFRAME_BAD, 0, 0, 0,
	        "72057594037927936 bytes" },
	{ LIT(T("\x07")), 6, SPFRAME_BAD, 0, 0, 0, "7 bytes (6 max)" },
	{ LIT(T("\0")), 100, SPFRAME_BAD, 0, 0, 0, "no request id" },
	{ LIT(T("\x08") "\0\0\0\1\0\0\0\2"), 100, SPFRAME_BAD, 0, 0, 0,
	        "no request id in a message of 8" },
	{ LIT(T("\x24") "\0\0\0\1\0\0\0\2\0\0\0\3\0\0\0\4\0\0\0\5\0\0\0\6\0"
	                "\0\0\7\0\0\0\x08\x80\0\0\0"),
	        100, SPFRAME_BAD, 0, 0, 0, "within 8 hops" },
};

static void
test_parse_tcp(void **state)
{
	size_t         i, used;
	struct spframe f;
	char           why[128];

	(void)state;
	for (i = 0; i < sizeof(tcp_cases) / sizeof(tcp_cases[0]); i++) {
		const struct parse_case *c = &tcp_cases[i];
		enum spframe_status      st;

		why[0] = '\0';
		memset(&f, 0, sizeof(f));
		used = 0;
		st   = spframe_parse(SPFRAME_TCP, c->in, c->len, c->max, &f,
		          &used, why, sizeof(why));
		if (st != c->want) {
			fail_msg("tcp case %zu: status %d, want %d (%s)", i,
			        st, c->want, why);
		}
		if (st == SPFRAME_OK) {
			assert_ptr_equal(f.bt, c->in + 8);
			assert_int_equal(f.btlen, c->btlen);
			assert_ptr_equal(f.payload, f.bt + f.btlen);
			assert_int_equal(f.plen, c->plen);
			assert_int_equal(used, c->used);
		}
		if (st == SPFRAME_MORE) {
			assert_int_equal(used, 0);
		}
		if (c->why != NULL && strstr(why, c->why) == NULL) {
			fail_msg("tcp case %zu: why \"%s\" lacks \"%s\"", i,
			        why, c->why);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peer_header),
		cmocka_unit_test(test_rep_header),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_tcp),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_msg_header),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
