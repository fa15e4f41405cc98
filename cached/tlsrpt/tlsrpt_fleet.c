/*
 * tlsrpt_fleet.c - the fleet's TLS reporting on the loop (RFC 8460 §4.4,
 * §5; docs/FLEET.md "TLSRPT", DECISIONS T17-T21): snapshots pushed to
 * Redis, and per finished (day, domain) one Lua step that takes or renews
 * the lock (with its fencing token) and reads what was built; the lock
 * holder builds (tlsrpt_fleet_sum.h), sends (tlsrpt_send.h) and marks each
 * target done, every write guarded by its lock value. See tlsrpt_fleet.h.
 */
#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "log.h"
#include "tlsrpt/tlsrpt_fleet.h"
#include "tlsrpt/tlsrpt_fleet_int.h"
#include "tlsrpt/tlsrpt_fleet_lua.h"
#include "tlsrpt/tlsrpt_fleet_lock.h"
#include "tlsrpt/tlsrpt_fleet_sum.h"
#include "tlsrpt/tlsrpt_json.h"
#include "tlsrpt/tlsrpt_send.h"
#include "tlsrpt/tlsrpt_store_snap.h"
#include "util/clock.h"
#include "util/redisev.h"
#include "why.h"

#define KEEP_EXTRA 86400 /* keys live retry_deadline + a day after */

static struct pair *
pair_get(struct tlsrpt_fleet *f, int64_t day, const char *domain, int make)
{
	struct pair *p;

	TAILQ_FOREACH(p, &f->pairs, entry)
	{
		if (p->day == day && strcmp(p->domain, domain) == 0) {
			return (p);
		}
	}
	if (!make || (p = calloc(1, sizeof(*p))) == NULL) {
		return (NULL);
	}
	p->f   = f;
	p->day = day;
	snprintf(p->domain, sizeof(p->domain), "%s", domain);
	TAILQ_INSERT_TAIL(&f->pairs, p, entry);
	return (p);
}

void
tlsrpt_fleet_pair_forget(struct pair *p)
{
	if (p->busy || p->pushing || p->jobs > 0) {
		p->gone = 1;
		return;
	}
	TAILQ_REMOVE(&p->f->pairs, p, entry);
	free(p);
}

static int64_t
keep_for(const struct tlsrpt_fleet *f, const struct pair *p)
{
	int64_t until = p->day + TLSRPT_DAY + f->c.retry_deadline + KEEP_EXTRA
	        - f->c.now();

	return (until > 3600 ? until : 3600);
}

void
tlsrpt_fleet_pkey(
        const struct pair *p, enum tlsrpt_fleet_key k, char *buf, size_t len)
{
	tlsrpt_fleet_key(buf, len, p->f->prefix, k, p->day, p->domain);
}

/* open_key - the set of domains with an unfinished report on day. */
void
tlsrpt_fleet_open_key(
        const struct tlsrpt_fleet *f, int64_t day, char *buf, size_t len)
{
	char date[32];

	tlsrpt_json_datetime(day, date, sizeof(date));
	date[10] = '\0';
	snprintf(buf, len, "%srptopen:%s", f->prefix, date);
}

/* eval - EVAL script with keys and args (all strings). */
int
tlsrpt_fleet_eval(struct tlsrpt_fleet *f, redisev_cb *cb, void *arg,
        const char *script, int nkeys, const char **keys, int nargs,
        const char **args)
{
	const char *argv[16];
	char        nk[8];
	int         i, n = 0;

	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[n++] = "EVAL";
	argv[n++] = script;
	argv[n++] = nk;
	for (i = 0; i < nkeys; i++) {
		argv[n++] = keys[i];
	}
	for (i = 0; i < nargs; i++) {
		argv[n++] = args[i];
	}
	return (redisev_commandargv(f->redis, cb, arg, n, argv, NULL));
}

/* ------------------------------------------------------------ push --- */

