/*
 * test_dns_parse.c - unit tests for dns_parse_answer
 * (cached/dns/dns_answer.c), the pure function that classifies a libunbound
 * answer: hand-built wire packets for found / NXDOMAIN / NODATA / failures /
 * bogus, CNAME chains, and the rdata of TXT, A, AAAA, MX and TLSA.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dns/dns.h"

/* ---- a tiny packet builder ---- */

struct pkt {
	unsigned char b[8192];
	size_t        len;
};

#define F_AA 0x0400
#define F_TC 0x0200

static void
put8(struct pkt *p, unsigned v)
{
	assert_true(p->len < sizeof(p->b));
	p->b[p->len++] = (unsigned char)v;
}

static void
put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

static void
put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static void
putbytes(struct pkt *p, const void *d, size_t n)
{
	assert_true(p->len + n <= sizeof(p->b));
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

/* header: QR and RD/RA always set, flags adds AA/TC, rcode in the low bits */
static void
hdr(struct pkt *p, unsigned flags, unsigned rcode, unsigned qd, unsigned an,
        unsigned ns, unsigned ar)
{
	p->len = 0;
	put16(p, 0);
	put16(p, 0x8000 | 0x0100 | 0x0080 | flags | rcode);
	put16(p, qd);
	put16(p, an);
	put16(p, ns);
	put16(p, ar);
}

/* wire name from "a.b.c" ("" or "." for the root); no compression */
static size_t
name(struct pkt *p, const char *s)
{
	size_t      at = p->len;
	const char *dot;

	while (*s != '\0' && strcmp(s, ".") != 0) {
		dot      = strchr(s, '.');
		size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);
		put8(p, (unsigned)n);
		putbytes(p, s, n);
		s += n;
		if (*s == '.') {
			s++;
		}
	}
	put8(p, 0);
	return (at);
}

static void
ptr(struct pkt *p, size_t off)
{
	put16(p, 0xc000 | (unsigned)off);
}

static size_t
question(struct pkt *p, const char *qname, unsigned type)
{
	size_t at = name(p, qname);

	put16(p, type);
	put16(p, 1);
	return (at);
}

/* rr header; returns the offset of RDLENGTH, to be fixed by rr_end */
static size_t
rr_begin(struct pkt *p, const char *owner, unsigned type, unsigned cls,
        uint32_t ttl)
{
	name(p, owner);
	put16(p, type);
	put16(p, cls);
	put32(p, ttl);
	put16(p, 0);
	return (p->len - 2);
}

static void
rr_end(struct pkt *p, size_t rdlen_at)
{
	size_t n = p->len - rdlen_at - 2;

	p->b[rdlen_at]     = (unsigned char)(n >> 8);
	p->b[rdlen_at + 1] = (unsigned char)(n & 0xff);
}

static void
rr_a(struct pkt *p, const char *owner, uint32_t ttl, const char *addr)
{
	struct in_addr a;
	size_t         at = rr_begin(p, owner, DNS_T_A, 1, ttl);

	assert_int_equal(inet_pton(AF_INET, addr, &a), 1);
	putbytes(p, &a, 4);
	rr_end(p, at);
}

static void
rr_cname(struct pkt *p, const char *owner, uint32_t ttl, const char *target)
{
	size_t at = rr_begin(p, owner, 5, 1, ttl);

	name(p, target);
	rr_end(p, at);
}

/* TXT from n character-strings given with their lengths */
static void
rr_txt(struct pkt *p, const char *owner, uint32_t ttl, int n, ...)
{
	va_list ap;
	size_t  at = rr_begin(p, owner, DNS_T_TXT, 1, ttl);
	int     i;

	va_start(ap, n);
	for (i = 0; i < n; i++) {
		const char *s   = va_arg(ap, const char *);
		size_t      len = va_arg(ap, size_t);
		put8(p, (unsigned)len);
		putbytes(p, s, len);
	}
	va_end(ap);
	rr_end(p, at);
}

static void
rr_soa(struct pkt *p, const char *owner, uint32_t ttl, uint32_t minimum)
{
	size_t at = rr_begin(p, owner, 6, 1, ttl);

	name(p, "ns.example");
	name(p, "hostmaster.example");
	put32(p, 1);
	put32(p, 3600);
	put32(p, 600);
	put32(p, 86400);
	put32(p, minimum);
	rr_end(p, at);
}

