/*
 * nngclient.c - one-shot nng REQ/REP call (see nngclient.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "nngclient.h"

enum nngclient_status
nngclient_call(const char *url, const void *req, size_t len, char **reply,
        size_t *replylen, int timeout_ms, char *why, size_t whylen)
{
	nng_socket            s;
	char                 *buf = NULL;
	size_t                n   = 0;
	int                   rv;
	enum nngclient_status st = NNGCLIENT_ERROR;

	*reply = NULL;
	if ((rv = nng_req0_open(&s)) != 0) {
		snprintf(why, whylen, "nng_req0_open: %s", nng_strerror(rv));
		return (NNGCLIENT_ERROR);
	}
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, timeout_ms);
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, timeout_ms);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 16 * 1024 * 1024);
	if ((rv = nng_dial(s, url, NULL, 0)) != 0) {
		snprintf(why, whylen, "cannot connect to %s: %s", url,
		        nng_strerror(rv));
		st = NNGCLIENT_UNREACHABLE;
		goto out;
	}
	if ((rv = nng_send(s, (void *)req, len, 0)) != 0
	        || (rv = nng_recv(s, &buf, &n, NNG_FLAG_ALLOC)) != 0) {
		snprintf(why, whylen, "%s: %s", url, nng_strerror(rv));
		st = rv == NNG_ETIMEDOUT ? NNGCLIENT_TIMEOUT : NNGCLIENT_ERROR;
		goto out;
	}
	if ((*reply = malloc(n + 1)) == NULL) {
		snprintf(why, whylen, "out of memory");
		nng_free(buf, n);
		goto out;
	}
	memcpy(*reply, buf, n);
	(*reply)[n] = '\0';
	if (replylen != NULL) {
		*replylen = n;
	}
	nng_free(buf, n);
	st = NNGCLIENT_OK;
out:
	nng_close(s);
	return (st);
}
