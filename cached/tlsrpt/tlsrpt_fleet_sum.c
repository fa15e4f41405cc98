/*
 * tlsrpt_fleet_sum.c - the fleet's TLSRPT snapshots (RFC 8460 §4.3, §4.4):
 * key names, decoding a host's snapshot (hostile input: checked member by
 * member), and summing every host's latest snapshot into the day's
 * reports. See tlsrpt_fleet_sum.h; the encoder is tlsrpt_store_snap.c.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt/tlsrpt_fleet_sum.h"
#include "tlsrpt/tlsrpt_json.h"
#include "why.h"

/* a count above this is refused: a fleet of hosts cannot overflow int64 */
#define COUNT_MAX ((json_int_t)1 << 48)

struct tlsrpt_fleet_sum {
	int64_t day;
	char    domain[DOMAIN_MAX + 1];
	int     max_details;
	json_t *hosts;   /* host -> {"seq": N, "groups": [...]} */
	json_t *seqs;    /* host -> seq */
	json_t *digests; /* host -> tlsrpt_fleet_digest of its groups */
};

int
tlsrpt_fleet_key(char *buf, size_t len, const char *prefix,
        enum tlsrpt_fleet_key kind, int64_t day, const char *domain)
{
	static const char *const names[]
	        = { "rpt", "rptlock", "rptfence", "rptbuilt" };
	char date[32];
	int  n;

	tlsrpt_json_datetime(tlsrpt_json_day(day), date, sizeof(date));
	date[10] = '\0';
	n        = snprintf(
	               buf, len, "%s%s:%s:%s", prefix, names[kind], date, domain);
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

int
tlsrpt_fleet_host_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > TLSRPT_FLEET_HOST_MAX) {
		return (0);
	}
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		            || (c >= '0' && c <= '9') || c == '.' || c == '-'
		            || c == '_')) {
			return (0);
		}
	}
	return (1);
}

void
tlsrpt_fleet_report_id(char *buf, size_t len, int64_t day, const char *domain,
        size_t idx, const char *submitter)
{
	char date[32];

	tlsrpt_json_datetime(tlsrpt_json_day(day), date, sizeof(date));
	date[10] = '\0';
	snprintf(buf, len, "%s.fleet%zu.%s@%s", date, idx, domain, submitter);
}

/* ---------------------------------------------------------- decoding --- */

/* str_ok - o[name] is a string of at most max bytes of acceptable text. */
static const char *
str_ok(json_t *o, const char *name, size_t max)
{
	json_t     *v = json_object_get(o, name);
	const char *s;

	if (!json_is_string(v)) {
		return (NULL);
	}
	s = json_string_value(v);
	if (json_string_length(v) > max || strlen(s) != json_string_length(v)
	        || !tlsrpt_text_ok(s, json_string_length(v))) {
		return (NULL);
	}
	return (s);
}

/* count_ok - o[name] is an integer in 0..COUNT_MAX. */
static int
count_ok(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);

	return (json_is_integer(v) && json_integer_value(v) >= 0
	        && json_integer_value(v) <= COUNT_MAX);
}

/* strings_ok - text is a JSON array of strings. */
static int
strings_ok(const char *text)
{
	json_t *a = json_loads(text, JSON_REJECT_DUPLICATES, NULL), *e;
	size_t  i;
	int     ok = json_is_array(a);

	json_array_foreach(a, i, e)
	{
		if (!json_is_string(e)) {
			ok = 0;
		}
	}
	json_decref(a);
	return (ok);
}

static int
detail_ok(json_t *d, char *why, size_t whylen)
{
	static const struct {
		const char *name;
		size_t      max;
	} m[] = {
		{ "sip", TLSRPT_IP_MAX - 1 },
		{ "rip", TLSRPT_IP_MAX - 1 },
		{ "mx", DOMAIN_MAX },
		{ "helo", DOMAIN_MAX },
		{ "ai", TLSRPT_TEXT_MAX },
		{ "rc", TLSRPT_TEXT_MAX },
	};
	const char *rt;
	size_t      i;
	int         t;

	if (!json_is_object(d) || (rt = str_ok(d, "rt", 64)) == NULL
	        || (t = tlsrpt_rtype_parse(rt)) <= TLSRPT_SUCCESS
	        || !count_ok(d, "n")) {
		return (why_fail(why, whylen,
		        "a failure detail without a result type or count"));
	}
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (str_ok(d, m[i].name, m[i].max) == NULL) {
			return (why_fail(why, whylen,
			        "a failure detail with a bad \"%s\"",
			        m[i].name));
		}
	}
	return (0);
}

