/*
 * socketmap.h - Postfix socketmap listeners (socketmap_table(5)) on the
 * daemon's event loop: smtp_tls_policy_maps = socketmap:unix:PATH:NAME or
 * socketmap:inet:127.0.0.1:PORT:NAME asks here, each request is decided by
 * query_policy() and answered by socketmap_answer() (docs/postfix.md).
 * The loop accepts; socketmap.threads worker threads serve the connections
 * and answer cache hits themselves; misses are decided on the loop
 * (engine.h with codec_socketmap.h, docs/IPC.md "Socketmap threads").
 *
 * Protocol: one netstring request "<name> <key>", one netstring reply,
 * persistent connections, requests on one connection answered in order.
 * Requests above SOCKETMAP_MAX_REQUEST bytes or malformed netstrings get a
 * PERM reply and the connection is closed; a malformed request inside a
 * valid netstring gets PERM and the connection stays open. The socketmap
 * name is not interpreted.
 */
#ifndef MXTLS_CACHED_SOCKETMAP_H
#define MXTLS_CACHED_SOCKETMAP_H

#include <sys/types.h>

#include <stddef.h>

/* Postfix's socketmap_max_query_size default (3.12); 3.7 sends keys of at
 * most a domain name plus the socketmap name. */
#define SOCKETMAP_MAX_REQUEST 10000
/* The defaults of socketmap.max_connections / ipc.max_connections. */
#define SOCKETMAP_MAX_CONNECTIONS 1024
/* A connection with no request for this long is closed (Postfix closes its
 * idle connections after 10 s itself): socketmap.idle_timeout's default. */
#define SOCKETMAP_IDLE_TIMEOUT 300
/* ... and one that has sent no complete request since it was accepted:
 * socketmap.first_request_timeout's default. */
#define SOCKETMAP_FIRST_TIMEOUT 10

struct event_base;
struct conf;
struct query_services;
struct socketmap;

/*
 * socketmap_open - create and bind every socketmap.listen endpoint (as
 * root, before privileges are dropped); they accept nothing until
 * socketmap_attach. A unix: socket gets file mode socketmap.mode. NULL
 * with why on failure. An empty list gives a socketmap without listeners.
 */
struct socketmap *socketmap_open(struct event_base *base,
        const struct conf *conf, char *why, size_t whylen);

/*
 * socketmap_reconfigure - take conf's socketmap.postfix_version and
 * socketmap.testing for the answers rendered from now on (a reload, loop
 * thread: renderings happen there). -1 with why when a value is malformed;
 * the running values stay. The caller drops the cached renderings.
 */
int socketmap_reconfigure(struct socketmap *sm, const struct conf *conf,
        char *why, size_t whylen);

/* socketmap_chown - give the unix: sockets to uid:gid. -1 with why. */
int socketmap_chown(
        struct socketmap *sm, uid_t uid, gid_t gid, char *why, size_t whylen);

/* socketmap_attach - start the worker threads and serve with these
 * services (copied). Without threads (socketmap.threads = 0, or they
 * cannot be started: logged) connections are served on the loop. */
void socketmap_attach(struct socketmap *sm, const struct query_services *svc);

/* socketmap_free - close listeners (unlinking unix: sockets), stop and
 * join the workers, close every connection. After the loop has stopped
 * (no answer to a lookup in flight may come later). NULL is fine. */
void socketmap_free(struct socketmap *sm);

/* socketmap_count_evictions - count the connections closed for a
 * newcomer (docs/DECISIONS.md N5) in *n (the loop thread's). */
void socketmap_count_evictions(struct socketmap *sm, unsigned long *n);

#endif
