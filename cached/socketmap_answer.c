/*
 * socketmap_answer.c - socketmap request keys and the policy reply to
 * Postfix smtp_tls_policy_maps answer mapping (see socketmap_answer.h and
 * docs/postfix.md; postconf(5) smtp_tls_policy_maps, TLSRPT_README).
 */
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"
#include "domain.h"
#include "log.h"
#include "socketmap_answer.h"

#define WHY_MAX 200

struct sbuf {
	char  *s;
	size_t len, cap;
};

static void
oom(void)
{
	log_err("MXTLS-NOMEM", "out of memory");
	abort();
}

static void sb_add(struct sbuf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void
sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int     n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL,
		        b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			oom();
		}
		if (b->s != NULL && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->len + (size_t)n + 1) * 2;
		if ((b->s = realloc(b->s, b->cap)) == NULL) {
			oom();
		}
	}
}

int
socketmap_answer_conf_init(struct socketmap_answer_conf *c,
        const char *postfix_version, const char *testing, char *why,
        size_t whylen)
{
	unsigned long major, minor;
	char         *end;
	const char   *p = postfix_version;

	memset(c, 0, sizeof(*c));
	if (p == NULL || *p < '0' || *p > '9') {
		goto badversion;
	}
	major = strtoul(p, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9') {
		goto badversion;
	}
	minor = strtoul(end + 1, &end, 10);
	if (*end == '.') {
		if (end[1] < '0' || end[1] > '9') {
			goto badversion;
		}
		(void)strtoul(end + 1, &end, 10);
	}
	if (*end != '\0' || major > 1000 || minor > 1000) {
		goto badversion;
	}
	c->tlsrpt_attrs = major > 3 || (major == 3 && minor >= 10);
	if (testing != NULL && strcmp(testing, "strict") == 0) {
		c->testing_strict = 1;
	} else if (testing == NULL || strcmp(testing, "opportunistic") != 0) {
		snprintf(why, whylen,
		        "socketmap.testing: \"%s\": must be \"opportunistic\" "
		        "or \"strict\"",
		        testing ? testing : "(null)");
		return (-1);
	}
	return (0);
badversion:
	snprintf(why, whylen,
	        "socketmap.postfix_version: \"%s\": expected MAJOR.MINOR "
	        "or MAJOR.MINOR.PATCH (e.g. \"3.7\", \"3.10.5\")",
	        postfix_version ? postfix_version : "(null)");
	return (-1);
}

enum socketmap_key
socketmap_answer_key(const char *req, size_t len, char *domain,
        size_t domainlen, char *why, size_t whylen)
{
	const char   *sp = memchr(req, ' ', len), *key;
	size_t        klen;
	char          dwhy[160], addr[64];
	unsigned char abuf[16];

	if (sp == NULL || sp == req) {
		snprintf(why, whylen,
		        "malformed request: expected \"<name> <key>\"");
		return (SOCKETMAP_KEY_PERM);
	}
	key  = sp + 1;
	klen = len - (size_t)(key - req);
	if (klen == 0) {
		snprintf(why, whylen, "malformed request: empty key");
		return (SOCKETMAP_KEY_PERM);
	}
	if (key[0] == '.') {
		snprintf(why, whylen, "parent-domain probe");
		return (SOCKETMAP_KEY_NOTFOUND);
	}
	if (key[0] == '[') {
		snprintf(why, whylen, "explicit next hop");
		return (SOCKETMAP_KEY_NOTFOUND);
	}
	if (memchr(key, ':', klen) != NULL) {
		snprintf(why, whylen, "next hop with a port");
		return (SOCKETMAP_KEY_NOTFOUND);
	}
	if (klen < sizeof(addr) && memchr(key, '\0', klen) == NULL) {
		memcpy(addr, key, klen);
		addr[klen] = '\0';
		if (inet_pton(AF_INET, addr, abuf) == 1) {
			snprintf(why, whylen, "an address, not a domain");
			return (SOCKETMAP_KEY_NOTFOUND);
		}
	}
	if (domain_normalize(key, klen, domain, domainlen, dwhy, sizeof(dwhy))
	        != 0) {
		snprintf(why, whylen, "not a domain name: %s", dwhy);
		return (SOCKETMAP_KEY_NOTFOUND);
	}
	return (SOCKETMAP_KEY_LOOKUP);
}

char *
socketmap_answer_error(const char *kind, const char *why)
{
	struct sbuf b = { NULL, 0, 0 };
	size_t      i;

	sb_add(&b, "%s ", kind);
	for (i = 0; why != NULL && why[i] != '\0' && i < WHY_MAX; i++) {
		unsigned char ch = (unsigned char)why[i];
		sb_add(&b, "%c", ch >= 0x20 && ch < 0x7f ? ch : '?');
	}
	return (b.s);
}

