/*
 * clnt_sp.h - the clnt transport over the fork-safe SP client
 * (common/spclient.c): what the Exim module uses (never nng).
 */
#ifndef MXTLS_COMMON_CLNT_SP_H
#define MXTLS_COMMON_CLNT_SP_H

#include "clnt.h"
#include "spclient.h"

/* clnt_sp_init - c calls over sp (not owned: the caller frees sp). */
void clnt_sp_init(struct clnt *c, struct spclient *sp);

#endif
