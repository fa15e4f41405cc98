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
#include "sts_policy.h"
#include "sts_resolver.h"

struct server {
	struct sts_resolver *resolver;
	struct stats        *stats;
	time_t               started;
};

struct server_req {
	struct server  *srv;
	server_reply_fn fn;
	void           *arg;
	char            domain[DOMAIN_MAX + 1];
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
server_policy_done(void *arg, const struct sts_answer *ans)
{
	struct server_req *rq = arg;
	json_t            *o, *mx;
	size_t             i;

	o = reply_new(ans->status == STS_ANSWER_OK ? "ok" : "tempfail");
	json_object_set_new(o, "domain", json_string(rq->domain));
	if (ans->status == STS_ANSWER_OK) {
		if (ans->has_policy) {
			json_object_set_new(o, "policy", json_string("sts"));
			json_object_set_new(o, "mode",
			        json_string(sts_mode_name(ans->policy->mode)));
			mx = json_array();
			for (i = 0; i < ans->policy->nmx; i++)
				json_array_append_new(
				        mx, json_string(ans->policy->mx[i]));
			json_object_set_new(o, "mx", mx);
			json_object_set_new(
			        o, "policy_id", json_string(ans->id));
			json_object_set_new(o, "max_age",
			        json_integer(ans->policy->max_age));
			json_object_set_new(
			        o, "fetched", json_integer(ans->fetched));
		} else {
			json_object_set_new(o, "policy", json_string("none"));
		}
		json_object_set_new(o, "source",
		        json_string(sts_source_name(ans->source)));
		json_object_set_new(o, "expires", json_integer(ans->expires));
	}
	json_object_set_new(o, "why", json_string(ans->why));
	rq->fn(rq->arg, dump(o));
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
		                sts_resolver_entries(srv->resolver),
		                sts_resolver_evictions(srv->resolver),
		                (long)(time(NULL) - srv->started)));
		fn(arg, dump(o));
		return;
	case PROTO_OP_FLUSH:
		n = sts_resolver_flush(
		        srv->resolver, req.has_domain ? req.domain : NULL);
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
		rq->srv = srv;
		rq->fn  = fn;
		rq->arg = arg;
		memcpy(rq->domain, req.domain, sizeof(rq->domain));
		sts_resolver_lookup(
		        srv->resolver, req.domain, server_policy_done, rq);
		return;
	}
	fn(arg, proto_reply_error("unknown op"));
}

struct server *
server_create(struct sts_resolver *resolver, struct stats *stats)
{
	struct server *srv = calloc(1, sizeof(*srv));

	if (srv == NULL) {
		log_err("MXTLS-NOMEM", "out of memory");
		abort();
	}
	srv->resolver = resolver;
	srv->stats    = stats;
	srv->started  = time(NULL);
	return (srv);
}

void
server_attach(struct server *srv, struct sts_resolver *resolver)
{
	srv->resolver = resolver;
}

void
server_free(struct server *srv)
{
	free(srv);
}
