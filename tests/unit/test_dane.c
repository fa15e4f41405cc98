/*
 * test_dane.c - table-driven tests of the pure DANE rules (dane.c,
 * dane_tlsa.c, dane_why.c): TLSA usability for SMTP (RFC 7672 §3.1, RFC 6698
 * §2.1), RFC 7218 names, result reference counting, and the MX / address /
 * TLSA steps and the conclusion applied to hand-built DNS answers (RFC 7672
 * §2.1, §2.2, §2.2.1, §2.2.2; RFC 7505; RFC 5321 §5.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dane/dane.h"
#include "dns_answers.h"

/* hwhy, tname, rwhy - the texts produced from the fields (each its own
 * buffer, valid until the next call of the same helper). */
static const char *
hwhy(const struct dane_host *h)
{
	static char buf[DANE_HOST_WHY_MAX];

	return (dane_host_why(h, buf, sizeof(buf)));
}

static const char *
tname(const struct dane_host *h)
{
	static char buf[DANE_TLSA_NAME_MAX];

	return (dane_host_tlsa_name(h, buf, sizeof(buf)));
}

static const char *
rwhy(const struct dane_result *r)
{
	static char buf[DANE_RESULT_WHY_MAX];

	return (dane_result_why(r, buf, sizeof(buf)));
}

/* ---- dane_tlsa_check ------------------------------------------------- */

struct check_case {
	uint8_t              usage, selector, mtype;
	size_t               len;
	enum dane_tlsa_check want;
	const char          *why; /* substring of the reason */
};

static const struct check_case check_cases[] = {
	/* usable: DANE-TA(2) and DANE-EE(3), every selector/mtype */
	{ 3, 1, 1, 32, DANE_TLSA_USABLE, "DANE-EE(3) SPKI(1) SHA2-256(1)" },
	{ 3, 0, 1, 32, DANE_TLSA_USABLE, "Cert(0)" },
	{ 3, 1, 2, 64, DANE_TLSA_USABLE, "SHA2-512(2)" },
	{ 3, 0, 2, 64, DANE_TLSA_USABLE, NULL },
	{ 3, 1, 0, 1, DANE_TLSA_USABLE, "Full(0)" },
	{ 3, 0, 0, 1200, DANE_TLSA_USABLE, NULL },
	{ 2, 0, 1, 32, DANE_TLSA_USABLE, "DANE-TA(2)" },
	{ 2, 1, 1, 32, DANE_TLSA_USABLE, NULL },
	{ 2, 0, 2, 64, DANE_TLSA_USABLE, NULL },
	{ 2, 1, 0, 91, DANE_TLSA_USABLE, NULL },
	{ 2, 0, 0, 65535, DANE_TLSA_USABLE, NULL },
	/* usage: PKIX-TA(0), PKIX-EE(1) not for SMTP; unknown ones */
	{ 0, 0, 1, 32, DANE_TLSA_BAD_USAGE, "PKIX-TA(0) is not usable" },
	{ 1, 1, 1, 32, DANE_TLSA_BAD_USAGE, "PKIX-EE(1) is not usable" },
	{ 1, 1, 1, 32, DANE_TLSA_BAD_USAGE, "RFC 7672 section 3.1.3" },
	{ 4, 1, 1, 32, DANE_TLSA_BAD_USAGE, "unknown certificate usage 4" },
	{ 254, 1, 1, 32, DANE_TLSA_BAD_USAGE, "usage 254" },
	{ 255, 1, 1, 32, DANE_TLSA_BAD_USAGE, "PrivCert(255)" },
	/* usage is checked first */
	{ 0, 9, 9, 0, DANE_TLSA_BAD_USAGE, NULL },
	{ 1, 2, 1, 32, DANE_TLSA_BAD_USAGE, NULL },
	/* selector */
	{ 3, 2, 1, 32, DANE_TLSA_BAD_SELECTOR, "unknown selector 2" },
	{ 2, 2, 1, 32, DANE_TLSA_BAD_SELECTOR, NULL },
	{ 3, 254, 1, 32, DANE_TLSA_BAD_SELECTOR, NULL },
	{ 3, 255, 1, 32, DANE_TLSA_BAD_SELECTOR, "PrivSel(255)" },
	{ 3, 2, 9, 0, DANE_TLSA_BAD_SELECTOR, NULL },
	/* matching type */
	{ 3, 1, 3, 32, DANE_TLSA_BAD_MTYPE, "unknown matching type 3" },
	{ 2, 0, 3, 48, DANE_TLSA_BAD_MTYPE, NULL },
	{ 3, 1, 254, 32, DANE_TLSA_BAD_MTYPE, NULL },
	{ 3, 1, 255, 32, DANE_TLSA_BAD_MTYPE, "PrivMatch(255)" },
	{ 3, 1, 7, 0, DANE_TLSA_BAD_MTYPE, NULL },
	/* lengths */
	{ 3, 1, 0, 0, DANE_TLSA_BAD_LENGTH, "empty Full(0)" },
	{ 2, 0, 0, 0, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 1, 0, DANE_TLSA_BAD_LENGTH, "0 bytes, not 32" },
	{ 3, 1, 1, 1, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 1, 31, DANE_TLSA_BAD_LENGTH, "31 bytes, not 32" },
	{ 3, 1, 1, 33, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 1, 64, DANE_TLSA_BAD_LENGTH, "64 bytes, not 32" },
	{ 2, 0, 1, 20, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 2, 0, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 2, 32, DANE_TLSA_BAD_LENGTH, "32 bytes, not 64" },
	{ 3, 1, 2, 63, DANE_TLSA_BAD_LENGTH, NULL },
	{ 3, 1, 2, 65, DANE_TLSA_BAD_LENGTH, NULL },
	{ 2, 1, 2, 48, DANE_TLSA_BAD_LENGTH, NULL },
};

