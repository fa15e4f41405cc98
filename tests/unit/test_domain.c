/*
 * test_domain.c - table-driven unit tests for domain_normalize and
 * domain_is_normal (common/domain.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "domain.h"

struct domain_case {
	const char *in;
	size_t      len; /* 0: strlen(in) */
	const char *out; /* expected normal form; NULL: must be rejected */
	const char *why; /* substring expected in why when rejected */
};

static const struct domain_case cases[] = {
	/* accepted */
	{ "example.com", 0, "example.com", NULL },
	{ "EXAMPLE.com.", 0, "example.com", NULL },
	{ "MiXeD.ExAmPlE.CoM", 0, "mixed.example.com", NULL },
	{ "xn--bcher-kva.example", 0, "xn--bcher-kva.example", NULL },
	{ "XN--BCHER-KVA.EXAMPLE.", 0, "xn--bcher-kva.example", NULL },
	{ "3com.com", 0, "3com.com", NULL },
	{ "123.example", 0, "123.example", NULL },
	{ "localhost", 0, "localhost", NULL },
	{ "com.", 0, "com", NULL },
	{ "a", 0, "a", NULL },
	{ "a-b.c-d.e", 0, "a-b.c-d.e", NULL },
	{ "a--b.example", 0, "a--b.example", NULL },
	/* 63-character label */
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	  "com",
	        0,
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        "aa."
	        "com",
	        NULL },
	/* len given explicitly: the bytes after len are not looked at */
	{ "example.com_junk", 11, "example.com", NULL },

	/* rejected */
	{ "", 0, NULL, "empty" },
	{ ".", 0, NULL, "root" },
	{ "..", 0, NULL, "leading dot" },
	{ "a..b", 0, NULL, "two dots" },
	{ "a..", 0, NULL, "two dots" },
	{ ".example.com", 0, NULL, "leading dot" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	  "com",
	        0, NULL, "label longer than 63" },
	{ "-a.com", 0, NULL, "starts with a hyphen" },
	{ "a-.com", 0, NULL, "ends with a hyphen" },
	{ "a.com-", 0, NULL, "ends with a hyphen" },
	{ "a.-", 0, NULL, "starts with a hyphen" },
	{ "_mta-sts.example.com", 0, NULL, "underscore" },
	{ "exa mple.com", 0, NULL, "space" },
	{ " example.com", 0, NULL, "space" },
	{ "example.com ", 0, NULL, "space" },
	{ "exa\tmple.com", 0, NULL, "control character 0x09" },
	{ "example.com\n", 0, NULL, "control character 0x0a" },
	{ "exa*mple.com", 0, NULL, "invalid character '*'" },
	{ "user@example.com", 0, NULL, "invalid character '@'" },
	{ "b\xc3\xbc"
	  "cher.example",
	        0, NULL, "not an A-label: IDNs must be given in ASCII form" },
	{ "\xff", 0, NULL, "not an A-label" },
	{ "example\0.com", 12, NULL, "NUL" },
	{ "example.com\0", 12, NULL, "NUL" },
	{ "[127.0.0.1]", 0, NULL, "address literal" },
	{ "[IPv6:2001:db8::1]", 0, NULL, "address literal" },
};

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct domain_case *c = &cases[i];
		char                      out[DOMAIN_MAX + 1];
		char                      why[128];
		size_t len = c->len ? c->len : strlen(c->in);
		int    rv;

		memset(out, 'X', sizeof(out));
		why[0] = '\0';
		rv     = domain_normalize(
		            c->in, len, out, sizeof(out), why, sizeof(why));
		if (c->out != NULL) {
			if (rv != 0) {
				fail_msg("case %zu \"%s\": rejected: %s", i,
				        c->in, why);
			}
			assert_string_equal(out, c->out);
			assert_int_equal(domain_is_normal(out), 1);
		} else {
			if (rv == 0) {
				fail_msg("case %zu \"%s\": accepted as \"%s\"",
				        i, c->in, out);
			}
			assert_string_equal(out, "");
			if (strstr(why, c->why) == NULL) {
				fail_msg("case %zu \"%s\": why \"%s\" lacks "
				         "\"%s\"",
				        i, c->in, why, c->why);
			}
		}
	}
}

/* make_name - build a name of total characters: labels of 63 joined by dots.
 */
static void
make_name(char *buf, size_t total)
{
	size_t i;

	for (i = 0; i < total; i++) {
		buf[i] = (i % 64 == 63) ? '.' : 'a';
	}
	/* never end in a dot: make the last char a letter */
	if (total > 0 && buf[total - 1] == '.') {
		buf[total - 1] = 'b';
	}
	buf[total] = '\0';
}

