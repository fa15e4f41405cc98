/*
 * proto.c - parse and build mxtls IPC messages (docs/IPC.md). Requests come
 * from local clients over a socket whose mode the admin chooses, so they are
 * parsed as untrusted input: size-capped, strictly typed, fuzzed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "proto.h"
#include "why.h"

static const char *const proto_ops[] = {
	[PROTO_OP_PING]            = "ping",
	[PROTO_OP_POLICY]          = "policy",
	[PROTO_OP_FLUSH]           = "flush",
	[PROTO_OP_STATS]           = "stats",
	[PROTO_OP_RESULT]          = "result",
	[PROTO_OP_REPORT_PREVIEW]  = "report-preview",
	[PROTO_OP_REPORT_SEND_NOW] = "report-send-now",
	[PROTO_OP_DUMP]            = "dump",
	[PROTO_OP_OVERRIDE_ADD]    = "override_add",
	[PROTO_OP_OVERRIDE_DEL]    = "override_del",
	[PROTO_OP_OVERRIDE_LIST]   = "override_list",
};

#define PROTO_NOPS (sizeof(proto_ops) / sizeof(proto_ops[0]))

const char *
proto_op_name(enum proto_op op)
{
	if ((unsigned)op >= PROTO_NOPS) {
		return ("?");
	}
	return (proto_ops[op]);
}

/* proto_day_parse - "YYYY-MM-DD" (exactly, a real date from 1970 on) to
 * the start of that UTC day; -1 when malformed. */
static int
proto_day_parse(const char *s, size_t len, int64_t *day)
{
	struct tm tm, back;
	time_t    t;
	size_t    i;

	if (len != 10 || s[4] != '-' || s[7] != '-') {
		return (-1);
	}
	for (i = 0; i < len; i++) {
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) {
			return (-1);
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100
	        + (s[2] - '0') * 10 + (s[3] - '0') - 1900;
	tm.tm_mon  = (s[5] - '0') * 10 + (s[6] - '0') - 1;
	tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
	if (tm.tm_year < 70 || tm.tm_mon < 0 || tm.tm_mon > 11
	        || tm.tm_mday < 1) {
		return (-1);
	}
	back = tm;
	if ((t = timegm(&tm)) == (time_t)-1 || gmtime_r(&t, &tm) == NULL
	        || tm.tm_mday != back.tm_mday || tm.tm_mon != back.tm_mon
	        || tm.tm_year != back.tm_year) {
		return (-1); /* 2026-02-30 and the like */
	}
	*day = (int64_t)t;
	return (0);
}

int
proto_request_parse(const void *buf, size_t len, struct proto_request *req,
        char *why, size_t whylen)
{
	json_t      *root, *v, *op, *dom;
	json_error_t err;
	const char  *name;
	char         dwhy[128];
	size_t       i;
	int          rv = -1;

	memset(req, 0, sizeof(*req));
	if (len > PROTO_MAX_MSG) {
		return (why_fail(why, whylen,
		        "request too large (%d bytes max)", PROTO_MAX_MSG));
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL) {
		return (why_fail(why, whylen, "malformed JSON: %s", err.text));
	}
	if (!json_is_object(root)) {
		why_fail(why, whylen, "%s", "request is not a JSON object");
		goto out;
	}
	v = json_object_get(root, "v");
	if (!json_is_integer(v)) {
		why_fail(why, whylen, "%s", "missing or non-integer \"v\"");
		goto out;
	}
	if (json_integer_value(v) != PROTO_VERSION) {
		why_fail(why, whylen,
		        "unsupported protocol version %lld (this daemon "
		        "speaks "
		        "%d)",
		        (long long)json_integer_value(v), PROTO_VERSION);
		goto out;
	}
	req->version = PROTO_VERSION;
	op           = json_object_get(root, "op");
	if (!json_is_string(op)) {
		why_fail(why, whylen, "%s", "missing or non-string \"op\"");
		goto out;
	}
	name = json_string_value(op);
	for (i = 0; i < PROTO_NOPS; i++) {
		if (strcmp(name, proto_ops[i]) == 0) {
			break;
		}
	}
	if (i == PROTO_NOPS || strlen(name) != json_string_length(op)) {
		why_fail(why, whylen, "unknown op \"%.64s\"", name);
		goto out;
	}
	req->op = (enum proto_op)i;
	dom     = json_object_get(root, "domain");
	if (dom != NULL && !json_is_null(dom)) {
		if (!json_is_string(dom)) {
			why_fail(why, whylen, "%s",
			        "\"domain\" is not a string");
			goto out;
		}
		if (domain_normalize(json_string_value(dom),
		            json_string_length(dom), req->domain,
		            sizeof(req->domain), dwhy, sizeof(dwhy))
		        != 0) {
			why_fail(why, whylen, "invalid domain: %s", dwhy);
			goto out;
		}
		req->has_domain = 1;
	}
	dom = json_object_get(root, "day");
	if (dom != NULL && !json_is_null(dom)) {
		if (req->op != PROTO_OP_REPORT_PREVIEW
		        && req->op != PROTO_OP_REPORT_SEND_NOW) {
			why_fail(why, whylen, "op \"%s\" takes no \"day\"",
			        proto_ops[req->op]);
			goto out;
		}
		if (!json_is_string(dom)
		        || proto_day_parse(json_string_value(dom),
		                   json_string_length(dom), &req->day)
		                != 0) {
			why_fail(why, whylen, "%s",
			        "\"day\" is not a date YYYY-MM-DD");
			goto out;
		}
		req->has_day = 1;
	}
	if ((req->op == PROTO_OP_POLICY || req->op == PROTO_OP_RESULT)
	        && !req->has_domain) {
		why_fail(why, whylen, "op \"%s\" needs a \"domain\"",
		        proto_ops[req->op]);
		goto out;
	}
	rv = 0;
out:
	json_decref(root);
	return (rv);
}

char *
proto_request_encode(const struct proto_request *req)
{
	json_t *root;
	char   *s;

	root = json_pack("{s:i, s:s}", "v", PROTO_VERSION, "op",
	        proto_op_name(req->op));
	if (root == NULL) {
		return (NULL);
	}
	if (req->has_domain) {
		json_object_set_new(root, "domain", json_string(req->domain));
	}
	if (req->has_day) {
		struct tm tm;
		time_t    t = (time_t)req->day;
		char      d[16];

		if (gmtime_r(&t, &tm) == NULL
		        || strftime(d, sizeof(d), "%Y-%m-%d", &tm) == 0) {
			json_decref(root);
			return (NULL);
		}
		json_object_set_new(root, "day", json_string(d));
	}
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return (s);
}

char *
proto_reply_error(const char *why)
{
	json_t *root;
	char   *s;

	/* the reason may quote a peer's bytes: never NULL for want of
	 * UTF-8 (a NULL reply means out of memory to every front door) */
	root = json_pack("{s:i, s:s, s:o}", "v", PROTO_VERSION, "status",
	        "error", "why", why_json(why));
	if (root == NULL) {
		return (NULL);
	}
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return (s);
}

static const struct {
	const char *key;
	size_t      off;
} result_keys[] = {
	{ "domain", offsetof(struct proto_result, domain) },
	{ "mta", offsetof(struct proto_result, mta) },
	{ "mx_host", offsetof(struct proto_result, mx_host) },
	{ "result", offsetof(struct proto_result, result) },
	{ "policy_type", offsetof(struct proto_result, policy_type) },
	{ "receiving_ip", offsetof(struct proto_result, receiving_ip) },
	{ "sending_ip", offsetof(struct proto_result, sending_ip) },
	{ "sender", offsetof(struct proto_result, sender) },
	{ "failure_reason", offsetof(struct proto_result, failure_reason) },
};

#define RESULT_NKEYS (sizeof(result_keys) / sizeof(result_keys[0]))

int
proto_result_set(struct proto_result *r, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < RESULT_NKEYS; i++) {
		if (strcmp(key, result_keys[i].key) == 0) {
			*(const char **)((char *)r + result_keys[i].off)
			        = value;
			return (0);
		}
	}
	return (-1);
}

