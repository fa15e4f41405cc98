/*
 * query.h - one "policy" request: starts the MTA-STS, DANE and TLSRPT
 * lookups for a domain in parallel, waits for all three, and hands their
 * answers to the arbiter, whose JSON object is the reply.
 */
#ifndef MXTLS_CACHED_QUERY_H
#define MXTLS_CACHED_QUERY_H

#include <jansson.h>

struct sts_resolver;
struct dane_resolver;
struct tlsrpt_lookup;
struct preload_watch;
struct conf;
struct answer_cache;
struct override_table;

struct query_services {
	const struct conf     *conf;
	struct sts_resolver   *sts;
	struct dane_resolver  *dane;
	struct tlsrpt_lookup  *tlsrpt;
	struct preload_watch  *preload;   /* may be NULL */
	struct answer_cache   *answers;   /* finished replies; may be NULL */
	struct override_table *overrides; /* local overrides; may be NULL */
};

/* query_cb - the reply object, and its compact JSON text when that was
 * already made (for the answer cache) or NULL; the callee takes the
 * reference and owns text (malloc'd). */
typedef void (*query_cb)(void *arg, json_t *reply, char *text);

/* query_policy - decide for domain (normalised); cb runs exactly once,
 * possibly before query_policy returns (everything cached). */
void query_policy(const struct query_services *svc, const char *domain,
        query_cb cb, void *arg);

/*
 * query_shutdown - the daemon is stopping and the lookups still out will
 * never finish: answer each waiting query with a tempfail reply ("mxtlsd
 * is stopping") through its callback, and free it. Loop thread, after the
 * loop has stopped and before the front doors close (their callbacks still
 * reply) and the resolvers are freed (they drop their waiters uncalled).
 */
void query_shutdown(void);

#endif
