/*
 * dns.c - asynchronous DNSSEC-validating lookups with libunbound on the
 * daemon's libevent loop, and the classifier that turns an answer packet
 * into a struct dns_result (RFC 7672 §2.1: secure / insecure / bogus and
 * found / denied / failed are kept apart; RFC 2308 §5: the negative TTL is
 * the lesser of the SOA's TTL and its MINIMUM field; RFC 8461 §3.1 and RFC
 * 8460 §3: the character-strings of one TXT record are concatenated).
 *
 * Life of a query. dns_lookup starts a libevent timer for the deadline and
 * hands the query to ub_resolve_event, which may call back at once (local
 * data) or later. The unbound callback only parses the packet (which belongs
 * to unbound) into the query and activates the query's event; the caller's
 * callback is always run from that event, never from inside unbound or
 * dns_lookup, so the caller may call dns_lookup, dns_cancel or even dns_free
 * from it. ub_cancel is not used: in 1.17 event mode it frees the
 * ctx_query that the mesh still points to (libunbound.c ub_cancel takes the
 * forked-worker path because dothread is 0) and writes to a pipe nobody
 * reads. A query the caller no longer wants (cancelled, timed out, dns_free)
 * while unbound still holds it is marked dead and freed when unbound calls
 * back; ub_ctx_delete calls back every outstanding query with SERVFAIL
 * (mesh_state_cleanup), so dns_free leaves nothing behind.
 *
 * Results passed to callbacks belong to this module and live only during the
 * call.
 */
#include <sys/queue.h>
#include <sys/time.h>

#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <event2/event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound-event.h>
#include <unbound.h>

#include "dns/dns.h"
#include "log.h"

#define DNS_MAX_CHAIN 16 /* CNAME hops followed in one answer */

struct dns_query {
	TAILQ_ENTRY(dns_query) entry;
	struct dns       *dns;
	struct event     *ev; /* deadline, and delivery of a ready result */
	dns_cb            cb;
	void             *arg;
	int               type;
	int               in_unbound; /* unbound holds a pointer to us */
	int               dead;       /* nobody wants the answer any more */
	int               ready;      /* res holds the answer */
	char              name[DOMAIN_MAX + 2];
	struct dns_result res;
};

TAILQ_HEAD(dns_queries, dns_query);

struct dns {
	struct event_base *base;
	struct ub_ctx     *ub;
	unsigned           timeout_ms;
	struct dns_queries queries; /* every query not yet freed */
};

static void set_why(char *why, size_t whylen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
}

/* ---- the answer classifier (pure) ---- */

static const char *
type_name(int type, char *buf, size_t len)
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

static int
type_supported(int type)
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
	if (!type_supported(qtype)) {
		snprintf(why, sizeof(why), "unsupported type %s",
		        type_name(qtype, tbuf, sizeof(tbuf)));
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
			        type_name(qtype, tbuf, sizeof(tbuf)));
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
			        type_name(qtype, tbuf, sizeof(tbuf)));
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

/* ---- the resolver ---- */

/*
 * set_cache_size - libunbound's message cache to kib KiB and its RRset
 * cache to twice that (the ratio unbound.conf(5) recommends); the key and
 * negative caches keep their defaults. resolver.cache_size in
 * configs/mxtlsd.conf says what this costs.
 */
static int
set_cache_size(struct ub_ctx *ub, unsigned kib)
{
	char msg[32], rrset[32];
	int  rv;

	snprintf(msg, sizeof(msg), "%uk", kib);
	snprintf(rrset, sizeof(rrset), "%uk", 2 * kib);
	if ((rv = ub_ctx_set_option(ub, "msg-cache-size:", msg)) != 0)
		return (rv);
	return (ub_ctx_set_option(ub, "rrset-cache-size:", rrset));
}

static int
check_file(const char *what, const char *path, char *why, size_t whylen)
{
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		set_why(why, whylen, "%s %s: %s", what, path, strerror(errno));
		return (-1);
	}
	fclose(f);
	return (0);
}

