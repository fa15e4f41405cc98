/*
 * override_rule.c - the parts of a local override: action names, targets
 * (a policy domain, or an MX host with "mx:", exact or "*." one-label
 * wildcard as in RFC 8461 §4.1), expiry dates, and the checks every rule
 * passes (docs/DECISIONS.md "Local overrides"). Pure.
 */
#include <stdio.h>
#include <string.h>

#include "util/override_rule.h"
#include "util/rfc3339.h"
#include "why.h"

static const char *const action_names[OVERRIDE_NACTIONS] = {
	[OVERRIDE_NONE]    = "none",
	[OVERRIDE_TESTING] = "testing",
	[OVERRIDE_NO_DANE] = "no-dane",
	[OVERRIDE_NO_STS]  = "no-sts",
	[OVERRIDE_DEFER]   = "defer",
};

const char *
override_action_name(enum override_action a)
{
	if ((int)a < 0 || a >= OVERRIDE_NACTIONS) {
		return ("unknown");
	}
	return (action_names[a]);
}

int
override_action_of(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < OVERRIDE_NACTIONS; i++) {
		if (strcmp(s, action_names[i]) == 0) {
			return (i);
		}
	}
	return (-1);
}

const char *
override_source_name(enum override_source s)
{
	return (s == OVERRIDE_SRC_CLI ? "cli" : "config");
}

/* all_digits - whether the last label of name is all digits (an IPv4
 * address, or no host name: no top-level domain is numeric). */
static int
last_label_numeric(const char *name)
{
	const char *p = strrchr(name, '.');

	p = p != NULL ? p + 1 : name;
	if (*p == '\0') {
		return (0);
	}
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9') {
			return (0);
		}
	}
	return (1);
}

int
override_target_parse(const char *in, char *out, size_t outlen, int *is_mx,
        char *why, size_t whylen)
{
	char        name[DOMAIN_MAX + 1], dwhy[128];
	const char *host = in;
	int         wild = 0;

	*is_mx = 0;
	if (in == NULL || in[0] == '\0') {
		return (why_fail(why, whylen, "empty target"));
	}
	if (strncmp(in, "mx:", 3) == 0) {
		*is_mx = 1;
		host   = in + 3;
		if (strncmp(host, "*.", 2) == 0) {
			wild = 1;
			host += 2;
		}
	}
	if (strchr(host, ':') != NULL || host[0] == '[') {
		return (why_fail(why, whylen,
		        "\"%s\": an IP address is not a target (a policy "
		        "domain, or mx:HOST with the MX host's name)",
		        in));
	}
	if (strchr(host, '*') != NULL) {
		return (why_fail(why, whylen,
		        "\"%s\": a wildcard is only allowed as the first "
		        "label of an mx: target (mx:*.example.net)",
		        in));
	}
	if (domain_normalize(
	            host, strlen(host), name, sizeof(name), dwhy, sizeof(dwhy))
	        != 0) {
		return (why_fail(why, whylen, "\"%s\": not a %s: %s", in,
		        *is_mx ? "host name" : "domain", dwhy));
	}
	if (last_label_numeric(name)) {
		return (why_fail(why, whylen,
		        "\"%s\": an IP address is not a target (a policy "
		        "domain, or mx:HOST with the MX host's name)",
		        in));
	}
	if (wild && strchr(name, '.') == NULL) {
		return (why_fail(why, whylen,
		        "\"%s\": a wildcard needs at least two labels after "
		        "it",
		        in));
	}
	if (strlen(name) + 5 >= outlen) {
		return (why_fail(why, whylen, "\"%s\": too long", in));
	}
	snprintf(out, outlen, "%s%s%s", *is_mx ? "mx:" : "", wild ? "*." : "",
	        name);
	return (0);
}

int
override_until_parse(
        const char *s, int64_t now, int64_t *until, char *why, size_t whylen)
{
	char    buf[32], pwhy[128];
	int64_t t;

	if (s == NULL || s[0] == '\0') {
		return (why_fail(why, whylen, "empty expiry date"));
	}
	if (strlen(s) == 10) {
		/* a day: the override holds through its end (UTC) */
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
		if (rfc3339_parse(buf, strlen(buf), &t, pwhy, sizeof(pwhy))
		        != 0) {
			return (why_fail(why, whylen,
			        "\"%s\": not a date YYYY-MM-DD (%s)", s,
			        pwhy));
		}
		t += 86400;
	} else if (rfc3339_parse(s, strlen(s), &t, pwhy, sizeof(pwhy)) != 0) {
		return (why_fail(why, whylen,
		        "\"%s\": not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (%s)",
		        s, pwhy));
	}
	if (t <= now) {
		return (why_fail(why, whylen,
		        "\"%s\" is in the past: an override must expire "
		        "in the future",
		        s));
	}
	*until = t;
	return (0);
}

int
override_rule_check(
        const struct override_rule *r, int64_t now, char *why, size_t whylen)
{
	char   norm[OVERRIDE_TARGET_MAX + 1];
	int    is_mx;
	size_t i, len;

	if (override_target_parse(
	            r->target, norm, sizeof(norm), &is_mx, why, whylen)
	        != 0) {
		return (-1);
	}
	if (strcmp(norm, r->target) != 0 || is_mx != r->is_mx) {
		return (why_fail(why, whylen,
		        "\"%s\": target not in normal form (%s)", r->target,
		        norm));
	}
	if ((int)r->action < 0 || r->action >= OVERRIDE_NACTIONS) {
		return (why_fail(why, whylen, "unknown action"));
	}
	if (r->until <= now) {
		return (why_fail(why, whylen,
		        "the expiry (%lld) is not in the future",
		        (long long)r->until));
	}
	len = strlen(r->reason);
	if (len == 0) {
		return (why_fail(why, whylen,
		        "an override needs a reason (who, why, a ticket)"));
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)r->reason[i] < 0x20
		        || r->reason[i] == 0x7f) {
			return (why_fail(why, whylen,
			        "the reason has a control character"));
		}
	}
	return (0);
}

int
override_host_matches(const char *pattern, const char *host)
{
	const char *dot;

	if (strncmp(pattern, "*.", 2) != 0) {
		return (strcmp(pattern, host) == 0);
	}
	dot = strchr(host, '.');
	return (dot != NULL && dot != host
	        && strcmp(dot + 1, pattern + 2) == 0);
}