static const char *
str(const json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

/* secure - "OK secure match=... servername=hostname" and, with attrs, the
 * Postfix 3.10 TLSRPT attributes (TLSRPT_README). */
static char *
secure(const json_t *reply, const json_t *mx, int attrs)
{
	struct sbuf   b = { NULL, 0, 0 };
	const json_t *v;
	const char   *p, *q, *mode = str(reply, "mode");
	const char   *domain = str(reply, "domain");
	json_t       *maxage = json_object_get(reply, "max_age");
	size_t        i, j;
	int           dup;

	sb_add(&b, "OK secure match=");
	json_array_foreach(mx, i, v)
	{
		p = json_string_value(v);
		/* Postfix matches ".example.com" against any non-empty
		 * label sequence before example.com. */
		if (p[0] == '*' && p[1] == '.') {
			p++;
		}
		dup = 0;
		for (j = 0; j < i && !dup; j++) {
			q = json_string_value(json_array_get(mx, j));
			if (q[0] == '*' && q[1] == '.') {
				q++;
			}
			dup = strcmp(p, q) == 0;
		}
		if (!dup) {
			sb_add(&b, "%s%s", i > 0 ? ":" : "", p);
		}
	}
	sb_add(&b, " servername=hostname");
	if (!attrs) {
		return (b.s);
	}
	sb_add(&b, " policy_type=sts");
	if (domain != NULL) {
		sb_add(&b, " policy_domain=%s", domain);
	}
	if (json_is_integer(maxage)) {
		sb_add(&b, " policy_ttl=%lld",
		        (long long)json_integer_value(maxage));
	}
	json_array_foreach(mx, i, v)
	{
		sb_add(&b, " mx_host_pattern=%s", json_string_value(v));
	}
	sb_add(&b, " { policy_string = version: STSv1 }");
	sb_add(&b, " { policy_string = mode: %s }", mode);
	json_array_foreach(mx, i, v)
	{
		sb_add(&b, " { policy_string = mx: %s }",
		        json_string_value(v));
	}
	if (json_is_integer(maxage)) {
		sb_add(&b, " { policy_string = max_age: %lld }",
		        (long long)json_integer_value(maxage));
	}
	return (b.s);
}

/* mx_ok - the mx member is a non-empty array of pattern strings that are
 * safe in a Postfix attribute value (no whitespace, ',', '{', '}'). */
static int
mx_ok(const json_t *mx)
{
	const json_t *v;
	const char   *p;
	size_t        i;

	if (!json_is_array(mx) || json_array_size(mx) == 0) {
		return (0);
	}
	json_array_foreach(mx, i, v)
	{
		if ((p = json_string_value(v)) == NULL || *p == '\0') {
			return (0);
		}
		if (p[strcspn(p, " \t\r\n,{}:=")] != '\0') {
			return (0);
		}
	}
	return (1);
}

char *
socketmap_answer(const json_t *reply, const struct socketmap_answer_conf *c)
{
	const char   *status = str(reply, "status"), *why = str(reply, "why");
	const char   *mode  = str(reply, "mode"), *act;
	const json_t *hosts = json_object_get(reply, "hosts"), *h, *mx;
	size_t        i, ndane = 0, nencrypt = 0, nother = 0;
	int           enforce;
	char         *s;

	if (status == NULL) {
		return (socketmap_answer_error("PERM", "malformed reply"));
	}
	if (strcmp(status, "tempfail") == 0) {
		return (socketmap_answer_error(
		        "TEMP", why ? why : "temporary failure"));
	}
	if (strcmp(status, "ok") != 0) {
		return (socketmap_answer_error("PERM", why ? why : status));
	}
	json_array_foreach(hosts, i, h)
	{
		if ((act = str(h, "action")) == NULL) {
			continue;
		}
		if (strcmp(act, "dane") == 0) {
			ndane++;
		} else if (strcmp(act, "encrypt") == 0) {
			nencrypt++;
			nother++;
		} else if (strcmp(act, "verify") == 0
		        || strcmp(act, "may") == 0) {
			nother++;
		}
		/* "skip" and "defer": Postfix's dane-only refuses such a
		 * host too (no usable TLSA records / lookup failure). */
	}
	if (ndane > 0) {
		return (xstrdup(nother == 0 ? "OK dane-only" : "OK dane"));
	}
	enforce = mode != NULL
	        && (strcmp(mode, "enforce") == 0
	                || (c->testing_strict
	                        && strcmp(mode, "testing") == 0));
	if (enforce) {
		mx = json_object_get(reply, "mx");
		if (!mx_ok(mx)) {
			return (socketmap_answer_error("TEMP",
			        "MTA-STS policy without usable mx patterns"));
		}
		s = secure(reply, mx, c->tlsrpt_attrs);
		if (strlen(s) > SOCKETMAP_MAX_REPLY && c->tlsrpt_attrs) {
			free(s);
			s = secure(reply, mx, 0);
		}
		if (strlen(s) > SOCKETMAP_MAX_REPLY) {
			free(s);
			return (socketmap_answer_error("TEMP",
			        "MTA-STS policy too large for a socketmap "
			        "reply"));
		}
		return (s);
	}
	if (nencrypt > 0) {
		return (xstrdup("OK dane"));
	}
	return (xstrdup("NOTFOUND "));
}