static void
test_tlsa_check(void **state)
{
	size_t i;
	char   why[256];

	(void)state;
	for (i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		const struct check_case *c = &check_cases[i];
		enum dane_tlsa_check     got;

		why[0] = '\0';
		got = dane_tlsa_check(c->usage, c->selector, c->mtype, c->len,
		        why, sizeof(why));
		if (got != c->want
		        || (c->why != NULL && strstr(why, c->why) == NULL)) {
			print_error("case %zu: %u %u %u len %zu: got %d (%s), "
			            "want %d (%s)\n",
			        i, c->usage, c->selector, c->mtype, c->len,
			        (int)got, why, (int)c->want,
			        c->why != NULL ? c->why : "");
			fail();
		}
		assert_true(why[0] != '\0');
		/* why is optional, and a short buffer is cut, not overrun */
		assert_int_equal(dane_tlsa_check(c->usage, c->selector,
		                         c->mtype, c->len, NULL, 0),
		        c->want);
		memset(why, 'x', sizeof(why));
		assert_int_equal(dane_tlsa_check(c->usage, c->selector,
		                         c->mtype, c->len, why, 4),
		        c->want);
		assert_int_equal(strlen(why), 3);
	}
}

/* ---- names ----------------------------------------------------------- */

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(dane_usage_name(0), "PKIX-TA");
	assert_string_equal(dane_usage_name(1), "PKIX-EE");
	assert_string_equal(dane_usage_name(2), "DANE-TA");
	assert_string_equal(dane_usage_name(3), "DANE-EE");
	assert_string_equal(dane_usage_name(4), "?");
	assert_string_equal(dane_usage_name(255), "PrivCert");
	assert_string_equal(dane_selector_name(0), "Cert");
	assert_string_equal(dane_selector_name(1), "SPKI");
	assert_string_equal(dane_selector_name(2), "?");
	assert_string_equal(dane_selector_name(255), "PrivSel");
	assert_string_equal(dane_mtype_name(0), "Full");
	assert_string_equal(dane_mtype_name(1), "SHA2-256");
	assert_string_equal(dane_mtype_name(2), "SHA2-512");
	assert_string_equal(dane_mtype_name(3), "?");
	assert_string_equal(dane_mtype_name(255), "PrivMatch");
	assert_string_equal(dane_mx_status_name(DANE_MX_SECURE), "secure");
	assert_string_equal(dane_mx_status_name(DANE_MX_INSECURE), "insecure");
	assert_string_equal(dane_mx_status_name(DANE_MX_IMPLICIT), "implicit");
	assert_string_equal(dane_mx_status_name(DANE_MX_NULL), "null");
	assert_string_equal(dane_mx_status_name(DANE_MX_NODOMAIN), "nxdomain");
	assert_string_equal(dane_mx_status_name(DANE_MX_TEMPFAIL), "tempfail");
	assert_string_equal(dane_mx_status_name((enum dane_mx_status)99), "?");
	assert_string_equal(dane_host_status_name(DANE_HOST_USABLE), "usable");
	assert_string_equal(
	        dane_host_status_name(DANE_HOST_UNUSABLE), "unusable");
	assert_string_equal(dane_host_status_name(DANE_HOST_NONE), "none");
	assert_string_equal(
	        dane_host_status_name(DANE_HOST_TEMPFAIL), "tempfail");
	assert_string_equal(
	        dane_host_status_name((enum dane_host_status)99), "?");
}

/* ---- results --------------------------------------------------------- */

static void
test_result_refs(void **state)
{
	struct dane_result *r;

	(void)state;
	r = dane_result_new("example.org");
	assert_non_null(r);
	assert_int_equal(r->refs, 1);
	assert_string_equal(r->domain, "example.org");
	assert_int_equal(r->nhost, 0);
	assert_null(r->hosts);
	/* give it owned hosts and TLSA data: the last unref frees them */
	r->hosts = calloc(2, sizeof(*r->hosts));
	r->nhost = 2;
	/* one allocation: the records, then their data */
	r->hosts[1].tlsa         = calloc(1, sizeof(*r->hosts[1].tlsa) + 32);
	r->hosts[1].ntlsa        = 1;
	r->hosts[1].tlsa[0].data = (unsigned char *)(r->hosts[1].tlsa + 1);
	r->hosts[1].tlsa[0].len  = 32;
	r->hosts[1].canon        = strdup("real.example.org");
	dane_host_set_why(&r->hosts[1], "a %s", "text");
	assert_ptr_equal(dane_result_ref(r), r);
	assert_int_equal(r->refs, 2);
	dane_result_unref(r);
	assert_int_equal(r->refs, 1);
	dane_result_unref(r); /* frees; ASan/valgrind see any leak */
	dane_result_unref(NULL);
	assert_null(dane_result_ref(NULL));
}

/* ---- hand-built DNS answers ------------------------------------------ */

static void
mk_status(struct dns_result *res, enum dns_status st, int secure, int rcode,
        const char *why)
{
	memset(res, 0, sizeof(*res));
	res->status = st;
	res->secure = secure;
	res->rcode  = rcode;
	snprintf(res->why, sizeof(res->why), "%s", why);
}

#define NREC(a) (sizeof(a) / sizeof((a)[0]))

struct mx_case {
	const char         *name;
	int                 secure;
	const struct mxrec *recs;
	size_t              nrec;
	enum dane_mx_status want;
	size_t              want_pending;
	const char         *hosts; /* "name/pref,..." */
	const char         *why;   /* substring */
};

