/*
 * sts_policy.h - parser for the MTA-STS policy file served at
 * https://mta-sts.<domain>/.well-known/mta-sts.txt (RFC 8461 §3.2), and the
 * matching of MX host names against its mx patterns (RFC 8461 §4.1).
 *
 * Grammar (RFC 8461 §3.2, RFC 7405 case-sensitive strings):
 *
 *   sts-policy-record        = sts-policy-field *WSP
 *                              *(sts-policy-term sts-policy-field *WSP)
 *                              [sts-policy-term]
 *   sts-policy-field         = sts-policy-version / sts-policy-mode /
 *                              sts-policy-max-age / sts-policy-mx /
 *                              sts-policy-extension
 *   sts-policy-field-delim   = ":" *WSP
 *   sts-policy-version       = %s"version" delim %s"STSv1"
 *   sts-policy-mode          = %s"mode" delim
 *                              (%s"testing" / %s"enforce" / %s"none")
 *   sts-policy-max-age       = %s"max_age" delim 1*10(DIGIT)
 *   sts-policy-mx            = %s"mx" delim ["*."] Domain
 *   sts-policy-extension     = sts-policy-ext-name delim sts-policy-ext-value
 *   sts-policy-ext-name      = (ALPHA / DIGIT)
 *                              *31(ALPHA / DIGIT / "_" / "-" / ".")
 *   sts-policy-ext-value     = sts-policy-vchar
 *                              [*(%x20 / sts-policy-vchar) sts-policy-vchar]
 *   sts-policy-term          = LF / CRLF
 *   sts-policy-vchar         = %x21-7E / UTF8-2 / UTF8-3 / UTF8-4
 *
 * Domain is RFC 5321 §4.1.2 (LDH labels, a letter or digit at both ends),
 * with the RFC 1035 limits: labels of 1 to 63 characters, at most 253 in
 * all, no trailing dot. Every line must be a field: an empty line between
 * fields, leading whitespace, a bare CR (not followed by LF), a NUL or
 * invalid UTF-8 makes the policy invalid. One leniency beyond the ABNF:
 * empty lines at the very end of the file (a common editing accident, which
 * would otherwise silently drop the domain's protection) are ignored. Field
 * names are case-sensitive: "Mode: enforce" is an extension.
 *
 * Decisions:
 * - The first field must be "version" (project rule: a file that does not
 *   start with "version: STSv1" is not taken as a policy).
 * - Duplicated fields (RFC 8461 §3.2, last paragraph: "If any non-repeated
 *   field -- i.e., all fields excluding "mx" -- is duplicated, all entries
 *   except for the first SHOULD be ignored"): the first version, mode and
 *   max_age win; every later occurrence must still match its own syntax
 *   (a second "mode: bogus" makes the policy invalid). Repeated mx fields
 *   are the normal case and are all kept, in order.
 * - version, mode and max_age are required; at least one mx is required
 *   unless the mode is "none" (§3.2, ABNF comments). Extension fields are
 *   checked against the grammar, then ignored (§3.2).
 * - max_age above 31557600 (§3.2: "maximum value of 31557600") is capped to
 *   it, not rejected; up to 10 digits (9999999999) are read without
 *   overflow, 11 digits are invalid.
 * - mx patterns are stored lower-cased.
 * - §4.1 matching is case-insensitive; "*.example.com" matches exactly one
 *   extra leftmost label ("mx.example.com", not "a.b.example.com" nor
 *   "example.com"); one trailing dot on the host (or pattern) is ignored.
 */
#ifndef MXTLS_CACHED_STS_POLICY_H
#define MXTLS_CACHED_STS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define STS_POLICY_MAX_AGE_CAP 31557600u
#define STS_POLICY_MAX_BODY    65536

enum sts_mode {
	STS_MODE_NONE = 0,
	STS_MODE_TESTING,
	STS_MODE_ENFORCE,
};

struct sts_policy {
	enum sts_mode mode;
	uint32_t      max_age; /* after the cap */
	size_t        nmx;
	char        **mx; /* owned, lower case, "*." prefix kept */
};

/*
 * sts_policy_parse - parse a policy body of len bytes (any bytes, no NUL
 * terminator needed). Returns 0 when valid, with pol filled (the caller
 * frees it with sts_policy_clear), or -1 when invalid or out of memory, with
 * pol zeroed, nothing leaked and a one-line reason in why (may be NULL).
 * pol is output only: whatever it held before is overwritten, not freed.
 */
int sts_policy_parse(const char *body, size_t len, struct sts_policy *pol,
        char *why, size_t whylen);

/* sts_policy_clear - free what pol owns and zero it; NULL is allowed. */
void sts_policy_clear(struct sts_policy *pol);

/* sts_policy_copy - deep copy of src into dst (output only); 0, or -1 on
 * ENOMEM with dst zeroed. The caller frees dst with sts_policy_clear. */
int sts_policy_copy(struct sts_policy *dst, const struct sts_policy *src);

/* sts_mode_name - "enforce", "testing", "none"; "unknown" for other values.
 * Static storage. */
const char *sts_mode_name(enum sts_mode mode);

/* sts_policy_mx_match - 1 when host matches the mx pattern per §4.1, else
 * 0 (also for NULL or empty arguments). */
int sts_policy_mx_match(const char *pattern, const char *host);

/* sts_policy_mx_allowed - 1 if any mx pattern of pol matches host, else 0. */
int sts_policy_mx_allowed(const struct sts_policy *pol, const char *host);

/* sts_policy_to_json - {"version":"STSv1","mode":"enforce","mx":[...],
 * "max_age":N}; new reference the caller json_decref()s, NULL on ENOMEM or
 * a NULL pol. */
json_t *sts_policy_to_json(const struct sts_policy *pol);

#endif
