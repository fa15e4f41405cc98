/*
 * override_rule.h - one local override (docs/DECISIONS.md "Local
 * overrides"): a target (a policy domain, or "mx:HOST" for an MX host,
 * "mx:*.example.net" for every host one label below example.net), an
 * action (none, testing, no-dane, no-sts, defer), an expiry and a reason.
 * Pure: parsing and checking the parts, and matching a host against an
 * mx: target (exact, or the RFC 8461 §4.1 one-label wildcard). The table
 * that applies them is cached/serve/override.c.
 */
#ifndef MXTLS_CACHED_OVERRIDE_RULE_H
#define MXTLS_CACHED_OVERRIDE_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"

#define OVERRIDE_TARGET_MAX (DOMAIN_MAX + 5) /* "mx:" "*." + a domain */
#define OVERRIDE_REASON_MAX 300              /* bytes, UTF-8 */

enum override_action {
	OVERRIDE_NONE = 0, /* no policy: opportunistic TLS */
	OVERRIDE_TESTING,  /* MTA-STS enforce treated as testing */
	OVERRIDE_NO_DANE,  /* ignore DANE TLSA */
	OVERRIDE_NO_STS,   /* ignore MTA-STS */
	OVERRIDE_DEFER,    /* hold the mail (tempfail) */
	OVERRIDE_NACTIONS,
};

enum override_source {
	OVERRIDE_SRC_CONFIG = 0, /* the "override" list of mxtlsd.conf */
	OVERRIDE_SRC_CLI,        /* override_add (mxtlsctl), in the store */
};

struct override_rule {
	char                 target[OVERRIDE_TARGET_MAX + 1]; /* normal form */
	int                  is_mx; /* target is "mx:..." */
	enum override_action action;
	int64_t              until;   /* expires at this second (Unix) */
	int64_t              created; /* Unix seconds; 0: not known */
	char                 reason[OVERRIDE_REASON_MAX + 1];
	enum override_source source;
};

/* override_action_name - "none", "testing", "no-dane", "no-sts",
 * "defer". */
const char *override_action_name(enum override_action a);

/* override_action_of - the action named s; -1 when s is none of them. */
int override_action_of(const char *s);

/* override_source_name - "config" or "cli". */
const char *override_source_name(enum override_source s);

/*
 * override_target_parse - in ("example.com", "mx:mx1.example.net",
 * "mx:*.example.net"; any case, an optional trailing dot) into out (its
 * normal form: lower case, no trailing dot, "mx:" kept) and *is_mx. -1
 * with why for anything else: an IP address, a bracketed literal, a
 * wildcard on a domain target, a name that is not LDH.
 */
int override_target_parse(const char *in, char *out, size_t outlen, int *is_mx,
        char *why, size_t whylen);

/*
 * override_until_parse - "YYYY-MM-DD" (the end of that UTC day: the next
 * day's 00:00:00Z) or "YYYY-MM-DDTHH:MM:SSZ" into *until (Unix seconds).
 * -1 with why when unparseable or not after now.
 */
int override_until_parse(
        const char *s, int64_t now, int64_t *until, char *why, size_t whylen);

/*
 * override_rule_check - the checks every rule passes before it is used,
 * from any source: a normal target, an action, an until after now, a
 * reason that is not empty, at most OVERRIDE_REASON_MAX bytes and without
 * control characters. 0, or -1 with why.
 */
int override_rule_check(
        const struct override_rule *r, int64_t now, char *why, size_t whylen);

/*
 * override_host_matches - whether host (normal form) is what the mx:
 * target's host part pattern (normal form, without "mx:") names: the same
 * name, or for "*.rest" a name of exactly one more label ending in
 * ".rest" (RFC 8461 §4.1's wildcard rule).
 */
int override_host_matches(const char *pattern, const char *host);

#endif