struct dns *
dns_create(struct event_base *base, const struct dns_config *cfg, char *why,
        size_t whylen)
{
	struct dns  *dns;
	const char **ta;
	int          rv;

	if (base == NULL || cfg == NULL) {
		set_why(why, whylen, "no event base or configuration");
		return (NULL);
	}
	if (cfg->unbound_config != NULL && *cfg->unbound_config != '\0'
	        && check_file(
	                   "unbound config", cfg->unbound_config, why, whylen)
	                != 0) {
		return (NULL);
	}
	if (cfg->trust_anchor_file != NULL
	        && check_file("trust anchor file", cfg->trust_anchor_file, why,
	                   whylen)
	                != 0) {
		return (NULL);
	}
	for (ta = cfg->extra_trust_anchors; ta != NULL && *ta != NULL; ta++) {
		if (check_file("trust anchor file", *ta, why, whylen) != 0) {
			return (NULL);
		}
	}
	if ((dns = calloc(1, sizeof(*dns))) == NULL) {
		set_why(why, whylen, "out of memory");
		return (NULL);
	}
	dns->base       = base;
	dns->timeout_ms = cfg->timeout_ms;
	TAILQ_INIT(&dns->queries);
	if ((dns->ub = ub_ctx_create_event(base)) == NULL) {
		set_why(why, whylen, "cannot create the libunbound context");
		goto fail;
	}
	/* cache sizes before the unbound config, which may override them */
	if (cfg->cache_kib > 0
	        && (rv = set_cache_size(dns->ub, cfg->cache_kib)) != 0) {
		set_why(why, whylen, "resolver cache size: %s",
		        ub_strerror(rv));
		goto fail;
	}
	if (cfg->unbound_config != NULL && *cfg->unbound_config != '\0'
	        && (rv = ub_ctx_config(dns->ub, cfg->unbound_config)) != 0) {
		set_why(why, whylen, "unbound config %s: %s",
		        cfg->unbound_config, ub_strerror(rv));
		goto fail;
	}
	if (cfg->trust_anchor_file != NULL
	        && (rv = ub_ctx_add_ta_file(dns->ub, cfg->trust_anchor_file))
	                != 0) {
		set_why(why, whylen, "trust anchor file %s: %s",
		        cfg->trust_anchor_file, ub_strerror(rv));
		goto fail;
	}
	for (ta = cfg->extra_trust_anchors; ta != NULL && *ta != NULL; ta++) {
		if ((rv = ub_ctx_add_ta_file(dns->ub, *ta)) != 0) {
			set_why(why, whylen, "trust anchor file %s: %s", *ta,
			        ub_strerror(rv));
			goto fail;
		}
	}
	/*
	 * Trust anchors and modules are only read when the context is
	 * finalized, normally by the first lookup. ub_ctx_data_remove
	 * finalizes it now (and removes nothing: no local data exists for
	 * that name) so that a bad anchor fails here, not in every lookup.
	 */
	if ((rv = ub_ctx_data_remove(dns->ub, "mxtls-finalize.invalid."))
	        != 0) {
		set_why(why, whylen,
		        "resolver setup (trust anchors, modules): %s",
		        ub_strerror(rv));
		goto fail;
	}
	return (dns);
fail:
	if (dns->ub != NULL) {
		ub_ctx_delete(dns->ub);
	}
	free(dns);
	return (NULL);
}

static void
query_free(struct dns_query *q)
{
	TAILQ_REMOVE(&q->dns->queries, q, entry);
	if (q->ev != NULL) {
		event_free(q->ev);
	}
	dns_result_clear(&q->res);
	free(q);
}

/* query_release - the caller is done with q: free it, or leave it dead. */
static void
query_release(struct dns_query *q)
{
	if (q->in_unbound) {
		q->dead = 1;
		if (q->ev != NULL) {
			event_del(q->ev);
		}
		dns_result_clear(&q->res);
	} else {
		query_free(q);
	}
}

static void
query_ready(struct dns_query *q)
{
	q->ready = 1;
	event_del(q->ev);
	event_active(q->ev, EV_TIMEOUT, 1);
}

/* ub_done - unbound's callback: parse now, deliver from our own event. */
static void
ub_done(void *mydata, int rcode, void *packet, int packet_len, int sec,
        char *why_bogus, int was_ratelimited)
{
	struct dns_query *q = mydata;

	(void)was_ratelimited;
	q->in_unbound = 0;
	if (q->dead) {
		query_free(q);
		return;
	}
	if (q->ready) {
		return; /* a result is already on its way */
	}
	dns_parse_answer(packet, packet_len > 0 ? (size_t)packet_len : 0,
	        q->type, rcode, sec, why_bogus, &q->res);
	query_ready(q);
}

