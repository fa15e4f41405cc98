/*
 * tlsrpt_record.h - parser for the SMTP TLS Reporting TXT record published
 * at _smtp._tls.<domain> (RFC 8460 §3), and the choice of the one record
 * among all the TXT records found there.
 *
 * Grammar (RFC 8460 §3, RFC 7405 case-sensitive strings):
 *
 *   tlsrpt-record    = tlsrpt-version 1*(field-delim tlsrpt-field)
 *                      [field-delim]
 *   field-delim      = *WSP ";" *WSP
 *   tlsrpt-field     = tlsrpt-rua / tlsrpt-extension
 *   tlsrpt-version   = %s"v=TLSRPTv1"
 *   tlsrpt-rua       = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
 *   tlsrpt-uri       = URI   ; RFC 3986; ",", ";" and "!" MUST be encoded
 *   tlsrpt-extension = tlsrpt-ext-name "=" tlsrpt-ext-value
 *   tlsrpt-ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E)
 *
 * The input is the record's strings concatenated without adding spaces
 * (§3); the caller does the concatenation. A URI is checked for RFC 3986
 * characters (unreserved, reserved other than ",", ";" and "!", and
 * %-escapes of two hex digits) and for a scheme followed by ":". Anything
 * outside the grammar - a NUL, a byte above 0x7E, whitespace after the last
 * field without a ";", an empty field or URI - makes the record invalid.
 *
 * Decisions:
 * - URI schemes (§3: "Two URI schemes are supported: "mailto" and
 *   "https""): a well-formed URI of another scheme (ftp:, http:), a
 *   mailto: without a local@domain address, or an https: without
 *   "//host" is not usable and is skipped, as a reporter cannot deliver to
 *   it; the other URIs of the record are kept. The record is invalid only
 *   when no usable URI is left. Schemes compare case-insensitively (RFC
 *   3986 §3.1); URIs are stored as published.
 * - Duplicated rua fields: RFC 8460 does not say. The first rua field wins
 *   and later ones, though checked against tlsrpt-rua, are ignored - the
 *   rule RFC 8461 §3.2 gives for the same kind of TXT record, so that both
 *   our TXT parsers behave alike and a record cannot fan reports out by
 *   repetition.
 * - Unknown extension fields are checked against the grammar, then ignored
 *   (§3: "unknown fields SHALL be ignored").
 * - Which records count (§3: "records that do not begin with
 *   "v=TLSRPTv1;" are discarded"): a record counts when it begins with
 *   "v=TLSRPTv1" followed by the end, ";" or whitespace, since field-delim
 *   allows whitespace before the ";" (as for MTA-STS, RFC 8461 erratum
 *   6285). If not exactly one record counts, or the one is invalid, the
 *   domain has no usable TLSRPT record (§3).
 */
#ifndef MXTLS_CACHED_TLSRPT_RECORD_H
#define MXTLS_CACHED_TLSRPT_RECORD_H

#include <stddef.h>

#include <jansson.h>

struct tlsrpt_record {
	size_t nrua;
	char **rua; /* owned; each a mailto: or https: URI, as published */
};

enum tlsrpt_record_status {
	TLSRPT_RECORD_OK = 0,     /* exactly one valid record; rec filled */
	TLSRPT_RECORD_NOT_TLSRPT, /* no record begins with v=TLSRPTv1 */
	TLSRPT_RECORD_INVALID,    /* a syntax error, no usable rua, or more
	                             than one record */
};

/*
 * tlsrpt_record_parse - parse one TXT record of len bytes (any bytes, no
 * NUL terminator needed). TLSRPT_RECORD_OK fills rec (the caller frees it
 * with tlsrpt_record_clear); otherwise, also on ENOMEM (INVALID), rec is
 * zeroed, nothing is leaked and why (may be NULL) gets a one-line reason.
 * rec is output only.
 */
enum tlsrpt_record_status tlsrpt_record_parse(const char *txt, size_t len,
        struct tlsrpt_record *rec, char *why, size_t whylen);

/*
 * tlsrpt_record_select - apply the §3 rule to the n TXT records found at
 * _smtp._tls.<domain> (txts[i] of lens[i] bytes): NOT_TLSRPT when none
 * begins with v=TLSRPTv1, INVALID when more than one does or the one is
 * invalid, else OK with rec filled as by tlsrpt_record_parse.
 */
enum tlsrpt_record_status tlsrpt_record_select(const char *const *txts,
        const size_t *lens, size_t n, struct tlsrpt_record *rec, char *why,
        size_t whylen);

/* tlsrpt_record_clear - free what rec owns and zero it; NULL is allowed. */
void tlsrpt_record_clear(struct tlsrpt_record *rec);

/* tlsrpt_record_to_json - {"v":"TLSRPTv1","rua":[...]}; new reference the
 * caller json_decref()s, NULL on ENOMEM or a NULL rec. */
json_t *tlsrpt_record_to_json(const struct tlsrpt_record *rec);

#endif
