/*
 * dns_answer.c - the pure answer classifier: one libunbound answer packet
 * (wire form, libresolv ns_parserr) into a struct dns_result. RFC 7672
 * §2.1: secure / insecure / bogus and found / denied / failed are kept
 * apart, and a bogus answer is never found; RFC 2308 §5: the negative TTL
 * is the lesser of the SOA's TTL and its MINIMUM field; RFC 2181 §8: a TTL
 * with the top bit set is zero; RFC 8461 §3.1 and RFC 8460 §3: the
 * character-strings of one TXT record are concatenated. No I/O, no globals:
 * dns.c calls it from unbound's callback, tests and fuzz_dns_parse directly.
 */
#include <arpa/nameser.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"

#define DNS_MAX_CHAIN 16 /* CNAME hops followed in one answer */

const char *
dns_type_name(int type, char *buf, size_t len)
{
	switch (type) {
	case DNS_T_A:
		return ("A");
	case DNS_T_MX:
		return ("MX");
	case DNS_T_TXT:
		return ("TXT");
	case DNS_T_AAAA:
		return ("AAAA");
	case DNS_T_TLSA:
		return ("TLSA");
	}
	snprintf(buf, len, "TYPE%d", type);
	return (buf);
}

int
dns_type_supported(int type)
{
	return (type == DNS_T_A || type == DNS_T_MX || type == DNS_T_TXT
	        || type == DNS_T_AAAA || type == DNS_T_TLSA);
}

static const char *
rcode_name(int rcode, char *buf, size_t len)
{
	switch (rcode) {
	case ns_r_noerror:
		return ("NOERROR");
	case ns_r_formerr:
		return ("FORMERR");
	case ns_r_servfail:
		return ("SERVFAIL");
	case ns_r_nxdomain:
		return ("NXDOMAIN");
	case ns_r_notimpl:
		return ("NOTIMP");
	case ns_r_refused:
		return ("REFUSED");
	}
	snprintf(buf, len, "rcode %d", rcode);
	return (buf);
}

void
dns_result_clear(struct dns_result *res)
{
	size_t i;

	if (res == NULL) {
		return;
	}
	for (i = 0; i < res->nrr; i++) {
		if (res->rr[i].type == DNS_T_TXT) {
			free(res->rr[i].u.txt.text);
		} else if (res->rr[i].type == DNS_T_TLSA) {
			free(res->rr[i].u.tlsa.data);
		}
	}
	free(res->rr);
	res->rr  = NULL;
	res->nrr = 0;
}

/* RFC 2181 §8: a TTL with the top bit set is taken as zero. */
static uint32_t
clamp_ttl(unsigned long ttl)
{
	return (ttl > 0x7fffffffUL ? 0 : (uint32_t)ttl);
}

/*
 * norm_name - src (presentation form from libresolv) lower-cased without a
 * trailing dot into dst[DOMAIN_MAX + 1]; "" for the root. -1 if too long.
 */
static int
norm_name(const char *src, char *dst)
{
	size_t n = strlen(src), i;

	if (n > 0 && src[n - 1] == '.'
	        && (n < 2 || src[n - 2] != '\\'
	                || (n >= 3 && src[n - 3] == '\\'))) {
		n--;
	}
	if (n > DOMAIN_MAX) {
		return (-1);
	}
	for (i = 0; i < n; i++) {
		dst[i] = (char)tolower((unsigned char)src[i]);
	}
	dst[n] = '\0';
	return (0);
}

/* rdata_name - the domain name at p, which must end exactly at end. */
static int
rdata_name(const ns_msg *msg, const unsigned char *p, const unsigned char *end,
        char *dst)
{
	char buf[NS_MAXDNAME];
	int  n;

	n = ns_name_uncompress(ns_msg_base(*msg), end, p, buf, sizeof(buf));
	if (n < 0 || p + n != end) {
		return (-1);
	}
	return (norm_name(buf, dst));
}

/* negative_ttl - RFC 2308 §5 from the first SOA of the authority section. */
static int
negative_ttl(ns_msg *msg, uint32_t *ttl)
{
	ns_rr                rr;
	const unsigned char *p, *end;
	uint32_t             minimum;
	int                  i, n = ns_msg_count(*msg, ns_s_ns);

	for (i = 0; i < n; i++) {
		if (ns_parserr(msg, ns_s_ns, i, &rr) != 0) {
			return (-1);
		}
		if (ns_rr_type(rr) != ns_t_soa || ns_rr_class(rr) != ns_c_in) {
			continue;
		}
		p   = ns_rr_rdata(rr);
		end = p + ns_rr_rdlen(rr);
		if (ns_name_skip(&p, end) != 0 || ns_name_skip(&p, end) != 0
		        || end - p != 20) {
			return (-1);
		}
		minimum = ns_get32(p + 16);
		*ttl    = clamp_ttl(ns_rr_ttl(rr));
		if (clamp_ttl(minimum) < *ttl) {
			*ttl = clamp_ttl(minimum);
		}
		return (0);
	}
	return (-1);
}