static void
test_total_length(void **state)
{
	char name[300];
	char dotted[301];
	char out[DOMAIN_MAX + 1];
	char why[128];

	(void)state;
	make_name(name, 253);
	assert_int_equal(strlen(name), 253);
	assert_int_equal(domain_normalize(name, strlen(name), out, sizeof(out),
	                         why, sizeof(why)),
	        0);
	assert_string_equal(out, name);
	assert_int_equal(domain_is_normal(name), 1);

	/* 253 plus the trailing dot is still fine */
	snprintf(dotted, sizeof(dotted), "%s.", name);
	assert_int_equal(domain_normalize(dotted, strlen(dotted), out,
	                         sizeof(out), why, sizeof(why)),
	        0);
	assert_string_equal(out, name);
	assert_int_equal(domain_is_normal(dotted), 0);

	make_name(name, 254);
	assert_int_equal(domain_normalize(name, strlen(name), out, sizeof(out),
	                         why, sizeof(why)),
	        -1);
	assert_non_null(strstr(why, "longer than 253"));
	assert_int_equal(domain_is_normal(name), 0);
	snprintf(dotted, sizeof(dotted), "%s.", name);
	assert_int_equal(domain_normalize(dotted, strlen(dotted), out,
	                         sizeof(out), why, sizeof(why)),
	        -1);
}

static void
test_buffers(void **state)
{
	char out[DOMAIN_MAX + 1];
	char small[16];
	char why[8];

	(void)state;
	/* out too small is refused even for a short name */
	assert_int_equal(domain_normalize("a.b", 3, small, sizeof(small), why,
	                         sizeof(why)),
	        -1);
	assert_string_equal(small, "");
	/* why may be NULL or tiny; the result does not change */
	assert_int_equal(
	        domain_normalize("a.b", 3, out, sizeof(out), NULL, 0), 0);
	assert_int_equal(
	        domain_normalize("-a", 2, out, sizeof(out), NULL, 0), -1);
	assert_int_equal(
	        domain_normalize("-a", 2, out, sizeof(out), why, sizeof(why)),
	        -1);
	assert_int_equal(strlen(why), sizeof(why) - 1);
	assert_int_equal(
	        domain_normalize(NULL, 0, out, sizeof(out), why, sizeof(why)),
	        -1);
}

static void
test_is_normal(void **state)
{
	static const struct {
		const char *s;
		int         normal;
	} t[] = {
		{ "example.com", 1 },
		{ "xn--bcher-kva.example", 1 },
		{ "a", 1 },
		{ "Example.com", 0 },
		{ "example.com.", 0 },
		{ "", 0 },
		{ ".", 0 },
		{ "a..b", 0 },
		{ "-a.com", 0 },
		{ "[127.0.0.1]", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (domain_is_normal(t[i].s) != t[i].normal) {
			fail_msg("\"%s\": expected %d", t[i].s, t[i].normal);
		}
	}
	assert_int_equal(domain_is_normal(NULL), 0);
}

/* domain_not_a_name: the socketmap's and mxtlsctl's one rule */
static void
test_not_a_name(void **state)
{
	static const struct {
		const char *s;
		const char *why; /* NULL: may be a name */
	} t[] = {
		{ "example.com", NULL },
		{ "192.0.2.1.example", NULL },
		{ "1.2.3", NULL },
		{ "192.0.2.1", "an address, not a domain" },
		{ "2001:db8::1", "an address, not a domain" },
		{ "::ffff:192.0.2.1", "an address, not a domain" },
		{ "[192.0.2.1]", "explicit next hop" },
		{ "[mx.example]:25", "explicit next hop" },
		{ ".example.com", "parent-domain probe" },
		{ "mx.example:25", "next hop with a port" },
		{ "", NULL },
	};
	char   why[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why[0] = '\0';
		if (domain_not_a_name(t[i].s, strlen(t[i].s), why, sizeof(why))
		        != (t[i].why != NULL)) {
			fail_msg("\"%s\": expected %d", t[i].s,
			        t[i].why != NULL);
		}
		if (t[i].why != NULL && strcmp(why, t[i].why) != 0) {
			fail_msg("\"%s\": why \"%s\"", t[i].s, why);
		}
	}
	/* not NUL-terminated, with a NUL inside: never read past len */
	assert_int_equal(
	        domain_not_a_name("192.0.2.1x", 9, why, sizeof(why)), 1);
	assert_int_equal(
	        domain_not_a_name("192.0\0.2.1", 10, why, sizeof(why)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_total_length),
		cmocka_unit_test(test_buffers),
		cmocka_unit_test(test_is_normal),
		cmocka_unit_test(test_not_a_name),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