static void
parse(const struct pkt *p, int qtype, int sec, struct dns_result *res)
{
	dns_parse_answer(p->b, p->len, qtype, 0, sec, NULL, res);
}

/* ---- tests ---- */

static void
test_txt_strings(void **state)
{
	struct pkt        p;
	struct dns_result res;

	(void)state;
	hdr(&p, F_AA, 0, 1, 2, 0, 0);
	question(&p, "_MTA-STS.Example.COM", DNS_T_TXT);
	rr_txt(&p, "_mta-sts.example.com", 300, 2, "v=STSv1; ", (size_t)9,
	        "id=20240101;", (size_t)12);
	rr_txt(&p, "_mta-sts.example.com", 200, 3, "a\0b", (size_t)3, "",
	        (size_t)0, "c", (size_t)1);
	parse(&p, DNS_T_TXT, 2, &res);
	assert_int_equal(res.status, DNS_FOUND);
	assert_int_equal(res.secure, 1);
	assert_int_equal(res.rcode, 0);
	assert_int_equal(res.ttl, 200);
	assert_string_equal(res.canon, "_mta-sts.example.com");
	assert_int_equal(res.nrr, 2);
	assert_int_equal(res.rr[0].type, DNS_T_TXT);
	assert_int_equal(res.rr[0].ttl, 300);
	assert_int_equal(res.rr[0].u.txt.len, 21);
	assert_string_equal(res.rr[0].u.txt.text, "v=STSv1; id=20240101;");
	assert_int_equal(res.rr[1].u.txt.len, 4);
	assert_memory_equal(res.rr[1].u.txt.text, "a\0bc", 5);
	dns_result_clear(&res);
	assert_int_equal(res.nrr, 0);
	assert_null(res.rr);

	/* insecure: same data, secure 0 */
	parse(&p, DNS_T_TXT, 0, &res);
	assert_int_equal(res.status, DNS_FOUND);
	assert_int_equal(res.secure, 0);
	dns_result_clear(&res);
}

static void
test_txt_empty_rdata(void **state)
{
	struct pkt        p;
	struct dns_result res;
	size_t            at;

	(void)state;
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "t.example", DNS_T_TXT);
	at = rr_begin(&p, "t.example", DNS_T_TXT, 1, 60);
	rr_end(&p, at);
	parse(&p, DNS_T_TXT, 0, &res);
	assert_int_equal(res.status, DNS_FOUND);
	assert_int_equal(res.rr[0].u.txt.len, 0);
	assert_string_equal(res.rr[0].u.txt.text, "");
	dns_result_clear(&res);
}

static void
test_cname_chain(void **state)
{
	struct pkt        p;
	struct dns_result res;
	size_t            q, at;

	(void)state;
	hdr(&p, 0, 0, 1, 5, 0, 0);
	q = question(&p, "Alias.Example", DNS_T_A);
	/* owner by compression pointer to the question name, upper case */
	ptr(&p, q);
	put16(&p, 5);
	put16(&p, 1);
	put32(&p, 100);
	put16(&p, 0);
	at = p.len - 2;
	name(&p, "ALIAS2.example");
	rr_end(&p, at);
	rr_a(&p, "unrelated.example", 50, "192.0.2.9"); /* ignored */
	rr_cname(&p, "alias2.example", 400, "www.example.");
	rr_a(&p, "www.example", 600, "192.0.2.1");
	rr_a(&p, "WWW.example", 700, "192.0.2.2");
	parse(&p, DNS_T_A, 2, &res);
	assert_int_equal(res.status, DNS_FOUND);
	assert_int_equal(res.secure, 1);
	assert_string_equal(res.canon, "www.example");
	assert_int_equal(res.nrr, 2);
	assert_int_equal(res.ttl, 100); /* the chain's TTL counts too */
	assert_int_equal(ntohl(res.rr[0].u.a.s_addr), 0xc0000201);
	assert_int_equal(ntohl(res.rr[1].u.a.s_addr), 0xc0000202);
	dns_result_clear(&res);
}