static void
push_cb(void *arg, struct redisReply *r, const char *why)
{
	struct pair *p = arg;

	p->pushing = 0;
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		log_warn("MXTLS-TLSRPT-FLEET-PUSH",
		        "%s: snapshot not written: %s", p->domain,
		        r != NULL ? r->str : why);
		p->dirty = 1;
	} else {
		p->pending
		        -= p->in_push < p->pending ? p->in_push : p->pending;
		if (p->final_sent) {
			p->final_acked = 1;
		}
		p->emptied = 0;
	}
	p->in_push = 0;
	if (p->gone) {
		tlsrpt_fleet_pair_forget(p);
	}
}

static void
push(struct tlsrpt_fleet *f, struct pair *p, int64_t now)
{
	char        k1[TLSRPT_FLEET_KEY_MAX], k2[256], why[256], keep[32];
	char       *text;
	const char *keys[2], *args[4];
	int64_t     seq = clock_now() * 1000;

	if (seq <= p->acked_seq) {
		seq = p->acked_seq + 1;
	}
	text = tlsrpt_store_snap(
	        f->st, p->day, p->domain, f->host, seq, why, sizeof(why));
	if (text == NULL) {
		log_err("MXTLS-TLSRPT-STORE", "fleet snapshot: %s", why);
		return;
	}
	tlsrpt_fleet_pkey(p, TLSRPT_FLEET_SNAP, k1, sizeof(k1));
	tlsrpt_fleet_open_key(f, p->day, k2, sizeof(k2));
	snprintf(keep, sizeof(keep), "%" PRId64, keep_for(f, p));
	keys[0]       = k1;
	keys[1]       = k2;
	args[0]       = f->host;
	args[1]       = text;
	args[2]       = keep;
	args[3]       = p->domain;
	p->final_sent = now >= p->day + TLSRPT_DAY;
	p->in_push    = p->pending;
	p->dirty      = 0;
	if (tlsrpt_fleet_eval(f, push_cb, p, push_lua, 2, keys, 4, args)
	        == 0) {
		p->pushing   = 1;
		p->acked_seq = seq;
	} else {
		p->dirty = 1;
	}
	free(text);
}

/* ------------------------------------------------------------ own ----- */

/* own_digest - the digest of this host's counts of p now. */
static int
own_digest(struct tlsrpt_fleet *f, struct pair *p, char *digest)
{
	char why[256], *text;
	int  rc;

	text = tlsrpt_store_snap(
	        f->st, p->day, p->domain, f->host, 1, why, sizeof(why));
	if (text == NULL) {
		return (-1);
	}
	rc = tlsrpt_fleet_snap_digest(
	        text, strlen(text), p->day, p->domain, digest, 32);
	free(text);
	return (rc);
}

/* own - this host's counts of p, once the fleet's state is known: the
 * report holds exactly them (same digest): dropped. */
