/*
 * exim_reply.c - the Exim module's reading of mxtlsd's "policy" and
 * "result" replies (docs/IPC.md) into the module's decisions: the routing
 * word of a domain (the strictest action among its usable MX hosts,
 * RFC 8461 §5 / RFC 7672 §2; "testing" for an MTA-STS policy in mode
 * testing, RFC 8461 §5 and RFC 8460 §4.3: deliver, verify, report), the
 * action per MX host, and whether a TLSRPT result was recorded. Pure: no
 * I/O, no globals, results in the caller's structures. Whatever the bytes,
 * the answer is one of the enums with a why; anything unexpected fails
 * closed (EXIM_REPLY_ERROR, or a host that is not used).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "exim_reply.h"

static const struct {
	const char            *name;
	enum exim_reply_action action;
} actions[] = {
	{ "skip", EXIM_REPLY_ACT_SKIP },
	{ "defer", EXIM_REPLY_ACT_DEFER },
	{ "may", EXIM_REPLY_ACT_MAY },
	{ "encrypt", EXIM_REPLY_ACT_ENCRYPT },
	{ "verify", EXIM_REPLY_ACT_VERIFY },
	{ "dane", EXIM_REPLY_ACT_DANE },
};

static enum exim_reply_action
action_of(const char *s)
{
	size_t i;

	if (s == NULL) {
		return (EXIM_REPLY_ACT_UNKNOWN);
	}
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(s, actions[i].name) == 0) {
			return (actions[i].action);
		}
	}
	return (EXIM_REPLY_ACT_UNKNOWN);
}

const char *
exim_reply_action_name(enum exim_reply_action a)
{
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (actions[i].action == a) {
			return (actions[i].name);
		}
	}
	return ("unknown");
}

int
exim_reply_word_rank(const char *word)
{
	if (strcmp(word, "dane") == 0) {
		return (4);
	}
	if (strcmp(word, "verify") == 0) {
		return (3);
	}
	if (strcmp(word, "encrypt") == 0) {
		return (2);
	}
	return (1);
}

const char *
exim_reply_route_ptype(const char *route)
{
	if (strcmp(route, "dane") == 0) {
		return ("tlsa");
	}
	if (strcmp(route, "verify") == 0 || strcmp(route, "testing") == 0) {
		return ("sts");
	}
	if (strcmp(route, "encrypt") == 0 || strcmp(route, "may") == 0
	        || strcmp(route, "tls-required-no") == 0) {
		return ("no-policy-found");
	}
	return (NULL);
}

/* copy - a string member into buf (cut); "" when missing or not a string. */
static void
copy(json_t *o, const char *key, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(buf, len, "%s", s != NULL ? s : "");
}

static void
fail(struct exim_reply_policy *out, enum exim_reply_status st, const char *why)
{
	out->status = st;
	out->word   = "may";
	out->nhosts = 0;
	snprintf(out->why, sizeof(out->why), "%s", why);
}

/* host_entry - one element of "hosts" into out->hosts; 0 when kept. */
static int
host_entry(json_t *h, struct exim_reply_policy *out)
{
	struct exim_reply_host *e;
	const char             *name;
	char                    why[EXIM_REPLY_WHY];

	name = json_string_value(json_object_get(h, "host"));
	if (name == NULL || out->nhosts == EXIM_REPLY_MAX_HOSTS) {
		return (-1);
	}
	e = &out->hosts[out->nhosts];
	/* the daemon sends normal forms; anything else can never match
	 * the host Exim connects to, so it is not kept */
	if (domain_normalize(name, strlen(name), e->host, sizeof(e->host), why,
	            sizeof(why))
	        != 0) {
		return (-1);
	}
	e->action = action_of(json_string_value(json_object_get(h, "action")));
	copy(h, "why", e->why, sizeof(e->why));
	out->nhosts++;
	return (0);
}

