/*
 * socketmap_answer.c - socketmap request keys and the policy reply to
 * Postfix smtp_tls_policy_maps answer mapping (see socketmap_answer.h and
 * docs/postfix.md; postconf(5) smtp_tls_policy_maps, TLSRPT_README).
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decision.h"
#include "domain.h"
#include "door/socketmap_answer.h"
#include "log.h"
#include "util/xalloc.h"

#define WHY_MAX 200

struct sbuf {
	char  *s;
	size_t len, cap;
};

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
			xdie();
		}
		if (b->s != NULL && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->len + (size_t)n + 1) * 2;
		if ((b->s = realloc(b->s, b->cap)) == NULL) {
			xdie();
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
	const char *sp = memchr(req, ' ', len), *key;
	size_t      klen;
	char        dwhy[160];

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
	if (domain_not_a_name(key, klen, why, whylen)) {
		return (SOCKETMAP_KEY_NOTFOUND);
	}
	if (domain_normalize(key, klen, domain, domainlen, dwhy, sizeof(dwhy))
	        != 0) {
		snprintf(why, whylen, "not a domain name: %s", dwhy);
		return (SOCKETMAP_KEY_NOTFOUND);
	}
	return (SOCKETMAP_KEY_LOOKUP);
}

/* utf8_next - the code point of the valid UTF-8 sequence at p (n bytes
 * there), its length in *len; -1 when p starts no valid sequence
 * (overlong, surrogate, above U+10FFFF, cut short). */
static long
utf8_next(const unsigned char *p, size_t n, size_t *len)
{
	long   cp;
	size_t k, i;

	if (p[0] < 0xc2 || p[0] > 0xf4) {
		return (-1);
	}
	k  = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	cp = p[0] & (0x7f >> k);
	if (n < k) {
		return (-1);
	}
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return (-1);
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000)
	        || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
		return (-1);
	}
	*len = k;
	return (cp);
}

char *
socketmap_answer_error(const char *kind, const char *why)
{
	struct sbuf          b = { NULL, 0, 0 };
	const unsigned char *p = (const unsigned char *)(why ? why : "");
	size_t               i, n = strlen((const char *)p), len;
	long                 cp;

	/* Postfix turns every byte outside printable ASCII into '?': write
	 * them as escapes it passes through (docs/postfix.md "Reasons"):
	 * a UTF-8 character as \uXXXX (\UXXXXXXXX above U+FFFF), any other
	 * byte (a control character, invalid UTF-8) as \xHH, '\' as \\ */
	sb_add(&b, "%s ", kind);
	if (n > WHY_MAX) {
		n = WHY_MAX;
	}
	for (i = 0; i < n; i += len) {
		len = 1;
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			sb_add(&b, "%c", p[i]);
		} else if (p[i] == '\\') {
			sb_add(&b, "\\\\");
		} else if (p[i] >= 0x80
		        && (cp = utf8_next(p + i, n - i, &len)) >= 0) {
			sb_add(&b, cp > 0xffff ? "\\U%08lX" : "\\u%04lX", cp);
		} else {
			sb_add(&b, "\\x%02X", p[i]);
		}
	}
	return (b.s);
}

static const char *
str(const json_t *o, const char *key)
{
	return (json_string_value(json_object_get(o, key)));
}

/* name_ok - safe as a Postfix attribute value or match= element: non-empty,
 * no whitespace, ',', '{', '}', ':' or '='. */
static int
name_ok(const char *p)
{
	return (p != NULL && *p != '\0'
	        && p[strcspn(p, " \t\r\n,{}:=")] == '\0');
}

/* mx_ok - the mx member is a non-empty array of pattern strings that are
 * safe in a Postfix attribute value. */
static int
mx_ok(const json_t *mx)
{
	const json_t *v;
	size_t        i;

	if (!json_is_array(mx) || json_array_size(mx) == 0) {
		return (0);
	}
	json_array_foreach(mx, i, v)
	{
		if (!name_ok(json_string_value(v))) {
			return (0);
		}
	}
	return (1);
}

/* admitted - the match= list: the MX host names (DNS, preference order) that
 * the policy's patterns admit (hosts[].sts "match"), duplicates removed,
 * ':'-separated. NULL when there is none. RFC 8461 §4.1: the certificate
 * must be valid for an MX host that matches a pattern; Postfix's match=
 * has no single-label wildcard, so the names themselves are listed. */
static char *
admitted(const json_t *hosts)
{
	struct sbuf   b = { NULL, 0, 0 };
	const json_t *h;
	const char   *name, *sts, *prev;
	size_t        i, j;
	int           dup;

	json_array_foreach(hosts, i, h)
	{
		name = str(h, "host");
		sts  = str(h, "sts");
		if (sts == NULL || strcmp(sts, "match") != 0
		        || !name_ok(name)) {
			continue;
		}
		dup = 0;
		for (j = 0; j < i && !dup; j++) {
			prev = str(json_array_get(hosts, j), "host");
			sts  = str(json_array_get(hosts, j), "sts");
			dup  = prev != NULL && sts != NULL
			        && strcmp(sts, "match") == 0 && name_ok(prev)
			        && strcmp(prev, name) == 0;
		}
		if (!dup) {
			sb_add(&b, "%s%s", b.s != NULL ? ":" : "", name);
		}
	}
	return (b.s);
}

/* secure - "OK secure match=NAMES servername=hostname" and, with attrs, the
 * Postfix 3.10 TLSRPT attributes (TLSRPT_README), whose mx_host_pattern
 * values are the policy's own patterns. */
