/*
 * test_netaddr.c - table-driven unit tests for netaddr_is_special and
 * netaddr_format (cached/util/netaddr.c): for every special range its first
 * and last address and the addresses just outside it.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/netaddr.h"

struct netaddr_case {
	const char *addr;
	int         special;
	const char *why; /* substring of why when special */
};

static const struct netaddr_case cases[] = {
	/* ordinary global addresses */
	{ "8.8.8.8", 0, NULL },
	{ "1.1.1.1", 0, NULL },
	{ "223.255.255.255", 0, NULL },

	{ "0.0.0.0", 1, "this network 0.0.0.0/8" },
	{ "0.255.255.255", 1, "this network 0.0.0.0/8" },
	{ "1.0.0.0", 0, NULL },

	{ "9.255.255.255", 0, NULL },
	{ "10.0.0.0", 1, "private 10.0.0.0/8" },
	{ "10.255.255.255", 1, "private 10.0.0.0/8" },
	{ "11.0.0.0", 0, NULL },

	{ "100.63.255.255", 0, NULL },
	{ "100.64.0.0", 1, "shared address space 100.64.0.0/10" },
	{ "100.127.255.255", 1, "shared address space 100.64.0.0/10" },
	{ "100.128.0.0", 0, NULL },

	{ "126.255.255.255", 0, NULL },
	{ "127.0.0.0", 1, "loopback 127.0.0.0/8" },
	{ "127.0.0.1", 1, "loopback 127.0.0.0/8" },
	{ "127.255.255.255", 1, "loopback 127.0.0.0/8" },
	{ "128.0.0.0", 0, NULL },

	{ "169.253.255.255", 0, NULL },
	{ "169.254.0.0", 1, "link-local 169.254.0.0/16" },
	{ "169.254.255.255", 1, "link-local 169.254.0.0/16" },
	{ "169.255.0.0", 0, NULL },

	{ "172.15.255.255", 0, NULL },
	{ "172.16.0.0", 1, "private 172.16.0.0/12" },
	{ "172.31.255.255", 1, "private 172.16.0.0/12" },
	{ "172.32.0.0", 0, NULL },

	{ "191.255.255.255", 0, NULL },
	{ "192.0.0.0", 1, "IETF protocol assignments 192.0.0.0/24" },
	{ "192.0.0.255", 1, "IETF protocol assignments 192.0.0.0/24" },
	{ "192.0.1.0", 0, NULL },

	{ "192.0.1.255", 0, NULL },
	{ "192.0.2.0", 1, "documentation 192.0.2.0/24" },
	{ "192.0.2.255", 1, "documentation 192.0.2.0/24" },
	{ "192.0.3.0", 0, NULL },

	{ "192.88.98.255", 0, NULL },
	{ "192.88.99.0", 1, "6to4 relay anycast 192.88.99.0/24" },
	{ "192.88.99.255", 1, "6to4 relay anycast 192.88.99.0/24" },
	{ "192.88.100.0", 0, NULL },

	{ "192.167.255.255", 0, NULL },
	{ "192.168.0.0", 1, "private 192.168.0.0/16" },
	{ "192.168.255.255", 1, "private 192.168.0.0/16" },
	{ "192.169.0.0", 0, NULL },

	{ "198.17.255.255", 0, NULL },
	{ "198.18.0.0", 1, "benchmarking 198.18.0.0/15" },
	{ "198.19.255.255", 1, "benchmarking 198.18.0.0/15" },
	{ "198.20.0.0", 0, NULL },

	{ "198.51.99.255", 0, NULL },
	{ "198.51.100.0", 1, "documentation 198.51.100.0/24" },
	{ "198.51.100.255", 1, "documentation 198.51.100.0/24" },
	{ "198.51.101.0", 0, NULL },

	{ "203.0.112.255", 0, NULL },
	{ "203.0.113.0", 1, "documentation 203.0.113.0/24" },
	{ "203.0.113.255", 1, "documentation 203.0.113.0/24" },
	{ "203.0.114.0", 0, NULL },

	{ "224.0.0.0", 1, "multicast 224.0.0.0/4" },
	{ "239.255.255.255", 1, "multicast 224.0.0.0/4" },
	{ "240.0.0.0", 1, "reserved 240.0.0.0/4" },
	{ "255.255.255.254", 1, "reserved 240.0.0.0/4" },
	{ "255.255.255.255", 1, "limited broadcast 255.255.255.255/32" },

	/* IPv6 */
	{ "2a00:1450:4001::1", 0, NULL },
	{ "2000::", 0, NULL },
	{ "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "reserved" },
	{ "4000::", 1, "reserved (outside global unicast 2000::/3)" },

	{ "::", 1, "unspecified ::/128" },
	{ "::1", 1, "loopback ::1/128" },
	{ "::2", 1, "IPv4-compatible ::/96" },
	{ "::ffff:ffff", 1, "IPv4-compatible ::/96" },
	{ "::1:0:0", 1, "reserved" },

	{ "::fffe:ffff:ffff", 1, "reserved" },
	{ "::ffff:0.0.0.0", 1,
	        "IPv4-mapped ::ffff:0:0/96 embedding this network" },
	{ "::ffff:127.0.0.1", 1,
	        "IPv4-mapped ::ffff:0:0/96 embedding loopback 127.0.0.0/8" },
	{ "::ffff:10.1.2.3", 1, "embedding private 10.0.0.0/8" },
	{ "::ffff:8.8.8.8", 0, NULL },
	{ "::ffff:255.255.255.255", 1, "embedding limited broadcast" },
	{ "::1:0:0:0", 1, "reserved" },

	{ "64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", 1, "reserved" },
	{ "64:ff9b::", 1, "NAT64 64:ff9b::/96 embedding this network" },
	{ "64:ff9b::8.8.8.8", 0, NULL },
	{ "64:ff9b::127.0.0.1", 1, "NAT64 64:ff9b::/96 embedding loopback" },
	{ "64:ff9b::ffff:ffff", 1, "embedding limited broadcast" },
	{ "64:ff9b::1:0:0", 1, "reserved" },
	{ "64:ff9b:1::", 1, "local-use NAT64 64:ff9b:1::/48" },
	{ "64:ff9b:1:ffff:ffff:ffff:ffff:ffff", 1, "local-use NAT64" },
	{ "64:ff9b:2::", 1, "reserved" },

	{ "100::", 1, "discard-only 100::/64" },
	{ "100::ffff:ffff:ffff:ffff", 1, "discard-only 100::/64" },
	{ "100:0:0:1::", 1, "reserved" },

	{ "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, NULL },
	{ "2001::", 1, "Teredo 2001::/32" },
	{ "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", 1, "Teredo 2001::/32" },
	{ "2001:1::", 1, "IETF protocol assignments 2001::/23" },
	{ "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", 1,
	        "IETF protocol assignments 2001::/23" },
	{ "2001:200::", 0, NULL },

	{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 0, NULL },
	{ "2001:db8::", 1, "documentation 2001:db8::/32" },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1,
	        "documentation 2001:db8::/32" },
	{ "2001:db9::", 0, NULL },

	{ "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, NULL },
	{ "2002::", 1, "6to4 2002::/16 embedding this network" },
	{ "2002:808:808::1", 0, NULL },
	{ "2002:7f00:1::", 1, "6to4 2002::/16 embedding loopback" },
	{ "2002:c0a8:101::1", 1, "embedding private 192.168.0.0/16" },
	{ "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1,
	        "embedding limited broadcast" },
	{ "2003::", 0, NULL },

	{ "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, NULL },
	{ "3fff::", 1, "documentation 3fff::/20" },
	{ "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", 1,
	        "documentation 3fff::/20" },
	{ "3fff:1000::", 0, NULL },

	{ "5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "reserved" },
	{ "5f00::", 1, "segment routing SIDs 5f00::/16" },
	{ "5f00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1,
	        "segment routing SIDs 5f00::/16" },
	{ "5f01::", 1, "reserved" },

	{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "reserved" },
	{ "fc00::", 1, "unique local fc00::/7" },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1,
	        "unique local fc00::/7" },
	{ "fe00::", 1, "reserved" },

	{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "reserved" },
	{ "fe80::", 1, "link-local fe80::/10" },
	{ "fe80::1", 1, "link-local fe80::/10" },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1,
	        "link-local fe80::/10" },
	{ "fec0::", 1, "site-local fec0::/10" },
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1,
	        "site-local fec0::/10" },

	{ "ff00::", 1, "multicast ff00::/8" },
	{ "ff02::1", 1, "multicast ff00::/8" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "multicast ff00::/8" },
};

static void
make_sa(const char *addr, struct sockaddr_storage *ss)
{
	struct sockaddr_in  *sin  = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':') != NULL) {
		sin6->sin6_family = AF_INET6;
		assert_int_equal(
		        inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
	} else {
		sin->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
	}
}

