/*
 * sts_fleet.c - the resolver's use of the fleet's shared policy tier
 * (sts_fleet.h, docs/FLEET.md): ask, lock, wait, publish, flush, and the
 * pub/sub news from the other hosts. What comes from Redis is untrusted:
 * values and messages go through store_redis.c's checks, and a policy
 * body through the normal parser (RFC 8461 §3.2) in the resolver.
 */
#include "sts/sts_fleet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "log.h"
#include "logrl.h"
#include "store/store.h"
#include "store/store_redis.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/redisev.h"
#include "util/stats.h"
#include "util/xalloc.h"

#define STS_FLEET_POLL_MS 100

struct sts_fleet {
	struct event_base *base;
	struct redisev    *rv;
	const struct conf *conf;
	struct stats      *stats;
	void (*news_flush)(void *arg, const char *domain);
	void (*news_policy)(void *arg, const char *domain, const char *id);
	void *news_arg;
	char  channel[STORE_REDIS_KEY_MAX + 1];
	char  host[STORE_REDIS_HOST_MAX + 1]; /* store.host_id */
};

struct sts_fleet_ask {
	struct sts_fleet *f;
	char              domain[DOMAIN_MAX + 1];
	char              id[33];
	int64_t           min_expires;
	int64_t           deadline_ms; /* clock ms */
	int               wait;
	int               cancelled;
	int               inflight; /* a Redis command is pending */
	struct event     *poll;
	sts_fleet_ask_cb *cb;
	void             *arg;
};

static void sts_fleet_on_msg(void *arg, const char *msg, size_t len);

static int64_t
sts_fleet_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
sts_fleet_ask_free(struct sts_fleet_ask *a)
{
	if (a->poll != NULL) {
		event_free(a->poll);
	}
	free(a);
}

/* give the answer and end the ask */
static void
sts_fleet_done(
        struct sts_fleet_ask *a, const struct store_policy *p, int locked)
{
	sts_fleet_ask_cb *cb  = a->cb;
	void             *arg = a->arg;

	sts_fleet_ask_free(a);
	cb(arg, p, locked);
}

static void sts_fleet_step(struct sts_fleet_ask *a);

static void
sts_fleet_poll(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sts_fleet_step(arg);
}

/* someone else holds the lock: look again soon, or give up at the deadline */
static void
sts_fleet_wait(struct sts_fleet_ask *a)
{
	struct timeval tv = { 0, STS_FLEET_POLL_MS * 1000 };

	if (sts_fleet_now_ms() + STS_FLEET_POLL_MS > a->deadline_ms) {
		log_info("MXTLS-FLEET-WAIT-EXPIRED",
		        "%s: no fleet publication in time, fetching here",
		        a->domain);
		sts_fleet_done(a, NULL, 0);
		return;
	}
	a->f->stats->fleet_waits++;
	if (a->poll == NULL) {
		a->poll = evtimer_new(a->f->base, sts_fleet_poll, a);
		if (a->poll == NULL) {
			xdie();
		}
	}
	evtimer_add(a->poll, &tv);
}

static void
sts_fleet_lock_done(void *arg, struct redisReply *reply, const char *why)
{
	struct sts_fleet_ask *a = arg;

	(void)why;
	a->inflight = 0;
	if (a->cancelled) {
		sts_fleet_ask_free(a);
		return;
	}
	if (reply != NULL && reply->type == REDIS_REPLY_STATUS) {
		sts_fleet_done(a, NULL, 1); /* "OK": ours, fetch */
		return;
	}
	if (reply != NULL && reply->type == REDIS_REPLY_NIL) {
		sts_fleet_wait(a); /* SET NX: held by another host */
		return;
	}
	if (reply != NULL && reply->type == REDIS_REPLY_INTEGER) {
		if (reply->integer > 0) { /* EXISTS (read-only host) */
			sts_fleet_wait(a);
		} else {
			sts_fleet_done(a, NULL, 0);
		}
		return;
	}
	sts_fleet_done(a, NULL, 0); /* error, timeout, down: fetch */
}

