/*
 * sts_policy.c - the MTA-STS policy file parser (RFC 8461 §3.2) and MX
 * pattern matching (RFC 8461 §4.1). Pure: no I/O, no globals; the mx
 * strings of a parsed or copied policy are malloc()ed and owned by the
 * struct sts_policy until sts_policy_clear.
 */
#include "abnf.h"
#include "sts/sts_mx.h"
#include "sts/sts_policy.h"
#include "why.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXT_NAME_MAX   32
#define LABEL_MAX      63
#define DOMAIN_MAX_LEN 253
#define QUOTE_MAX      40

struct pstate {
	struct sts_policy pol;
	size_t            mxcap;
	int               have_version, have_mode, have_max_age;
	size_t            lineno;
	char             *why;
	size_t            whylen;
};

static unsigned char
lower(unsigned char c)
{
	return ((c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c);
}

/* Copy at most QUOTE_MAX bytes of s for a why string, with anything not
 * printable ASCII shown as '?' and "..." when cut. */
static const char *
quote(const char *s, size_t n, char *buf, size_t buflen)
{
	size_t i, o = 0;

	for (i = 0; i < n && i < QUOTE_MAX && o + 1 < buflen; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[o++]        = (c >= 0x20 && c <= 0x7e) ? (char)c : '?';
	}
	if (i < n && o + 4 <= buflen) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return (buf);
}

/* Length of the valid UTF-8 sequence (RFC 3629 §4, 2 to 4 bytes) at s, 0
 * when there is none. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf, c = s[0];
	size_t        need, k;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c == 0xe0) {
		need = 2;
		lo   = 0xa0;
	} else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
		need = 2;
	} else if (c == 0xed) {
		need = 2;
		hi   = 0x9f;
	} else if (c == 0xf0) {
		need = 3;
		lo   = 0x90;
	} else if (c >= 0xf1 && c <= 0xf3) {
		need = 3;
	} else if (c == 0xf4) {
		need = 3;
		hi   = 0x8f;
	} else {
		return (0);
	}
	if (n < need + 1 || s[1] < lo || s[1] > hi) {
		return (0);
	}
	for (k = 2; k <= need; k++) {
		if (s[k] < 0x80 || s[k] > 0xbf) {
			return (0);
		}
	}
	return (need + 1);
}

/* sts-policy-ext-value, already stripped of leading and trailing WSP. */
static int
check_ext_value(struct pstate *st, const char *name, size_t namelen,
        const char *v, size_t n)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t               i = 0, k;

	if (n == 0) {
		why_set(st->why, st->whylen,
		        "line %zu: field '%.*s': empty value", st->lineno,
		        (int)namelen, name);
		return (-1);
	}
	while (i < n) {
		if (s[i] >= 0x20 && s[i] <= 0x7e) {
			i++;
		} else if (s[i] >= 0x80 && (k = utf8_seq(s + i, n - i)) > 0) {
			i += k;
		} else {
			why_set(st->why, st->whylen,
			        "line %zu: field '%.*s': invalid byte 0x%02x",
			        st->lineno, (int)namelen, name, s[i]);
			return (-1);
		}
	}
	return (0);
}

/*
 * ["*."] Domain, Domain per RFC 5321 §4.1.2 with the RFC 1035 length
 * limits. 0 when valid.
 */