static int
policy_ok(json_t *p, char *why, size_t whylen)
{
	const char *pd, *pt, *ps, *mx;
	json_t     *ds, *d;
	size_t      i;
	int         t;

	if (!json_is_object(p) || (pd = str_ok(p, "pd", DOMAIN_MAX)) == NULL
	        || (pt = str_ok(p, "pt", 32)) == NULL
	        || (ps = str_ok(p, "ps", 1 << 16)) == NULL
	        || (mx = str_ok(p, "mx", 1 << 16)) == NULL || !count_ok(p, "s")
	        || !count_ok(p, "f")) {
		return (why_fail(why, whylen, "a malformed policy"));
	}
	t = tlsrpt_ptype_parse(pt);
	if (t <= TLSRPT_PTYPE_UNSET) {
		return (why_fail(
		        why, whylen, "unknown policy type %.32s", pt));
	}
	if (t != TLSRPT_PTYPE_NOPOLICY
	        && (!strings_ok(ps) || !strings_ok(mx))) {
		return (why_fail(why, whylen,
		        "policy-string or mx-host is not an array of "
		        "strings"));
	}
	ds = json_object_get(p, "d");
	if (ds != NULL && !json_is_array(ds)) {
		return (why_fail(why, whylen, "failure details not an array"));
	}
	json_array_foreach(ds, i, d)
	{
		if (detail_ok(d, why, whylen) != 0) {
			return (-1);
		}
	}
	return (0);
}

int
tlsrpt_fleet_snap_decode(const char *text, size_t len, int64_t day,
        const char *domain, struct tlsrpt_fleet_snap *snap, char *why,
        size_t whylen)
{
	json_t      *j, *v, *g, *p, *ps;
	json_error_t err;
	const char  *h, *d;
	size_t       i, k;
	json_int_t   n;

	memset(snap, 0, sizeof(*snap));
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(j)) {
		json_decref(j);
		return (why_fail(
		        why, whylen, "not a JSON object: %s", err.text));
	}
	v = json_object_get(j, "v");
	if (!json_is_integer(v)
	        || json_integer_value(v) != TLSRPT_FLEET_VERSION) {
		json_decref(j);
		return (why_fail(why, whylen, "unknown snapshot version"));
	}
	if ((h = str_ok(j, "host", TLSRPT_FLEET_HOST_MAX)) == NULL
	        || !tlsrpt_fleet_host_ok(h) || !count_ok(j, "seq")) {
		json_decref(j);
		return (why_fail(why, whylen, "no usable host id or seq"));
	}
	v = json_object_get(j, "day");
	d = str_ok(j, "domain", DOMAIN_MAX);
	if (!json_is_integer(v) || json_integer_value(v) != day || d == NULL
	        || strcmp(d, domain) != 0) {
		json_decref(j);
		return (why_fail(
		        why, whylen, "a snapshot of another day or domain"));
	}
	g = json_object_get(j, "groups");
	if (!json_is_array(g)) {
		json_decref(j);
		return (why_fail(why, whylen, "no groups"));
	}
	json_array_foreach(g, i, v)
	{
		json_t *rua = json_object_get(v, "rua"), *u;

		if (!json_is_object(v) || !json_is_array(rua)
		        || json_array_size(rua) == 0
		        || !json_is_array(
		                ps = json_object_get(v, "policies"))) {
			json_decref(j);
			return (why_fail(why, whylen, "a malformed group"));
		}
		json_array_foreach(rua, k, u)
		{
			if (!json_is_string(u)) {
				json_decref(j);
				return (why_fail(why, whylen,
				        "a rua that is not a string"));
			}
		}
		json_array_foreach(ps, k, p)
		{
			if (policy_ok(p, why, whylen) != 0) {
				json_decref(j);
				return (-1);
			}
		}
	}
	n = json_integer_value(json_object_get(j, "seq"));
	snprintf(snap->host, sizeof(snap->host), "%s", h);
	snprintf(snap->domain, sizeof(snap->domain), "%s", d);
	snap->seq    = (int64_t)n;
	snap->day    = day;
	snap->groups = json_incref(g);
	json_decref(j);
	return (0);
}

