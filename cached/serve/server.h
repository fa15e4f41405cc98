/*
 * server.h - answers IPC requests (docs/IPC.md): parses a request with
 * common/proto, asks the resolver, and renders the JSON reply. Transport
 * agnostic: direct.c (the IPC sockets) feeds it; other front doors can too.
 */
#ifndef MXTLS_CACHED_SERVER_H
#define MXTLS_CACHED_SERVER_H

#include <stddef.h>
#include <time.h>

#include "serve/query.h"

struct server;
struct stats;

/* server_reply_fn - receives the reply (malloc'd NUL-terminated JSON; the
 * callee owns it), on the loop thread, possibly before server_handle
 * returns. */
typedef void (*server_reply_fn)(void *arg, char *reply);

/* server_create - a request handler over stats (not owned); the lookup
 * services come with server_attach, before the loop runs. */
struct server *server_create(struct stats *stats);

/* server_attach - set the lookup services (not owned). */
void server_attach(struct server *srv, const struct query_services *svc);

struct tlsrpt_sched;

/* server_attach_tlsrpt - set the TLS reporting service (not owned) for the
 * "result", "report-preview" and "report-send-now" ops; without it they
 * get an error reply. */
void server_attach_tlsrpt(struct server *srv, struct tlsrpt_sched *t);

/* server_free - free the handler; requests still waiting are dropped. */
void server_free(struct server *srv);

/*
 * server_handle - answer one request of len bytes; fn runs exactly once
 * (unless the server is freed first). Malformed requests get an error reply.
 */
void server_handle(struct server *srv, const void *buf, size_t len,
        server_reply_fn fn, void *arg);

struct proto_request;

/* server_handle_parsed - server_handle for buf already parsed into req by
 * proto_request_parse (the nng thread parses it to look in the answer
 * cache; a miss is not parsed twice). */
void server_handle_parsed(struct server *srv, const struct proto_request *req,
        const void *buf, size_t len, server_reply_fn fn, void *arg);

struct redisev;

/* server_attach_store - "stats" reports the store backend and, with redis
 * (not owned; NULL: none), whether Redis is reachable. */
void server_attach_store(
        struct server *srv, const char *backend, const struct redisev *redis);

/* server_attach_pending_merge - "stats" reports fn(arg) as pending_merge:
 * the counts waiting to be merged into the fleet (TLSRPT on Redis). */
void server_attach_pending_merge(
        struct server *srv, unsigned long (*fn)(void *arg), void *arg);

#endif