static int
check_mx(struct pstate *st, const char *v, size_t n)
{
	const unsigned char *d = (const unsigned char *)v;
	size_t               i, dn, start;
	char                 qb[QUOTE_MAX + 4];
	const char          *err = NULL;

	if (n >= 2 && d[0] == '*' && d[1] == '.') {
		d += 2;
		dn = n - 2;
	} else {
		dn = n;
	}
	if (dn == 0) {
		err = "empty domain";
	} else if (dn > DOMAIN_MAX_LEN) {
		why_set(st->why, st->whylen,
		        "line %zu: mx '%s': domain of %zu characters, at most "
		        "%d allowed",
		        st->lineno, quote(v, n, qb, sizeof(qb)), dn,
		        DOMAIN_MAX_LEN);
		return (-1);
	}
	for (i = 0, start = 0; err == NULL && i <= dn; i++) {
		if (i == dn || d[i] == '.') {
			if (i == start) {
				err = i == dn ? "trailing dot" : "empty label";
			} else if (i - start > LABEL_MAX) {
				err = "label longer than 63 characters";
			} else if (d[start] == '-' || d[i - 1] == '-') {
				err = "label starts or ends with '-'";
			}
			start = i + 1;
		} else if (!abnf_alnum(d[i]) && d[i] != '-') {
			err = "invalid character";
		}
	}
	if (err != NULL) {
		why_set(st->why, st->whylen, "line %zu: mx '%s': %s",
		        st->lineno, quote(v, n, qb, sizeof(qb)), err);
		return (-1);
	}
	return (0);
}

static int
add_mx(struct pstate *st, const char *v, size_t n)
{
	char  *s, **nmx;
	size_t i;

	if (st->pol.nmx == st->mxcap) {
		size_t ncap = st->mxcap ? st->mxcap * 2 : 4;
		if ((nmx = realloc(st->pol.mx, ncap * sizeof(*nmx))) == NULL) {
			why_set(st->why, st->whylen, "out of memory");
			return (-1);
		}
		st->pol.mx = nmx;
		st->mxcap  = ncap;
	}
	if ((s = malloc(n + 1)) == NULL) {
		why_set(st->why, st->whylen, "out of memory");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		s[i] = (char)lower((unsigned char)v[i]);
	}
	s[n]                      = '\0';
	st->pol.mx[st->pol.nmx++] = s;
	return (0);
}

static int
name_is(const char *name, size_t namelen, const char *lit)
{
	return (strlen(lit) == namelen && memcmp(name, lit, namelen) == 0);
}

static int
value_is(const char *v, size_t n, const char *lit)
{
	return (strlen(lit) == n && memcmp(v, lit, n) == 0);
}