static void
test_cname_then_nodata(void **state)
{
	struct pkt        p;
	struct dns_result res;

	(void)state;
	hdr(&p, 0, 0, 1, 1, 1, 0);
	question(&p, "alias.example", DNS_T_TLSA);
	rr_cname(&p, "alias.example", 30, "www.example");
	rr_soa(&p, "example", 300, 120);
	parse(&p, DNS_T_TLSA, 2, &res);
	assert_int_equal(res.status, DNS_NOTFOUND);
	assert_int_equal(res.secure, 1);
	assert_string_equal(res.why, "no TLSA records");
	assert_string_equal(res.canon, "www.example");
	assert_int_equal(res.ttl, 30);
	dns_result_clear(&res);
}

static void
test_cname_loop(void **state)
{
	struct pkt        p;
	struct dns_result res;

	(void)state;
	hdr(&p, 0, 0, 1, 2, 0, 0);
	question(&p, "a.example", DNS_T_A);
	rr_cname(&p, "a.example", 30, "b.example");
	rr_cname(&p, "b.example", 30, "a.example");
	parse(&p, DNS_T_A, 0, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	assert_string_equal(res.why, "CNAME chain too long");
	dns_result_clear(&res);
}

static void
test_nodata(void **state)
{
	struct pkt        p;
	struct dns_result res;

	(void)state;
	hdr(&p, F_AA, 0, 1, 1, 1, 0);
	question(&p, "www.example", DNS_T_MX);
	rr_a(&p, "other.example", 300, "192.0.2.1"); /* wrong owner/type */
	rr_soa(&p, "example", 300, 60);
	parse(&p, DNS_T_MX, 2, &res);
	assert_int_equal(res.status, DNS_NOTFOUND);
	assert_int_equal(res.secure, 1);
	assert_int_equal(res.rcode, 0);
	assert_string_equal(res.why, "no MX records");
	assert_int_equal(res.ttl, 60);
	assert_int_equal(res.nrr, 0);
	dns_result_clear(&res);

	/* a record of the type at another name is not an answer */
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "www.example", DNS_T_A);
	rr_a(&p, "www2.example", 300, "192.0.2.1");
	parse(&p, DNS_T_A, 0, &res);
	assert_int_equal(res.status, DNS_NOTFOUND);
	assert_int_equal(res.ttl, 0); /* no SOA: unknown */
	dns_result_clear(&res);

	/* class CH records are ignored */
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "www.example", DNS_T_A);
	size_t at = rr_begin(&p, "www.example", DNS_T_A, 3, 300);
	put32(&p, 0x7f000001);
	rr_end(&p, at);
	parse(&p, DNS_T_A, 0, &res);
	assert_int_equal(res.status, DNS_NOTFOUND);
	dns_result_clear(&res);
}

static void
test_nxdomain(void **state)
{
	struct pkt        p;
	struct dns_result res;

	(void)state;
	hdr(&p, F_AA, 3, 1, 0, 1, 0);
	question(&p, "nope.example", DNS_T_A);
	rr_soa(&p, "example", 30, 3600);
	parse(&p, DNS_T_A, 2, &res);
	assert_int_equal(res.status, DNS_NOTFOUND);
	assert_int_equal(res.secure, 1);
	assert_int_equal(res.rcode, 3);
	assert_string_equal(res.why, "NXDOMAIN");
	assert_int_equal(res.ttl, 30);
	dns_result_clear(&res);

	hdr(&p, 0, 3, 1, 0, 0, 0);
	question(&p, "nope.example", DNS_T_A);
	parse(&p, DNS_T_A, 0, &res);
	assert_int_equal(res.status, DNS_NOTFOUND);
	assert_int_equal(res.secure, 0);
	assert_int_equal(res.ttl, 0);
	dns_result_clear(&res);

	/* an error rcode from unbound, without a packet */
	dns_parse_answer(NULL, 0, DNS_T_A, 3, 0, NULL, &res);
	assert_int_equal(res.status, DNS_NOTFOUND);
	assert_int_equal(res.rcode, 3);
	dns_result_clear(&res);
}

