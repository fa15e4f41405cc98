/*
 * reply.c - the replies to ping, flush, stats and the report ops (see
 * reply.h; docs/IPC.md).
 */
#include <stdlib.h>
#include <string.h>

#include "reply.h"
#include "why.h"

/* copy - *dst = a copy of o[key] when it is a string; -1: no memory. */
static int
copy(json_t *o, const char *key, char **dst)
{
	return (decision_strdup(
	        dst, json_string_value(json_object_get(o, key))));
}

static long long
integer(json_t *o, const char *key)
{
	return ((long long)json_integer_value(json_object_get(o, key)));
}

int
reply_parse(const char *text, size_t len, struct reply *r, char *why,
        size_t whylen)
{
	json_t      *o, *body;
	json_error_t err;
	const char  *st;
	int          rv = -1;

	memset(r, 0, sizeof(*r));
	if ((o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err)) == NULL
	        || !json_is_object(o)) {
		why_set(why, whylen, "reply is not a JSON object");
		json_decref(o);
		return (-1);
	}
	st = json_string_value(json_object_get(o, "status"));
	if (st == NULL) {
		why_set(why, whylen, "reply has no status");
		goto out;
	}
	if (strcmp(st, decision_status_name(DECISION_OK)) == 0) {
		r->status = DECISION_OK;
	} else if (strcmp(st, decision_status_name(DECISION_TEMPFAIL)) == 0) {
		r->status = DECISION_TEMPFAIL;
	} else if (strcmp(st, decision_status_name(DECISION_ERROR)) == 0) {
		r->status = DECISION_ERROR;
	} else {
		why_set(why, whylen, "reply has an unknown status '%.40s'",
		        st);
		goto out;
	}
	if (copy(o, "why", &r->why) != 0
	        || copy(o, "version", &r->version) != 0) {
		why_set(why, whylen, "out of memory");
		goto out;
	}
	r->flushed    = integer(o, "flushed");
	r->deliveries = integer(o, "deliveries");
	if ((body = json_object_get(o, "stats")) != NULL
	        || (body = json_object_get(o, "reports")) != NULL) {
		if (json_is_integer(body)) {
			r->reports = (long long)json_integer_value(body);
		} else {
			r->body = json_incref(body);
		}
	}
	rv = 0;
out:
	json_decref(o);
	return (rv);
}

void
reply_clear(struct reply *r)
{
	free(r->why);
	free(r->version);
	json_decref(r->body);
	memset(r, 0, sizeof(*r));
}