/* One line, without its terminator; n > 0 and no CR, LF or NUL in it. */
static int
parse_line(struct pstate *st, const char *line, size_t n)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t               i = 0, namelen, val, vend, vlen;
	char                 qb[QUOTE_MAX + 4];

	if (!abnf_alnum(s[0])) {
		if (abnf_wsp(s[0])) {
			why_set(st->why, st->whylen,
			        "line %zu: leading whitespace", st->lineno);
		} else {
			why_set(st->why, st->whylen,
			        "line %zu: field name starts with byte 0x%02x",
			        st->lineno, s[0]);
		}
		return (-1);
	}
	while (i < n && abnf_ext_name_char(s[i])) {
		i++;
	}
	namelen = i;
	if (namelen > EXT_NAME_MAX) {
		why_set(st->why, st->whylen,
		        "line %zu: field name of %zu characters, at most %d "
		        "allowed",
		        st->lineno, namelen, EXT_NAME_MAX);
		return (-1);
	}
	if (i == n || s[i] != ':') {
		why_set(st->why, st->whylen,
		        "line %zu: expected ':' after field name '%.*s'",
		        st->lineno, (int)namelen, line);
		return (-1);
	}
	i++;
	while (i < n && abnf_wsp(s[i])) {
		i++;
	}
	val  = i;
	vend = n;
	while (vend > val && abnf_wsp(s[vend - 1])) {
		vend--;
	}
	vlen = vend - val;

	if (st->lineno == 1 && !name_is(line, namelen, "version")) {
		why_set(st->why, st->whylen,
		        "line 1: first field must be version, not '%.*s'",
		        (int)namelen, line);
		return (-1);
	}
	if (name_is(line, namelen, "version")) {
		if (!value_is(line + val, vlen, "STSv1")) {
			why_set(st->why, st->whylen,
			        "line %zu: version '%s' is not STSv1",
			        st->lineno,
			        quote(line + val, vlen, qb, sizeof(qb)));
			return (-1);
		}
		st->have_version = 1;
	} else if (name_is(line, namelen, "mode")) {
		enum sts_mode mode;
		if (value_is(line + val, vlen, "enforce")) {
			mode = STS_MODE_ENFORCE;
		} else if (value_is(line + val, vlen, "testing")) {
			mode = STS_MODE_TESTING;
		} else if (value_is(line + val, vlen, "none")) {
			mode = STS_MODE_NONE;
		} else {
			why_set(st->why, st->whylen,
			        "line %zu: mode '%s' is not enforce, testing "
			        "or none",
			        st->lineno,
			        quote(line + val, vlen, qb, sizeof(qb)));
			return (-1);
		}
		if (!st->have_mode) {
			st->pol.mode  = mode;
			st->have_mode = 1;
		}
	} else if (name_is(line, namelen, "max_age")) {
		uint64_t v = 0;
		size_t   k;
		if (vlen == 0 || vlen > 10) {
			why_set(st->why, st->whylen,
			        "line %zu: max_age of %zu digits, 1 to 10 "
			        "allowed",
			        st->lineno, vlen);
			return (-1);
		}
		for (k = val; k < vend; k++) {
			if (!abnf_digit(s[k])) {
				why_set(st->why, st->whylen,
				        "line %zu: max_age '%s' is not a "
				        "number",
				        st->lineno,
				        quote(line + val, vlen, qb,
				                sizeof(qb)));
				return (-1);
			}
			v = v * 10 + (uint64_t)(s[k] - '0');
		}
		if (!st->have_max_age) {
			st->pol.max_age  = v > STS_POLICY_MAX_AGE_CAP
			         ? STS_POLICY_MAX_AGE_CAP
			         : (uint32_t)v;
			st->have_max_age = 1;
		}
	} else if (name_is(line, namelen, "mx")) {
		if (check_mx(st, line + val, vlen) != 0
		        || add_mx(st, line + val, vlen) != 0) {
			return (-1);
		}
	} else if (check_ext_value(st, line, namelen, line + val, vlen) != 0) {
		return (-1);
	}
	return (0);
}

/* only_newlines - 1 when p[0..n) is nothing but LF and CRLF line ends. */
static int
only_newlines(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			i++;
		} else if (p[i] != '\n') {
			return (0);
		}
	}
	return (1);
}

int
sts_policy_parse(const char *body, size_t len, struct sts_policy *pol,
        char *why, size_t whylen)
{
	struct pstate st;
	const char   *nul, *nl;
	size_t        pos = 0, start, end, next;

	memset(&st, 0, sizeof(st));
	st.why    = why;
	st.whylen = whylen;
	if (pol != NULL) {
		memset(pol, 0, sizeof(*pol));
	}
	if (pol == NULL) {
		why_set(why, whylen, "no policy to fill");
		return (-1);
	}
	if (body == NULL || len == 0) {
		why_set(why, whylen, "empty policy");
		return (-1);
	}
	if (len > STS_POLICY_MAX_BODY) {
		why_set(why, whylen, "policy of %zu bytes, at most %d allowed",
		        len, STS_POLICY_MAX_BODY);
		return (-1);
	}
	if ((nul = memchr(body, '\0', len)) != NULL) {
		why_set(why, whylen, "NUL byte at offset %zu",
		        (size_t)(nul - body));
		return (-1);
	}
	while (pos < len) {
		st.lineno++;
		start = pos;
		if ((nl = memchr(body + pos, '\n', len - pos)) != NULL) {
			end  = (size_t)(nl - body);
			next = end + 1;
			if (end > start && body[end - 1] == '\r') {
				end--; /* CRLF */
			}
		} else {
			end  = len;
			next = len;
		}
		if (memchr(body + start, '\r', end - start) != NULL) {
			why_set(why, whylen, "line %zu: CR not followed by LF",
			        st.lineno);
			goto fail;
		}
		if (end == start) {
			if (only_newlines(body + start, len - start)) {
				break; /* trailing empty lines: tolerated */
			}
			why_set(why, whylen, "line %zu: empty line",
			        st.lineno);
			goto fail;
		}
		if (parse_line(&st, body + start, end - start) != 0) {
			goto fail;
		}
		pos = next;
	}
	if (!st.have_version) {
		why_set(why, whylen, "missing version field");
		goto fail;
	}
	if (!st.have_mode) {
		why_set(why, whylen, "missing mode field");
		goto fail;
	}
	if (!st.have_max_age) {
		why_set(why, whylen, "missing max_age field");
		goto fail;
	}
	if (st.pol.nmx == 0 && st.pol.mode != STS_MODE_NONE) {
		why_set(why, whylen, "mode %s requires at least one mx field",
		        sts_mode_name(st.pol.mode));
		goto fail;
	}
	*pol = st.pol;
	return (0);

fail:
	sts_policy_clear(&st.pol);
	return (-1);
}