static void
test_tempfail(void **state)
{
	static const struct {
		unsigned    rcode;
		const char *why;
	} rc[] = { { 1, "FORMERR" }, { 2, "SERVFAIL" }, { 4, "NOTIMP" },
		{ 5, "REFUSED" }, { 9, "rcode 9" } };
	struct pkt        p;
	struct dns_result res;
	size_t            i;

	(void)state;
	for (i = 0; i < sizeof(rc) / sizeof(rc[0]); i++) {
		hdr(&p, 0, rc[i].rcode, 1, 1, 0, 0);
		question(&p, "www.example", DNS_T_A);
		rr_a(&p, "www.example", 300, "192.0.2.1");
		parse(&p, DNS_T_A, 2, &res);
		assert_int_equal(res.status, DNS_TEMPFAIL);
		assert_int_equal(res.secure, 0);
		assert_int_equal(res.rcode, rc[i].rcode);
		assert_string_equal(res.why, rc[i].why);
		assert_int_equal(res.nrr, 0);
		dns_result_clear(&res);

		/* rcode from unbound: the packet is not looked at */
		dns_parse_answer(
		        p.b, p.len, DNS_T_A, (int)rc[i].rcode, 0, NULL, &res);
		assert_int_equal(res.status, DNS_TEMPFAIL);
		assert_string_equal(res.why, rc[i].why);
		dns_result_clear(&res);
	}

	dns_parse_answer(NULL, 0, DNS_T_A, 0, 0, NULL, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	assert_string_equal(res.why, "no answer packet");
	dns_result_clear(&res);

	hdr(&p, F_TC, 0, 1, 0, 0, 0);
	question(&p, "www.example", DNS_T_A);
	parse(&p, DNS_T_A, 0, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	assert_string_equal(res.why, "truncated answer");
	dns_result_clear(&res);
}

static void
test_garbage(void **state)
{
	static const unsigned char junk[] = "\x12\x34\x81\x80\xff\xff\x00\x00"
	                                    "\x00\x00\x00\x00\x03www";
	struct pkt                 p;
	struct dns_result          res;
	size_t                     cut;

	(void)state;
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "www.example", DNS_T_A);
	rr_a(&p, "www.example", 300, "192.0.2.1");
	/* every truncation of a good packet is a temporary failure */
	for (cut = 0; cut < p.len; cut++) {
		dns_parse_answer(p.b, cut, DNS_T_A, 0, 2, NULL, &res);
		assert_int_equal(res.status, DNS_TEMPFAIL);
		assert_int_equal(res.nrr, 0);
		dns_result_clear(&res);
	}
	/* trailing garbage */
	put8(&p, 0);
	parse(&p, DNS_T_A, 0, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	dns_result_clear(&res);

	dns_parse_answer(junk, sizeof(junk) - 1, DNS_T_A, 0, 0, NULL, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	assert_string_equal(res.why, "malformed answer");
	dns_result_clear(&res);

	/* no question */
	hdr(&p, 0, 0, 0, 1, 0, 0);
	rr_a(&p, "www.example", 300, "192.0.2.1");
	parse(&p, DNS_T_A, 0, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	dns_result_clear(&res);

	/* an answer to another type */
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "www.example", DNS_T_AAAA);
	rr_a(&p, "www.example", 300, "192.0.2.1");
	parse(&p, DNS_T_A, 0, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	assert_string_equal(res.why, "answer to another question");
	dns_result_clear(&res);
}

static void
test_bogus_wins(void **state)
{
	struct pkt        p;
	struct dns_result res;

	(void)state;
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "_mta-sts.example", DNS_T_TXT);
	rr_txt(&p, "_mta-sts.example", 300, 1, "v=STSv1; id=x;", (size_t)14);
	dns_parse_answer(p.b, p.len, DNS_T_TXT, 0, 1,
	        "validation failure <_mta-sts.example. TXT IN>: signature "
	        "crypto failed",
	        &res);
	assert_int_equal(res.status, DNS_BOGUS);
	assert_int_equal(res.secure, 0);
	assert_int_equal(res.rcode, 0);
	assert_int_equal(res.nrr, 0);
	assert_null(res.rr);
	assert_non_null(strstr(res.why, "signature crypto failed"));
	dns_result_clear(&res);

	dns_parse_answer(p.b, p.len, DNS_T_TXT, 0, 1, NULL, &res);
	assert_int_equal(res.status, DNS_BOGUS);
	assert_string_equal(res.why, "DNSSEC validation failed");
	dns_result_clear(&res);

	/* bogus denial */
	hdr(&p, 0, 3, 1, 0, 0, 0);
	question(&p, "_mta-sts.example", DNS_T_TXT);
	dns_parse_answer(p.b, p.len, DNS_T_TXT, 0, 1, "bad NSEC", &res);
	assert_int_equal(res.status, DNS_BOGUS);
	assert_int_equal(res.rcode, 3);
	assert_string_equal(res.why, "bad NSEC");
	dns_result_clear(&res);

	/* even without a usable packet */
	dns_parse_answer(NULL, 0, DNS_T_TXT, 0, 1, "x", &res);
	assert_int_equal(res.status, DNS_BOGUS);
	dns_result_clear(&res);
}

static void
test_mx(void **state)
{
	struct pkt        p;
	struct dns_result res;
	size_t            q, at;

	(void)state;
	hdr(&p, 0, 0, 1, 3, 0, 0);
	q  = question(&p, "example.org", DNS_T_MX);
	at = rr_begin(&p, "example.org", DNS_T_MX, 1, 3600);
	put16(&p, 10);
	put8(&p, 3);
	putbytes(&p, "MX1", 3);
	ptr(&p, q); /* mx1.example.org by compression */
	rr_end(&p, at);
	at = rr_begin(&p, "example.org", DNS_T_MX, 1, 3600);
	put16(&p, 20);
	name(&p, "Mx2.Other.NET.");
	rr_end(&p, at);
	at = rr_begin(&p, "example.org", DNS_T_MX, 1, 0x80000000u);
	put16(&p, 0);
	name(&p, ".");
	rr_end(&p, at);
	parse(&p, DNS_T_MX, 2, &res);
	assert_int_equal(res.status, DNS_FOUND);
	assert_int_equal(res.nrr, 3);
	assert_int_equal(res.rr[0].u.mx.pref, 10);
	assert_string_equal(res.rr[0].u.mx.host, "mx1.example.org");
	assert_int_equal(res.rr[1].u.mx.pref, 20);
	assert_string_equal(res.rr[1].u.mx.host, "mx2.other.net");
	assert_int_equal(res.rr[2].u.mx.pref, 0);
	assert_string_equal(res.rr[2].u.mx.host, ""); /* null MX */
	assert_int_equal(res.rr[2].ttl, 0); /* RFC 2181: top bit set */
	assert_int_equal(res.ttl, 0);
	dns_result_clear(&res);

	/* the name must fill the rdata exactly */
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "example.org", DNS_T_MX);
	at = rr_begin(&p, "example.org", DNS_T_MX, 1, 3600);
	put16(&p, 10);
	name(&p, "mx.example.org");
	put8(&p, 0);
	rr_end(&p, at);
	parse(&p, DNS_T_MX, 0, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	assert_string_equal(res.why, "malformed MX record");
	dns_result_clear(&res);

	/* a name whose text form is longer than 253 characters */
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "example.org", DNS_T_MX);
	at = rr_begin(&p, "example.org", DNS_T_MX, 1, 3600);
	put16(&p, 10);
	for (int l = 0; l < 3; l++) {
		put8(&p, 63);
		for (int i = 0; i < 63; i++) {
			put8(&p, '(');
		}
	}
	put8(&p, 0);
	rr_end(&p, at);
	parse(&p, DNS_T_MX, 0, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	dns_result_clear(&res);
}

static void
test_tlsa_a_aaaa(void **state)
{
	static const unsigned char digest[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9,
		10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
		26, 27, 28, 29, 30, 31, 32 };
	struct in6_addr            a6;
	struct pkt                 p;
	struct dns_result          res;
	size_t                     at;

	(void)state;
	hdr(&p, 0, 0, 1, 2, 0, 0);
	question(&p, "_25._tcp.mx.example", DNS_T_TLSA);
	at = rr_begin(&p, "_25._tcp.mx.example", DNS_T_TLSA, 1, 300);
	put8(&p, 3);
	put8(&p, 1);
	put8(&p, 1);
	putbytes(&p, digest, sizeof(digest));
	rr_end(&p, at);
	at = rr_begin(&p, "_25._tcp.mx.example", DNS_T_TLSA, 1, 300);
	put8(&p, 2);
	put8(&p, 0);
	put8(&p, 0);
	rr_end(&p, at);
	parse(&p, DNS_T_TLSA, 2, &res);
	assert_int_equal(res.status, DNS_FOUND);
	assert_int_equal(res.nrr, 2);
	assert_int_equal(res.rr[0].u.tlsa.usage, 3);
	assert_int_equal(res.rr[0].u.tlsa.selector, 1);
	assert_int_equal(res.rr[0].u.tlsa.mtype, 1);
	assert_int_equal(res.rr[0].u.tlsa.len, 32);
	assert_memory_equal(res.rr[0].u.tlsa.data, digest, 32);
	assert_int_equal(res.rr[1].u.tlsa.usage, 2);
	assert_int_equal(res.rr[1].u.tlsa.len, 0);
	dns_result_clear(&res);

	/* TLSA shorter than its three fixed octets */
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "_25._tcp.mx.example", DNS_T_TLSA);
	at = rr_begin(&p, "_25._tcp.mx.example", DNS_T_TLSA, 1, 300);
	put8(&p, 3);
	put8(&p, 1);
	rr_end(&p, at);
	parse(&p, DNS_T_TLSA, 2, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	assert_string_equal(res.why, "malformed TLSA record");
	dns_result_clear(&res);

	/* A of the wrong length */
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "mx.example", DNS_T_A);
	at = rr_begin(&p, "mx.example", DNS_T_A, 1, 300);
	put32(&p, 0x7f000001);
	put8(&p, 0);
	rr_end(&p, at);
	parse(&p, DNS_T_A, 0, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	assert_string_equal(res.why, "malformed A record");
	dns_result_clear(&res);

	/* AAAA */
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "mx.example", DNS_T_AAAA);
	at = rr_begin(&p, "mx.example", DNS_T_AAAA, 1, 300);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::25", &a6), 1);
	putbytes(&p, &a6, 16);
	rr_end(&p, at);
	parse(&p, DNS_T_AAAA, 0, &res);
	assert_int_equal(res.status, DNS_FOUND);
	assert_memory_equal(&res.rr[0].u.aaaa, &a6, 16);
	dns_result_clear(&res);
}

static void
test_txt_overrun(void **state)
{
	struct pkt        p;
	struct dns_result res;
	size_t            at;

	(void)state;
	hdr(&p, 0, 0, 1, 1, 0, 0);
	question(&p, "t.example", DNS_T_TXT);
	at = rr_begin(&p, "t.example", DNS_T_TXT, 1, 60);
	put8(&p, 5);
	putbytes(&p, "abc", 3);
	rr_end(&p, at);
	parse(&p, DNS_T_TXT, 0, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	assert_string_equal(res.why, "malformed TXT record");
	assert_int_equal(res.nrr, 0);
	dns_result_clear(&res);
}

static void
test_unsupported_type(void **state)
{
	struct pkt        p;
	struct dns_result res;

	(void)state;
	hdr(&p, 0, 0, 1, 0, 0, 0);
	question(&p, "t.example", 99);
	parse(&p, 99, 0, &res);
	assert_int_equal(res.status, DNS_TEMPFAIL);
	assert_string_equal(res.why, "unsupported type TYPE99");
	dns_result_clear(&res);
}

static void
test_status_name(void **state)
{
	(void)state;
	assert_string_equal(dns_status_name(DNS_FOUND), "found");
	assert_string_equal(dns_status_name(DNS_NOTFOUND), "notfound");
	assert_string_equal(dns_status_name(DNS_TEMPFAIL), "tempfail");
	assert_string_equal(dns_status_name(DNS_BOGUS), "bogus");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txt_strings),
		cmocka_unit_test(test_txt_empty_rdata),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_cname_then_nodata),
		cmocka_unit_test(test_cname_loop),
		cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_nxdomain),
		cmocka_unit_test(test_tempfail),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_bogus_wins),
		cmocka_unit_test(test_mx),
		cmocka_unit_test(test_tlsa_a_aaaa),
		cmocka_unit_test(test_txt_overrun),
		cmocka_unit_test(test_unsupported_type),
		cmocka_unit_test(test_status_name),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