char *
proto_result_encode(const struct proto_result *r)
{
	json_t     *root, *v;
	const char *s;
	char       *text = NULL;
	size_t      i;
	int         required;

	root = json_pack("{s:i, s:s}", "v", PROTO_VERSION, "op",
	        proto_op_name(PROTO_OP_RESULT));
	if (root == NULL) {
		return (NULL);
	}
	for (i = 0; i < RESULT_NKEYS; i++) {
		s        = *(const char *const *)((const char *)r
                        + result_keys[i].off);
		required = result_keys[i].off
		                == offsetof(struct proto_result, domain)
		        || result_keys[i].off
		                == offsetof(struct proto_result, mx_host)
		        || result_keys[i].off
		                == offsetof(struct proto_result, result);
		if (s == NULL || s[0] == '\0') {
			if (required) {
				goto out;
			}
			continue;
		}
		/* json_string: NULL when not UTF-8 */
		if ((v = json_string(s)) == NULL) {
			if (required) {
				goto out;
			}
			continue;
		}
		if (json_object_set_new(root, result_keys[i].key, v) != 0) {
			goto out;
		}
	}
	text = json_dumps(root, JSON_COMPACT);
out:
	json_decref(root);
	return (text);
}

enum proto_recorded
proto_recorded_parse(const char *text, size_t len, char *why, size_t whylen)
{
	json_t             *r;
	json_error_t        jerr;
	const char         *status, *w;
	enum proto_recorded res;

	r      = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	status = json_string_value(json_object_get(r, "status"));
	if (r == NULL || !json_is_object(r) || status == NULL) {
		why_set(why, whylen,
		        "daemon reply is not a JSON object with a status");
		json_decref(r);
		return (PROTO_UNREADABLE);
	}
	w = json_string_value(json_object_get(r, "why"));
	why_set(why, whylen, "%s", w != NULL ? w : "");
	if (strcmp(status, "ok") == 0) {
		res = json_is_true(json_object_get(r, "recorded"))
		        ? PROTO_RECORDED
		        : PROTO_NOT_RECORDED;
	} else if (strcmp(status, "tempfail") == 0) {
		res = PROTO_RESULT_TEMPFAIL;
	} else if (strcmp(status, "error") == 0 && w != NULL
	        && strstr(w, "unknown op") != NULL) {
		res = PROTO_UNSUPPORTED;
	} else {
		res = PROTO_REFUSED;
	}
	json_decref(r);
	return (res);
}
