/*
 * server.c - the request dispatcher behind the IPC socket (docs/IPC.md):
 * ping, policy, flush, stats. Replies are versioned JSON objects with a
 * "status" of ok / tempfail / error and a human-readable "why".
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "proto.h"
#include "server.h"
#include "stats.h"
#include "dane_resolver.h"
#include "sts_resolver.h"
#include "tlsrpt_lookup.h"

struct server {
	struct query_services svc;
	struct stats         *stats;
	time_t                started;
};

struct server_req {
	server_reply_fn fn;
	void           *arg;
};

static char *
dump(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	if (s == NULL) {
		log_err("MXTLS-NOMEM", "out of memory");
		abort();
	}
	return (s);
}

static json_t *
reply_new(const char *status)
{
	return (json_pack("{s:i, s:s}", "v", PROTO_VERSION, "status", status));
}

static void
server_policy_done(void *arg, json_t *reply)
{
	struct server_req *rq = arg;

	rq->fn(rq->arg, dump(reply));
	free(rq);
}

void
server_handle(struct server *srv, const void *buf, size_t len,
        server_reply_fn fn, void *arg)
{
	struct proto_request req;
	struct server_req   *rq;
	char                 why[256];
	json_t              *o;
	unsigned long        n;

	srv->stats->requests++;
	if (proto_request_parse(buf, len, &req, why, sizeof(why)) != 0) {
		srv->stats->request_errors++;
		log_debug("MXTLS-IPC-BAD-REQUEST", "%s", why);
		fn(arg, proto_reply_error(why));
		return;
	}
	switch (req.op) {
	case PROTO_OP_PING:
		o = reply_new("ok");
		json_object_set_new(o, "version", json_string(MXTLS_VERSION));
		fn(arg, dump(o));
		return;
	case PROTO_OP_STATS:
		o = reply_new("ok");
		json_object_set_new(o, "stats",
		        stats_to_json(srv->stats,
		                sts_resolver_entries(srv->svc.sts),
		                sts_resolver_evictions(srv->svc.sts),
		                (long)(time(NULL) - srv->started)));
		fn(arg, dump(o));
		return;
	case PROTO_OP_FLUSH:
		n = sts_resolver_flush(
		        srv->svc.sts, req.has_domain ? req.domain : NULL);
		dane_resolver_flush(
		        srv->svc.dane, req.has_domain ? req.domain : NULL);
		tlsrpt_lookup_flush(
		        srv->svc.tlsrpt, req.has_domain ? req.domain : NULL);
		log_info("MXTLS-FLUSH", "flushed %s (%lu entries)",
		        req.has_domain ? req.domain : "all domains", n);
		o = reply_new("ok");
		json_object_set_new(o, "flushed", json_integer((json_int_t)n));
		fn(arg, dump(o));
		return;
	case PROTO_OP_POLICY:
		srv->stats->policy_requests++;
		rq = calloc(1, sizeof(*rq));
		if (rq == NULL) {
			log_err("MXTLS-NOMEM", "out of memory");
			abort();
		}
		rq->fn  = fn;
		rq->arg = arg;
		query_policy(&srv->svc, req.domain, server_policy_done, rq);
		return;
	}
	fn(arg, proto_reply_error("unknown op"));
}

struct server *
server_create(struct stats *stats)
{
	struct server *srv = calloc(1, sizeof(*srv));

	if (srv == NULL) {
		log_err("MXTLS-NOMEM", "out of memory");
		abort();
	}
	srv->stats   = stats;
	srv->started = time(NULL);
	return (srv);
}

void
server_attach(struct server *srv, const struct query_services *svc)
{
	srv->svc = *svc;
}

void
server_free(struct server *srv)
{
	free(srv);
}
