/*
 * tlsrpt_record.c - the SMTP TLS Reporting TXT record parser and the §3
 * choice among several TXT records (RFC 8460 §3). Pure: no I/O, no
 * globals; the rua strings are malloc()ed and owned by the struct
 * tlsrpt_record until tlsrpt_record_clear.
 */
#include "abnf.h"
#include "dns/dns_txt.h"
#include "tlsrpt/tlsrpt_record.h"
#include "why.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERSION_TAG     "v=TLSRPTv1"
#define VERSION_TAG_LEN (sizeof(VERSION_TAG) - 1)
#define EXT_NAME_MAX    32

struct rstate {
	struct tlsrpt_record rec;
	size_t               cap;
	int                  have_rua;
	char                *why;
	size_t               whylen;
};

/* RFC 3986 unreserved / reserved / "%", less "," ";" "!" (RFC 8460 §3). */
static int
is_uri_char(unsigned char c)
{
	if (abnf_alnum(c)) {
		return (1);
	}
	return (c != '\0' && strchr("-._~:/?#[]@$&'()*+=%", c) != NULL);
}

static unsigned char
lower(unsigned char c)
{
	return ((c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c);
}

static int
prefix_nocase(const char *s, size_t n, const char *lit)
{
	size_t i, l = strlen(lit);

	if (n < l) {
		return (0);
	}
	for (i = 0; i < l; i++) {
		if (lower((unsigned char)s[i]) != (unsigned char)lit[i]) {
			return (0);
		}
	}
	return (1);
}

/*
 * Check the URI u (n > 0 bytes, all is_uri_char) for a scheme and valid
 * %-escapes: -1 when malformed, 0 when well formed but not usable for
 * reports, 1 when usable.
 */
static int
check_uri(struct rstate *st, const char *u, size_t n, size_t off)
{
	size_t i, at, q;

	for (i = 0; i < n; i++) {
		if (u[i] == '%'
		        && (i + 2 >= n || !abnf_hex((unsigned char)u[i + 1])
		                || !abnf_hex((unsigned char)u[i + 2]))) {
			why_set(st->why, st->whylen,
			        "rua: bad %%-escape at offset %zu", off + i);
			return (-1);
		}
	}
	if (!abnf_alpha((unsigned char)u[0])) {
		why_set(st->why, st->whylen,
		        "rua: URI at offset %zu has no scheme", off);
		return (-1);
	}
	for (i = 1; i < n && u[i] != ':'; i++) {
		if (!abnf_alnum((unsigned char)u[i]) && u[i] != '+'
		        && u[i] != '-' && u[i] != '.') {
			why_set(st->why, st->whylen,
			        "rua: URI at offset %zu has no scheme", off);
			return (-1);
		}
	}
	if (i == n) {
		why_set(st->why, st->whylen,
		        "rua: URI at offset %zu has no scheme", off);
		return (-1);
	}
	if (prefix_nocase(u, n, "mailto:")) {
		/* An addr-spec before any "?hfields" (RFC 6068 §2). */
		for (q = 7; q < n && u[q] != '?'; q++) { }
		for (at = 7; at < q && u[at] != '@'; at++) { }
		return (at > 7 && at + 1 < q);
	}
	if (prefix_nocase(u, n, "https:")) {
		return (n > 8 && u[6] == '/' && u[7] == '/' && u[8] != '/'
		        && u[8] != '?' && u[8] != '#');
	}
	return (0);
}

static int
add_uri(struct rstate *st, const char *u, size_t n)
{
	char **nr, *s;

	if (st->rec.nrua == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 4;
		if ((nr = realloc(st->rec.rua, ncap * sizeof(*nr))) == NULL) {
			why_set(st->why, st->whylen, "out of memory");
			return (-1);
		}
		st->rec.rua = nr;
		st->cap     = ncap;
	}
	if ((s = malloc(n + 1)) == NULL) {
		why_set(st->why, st->whylen, "out of memory");
		return (-1);
	}
	memcpy(s, u, n);
	s[n]                        = '\0';
	st->rec.rua[st->rec.nrua++] = s;
	return (0);
}

/* tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri) at *pos; keep the URIs when
 * keep. On success *pos is just past the last URI. */
static int
parse_rua(
        struct rstate *st, const char *txt, size_t len, size_t *pos, int keep)
{
	const unsigned char *s = (const unsigned char *)txt;
	size_t               i = *pos, u, j;
	int                  usable;
	char                 cb[8];

	for (;;) {
		u = i;
		while (i < len && is_uri_char(s[i])) {
			i++;
		}
		if (i < len && s[i] != ';' && s[i] != ',' && !abnf_wsp(s[i])) {
			why_set(st->why, st->whylen,
			        "rua: invalid character %s at offset %zu",
			        abnf_chdesc(s[i], cb, sizeof(cb)), i);
			return (-1);
		}
		if (i == u) {
			why_set(st->why, st->whylen,
			        "rua: empty URI at offset %zu", u);
			return (-1);
		}
		if ((usable = check_uri(st, txt + u, i - u, u)) < 0) {
			return (-1);
		}
		if (keep && usable && add_uri(st, txt + u, i - u) != 0) {
			return (-1);
		}
		for (j = i; j < len && abnf_wsp(s[j]); j++) { }
		if (j == len || s[j] != ',') {
			break;
		}
		for (j++; j < len && abnf_wsp(s[j]); j++) { }
		i = j;
	}
	*pos = i;
	return (0);
}

static int
parse_field(struct rstate *st, const char *txt, size_t len, size_t *pos)
{
	const unsigned char *s = (const unsigned char *)txt;
	size_t               i = *pos, name, namelen, val;
	char                 cb[8];

	name = i;
	if (!abnf_alnum(s[i])) {
		if (s[i] == ';') {
			why_set(st->why, st->whylen,
			        "empty field at offset %zu", i);
		} else {
			why_set(st->why, st->whylen,
			        "field name starts with %s at offset %zu",
			        abnf_chdesc(s[i], cb, sizeof(cb)), i);
		}
		return (-1);
	}
	while (i < len && abnf_ext_name_char(s[i])) {
		i++;
	}
	namelen = i - name;
	if (namelen > EXT_NAME_MAX) {
		why_set(st->why, st->whylen,
		        "field name at offset %zu: %zu characters, at most "
		        "%d allowed",
		        name, namelen, EXT_NAME_MAX);
		return (-1);
	}
	if (i == len || s[i] != '=') {
		why_set(st->why, st->whylen,
		        "field '%.*s': expected '=' at offset %zu",
		        (int)namelen, txt + name, i);
		return (-1);
	}
	i++;
	if (namelen == 3 && memcmp(txt + name, "rua", 3) == 0) {
		if (parse_rua(st, txt, len, &i, !st->have_rua) != 0) {
			return (-1);
		}
		st->have_rua = 1;
	} else {
		val = i;
		while (i < len && abnf_ext_value_char(s[i])) {
			i++;
		}
		if (i < len && s[i] != ';' && !abnf_wsp(s[i])) {
			why_set(st->why, st->whylen,
			        "field '%.*s': invalid character %s at "
			        "offset %zu",
			        (int)namelen, txt + name,
			        abnf_chdesc(s[i], cb, sizeof(cb)), i);
			return (-1);
		}
		if (i == val) {
			why_set(st->why, st->whylen,
			        "field '%.*s': empty value", (int)namelen,
			        txt + name);
			return (-1);
		}
	}
	*pos = i;
	return (0);
}

enum tlsrpt_record_status
tlsrpt_record_parse(const char *txt, size_t len, struct tlsrpt_record *rec,
        char *why, size_t whylen)
{
	const unsigned char *s = (const unsigned char *)txt;
	struct rstate        st;
	size_t               i;
	char                 cb[8];

	memset(&st, 0, sizeof(st));
	st.why    = why;
	st.whylen = whylen;
	if (rec != NULL) {
		memset(rec, 0, sizeof(*rec));
	}
	if (!dns_txt_tagged(txt, len, VERSION_TAG)) {
		why_set(why, whylen, "does not begin with v=TLSRPTv1");
		return (TLSRPT_RECORD_NOT_TLSRPT);
	}
	i = VERSION_TAG_LEN;
	for (;;) {
		if (i == len) {
			break;
		}
		while (i < len && abnf_wsp(s[i])) {
			i++;
		}
		if (i == len) {
			why_set(why, whylen,
			        "trailing whitespace without ';' at end");
			goto fail;
		}
		if (s[i] != ';') {
			why_set(why, whylen,
			        "expected ';', got %s at offset %zu",
			        abnf_chdesc(s[i], cb, sizeof(cb)), i);
			goto fail;
		}
		i++;
		while (i < len && abnf_wsp(s[i])) {
			i++;
		}
		if (i == len) {
			break; /* [field-delim] */
		}
		if (parse_field(&st, txt, len, &i) != 0) {
			goto fail;
		}
	}
	if (!st.have_rua) {
		why_set(why, whylen, "missing rua field");
		goto fail;
	}
	if (st.rec.nrua == 0) {
		why_set(why, whylen, "rua: no usable mailto: or https: URI");
		goto fail;
	}
	if (rec != NULL) {
		*rec = st.rec;
	} else {
		tlsrpt_record_clear(&st.rec);
	}
	return (TLSRPT_RECORD_OK);

fail:
	tlsrpt_record_clear(&st.rec);
	return (TLSRPT_RECORD_INVALID);
}

enum tlsrpt_record_status
tlsrpt_record_select(const char *const *txts, const size_t *lens, size_t n,
        struct tlsrpt_record *rec, char *why, size_t whylen)
{
	size_t found;

	if (rec != NULL) {
		memset(rec, 0, sizeof(*rec));
	}
	switch (dns_txt_pick(
	        txts, lens, n, VERSION_TAG, &found, why, whylen)) {
	case DNS_TXT_NONE:
		return (TLSRPT_RECORD_NOT_TLSRPT);
	case DNS_TXT_MANY:
		return (TLSRPT_RECORD_INVALID);
	case DNS_TXT_ONE:
		break;
	}
	return (tlsrpt_record_parse(
	        txts[found], lens[found], rec, why, whylen));
}

void
tlsrpt_record_clear(struct tlsrpt_record *rec)
{
	size_t i;

	if (rec == NULL) {
		return;
	}
	for (i = 0; i < rec->nrua; i++) {
		free(rec->rua[i]);
	}
	free(rec->rua);
	memset(rec, 0, sizeof(*rec));
}

json_t *
tlsrpt_record_to_json(const struct tlsrpt_record *rec)
{
	json_t *o, *rua;
	size_t  i;

	if (rec == NULL) {
		return (NULL);
	}
	if ((o = json_object()) == NULL) {
		return (NULL);
	}
	if (json_object_set_new(o, "v", json_string("TLSRPTv1")) != 0) {
		goto fail;
	}
	/* json_object_set_new takes rua even when it fails. */
	if ((rua = json_array()) == NULL
	        || json_object_set_new(o, "rua", rua) != 0) {
		goto fail;
	}
	for (i = 0; i < rec->nrua; i++) {
		if (json_array_append_new(rua, json_string(rec->rua[i]))
		        != 0) {
			goto fail;
		}
	}
	return (o);

fail:
	json_decref(o);
	return (NULL);
}
