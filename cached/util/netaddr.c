/*
 * netaddr.c - special-purpose address classification (SSRF refusal) and
 * address formatting.
 *
 * References: IANA IPv4 Special-Purpose Address Registry (RFC 6890 §2.2.2
 * and updates: RFC 1122, 1918, 2544, 3068, 5737, 6598, 5771 multicast,
 * 1112 reserved), IANA IPv6 Special-Purpose Address Registry (RFC 6890
 * §2.2.3, RFC 4291, 4193, 4380, 5180, 3849, 6052, 6666, 8215, 9602, 9637)
 * and RFC 3056 (6to4). The tables are searched in order, so a more specific
 * block (255.255.255.255) comes before the one containing it (240.0.0.0/4).
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/netaddr.h"
#include "why.h"

struct range4 {
	uint32_t    net;
	unsigned    plen;
	const char *name;
};

static const struct range4 ranges4[] = {
	{ 0x00000000, 8, "this network 0.0.0.0/8" },
	{ 0x0a000000, 8, "private 10.0.0.0/8" },
	{ 0x64400000, 10, "shared address space 100.64.0.0/10" },
	{ 0x7f000000, 8, "loopback 127.0.0.0/8" },
	{ 0xa9fe0000, 16, "link-local 169.254.0.0/16" },
	{ 0xac100000, 12, "private 172.16.0.0/12" },
	{ 0xc0000000, 24, "IETF protocol assignments 192.0.0.0/24" },
	{ 0xc0000200, 24, "documentation 192.0.2.0/24" },
	{ 0xc0586300, 24, "6to4 relay anycast 192.88.99.0/24" },
	{ 0xc0a80000, 16, "private 192.168.0.0/16" },
	{ 0xc6120000, 15, "benchmarking 198.18.0.0/15" },
	{ 0xc6336400, 24, "documentation 198.51.100.0/24" },
	{ 0xcb007100, 24, "documentation 203.0.113.0/24" },
	{ 0xe0000000, 4, "multicast 224.0.0.0/4" },
	{ 0xffffffff, 32, "limited broadcast 255.255.255.255/32" },
	{ 0xf0000000, 4, "reserved 240.0.0.0/4" },
};

struct range6 {
	uint8_t     net[16];
	unsigned    plen;
	int         embeds4; /* offset of an embedded IPv4 address, or -1 */
	const char *name;
};

static const struct range6 ranges6[] = {
	{ { 0 }, 128, -1, "unspecified ::/128" },
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, -1,
	        "loopback ::1/128" },
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 96, 12,
	        "IPv4-mapped ::ffff:0:0/96" },
	{ { 0 }, 96, -1, "IPv4-compatible ::/96 (deprecated)" },
	{ { 0, 0x64, 0xff, 0x9b }, 96, 12, "NAT64 64:ff9b::/96" },
	{ { 0, 0x64, 0xff, 0x9b, 0, 1 }, 48, -1,
	        "local-use NAT64 64:ff9b:1::/48" },
	{ { 0x01 }, 64, -1, "discard-only 100::/64" },
	{ { 0x20, 0x01 }, 32, -1, "Teredo 2001::/32" },
	{ { 0x20, 0x01 }, 23, -1, "IETF protocol assignments 2001::/23" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, -1, "documentation 2001:db8::/32" },
	{ { 0x20, 0x02 }, 16, 2, "6to4 2002::/16" },
	{ { 0x3f, 0xff }, 20, -1, "documentation 3fff::/20" },
	{ { 0x5f, 0x00 }, 16, -1, "segment routing SIDs 5f00::/16" },
	{ { 0xfc }, 7, -1, "unique local fc00::/7" },
	{ { 0xfe, 0x80 }, 10, -1, "link-local fe80::/10" },
	{ { 0xfe, 0xc0 }, 10, -1, "site-local fec0::/10 (deprecated)" },
	{ { 0xff }, 8, -1, "multicast ff00::/8" },
};

/* special4 - the range containing addr (host order), or NULL. */
static const char *
special4(uint32_t addr)
{
	size_t   i;
	uint32_t mask;

	for (i = 0; i < sizeof(ranges4) / sizeof(ranges4[0]); i++) {
		mask = ranges4[i].plen == 0 ? 0
		                            : ~0u << (32 - ranges4[i].plen);
		if ((addr & mask) == ranges4[i].net) {
			return (ranges4[i].name);
		}
	}
	return (NULL);
}

static int
prefix_match(const uint8_t *a, const uint8_t *net, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	uint8_t  mask;

	if (memcmp(a, net, full) != 0) {
		return (0);
	}
	if (rest == 0) {
		return (1);
	}
	mask = (uint8_t)(0xff << (8 - rest));
	return ((a[full] & mask) == net[full]);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16
	        | (uint32_t)p[2] << 8 | (uint32_t)p[3]);
}

static int
special6(const uint8_t *a, char *why, size_t whylen)
{
	const char *v4;
	size_t      i;

	for (i = 0; i < sizeof(ranges6) / sizeof(ranges6[0]); i++) {
		if (!prefix_match(a, ranges6[i].net, ranges6[i].plen)) {
			continue;
		}
		if (ranges6[i].embeds4 < 0) {
			why_set(why, whylen, "%s", ranges6[i].name);
			return (1);
		}
		v4 = special4(get32(a + ranges6[i].embeds4));
		if (v4 != NULL) {
			why_set(why, whylen, "%s embedding %s",
			        ranges6[i].name, v4);
			return (1);
		}
		why_set(why, whylen, "%s", "");
		return (0);
	}
	if ((a[0] & 0xe0) != 0x20) {
		why_set(why, whylen, "%s",
		        "reserved (outside global unicast 2000::/3)");
		return (1);
	}
	why_set(why, whylen, "%s", "");
	return (0);
}

int
netaddr_is_special(const struct sockaddr *sa, char *why, size_t whylen)
{
	const struct sockaddr_in  *sin;
	const struct sockaddr_in6 *sin6;
	const char                *name;

	if (sa == NULL) {
		why_set(why, whylen, "%s", "no address");
		return (1);
	}
	switch (sa->sa_family) {
	case AF_INET:
		sin  = (const struct sockaddr_in *)(const void *)sa;
		name = special4(ntohl(sin->sin_addr.s_addr));
		why_set(why, whylen, "%s", name != NULL ? name : "");
		return (name != NULL);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		return (special6(sin6->sin6_addr.s6_addr, why, whylen));
	default:
		why_set(why, whylen, "%s", "unsupported address family");
		return (1);
	}
}

int
netaddr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	const void *src;

	if (sa == NULL || buf == NULL || len == 0) {
		return (-1);
	}
	if (sa->sa_family == AF_INET) {
		src = &((const struct sockaddr_in *)(const void *)sa)
		               ->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		src = &((const struct sockaddr_in6 *)(const void *)sa)
		               ->sin6_addr;
	} else {
		snprintf(buf, len, "?");
		return (-1);
	}
	if (len > (socklen_t)-1
	        || inet_ntop(sa->sa_family, src, buf, (socklen_t)len)
	                == NULL) {
		snprintf(buf, len, "?");
		return (-1);
	}
	return (0);
}