static const struct mxrec mx_sorted[] = {
	{ 20, "b.example" },
	{ 10, "a.example" },
	{ 20, "c.example" },
	{ 5, "z.example" },
	{ 10, "d.example" },
};
static const struct mxrec mx_dup[] = {
	{ 20, "a.example" },
	{ 10, "b.example" },
	{ 10, "a.example" },
	{ 30, "b.example" },
};
static const struct mxrec mx_null[]  = { { 0, "" } };
static const struct mxrec mx_null2[] = { { 0, "" }, { 10, "" } };
static const struct mxrec mx_mixed[] = { { 0, "" }, { 10, "mx.example" } };
static const struct mxrec mx_mixed2[]
        = { { 10, "mx.example" }, { 20, "" }, { 30, "mx2.example" } };
static const struct mxrec mx_many[] = {
	{ 17, "h17" },
	{ 16, "h16" },
	{ 15, "h15" },
	{ 14, "h14" },
	{ 13, "h13" },
	{ 12, "h12" },
	{ 11, "h11" },
	{ 10, "h10" },
	{ 9, "h09" },
	{ 8, "h08" },
	{ 7, "h07" },
	{ 6, "h06" },
	{ 5, "h05" },
	{ 4, "h04" },
	{ 3, "h03" },
	{ 2, "h02" },
	{ 1, "h01" },
	{ 1, "h01" },
};
static const struct mxrec mx_sixteen[] = {
	{ 1, "h01" },
	{ 2, "h02" },
	{ 3, "h03" },
	{ 4, "h04" },
	{ 5, "h05" },
	{ 6, "h06" },
	{ 7, "h07" },
	{ 8, "h08" },
	{ 9, "h09" },
	{ 10, "h10" },
	{ 11, "h11" },
	{ 12, "h12" },
	{ 13, "h13" },
	{ 14, "h14" },
	{ 15, "h15" },
	{ 16, "h16" },
	{ 16, "h16" },
	{ 1, "h01" },
	{ 1, "" },
};

static const struct mx_case mx_cases[] = {
	{ "stable sort", 1, mx_sorted, NREC(mx_sorted), DANE_MX_SECURE, 5,
	        "z.example/5,a.example/10,d.example/10,b.example/20,"
	        "c.example/20",
	        "DNSSEC-signed MX RRset, 5 hosts" },
	{ "insecure", 0, mx_sorted, NREC(mx_sorted), DANE_MX_INSECURE, 0,
	        "z.example/5,a.example/10,d.example/10,b.example/20,"
	        "c.example/20",
	        "not DNSSEC-signed" },
	{ "duplicates: lowest preference kept", 1, mx_dup, NREC(mx_dup),
	        DANE_MX_SECURE, 2, "b.example/10,a.example/10", "2 hosts" },
	{ "null MX", 1, mx_null, NREC(mx_null), DANE_MX_NULL, 0, "",
	        "null MX (RFC 7505)" },
	{ "null MX insecure", 0, mx_null, NREC(mx_null), DANE_MX_NULL, 0, "",
	        "accepts no mail" },
	{ "two null MX", 1, mx_null2, NREC(mx_null2), DANE_MX_NULL, 0, "",
	        "null MX" },
	{ "null MX mixed", 1, mx_mixed, NREC(mx_mixed), DANE_MX_SECURE, 1,
	        "mx.example/10", "ignored a null MX" },
	{ "null MX mixed in the middle", 0, mx_mixed2, NREC(mx_mixed2),
	        DANE_MX_INSECURE, 0, "mx.example/10,mx2.example/30",
	        "ignored a null MX" },
	{ "more than 16", 1, mx_many, NREC(mx_many), DANE_MX_SECURE, 16,
	        "h01/1,h02/2,h03/3,h04/4,h05/5,h06/6,h07/7,h08/8,h09/9,"
	        "h10/10,h11/11,h12/12,h13/13,h14/14,h15/15,h16/16",
	        "only the 16 most preferred" },
	{ "exactly 16 after dedup", 1, mx_sixteen, NREC(mx_sixteen),
	        DANE_MX_SECURE, 16,
	        "h01/1,h02/2,h03/3,h04/4,h05/5,h06/6,h07/7,h08/8,h09/9,"
	        "h10/10,h11/11,h12/12,h13/13,h14/14,h15/15,h16/16",
	        "16 hosts; ignored a null MX" },
};

static void
hosts_string(const struct dane_result *r, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < r->nhost && off < len; i++) {
		off += (size_t)snprintf(buf + off, len - off, "%s%s/%u",
		        i > 0 ? "," : "", r->hosts[i].name,
		        (unsigned)r->hosts[i].pref);
	}
}

static void
test_mx_found(void **state)
{
	size_t i, j, n;
	char   hosts[1024];

	(void)state;
	for (i = 0; i < NREC(mx_cases); i++) {
		const struct mx_case *c = &mx_cases[i];
		struct dns_result     res;
		struct dane_result   *r = dane_result_new("example.org");

		mk_mx(&res, c->secure, c->recs, c->nrec);
		n = dane_mx_apply(r, &res);
		hosts_string(r, hosts, sizeof(hosts));
		if (r->mx_status != c->want || n != c->want_pending
		        || strcmp(hosts, c->hosts) != 0
		        || strstr(rwhy(r), c->why) == NULL
		        || r->mx_secure != c->secure) {
			print_error("%s: got %s %zu [%s] (%s)\n", c->name,
			        dane_mx_status_name(r->mx_status), n, hosts,
			        rwhy(r));
			fail();
		}
		assert_true(r->nhost <= DANE_MAX_HOSTS);
		if (r->mx_status == DANE_MX_INSECURE) {
			for (j = 0; j < r->nhost; j++) {
				assert_int_equal(
				        r->hosts[j].status, DANE_HOST_NONE);
				assert_string_equal(hwhy(&r->hosts[j]),
				        "MX RRset is not DNSSEC-signed");
				assert_int_equal(r->hosts[j].naddr, 0);
			}
		}
		dns_result_clear(&res);
		dane_result_unref(r);
	}
}

