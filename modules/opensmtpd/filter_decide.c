/*
 * filter_decide.c - RCPT decision from a policy reply (see filter_decide.h;
 * the host actions are those of docs/DECISIONS.md A1-A7).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "filter_decide.h"

static const char *
str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return (json_is_string(v) ? json_string_value(v) : NULL);
}

const char *
filter_decide_ptype(const char *mode)
{
	if (strcmp(mode, "enforce") == 0 || strcmp(mode, "testing") == 0) {
		return ("sts");
	}
	return ("no-policy-found");
}

int
filter_decide(const char *json, size_t len, time_t now, time_t secure_ttl,
        struct filter_decision *d)
{
	json_error_t err;
	json_t      *root, *hosts, *h, *exp;
	const char  *status, *s;
	size_t       i;
	int          dane = 0;

	memset(d, 0, sizeof(*d));
	d->ptype = filter_decide_ptype("");
	root     = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL || !json_is_object(root)) {
		snprintf(d->why, sizeof(d->why),
		        "reply is not a JSON object: %s",
		        root ? "" : err.text);
		json_decref(root);
		return (-1);
	}
	if ((status = str(root, "status")) == NULL) {
		snprintf(d->why, sizeof(d->why), "reply has no status");
		json_decref(root);
		return (-1);
	}
	s = str(root, "why");
	snprintf(d->why, sizeof(d->why), "%s", s ? s : "");
	if (strcmp(status, "error") == 0) {
		d->verdict = FILTER_DECIDE_PROCEED;
		json_decref(root);
		return (0);
	}
	if ((s = str(root, "domain")) != NULL) {
		snprintf(d->domain, sizeof(d->domain), "%s", s);
	}
	if ((s = str(root, "policy")) != NULL) {
		snprintf(d->policy, sizeof(d->policy), "%s", s);
	}
	if ((s = str(root, "mode")) != NULL) {
		snprintf(d->mode, sizeof(d->mode), "%s", s);
	}
	d->ptype = filter_decide_ptype(d->mode);
	if (strcmp(status, "tempfail") == 0) {
		d->verdict = FILTER_DECIDE_TEMPFAIL;
		d->known   = 1;
		json_decref(root);
		return (0);
	}
	if (strcmp(status, "ok") != 0) {
		snprintf(d->why, sizeof(d->why), "unknown status '%.40s'",
		        status);
		json_decref(root);
		return (-1);
	}
	d->known = 1;
	hosts    = json_object_get(root, "hosts");
	json_array_foreach(hosts, i, h)
	{
		const char *host = str(h, "host"), *act = str(h, "action");
		if (host == NULL || act == NULL) {
			continue;
		}
		if (strcmp(act, "dane") == 0 || strcmp(act, "verify") == 0
		        || strcmp(act, "encrypt") == 0) {
			d->secure = 1;
		}
		if (strcmp(act, "dane") == 0) {
			dane = 1;
		}
		if (d->nhosts < FILTER_DECIDE_MAXHOSTS) {
			struct filter_decide_host *o = &d->hosts[d->nhosts++];
			snprintf(o->host, sizeof(o->host), "%s", host);
			snprintf(o->action, sizeof(o->action), "%s", act);
		}
	}
	/* WebPKI stands in for DANE; MTA-STS MX patterns are not checked */
	d->webpki_only
	        = d->secure && (dane || strcmp(d->mode, "enforce") == 0);
	exp = json_object_get(root, "expires");
	if (json_is_integer(exp) && (time_t)json_integer_value(exp) > now
	        && !dane) {
		d->expires = (time_t)json_integer_value(exp);
	} else {
		d->expires = now + secure_ttl;
	}
	d->verdict = FILTER_DECIDE_PROCEED;
	json_decref(root);
	return (0);
}
