/*
 * decision.c - the "policy" reply as a typed value: its vocabulary, its
 * encoder (the daemon's arbiter) and its decoder (the MTA plugins and
 * mxtlsctl). docs/IPC.md "policy"; the actions are those of
 * docs/DECISIONS.md A1-A7 (RFC 8461 §5, RFC 7672 §2, §2.2).
 */
#include <stdlib.h>
#include <string.h>

#include "decision.h"
#include "proto.h"
#include "why.h"

static const char *const action_names[] = {
	[DECISION_ACT_UNKNOWN] = "unknown",
	[DECISION_ACT_SKIP]    = "skip",
	[DECISION_ACT_DEFER]   = "defer",
	[DECISION_ACT_MAY]     = "may",
	[DECISION_ACT_ENCRYPT] = "encrypt",
	[DECISION_ACT_VERIFY]  = "verify",
	[DECISION_ACT_DANE]    = "dane",
};
static const char *const status_names[] = {
	[DECISION_OK]       = "ok",
	[DECISION_TEMPFAIL] = "tempfail",
	[DECISION_ERROR]    = "error",
};
static const char *const sts_names[] = {
	[DECISION_STS_NONE]    = "none",
	[DECISION_STS_MATCH]   = "match",
	[DECISION_STS_NOMATCH] = "nomatch",
	[DECISION_STS_UNKNOWN] = "unknown",
};
static const char *const policy_names[] = {
	[DECISION_POLICY_NONE]    = "none",
	[DECISION_POLICY_STS]     = "sts",
	[DECISION_POLICY_DANE]    = "dane",
	[DECISION_POLICY_UNKNOWN] = "unknown",
};
static const char *const mode_names[] = {
	[DECISION_MODE_ABSENT]  = "",
	[DECISION_MODE_ENFORCE] = "enforce",
	[DECISION_MODE_TESTING] = "testing",
	[DECISION_MODE_NONE]    = "none",
	[DECISION_MODE_UNKNOWN] = "unknown",
};
static const char *const tlsrpt_names[] = {
	[DECISION_TLSRPT_FOUND]    = "found",
	[DECISION_TLSRPT_NONE]     = "none",
	[DECISION_TLSRPT_TEMPFAIL] = "tempfail",
	[DECISION_TLSRPT_UNKNOWN]  = "unknown",
};

#define NAMES(t) (sizeof(t) / sizeof((t)[0]))

static const char *
name_of(const char *const *t, size_t n, unsigned i, unsigned unknown)
{
	return (i < n ? t[i] : t[unknown]);
}

/* index_of - the index of s in t[from..n), else dflt. */
static unsigned
index_of(const char *const *t, size_t n, unsigned from, const char *s,
        unsigned dflt)
{
	size_t i;

	if (s == NULL) {
		return (dflt);
	}
	for (i = from; i < n; i++) {
		if (strcmp(s, t[i]) == 0) {
			return ((unsigned)i);
		}
	}
	return (dflt);
}

const char *
decision_action_name(enum decision_action a)
{
	return (name_of(
	        action_names, NAMES(action_names), a, DECISION_ACT_UNKNOWN));
}

enum decision_action
decision_action_of(const char *s)
{
	/* from 1: "unknown" is not a word of the protocol */
	return ((enum decision_action)index_of(action_names,
	        NAMES(action_names), 1, s, DECISION_ACT_UNKNOWN));
}

const char *
decision_status_name(enum decision_status s)
{
	return (name_of(status_names, NAMES(status_names), s, DECISION_ERROR));
}

const char *
decision_sts_name(enum decision_sts m)
{
	return (name_of(sts_names, NAMES(sts_names), m, DECISION_STS_UNKNOWN));
}

const char *
decision_policy_name(enum decision_policy p)
{
	return (name_of(policy_names, NAMES(policy_names), p,
	        DECISION_POLICY_UNKNOWN));
}

const char *
decision_mode_name(enum decision_mode m)
{
	return (name_of(
	        mode_names, NAMES(mode_names), m, DECISION_MODE_UNKNOWN));
}

const char *
decision_tlsrpt_name(enum decision_tlsrpt t)
{
	return (name_of(tlsrpt_names, NAMES(tlsrpt_names), t,
	        DECISION_TLSRPT_UNKNOWN));
}

