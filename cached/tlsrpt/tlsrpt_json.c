/*
 * tlsrpt_json.c - render an aggregate TLS report (RFC 8460 §4.4). Member
 * order follows the RFC's schema; jansson keeps insertion order.
 *
 * Decisions: date-range is the whole UTC day, start T00:00:00Z and end
 * T23:59:59Z (§4.4 "SHOULD ... cover a full UTC day", as Google and the
 * sys4 reporter do); failure detail members that the session did not
 * provide are omitted rather than sent empty.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tlsrpt/tlsrpt_json.h"

int64_t
tlsrpt_json_day(int64_t t)
{
	int64_t d = t - (t % TLSRPT_DAY);

	return (t < 0 && t % TLSRPT_DAY != 0 ? d - TLSRPT_DAY : d);
}

void
tlsrpt_json_datetime(int64_t t, char *buf, size_t len)
{
	time_t    tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, len, "1970-01-01T00:00:00Z");
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *
tlsrpt_json_report_new(const char *org, const char *contact,
        const char *report_id, int64_t day_start)
{
	char start[32], end[32];

	day_start = tlsrpt_json_day(day_start);
	tlsrpt_json_datetime(day_start, start, sizeof(start));
	tlsrpt_json_datetime(day_start + TLSRPT_DAY - 1, end, sizeof(end));
	return (json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:[]}",
	        "organization-name", org, "date-range", "start-datetime",
	        start, "end-datetime", end, "contact-info", contact,
	        "report-id", report_id, "policies"));
}

/* array_of - parse JSON text that must be an array of strings. */
static json_t *
array_of(const char *text)
{
	json_t *a, *e;
	size_t  i;

	if (text == NULL
	        || (a = json_loads(text, JSON_REJECT_DUPLICATES, NULL))
	                == NULL) {
		return (NULL);
	}
	if (!json_is_array(a)) {
		json_decref(a);
		return (NULL);
	}
	json_array_foreach(a, i, e)
	{
		if (!json_is_string(e)) {
			json_decref(a);
			return (NULL);
		}
	}
	return (a);
}

json_t *
tlsrpt_json_add_policy(json_t *report, const struct tlsrpt_json_policy *p)
{
	json_t *pol, *el, *pstr = NULL, *mx = NULL;

	if ((pol = json_object()) == NULL) {
		return (NULL);
	}
	json_object_set_new(
	        pol, "policy-type", json_string(tlsrpt_ptype_name(p->ptype)));
	if (p->ptype != TLSRPT_PTYPE_NOPOLICY) {
		if ((pstr = array_of(p->pstr)) == NULL
		        || (mx = array_of(p->mx)) == NULL) {
			json_decref(pstr);
			json_decref(pol);
			return (NULL);
		}
		json_object_set_new(pol, "policy-string", pstr);
	}
	json_object_set_new(pol, "policy-domain", json_string(p->pdomain));
	if (mx != NULL) {
		json_object_set_new(pol, "mx-host", mx);
	}
	el = json_pack("{s:o, s:{s:I, s:I}}", "policy", pol, "summary",
	        "total-successful-session-count", (json_int_t)p->success,
	        "total-failure-session-count", (json_int_t)p->failure);
	if (el == NULL
	        || json_array_append_new(
	                   json_object_get(report, "policies"), el)
	                != 0) {
		return (NULL);
	}
	return (el);
}

static void
set_opt(json_t *o, const char *name, const char *v)
{
	if (v != NULL && v[0] != '\0') {
		json_object_set_new(o, name, json_string(v));
	}
}

int
tlsrpt_json_add_detail(json_t *policy, const struct tlsrpt_json_detail *d)
{
	json_t *fds = json_object_get(policy, "failure-details"), *o;

	if (fds == NULL) {
		if ((fds = json_array()) == NULL
		        || json_object_set_new(policy, "failure-details", fds)
		                != 0) {
			return (-1);
		}
	}
	if ((o = json_object()) == NULL) {
		return (-1);
	}
	json_object_set_new(
	        o, "result-type", json_string(tlsrpt_rtype_name(d->rtype)));
	set_opt(o, "sending-mta-ip", d->sending_ip);
	set_opt(o, "receiving-mx-hostname", d->mx_host);
	set_opt(o, "receiving-mx-helo", d->helo);
	set_opt(o, "receiving-ip", d->receiving_ip);
	json_object_set_new(
	        o, "failed-session-count", json_integer((json_int_t)d->count));
	set_opt(o, "additional-information", d->addinfo);
	set_opt(o, "failure-reason-code", d->reason);
	return (json_array_append_new(fds, o));
}