/* parse_rr - the rdata of one answer record of a supported type into out. */
static int
parse_rr(const ns_msg *msg, const ns_rr *rr, struct dns_rr *out)
{
	const unsigned char *p   = ns_rr_rdata(*rr);
	size_t               len = ns_rr_rdlen(*rr), off, total;

	out->type = ns_rr_type(*rr);
	out->ttl  = clamp_ttl(ns_rr_ttl(*rr));
	switch (out->type) {
	case DNS_T_A:
		if (len != sizeof(out->u.a)) {
			return (-1);
		}
		memcpy(&out->u.a, p, len);
		return (0);
	case DNS_T_AAAA:
		if (len != sizeof(out->u.aaaa)) {
			return (-1);
		}
		memcpy(&out->u.aaaa, p, len);
		return (0);
	case DNS_T_MX:
		if (len < 3) {
			return (-1);
		}
		out->u.mx.pref = ns_get16(p);
		return (rdata_name(msg, p + 2, p + len, out->u.mx.host));
	case DNS_T_TXT:
		for (off = 0, total = 0; off < len; off += 1 + p[off]) {
			if (off + 1 + p[off] > len) {
				return (-1);
			}
			total += p[off];
		}
		if ((out->u.txt.text = malloc(total + 1)) == NULL) {
			return (-1);
		}
		for (off = 0, total = 0; off < len; off += 1 + p[off]) {
			memcpy(out->u.txt.text + total, p + off + 1, p[off]);
			total += p[off];
		}
		out->u.txt.text[total] = '\0';
		out->u.txt.len         = total;
		return (0);
	case DNS_T_TLSA:
		if (len < 3) {
			return (-1);
		}
		out->u.tlsa.usage    = p[0];
		out->u.tlsa.selector = p[1];
		out->u.tlsa.mtype    = p[2];
		out->u.tlsa.len      = len - 3;
		if ((out->u.tlsa.data = malloc(len - 3 + 1)) == NULL) {
			return (-1);
		}
		memcpy(out->u.tlsa.data, p + 3, len - 3);
		return (0);
	}
	return (-1);
}

static void
fail(struct dns_result *res, enum dns_status status, const char *why)
{
	dns_result_clear(res);
	res->status = status;
	res->secure = 0;
	res->ttl    = 0;
	snprintf(res->why, sizeof(res->why), "%s", why);
}

/* follow_chain - res->canon from the question name through the CNAMEs. */
static int
follow_chain(ns_msg *msg, struct dns_result *res, uint32_t *chain_ttl)
{
	ns_rr rr;
	char  owner[DOMAIN_MAX + 1], target[DOMAIN_MAX + 1];
	int   i, hops, n = ns_msg_count(*msg, ns_s_an), moved;

	*chain_ttl = UINT32_MAX;
	for (hops = 0;; hops++) {
		moved = 0;
		for (i = 0; i < n; i++) {
			if (ns_parserr(msg, ns_s_an, i, &rr) != 0) {
				fail(res, DNS_TEMPFAIL, "malformed answer");
				return (-1);
			}
			if (ns_rr_type(rr) != ns_t_cname
			        || ns_rr_class(rr) != ns_c_in
			        || norm_name(ns_rr_name(rr), owner) != 0
			        || strcmp(owner, res->canon) != 0) {
				continue;
			}
			if (rdata_name(msg, ns_rr_rdata(rr),
			            ns_rr_rdata(rr) + ns_rr_rdlen(rr), target)
			        != 0) {
				fail(res, DNS_TEMPFAIL,
				        "malformed CNAME record");
				return (-1);
			}
			if (clamp_ttl(ns_rr_ttl(rr)) < *chain_ttl) {
				*chain_ttl = clamp_ttl(ns_rr_ttl(rr));
			}
			memcpy(res->canon, target, sizeof(res->canon));
			moved = 1;
			break;
		}
		if (!moved) {
			return (0);
		}
		if (hops >= DNS_MAX_CHAIN) {
			fail(res, DNS_TEMPFAIL, "CNAME chain too long");
			return (-1);
		}
	}
}

