/*
 * sts_record.h - parser for the MTA-STS TXT record published at
 * _mta-sts.<domain> (RFC 8461 §3.1), and the choice of the one record among
 * all the TXT records found there.
 *
 * Grammar (RFC 8461 §3.1, RFC 7405 case-sensitive strings):
 *
 *   sts-text-record = sts-version 1*(sts-field-delim sts-field)
 *                     [sts-field-delim]
 *   sts-field       = sts-id / sts-extension
 *   sts-field-delim = *WSP ";" *WSP
 *   sts-version     = %s"v=STSv1"
 *   sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
 *   sts-extension   = sts-ext-name "=" sts-ext-value
 *   sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
 *
 * The input is the record's strings concatenated without adding spaces
 * (§3.1); the caller (the DNS layer) does the concatenation. Anything
 * outside the grammar - a NUL, a byte above 0x7E, whitespace after the last
 * field without a ";", an empty field - makes the record invalid. Field
 * names are case-sensitive: "ID=x" is an extension, not the id.
 *
 * Decisions:
 * - Duplicated fields: the first "id" wins and later ones are ignored,
 *   though each must still match sts-id. RFC 8461 §3.2 (the paragraph
 *   "Parsers MUST accept TXT records and policy files ...", which covers
 *   both) says that when a non-repeated field is duplicated "all entries
 *   except for the first SHOULD be ignored"; rejecting the record would
 *   contradict that. A later "v=..." is an extension and is ignored.
 * - Unknown extension fields are checked against the grammar, then ignored
 *   (§3.2, same paragraph).
 * - Which records count (§3.1: "records that do not begin with "v=STSv1;"
 *   are discarded"): a record counts when it begins with "v=STSv1" followed
 *   by the end, ";" or whitespace. The ABNF's sts-field-delim allows
 *   whitespace before the ";" (erratum 6285 reports the conflict), so
 *   "v=STSv1 ;id=x" is a valid record and is not discarded; "v=STSv1" alone
 *   counts and is invalid (no id) rather than being silently discarded.
 *   Everything else ("v=stsv1", "v=STSv10", " v=STSv1") is not an STS
 *   record. If not exactly one record counts, or the one is invalid, the
 *   domain has no usable record (§3.1).
 */
#ifndef MXTLS_CACHED_STS_RECORD_H
#define MXTLS_CACHED_STS_RECORD_H

#include <stddef.h>

#include <jansson.h>

#define STS_RECORD_ID_MAX 32

struct sts_record {
	char id[STS_RECORD_ID_MAX + 1]; /* 1 to 32 letters and digits */
};

enum sts_record_status {
	STS_RECORD_OK = 0,  /* exactly one valid record; rec filled */
	STS_RECORD_NOT_STS, /* no record begins with v=STSv1 */
	STS_RECORD_INVALID, /* a syntax error, or more than one record */
};

/*
 * sts_record_parse - parse one TXT record of len bytes (any bytes, no NUL
 * terminator needed). STS_RECORD_OK fills rec; otherwise rec is zeroed and
 * why (may be NULL) gets a one-line reason. Nothing is allocated.
 */
enum sts_record_status sts_record_parse(const char *txt, size_t len,
        struct sts_record *rec, char *why, size_t whylen);

/*
 * sts_record_select - apply the §3.1 rule to the n TXT records found at
 * _mta-sts.<domain> (txts[i] of lens[i] bytes): NOT_STS when none begins
 * with v=STSv1, INVALID when more than one does or the one is invalid, else
 * OK with rec filled. Nothing is allocated.
 */
enum sts_record_status sts_record_select(const char *const *txts,
        const size_t *lens, size_t n, struct sts_record *rec, char *why,
        size_t whylen);

/* sts_record_to_json - {"v":"STSv1","id":"..."}; new reference the caller
 * json_decref()s, NULL on ENOMEM or a NULL rec. */
json_t *sts_record_to_json(const struct sts_record *rec);

#endif