void
tlsrpt_fleet_snap_clear(struct tlsrpt_fleet_snap *snap)
{
	json_decref(snap->groups);
	memset(snap, 0, sizeof(*snap));
}

/* ----------------------------------------------------------- summing --- */

struct tlsrpt_fleet_sum *
tlsrpt_fleet_sum_new(int64_t day, const char *domain, int max_details)
{
	struct tlsrpt_fleet_sum *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->hosts = json_object()) == NULL
	        || (s->seqs = json_object()) == NULL
	        || (s->digests = json_object()) == NULL) {
		tlsrpt_fleet_sum_free(s);
		return (NULL);
	}
	s->day = tlsrpt_json_day(day);
	snprintf(s->domain, sizeof(s->domain), "%s", domain);
	s->max_details = max_details;
	return (s);
}

void
tlsrpt_fleet_sum_free(struct tlsrpt_fleet_sum *s)
{
	if (s == NULL) {
		return;
	}
	json_decref(s->hosts);
	json_decref(s->seqs);
	json_decref(s->digests);
	free(s);
}

int
tlsrpt_fleet_sum_add(struct tlsrpt_fleet_sum *s, const char *text, size_t len,
        char *why, size_t whylen)
{
	struct tlsrpt_fleet_snap snap;
	json_t                  *old;
	char                     digest[32];

	if (tlsrpt_fleet_snap_decode(
	            text, len, s->day, s->domain, &snap, why, whylen)
	        != 0) {
		return (-1);
	}
	old = json_object_get(s->seqs, snap.host);
	if (old != NULL && json_integer_value(old) >= snap.seq) {
		tlsrpt_fleet_snap_clear(&snap); /* a repeat, or older */
		return (0);
	}
	tlsrpt_fleet_digest(snap.groups, digest, sizeof(digest));
	if (json_object_set(s->hosts, snap.host, snap.groups) != 0
	        || json_object_set_new(s->seqs, snap.host,
	                   json_integer((json_int_t)snap.seq))
	                != 0
	        || json_object_set_new(
	                   s->digests, snap.host, json_string(digest))
	                != 0) {
		tlsrpt_fleet_snap_clear(&snap);
		return (why_fail(why, whylen, "out of memory"));
	}
	tlsrpt_fleet_snap_clear(&snap);
	return (0);
}

const json_t *
tlsrpt_fleet_sum_hosts(const struct tlsrpt_fleet_sum *s)
{
	return (s->digests);
}

const json_t *
tlsrpt_fleet_sum_groups(const struct tlsrpt_fleet_sum *s)
{
	return (s->hosts);
}

