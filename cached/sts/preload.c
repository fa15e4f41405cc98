/*
 * preload.c - the MTA-STS preload list (EFF STARTTLS-Everywhere policy.json)
 * parser, loader and lookup (MX matching: sts_mx.c; date-times:
 * util/rfc3339.c); see preload.h for the format, the
 * sources it was checked against and the validation decisions.
 *
 * A loaded list is a sorted array of (normal-form domain, policy) entries,
 * searched with bsearch; domains referring to one alias share its policy.
 * All strings and mx arrays live in an arena owned by the list, so a list of
 * 100k domains costs a few large allocations, and preload_free is cheap.
 * preload_parse is pure (no I/O, no globals); preload_load reads a file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "domain.h"
#include "sts/preload.h"
#include "sts/sts_mx.h"
#include "util/rfc3339.h"
#include "why.h"

#define CHUNK_SIZE (64 * 1024)
#define SHOW_MAX   64 /* characters of a list key or value shown in why */
#define CTX_MAX    (SHOW_MAX + 40)

struct chunk {
	struct chunk *next;
	size_t        used;
	size_t        cap;
	max_align_t   data[];
};

struct pl_policy {
	enum sts_mode mode;
	size_t        nmx;
	const char  **mx; /* in the arena */
};

struct pl_entry {
	const char             *domain; /* in the arena */
	const struct pl_policy *pol;
};

struct preload {
	int64_t           timestamp;
	int64_t           expires;
	size_t            n;
	struct pl_entry  *ent;
	size_t            npol;
	struct pl_policy *pol;
	struct chunk     *arena;
};

/* ---- arena ---- */

static void *
arena_alloc(struct chunk **arena, size_t n, size_t align)
{
	struct chunk *c = *arena;
	size_t        off, cap;

	if (n > SIZE_MAX / 2) {
		return (NULL);
	}
	if (c != NULL) {
		off = (c->used + align - 1) & ~(align - 1);
		if (off <= c->cap && c->cap - off >= n) {
			c->used = off + n;
			return ((char *)c->data + off);
		}
	}
	cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;
	if ((c = malloc(sizeof(*c) + cap)) == NULL) {
		return (NULL);
	}
	c->cap  = cap;
	c->used = n;
	c->next = *arena;
	*arena  = c;
	return (c->data);
}

static char *
arena_strdup(struct chunk **arena, const char *s)
{
	size_t n = strlen(s) + 1;
	char  *p;

	if ((p = arena_alloc(arena, n, 1)) != NULL) {
		memcpy(p, s, n);
	}
	return (p);
}

static void
arena_free(struct chunk *c)
{
	struct chunk *next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
}

/* ---- helpers for why ---- */