static void
sts_fleet_get_done(void *arg, struct redisReply *reply, const char *why)
{
	struct sts_fleet_ask *a = arg;
	struct sts_fleet     *f = a->f;
	struct store_policy   p;
	char                  dwhy[160], key[STORE_REDIS_KEY_MAX + 1];
	int                   rc;

	(void)why;
	a->inflight = 0;
	if (a->cancelled) {
		sts_fleet_ask_free(a);
		return;
	}
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		sts_fleet_done(a, NULL, 0);
		return;
	}
	if (reply->type == REDIS_REPLY_STRING) {
		if (store_redis_decode(reply->str, reply->len, a->domain, &p,
		            dwhy, sizeof(dwhy))
		        != STORE_FOUND) {
			f->stats->fleet_bad++;
			log_warn_rl("MXTLS-FLEET-BAD-VALUE",
			        "%s: ignoring the fleet's value: %s",
			        a->domain, dwhy);
		} else if (strcmp(p.id, a->id) == 0
		        && p.expires > a->min_expires
		        && p.expires > clock_now()) {
			f->stats->fleet_hits++;
			sts_fleet_done(a, &p, 0);
			store_policy_clear(&p);
			return;
		} else {
			log_debug("MXTLS-FLEET-STALE",
			        "%s: the fleet has id %s, want %s", a->domain,
			        p.id, a->id);
			store_policy_clear(&p);
		}
	}
	f->stats->fleet_misses++;
	if (!a->wait) {
		sts_fleet_done(a, NULL, 0);
		return;
	}
	store_redis_key(key, sizeof(key), f->conf->store_redis_key_prefix,
	        "lock:", a->domain);
	if (redisev_read_only(f->rv)) {
		rc = redisev_command(
		        f->rv, sts_fleet_lock_done, a, "EXISTS %s", key);
	} else {
		long long ms
		        = (long long)((f->conf->fetch_timeout
		                              + f->conf->fetch_connect_timeout)
		                  * 1000)
		        + 2000;

		rc = redisev_command(f->rv, sts_fleet_lock_done, a,
		        "SET %s %s NX PX %lld", key, f->host, ms);
	}
	if (rc != 0) {
		sts_fleet_done(a, NULL, 0);
		return;
	}
	a->inflight = 1;
}

static void
sts_fleet_step(struct sts_fleet_ask *a)
{
	char key[STORE_REDIS_KEY_MAX + 1];

	store_redis_key(key, sizeof(key), a->f->conf->store_redis_key_prefix,
	        "policy:", a->domain);
	if (redisev_command(a->f->rv, sts_fleet_get_done, a, "GET %s", key)
	        != 0) {
		sts_fleet_done(a, NULL, 0);
		return;
	}
	a->inflight = 1;
}

struct sts_fleet_ask *
sts_fleet_ask(struct sts_fleet *f, const char *domain, const char *id,
        int64_t min_expires, int wait, sts_fleet_ask_cb *cb, void *arg)
{
	struct sts_fleet_ask *a;
	char                  key[STORE_REDIS_KEY_MAX + 1];

	if (f == NULL || !redisev_up(f->rv)) {
		return (NULL);
	}
	a    = xcalloc(1, sizeof(*a));
	a->f = f;
	snprintf(a->domain, sizeof(a->domain), "%s", domain);
	snprintf(a->id, sizeof(a->id), "%s", id);
	a->min_expires = min_expires;
	a->wait        = wait;
	a->deadline_ms = sts_fleet_now_ms()
	        + (int64_t)(f->conf->sts_first_contact_wait * 1000);
	a->cb  = cb;
	a->arg = arg;
	store_redis_key(key, sizeof(key), f->conf->store_redis_key_prefix,
	        "policy:", a->domain);
	if (redisev_command(f->rv, sts_fleet_get_done, a, "GET %s", key)
	        != 0) {
		free(a);
		return (NULL);
	}
	a->inflight = 1;
	return (a);
}

