/*
 * override.c - the table of local overrides (see override.h): config and
 * CLI rules, lookup by policy domain and by MX host with expiry checked at
 * every lookup, persistence of the CLI rules in the store, the sweep that
 * removes and logs expired rules. The rules' meaning for an answer is the
 * arbiter's (arbiter.c); docs/DECISIONS.md "Local overrides" says how they
 * relate to RFC 8461 §5 and RFC 7672 §2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "serve/override.h"
#include "store/store.h"
#include "util/metrics.h"
#include "util/stats.h"
#include "util/xalloc.h"

_Static_assert((int)OVERRIDE_NONE == MO_NONE
                && (int)OVERRIDE_TESTING == MO_TESTING
                && (int)OVERRIDE_NO_DANE == MO_NO_DANE
                && (int)OVERRIDE_NO_STS == MO_NO_STS
                && (int)OVERRIDE_DEFER == MO_DEFER,
        "the metrics' action label follows enum override_action");

struct override_table {
	struct override_rule     *rules; /* config and CLI, any order */
	size_t                    n, cap;
	struct store             *store;
	struct stats             *stats;
	const struct change_hook *change;
};

struct override_table *
override_table_create(struct store *st, struct stats *stats)
{
	struct override_table *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		xdie();
	}
	t->store = st;
	t->stats = stats;
	return (t);
}

void
override_table_free(struct override_table *t)
{
	if (t == NULL) {
		return;
	}
	free(t->rules);
	free(t);
}

void
override_table_set_change(
        struct override_table *t, const struct change_hook *hook)
{
	t->change = hook;
}

static void
changed(struct override_table *t)
{
	change_notify(t->change, NULL);
}

static void
append(struct override_table *t, const struct override_rule *r)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		void  *p   = realloc(t->rules, cap * sizeof(*t->rules));
		if (p == NULL) {
			xdie();
		}
		t->rules = p;
		t->cap   = cap;
	}
	t->rules[t->n++] = *r;
}

static void
remove_at(struct override_table *t, size_t i)
{
	t->rules[i] = t->rules[--t->n];
}

/* find - the index of target's rule from source, or -1. */
static long
find(const struct override_table *t, const char *target,
        enum override_source src)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (t->rules[i].source == src
		        && strcmp(t->rules[i].target, target) == 0) {
			return ((long)i);
		}
	}
	return (-1);
}

static void
fmt_time(int64_t t, char *buf, size_t len)
{
	time_t    tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL
	        || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		snprintf(buf, len, "%lld", (long long)t);
	}
}

static void
log_expired(const struct override_rule *r)
{
	char until[32];

	fmt_time(r->until, until, sizeof(until));
	log_notice("MXTLS-OVERRIDE-EXPIRED",
	        "override %s %s (%s) expired at %s and no longer applies "
	        "(reason was: %s)",
	        r->target, override_action_name(r->action),
	        override_source_name(r->source), until, r->reason);
}

struct load_ctx {
	struct override_table *t;
	int64_t                now;
	char (*expired)[OVERRIDE_TARGET_MAX + 1];
	size_t nexpired, cap;
};

static int
load_one(void *arg, const struct override_rule *r)
{
	struct load_ctx *c = arg;
	char             why[256];

	if (r->until <= c->now) {
		log_expired(r);
		if (c->nexpired == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 8;
			void  *p   = realloc(
			           c->expired, cap * sizeof(*c->expired));
			if (p == NULL) {
				xdie();
			}
			c->expired = p;
			c->cap     = cap;
		}
		snprintf(c->expired[c->nexpired++], OVERRIDE_TARGET_MAX + 1,
		        "%s", r->target);
		return (0);
	}
	if (override_rule_check(r, c->now, why, sizeof(why)) != 0) {
		log_warn("MXTLS-OVERRIDE-BAD",
		        "stored override for %s ignored: %s", r->target, why);
		return (0);
	}
	append(c->t, r);
	return (0);
}

int
override_table_load(
        struct override_table *t, int64_t now, char *why, size_t whylen)
{
	struct load_ctx c;
	size_t          i;
	int             rv = 0;

	if (t->store == NULL) {
		return (0);
	}
	memset(&c, 0, sizeof(c));
	c.t   = t;
	c.now = now;
	if (store_override_foreach(t->store, load_one, &c, why, whylen) != 0) {
		rv = -1;
	}
	for (i = 0; i < c.nexpired; i++) {
		char dwhy[256];
		if (store_override_del(
		            t->store, c.expired[i], dwhy, sizeof(dwhy))
		        != 0) {
			log_warn("MXTLS-OVERRIDE-STORE", "%s", dwhy);
		}
	}
	free(c.expired);
	if (t->n > 0) {
		log_notice("MXTLS-OVERRIDE-LOADED",
		        "%zu local override%s from the store", t->n,
		        t->n == 1 ? "" : "s");
		changed(t);
	}
	override_table_active(t, now);
	return (rv);
}

