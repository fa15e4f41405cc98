/*
 * fake_dns.c - scripted dns.h for the scenario tests (see fake_dns.h).
 * Answers are delivered from libevent events on the resolver's base, never
 * from inside dns_lookup, as the real dns.c does.
 */
#include <sys/queue.h>

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "fake_dns.h"

#define FAKE_DNS_MAX 256
#define FAKE_DNS_RRS 16

struct fake_dns_script {
	char            name[DOMAIN_MAX + 1];
	int             type;
	int             scripted;
	enum dns_status status;
	uint32_t        ttl;
	char            data[512];
	int             secure;                /* DNS_FOUND / DNS_NOTFOUND */
	char            canon[DOMAIN_MAX + 1]; /* "" : name */
	char            why[200];              /* "" : the default */
	struct dns_rr   rrs[FAKE_DNS_RRS];     /* fake_dns_set_rrs */
	unsigned char   rrdata[FAKE_DNS_RRS][512];
	size_t          nrr;
	int             hold;
	unsigned        count;
};

struct dns {
	struct event_base *base;
};

struct dns_query {
	TAILQ_ENTRY(dns_query) link;
	struct fake_dns_script *script;
	struct event           *ev;
	int                     held;
	dns_cb                  cb;
	void                   *arg;
};

static TAILQ_HEAD(, dns_query) fake_dns_queries = TAILQ_HEAD_INITIALIZER(
        fake_dns_queries);
static struct fake_dns_script fake_dns_table[FAKE_DNS_MAX];
static size_t                 fake_dns_n;
static unsigned               fake_dns_started;
static unsigned               fake_dns_nlive;

