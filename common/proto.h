/*
 * proto.h - the mxtls IPC wire protocol: versioned JSON messages carried
 * one per nng REQ/REP message (see docs/IPC.md, the single description of
 * the protocol).
 *
 * A request is a JSON object {"v":1,"op":"<op>", ...}. Unknown members are
 * ignored so that newer clients can talk to older daemons; an unknown "v" or
 * "op" is an error. Replies always carry "v" and "status" ("ok", "tempfail"
 * or "error"); an error reply carries "why".
 */
#ifndef MXTLS_COMMON_PROTO_H
#define MXTLS_COMMON_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "domain.h"

#define PROTO_VERSION 1
#define PROTO_MAX_MSG 65536 /* largest request a daemon accepts */

enum proto_op {
	PROTO_OP_PING = 0,
	PROTO_OP_POLICY,
	PROTO_OP_FLUSH,
	PROTO_OP_STATS,
	PROTO_OP_RESULT,          /* TLSRPT session result (RFC 8460 §4.3) */
	PROTO_OP_REPORT_PREVIEW,  /* today's TLSRPT reports, not sent */
	PROTO_OP_REPORT_SEND_NOW, /* send the reports of closed days now */
	PROTO_OP_DUMP,            /* every cached domain (mxtlsctl dump) */
	PROTO_OP_OVERRIDE_ADD,    /* local overrides (docs/IPC.md) */
	PROTO_OP_OVERRIDE_DEL,
	PROTO_OP_OVERRIDE_LIST,
};

struct proto_request {
	int           version;
	enum proto_op op;
	int           has_domain;
	char          domain[DOMAIN_MAX + 1]; /* normalised */
	int           has_day;
	int64_t       day; /* "day": "YYYY-MM-DD", as the UTC day's start */
};

/*
 * proto_request_parse - parse and validate one request (len bytes, not
 * NUL-terminated). Returns 0 and fills req, or -1 with a one-line reason in
 * why. "policy" and "result" need a valid "domain"; "flush" and
 * "report-preview" take an optional one. "report-preview" and
 * "report-send-now" take an optional "day" ("YYYY-MM-DD", a real date,
 * UTC); other ops refuse one. The other members of "result" are
 * checked by tlsrpt_result_parse (cached/tlsrpt/tlsrpt_result.c).
 */
int proto_request_parse(const void *buf, size_t len, struct proto_request *req,
        char *why, size_t whylen);

/* proto_request_encode - the JSON text of req; malloc'd, caller frees. */
char *proto_request_encode(const struct proto_request *req);

/*
 * struct proto_result - the members of a "result" request (RFC 8460 §4.3;
 * docs/IPC.md "result"): NULL or "" members are left out.
 */
struct proto_result {
	const char *domain, *mx_host, *result; /* required */
	const char *mta;                       /* "exim", "opensmtpd", ... */
	const char *policy_type;               /* RFC 8460 §4.4 */
	const char *sending_ip, *receiving_ip;
	const char *sender;         /* envelope sender (no report loops) */
	const char *failure_reason; /* left out when not UTF-8 */
};

/* proto_result_set - set the member of r named key ("domain", "mx_host",
 * ..., "failure_reason") to value; -1 when key names none. */
int proto_result_set(
        struct proto_result *r, const char *key, const char *value);

/*
 * proto_result_encode - the JSON text of a "result" request (malloc'd,
 * caller frees; NULL when out of memory or a required member is missing
 * or not UTF-8). Optional members that are not UTF-8 are left out: the
 * result is still worth counting.
 */
char *proto_result_encode(const struct proto_result *r);

/* What the daemon said to a "result" request. */
enum proto_recorded {
	PROTO_RECORDED = 0,    /* ok, recorded:true */
	PROTO_NOT_RECORDED,    /* ok, recorded:false (why says why) */
	PROTO_RESULT_TEMPFAIL, /* tempfail: the daemon may count a retry */
	PROTO_UNSUPPORTED,     /* error "unknown op": no TLSRPT support */
	PROTO_REFUSED,         /* error: the result was invalid */
	PROTO_UNREADABLE,      /* not a JSON object with a status */
};

/*
 * proto_recorded_parse - read the reply to a "result" request (len bytes,
 * any content); why gets the daemon's why (or ours for an unreadable
 * reply), cut to whylen.
 */
enum proto_recorded proto_recorded_parse(
        const char *text, size_t len, char *why, size_t whylen);

/* proto_reply_error - {"v":1,"status":"error","why":why}; malloc'd. */
char *proto_reply_error(const char *why);

/* proto_op_name - "ping", "policy", "flush", "stats", "result",
 * "report-preview", "report-send-now", "override_add", "override_del",
 * "override_list". */
const char *proto_op_name(enum proto_op op);

#endif