void
sts_fleet_cancel(struct sts_fleet_ask *a)
{
	if (a == NULL) {
		return;
	}
	if (a->inflight) {
		a->cancelled = 1; /* freed by the command's callback */
		if (a->poll != NULL) {
			evtimer_del(a->poll);
		}
		return;
	}
	sts_fleet_ask_free(a);
}

void
sts_fleet_publish(struct sts_fleet *f, const struct store_policy *p)
{
	char                   key[STORE_REDIS_KEY_MAX + 1], msg[512];
	char                  *val;
	size_t                 vlen;
	int64_t                ttl = p->expires - clock_now();
	struct store_redis_msg m;

	if (f == NULL || redisev_read_only(f->rv) || !redisev_up(f->rv)) {
		return;
	}
	store_redis_key(key, sizeof(key), f->conf->store_redis_key_prefix,
	        "policy:", p->domain);
	if (ttl > 0 && store_redis_encode(p, f->host, &val, &vlen) == 0) {
		(void)redisev_command(f->rv, NULL, NULL, "SET %s %b EX %lld",
		        key, val, vlen, (long long)ttl);
		free(val);
		memset(&m, 0, sizeof(m));
		m.kind = STORE_REDIS_MSG_POLICY;
		snprintf(m.host, sizeof(m.host), "%s", f->host);
		snprintf(m.domain, sizeof(m.domain), "%s", p->domain);
		snprintf(m.id, sizeof(m.id), "%s", p->id);
		if (store_redis_msg_format(msg, sizeof(msg), &m) > 0) {
			(void)redisev_command(f->rv, NULL, NULL,
			        "PUBLISH %s %s", f->channel, msg);
		}
		f->stats->fleet_published++;
	}
	sts_fleet_release(f, p->domain);
}

void
sts_fleet_release(struct sts_fleet *f, const char *domain)
{
	char key[STORE_REDIS_KEY_MAX + 1];

	if (f == NULL || redisev_read_only(f->rv)) {
		return;
	}
	store_redis_key(key, sizeof(key), f->conf->store_redis_key_prefix,
	        "lock:", domain);
	(void)redisev_command(f->rv, NULL, NULL, "DEL %s", key);
}

/* flush all: SCAN PREFIXpolicy:* and DEL, page by page */
static void
sts_fleet_scan_done(void *arg, struct redisReply *reply, const char *why)
{
	struct sts_fleet *f = arg;
	char              pat[STORE_REDIS_KEY_MAX + 1];
	redisReply       *keys;

	(void)why;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
	        || reply->elements != 2
	        || reply->element[0]->type != REDIS_REPLY_STRING
	        || reply->element[1]->type != REDIS_REPLY_ARRAY) {
		return;
	}
	keys = reply->element[1];
	for (size_t i = 0; i < keys->elements; i++) {
		if (keys->element[i]->type == REDIS_REPLY_STRING) {
			(void)redisev_command(f->rv, NULL, NULL, "DEL %b",
			        keys->element[i]->str, keys->element[i]->len);
		}
	}
	if (strcmp(reply->element[0]->str, "0") == 0) {
		return;
	}
	snprintf(pat, sizeof(pat), "%spolicy:*",
	        f->conf->store_redis_key_prefix);
	(void)redisev_command(f->rv, sts_fleet_scan_done, f,
	        "SCAN %s MATCH %s COUNT 1000", reply->element[0]->str, pat);
}