void
override_table_set_config(struct override_table *t,
        const struct override_rule *rules, size_t n, int64_t now)
{
	size_t i;
	int    was = 0;

	for (i = t->n; i-- > 0;) {
		if (t->rules[i].source == OVERRIDE_SRC_CONFIG) {
			remove_at(t, i);
			was++;
		}
	}
	for (i = 0; i < n; i++) {
		struct override_rule r = rules[i];

		r.source = OVERRIDE_SRC_CONFIG;
		if (r.until <= now) {
			log_expired(&r);
			continue;
		}
		append(t, &r);
		if (r.action == OVERRIDE_NONE) {
			log_warn("MXTLS-OVERRIDE-NONE",
			        "config override: %s is sent without any TLS "
			        "policy (opportunistic TLS, no MTA-STS, no "
			        "DANE) until %lld: %s",
			        r.target, (long long)r.until, r.reason);
		}
	}
	if (was > 0 || n > 0) {
		changed(t);
	}
	override_table_active(t, now);
}

int
override_table_add(struct override_table *t, const struct override_rule *r,
        int64_t now, int *replaced, char *why, size_t whylen)
{
	struct override_rule c = *r;
	char                 until[32];
	long                 i;

	*replaced = 0;
	c.source  = OVERRIDE_SRC_CLI;
	if (c.created == 0) {
		c.created = now;
	}
	if (override_rule_check(&c, now, why, whylen) != 0) {
		return (-1);
	}
	if (t->store != NULL
	        && store_override_put(t->store, &c, why, whylen) != 0) {
		log_err("MXTLS-OVERRIDE-STORE", "%s", why);
		return (-2);
	}
	if ((i = find(t, c.target, OVERRIDE_SRC_CLI)) >= 0) {
		t->rules[i] = c;
		*replaced   = 1;
	} else {
		append(t, &c);
	}
	fmt_time(c.until, until, sizeof(until));
	if (c.action == OVERRIDE_NONE) {
		log_warn("MXTLS-OVERRIDE-NONE",
		        "override added: %s is sent without any TLS policy "
		        "(opportunistic TLS, no MTA-STS, no DANE) until %s: "
		        "%s",
		        c.target, until, c.reason);
	} else {
		log_notice("MXTLS-OVERRIDE-ADDED",
		        "override added: %s %s until %s: %s", c.target,
		        override_action_name(c.action), until, c.reason);
	}
	changed(t);
	override_table_active(t, now);
	return (0);
}

int
override_table_del(struct override_table *t, const char *target, int action,
        char *why, size_t whylen)
{
	long i = find(t, target, OVERRIDE_SRC_CLI);

	if (i < 0 || (action >= 0 && (int)t->rules[i].action != action)) {
		if (find(t, target, OVERRIDE_SRC_CONFIG) >= 0 && i < 0) {
			snprintf(why, whylen,
			        "the override for %s comes from the config "
			        "file: remove it there and reload mxtlsd",
			        target);
			return (-1);
		}
		return (0);
	}
	if (t->store != NULL
	        && store_override_del(t->store, target, why, whylen) != 0) {
		log_err("MXTLS-OVERRIDE-STORE", "%s", why);
		return (-1);
	}
	log_notice("MXTLS-OVERRIDE-DELETED", "override deleted: %s %s (%s)",
	        t->rules[i].target, override_action_name(t->rules[i].action),
	        t->rules[i].reason);
	remove_at(t, (size_t)i);
	changed(t);
	return (1);
}

/* better - whether a is to be preferred to b (NULL) for the same name:
 * an exact mx: target over a wildcard, then CLI over config. */
static int
better(const struct override_rule *a, const struct override_rule *b)
{
	int aw, bw;

	if (b == NULL) {
		return (1);
	}
	aw = strncmp(a->target, "mx:*.", 5) == 0;
	bw = strncmp(b->target, "mx:*.", 5) == 0;
	if (aw != bw) {
		return (!aw);
	}
	return (a->source == OVERRIDE_SRC_CLI
	        && b->source != OVERRIDE_SRC_CLI);
}

const struct override_rule *
override_table_domain(
        const struct override_table *t, const char *domain, int64_t now)
{
	const struct override_rule *best = NULL;
	size_t                      i;

	for (i = 0; t != NULL && i < t->n; i++) {
		const struct override_rule *r = &t->rules[i];
		if (!r->is_mx && r->until > now
		        && strcmp(r->target, domain) == 0 && better(r, best)) {
			best = r;
		}
	}
	return (best);
}

