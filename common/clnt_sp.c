/*
 * clnt_sp.c - the clnt transport over common/spclient.c (see clnt_sp.h).
 */
#include "clnt_sp.h"

static enum clnt_status
status_of(enum spclient_status st)
{
	switch (st) {
	case SPCLIENT_OK:
		return (CLNT_OK);
	case SPCLIENT_UNREACHABLE:
		return (CLNT_UNREACHABLE);
	case SPCLIENT_TIMEOUT:
		return (CLNT_TIMEOUT);
	case SPCLIENT_ERROR:
		break;
	}
	return (CLNT_ERROR);
}

static enum clnt_status
sp_call(void *ctx, const char *req, size_t len, char **reply, size_t *rlen,
        char *why, size_t whylen)
{
	return (status_of(
	        spclient_call(ctx, req, len, reply, rlen, why, whylen)));
}

static enum clnt_status
sp_send(void *ctx, const char *req, size_t len, char *why, size_t whylen)
{
	return (status_of(spclient_send(ctx, req, len, why, whylen)));
}

static const struct clnt_transport sp_transport = { sp_call, sp_send };

void
clnt_sp_init(struct clnt *c, struct spclient *sp)
{
	c->tp  = &sp_transport;
	c->ctx = sp;
}