/* show - a printable, bounded copy of s (len bytes) for messages. */
static const char *
show(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 4 < buflen; i++) {
		unsigned char c = (unsigned char)s[i];
		if (o >= SHOW_MAX) {
			break;
		}
		buf[o++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return (buf);
}

static void
fmt_time(int64_t t, char *buf, size_t buflen)
{
	struct tm tm;
	time_t    tt = (time_t)t;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL
	        || strftime(buf, buflen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		snprintf(buf, buflen, "%" PRId64, t);
	}
}

/* ---- time: RFC 3339 date-time with a zone (util/rfc3339.c), or epoch
 * seconds ---- */

static int
parse_time(json_t *v, const char *name, int64_t *out, char *why, size_t whylen)
{
	char        reason[96], buf[SHOW_MAX + 4];
	const char *s;
	json_int_t  n;

	if (v == NULL) {
		return (why_fail(why, whylen, "\"%s\" missing", name));
	}
	if (json_is_integer(v)) {
		if ((n = json_integer_value(v)) < 0) {
			return (why_fail(
			        why, whylen, "\"%s\" is negative", name));
		}
		*out = (int64_t)n;
		return (0);
	}
	if (!json_is_string(v)) {
		return (why_fail(why, whylen,
		        "\"%s\" is not a date-time string or epoch seconds",
		        name));
	}
	s = json_string_value(v);
	if (rfc3339_parse(
	            s, json_string_length(v), out, reason, sizeof(reason))
	        != 0) {
		return (why_fail(why, whylen, "\"%s\" \"%s\": %s", name,
		        show(s, json_string_length(v), buf, sizeof(buf)),
		        reason));
	}
	return (0);
}

/* ---- policies ---- */

/*
 * parse_pattern - validate one mxs entry: optional leading dot, then a
 * domain of at least two labels. Writes the stored form (lower case, no
 * trailing dot, leading dot kept) to out (DOMAIN_MAX + 2 bytes).
 */
static int
parse_pattern(const char *s, size_t len, char *out, char *why, size_t whylen)
{
	char   reason[96];
	size_t dot = len > 0 && s[0] == '.';

	if (len >= 2 && s[0] == '*' && s[1] == '.') {
		return (why_fail(why, whylen,
		        "\"*.\" is not list syntax (a leading dot means one "
		        "more label)"));
	}
	out[0] = '.';
	if (domain_normalize(s + dot, len - dot, out + dot, DOMAIN_MAX + 1,
	            reason, sizeof(reason))
	        != 0) {
		return (why_fail(why, whylen, "%s", reason));
	}
	if (strchr(out + dot, '.') == NULL) {
		return (why_fail(why, whylen, "needs at least two labels"));
	}
	return (0);
}

/* parse_policy - a {"mode", "mxs"} object into pol; ctx names it in why. */
static int
parse_policy(json_t *obj, const char *ctx, int is_alias, struct pl_policy *pol,
        struct chunk **arena, char *why, size_t whylen)
{
	json_t     *mode, *mxs, *v;
	const char *s;
	char        pat[DOMAIN_MAX + 2], reason[128], buf[SHOW_MAX + 4];
	size_t      i, n;

	if (!json_is_object(obj)) {
		return (why_fail(why, whylen, "%s: not an object", ctx));
	}
	if (is_alias && json_object_get(obj, "policy-alias") != NULL) {
		return (why_fail(why, whylen,
		        "%s: an alias cannot use \"policy-alias\"", ctx));
	}
	if ((mode = json_object_get(obj, "mode")) == NULL) {
		return (why_fail(why, whylen, "%s: \"mode\" missing", ctx));
	}
	if (!json_is_string(mode)) {
		return (why_fail(
		        why, whylen, "%s: \"mode\" is not a string", ctx));
	}
	s = json_string_value(mode);
	if (strcmp(s, "enforce") == 0) {
		pol->mode = STS_MODE_ENFORCE;
	} else if (strcmp(s, "testing") == 0) {
		pol->mode = STS_MODE_TESTING;
	} else {
		return (why_fail(why, whylen,
		        "%s: unknown mode \"%s\" (want \"enforce\" or "
		        "\"testing\")",
		        ctx,
		        show(s, json_string_length(mode), buf, sizeof(buf))));
	}
	if ((mxs = json_object_get(obj, "mxs")) == NULL) {
		return (why_fail(why, whylen,
		        "%s: \"mxs\" missing (required in %s "
		        "mode)",
		        ctx, s));
	}
	if (!json_is_array(mxs)) {
		return (why_fail(
		        why, whylen, "%s: \"mxs\" is not an array", ctx));
	}
	if ((n = json_array_size(mxs)) == 0) {
		return (why_fail(why, whylen, "%s: \"mxs\" is empty", ctx));
	}
	pol->mx = arena_alloc(arena, n * sizeof(*pol->mx), sizeof(void *));
	if (pol->mx == NULL) {
		return (why_fail(why, whylen, "out of memory"));
	}
	json_array_foreach(mxs, i, v)
	{
		if (!json_is_string(v)) {
			return (why_fail(why, whylen,
			        "%s: mxs[%zu] is not a string", ctx, i));
		}
		if (parse_pattern(json_string_value(v), json_string_length(v),
		            pat, reason, sizeof(reason))
		        != 0) {
			return (why_fail(why, whylen,
			        "%s: mxs[%zu] \"%s\": %s", ctx, i,
			        show(json_string_value(v),
			                json_string_length(v), buf,
			                sizeof(buf)),
			        reason));
		}
		if ((pol->mx[i] = arena_strdup(arena, pat)) == NULL) {
			return (why_fail(why, whylen, "out of memory"));
		}
	}
	pol->nmx = n;
	return (0);
}

static int
cmp_entry(const void *a, const void *b)
{
	return (strcmp(((const struct pl_entry *)a)->domain,
	        ((const struct pl_entry *)b)->domain));
}

static int
cmp_key(const void *key, const void *elem)
{
	return (strcmp(
	        (const char *)key, ((const struct pl_entry *)elem)->domain));
}

static int
check_version(json_t *root, char *why, size_t whylen)
{
	json_t     *v = json_object_get(root, "version");
	const char *s;
	char        buf[SHOW_MAX + 4];

	if (v == NULL) {
		return (why_fail(why, whylen, "\"version\" missing"));
	}
	if (!json_is_string(v)) {
		return (why_fail(why, whylen, "\"version\" is not a string"));
	}
	s = json_string_value(v);
	if (strcmp(s, "0") != 0 && strncmp(s, "0.", 2) != 0) {
		return (why_fail(why, whylen,
		        "unsupported version \"%s\" (this reader knows 0.x)",
		        show(s, json_string_length(v), buf, sizeof(buf))));
	}
	return (0);
}

/* parse_aliases - fill p->pol[0..) and map (name -> index). */
static int
parse_aliases(json_t *aliases, struct preload *p, json_t *map, char *why,
        size_t whylen)
{
	const char *name;
	json_t     *v;
	char        ctx[CTX_MAX], buf[SHOW_MAX + 4];

	json_object_foreach(aliases, name, v)
	{
		snprintf(ctx, sizeof(ctx), "policy-aliases: \"%s\"",
		        show(name, strlen(name), buf, sizeof(buf)));
		if (name[0] == '\0') {
			return (why_fail(
			        why, whylen, "%s: empty alias name", ctx));
		}
		if (parse_policy(v, ctx, 1, &p->pol[p->npol], &p->arena, why,
		            whylen)
		        != 0) {
			return (-1);
		}
		if (json_object_set_new(
		            map, name, json_integer((json_int_t)p->npol))
		        != 0) {
			return (why_fail(why, whylen, "out of memory"));
		}
		p->npol++;
	}
	return (0);
}

static int
parse_domains(json_t *policies, struct preload *p, json_t *map, char *why,
        size_t whylen)
{
	const char *key, *alias;
	json_t     *v, *ref, *idx;
	char        ctx[CTX_MAX], buf[SHOW_MAX + 4], reason[96];
	char        dom[DOMAIN_MAX + 1];
	size_t      i;

	json_object_foreach(policies, key, v)
	{
		snprintf(ctx, sizeof(ctx), "policies: \"%s\"",
		        show(key, strlen(key), buf, sizeof(buf)));
		if (domain_normalize(key, strlen(key), dom, sizeof(dom),
		            reason, sizeof(reason))
		        != 0) {
			return (why_fail(why, whylen, "%s: bad domain: %s",
			        ctx, reason));
		}
		if (strchr(dom, '.') == NULL) {
			return (why_fail(why, whylen,
			        "%s: bad domain: needs at least two labels",
			        ctx));
		}
		if (!json_is_object(v)) {
			return (why_fail(
			        why, whylen, "%s: not an object", ctx));
		}
		if ((ref = json_object_get(v, "policy-alias")) != NULL) {
			if (!json_is_string(ref)) {
				return (why_fail(why, whylen,
				        "%s: \"policy-alias\" is not a string",
				        ctx));
			}
			if (json_object_get(v, "mode") != NULL
			        || json_object_get(v, "mxs") != NULL) {
				return (why_fail(why, whylen,
				        "%s: \"policy-alias\" combined with "
				        "\"mode\" or \"mxs\"",
				        ctx));
			}
			alias = json_string_value(ref);
			if ((idx = json_object_get(map, alias)) == NULL) {
				return (why_fail(why, whylen,
				        "%s: policy-alias \"%s\" not in "
				        "policy-aliases",
				        ctx,
				        show(alias, json_string_length(ref),
				                buf, sizeof(buf))));
			}
			i = (size_t)json_integer_value(idx);
		} else {
			i = p->npol;
			if (parse_policy(v, ctx, 0, &p->pol[i], &p->arena, why,
			            whylen)
			        != 0) {
				return (-1);
			}
			p->npol++;
		}
		p->ent[p->n].pol = &p->pol[i];
		if ((p->ent[p->n].domain = arena_strdup(&p->arena, dom))
		        == NULL) {
			return (why_fail(why, whylen, "out of memory"));
		}
		p->n++;
	}
	if (p->n > 1) {
		qsort(p->ent, p->n, sizeof(*p->ent), cmp_entry);
	}
	for (i = 1; i < p->n; i++) {
		if (strcmp(p->ent[i - 1].domain, p->ent[i].domain) == 0) {
			return (why_fail(why, whylen,
			        "policies: \"%s\" listed twice (keys differ "
			        "only in case or a trailing dot)",
			        p->ent[i].domain));
		}
	}
	return (0);
}

struct preload *
preload_parse(
        const char *json, size_t len, int64_t now, char *why, size_t whylen)
{
	struct preload *p    = NULL;
	json_t         *root = NULL, *aliases, *policies, *author, *map = NULL;
	json_error_t    err;
	size_t          nalias, npolicy;
	char            t1[40], t2[40];

	if (why != NULL && whylen > 0) {
		why[0] = '\0';
	}
	if (json == NULL || len == 0) {
		why_fail(why, whylen, "empty list");
		return (NULL);
	}
	if (len > PRELOAD_MAX_FILE) {
		why_fail(why, whylen, "list larger than %u bytes",
		        PRELOAD_MAX_FILE);
		return (NULL);
	}
	if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err))
	        == NULL) {
		why_fail(why, whylen, "JSON error at line %d column %d: %s",
		        err.line, err.column, err.text);
		return (NULL);
	}
	if (!json_is_object(root)) {
		why_fail(why, whylen, "top level is not a JSON object");
		goto fail;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		why_fail(why, whylen, "out of memory");
		goto fail;
	}
	if (check_version(root, why, whylen) != 0) {
		goto fail;
	}
	author = json_object_get(root, "author");
	if (author != NULL && !json_is_string(author)) {
		why_fail(why, whylen, "\"author\" is not a string");
		goto fail;
	}
	if (parse_time(json_object_get(root, "timestamp"), "timestamp",
	            &p->timestamp, why, whylen)
	                != 0
	        || parse_time(json_object_get(root, "expires"), "expires",
	                   &p->expires, why, whylen)
	                != 0) {
		goto fail;
	}
	if (p->timestamp > p->expires) {
		fmt_time(p->timestamp, t1, sizeof(t1));
		fmt_time(p->expires, t2, sizeof(t2));
		why_fail(why, whylen, "timestamp %s is after expires %s", t1,
		        t2);
		goto fail;
	}
	if (p->expires <= now) {
		fmt_time(p->expires, t1, sizeof(t1));
		why_fail(why, whylen, "list expired at %s", t1);
		goto fail;
	}

	aliases = json_object_get(root, "policy-aliases");
	if (aliases != NULL && !json_is_object(aliases)) {
		why_fail(why, whylen, "\"policy-aliases\" is not an object");
		goto fail;
	}
	if ((policies = json_object_get(root, "policies")) == NULL) {
		why_fail(why, whylen, "\"policies\" missing");
		goto fail;
	}
	if (!json_is_object(policies)) {
		why_fail(why, whylen, "\"policies\" is not an object");
		goto fail;
	}
	nalias  = aliases != NULL ? json_object_size(aliases) : 0;
	npolicy = json_object_size(policies);
	if ((p->pol = calloc(nalias + npolicy + 1, sizeof(*p->pol))) == NULL
	        || (p->ent = calloc(npolicy + 1, sizeof(*p->ent))) == NULL
	        || (map = json_object()) == NULL) {
		why_fail(why, whylen, "out of memory");
		goto fail;
	}
	if (aliases != NULL
	        && parse_aliases(aliases, p, map, why, whylen) != 0) {
		goto fail;
	}
	if (parse_domains(policies, p, map, why, whylen) != 0) {
		goto fail;
	}
	json_decref(map);
	json_decref(root);
	return (p);