void
exim_reply_policy_parse(
        const char *text, size_t len, struct exim_reply_policy *out)
{
	static const char *const word_of[] = { [EXIM_REPLY_ACT_MAY] = "may",
		[EXIM_REPLY_ACT_ENCRYPT] = "encrypt",
		[EXIM_REPLY_ACT_VERIFY]  = "verify",
		[EXIM_REPLY_ACT_DANE]    = "dane" };
	json_t                  *r, *hosts, *h;
	json_error_t             jerr;
	const char              *status, *policy, *mode;
	enum exim_reply_action   best = EXIM_REPLY_ACT_MAY;
	size_t                   i;

	memset(out, 0, sizeof(*out));
	out->word = "may";
	r         = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (r == NULL || !json_is_object(r)) {
		fail(out, EXIM_REPLY_ERROR,
		        "daemon reply is not a JSON object");
		json_decref(r);
		return;
	}
	status = json_string_value(json_object_get(r, "status"));
	if (status == NULL || strcmp(status, "ok") != 0) {
		char why[EXIM_REPLY_WHY];

		copy(r, "why", why, sizeof(why));
		if (status != NULL && strcmp(status, "tempfail") == 0) {
			fail(out, EXIM_REPLY_TEMPFAIL, why);
		} else if (status != NULL && strcmp(status, "error") == 0) {
			fail(out, EXIM_REPLY_ERROR, why);
		} else {
			fail(out, EXIM_REPLY_ERROR,
			        "daemon reply without a known status");
		}
		json_decref(r);
		return;
	}
	hosts = json_object_get(r, "hosts");
	if (!json_is_array(hosts)) {
		fail(out, EXIM_REPLY_ERROR,
		        "daemon reply without a hosts array");
		json_decref(r);
		return;
	}
	json_array_foreach(hosts, i, h)
	{
		if (host_entry(h, out) != 0) {
			out->dropped++;
		}
	}
	for (i = 0; i < out->nhosts; i++) {
		if (out->hosts[i].action >= EXIM_REPLY_ACT_MAY
		        && out->hosts[i].action > best) {
			best = out->hosts[i].action;
		}
	}
	policy       = json_string_value(json_object_get(r, "policy"));
	mode         = json_string_value(json_object_get(r, "mode"));
	out->testing = policy != NULL && strcmp(policy, "sts") == 0
	        && mode != NULL && strcmp(mode, "testing") == 0;
	out->word = word_of[best];
	if (best == EXIM_REPLY_ACT_MAY && out->testing) {
		out->word = "testing";
	}
	out->status = EXIM_REPLY_OK;
	copy(r, "why", out->why, sizeof(out->why));
	json_decref(r);
}

const struct exim_reply_host *
exim_reply_host(const struct exim_reply_policy *p, const char *host)
{
	size_t i;

	for (i = 0; i < p->nhosts; i++) {
		if (strcmp(p->hosts[i].host, host) == 0) {
			return (&p->hosts[i]);
		}
	}
	return (NULL);
}

enum exim_reply_result
exim_reply_result_parse(const char *text, size_t len, char *why, size_t whylen)
{
	json_t                *r;
	json_error_t           jerr;
	const char            *status;
	enum exim_reply_result res;

	r      = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	status = json_string_value(json_object_get(r, "status"));
	if (r == NULL || !json_is_object(r) || status == NULL) {
		snprintf(why, whylen,
		        "daemon reply is not a JSON object "
		        "with a status");
		json_decref(r);
		return (EXIM_REPLY_UNREADABLE);
	}
	copy(r, "why", why, whylen);
	if (strcmp(status, "ok") == 0) {
		res = json_is_true(json_object_get(r, "recorded"))
		        ? EXIM_REPLY_RECORDED
		        : EXIM_REPLY_NOT_RECORDED;
	} else if (strcmp(status, "tempfail") == 0) {
		res = EXIM_REPLY_RESULT_TEMPFAIL;
	} else if (strcmp(status, "error") == 0
	        && strstr(why, "unknown op") != NULL) {
		res = EXIM_REPLY_UNSUPPORTED;
	} else {
		res = EXIM_REPLY_REFUSED;
	}
	json_decref(r);
	return (res);
}