struct mx_fail_case {
	enum dns_status     st;
	int                 secure, rcode;
	enum dane_mx_status want;
	size_t              want_pending, nhost;
	int                 mx_secure;
	const char         *why;
};

static const struct mx_fail_case mx_fail_cases[] = {
	{ DNS_BOGUS, 0, 0, DANE_MX_TEMPFAIL, 0, 0, 0,
	        "DNSSEC validation failed for the MX RRset of example.org" },
	{ DNS_BOGUS, 0, 3, DANE_MX_TEMPFAIL, 0, 0, 0, "deferred" },
	{ DNS_TEMPFAIL, 0, 2, DANE_MX_TEMPFAIL, 0, 0, 0,
	        "MX lookup for example.org failed: upstream" },
	{ DNS_NOTFOUND, 1, 3, DANE_MX_NODOMAIN, 0, 0, 1,
	        "example.org does not exist (NXDOMAIN, DNSSEC-signed)" },
	{ DNS_NOTFOUND, 0, 3, DANE_MX_NODOMAIN, 0, 0, 0,
	        "does not exist (NXDOMAIN)" },
	{ DNS_NOTFOUND, 1, 0, DANE_MX_IMPLICIT, 1, 1, 1,
	        "no MX RRset (securely denied)" },
	{ DNS_NOTFOUND, 0, 0, DANE_MX_IMPLICIT, 0, 1, 0,
	        "the denial is not DNSSEC-signed" },
};

static void
test_mx_notfound_fail(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < NREC(mx_fail_cases); i++) {
		const struct mx_fail_case *c = &mx_fail_cases[i];
		struct dns_result          res;
		struct dane_result        *r = dane_result_new("example.org");

		mk_status(&res, c->st, c->secure, c->rcode, "upstream");
		n = dane_mx_apply(r, &res);
		if (r->mx_status != c->want || n != c->want_pending
		        || r->nhost != c->nhost || r->mx_secure != c->mx_secure
		        || strstr(rwhy(r), c->why) == NULL) {
			print_error("case %zu: got %s %zu %zu (%s)\n", i,
			        dane_mx_status_name(r->mx_status), n,
			        (size_t)r->nhost, rwhy(r));
			fail();
		}
		if (r->mx_status == DANE_MX_IMPLICIT) {
			assert_string_equal(r->hosts[0].name, "example.org");
			assert_int_equal(r->hosts[0].pref, 0);
			assert_int_equal(r->hosts[0].status, DANE_HOST_NONE);
		}
		dane_result_unref(r);
	}
}

/* ---- the address step ------------------------------------------------ */

struct addr_case {
	const char           *name;
	enum dns_status       a_st, aaaa_st;
	int                   a_sec, aaaa_sec;
	size_t                a_n, aaaa_n;
	const char           *a_canon, *aaaa_canon;
	int                   want_next;
	enum dane_host_status want;
	size_t                naddr;
	int                   addr_secure;
	const char           *tlsa_name;
	const char           *why;
};

static const struct addr_case addr_cases[] = {
	{ "secure A and AAAA", DNS_FOUND, DNS_FOUND, 1, 1, 1, 2, "mx.example",
	        "mx.example", 1, DANE_HOST_NONE, 3, 1, "_25._tcp.mx.example",
	        "" },
	{ "secure A only", DNS_FOUND, DNS_NOTFOUND, 1, 1, 2, 0, "mx.example",
	        "", 1, DANE_HOST_NONE, 2, 1, "_25._tcp.mx.example", "" },
	{ "secure AAAA only, through a CNAME", DNS_NOTFOUND, DNS_FOUND, 1, 1,
	        0, 1, "", "real.example", 1, DANE_HOST_NONE, 1, 1,
	        "_25._tcp.real.example", "" },
	{ "CNAME: A's canon wins", DNS_FOUND, DNS_FOUND, 1, 1, 1, 1,
	        "real.example", "other.example", 1, DANE_HOST_NONE, 2, 1,
	        "_25._tcp.real.example", "" },
	{ "no canon: the host name", DNS_FOUND, DNS_NOTFOUND, 1, 1, 1, 0, "",
	        "", 1, DANE_HOST_NONE, 1, 1, "_25._tcp.mx.example", "" },
	{ "A bogus", DNS_BOGUS, DNS_FOUND, 0, 1, 0, 1, "", "mx.example", 0,
	        DANE_HOST_TEMPFAIL, 0, 0, "",
	        "DNSSEC validation failed for mx.example A: oops" },
	{ "AAAA bogus, A tempfail", DNS_TEMPFAIL, DNS_BOGUS, 0, 0, 0, 0, "",
	        "", 0, DANE_HOST_TEMPFAIL, 0, 0, "",
	        "DNSSEC validation failed for mx.example AAAA" },
	{ "AAAA tempfail", DNS_FOUND, DNS_TEMPFAIL, 1, 0, 1, 0, "mx.example",
	        "", 0, DANE_HOST_TEMPFAIL, 0, 0, "",
	        "AAAA lookup for mx.example failed: oops" },
	{ "no addresses", DNS_NOTFOUND, DNS_NOTFOUND, 1, 1, 0, 0, "", "", 0,
	        DANE_HOST_NONE, 0, 1, "", "no address records" },
	{ "A insecure", DNS_FOUND, DNS_NOTFOUND, 0, 0, 1, 0, "mx.example", "",
	        0, DANE_HOST_NONE, 1, 0, "",
	        "address records not DNSSEC-signed" },
	{ "A secure, AAAA insecure", DNS_FOUND, DNS_FOUND, 1, 0, 1, 1,
	        "mx.example", "mx.example", 0, DANE_HOST_NONE, 2, 0, "",
	        "not DNSSEC-signed" },
	{ "A secure, insecure AAAA denial", DNS_FOUND, DNS_NOTFOUND, 1, 0, 1,
	        0, "mx.example", "", 1, DANE_HOST_NONE, 1, 1,
	        "_25._tcp.mx.example", "" },
};

