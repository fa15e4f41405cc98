/*
 * preload.h - the MTA-STS preload list: the EFF STARTTLS-Everywhere policy
 * list (policy.json, format version 0.x), used as TOFU hints for domains
 * whose MTA-STS policy (RFC 8461 §3) is not known yet. The list is the
 * "preload" answer to RFC 8461 §10.2 (first-contact downgrade).
 *
 * Format (EFForg/starttls-everywhere RULES.md and
 * schema/policy-0.1.schema.json; the Go checker EFForg/starttls-backend
 * checker/hostname.go PolicyMatches; the Python client
 * EFForg/starttls-policy-cli policy.py, util.py):
 *
 *   {
 *     "version": "0.1",                       required, major 0
 *     "timestamp": "2020-05-20T10:25:12.7-07:00",         required
 *     "expires":   "2020-06-03T10:25:12.7-07:00",         required
 *     "author": "...",                        optional string
 *     "policy-aliases": { name: policy, ... },            optional
 *     "policies": { mail-domain: policy | {"policy-alias": name}, ... }
 *   }
 *   policy = { "mode": "testing" | "enforce", "mxs": [ pattern, ... ] }
 *
 * timestamp and expires are either RFC 3339 date-times with a time zone
 * ("Z", "+hh:mm", or "+hhmm" as in RULES.md's ZZZZ and the Python tests;
 * fractional seconds allowed and ignored) or non-negative integers (epoch
 * seconds), as RULES.md and the schema allow.
 *
 * MX patterns are "mx.example.com" (that host exactly) or ".example.com"
 * (exactly one more leftmost label: "mx.example.com", not "example.com",
 * not "a.mx.example.com"), matched case-insensitively, one trailing dot
 * ignored: RULES.md ("Suffixes will only match one subdomain label") and the
 * EFF checker. This is RFC 8461 §4.1's "*.example.com" spelled with a bare
 * leading dot. (The schema's prose says "arbitrarily deep subdomains", which
 * contradicts RULES.md and the checker; we follow the latter, the stricter.)
 * "*." patterns are not list syntax and are rejected.
 *
 * Decisions (strict; one bad entry rejects the whole list, with the entry
 * named in why, as the EFF Python client does: its Config.load raises on
 * the first bad policy or missing alias):
 * - Domain keys must pass domain_normalize and have at least two labels;
 *   they are stored normalised (lower case, no trailing dot); two keys with
 *   the same normal form are an error. Lookup is exact (RULES.md: no parent
 *   domain matching).
 * - mode is required (RULES.md, schema) and is "testing" or "enforce",
 *   case-sensitive; "none" and anything else are errors.
 * - mxs is required, a non-empty array of valid patterns, in both modes
 *   (schema: required, minItems 1; RFC 8461 §3.2 likewise needs an mx).
 *   Patterns are stored lower case without a trailing dot, leading dot kept.
 * - "policy-alias" must name an existing alias and may not be combined with
 *   mode or mxs (the schema's oneOf); an alias may not itself use
 *   "policy-alias" (the Python client's PolicyNoAlias).
 * - Duplicate JSON keys anywhere are an error, even identical ones (12 of
 *   the 59 published EFF lists, Jul-Dec 2018, repeat "salesforce.com";
 *   Python's json and Go's encoding/json keep the last one silently).
 *   Unknown fields (top level or in a policy, e.g. the Python client's
 *   "min-tls-version") are ignored.
 * - timestamp after expires is an error; expires <= now is the error
 *   "list expired at ..." (RULES.md: an expired list must not be used).
 *
 * preload_parse is a pure function of its arguments. A struct preload is
 * immutable after loading; it may be read from many threads at once. It
 * owns all strings that lookups return.
 */
#ifndef MXTLS_CACHED_PRELOAD_H
#define MXTLS_CACHED_PRELOAD_H

#include <stddef.h>
#include <stdint.h>

#include "sts/sts_policy.h"

#define PRELOAD_MAX_FILE (64u * 1024 * 1024)

struct preload;

enum preload_status {
	PRELOAD_FOUND = 0,
	PRELOAD_NOTFOUND,
};

struct preload_entry {
	const char        *domain; /* normal form, owned by the list */
	enum sts_mode      mode;   /* STS_MODE_TESTING or STS_MODE_ENFORCE */
	size_t             nmx;    /* >= 1 */
	const char *const *mx; /* list-syntax patterns, owned by the list */
};

/*
 * preload_parse - parse a policy.json of len bytes (any bytes) at time now
 * (epoch seconds). Returns a new list the caller frees with preload_free,
 * or NULL with a one-line reason in why (may be NULL) when the list is
 * malformed, expired or memory runs out.
 */
struct preload *preload_parse(
        const char *json, size_t len, int64_t now, char *why, size_t whylen);

/*
 * preload_load - read the file at path (a regular file of at most
 * PRELOAD_MAX_FILE bytes) and preload_parse it. Same ownership and errors;
 * why names the path for I/O errors.
 */
struct preload *preload_load(
        const char *path, int64_t now, char *why, size_t whylen);

/* preload_free - free p and everything it owns; NULL is allowed. */
void preload_free(struct preload *p);

/*
 * preload_lookup - find domain (any case, optional trailing dot; normalised
 * here) in p. PRELOAD_FOUND fills out with pointers owned by p (valid until
 * preload_free); PRELOAD_NOTFOUND for absent or invalid domains or a NULL
 * p, with out zeroed. out may be NULL.
 */
enum preload_status preload_lookup(const struct preload *p, const char *domain,
        struct preload_entry *out);

/* preload_expires - the list's expiry time in epoch seconds. */
int64_t preload_expires(const struct preload *p);

/* preload_timestamp - the list's timestamp in epoch seconds. */
int64_t preload_timestamp(const struct preload *p);

/* preload_count - number of domains in p (0 for NULL). */
size_t preload_count(const struct preload *p);

/*
 * preload_mx_match - 1 when host matches the list pattern (see above:
 * ".d" is one extra label, otherwise exact; case-insensitive; one trailing
 * dot ignored on either), else 0, also for NULL or empty arguments.
 */
int preload_mx_match(const char *pattern, const char *host);

/* preload_mx_allowed - 1 if any pattern of e matches host, else 0. */
int preload_mx_allowed(const struct preload_entry *e, const char *host);

#endif