void
decision_init(struct decision *d)
{
	memset(d, 0, sizeof(*d));
	d->tlsrpt = DECISION_TLSRPT_UNKNOWN;
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

static void
override_clear(struct decision_override *o)
{
	free(o->target);
	free(o->action);
	free(o->reason);
	free(o->source);
	memset(o, 0, sizeof(*o));
}

void
decision_clear(struct decision *d)
{
	size_t i, k;

	for (i = 0; i < d->nhosts; i++) {
		struct decision_host *h = &d->hosts[i];

		for (k = 0; k < h->ntlsa; k++) {
			free(h->tlsa[k].data);
		}
		free(h->tlsa);
		free(h->host);
		free(h->dane);
		free(h->tlsa_name);
		override_clear(&h->override);
		free(h->why);
	}
	free(d->hosts);
	strv_free(d->mx, d->nmx);
	strv_free(d->rua, d->nrua);
	free(d->domain);
	free(d->policy_id);
	free(d->source);
	free(d->mx_status);
	free(d->dane_why);
	free(d->tlsrpt_why);
	override_clear(&d->override);
	free(d->why);
	decision_init(d);
}

int
decision_strdup(char **dst, const char *s)
{
	*dst = NULL;
	if (s != NULL && (*dst = strdup(s)) == NULL) {
		return (-1);
	}
	return (0);
}

struct decision_host *
decision_host_add(struct decision *d)
{
	struct decision_host *h;

	h = realloc(d->hosts, (d->nhosts + 1) * sizeof(*h));
	if (h == NULL) {
		return (NULL);
	}
	d->hosts = h;
	h        = &d->hosts[d->nhosts++];
	memset(h, 0, sizeof(*h));
	return (h);
}

enum decision_action
decision_best(const struct decision *d)
{
	enum decision_action best = DECISION_ACT_MAY;
	size_t               i;

	for (i = 0; i < d->nhosts; i++) {
		if (d->hosts[i].action > best) {
			best = d->hosts[i].action;
		}
	}
	return (best);
}

/* ---------------------------------------------------------------- encode */

/* set - o[key] = v; -1 when v is NULL (out of memory) or set fails. */
static int
set(json_t *o, const char *key, json_t *v)
{
	return (v == NULL || json_object_set_new(o, key, v) != 0 ? -1 : 0);
}

static json_t *
strv_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t  i;

	for (i = 0; a != NULL && i < n; i++) {
		if (json_array_append_new(a, json_string(v[i])) != 0) {
			json_decref(a);
			return (NULL);
		}
	}
	return (a);
}

/* override_encode - o["override"] = ov when ov has an action. */
static int
override_encode(json_t *o, const struct decision_override *ov)
{
	json_t *v;
	int     rv = 0;

	if (ov->action == NULL) {
		return (0);
	}
	if ((v = json_object()) == NULL) {
		return (-1);
	}
	if (ov->target != NULL) {
		rv |= set(v, "target", json_string(ov->target));
	}
	rv |= set(v, "action", json_string(ov->action));
	rv |= set(v, "until", json_integer(ov->until));
	rv |= set(v, "reason", why_json(ov->reason ? ov->reason : ""));
	if (ov->source != NULL) {
		rv |= set(v, "source", json_string(ov->source));
	}
	rv |= set(o, "override", v);
	return (rv);
}

