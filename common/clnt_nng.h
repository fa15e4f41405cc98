/*
 * clnt_nng.h - the clnt transport over nng's REQ socket
 * (common/nngclient.c; library mxtls_nngclient): for mxtlsctl and the
 * OpenSMTPD filter, which do not fork after using it.
 */
#ifndef MXTLS_COMMON_CLNT_NNG_H
#define MXTLS_COMMON_CLNT_NNG_H

#include "clnt.h"

struct clnt_nng {
	const char *url;
	int         timeout_ms;
};

/* clnt_nng_init - c calls url over nng, one connection per call; n must
 * outlive c. */
void clnt_nng_init(struct clnt *c, struct clnt_nng *n);

#endif