fail:
	json_decref(map);
	json_decref(root);
	preload_free(p);
	return (NULL);
}

struct preload *
preload_load(const char *path, int64_t now, char *why, size_t whylen)
{
	struct preload *p;
	struct stat     st;
	char           *buf;
	size_t          got = 0;
	ssize_t         r;
	int             fd;

	if (path == NULL || path[0] == '\0') {
		why_fail(why, whylen, "no preload list path");
		return (NULL);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		why_fail(why, whylen, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) != 0) {
		why_fail(why, whylen, "%s: %s", path, strerror(errno));
		close(fd);
		return (NULL);
	}
	if (!S_ISREG(st.st_mode)) {
		why_fail(why, whylen, "%s: not a regular file", path);
		close(fd);
		return (NULL);
	}
	if (st.st_size > (off_t)PRELOAD_MAX_FILE) {
		why_fail(why, whylen, "%s: larger than %u bytes", path,
		        PRELOAD_MAX_FILE);
		close(fd);
		return (NULL);
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		why_fail(why, whylen, "%s: out of memory", path);
		close(fd);
		return (NULL);
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR) {
			continue;
		}
		if (r < 0) {
			why_fail(why, whylen, "%s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return (NULL);
		}
		if (r == 0) {
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	if ((p = preload_parse(buf, got, now, why, whylen)) == NULL
	        && why != NULL && whylen > 0) {
		/* Prefix the path, keeping the parser's reason. */
		char *tmp = strdup(why);
		if (tmp != NULL) {
			snprintf(why, whylen, "%s: %s", path, tmp);
			free(tmp);
		}
	}
	free(buf);
	return (p);
}

void
preload_free(struct preload *p)
{
	if (p == NULL) {
		return;
	}
	arena_free(p->arena);
	free(p->ent);
	free(p->pol);
	free(p);
}

enum preload_status
preload_lookup(
        const struct preload *p, const char *domain, struct preload_entry *out)
{
	const struct pl_entry *e;
	char                   dom[DOMAIN_MAX + 1];

	if (out != NULL) {
		memset(out, 0, sizeof(*out));
	}
	if (p == NULL || domain == NULL || p->n == 0
	        || domain_normalize(
	                   domain, strlen(domain), dom, sizeof(dom), NULL, 0)
	                != 0) {
		return (PRELOAD_NOTFOUND);
	}
	if ((e = bsearch(dom, p->ent, p->n, sizeof(*p->ent), cmp_key))
	        == NULL) {
		return (PRELOAD_NOTFOUND);
	}
	if (out != NULL) {
		out->domain = e->domain;
		out->mode   = e->pol->mode;
		out->nmx    = e->pol->nmx;
		out->mx     = e->pol->mx;
	}
	return (PRELOAD_FOUND);
}

int64_t
preload_expires(const struct preload *p)
{
	return (p != NULL ? p->expires : 0);
}

int64_t
preload_timestamp(const struct preload *p)
{
	return (p != NULL ? p->timestamp : 0);
}

size_t
preload_count(const struct preload *p)
{
	return (p != NULL ? p->n : 0);
}

int
preload_mx_match(const char *pattern, const char *host)
{
	/* the list's wildcard is a bare leading dot; "..x" has an empty
	 * label after it and matches nothing */
	if (pattern != NULL && pattern[0] == '.' && pattern[1] == '.') {
		return (0);
	}
	return (sts_mx_match(pattern, ".", host));
}

int
preload_mx_allowed(const struct preload_entry *e, const char *host)
{
	size_t i;

	if (e == NULL || e->mx == NULL) {
		return (0);
	}
	for (i = 0; i < e->nmx; i++) {
		if (preload_mx_match(e->mx[i], host)) {
			return (1);
		}
	}
	return (0);
}