static void
test_addr(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NREC(addr_cases); i++) {
		const struct addr_case *c = &addr_cases[i];
		struct dns_result       a, aaaa;
		struct dane_host        h;
		int                     next;

		memset(&h, 0, sizeof(h));
		h.name = "mx.example";
		mk_status(&a, c->a_st, c->a_sec, 0, "oops");
		mk_status(&aaaa, c->aaaa_st, c->aaaa_sec, 0, "oops");
		a.nrr    = c->a_n; /* rr is never read */
		aaaa.nrr = c->aaaa_n;
		snprintf(a.canon, sizeof(a.canon), "%s", c->a_canon);
		snprintf(aaaa.canon, sizeof(aaaa.canon), "%s", c->aaaa_canon);
		next = dane_addr_apply(&h, &a, &aaaa, 25);
		if (next != c->want_next || h.status != c->want
		        || h.naddr != c->naddr
		        || h.addr_secure != c->addr_secure
		        || strcmp(tname(&h), c->tlsa_name) != 0
		        || strstr(hwhy(&h), c->why) == NULL) {
			print_error("%s: got %d %s naddr %zu secure %d [%s] "
			            "(%s)\n",
			        c->name, next, dane_host_status_name(h.status),
			        (size_t)h.naddr, h.addr_secure, tname(&h),
			        hwhy(&h));
			fail();
		}
		dane_host_clear(&h);
	}
}

static void
test_addr_port(void **state)
{
	struct dns_result a, aaaa;
	struct dane_host  h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.name = "mx.example";
	mk_status(&a, DNS_FOUND, 1, 0, "");
	a.nrr = 1;
	mk_status(&aaaa, DNS_NOTFOUND, 1, 0, "no AAAA records");
	assert_int_equal(dane_addr_apply(&h, &a, &aaaa, 2526), 1);
	assert_string_equal(tname(&h), "_2526._tcp.mx.example");
	dane_host_clear(&h);
}

/* ---- the TLSA step --------------------------------------------------- */

struct tlsarec {
	uint8_t usage, selector, mtype;
	size_t  len;
};

static void
mk_tlsa(struct dns_result *res, int secure, const struct tlsarec *recs,
        size_t n)
{
	size_t i;

	memset(res, 0, sizeof(*res));
	res->status = DNS_FOUND;
	res->secure = secure;
	res->ttl    = 300;
	res->nrr    = n;
	res->rr     = calloc(n, sizeof(*res->rr));
	assert_non_null(res->rr);
	for (i = 0; i < n; i++) {
		res->rr[i].type            = DNS_T_TLSA;
		res->rr[i].u.tlsa.usage    = recs[i].usage;
		res->rr[i].u.tlsa.selector = recs[i].selector;
		res->rr[i].u.tlsa.mtype    = recs[i].mtype;
		res->rr[i].u.tlsa.len      = recs[i].len;
		res->rr[i].u.tlsa.data     = malloc(recs[i].len + 1);
		assert_non_null(res->rr[i].u.tlsa.data);
		memset(res->rr[i].u.tlsa.data, (int)('a' + i),
		        recs[i].len + 1);
	}
}

static void
host_at(struct dane_host *h, const char *name, const char *tlsa_name)
{
	memset(h, 0, sizeof(*h));
	unsigned    port;
	const char *base;

	memset(h, 0, sizeof(*h));
	h->name = name;
	assert_int_equal(sscanf(tlsa_name, "_%u._tcp.", &port), 1);
	base       = strstr(tlsa_name, "._tcp.") + 6;
	h->port    = (uint16_t)port;
	h->tlsa_at = DANE_TLSA_AT_NAME;
	if (strcmp(base, name) != 0) {
		h->canon   = strdup(base);
		h->tlsa_at = DANE_TLSA_AT_CANON;
	}
}

static void
host_free(struct dane_host *h)
{
	dane_host_clear(h);
}

static void
test_tlsa_usable(void **state)
{
	static const struct tlsarec recs[] = {
		{ 1, 1, 1, 32 }, /* PKIX-EE: unusable */
		{ 3, 1, 1, 32 }, { 2, 0, 2, 64 },
		{ 3, 1, 1, 31 }, /* bad length */
		{ 4, 1, 1, 32 }, /* unknown usage */
	};
	struct dns_result t;
	struct dane_host  h;

	(void)state;
	host_at(&h, "mx.example", "_25._tcp.mx.example");
	mk_tlsa(&t, 1, recs, NREC(recs));
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_int_equal(h.status, DANE_HOST_USABLE);
	assert_int_equal(h.ntlsa, 2);
	assert_int_equal(h.nunusable, 3);
	assert_int_equal(h.tlsa[0].usage, 3);
	assert_int_equal(h.tlsa[0].selector, 1);
	assert_int_equal(h.tlsa[0].mtype, 1);
	assert_int_equal(h.tlsa[0].len, 32);
	assert_memory_equal(h.tlsa[0].data, t.rr[1].u.tlsa.data, 32);
	assert_int_equal(h.tlsa[1].usage, 2);
	assert_int_equal(h.tlsa[1].len, 64);
	assert_memory_equal(h.tlsa[1].data, t.rr[2].u.tlsa.data, 64);
	assert_non_null(strstr(hwhy(&h), "2 usable TLSA records"));
	dns_result_clear(&t); /* the host has its own copies */
	assert_int_equal(h.tlsa[1].data[63], 'c');
	host_free(&h);
}