static void
test_table(void **state)
{
	struct sockaddr_storage ss;
	char                    why[128];
	size_t                  i;
	int                     got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_sa(cases[i].addr, &ss);
		memset(why, 'x', sizeof(why));
		got = netaddr_is_special(
		        (struct sockaddr *)&ss, why, sizeof(why));
		if (got != cases[i].special) {
			fail_msg("%s: special %d, expected %d (%s)",
			        cases[i].addr, got, cases[i].special, why);
		}
		if (cases[i].special) {
			if (strstr(why, cases[i].why) == NULL) {
				fail_msg("%s: why \"%s\", expected \"%s\"",
				        cases[i].addr, why, cases[i].why);
			}
		} else {
			assert_string_equal(why, "");
		}
	}
}

static void
test_other_family(void **state)
{
	struct sockaddr_un sun;
	char               why[64];

	(void)state;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_int_equal(
	        netaddr_is_special((struct sockaddr *)&sun, why, sizeof(why)),
	        1);
	assert_string_equal(why, "unsupported address family");
	assert_int_equal(netaddr_is_special(NULL, why, sizeof(why)), 1);
	/* why may be omitted */
	assert_int_equal(netaddr_is_special(NULL, NULL, 0), 1);
}

static void
test_short_why(void **state)
{
	struct sockaddr_storage ss;
	char                    why[9];

	(void)state;
	make_sa("127.0.0.1", &ss);
	assert_int_equal(
	        netaddr_is_special((struct sockaddr *)&ss, why, sizeof(why)),
	        1);
	assert_string_equal(why, "loopback");
}

static void
test_format(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_un      sun;
	char                    buf[INET6_ADDRSTRLEN];
	char                    small[4];

	(void)state;
	make_sa("192.0.2.1", &ss);
	assert_int_equal(
	        netaddr_format((struct sockaddr *)&ss, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "192.0.2.1");
	make_sa("2001:DB8:0:0::1", &ss);
	assert_int_equal(
	        netaddr_format((struct sockaddr *)&ss, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2001:db8::1");
	make_sa("::ffff:10.0.0.1", &ss);
	assert_int_equal(
	        netaddr_format((struct sockaddr *)&ss, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "::ffff:10.0.0.1");

	make_sa("192.0.2.1", &ss);
	assert_int_equal(
	        netaddr_format((struct sockaddr *)&ss, small, sizeof(small)),
	        -1);
	assert_string_equal(small, "?");

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	assert_int_equal(
	        netaddr_format((struct sockaddr *)&sun, buf, sizeof(buf)), -1);
	assert_string_equal(buf, "?");
	assert_int_equal(netaddr_format(NULL, buf, sizeof(buf)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_other_family),
		cmocka_unit_test(test_short_why),
		cmocka_unit_test(test_format),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