static char *
secure(const json_t *reply, const char *names, const json_t *mx, int attrs)
{
	struct sbuf   b = { NULL, 0, 0 };
	const json_t *v;
	const char   *mode   = str(reply, "mode");
	const char   *domain = str(reply, "domain");
	json_t       *maxage = json_object_get(reply, "max_age");
	size_t        i;

	sb_add(&b, "OK secure match=%s servername=hostname", names);
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

/* enforced - the secure answer for an MTA-STS policy that is enforced. */
static char *
enforced(const json_t *reply, const json_t *hosts,
        const struct socketmap_answer_conf *c)
{
	const json_t *mx = json_object_get(reply, "mx");
	char         *names, *s;

	if (!mx_ok(mx)) {
		return (socketmap_answer_error(
		        "TEMP", "MTA-STS policy without usable mx patterns"));
	}
	if ((names = admitted(hosts)) == NULL) {
		return (socketmap_answer_error("TEMP",
		        "no MX host matches the MTA-STS policy's mx patterns "
		        "(RFC 8461 section 4.1)"));
	}
	s = secure(reply, names, mx, c->tlsrpt_attrs);
	if (strlen(s) > SOCKETMAP_MAX_REPLY && c->tlsrpt_attrs) {
		free(s);
		s = secure(reply, names, mx, 0);
	}
	free(names);
	if (strlen(s) > SOCKETMAP_MAX_REPLY) {
		free(s);
		return (socketmap_answer_error("TEMP",
		        "MTA-STS policy too large for a socketmap reply"));
	}
	return (s);
}

/* held - whether host h is deferred by a local override of its own. */
static int
held(const json_t *h)
{
	const char *a = str(json_object_get(h, "override"), "action");

	return (a != NULL && strcmp(a, "defer") == 0);
}

/* weakens - whether override object o sets MTA-STS aside. */
static int
weakens(const json_t *o)
{
	const char *a = str(o, "action");

	return (a != NULL
	        && (strcmp(a, "none") == 0 || strcmp(a, "testing") == 0
	                || strcmp(a, "no-sts") == 0));
}

/* downgraded - whether a local override of the domain or of one of its
 * hosts sets MTA-STS aside. */
static int
downgraded(const json_t *reply, const json_t *hosts)
{
	const json_t *h;
	size_t        i;

	if (weakens(json_object_get(reply, "override"))) {
		return (1);
	}
	json_array_foreach(hosts, i, h)
	{
		if (weakens(json_object_get(h, "override"))) {
			return (1);
		}
	}
	return (0);
}

char *
socketmap_answer(const json_t *reply, const struct socketmap_answer_conf *c)
{
	const char   *status = str(reply, "status"), *why = str(reply, "why");
	const char   *mode  = str(reply, "mode"), *act;
	const json_t *hosts = json_object_get(reply, "hosts"), *h;
	size_t        i, ndane = 0, nencrypt = 0, nmay = 0, nstrict = 0;
	size_t        ndefer = 0, nheld = 0;
	int           enforce;

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
		if (held(h)) {
			nheld++;
		}
		switch (decision_action_of(act)) {
		case DECISION_ACT_DANE:
			ndane++;
			break;
		case DECISION_ACT_ENCRYPT:
			nencrypt++;
			break;
		case DECISION_ACT_MAY:
			nmay++;
			break;
		case DECISION_ACT_DEFER:
			ndefer++;
			break;
		default:
			/* "verify", "skip" and anything unknown: a host that
			 * Postfix's per-host DANE would use with less than
			 * its requirement (or use at all). */
			nstrict++;
			break;
		}
	}
	if (nheld > 0) {
		/* Postfix's policy table is per destination: it cannot
		 * skip one MX host, so an MX host held by a local override
		 * holds the domain (docs/DECISIONS.md "Local overrides") */
		return (socketmap_answer_error("TEMP",
		        "an MX host of the domain is held by a local "
		        "override (defer)"));
	}
	if (ndane > 0) {
		/* "dane" only when Postfix's own per-host DANE gives every
		 * other host exactly its requirement: unusable TLSA ->
		 * encrypt, no TLSA -> may. When every host is DANE, or some
		 * host is verify (MTA-STS), skip or defer: dane-only, so
		 * that only the DANE hosts are used. */
		return (xstrdup(
		        nencrypt + nmay > 0 && nstrict == 0 && ndefer == 0
		                ? "OK dane"
		                : "OK dane-only"));
	}
	/* under an MTA-STS policy in force a host is "may" only by a local
	 * override (testing, none, no-sts): the policy is then not enforced
	 * (docs/DECISIONS.md "Local overrides") */
	enforce = mode != NULL
	        && ((strcmp(mode, "enforce") == 0 && nmay == 0)
	                || (c->testing_strict && strcmp(mode, "testing") == 0
	                        && !downgraded(reply, hosts)));
	if (enforce) {
		return (enforced(reply, hosts, c));
	}
	if (ndefer > 0) {
		/* A host whose TLSA lookup failed must not be used in
		 * cleartext (RFC 7672 §2.2): Postfix's dane level defers
		 * it after its own TLSA lookup fails. */
		return (xstrdup("OK dane"));
	}
	if (nencrypt > 0) {
		/* RFC 7672 §2.2: TLS mandatory, whatever Postfix's DNS
		 * settings; the strictest host's requirement for all. */
		return (xstrdup("OK encrypt"));
	}
	return (xstrdup("NOTFOUND "));
}