/* query_event - deadline or delivery: run the caller's callback once. */
static void
query_event(evutil_socket_t fd, short what, void *arg)
{
	struct dns_query *q = arg;
	struct dns_result res;
	dns_cb            cb    = q->cb;
	void             *cbarg = q->arg;

	(void)fd;
	(void)what;
	if (!q->ready) {
		memset(&q->res, 0, sizeof(q->res));
		q->res.status = DNS_TEMPFAIL;
		snprintf(q->res.why, sizeof(q->res.why), "timeout after %u ms",
		        q->dns->timeout_ms);
	}
	/* Take the result out of q: the callback may free everything. */
	res = q->res;
	memset(&q->res, 0, sizeof(q->res));
	log_debug("MXTLS-DNS-ANSWER", "%s/%d: %s%s %s (ttl %u)", q->name,
	        q->type, dns_status_name(res.status),
	        res.secure ? " secure" : "", res.why, (unsigned)res.ttl);
	query_release(q);
	cb(cbarg, &res);
	dns_result_clear(&res);
}

/* name_check - a name unbound can take: LDH plus '_', labels 1-63. */
static int
name_check(const char *name, char *out, char *why, size_t whylen)
{
	size_t n, i, label = 0;

	if (name == NULL || (n = strlen(name)) == 0) {
		set_why(why, whylen, "invalid name: empty");
		return (-1);
	}
	if (name[n - 1] == '.') {
		n--;
	}
	if (n == 0 || n > DOMAIN_MAX) {
		set_why(why, whylen, "invalid name: %s",
		        n == 0 ? "root" : "longer than 253");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '.') {
			if (label == 0) {
				set_why(why, whylen,
				        "invalid name: empty label");
				return (-1);
			}
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63) {
				set_why(why, whylen,
				        "invalid name: label longer than 63");
				return (-1);
			}
		} else {
			set_why(why, whylen, "invalid name: character 0x%02x",
			        c);
			return (-1);
		}
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	return (0);
}

struct dns_query *
dns_lookup(struct dns *dns, const char *name, int type, dns_cb cb, void *arg)
{
	struct dns_query *q;
	struct timeval    tv;
	char              tbuf[16];
	int               rv;

	if (dns == NULL || cb == NULL) {
		return (NULL);
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		return (NULL);
	}
	q->dns  = dns;
	q->cb   = cb;
	q->arg  = arg;
	q->type = type;
	if ((q->ev = event_new(dns->base, -1, 0, query_event, q)) == NULL) {
		free(q);
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&dns->queries, q, entry);
	q->res.status = DNS_TEMPFAIL;
	if (name_check(name, q->name, q->res.why, sizeof(q->res.why)) != 0) {
		query_ready(q);
		return (q);
	}
	if (!type_supported(type)) {
		snprintf(q->res.why, sizeof(q->res.why), "unsupported type %s",
		        type_name(type, tbuf, sizeof(tbuf)));
		query_ready(q);
		return (q);
	}
	if (dns->timeout_ms > 0) {
		tv.tv_sec  = dns->timeout_ms / 1000;
		tv.tv_usec = (dns->timeout_ms % 1000) * 1000;
		event_add(q->ev, &tv);
	}
	q->in_unbound = 1;
	rv            = ub_resolve_event(
	                   dns->ub, q->name, type, ns_c_in, q, ub_done, NULL);
	if (rv != 0) {
		/* unbound did not take the query; it will not call back. */
		q->in_unbound = 0;
		if (!q->ready) {
			memset(&q->res, 0, sizeof(q->res));
			q->res.status = DNS_TEMPFAIL;
			snprintf(q->res.why, sizeof(q->res.why),
			        "resolver error: %s", ub_strerror(rv));
			query_ready(q);
		}
	}
	return (q);
}

void
dns_cancel(struct dns_query *q)
{
	if (q != NULL) {
		query_release(q);
	}
}

void
dns_free(struct dns *dns)
{
	struct dns_query *q, *next;

	if (dns == NULL) {
		return;
	}
	for (q = TAILQ_FIRST(&dns->queries); q != NULL; q = next) {
		next = TAILQ_NEXT(q, entry);
		if (q->ev != NULL) {
			event_free(q->ev);
			q->ev = NULL;
		}
		query_release(q);
	}
	/* Calls back (SERVFAIL) every query unbound still holds. */
	ub_ctx_delete(dns->ub);
	while ((q = TAILQ_FIRST(&dns->queries)) != NULL) {
		query_free(q);
	}
	free(dns);
}
