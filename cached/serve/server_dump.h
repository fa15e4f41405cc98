/*
 * server_dump.h - the reply to the IPC "dump" op (docs/IPC.md "dump"):
 * every domain the resolvers hold, with its MTA-STS and DANE state.
 */
#ifndef MXTLS_CACHED_SERVER_DUMP_H
#define MXTLS_CACHED_SERVER_DUMP_H

#include <stddef.h>

#include "serve/query.h"

/* at most this many domains in one reply; "truncated" says when more */
#define SERVER_DUMP_MAX 20000

/* server_dump - the reply text (malloc'd; the caller frees), listing at
 * most max domains, most recently used first. */
char *server_dump(const struct query_services *svc, size_t max);

#endif