static void
own(struct tlsrpt_fleet *f, struct pair *p, int built, json_t *hosts,
        json_t *included)
{
	struct tlsrpt_fleet_view v;
	json_t                  *mine = json_object_get(hosts, f->host);
	char                     why[256], digest[32];
	int                      n;

	memset(&v, 0, sizeof(v));
	v.day         = p->day;
	v.now         = f->c.now();
	v.grace       = f->c.grace;
	v.fallback    = f->c.fallback;
	v.redis_up    = redisev_up(f->redis);
	v.has_local   = p->has_local;
	v.final_acked = p->final_acked;
	v.built       = built;
	v.included    = mine != NULL && own_digest(f, p, digest) == 0
	        && strcmp(json_string_value(mine) != NULL
	                           ? json_string_value(mine)
	                           : "",
	                   digest)
	                == 0;
	switch (tlsrpt_fleet_own_next(&v)) {
	case TLSRPT_FLEET_OWN_DROP:
		if (tlsrpt_store_snap_drop(
		            f->st, p->day, p->domain, why, sizeof(why))
		        != 0) {
			log_err("MXTLS-TLSRPT-STORE", "%s", why);
			return;
		}
		p->has_local = 0;
		p->pending   = 0;
		log_info("MXTLS-TLSRPT-FLEET-MERGED",
		        "%s: this host's counts are in the fleet's report",
		        p->domain);
		break;
	case TLSRPT_FLEET_OWN_LOCAL:
		/* what the report holds of ours is not reported again */
		if (json_object_get(included, f->host) != NULL
		        && tlsrpt_store_snap_subtract(f->st, p->day, p->domain,
		                   json_object_get(included, f->host), why,
		                   sizeof(why))
		                != 0) {
			log_err("MXTLS-TLSRPT-STORE", "%s", why);
			return;
		}
		n = tlsrpt_store_close_pair(f->st, p->day, p->domain,
		        f->c.meta, f->submitter, f->c.retry_deadline,
		        f->c.send_at(f->c.send_at_arg, p->day, p->domain), why,
		        sizeof(why));
		if (n < 0) {
			log_err("MXTLS-TLSRPT-STORE", "%s", why);
			return;
		}
		p->has_local = 0;
		p->pending   = 0;
		if (!built) {
			/* an older snapshot may still be in Redis: replace
			 * it with an empty one, or it would be counted
			 * again */
			p->emptied = 1;
			p->dirty   = 1;
		}
		log_warn("MXTLS-TLSRPT-FLEET-LOCAL",
		        "%s: %s: this host's counts are reported on their own "
		        "(%d reports)",
		        p->domain,
		        built ? "the fleet's report was built without them"
		              : "Redis unreachable past tlsrpt.fleet_fallback",
		        n);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------ build --- */

struct built {
	struct pair *p;
	json_t      *reports;
	json_t      *hosts;
	json_t      *included;
};

static void
build_cb(void *arg, struct redisReply *r, const char *why)
{
	struct built *b = arg;
	struct pair  *p = b->p;

	if (r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
		p->f->reports++;
		if (p->f->c.built != NULL) {
			p->f->c.built(p->f->c.send_at_arg);
		}
		log_notice("MXTLS-TLSRPT-FLEET-BUILT",
		        "%s: fleet report built from %zu hosts (lock %s)",
		        p->domain, json_object_size(b->hosts), p->lock);
		own(p->f, p, 1, b->hosts, b->included);
		tlsrpt_fleet_deliver(p, b->reports, NULL);
	} else {
		log_warn("MXTLS-TLSRPT-FLEET-BUILD",
		        "%s: fleet report not recorded: %s", p->domain,
		        r == NULL ? why
		                : r->type == REDIS_REPLY_ERROR
		                ? r->str
		                : "lock lost or built");
		p->busy = 0;
	}
	json_decref(b->reports);
	json_decref(b->hosts);
	json_decref(b->included);
	free(b);
	if (p->busy == 0 && p->gone) {
		tlsrpt_fleet_pair_forget(p);
	}
}

static void
build(struct pair *p, struct redisReply *snaps)
{
	struct tlsrpt_fleet     *f = p->f;
	struct tlsrpt_fleet_sum *sum;
	struct built            *b;
	char        k[2][TLSRPT_FLEET_KEY_MAX], why[256], keep[32];
	char       *rt = NULL, *ht = NULL, *it = NULL;
	const char *keys[2], *args[5];
	size_t      i;

	if ((sum = tlsrpt_fleet_sum_new(p->day, p->domain, f->c.max_details))
	                == NULL
	        || (b = calloc(1, sizeof(*b))) == NULL) {
		tlsrpt_fleet_sum_free(sum);
		p->busy = 0;
		return;
	}
	for (i = 0; i < snaps->elements; i++) {
		struct redisReply *e = snaps->element[i];

		if (e->type == REDIS_REPLY_STRING
		        && tlsrpt_fleet_sum_add(
		                   sum, e->str, e->len, why, sizeof(why))
		                != 0) {
			log_warn("MXTLS-TLSRPT-FLEET-SNAPSHOT",
			        "%s: a snapshot skipped: %s", p->domain, why);
		}
	}
	b->p        = p;
	b->reports  = tlsrpt_fleet_sum_render(sum, f->c.meta, f->submitter);
	b->hosts    = json_deep_copy(tlsrpt_fleet_sum_hosts(sum));
	b->included = json_deep_copy(tlsrpt_fleet_sum_groups(sum));
	tlsrpt_fleet_sum_free(sum);
	if (b->reports == NULL || b->hosts == NULL
	        || (rt = json_dumps(
	                    b->reports, JSON_COMPACT | JSON_PRESERVE_ORDER))
	                == NULL
	        || (ht = json_dumps(b->hosts, JSON_COMPACT)) == NULL
	        || b->included == NULL
	        || (it = json_dumps(
	                    b->included, JSON_COMPACT | JSON_PRESERVE_ORDER))
	                == NULL) {
		goto fail;
	}
	tlsrpt_fleet_pkey(p, TLSRPT_FLEET_LOCK, k[0], sizeof(k[0]));
	tlsrpt_fleet_pkey(p, TLSRPT_FLEET_BUILT, k[1], sizeof(k[1]));
	snprintf(keep, sizeof(keep), "%" PRId64, keep_for(f, p));
	keys[0] = k[0];
	keys[1] = k[1];
	args[0] = p->lock;
	args[1] = rt;
	args[2] = ht;
	args[3] = keep;
	args[4] = it;
	if (tlsrpt_fleet_eval(f, build_cb, b, build_lua, 2, keys, 5, args)
	        != 0) {
		goto fail;
	}
	free(rt);
	free(ht);
	free(it);
	return;
fail:
	free(rt);
	free(ht);
	free(it);
	json_decref(b->reports);
	json_decref(b->hosts);
	json_decref(b->included);
	free(b);
	p->busy = 0;
}

/* ------------------------------------------------------------ step ---- */

static json_t *
str_json(struct redisReply *r)
{
	if (r->type != REDIS_REPLY_STRING || r->len == 0) {
		return (NULL);
	}
	return (json_loadb(r->str, r->len, 0, NULL));
}

static void
step_cb(void *arg, struct redisReply *r, const char *why)
{
	struct pair *p = arg;
	json_t      *reports, *hosts, *done, *included;
	size_t       i;
	int          complete;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 7) {
		log_warn("MXTLS-TLSRPT-FLEET-STEP", "%s: %s", p->domain,
		        r == NULL ? why
		                : r->type == REDIS_REPLY_ERROR
		                ? r->str
		                : "unexpected reply");
		p->busy = 0;
		goto out;
	}
	snprintf(p->lock, sizeof(p->lock), "%.*s", (int)r->element[0]->len,
	        r->element[0]->str != NULL ? r->element[0]->str : "");
	reports  = str_json(r->element[1]);
	hosts    = str_json(r->element[2]);
	included = str_json(r->element[6]);
	complete = r->element[5]->type == REDIS_REPLY_INTEGER
	        && r->element[5]->integer == 1;
	own(p->f, p, reports != NULL, hosts, included);
	if (complete || (reports != NULL && json_array_size(reports) == 0)) {
		p->busy = 0;
		if (!p->has_local) {
			p->gone = 1;
		}
	} else if (p->lock[0] == '\0') {
		p->busy = 0; /* another host holds the lock */
	} else if (reports == NULL) {
		build(p, r->element[4]);
	} else {
		done = json_array();
		for (i = 0; i < r->element[3]->elements; i++) {
			struct redisReply *e = r->element[3]->element[i];

			json_array_append_new(
			        done, json_stringn(e->str, e->len));
		}
		tlsrpt_fleet_deliver(p, reports, done);
		json_decref(done);
	}
	json_decref(reports);
	json_decref(hosts);
	json_decref(included);
out:
	if (p->busy == 0 && p->gone) {
		tlsrpt_fleet_pair_forget(p);
	}
}

static void
step(struct tlsrpt_fleet *f, struct pair *p)
{
	char        k[4][TLSRPT_FLEET_KEY_MAX], ttl[32], keep[32];
	const char *keys[4], *args[3];

	tlsrpt_fleet_pkey(p, TLSRPT_FLEET_LOCK, k[0], sizeof(k[0]));
	tlsrpt_fleet_pkey(p, TLSRPT_FLEET_FENCE, k[1], sizeof(k[1]));
	tlsrpt_fleet_pkey(p, TLSRPT_FLEET_BUILT, k[2], sizeof(k[2]));
	tlsrpt_fleet_pkey(p, TLSRPT_FLEET_SNAP, k[3], sizeof(k[3]));
	snprintf(ttl, sizeof(ttl), "%" PRId64, f->c.lock_ttl * 1000);
	snprintf(keep, sizeof(keep), "%" PRId64, keep_for(f, p));
	keys[0] = k[0];
	keys[1] = k[1];
	keys[2] = k[2];
	keys[3] = k[3];
	args[0] = f->host;
	args[1] = ttl;
	args[2] = keep;
	if (tlsrpt_fleet_eval(f, step_cb, p, step_lua, 4, keys, 3, args)
	        == 0) {
		p->busy = 1;
	}
}

/* ------------------------------------------------------------ tick ---- */

static void
open_cb(void *arg, struct redisReply *r, const char *why)
{
	struct tlsrpt_fleet *f = arg;
	size_t               i;
	int64_t              day;

	(void)why;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2
	        || r->element[0]->type != REDIS_REPLY_STRING
	        || r->element[1]->type != REDIS_REPLY_ARRAY) {
		return;
	}
	day = atoll(r->element[0]->str);
	for (i = 0; i < r->element[1]->elements; i++) {
		struct redisReply *e = r->element[1]->element[i];

		if (e->type == REDIS_REPLY_STRING && e->len <= DOMAIN_MAX) {
			pair_get(f, day, e->str, 1);
		}
	}
}