static json_t *
host_encode(const struct decision_host *h)
{
	json_t *o = json_object(), *tlsa = json_array(), *t;
	size_t  i;
	int     rv = 0;

	if (o == NULL || tlsa == NULL) {
		json_decref(o);
		json_decref(tlsa);
		return (NULL);
	}
	rv |= set(o, "host", json_string(h->host ? h->host : ""));
	rv |= set(o, "pref", json_integer(h->pref));
	rv |= set(o, "action", json_string(decision_action_name(h->action)));
	rv |= set(o, "dane", json_string(h->dane ? h->dane : "none"));
	rv |= set(o, "sts", json_string(decision_sts_name(h->sts)));
	for (i = 0; i < h->ntlsa; i++) {
		t = json_pack("{s:I, s:I, s:I, s:s}", "usage",
		        (json_int_t)h->tlsa[i].usage, "selector",
		        (json_int_t)h->tlsa[i].selector, "mtype",
		        (json_int_t)h->tlsa[i].mtype, "data",
		        h->tlsa[i].data ? h->tlsa[i].data : "");
		rv |= t == NULL || json_array_append_new(tlsa, t) != 0;
	}
	rv |= set(o, "tlsa", tlsa);
	if (h->tlsa_name != NULL) {
		rv |= set(o, "tlsa_name", json_string(h->tlsa_name));
	}
	rv |= override_encode(o, &h->override);
	rv |= set(o, "why", why_json(h->why));
	if (rv != 0) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

static json_t *
tlsrpt_encode(const struct decision *d)
{
	json_t *o = json_object();
	int     rv;

	if (o == NULL) {
		return (NULL);
	}
	rv = set(o, "status", json_string(decision_tlsrpt_name(d->tlsrpt)));
	if (d->tlsrpt == DECISION_TLSRPT_FOUND) {
		rv |= set(o, "rua", strv_json(d->rua, d->nrua));
	} else {
		rv |= set(o, "why", why_json(d->tlsrpt_why));
	}
	if (rv != 0) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

json_t *
decision_encode(const struct decision *d)
{
	json_t *o = json_object(), *hosts = json_array();
	size_t  i;
	int     rv = 0;

	if (o == NULL || hosts == NULL) {
		json_decref(o);
		json_decref(hosts);
		return (NULL);
	}
	rv |= set(o, "v", json_integer(PROTO_VERSION));
	if (d->domain != NULL) {
		rv |= set(o, "domain", json_string(d->domain));
	}
	rv |= set(o, "status", json_string(decision_status_name(d->status)));
	if (d->policy != DECISION_POLICY_UNKNOWN) {
		rv |= set(o, "policy",
		        json_string(decision_policy_name(d->policy)));
	}
	if (d->has_policy) {
		rv |= set(o, "mode", json_string(decision_mode_name(d->mode)));
		rv |= set(o, "mx", strv_json(d->mx, d->nmx));
		rv |= set(o, "policy_id",
		        json_string(d->policy_id ? d->policy_id : ""));
		rv |= set(o, "max_age", json_integer(d->max_age));
		rv |= set(o, "fetched", json_integer(d->fetched));
	}
	if (d->has_sts) {
		rv |= set(
		        o, "source", json_string(d->source ? d->source : "?"));
		rv |= set(o, "expires", json_integer(d->expires));
	}
	if (d->mx_status != NULL) {
		rv |= set(o, "mx_status", json_string(d->mx_status));
	}
	if (d->dane_why != NULL) {
		rv |= set(o, "dane_why", why_json(d->dane_why));
	}
	for (i = 0; i < d->nhosts; i++) {
		rv |= json_array_append_new(hosts, host_encode(&d->hosts[i]))
		        != 0;
	}
	if (d->has_hosts) {
		rv |= set(o, "hosts", json_incref(hosts));
	}
	json_decref(hosts);
	if (d->has_tlsrpt) {
		rv |= set(o, "tlsrpt", tlsrpt_encode(d));
	}
	rv |= override_encode(o, &d->override);
	if (d->why != NULL) {
		rv |= set(o, "why", why_json(d->why));
	}
	if (rv != 0) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

/* ---------------------------------------------------------------- decode */

/* str - o[key] when it is a string without a NUL inside, else NULL. */
static const char *
str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v)
	        || strlen(json_string_value(v)) != json_string_length(v)) {
		return (NULL);
	}
	return (json_string_value(v));
}

/* dup - *dst = a copy of o[key] (NULL when not a string); -1: no memory */
static int
dup(json_t *o, const char *key, char **dst)
{
	return (decision_strdup(dst, str(o, key)));
}

/* integer - o[key] into *dst when an integer; 1 when it was. */
static int
integer(json_t *o, const char *key, long long *dst)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v)) {
		return (0);
	}
	*dst = (long long)json_integer_value(v);
	return (1);
}

/* strv - the strings of array a into *v, *n (other elements skipped). */
static int
strv(json_t *a, char ***v, size_t *n)
{
	json_t *e;
	size_t  i;

	*v = NULL;
	*n = 0;
	if (!json_is_array(a) || json_array_size(a) == 0) {
		return (0);
	}
	if ((*v = calloc(json_array_size(a), sizeof(char *))) == NULL) {
		return (-1);
	}
	json_array_foreach(a, i, e)
	{
		if (!json_is_string(e)
		        || strlen(json_string_value(e))
		                != json_string_length(e)) {
			continue;
		}
		if (((*v)[*n] = strdup(json_string_value(e))) == NULL) {
			return (-1);
		}
		(*n)++;
	}
	return (0);
}

/* override_decode - o (the "override" member) into ov when it is an
 * object with a string action; -1 when out of memory. */
static int
override_decode(json_t *o, struct decision_override *ov)
{
	long long ll;

	if (!json_is_object(o) || str(o, "action") == NULL) {
		return (0);
	}
	if (integer(o, "until", &ll)) {
		ov->until = ll;
	}
	return (dup(o, "action", &ov->action) != 0
	                        || dup(o, "target", &ov->target) != 0
	                        || dup(o, "reason", &ov->reason) != 0
	                        || dup(o, "source", &ov->source) != 0
	                ? -1
	                : 0);
}

