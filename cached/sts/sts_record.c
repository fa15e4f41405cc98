/*
 * sts_record.c - the MTA-STS TXT record parser and the §3.1 choice among
 * several TXT records (RFC 8461 §3.1). Pure: no I/O, no globals, and nothing
 * allocated except by sts_record_to_json, whose result the caller owns.
 */
#include "abnf.h"
#include "dns/dns_txt.h"
#include "sts/sts_record.h"
#include "why.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define VERSION_TAG     "v=STSv1"
#define VERSION_TAG_LEN (sizeof(VERSION_TAG) - 1)
#define EXT_NAME_MAX    32

/*
 * Parse one field starting at *pos (which is not at the end). On success
 * *pos is just past the value.
 */
static int
parse_field(const char *txt, size_t len, size_t *pos, struct sts_record *out,
        int *have_id, char *why, size_t whylen)
{
	const unsigned char *s = (const unsigned char *)txt;
	size_t               i = *pos, name, namelen, val, vallen;
	char                 cb[8];

	name = i;
	if (!abnf_alnum(s[i])) {
		if (s[i] == ';') {
			why_set(why, whylen, "empty field at offset %zu", i);
		} else {
			why_set(why, whylen,
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
		why_set(why, whylen,
		        "field name at offset %zu: %zu characters, at most "
		        "%d allowed",
		        name, namelen, EXT_NAME_MAX);
		return (-1);
	}
	if (i == len || s[i] != '=') {
		if (i == len) {
			why_set(why, whylen, "field '%.*s' has no '='",
			        (int)namelen, txt + name);
		} else {
			why_set(why, whylen,
			        "field '%.*s': expected '=', got %s at "
			        "offset %zu",
			        (int)namelen, txt + name,
			        abnf_chdesc(s[i], cb, sizeof(cb)), i);
		}
		return (-1);
	}
	i++;
	val = i;
	if (namelen == 2 && memcmp(txt + name, "id", 2) == 0) {
		while (i < len && abnf_alnum(s[i])) {
			i++;
		}
		vallen = i - val;
		if (i < len && s[i] != ';' && !abnf_wsp(s[i])) {
			why_set(why, whylen,
			        "id: invalid character %s at offset %zu",
			        abnf_chdesc(s[i], cb, sizeof(cb)), i);
			return (-1);
		}
		if (vallen == 0) {
			why_set(why, whylen, "id: empty");
			return (-1);
		}
		if (vallen > STS_RECORD_ID_MAX) {
			why_set(why, whylen,
			        "id: %zu characters, at most %d allowed",
			        vallen, STS_RECORD_ID_MAX);
			return (-1);
		}
		if (!*have_id) {
			memcpy(out->id, txt + val, vallen);
			out->id[vallen] = '\0';
			*have_id        = 1;
		}
	} else {
		while (i < len && abnf_ext_value_char(s[i])) {
			i++;
		}
		vallen = i - val;
		if (i < len && s[i] != ';' && !abnf_wsp(s[i])) {
			why_set(why, whylen,
			        "field '%.*s': invalid character %s at "
			        "offset %zu",
			        (int)namelen, txt + name,
			        abnf_chdesc(s[i], cb, sizeof(cb)), i);
			return (-1);
		}
		if (vallen == 0) {
			why_set(why, whylen, "field '%.*s': empty value",
			        (int)namelen, txt + name);
			return (-1);
		}
	}
	*pos = i;
	return (0);
}

enum sts_record_status
sts_record_parse(const char *txt, size_t len, struct sts_record *rec,
        char *why, size_t whylen)
{
	const unsigned char *s = (const unsigned char *)txt;
	struct sts_record    out;
	size_t               i;
	int                  have_id = 0;
	char                 cb[8];

	memset(&out, 0, sizeof(out));
	if (rec != NULL) {
		memset(rec, 0, sizeof(*rec));
	}
	if (!dns_txt_tagged(txt, len, VERSION_TAG)) {
		why_set(why, whylen, "does not begin with v=STSv1");
		return (STS_RECORD_NOT_STS);
	}
	i = VERSION_TAG_LEN;
	for (;;) {
		/* At the end of the version or of a field: a delimiter, or
		 * the end of the record. */
		if (i == len) {
			break;
		}
		while (i < len && abnf_wsp(s[i])) {
			i++;
		}
		if (i == len) {
			why_set(why, whylen,
			        "trailing whitespace without ';' at end");
			return (STS_RECORD_INVALID);
		}
		if (s[i] != ';') {
			why_set(why, whylen,
			        "expected ';', got %s at offset %zu",
			        abnf_chdesc(s[i], cb, sizeof(cb)), i);
			return (STS_RECORD_INVALID);
		}
		i++;
		while (i < len && abnf_wsp(s[i])) {
			i++;
		}
		if (i == len) {
			break; /* [sts-field-delim] */
		}
		if (parse_field(txt, len, &i, &out, &have_id, why, whylen)
		        != 0) {
			return (STS_RECORD_INVALID);
		}
	}
	if (!have_id) {
		why_set(why, whylen, "missing id field");
		return (STS_RECORD_INVALID);
	}
	if (rec != NULL) {
		*rec = out;
	}
	return (STS_RECORD_OK);
}

enum sts_record_status
sts_record_select(const char *const *txts, const size_t *lens, size_t n,
        struct sts_record *rec, char *why, size_t whylen)
{
	size_t found;

	if (rec != NULL) {
		memset(rec, 0, sizeof(*rec));
	}
	switch (dns_txt_pick(
	        txts, lens, n, VERSION_TAG, &found, why, whylen)) {
	case DNS_TXT_NONE:
		return (STS_RECORD_NOT_STS);
	case DNS_TXT_MANY:
		return (STS_RECORD_INVALID);
	case DNS_TXT_ONE:
		break;
	}
	return (sts_record_parse(txts[found], lens[found], rec, why, whylen));
}

json_t *
sts_record_to_json(const struct sts_record *rec)
{
	json_t *o;

	if (rec == NULL) {
		return (NULL);
	}
	if ((o = json_object()) == NULL) {
		return (NULL);
	}
	if (json_object_set_new(o, "v", json_string("STSv1")) != 0
	        || json_object_set_new(o, "id", json_string(rec->id)) != 0) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}