void
sts_policy_clear(struct sts_policy *pol)
{
	size_t i;

	if (pol == NULL) {
		return;
	}
	for (i = 0; i < pol->nmx; i++) {
		free(pol->mx[i]);
	}
	free(pol->mx);
	memset(pol, 0, sizeof(*pol));
}

int
sts_policy_copy(struct sts_policy *dst, const struct sts_policy *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	if (src == NULL) {
		return (-1);
	}
	dst->mode    = src->mode;
	dst->max_age = src->max_age;
	if (src->nmx == 0) {
		return (0);
	}
	if ((dst->mx = calloc(src->nmx, sizeof(*dst->mx))) == NULL) {
		return (-1);
	}
	for (i = 0; i < src->nmx; i++) {
		if ((dst->mx[i] = strdup(src->mx[i])) == NULL) {
			goto fail;
		}
		dst->nmx = i + 1;
	}
	return (0);

fail:
	sts_policy_clear(dst);
	return (-1);
}

const char *
sts_mode_name(enum sts_mode mode)
{
	switch (mode) {
	case STS_MODE_ENFORCE:
		return ("enforce");
	case STS_MODE_TESTING:
		return ("testing");
	case STS_MODE_NONE:
		return ("none");
	}
	return ("unknown");
}

int
sts_policy_mx_match(const char *pattern, const char *host)
{
	return (sts_mx_match(pattern, "*.", host));
}

int
sts_policy_mx_allowed(const struct sts_policy *pol, const char *host)
{
	size_t i;

	if (pol == NULL) {
		return (0);
	}
	for (i = 0; i < pol->nmx; i++) {
		if (sts_policy_mx_match(pol->mx[i], host)) {
			return (1);
		}
	}
	return (0);
}

json_t *
sts_policy_to_json(const struct sts_policy *pol)
{
	json_t *o, *mx;
	size_t  i;

	if (pol == NULL) {
		return (NULL);
	}
	if ((o = json_object()) == NULL) {
		return (NULL);
	}
	if (json_object_set_new(o, "version", json_string("STSv1")) != 0
	        || json_object_set_new(
	                   o, "mode", json_string(sts_mode_name(pol->mode)))
	                != 0) {
		goto fail;
	}
	/* json_object_set_new takes mx even when it fails. */
	if ((mx = json_array()) == NULL
	        || json_object_set_new(o, "mx", mx) != 0) {
		goto fail;
	}
	for (i = 0; i < pol->nmx; i++) {
		if (json_array_append_new(mx, json_string(pol->mx[i])) != 0) {
			goto fail;
		}
	}
	if (json_object_set_new(
	            o, "max_age", json_integer((json_int_t)pol->max_age))
	        != 0) {
		goto fail;
	}
	return (o);

fail:
	json_decref(o);
	return (NULL);
}
