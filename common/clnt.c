/*
 * clnt.c - typed calls to mxtlsd over a transport (see clnt.h): the
 * request from common/proto.c, the reply read by common/decision.c or
 * proto_recorded_parse.
 */
#include <stdlib.h>
#include <string.h>

#include "clnt.h"
#include "why.h"

const char *
clnt_status_name(enum clnt_status st)
{
	switch (st) {
	case CLNT_OK:
		return ("ok");
	case CLNT_UNREACHABLE:
		return ("unreachable");
	case CLNT_TIMEOUT:
		return ("timeout");
	case CLNT_ERROR:
		return ("error");
	case CLNT_BADREPLY:
		return ("bad reply");
	}
	return ("error");
}

enum clnt_status
clnt_raw(struct clnt *c, const char *req, char **reply, size_t *rlen,
        char *why, size_t whylen)
{
	size_t n = 0;

	*reply = NULL;
	if (rlen == NULL) {
		rlen = &n;
	}
	*rlen = 0;
	if (req == NULL) {
		why_set(why, whylen, "out of memory");
		return (CLNT_ERROR);
	}
	return (c->tp->call(
	        c->ctx, req, strlen(req), reply, rlen, why, whylen));
}

/* policy_text - the "policy" request for domain; NULL with why. */
static char *
policy_text(const char *domain, char *why, size_t whylen)
{
	struct proto_request req;
	char                *text;

	memset(&req, 0, sizeof(req));
	req.op = PROTO_OP_POLICY;
	if (strlen(domain) >= sizeof(req.domain)) {
		why_set(why, whylen, "domain name too long");
		return (NULL);
	}
	memcpy(req.domain, domain, strlen(domain) + 1);
	req.has_domain = 1;
	if ((text = proto_request_encode(&req)) == NULL) {
		why_set(why, whylen, "out of memory");
	}
	return (text);
}

enum clnt_status
clnt_policy(struct clnt *c, const char *domain, struct decision *d, char *why,
        size_t whylen)
{
	enum clnt_status st;
	char            *text, *reply = NULL;
	size_t           rlen = 0;

	decision_init(d);
	if ((text = policy_text(domain, why, whylen)) == NULL) {
		return (CLNT_ERROR);
	}
	st = c->tp->call(
	        c->ctx, text, strlen(text), &reply, &rlen, why, whylen);
	free(text);
	if (st != CLNT_OK) {
		return (st);
	}
	if (decision_decode(reply, rlen, d, why, whylen) != 0) {
		st = CLNT_BADREPLY;
	}
	free(reply);
	return (st);
}

enum clnt_status
clnt_prefetch(struct clnt *c, const char *domain, char *why, size_t whylen)
{
	enum clnt_status st;
	char            *text, *reply = NULL;

	if ((text = policy_text(domain, why, whylen)) == NULL) {
		return (CLNT_ERROR);
	}
	if (c->tp->send != NULL) {
		st = c->tp->send(c->ctx, text, strlen(text), why, whylen);
	} else {
		st = c->tp->call(
		        c->ctx, text, strlen(text), &reply, NULL, why, whylen);
		free(reply);
	}
	free(text);
	return (st);
}

enum clnt_status
clnt_result(struct clnt *c, const struct proto_result *r,
        enum proto_recorded *rec, char *why, size_t whylen)
{
	enum clnt_status st;
	char            *text, *reply = NULL;
	size_t           rlen = 0;

	*rec = PROTO_UNREADABLE;
	if ((text = proto_result_encode(r)) == NULL) {
		why_set(why, whylen,
		        "result not encodable (out of memory, or domain, "
		        "mx_host or result missing or not UTF-8)");
		return (CLNT_ERROR);
	}
	st = c->tp->call(
	        c->ctx, text, strlen(text), &reply, &rlen, why, whylen);
	free(text);
	if (st != CLNT_OK) {
		return (st);
	}
	*rec = proto_recorded_parse(reply, rlen, why, whylen);
	free(reply);
	return (*rec == PROTO_UNREADABLE ? CLNT_BADREPLY : CLNT_OK);
}

enum clnt_status
clnt_request(struct clnt *c, const struct proto_request *req, char **reply,
        size_t *rlen, char *why, size_t whylen)
{
	enum clnt_status st;
	char            *text = proto_request_encode(req);

	st = clnt_raw(c, text, reply, rlen, why, whylen);
	free(text);
	return (st);
}