void
tlsrpt_fleet_digest(json_t *groups, char *buf, size_t len)
{
	char       *t = json_dumps(groups, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t    h = 14695981039346656037u;
	const char *c;

	for (c = t != NULL ? t : ""; *c != '\0'; c++) {
		h = (h ^ (unsigned char)*c) * 1099511628211u;
	}
	free(t);
	snprintf(buf, len, "%016" PRIx64, h);
}

int
tlsrpt_fleet_snap_digest(const char *text, size_t len, int64_t day,
        const char *domain, char *buf, size_t buflen)
{
	struct tlsrpt_fleet_snap snap;
	char                     why[128];

	if (tlsrpt_fleet_snap_decode(
	            text, len, day, domain, &snap, why, sizeof(why))
	        != 0) {
		return (-1);
	}
	tlsrpt_fleet_digest(snap.groups, buf, buflen);
	tlsrpt_fleet_snap_clear(&snap);
	return (0);
}

/* s_of - the string member name of o ("" when absent). */
static const char *
s_of(json_t *o, const char *name)
{
	const char *v = json_string_value(json_object_get(o, name));

	return (v != NULL ? v : "");
}

static json_int_t
n_of(json_t *o, const char *name)
{
	return (json_integer_value(json_object_get(o, name)));
}

/* bump - o[name] += by. */
static void
bump(json_t *o, const char *name, json_int_t by)
{
	json_object_set_new(o, name, json_integer(n_of(o, name) + by));
}

/* add_policy - fold one snapshot policy p into the group acc. */
static int
add_policy(json_t *acc, json_t *p)
{
	json_t *cur, *ds, *d, *cd, *all;
	char   *key;
	size_t  i;
	int     rc = 0;

	key = NULL;
	if (asprintf(&key, "%s\x1f%s\x1f%s\x1f%s", s_of(p, "pd"),
	            s_of(p, "pt"), s_of(p, "ps"), s_of(p, "mx"))
	        < 0) {
		return (-1);
	}
	if ((cur = json_object_get(acc, key)) == NULL) {
		cur = json_pack("{s:O, s:O, s:O, s:O, s:I, s:I, s:{}}", "pd",
		        json_object_get(p, "pd"), "pt",
		        json_object_get(p, "pt"), "ps",
		        json_object_get(p, "ps"), "mx",
		        json_object_get(p, "mx"), "s", (json_int_t)0, "f",
		        (json_int_t)0, "d");
		if (cur == NULL || json_object_set_new(acc, key, cur) != 0) {
			free(key);
			return (-1);
		}
	}
	free(key);
	bump(cur, "s", n_of(p, "s"));
	bump(cur, "f", n_of(p, "f"));
	all = json_object_get(cur, "d");
	ds  = json_object_get(p, "d");
	json_array_foreach(ds, i, d)
	{
		key = NULL;
		if (asprintf(&key, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s",
		            s_of(d, "rt"), s_of(d, "sip"), s_of(d, "rip"),
		            s_of(d, "mx"), s_of(d, "helo"), s_of(d, "ai"),
		            s_of(d, "rc"))
		        < 0) {
			return (-1);
		}
		if ((cd = json_object_get(all, key)) == NULL) {
			if ((cd = json_deep_copy(d)) == NULL
			        || json_object_set_new(all, key, cd) != 0) {
				rc = -1;
			}
		} else {
			bump(cd, "n", n_of(d, "n"));
		}
		free(key);
		if (rc != 0) {
			return (-1);
		}
	}
	return (0);
}

static int
cmp_str(json_t *a, json_t *b, const char *name)
{
	return (strcmp(s_of(a, name), s_of(b, name)));
}

static int
cmp_policy(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int     c;

	if ((c = cmp_str(a, b, "pd")) != 0) {
		return (c);
	}
	c = tlsrpt_ptype_parse(s_of(a, "pt"))
	        - tlsrpt_ptype_parse(s_of(b, "pt"));
	if (c != 0) {
		return (c);
	}
	if ((c = cmp_str(a, b, "ps")) != 0) {
		return (c);
	}
	return (cmp_str(a, b, "mx"));
}

/* cmp_detail - the store's order: count desc, rtype, mx, rip, sip, helo,
 * addinfo, reason. */
static int
cmp_detail(const void *pa, const void *pb)
{
	static const char *const m[]
	        = { "mx", "rip", "sip", "helo", "ai", "rc" };
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	size_t  i;
	int     c;

	if (n_of(a, "n") != n_of(b, "n")) {
		return (n_of(a, "n") > n_of(b, "n") ? -1 : 1);
	}
	c = tlsrpt_rtype_parse(s_of(a, "rt"))
	        - tlsrpt_rtype_parse(s_of(b, "rt"));
	for (i = 0; c == 0 && i < sizeof(m) / sizeof(m[0]); i++) {
		c = cmp_str(a, b, m[i]);
	}
	return (c);
}

/* sorted - the values of object o, sorted by cmp (malloc'd, borrowed
 * elements). */
static json_t **
sorted(json_t *o, int (*cmp)(const void *, const void *), size_t *n)
{
	json_t    **v;
	const char *k;
	json_t     *e;
	size_t      i = 0;

	*n = json_object_size(o);
	if ((v = calloc(*n + 1, sizeof(*v))) == NULL) {
		return (NULL);
	}
	json_object_foreach(o, k, e)
	{
		v[i++] = e;
	}
	qsort(v, *n, sizeof(*v), cmp);
	return (v);
}

/* render_group - the report of one rua set from its accumulated policies. */
static json_t *
render_group(const struct tlsrpt_fleet_sum *s, json_t *acc,
        const struct tlsrpt_report_meta *meta, const char *rid)
{
	json_t **pv, **dv, *report, *pol;
	size_t   np, nd, i, k;

	report = tlsrpt_json_report_new(meta->org, meta->contact, rid, s->day);
	if (report == NULL || (pv = sorted(acc, cmp_policy, &np)) == NULL) {
		json_decref(report);
		return (NULL);
	}
	for (i = 0; i < np; i++) {
		struct tlsrpt_json_policy p;

		p.pdomain = s_of(pv[i], "pd");
		p.ptype   = (enum tlsrpt_ptype)tlsrpt_ptype_parse(
		          s_of(pv[i], "pt"));
		p.pstr    = s_of(pv[i], "ps");
		p.mx      = s_of(pv[i], "mx");
		p.success = (int64_t)n_of(pv[i], "s");
		p.failure = (int64_t)n_of(pv[i], "f");
		if ((pol = tlsrpt_json_add_policy(report, &p)) == NULL
		        || (dv = sorted(json_object_get(pv[i], "d"),
		                    cmp_detail, &nd))
		                == NULL) {
			goto fail;
		}
		for (k = 0; k < nd && (int)k < s->max_details; k++) {
			struct tlsrpt_json_detail d;

			d.rtype = (enum tlsrpt_rtype)tlsrpt_rtype_parse(
			        s_of(dv[k], "rt"));
			d.sending_ip   = s_of(dv[k], "sip");
			d.receiving_ip = s_of(dv[k], "rip");
			d.mx_host      = s_of(dv[k], "mx");
			d.helo         = s_of(dv[k], "helo");
			d.addinfo      = s_of(dv[k], "ai");
			d.reason       = s_of(dv[k], "rc");
			d.count        = (int64_t)n_of(dv[k], "n");
			if (tlsrpt_json_add_detail(pol, &d) != 0) {
				free(dv);
				goto fail;
			}
		}
		free(dv);
	}
	free(pv);
	return (report);
fail:
	free(pv);
	json_decref(report);
	return (NULL);
}

static int
cmp_key(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

json_t *
tlsrpt_fleet_sum_render(const struct tlsrpt_fleet_sum *s,
        const struct tlsrpt_report_meta *meta, const char *submitter)
{
	json_t      *groups, *out = NULL, *g, *gs, *p, *acc, *rep;
	const char  *host, *rua;
	char        *ruatext, rid[DOMAIN_MAX * 2 + 64];
	const char **keys = NULL;
	size_t       i, k, idx = 0, nk = 0;

	if ((groups = json_object()) == NULL) {
		return (NULL);
	}
	json_object_foreach(s->hosts, host, gs)
	{
		json_array_foreach(gs, i, g)
		{
			ruatext = json_dumps(
			        json_object_get(g, "rua"), JSON_COMPACT);
			if (ruatext == NULL) {
				goto fail;
			}
			if ((acc = json_object_get(groups, ruatext)) == NULL
			        && (json_object_set_new(
			                    groups, ruatext, json_object())
			                        != 0
			                || (acc = json_object_get(
			                            groups, ruatext))
			                        == NULL)) {
				free(ruatext);
				goto fail;
			}
			free(ruatext);
			json_array_foreach(
			        json_object_get(g, "policies"), k, p)
			{
				if (add_policy(acc, p) != 0) {
					goto fail;
				}
			}
		}
	}
	if ((out = json_array()) == NULL) {
		goto fail;
	}
	/* rua sets in key order: the same report-ids on every host */
	if ((keys = calloc(json_object_size(groups) + 1, sizeof(*keys)))
	        == NULL) {
		goto fail;
	}
	json_object_foreach(groups, rua, acc)
	{
		keys[nk++] = rua;
	}
	qsort(keys, nk, sizeof(*keys), cmp_key);
	for (i = 0; i < nk; i++) {
		acc = json_object_get(groups, keys[i]);
		tlsrpt_fleet_report_id(
		        rid, sizeof(rid), s->day, s->domain, idx++, submitter);
		if ((rep = render_group(s, acc, meta, rid)) == NULL) {
			goto fail;
		}
		json_array_append_new(out,
		        json_pack("{s:s, s:o, s:o}", "domain", s->domain,
		                "rua", json_loads(keys[i], 0, NULL), "report",
		                rep));
	}
	free(keys);
	json_decref(groups);
	return (out);
fail:
	free(keys);
	json_decref(groups);
	json_decref(out);
	return (NULL);
}