void
tlsrpt_fleet_tick(struct tlsrpt_fleet *f)
{
	struct pair *p, *np;
	json_t      *pairs, *e;
	int64_t      now = f->c.now(), today = tlsrpt_json_day(now);
	char         why[256], k[256], ds[32];
	const char  *keys[1], *args[1];
	size_t       i;
	int          up = redisev_up(f->redis);

	if ((pairs = tlsrpt_store_snap_pairs(f->st, why, sizeof(why)))
	        == NULL) {
		log_err("MXTLS-TLSRPT-STORE", "fleet: %s", why);
		return;
	}
	TAILQ_FOREACH(p, &f->pairs, entry)
	{
		p->has_local = 0;
	}
	json_array_foreach(pairs, i, e)
	{
		p = pair_get(f, json_integer_value(json_array_get(e, 0)),
		        json_string_value(json_array_get(e, 1)), 1);
		if (p != NULL) {
			if (!p->has_local && p->acked_seq == 0) {
				p->dirty = 1; /* new, or after a restart */
			}
			p->has_local = 1;
		}
	}
	json_decref(pairs);
	if (up && !f->was_up) {
		TAILQ_FOREACH(p, &f->pairs, entry)
		{
			p->dirty = p->has_local; /* Redis may have lost it */
			p->final_acked = 0;
		}
	}
	f->was_up = up;
	for (i = 1; up && i <= 3; i++) {
		/* the unfinished reports of the last days (a takeover) */
		tlsrpt_fleet_open_key(
		        f, today - (int64_t)i * TLSRPT_DAY, k, sizeof(k));
		snprintf(ds, sizeof(ds), "%" PRId64,
		        today - (int64_t)i * TLSRPT_DAY);
		keys[0] = k;
		args[0] = ds;
		tlsrpt_fleet_eval(f, open_cb, f,
		        "return {ARGV[1], redis.call('SMEMBERS', KEYS[1])}", 1,
		        keys, 1, args);
	}
	for (p = TAILQ_FIRST(&f->pairs); p != NULL; p = np) {
		struct tlsrpt_fleet_view v;

		np = TAILQ_NEXT(p, entry);
		if (p->has_local && now >= p->day + TLSRPT_DAY
		        && !p->final_sent) {
			p->dirty = 1; /* the final snapshot */
		}
		if (!up) {
			own(f, p, 0, NULL, NULL); /* the fallback bound */
			continue;
		}
		if ((p->has_local || p->emptied) && p->dirty && !p->pushing) {
			push(f, p, now);
		}
		memset(&v, 0, sizeof(v));
		v.day       = p->day;
		v.now       = now;
		v.grace     = f->c.grace;
		v.redis_up  = up;
		v.has_local = p->has_local;
		v.final_acked
		        = (p->final_acked || !p->has_local) && !p->emptied;
		if (p->busy || p->pushing || !v.final_acked
		        || now < p->next_try
		        || now < f->c.send_at(
		                   f->c.send_at_arg, p->day, p->domain)
		        || tlsrpt_fleet_send_next(&v)
		                == TLSRPT_FLEET_SEND_WAIT) {
			continue;
		}
		step(f, p);
	}
}

