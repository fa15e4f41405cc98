/*
 * store_redis.c - keys, values and pub/sub messages of the fleet's shared
 * policy tier (store_redis.h, docs/FLEET.md). The id rule is RFC 8461
 * §3.1's sts-id (1*32(ALPHA / DIGIT)).
 */
#include "store/store_redis.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "util/xalloc.h"

#define STORE_REDIS_MAGIC "mxtls1\n"

int
store_redis_key(char *buf, size_t len, const char *prefix, const char *what,
        const char *domain)
{
	int n;

	if (domain == NULL) {
		n = snprintf(buf, len, "%sevents", prefix);
	} else {
		n = snprintf(buf, len, "%s%s%s", prefix, what, domain);
	}
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}

int
store_redis_id_ok(const char *id, size_t len)
{
	if (len == 0 || len > 32) {
		return (0);
	}
	for (size_t i = 0; i < len; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		            || (c >= '0' && c <= '9'))) {
			return (0);
		}
	}
	return (1);
}

static int
store_redis_host_ok(const char *h, size_t len)
{
	if (len == 0 || len > STORE_REDIS_HOST_MAX) {
		return (0);
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c <= ' ' || c >= 0x7f) {
			return (0);
		}
	}
	return (1);
}

int
store_redis_encode(const struct store_policy *p, const char *host, char **out,
        size_t *outlen)
{
	char   head[256];
	int    n;
	size_t total;

	if (p->len > STORE_REDIS_BODY_MAX) {
		return (-1);
	}
	n = snprintf(head, sizeof(head),
	        STORE_REDIS_MAGIC
	        "id=%s\nfetched=%lld\nexpires=%lld\nhost=%s\n\n",
	        p->id, (long long)p->fetched, (long long)p->expires, host);
	if (n < 0 || (size_t)n >= sizeof(head)) {
		return (-1);
	}
	total = (size_t)n + p->len;
	*out  = xmalloc(total + 1);
	memcpy(*out, head, (size_t)n);
	if (p->len > 0) {
		memcpy(*out + n, p->body, p->len);
	}
	(*out)[total] = '\0';
	*outlen       = total;
	return (0);
}

static int
store_redis_bad(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "malformed fleet policy value: %s", what);
	return (-1);
}

/* one "NAME=VALUE\n" line at *pp (< end) into val; -1 if not that line */
static int
store_redis_line(const char **pp, const char *end, const char *name, char *val,
        size_t vallen)
{
	const char *p    = *pp, *nl;
	size_t      nlen = strlen(name), vlen;

	if ((size_t)(end - p) < nlen + 2 || memcmp(p, name, nlen) != 0
	        || p[nlen] != '=') {
		return (-1);
	}
	p += nlen + 1;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL) {
		return (-1);
	}
	vlen = (size_t)(nl - p);
	if (vlen == 0 || vlen >= vallen || memchr(p, '\0', vlen) != NULL) {
		return (-1);
	}
	memcpy(val, p, vlen);
	val[vlen] = '\0';
	*pp       = nl + 1;
	return (0);
}

static int
store_redis_time(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (*s == '\0' || strlen(s) > 12) {
		return (-1);
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9') {
			return (-1);
		}
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return (0);
}

enum store_status
store_redis_decode(const char *buf, size_t len, const char *domain,
        struct store_policy *out, char *why, size_t whylen)
{
	const char *p = buf, *end = buf + len;
	char        id[40], fetched[20], expires[20], host[80];
	size_t      blen;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(STORE_REDIS_MAGIC) - 1
	        || memcmp(p, STORE_REDIS_MAGIC, sizeof(STORE_REDIS_MAGIC) - 1)
	                != 0) {
		store_redis_bad(why, whylen, "not an mxtls1 value");
		return (STORE_ERROR);
	}
	p += sizeof(STORE_REDIS_MAGIC) - 1;
	if (store_redis_line(&p, end, "id", id, sizeof(id)) != 0
	        || store_redis_line(
	                   &p, end, "fetched", fetched, sizeof(fetched))
	                != 0
	        || store_redis_line(
	                   &p, end, "expires", expires, sizeof(expires))
	                != 0
	        || store_redis_line(&p, end, "host", host, sizeof(host)) != 0
	        || p >= end || *p != '\n') {
		store_redis_bad(why, whylen, "bad header");
		return (STORE_ERROR);
	}
	p++;
	if (!store_redis_id_ok(id, strlen(id))) {
		store_redis_bad(why, whylen, "bad id");
		return (STORE_ERROR);
	}
	if (!store_redis_host_ok(host, strlen(host))) {
		store_redis_bad(why, whylen, "bad host id");
		return (STORE_ERROR);
	}
	if (store_redis_time(fetched, &out->fetched) != 0
	        || store_redis_time(expires, &out->expires) != 0
	        || out->expires < out->fetched) {
		store_redis_bad(why, whylen, "bad times");
		return (STORE_ERROR);
	}
	blen = (size_t)(end - p);
	if (blen == 0 || blen > STORE_REDIS_BODY_MAX) {
		store_redis_bad(why, whylen, "bad body size");
		return (STORE_ERROR);
	}
	if (strlen(domain) > DOMAIN_MAX) {
		store_redis_bad(why, whylen, "bad domain");
		return (STORE_ERROR);
	}
	snprintf(out->domain, sizeof(out->domain), "%s", domain);
	snprintf(out->id, sizeof(out->id), "%s", id);
	out->body = xmalloc(blen + 1);
	memcpy(out->body, p, blen);
	out->body[blen] = '\0';
	out->len        = blen;
	return (STORE_FOUND);
}