void
dns_parse_answer(const unsigned char *pkt, size_t len, int qtype, int rcode,
        int sec, const char *why_bogus, struct dns_result *res)
{
	ns_msg   msg;
	ns_rr    rr;
	char     owner[DOMAIN_MAX + 1], tbuf[16], rbuf[16], why[64];
	uint32_t chain_ttl, neg_ttl;
	size_t   count;
	int      i, n, hdr_rcode;

	memset(res, 0, sizeof(*res));
	res->rcode = rcode;
	/* A bogus answer carries rcode 0 and data: it wins over both. */
	if (sec == 1) {
		if (rcode == 0 && pkt != NULL && len >= NS_HFIXEDSZ) {
			res->rcode = pkt[3] & 0x0f;
		}
		fail(res, DNS_BOGUS,
		        why_bogus != NULL && *why_bogus != '\0'
		                ? why_bogus
		                : "DNSSEC validation failed");
		return;
	}
	if (rcode != 0) {
		fail(res, rcode == ns_r_nxdomain ? DNS_NOTFOUND : DNS_TEMPFAIL,
		        rcode_name(rcode, rbuf, sizeof(rbuf)));
		return;
	}
	if (pkt == NULL || len == 0) {
		fail(res, DNS_TEMPFAIL, "no answer packet");
		return;
	}
	if (len > NS_MAXMSG || ns_initparse(pkt, (int)len, &msg) != 0) {
		fail(res, DNS_TEMPFAIL, "malformed answer");
		return;
	}
	hdr_rcode  = ns_msg_getflag(msg, ns_f_rcode);
	res->rcode = hdr_rcode;
	if (ns_msg_getflag(msg, ns_f_tc)) {
		fail(res, DNS_TEMPFAIL, "truncated answer");
		return;
	}
	if (hdr_rcode != ns_r_noerror && hdr_rcode != ns_r_nxdomain) {
		fail(res, DNS_TEMPFAIL,
		        rcode_name(hdr_rcode, rbuf, sizeof(rbuf)));
		return;
	}
	if (ns_msg_count(msg, ns_s_qd) != 1
	        || ns_parserr(&msg, ns_s_qd, 0, &rr) != 0
	        || norm_name(ns_rr_name(rr), res->canon) != 0) {
		fail(res, DNS_TEMPFAIL, "malformed answer: bad question");
		return;
	}
	if ((int)ns_rr_type(rr) != qtype || ns_rr_class(rr) != ns_c_in) {
		fail(res, DNS_TEMPFAIL, "answer to another question");
		return;
	}
	if (!dns_type_supported(qtype)) {
		snprintf(why, sizeof(why), "unsupported type %s",
		        dns_type_name(qtype, tbuf, sizeof(tbuf)));
		fail(res, DNS_TEMPFAIL, why);
		return;
	}
	if (follow_chain(&msg, res, &chain_ttl) != 0) {
		return;
	}

	/* Count, then parse, the records of qtype owned by the chain's end. */
	n = ns_msg_count(msg, ns_s_an);
	for (count = 0, i = 0; hdr_rcode == ns_r_noerror && i < n; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) {
			fail(res, DNS_TEMPFAIL, "malformed answer");
			return;
		}
		if ((int)ns_rr_type(rr) == qtype && ns_rr_class(rr) == ns_c_in
		        && norm_name(ns_rr_name(rr), owner) == 0
		        && strcmp(owner, res->canon) == 0) {
			count++;
		}
	}
	if (count == 0) {
		res->status = DNS_NOTFOUND;
		res->secure = (sec == 2);
		if (hdr_rcode == ns_r_nxdomain) {
			snprintf(res->why, sizeof(res->why), "NXDOMAIN");
		} else {
			snprintf(res->why, sizeof(res->why), "no %s records",
			        dns_type_name(qtype, tbuf, sizeof(tbuf)));
		}
		if (negative_ttl(&msg, &neg_ttl) == 0) {
			res->ttl = neg_ttl < chain_ttl ? neg_ttl : chain_ttl;
		}
		return;
	}
	if ((res->rr = calloc(count, sizeof(*res->rr))) == NULL) {
		fail(res, DNS_TEMPFAIL, "out of memory");
		return;
	}
	res->ttl = chain_ttl;
	for (i = 0; i < n && res->nrr < count; i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) {
			fail(res, DNS_TEMPFAIL, "malformed answer");
			return;
		}
		if ((int)ns_rr_type(rr) != qtype || ns_rr_class(rr) != ns_c_in
		        || norm_name(ns_rr_name(rr), owner) != 0
		        || strcmp(owner, res->canon) != 0) {
			continue;
		}
		/* nrr counts the slot first so that clear frees it. */
		res->nrr++;
		if (parse_rr(&msg, &rr, &res->rr[res->nrr - 1]) != 0) {
			snprintf(why, sizeof(why), "malformed %s record",
			        dns_type_name(qtype, tbuf, sizeof(tbuf)));
			fail(res, DNS_TEMPFAIL, why);
			return;
		}
		if (res->rr[res->nrr - 1].ttl < res->ttl) {
			res->ttl = res->rr[res->nrr - 1].ttl;
		}
	}
	res->status = DNS_FOUND;
	res->secure = (sec == 2);
}