void
tlsrpt_fleet_counted(struct tlsrpt_fleet *f, int64_t day, const char *domain)
{
	struct pair *p = pair_get(f, tlsrpt_json_day(day), domain, 1);

	if (p != NULL) {
		p->has_local = 1;
		p->dirty     = 1;
		p->pending++;
	}
}

unsigned long
tlsrpt_fleet_pending(const struct tlsrpt_fleet *f)
{
	const struct pair *p;
	unsigned long      n = 0;

	if (f == NULL) {
		return (0);
	}
	TAILQ_FOREACH(p, &f->pairs, entry)
	{
		n += p->pending;
	}
	return (n);
}

unsigned long
tlsrpt_fleet_reports(const struct tlsrpt_fleet *f)
{
	return (f != NULL ? f->reports : 0);
}

struct tlsrpt_fleet *
tlsrpt_fleet_create(struct event_base *base, struct redisev *redis,
        struct tlsrpt_store *st, struct tlsrpt_sender *sender,
        const struct tlsrpt_fleet_conf *conf, char *why, size_t whylen)
{
	struct tlsrpt_fleet *f;

	if (!tlsrpt_fleet_host_ok(conf->host_id)) {
		why_fail(why, whylen,
		        "store.host_id %s: 1-64 of A-Z a-z 0-9 . _ -",
		        conf->host_id);
		return (NULL);
	}
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		why_fail(why, whylen, "out of memory");
		return (NULL);
	}
	f->base   = base;
	f->redis  = redis;
	f->st     = st;
	f->sender = sender;
	f->c      = *conf;
	snprintf(f->prefix, sizeof(f->prefix), "%s", conf->prefix);
	snprintf(f->host, sizeof(f->host), "%s", conf->host_id);
	snprintf(f->submitter, sizeof(f->submitter), "%s", conf->submitter);
	f->c.prefix    = f->prefix;
	f->c.host_id   = f->host;
	f->c.submitter = f->submitter;
	TAILQ_INIT(&f->pairs);
	return (f);
}

void
tlsrpt_fleet_free(struct tlsrpt_fleet *f)
{
	struct pair *p;

	if (f == NULL) {
		return;
	}
	while ((p = TAILQ_FIRST(&f->pairs)) != NULL) {
		TAILQ_REMOVE(&f->pairs, p, entry);
		free(p);
	}
	free(f);
}