const struct override_rule *
override_table_host(
        const struct override_table *t, const char *host, int64_t now)
{
	const struct override_rule *best = NULL;
	size_t                      i;

	for (i = 0; t != NULL && i < t->n; i++) {
		const struct override_rule *r = &t->rules[i];
		if (r->is_mx && r->until > now
		        && override_host_matches(r->target + 3, host)
		        && better(r, best)) {
			best = r;
		}
	}
	return (best);
}

size_t
override_table_sweep(struct override_table *t, int64_t now)
{
	size_t i, n = 0;
	char   why[256];

	for (i = t->n; i-- > 0;) {
		struct override_rule *r = &t->rules[i];
		if (r->until > now) {
			continue;
		}
		log_expired(r);
		if (r->source == OVERRIDE_SRC_CLI && t->store != NULL
		        && store_override_del(
		                   t->store, r->target, why, sizeof(why))
		                != 0) {
			log_warn("MXTLS-OVERRIDE-STORE", "%s", why);
		}
		remove_at(t, i);
		n++;
	}
	if (n > 0) {
		changed(t);
	}
	override_table_active(t, now);
	return (n);
}

size_t
override_table_active(struct override_table *t, int64_t now)
{
	size_t i, n = 0;

	for (i = 0; i < t->n; i++) {
		n += t->rules[i].until > now;
	}
	if (t->stats != NULL) {
		t->stats->overrides_active = n;
	}
	if (metrics_global() != NULL) {
		metrics_reg_set(metrics_global(), M_OVERRIDES_ACTIVE, 0, 0,
		        (int64_t)n);
	}
	return (n);
}

void
override_table_count_applied(
        struct override_table *t, const struct override_rule *r)
{
	if (t == NULL || t->stats == NULL || r == NULL) {
		return;
	}
	/* enum override_action and the "action" label list share one order
	 * (metrics.h enum metrics_override) */
	metrics_inc(M_OVERRIDES_APPLIED, (int)r->action, 0);
	switch (r->action) {
	case OVERRIDE_NONE:
		t->stats->overrides_applied_none++;
		break;
	case OVERRIDE_TESTING:
		t->stats->overrides_applied_testing++;
		break;
	case OVERRIDE_NO_DANE:
		t->stats->overrides_applied_no_dane++;
		break;
	case OVERRIDE_NO_STS:
		t->stats->overrides_applied_no_sts++;
		break;
	case OVERRIDE_DEFER:
		t->stats->overrides_applied_defer++;
		break;
	case OVERRIDE_NACTIONS:
		break;
	}
}

json_t *
override_rule_json(const struct override_rule *r)
{
	json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:s}", "target", r->target,
	        "action", override_action_name(r->action), "until",
	        (json_int_t)r->until, "reason", r->reason, "source",
	        override_source_name(r->source));

	if (o == NULL) {
		xdie();
	}
	if (r->created != 0) {
		json_object_set_new(
		        o, "created", json_integer((json_int_t)r->created));
	}
	return (o);
}

/* cmp_rule - by target, CLI first. */
static int
cmp_rule(const void *a, const void *b)
{
	const struct override_rule *x
	        = *(const struct override_rule *const *)a;
	const struct override_rule *y
	        = *(const struct override_rule *const *)b;
	int c = strcmp(x->target, y->target);

	return (c != 0 ? c : (int)y->source - (int)x->source);
}

json_t *
override_table_list(const struct override_table *t, int64_t now)
{
	const struct override_rule **v;
	json_t                      *a = json_array(), *o;
	size_t                       i, n = 0;

	if (a == NULL || (v = calloc(t->n + 1, sizeof(*v))) == NULL) {
		xdie();
	}
	for (i = 0; i < t->n; i++) {
		if (t->rules[i].until > now) {
			v[n++] = &t->rules[i];
		}
	}
	qsort(v, n, sizeof(*v), cmp_rule);
	for (i = 0; i < n; i++) {
		o = override_rule_json(v[i]);
		if (v[i]->source == OVERRIDE_SRC_CLI && i + 1 < n
		        && strcmp(v[i + 1]->target, v[i]->target) == 0) {
			json_object_set_new(
			        o, "shadows", json_string("config"));
		}
		if (v[i]->source == OVERRIDE_SRC_CONFIG && i > 0
		        && strcmp(v[i - 1]->target, v[i]->target) == 0) {
			json_object_set_new(o, "shadowed", json_true());
		}
		json_array_append_new(a, o);
	}
	free(v);
	return (a);
}