static void
test_tlsa_unusable(void **state)
{
	static const struct tlsarec recs[] = {
		{ 1, 1, 1, 32 },
		{ 0, 0, 1, 32 },
	};
	struct dns_result t;
	struct dane_host  h;

	(void)state;
	host_at(&h, "mx.example", "_25._tcp.mx.example");
	mk_tlsa(&t, 1, recs, NREC(recs));
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_int_equal(h.status, DANE_HOST_UNUSABLE);
	assert_int_equal(h.ntlsa, 0);
	assert_null(h.tlsa);
	assert_int_equal(h.nunusable, 2);
	assert_non_null(strstr(hwhy(&h), "PKIX-EE(1) is not usable"));
	assert_non_null(strstr(hwhy(&h), "TLS mandatory"));
	dns_result_clear(&t);
	host_free(&h);
}

static void
test_tlsa_insecure(void **state)
{
	static const struct tlsarec recs[] = { { 3, 1, 1, 32 } };
	struct dns_result           t;
	struct dane_host            h;

	(void)state;
	host_at(&h, "mx.example", "_25._tcp.mx.example");
	mk_tlsa(&t, 0, recs, NREC(recs));
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_int_equal(h.status, DANE_HOST_NONE);
	assert_int_equal(h.ntlsa, 0);
	assert_non_null(strstr(hwhy(&h), "not DNSSEC-signed"));
	dns_result_clear(&t);
}

struct tlsa_fail_case {
	const char           *name;
	const char           *host, *tlsa_name;
	enum dns_status       st;
	int                   secure;
	int                   want_next;
	enum dane_host_status want;
	const char           *want_name, *why;
};

static const struct tlsa_fail_case tlsa_fail_cases[] = {
	{ "bogus", "mx.example", "_25._tcp.mx.example", DNS_BOGUS, 0, 0,
	        DANE_HOST_TEMPFAIL, "_25._tcp.mx.example",
	        "DNSSEC validation failed for _25._tcp.mx.example TLSA: "
	        "oops" },
	{ "tempfail", "mx.example", "_25._tcp.mx.example", DNS_TEMPFAIL, 0, 0,
	        DANE_HOST_TEMPFAIL, "_25._tcp.mx.example",
	        "TLSA lookup at _25._tcp.mx.example failed: oops" },
	{ "securely none", "mx.example", "_25._tcp.mx.example", DNS_NOTFOUND,
	        1, 0, DANE_HOST_NONE, "_25._tcp.mx.example",
	        "no TLSA records at _25._tcp.mx.example (securely denied)" },
	{ "insecurely none", "mx.example", "_25._tcp.mx.example", DNS_NOTFOUND,
	        0, 0, DANE_HOST_NONE, "_25._tcp.mx.example",
	        "denial not DNSSEC-signed" },
	{ "none at the expanded name: retry", "alias.example",
	        "_25._tcp.real.example", DNS_NOTFOUND, 1, 1, DANE_HOST_NONE,
	        "_25._tcp.alias.example", "" },
	{ "insecurely none at the expanded name: no retry", "alias.example",
	        "_25._tcp.real.example", DNS_NOTFOUND, 0, 0, DANE_HOST_NONE,
	        "_25._tcp.real.example", "denial not DNSSEC-signed" },
	{ "bogus at the expanded name: no retry", "alias.example",
	        "_25._tcp.real.example", DNS_BOGUS, 0, 0, DANE_HOST_TEMPFAIL,
	        "_25._tcp.real.example", "DNSSEC validation failed" },
};

static void
test_tlsa_fail(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NREC(tlsa_fail_cases); i++) {
		const struct tlsa_fail_case *c = &tlsa_fail_cases[i];
		struct dns_result            t;
		struct dane_host             h;
		int                          next;

		host_at(&h, c->host, c->tlsa_name);
		mk_status(&t, c->st, c->secure, 0, "oops");
		next = dane_tlsa_apply(&h, &t, 25);
		if (next != c->want_next || h.status != c->want
		        || strcmp(tname(&h), c->want_name) != 0
		        || strstr(hwhy(&h), c->why) == NULL) {
			print_error("%s: got %d %s [%s] (%s)\n", c->name, next,
			        dane_host_status_name(h.status), tname(&h),
			        hwhy(&h));
			fail();
		}
		assert_int_equal(h.ntlsa, 0);
		dane_host_clear(&h);
	}
}

/* RFC 7672 §2.2.2: expanded name first, then the original name. */
static void
test_tlsa_cname_chain(void **state)
{
	static const struct tlsarec recs[] = { { 3, 1, 1, 32 } };
	struct dns_result           a, aaaa, t;
	struct dane_host            h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.name = "alias.example";
	mk_status(&a, DNS_FOUND, 1, 0, "");
	a.nrr = 1;
	snprintf(a.canon, sizeof(a.canon), "real.example");
	mk_status(&aaaa, DNS_NOTFOUND, 1, 0, "no AAAA records");
	snprintf(aaaa.canon, sizeof(aaaa.canon), "real.example");
	assert_int_equal(dane_addr_apply(&h, &a, &aaaa, 25), 1);
	assert_string_equal(tname(&h), "_25._tcp.real.example");

	/* none at the expanded name: the original name next */
	mk_status(&t, DNS_NOTFOUND, 1, 0, "no TLSA records");
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 1);
	assert_string_equal(tname(&h), "_25._tcp.alias.example");
	/* none there either: no DANE, and no third lookup */
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_int_equal(h.status, DANE_HOST_NONE);
	assert_non_null(strstr(hwhy(&h), "_25._tcp.real.example"));
	assert_non_null(strstr(hwhy(&h), "_25._tcp.alias.example"));

	/* found at the original name */
	assert_int_equal(dane_addr_apply(&h, &a, &aaaa, 25), 1);
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 1);
	mk_tlsa(&t, 1, recs, NREC(recs));
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_int_equal(h.status, DANE_HOST_USABLE);
	assert_int_equal(h.ntlsa, 1);
	assert_non_null(strstr(hwhy(&h), "_25._tcp.alias.example"));
	dns_result_clear(&t);
	host_free(&h);
}