int
store_redis_msg_format(char *buf, size_t len, const struct store_redis_msg *m)
{
	int n;

	if (m->kind == STORE_REDIS_MSG_POLICY) {
		n = snprintf(buf, len, "mxtls1 policy %s %s %s", m->host,
		        m->domain, m->id);
	} else {
		n = snprintf(buf, len, "mxtls1 flush %s %s", m->host,
		        m->domain[0] != '\0' ? m->domain : "*");
	}
	return (n < 0 || (size_t)n >= len ? -1 : n);
}

/* the next space-separated word of [*pp, end); its length, or 0 */
static size_t
store_redis_word(const char **pp, const char *end, const char **w)
{
	const char *p = *pp, *s;

	s = p;
	while (p < end && *p != ' ') {
		p++;
	}
	*w  = s;
	*pp = p < end ? p + 1 : p;
	return ((size_t)(p - s));
}

int
store_redis_msg_parse(const char *buf, size_t len, struct store_redis_msg *m,
        char *why, size_t whylen)
{
	const char *p = buf, *end = buf + len, *w;
	size_t      n;
	char        dwhy[128];

	memset(m, 0, sizeof(*m));
	if (len > STORE_REDIS_MSG_MAX) {
		snprintf(why, whylen, "fleet message too long (%zu bytes)",
		        len);
		return (-1);
	}
	n = store_redis_word(&p, end, &w);
	if (n != 6 || memcmp(w, "mxtls1", 6) != 0) {
		snprintf(why, whylen, "not an mxtls1 fleet message");
		return (-1);
	}
	n = store_redis_word(&p, end, &w);
	if (n == 6 && memcmp(w, "policy", 6) == 0) {
		m->kind = STORE_REDIS_MSG_POLICY;
	} else if (n == 5 && memcmp(w, "flush", 5) == 0) {
		m->kind = STORE_REDIS_MSG_FLUSH;
	} else {
		snprintf(why, whylen, "unknown fleet message kind");
		return (-1);
	}
	n = store_redis_word(&p, end, &w);
	if (!store_redis_host_ok(w, n)) {
		snprintf(why, whylen, "bad host id in fleet message");
		return (-1);
	}
	memcpy(m->host, w, n);
	m->host[n] = '\0';
	n          = store_redis_word(&p, end, &w);
	if (m->kind == STORE_REDIS_MSG_FLUSH && n == 1 && w[0] == '*') {
		m->domain[0] = '\0';
	} else if (n == 0
	        || domain_normalize(w, n, m->domain, sizeof(m->domain), dwhy,
	                   sizeof(dwhy))
	                != 0
	        || strlen(m->domain) != n || memcmp(m->domain, w, n) != 0) {
		snprintf(why, whylen, "bad domain in fleet message");
		return (-1);
	}
	if (m->kind == STORE_REDIS_MSG_POLICY) {
		n = store_redis_word(&p, end, &w);
		if (!store_redis_id_ok(w, n)) {
			snprintf(why, whylen, "bad id in fleet message");
			return (-1);
		}
		memcpy(m->id, w, n);
		m->id[n] = '\0';
	}
	if (p != end || (len > 0 && buf[len - 1] == ' ')) {
		snprintf(why, whylen, "junk at the end of a fleet message");
		return (-1);
	}
	return (0);
}