static int
host_decode(json_t *o, struct decision_host *h)
{
	json_t   *tlsa = json_object_get(o, "tlsa"), *t;
	long long ll;
	size_t    i;

	h->action = decision_action_of(str(o, "action"));
	h->sts    = (enum decision_sts)index_of(sts_names, NAMES(sts_names), 0,
	           str(o, "sts"), DECISION_STS_UNKNOWN);
	if (integer(o, "pref", &ll)) {
		h->pref = ll;
	}
	if (dup(o, "host", &h->host) != 0 || dup(o, "dane", &h->dane) != 0
	        || dup(o, "tlsa_name", &h->tlsa_name) != 0
	        || dup(o, "why", &h->why) != 0
	        || override_decode(
	                   json_object_get(o, "override"), &h->override)
	                != 0) {
		return (-1);
	}
	if (!json_is_array(tlsa) || json_array_size(tlsa) == 0) {
		return (0);
	}
	if ((h->tlsa = calloc(json_array_size(tlsa), sizeof(*h->tlsa)))
	        == NULL) {
		return (-1);
	}
	json_array_foreach(tlsa, i, t)
	{
		struct decision_tlsa *r = &h->tlsa[h->ntlsa];

		if (!json_is_object(t)) {
			continue;
		}
		integer(t, "usage", &r->usage);
		integer(t, "selector", &r->selector);
		integer(t, "mtype", &r->mtype);
		if (dup(t, "data", &r->data) != 0) {
			return (-1);
		}
		h->ntlsa++;
	}
	return (0);
}

static int
tlsrpt_decode(json_t *o, struct decision *d)
{
	if (!json_is_object(o)) {
		return (0);
	}
	d->has_tlsrpt = 1;
	d->tlsrpt     = (enum decision_tlsrpt)index_of(tlsrpt_names,
	            NAMES(tlsrpt_names), 0, str(o, "status"),
	            DECISION_TLSRPT_UNKNOWN);
	if (strv(json_object_get(o, "rua"), &d->rua, &d->nrua) != 0) {
		return (-1);
	}
	return (dup(o, "why", &d->tlsrpt_why));
}

/* members - everything but status; -1 when out of memory. */
static int
members(json_t *r, struct decision *d)
{
	json_t   *hosts = json_object_get(r, "hosts"), *h;
	long long ll;
	size_t    i;

	d->policy = (enum decision_policy)index_of(policy_names,
	        NAMES(policy_names), 0, str(r, "policy"),
	        DECISION_POLICY_UNKNOWN);
	if (str(r, "mode") != NULL) {
		d->has_policy = 1;
		d->mode       = (enum decision_mode)index_of(mode_names,
		              NAMES(mode_names), 1, str(r, "mode"),
		              DECISION_MODE_UNKNOWN);
	}
	if (integer(r, "max_age", &ll)) {
		d->max_age = ll;
	}
	if (integer(r, "fetched", &ll)) {
		d->fetched = ll;
	}
	if (integer(r, "expires", &ll)) {
		d->has_sts = 1;
		d->expires = ll;
	}
	if (dup(r, "domain", &d->domain) != 0
	        || dup(r, "policy_id", &d->policy_id) != 0
	        || dup(r, "source", &d->source) != 0
	        || dup(r, "mx_status", &d->mx_status) != 0
	        || dup(r, "dane_why", &d->dane_why) != 0
	        || dup(r, "why", &d->why) != 0
	        || strv(json_object_get(r, "mx"), &d->mx, &d->nmx) != 0
	        || tlsrpt_decode(json_object_get(r, "tlsrpt"), d) != 0
	        || override_decode(
	                   json_object_get(r, "override"), &d->override)
	                != 0) {
		return (-1);
	}
	if (d->source != NULL) {
		d->has_sts = 1;
	}
	if (!json_is_array(hosts)) {
		return (0);
	}
	d->has_hosts = 1;
	json_array_foreach(hosts, i, h)
	{
		struct decision_host *e;

		/* one host per element: one that is not an object has
		 * every member absent (host NULL) */
		if ((e = decision_host_add(d)) == NULL
		        || host_decode(h, e) != 0) {
			return (-1);
		}
	}
	return (0);
}

int
decision_decode(const char *text, size_t len, struct decision *d, char *why,
        size_t whylen)
{
	json_t      *r;
	json_error_t err;
	const char  *status;
	unsigned     st;
	int          rv = -1;

	decision_init(d);
	r = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (r == NULL) {
		return (why_fail(why, whylen, "reply is not a JSON object: %s",
		        err.text));
	}
	if (!json_is_object(r)) {
		why_set(why, whylen, "reply is not a JSON object");
		goto out;
	}
	if ((status = str(r, "status")) == NULL) {
		why_set(why, whylen, "reply has no status");
		goto out;
	}
	st = index_of(status_names, NAMES(status_names), 0, status,
	        NAMES(status_names));
	if (st == NAMES(status_names)) {
		why_set(why, whylen, "reply has an unknown status '%.40s'",
		        status);
		goto out;
	}
	d->status = (enum decision_status)st;
	if (members(r, d) != 0) {
		why_set(why, whylen, "out of memory");
		decision_clear(d);
		goto out;
	}
	rv = 0;
out:
	json_decref(r);
	return (rv);
}