/*
 * The reasons kept as codes read exactly as the texts the replies and logs
 * always had (tests/integration/test_dane.sh matches parts of them).
 */
static void
test_why_texts(void **state)
{
	static const struct mxrec   mx[] = { { 10, "mx1.example.org" },
		  { 0, "" }, { 20, "mx2.example.org" } };
	static const struct tlsarec recs[]
	        = { { 3, 1, 1, 32 }, { 1, 1, 1, 32 } };
	struct dns_result   res, a, aaaa, t;
	struct dane_result *r;
	struct dane_host   *h;

	(void)state;
	/* a secure MX RRset with a null MX mixed in, then the summary */
	r = dane_result_new("example.org");
	mk_mx(&res, 1, mx, NREC(mx));
	assert_int_equal(dane_mx_apply(r, &res), 2);
	assert_string_equal(rwhy(r),
	        "DNSSEC-signed MX RRset, 2 hosts; ignored a null MX mixed "
	        "with other MX records (RFC 7505 section 3: a null MX must be "
	        "the "
	        "only one)");
	dns_result_clear(&res);
	h = &r->hosts[0];
	assert_string_equal(h->name, "mx1.example.org");
	assert_string_equal(hwhy(h), "");
	assert_string_equal(tname(h), "");
	/* secure addresses, then a usable TLSA RRset */
	mk_status(&a, DNS_FOUND, 1, 0, "");
	a.nrr = 2;
	mk_status(&aaaa, DNS_NOTFOUND, 1, 0, "no AAAA records");
	assert_int_equal(dane_addr_apply(h, &a, &aaaa, 25), 1);
	assert_null(h->canon); /* no CNAME: the name is not stored twice */
	assert_string_equal(tname(h), "_25._tcp.mx1.example.org");
	mk_tlsa(&t, 1, recs, NREC(recs));
	assert_int_equal(dane_tlsa_apply(h, &t, 25), 0);
	dns_result_clear(&t);
	assert_string_equal(hwhy(h),
	        "1 usable TLSA record at _25._tcp.mx1.example.org (1 "
	        "unusable)");
	assert_null(h->text);
	/* the other host: insecure addresses */
	h        = &r->hosts[1];
	a.secure = 0;
	assert_int_equal(dane_addr_apply(h, &a, &aaaa, 25), 0);
	assert_string_equal(hwhy(h),
	        "address records not DNSSEC-signed: no DANE (RFC 7672 section "
	        "2.2)");
	assert_string_equal(tname(h), "");
	assert_int_equal(dane_result_conclude(r, 300, 3600, 300), 1);
	assert_string_equal(rwhy(r),
	        "DNSSEC-signed MX RRset, 2 hosts; ignored a null MX mixed "
	        "with other MX records (RFC 7505 section 3: a null MX must be "
	        "the "
	        "only one); hosts: 1 usable, 0 unusable, 1 none, 0 tempfail");
	/* a short buffer is cut, not overrun */
	{
		char small[8];

		assert_string_equal(
		        dane_result_why(r, small, sizeof(small)), "DNSSEC-");
		assert_string_equal(
		        dane_host_why(&r->hosts[0], small, sizeof(small)),
		        "1 usabl");
	}
	dane_result_unref(r);

	/* insecure MX RRset; NXDOMAIN; null MX; implicit MX */
	r = dane_result_new("example.org");
	mk_mx(&res, 0, mx, 1);
	assert_int_equal(dane_mx_apply(r, &res), 0);
	dns_result_clear(&res);
	assert_string_equal(rwhy(r),
	        "MX RRset is not DNSSEC-signed: no DANE for any host (RFC "
	        "7672 section 2.2.1)");
	assert_string_equal(
	        hwhy(&r->hosts[0]), "MX RRset is not DNSSEC-signed");
	dane_result_unref(r);
	r = dane_result_new("example.org");
	mk_status(&res, DNS_NOTFOUND, 1, 3, "NXDOMAIN");
	assert_int_equal(dane_mx_apply(r, &res), 0);
	assert_string_equal(rwhy(r),
	        "example.org does not exist (NXDOMAIN, DNSSEC-signed)");
	dane_result_unref(r);
	r = dane_result_new("example.org");
	mk_mx(&res, 1, mx + 1, 1);
	assert_int_equal(dane_mx_apply(r, &res), 0);
	dns_result_clear(&res);
	assert_string_equal(
	        rwhy(r), "null MX (RFC 7505): example.org accepts no mail");
	dane_result_unref(r);
	r = dane_result_new("example.org");
	mk_status(&res, DNS_NOTFOUND, 0, 0, "no MX records");
	assert_int_equal(dane_mx_apply(r, &res), 0);
	assert_ptr_equal(r->hosts[0].name, r->domain); /* not copied */
	assert_string_equal(rwhy(r),
	        "no MX RRset: example.org is its own mail host (RFC 5321 "
	        "section 5.1); the denial is not DNSSEC-signed: no DANE (RFC "
	        "7672 "
	        "section 2.2.1)");
	assert_string_equal(hwhy(&r->hosts[0]),
	        "no MX RRset and its denial is not DNSSEC-signed");
	dane_result_unref(r);
	/* a fresh result has no reason yet */
	r = dane_result_new("example.org");
	assert_string_equal(rwhy(r), "");
	dane_result_unref(r);
}