static struct fake_dns_script *
fake_dns_entry(const char *name, int type)
{
	struct fake_dns_script *s;
	size_t                  i;

	for (i = 0; i < fake_dns_n; i++) {
		s = &fake_dns_table[i];
		if (s->type == type && strcmp(s->name, name) == 0)
			return (s);
	}
	if (fake_dns_n == FAKE_DNS_MAX) {
		fprintf(stderr, "fake_dns: table full\n");
		abort();
	}
	s = &fake_dns_table[fake_dns_n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->type = type;
	return (s);
}

void
fake_dns_reset(void)
{
	if (!TAILQ_EMPTY(&fake_dns_queries)) {
		fprintf(stderr, "fake_dns_reset: queries still live\n");
		abort();
	}
	fake_dns_n       = 0;
	fake_dns_started = 0;
	fake_dns_nlive   = 0;
}

void
fake_dns_set(const char *name, int type, enum dns_status status, uint32_t ttl,
        const char *data)
{
	struct fake_dns_script *s = fake_dns_entry(name, type);

	s->scripted = 1;
	s->status   = status;
	s->ttl      = ttl;
	snprintf(s->data, sizeof(s->data), "%s", data != NULL ? data : "");
	s->secure   = 1;
	s->canon[0] = '\0';
	s->why[0]   = '\0';
	s->nrr      = 0;
}

void
fake_dns_set_rrs(const char *name, int type, enum dns_status status,
        int secure, uint32_t ttl, const struct dns_rr *rr, size_t nrr,
        const char *canon, const char *why)
{
	struct fake_dns_script *s = fake_dns_entry(name, type);
	size_t                  i, len;

	if (nrr > FAKE_DNS_RRS) {
		fprintf(stderr, "fake_dns: too many records\n");
		abort();
	}
	s->scripted = 1;
	s->status   = status;
	s->ttl      = ttl;
	s->data[0]  = '\0';
	s->secure   = secure;
	snprintf(s->canon, sizeof(s->canon), "%s", canon != NULL ? canon : "");
	snprintf(s->why, sizeof(s->why), "%s", why != NULL ? why : "");
	s->nrr = nrr;
	for (i = 0; i < nrr; i++) {
		s->rrs[i] = rr[i];
		if (s->rrs[i].ttl == 0)
			s->rrs[i].ttl = ttl;
		if (rr[i].type == DNS_T_TLSA) {
			len = rr[i].u.tlsa.len;
			if (len > sizeof(s->rrdata[i]))
				abort();
			memcpy(s->rrdata[i], rr[i].u.tlsa.data, len);
			s->rrs[i].u.tlsa.data = s->rrdata[i];
		} else if (rr[i].type == DNS_T_TXT) {
			len = rr[i].u.txt.len;
			if (len >= sizeof(s->rrdata[i]))
				abort();
			memcpy(s->rrdata[i], rr[i].u.txt.text, len);
			s->rrdata[i][len]    = '\0';
			s->rrs[i].u.txt.text = (char *)s->rrdata[i];
		}
	}
}

void
fake_dns_hold(const char *name, int type, int hold)
{
	fake_dns_entry(name, type)->hold = hold;
}

unsigned
fake_dns_release(const char *name, int type)
{
	struct fake_dns_script *s = fake_dns_entry(name, type);
	struct dns_query       *q;
	unsigned                n = 0;

	s->hold = 0;
	TAILQ_FOREACH(q, &fake_dns_queries, link)
	{
		if (q->script == s && q->held) {
			q->held = 0;
			event_active(q->ev, EV_TIMEOUT, 1);
			n++;
		}
	}
	return (n);
}

unsigned
fake_dns_count(const char *name, int type)
{
	size_t i;

	for (i = 0; i < fake_dns_n; i++)
		if (fake_dns_table[i].type == type
		        && strcmp(fake_dns_table[i].name, name) == 0)
			return (fake_dns_table[i].count);
	return (0);
}

unsigned
fake_dns_total(void)
{
	return (fake_dns_started);
}

unsigned
fake_dns_live(void)
{
	return (fake_dns_nlive);
}

static void
fake_dns_query_free(struct dns_query *q)
{
	TAILQ_REMOVE(&fake_dns_queries, q, link);
	event_free(q->ev);
	free(q);
	fake_dns_nlive--;
}

/* fake_dns_deliver - the answer as scripted now; the query is gone before
 * the callback runs (it may start or cancel other lookups). */
static void
fake_dns_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct dns_query             *q = arg;
	const struct fake_dns_script *s = q->script;
	struct dns_result             res;
	struct dns_rr                 rr;
	dns_cb                        cb    = q->cb;
	void                         *cbarg = q->arg;
	char                         *text  = NULL;
	struct dns_rr                 rrs[FAKE_DNS_RRS];

	(void)fd;
	(void)what;
	memset(&res, 0, sizeof(res));
	memset(&rr, 0, sizeof(rr));
	res.status = s->scripted ? s->status : DNS_NOTFOUND;
	res.ttl    = s->ttl;
	res.secure = s->scripted ? s->secure : 1;
	snprintf(res.canon, sizeof(res.canon), "%s",
	        s->canon[0] != '\0' ? s->canon : s->name);
	switch (res.status) {
	case DNS_FOUND:
		if (s->nrr > 0) { /* fake_dns_set_rrs */
			memcpy(rrs, s->rrs, s->nrr * sizeof(rrs[0]));
			res.nrr = s->nrr;
			res.rr  = rrs;
			break;
		}
		rr.type = (uint16_t)s->type;
		rr.ttl  = s->ttl;
		if (s->type == DNS_T_TXT) {
			text = strdup(s->data);
			if (text == NULL)
				abort();
			rr.u.txt.text = text;
			rr.u.txt.len  = strlen(text);
		} else if (s->type != DNS_T_A
		        || inet_pton(AF_INET, s->data, &rr.u.a) != 1) {
			fprintf(stderr, "fake_dns: cannot answer %s/%d\n",
			        s->name, s->type);
			abort();
		}
		res.nrr = 1;
		res.rr  = &rr;
		break;
	case DNS_NOTFOUND:
		snprintf(res.why, sizeof(res.why), "NXDOMAIN (fake)");
		break;
	case DNS_TEMPFAIL:
		res.secure = 0;
		res.rcode  = 2;
		snprintf(res.why, sizeof(res.why), "SERVFAIL (fake)");
		break;
	case DNS_BOGUS:
		res.secure = 0;
		snprintf(res.why, sizeof(res.why), "bogus (fake)");
		break;
	}
	if (s->why[0] != '\0')
		snprintf(res.why, sizeof(res.why), "%s", s->why);
	if (res.status == DNS_NOTFOUND && strncmp(res.why, "NXDOMAIN", 8) == 0)
		res.rcode = 3; /* as dns.c: NXDOMAIN, not NODATA */
	fake_dns_query_free(q);
	cb(cbarg, &res);
	free(text);
}

struct dns *
dns_create(struct event_base *base, const struct dns_config *cfg, char *why,
        size_t whylen)
{
	struct dns *dns = calloc(1, sizeof(*dns));

	(void)cfg;
	if (dns == NULL) {
		snprintf(why, whylen, "out of memory");
		return (NULL);
	}
	dns->base = base;
	return (dns);
}

void
dns_free(struct dns *dns)
{
	struct dns_query *q;

	while ((q = TAILQ_FIRST(&fake_dns_queries)) != NULL)
		fake_dns_query_free(q);
	free(dns);
}

struct dns_query *
dns_lookup(struct dns *dns, const char *name, int type, dns_cb cb, void *arg)
{
	struct dns_query *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return (NULL);
	q->script = fake_dns_entry(name, type);
	q->script->count++;
	fake_dns_started++;
	q->cb  = cb;
	q->arg = arg;
	q->ev  = event_new(dns->base, -1, 0, fake_dns_deliver, q);
	if (q->ev == NULL)
		abort();
	TAILQ_INSERT_TAIL(&fake_dns_queries, q, link);
	fake_dns_nlive++;
	if (q->script->hold)
		q->held = 1;
	else
		event_active(q->ev, EV_TIMEOUT, 1);
	return (q);
}

void
dns_cancel(struct dns_query *q)
{
	if (q != NULL)
		fake_dns_query_free(q);
}

void
dns_result_clear(struct dns_result *res)
{
	memset(res, 0, sizeof(*res));
}
