/*
 * dns.c - asynchronous DNSSEC-validating lookups with libunbound on the
 * daemon's libevent loop (RFC 7672 §2.1: every lookup validates); the
 * answer packet is classified by dns_answer.c.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound-event.h>
#include <unbound.h>

#include "dns/dns.h"
#include "log.h"
#include "util/metrics.h"
#include "why.h"

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
	if ((rv = ub_ctx_set_option(ub, "msg-cache-size:", msg)) != 0) {
		return (rv);
	}
	return (ub_ctx_set_option(ub, "rrset-cache-size:", rrset));
}

static int
check_file(const char *what, const char *path, char *why, size_t whylen)
{
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		why_set(why, whylen, "%s %s: %s", what, path, strerror(errno));
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
		why_set(why, whylen, "no event base or configuration");
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
		why_set(why, whylen, "out of memory");
		return (NULL);
	}
	dns->base       = base;
	dns->timeout_ms = cfg->timeout_ms;
	TAILQ_INIT(&dns->queries);
	if ((dns->ub = ub_ctx_create_event(base)) == NULL) {
		why_set(why, whylen, "cannot create the libunbound context");
		goto fail;
	}
	/* cache sizes before the unbound config, which may override them */
	if (cfg->cache_kib > 0
	        && (rv = set_cache_size(dns->ub, cfg->cache_kib)) != 0) {
		why_set(why, whylen, "resolver cache size: %s",
		        ub_strerror(rv));
		goto fail;
	}
	if (cfg->unbound_config != NULL && *cfg->unbound_config != '\0'
	        && (rv = ub_ctx_config(dns->ub, cfg->unbound_config)) != 0) {
		why_set(why, whylen, "unbound config %s: %s",
		        cfg->unbound_config, ub_strerror(rv));
		goto fail;
	}
	if (cfg->trust_anchor_file != NULL
	        && (rv = ub_ctx_add_ta_file(dns->ub, cfg->trust_anchor_file))
	                != 0) {
		why_set(why, whylen, "trust anchor file %s: %s",
		        cfg->trust_anchor_file, ub_strerror(rv));
		goto fail;
	}
	for (ta = cfg->extra_trust_anchors; ta != NULL && *ta != NULL; ta++) {
		if ((rv = ub_ctx_add_ta_file(dns->ub, *ta)) != 0) {
			why_set(why, whylen, "trust anchor file %s: %s", *ta,
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
		why_set(why, whylen,
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
	metrics_inc(M_DNS_LOOKUPS,
	        !q->ready                               ? MDNS_TIMEOUT
	                : q->res.status == DNS_TEMPFAIL ? MDNS_SERVFAIL
	                : q->res.status == DNS_BOGUS    ? MDNS_BOGUS
	                : q->res.secure                 ? MDNS_SECURE
	                                                : MDNS_INSECURE,
	        0);
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
		why_set(why, whylen, "invalid name: empty");
		return (-1);
	}
	if (name[n - 1] == '.') {
		n--;
	}
	if (n == 0 || n > DOMAIN_MAX) {
		why_set(why, whylen, "invalid name: %s",
		        n == 0 ? "root" : "longer than 253");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '.') {
			if (label == 0) {
				why_set(why, whylen,
				        "invalid name: empty label");
				return (-1);
			}
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63) {
				why_set(why, whylen,
				        "invalid name: label longer than 63");
				return (-1);
			}
		} else {
			why_set(why, whylen, "invalid name: character 0x%02x",
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
	if (!dns_type_supported(type)) {
		snprintf(q->res.why, sizeof(q->res.why), "unsupported type %s",
		        dns_type_name(type, tbuf, sizeof(tbuf)));
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
