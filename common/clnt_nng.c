/*
 * clnt_nng.c - the clnt transport over nng's REQ socket (see clnt_nng.h).
 */
#include "clnt_nng.h"
#include "nngclient.h"

static enum clnt_status
nng_call(void *ctx, const char *req, size_t len, char **reply, size_t *rlen,
        char *why, size_t whylen)
{
	struct clnt_nng *n = ctx;

	switch (nngclient_call(
	        n->url, req, len, reply, rlen, n->timeout_ms, why, whylen)) {
	case NNGCLIENT_OK:
		return (CLNT_OK);
	case NNGCLIENT_UNREACHABLE:
		return (CLNT_UNREACHABLE);
	case NNGCLIENT_TIMEOUT:
		return (CLNT_TIMEOUT);
	case NNGCLIENT_ERROR:
		break;
	}
	return (CLNT_ERROR);
}

static const struct clnt_transport nng_transport = { nng_call, NULL };

void
clnt_nng_init(struct clnt *c, struct clnt_nng *n)
{
	c->tp  = &nng_transport;
	c->ctx = n;
}