/* RFC 7672 §2.2.2 texts: the expanded name, then the original one. */
static void
test_why_texts_cname(void **state)
{
	struct dns_result a, aaaa, t;
	struct dane_host  h;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.name = "alias.example";
	mk_status(&a, DNS_FOUND, 1, 0, "");
	a.nrr = 1;
	snprintf(a.canon, sizeof(a.canon), "real.example");
	mk_status(&aaaa, DNS_NOTFOUND, 1, 0, "no AAAA records");
	assert_int_equal(dane_addr_apply(&h, &a, &aaaa, 25), 1);
	assert_string_equal(h.canon, "real.example");
	mk_status(&t, DNS_NOTFOUND, 1, 0, "no TLSA records");
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 1);
	assert_string_equal(
	        hwhy(&h), "no TLSA records at _25._tcp.real.example");
	t.secure = 0;
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_string_equal(hwhy(&h),
	        "no TLSA records at _25._tcp.real.example, no TLSA records at "
	        "_25._tcp.alias.example (denial not DNSSEC-signed)");
	/* found but not signed */
	assert_int_equal(dane_addr_apply(&h, &a, &aaaa, 25), 1);
	t.status = DNS_FOUND;
	assert_int_equal(dane_tlsa_apply(&h, &t, 25), 0);
	assert_string_equal(hwhy(&h),
	        "TLSA records at _25._tcp.real.example not DNSSEC-signed: no "
	        "DANE (RFC 7672 section 2.2)");
	dane_host_clear(&h);
	assert_null(h.canon);
}

/* ---- the conclusion -------------------------------------------------- */

struct conclude_case {
	const char           *name;
	enum dane_mx_status   mx;
	int                   mx_secure;
	enum dane_host_status h[3];
	size_t                nhost;
	uint32_t              ttl;
	int                   want_keep;
	uint32_t              want_ttl;
};

static const struct conclude_case conclude_cases[] = {
	{ "usable: dns ttl", DANE_MX_SECURE, 1,
	        { DANE_HOST_USABLE, DANE_HOST_NONE }, 2, 1200, 1, 1200 },
	{ "usable: max_ttl", DANE_MX_SECURE, 1, { DANE_HOST_USABLE }, 1, 86400,
	        1, 3600 },
	{ "unusable counts as DANE", DANE_MX_SECURE, 1, { DANE_HOST_UNUSABLE },
	        1, 86400, 1, 3600 },
	{ "all none: negative_ttl", DANE_MX_SECURE, 1,
	        { DANE_HOST_NONE, DANE_HOST_NONE }, 2, 1200, 1, 300 },
	{ "all none, short ttl", DANE_MX_SECURE, 1, { DANE_HOST_NONE }, 1, 60,
	        1, 60 },
	{ "insecure MX", DANE_MX_INSECURE, 0, { DANE_HOST_NONE }, 1, 3600, 1,
	        300 },
	{ "null MX", DANE_MX_NULL, 1, { DANE_HOST_NONE }, 0, 3600, 1, 300 },
	{ "nxdomain", DANE_MX_NODOMAIN, 1, { DANE_HOST_NONE }, 0, 100, 1,
	        100 },
	{ "implicit usable", DANE_MX_IMPLICIT, 1, { DANE_HOST_USABLE }, 1,
	        UINT32_MAX, 1, 3600 },
	{ "host tempfail", DANE_MX_SECURE, 1,
	        { DANE_HOST_USABLE, DANE_HOST_TEMPFAIL }, 2, 1200, 0, 0 },
	{ "mx tempfail", DANE_MX_TEMPFAIL, 0, { DANE_HOST_NONE }, 0, 1200, 0,
	        0 },
};

static void
test_conclude(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < NREC(conclude_cases); i++) {
		const struct conclude_case *c = &conclude_cases[i];
		struct dane_result         *r = dane_result_new("example.org");
		int                         keep;

		r->mx_status = c->mx;
		r->mx_secure = c->mx_secure;
		r->nhost     = c->nhost;
		r->hosts     = calloc(3, sizeof(*r->hosts));
		for (j = 0; j < c->nhost; j++) {
			r->hosts[j].status = c->h[j];
		}
		dane_result_set_why(r, "MX");
		keep = dane_result_conclude(r, c->ttl, 3600, 300);
		if (keep != c->want_keep || r->ttl != c->want_ttl) {
			print_error("%s: got %d ttl %u (%s)\n", c->name, keep,
			        (unsigned)r->ttl, rwhy(r));
			fail();
		}
		if (c->mx == DANE_MX_SECURE) {
			assert_non_null(strstr(rwhy(r), "; hosts: "));
		}
		dane_result_unref(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlsa_check),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_result_refs),
		cmocka_unit_test(test_mx_found),
		cmocka_unit_test(test_mx_notfound_fail),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_addr_port),
		cmocka_unit_test(test_tlsa_usable),
		cmocka_unit_test(test_tlsa_unusable),
		cmocka_unit_test(test_tlsa_insecure),
		cmocka_unit_test(test_tlsa_fail),
		cmocka_unit_test(test_tlsa_cname_chain),
		cmocka_unit_test(test_why_texts),
		cmocka_unit_test(test_why_texts_cname),
		cmocka_unit_test(test_conclude),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