void
sts_fleet_flush(struct sts_fleet *f, const char *domain)
{
	char                   key[STORE_REDIS_KEY_MAX + 1], msg[512];
	struct store_redis_msg m;

	if (f == NULL || redisev_read_only(f->rv) || !redisev_up(f->rv)) {
		return;
	}
	if (domain != NULL) {
		store_redis_key(key, sizeof(key),
		        f->conf->store_redis_key_prefix, "policy:", domain);
		(void)redisev_command(f->rv, NULL, NULL, "DEL %s", key);
	} else {
		snprintf(key, sizeof(key), "%spolicy:*",
		        f->conf->store_redis_key_prefix);
		(void)redisev_command(f->rv, sts_fleet_scan_done, f,
		        "SCAN 0 MATCH %s COUNT 1000", key);
	}
	memset(&m, 0, sizeof(m));
	m.kind = STORE_REDIS_MSG_FLUSH;
	snprintf(m.host, sizeof(m.host), "%s", f->host);
	snprintf(m.domain, sizeof(m.domain), "%s",
	        domain != NULL ? domain : "");
	if (store_redis_msg_format(msg, sizeof(msg), &m) > 0) {
		(void)redisev_command(
		        f->rv, NULL, NULL, "PUBLISH %s %s", f->channel, msg);
	}
}

/* news from the fleet (untrusted) */
static void
sts_fleet_on_msg(void *arg, const char *msg, size_t len)
{
	struct sts_fleet      *f = arg;
	struct store_redis_msg m;
	char                   why[160];

	if (store_redis_msg_parse(msg, len, &m, why, sizeof(why)) != 0) {
		f->stats->fleet_bad++;
		log_warn_rl("MXTLS-FLEET-BAD-MESSAGE",
		        "ignoring a fleet message: %s", why);
		return;
	}
	if (strcmp(m.host, f->host) == 0) {
		return; /* our own */
	}
	f->stats->fleet_messages++;
	if (m.kind == STORE_REDIS_MSG_FLUSH) {
		log_info("MXTLS-FLEET-FLUSH", "host %s flushed %s", m.host,
		        m.domain[0] != '\0' ? m.domain : "every domain");
		if (f->news_flush != NULL) {
			f->news_flush(f->news_arg,
			        m.domain[0] != '\0' ? m.domain : NULL);
		}
		return;
	}
	if (f->news_policy != NULL) {
		f->news_policy(f->news_arg, m.domain, m.id);
	}
}

static void
sts_fleet_connected(void *arg)
{
	struct sts_fleet *f = arg;

	log_info("MXTLS-FLEET-UP", "fleet tier reachable (host id %s)",
	        f->host);
}

struct sts_fleet *
sts_fleet_create(struct event_base *base, struct redisev *rv,
        const struct conf *conf, struct stats *stats)
{
	struct sts_fleet *f = xcalloc(1, sizeof(*f));

	f->base  = base;
	f->rv    = rv;
	f->conf  = conf;
	f->stats = stats;
	if (conf->store_host_id[0] != '\0') {
		snprintf(f->host, sizeof(f->host), "%s", conf->store_host_id);
	} else if (gethostname(f->host, sizeof(f->host)) != 0
	        || f->host[0] == '\0') {
		snprintf(f->host, sizeof(f->host), "localhost");
	}
	f->host[sizeof(f->host) - 1] = '\0';
	for (char *p = f->host; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
			*p = '_'; /* a message field: no blanks */
		}
	}
	store_redis_key(f->channel, sizeof(f->channel),
	        conf->store_redis_key_prefix, NULL, NULL);
	redisev_on_connect(rv, sts_fleet_connected, f);
	(void)redisev_subscribe(rv, f->channel, sts_fleet_on_msg, f);
	return (f);
}

void
sts_fleet_set_news(struct sts_fleet *f,
        void (*on_flush)(void *arg, const char *domain),
        void (*on_policy)(void *arg, const char *domain, const char *id),
        void *arg)
{
	f->news_flush  = on_flush;
	f->news_policy = on_policy;
	f->news_arg    = arg;
}

void
sts_fleet_free(struct sts_fleet *f)
{
	free(f);
}

int
sts_fleet_up(const struct sts_fleet *f)
{
	return (f != NULL && redisev_up(f->rv));
}
