/*
 * server.c - the request dispatcher behind the IPC socket (docs/IPC.md):
 * ping, policy, flush, stats, dump (server_dump.c), the TLS reporting ops
 * result, report-preview, report-send-now (RFC 8460), and the local
 * overrides' override_add, override_del, override_list. Replies are
 * versioned JSON objects with a "status" of ok / tempfail / error and a
 * human-readable "why".
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dane/dane_resolver.h"
#include "log.h"
#include "logrl.h"
#include "proto.h"
#include "serve/answer_cache.h"
#include "serve/override.h"
#include "serve/server.h"
#include "serve/server_dump.h"
#include "sts/sts_resolver.h"
#include "tlsrpt/tlsrpt_lookup.h"
#include "tlsrpt/tlsrpt_result.h"
#include "tlsrpt/tlsrpt_sched.h"
#include "util/clock.h"
#include "util/metrics.h"
#include "util/redisev.h"
#include "util/stats.h"
#include "why.h"

struct server {
	struct query_services svc;
	struct stats         *stats;
	time_t                started;
	struct tlsrpt_sched  *tlsrpt;
	/* the store tier (docs/FLEET.md) */
	const char           *backend;
	const struct redisev *redis;
	unsigned long (*pending_merge)(void *arg);
	void *pending_arg;
};

struct server_req {
	server_reply_fn      fn;
	void                *arg;
	struct server       *srv;
	struct tlsrpt_result result; /* "result" only */
};

static void server_store_stats(struct server *srv, json_t *st);

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
server_policy_done(void *arg, json_t *reply, char *text)
{
	struct server_req *rq = arg;

	if (text != NULL) {
		json_decref(reply);
		rq->fn(rq->arg, text);
	} else {
		rq->fn(rq->arg, dump(reply));
	}
	free(rq);
}

/* server_copy_json - answer_copy_fn: parse the cached reply (under the
 * answer cache's read lock; the parse copies). */
static void
server_copy_json(void *arg, const char *json, size_t len)
{
	*(json_t **)arg = json_loadb(json, len, 0, NULL);
}

static void server_result_done(void *arg, json_t *reply, char *text);

/* server_result_cached - count rq's session under the finished reply the
 * answer cache holds for its domain (the decision the MTA has just
 * applied, as a new query would make it again), without a new query;
 * 0 when there is none. */
static int
server_result_cached(struct server *srv, struct server_req *rq)
{
	json_t *reply = NULL;

	if (srv->svc.answers == NULL
	        || !answer_cache_copy(srv->svc.answers, rq->result.domain,
	                clock_now(), server_copy_json, &reply)
	        || reply == NULL) {
		return (0);
	}
	server_result_done(rq, reply, NULL);
	return (1);
}

static json_t *
reply_why(const char *status, const char *why)
{
	json_t *o = reply_new(status);

	json_object_set_new(o, "why", why_json(why));
	return (o);
}

/* held - whether reply is a tempfail made only by a defer override of
 * its domain (the lookups themselves succeeded). */
static int
held(json_t *reply)
{
	json_t     *ov = json_object_get(reply, "override");
	const char *a  = json_string_value(json_object_get(ov, "action"));
	const char *mx
	        = json_string_value(json_object_get(reply, "mx_status"));

	return (a != NULL && strcmp(a, "defer") == 0 && mx != NULL
	        && strcmp(mx, "tempfail") != 0
	        && json_array_size(json_object_get(reply, "hosts")) > 0);
}

/* server_result_done - the policy decision for a "result" is in: count the
 * session under it, and reply only once that is durable. */
static void
server_result_done(void *arg, json_t *reply, char *text)
{
	struct server_req    *rq  = arg;
	struct server        *srv = rq->srv;
	struct tlsrpt_result *r   = &rq->result;
	struct tlsrpt_obs    *obs;
	const char           *status;
	char                  why[512];
	json_t               *o;
	int                   rv;

	free(text);
	status = json_string_value(json_object_get(reply, "status"));
	if (status != NULL && strcmp(status, "tempfail") == 0 && held(reply)) {
		/* held by a defer override: the session happened before
		 * (or regardless); it is counted under what the domain
		 * publishes, which the reply's hosts still say */
		status = "ok";
	}
	if (status == NULL || strcmp(status, "ok") != 0) {
		/* no decision now (a lookup failed, or mxtlsd is stopping):
		 * the client keeps the result and tries again */
		snprintf(why, sizeof(why), "%s",
		        json_string_value(json_object_get(reply, "why"))
		                        != NULL
		                ? json_string_value(
		                        json_object_get(reply, "why"))
		                : "no policy decision for the domain now");
		json_decref(reply);
		log_info_rl("MXTLS-TLSRPT-RESULT-NOT-COUNTED", "%s: %s",
		        r->domain, why);
		rq->fn(rq->arg, dump(reply_why("tempfail", why)));
		free(rq);
		return;
	}
	if ((obs = calloc(1, sizeof(*obs))) == NULL) {
		log_err("MXTLS-NOMEM", "out of memory");
		abort();
	}
	rv = tlsrpt_result_to_obs(r, reply, obs, why, sizeof(why));
	json_decref(reply);
	if (rv == 0) {
		if (tlsrpt_sched_add(srv->tlsrpt, obs, why, sizeof(why))
		        == 0) {
			metrics_inc(
			        M_TLSRPT_RESULTS_MTA, metrics_mta(r->mta), 0);
			o = reply_new("ok");
			json_object_set_new(o, "recorded", json_true());
			json_object_set_new(o, "policy_type",
			        json_string(tlsrpt_ptype_name(obs->ptype)));
		} else {
			log_err_rl("MXTLS-TLSRPT-STORE", "%s: %s", r->domain,
			        why);
			o = reply_why("tempfail", why);
		}
	} else if (rv == 1) {
		srv->stats->tlsrpt_results_unreported++;
		o = reply_why("ok", why);
		json_object_set_new(o, "recorded", json_false());
	} else if (rv == 3) {
		/* a policy the daemon does not know: never counted with an
		 * empty policy-string (RFC 8460 §4.4) */
		srv->stats->tlsrpt_results_policy_unknown++;
		o = reply_why("ok", why);
		json_object_set_new(o, "recorded", json_false());
	} else if (rv == 2) {
		o = reply_why("tempfail", why);
	} else {
		o = reply_why("error", why);
	}
	if (rv != 0 || !json_is_true(json_object_get(o, "recorded"))) {
		log_info_rl("MXTLS-TLSRPT-RESULT-NOT-COUNTED", "%s: %s",
		        r->domain, why);
	}
	tlsrpt_obs_clear(obs);
	free(obs);
	rq->fn(rq->arg, dump(o));
	free(rq);
}

static void
server_tlsrpt(struct server *srv, const struct proto_request *req,
        const void *buf, size_t len, server_reply_fn fn, void *arg)
{
	struct server_req *rq;
	char               why[512];
	json_t            *o, *a;
	int                reports, pending;

	if (srv->tlsrpt == NULL) {
		fn(arg, proto_reply_error("TLS reporting is not running"));
		return;
	}
	switch (req->op) {
	case PROTO_OP_RESULT:
		if ((rq = calloc(1, sizeof(*rq))) == NULL) {
			log_err("MXTLS-NOMEM", "out of memory");
			abort();
		}
		if (tlsrpt_result_parse(
		            buf, len, &rq->result, why, sizeof(why))
		        != 0) {
			srv->stats->tlsrpt_results_refused++;
			log_info_rl("MXTLS-TLSRPT-RESULT-INVALID", "%s", why);
			free(rq);
			fn(arg, proto_reply_error(why));
			return;
		}
		if (tlsrpt_sched_is_own(srv->tlsrpt, rq->result.sender)) {
			srv->stats->tlsrpt_results_own++;
			free(rq);
			o = reply_why("ok",
			        "a session carrying our own TLS report: not "
			        "counted (RFC 8460 section 3)");
			json_object_set_new(o, "recorded", json_false());
			fn(arg, dump(o));
			return;
		}
		rq->fn  = fn;
		rq->arg = arg;
		rq->srv = srv;
		if (!server_result_cached(srv, rq)) {
			query_policy(&srv->svc, rq->result.domain,
			        server_result_done, rq);
		}
		return;
	case PROTO_OP_REPORT_PREVIEW:
		a = tlsrpt_sched_preview(srv->tlsrpt,
		        req->has_domain ? req->domain : NULL,
		        req->has_day ? req->day : -1, why, sizeof(why));
		if (a == NULL) {
			fn(arg, dump(reply_why("tempfail", why)));
			return;
		}
		o = reply_new("ok");
		json_object_set_new(o, "reports", a);
		fn(arg, dump(o));
		return;
	case PROTO_OP_REPORT_SEND_NOW:
		if (tlsrpt_sched_send_now(srv->tlsrpt,
		            req->has_day ? req->day : -1, &reports, &pending,
		            why, sizeof(why))
		        != 0) {
			fn(arg, dump(reply_why("tempfail", why)));
			return;
		}
		o = reply_new("ok");
		json_object_set_new(o, "reports", json_integer(reports));
		json_object_set_new(o, "deliveries", json_integer(pending));
		fn(arg, dump(o));
		return;
	default:
		break;
	}
	fn(arg, proto_reply_error("unknown op"));
}

/* ov_str - root[key] as a string without NUL inside, or NULL. */
static const char *
ov_str(json_t *root, const char *key)
{
	json_t *v = json_object_get(root, key);

	if (!json_is_string(v)
	        || strlen(json_string_value(v)) != json_string_length(v)) {
		return (NULL);
	}
	return (json_string_value(v));
}

/* server_override_add - {target, action, until, reason}: checked (a clear
 * why for each refusal), stored, in force. */
static json_t *
server_override_add(struct server *srv, json_t *root)
{
	struct override_rule r;
	const char          *target = ov_str(root, "target");
	const char          *action = ov_str(root, "action");
	const char          *reason = ov_str(root, "reason");
	json_t              *until  = json_object_get(root, "until"), *o;
	char                 why[512];
	int                  act, replaced, rv;

	memset(&r, 0, sizeof(r));
	if (target == NULL) {
		return (reply_why("error", "override_add needs a \"target\""));
	}
	if (override_target_parse(target, r.target, sizeof(r.target), &r.is_mx,
	            why, sizeof(why))
	        != 0) {
		return (reply_why("error", why));
	}
	if ((act = override_action_of(action)) < 0) {
		snprintf(why, sizeof(why),
		        "unknown action \"%.40s\" (none, testing, no-dane, "
		        "no-sts, defer)",
		        action != NULL ? action : "");
		return (reply_why("error", why));
	}
	r.action = (enum override_action)act;
	if (!json_is_integer(until)) {
		return (reply_why("error",
		        "override_add needs \"until\" (Unix seconds)"));
	}
	r.until = (int64_t)json_integer_value(until);
	if (reason == NULL || reason[0] == '\0') {
		return (reply_why("error",
		        "an override needs a reason (who, why, a ticket)"));
	}
	if (strlen(reason) > OVERRIDE_REASON_MAX) {
		snprintf(why, sizeof(why),
		        "the reason is longer than %d bytes",
		        OVERRIDE_REASON_MAX);
		return (reply_why("error", why));
	}
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	if ((rv = override_table_add(srv->svc.overrides, &r, clock_now(),
	             &replaced, why, sizeof(why)))
	        != 0) {
		return (reply_why(rv == -2 ? "tempfail" : "error", why));
	}
	r.source  = OVERRIDE_SRC_CLI;
	r.created = clock_now();
	o         = reply_why("ok",
                r.action == OVERRIDE_NONE
	                        ? "added; WARNING: mail to it goes without "
	                          "any TLS policy (opportunistic TLS, no "
	                          "MTA-STS, no DANE) until it expires"
	                        : "added");
	json_object_set_new(o, "override", override_rule_json(&r));
	json_object_set_new(o, "replaced", json_boolean(replaced));
	return (o);
}

static json_t *
server_override(struct server *srv, const struct proto_request *req,
        const void *buf, size_t len)
{
	json_t     *root, *o;
	const char *target, *action;
	char        norm[OVERRIDE_TARGET_MAX + 1], why[512];
	int         is_mx, act = -1, n;

	if (srv->svc.overrides == NULL) {
		return (reply_why("error", "overrides are not available"));
	}
	if (req->op == PROTO_OP_OVERRIDE_LIST) {
		o = reply_new("ok");
		json_object_set_new(o, "overrides",
		        override_table_list(srv->svc.overrides, clock_now()));
		return (o);
	}
	if ((root = json_loadb(buf, len, 0, NULL)) == NULL) {
		return (reply_why("error", "malformed JSON"));
	}
	if (req->op == PROTO_OP_OVERRIDE_ADD) {
		o = server_override_add(srv, root);
		json_decref(root);
		return (o);
	}
	target = ov_str(root, "target");
	action = ov_str(root, "action");
	if (target == NULL
	        || override_target_parse(target, norm, sizeof(norm), &is_mx,
	                   why, sizeof(why))
	                != 0) {
		json_decref(root);
		return (reply_why("error",
		        target == NULL ? "override_del needs a \"target\""
		                       : why));
	}
	if (action != NULL && (act = override_action_of(action)) < 0) {
		json_decref(root);
		return (reply_why("error", "unknown action"));
	}
	json_decref(root);
	if ((n = override_table_del(
	             srv->svc.overrides, norm, act, why, sizeof(why)))
	        < 0) {
		return (reply_why("error", why));
	}
	o = reply_why(
	        "ok", n > 0 ? "deleted" : "no such override (from mxtlsctl)");
	json_object_set_new(o, "deleted", json_integer(n));
	return (o);
}

void
server_handle(struct server *srv, const void *buf, size_t len,
        server_reply_fn fn, void *arg)
{
	struct proto_request req;
	char                 why[256];

	if (proto_request_parse(buf, len, &req, why, sizeof(why)) != 0) {
		srv->stats->requests++;
		srv->stats->request_errors++;
		log_debug_rl("MXTLS-IPC-BAD-REQUEST", "%s", why);
		fn(arg, proto_reply_error(why));
		return;
	}
	server_handle_parsed(srv, &req, buf, len, fn, arg);
}

void
server_handle_parsed(struct server *srv, const struct proto_request *req,
        const void *buf, size_t len, server_reply_fn fn, void *arg)
{
	struct server_req *rq;
	json_t            *o, *st;
	unsigned long      n;

	srv->stats->requests++;
	switch (req->op) {
	case PROTO_OP_PING:
		o = reply_new("ok");
		json_object_set_new(o, "version", json_string(MXTLS_VERSION));
		fn(arg, dump(o));
		return;
	case PROTO_OP_STATS:
		tlsrpt_sched_sync_stats(srv->tlsrpt);
		o  = reply_new("ok");
		st = stats_to_json(srv->stats,
		        sts_resolver_entries(srv->svc.sts),
		        sts_resolver_evictions(srv->svc.sts),
		        (long)(time(NULL) - srv->started));
		if (srv->svc.answers != NULL) {
			/* answered without the loop: not in "requests" */
			json_object_set_new(st, "answer_cache_hits",
			        json_integer((json_int_t)answer_cache_hits(
			                srv->svc.answers)));
			json_object_set_new(st, "answer_cache_misses",
			        json_integer((json_int_t)answer_cache_misses(
			                srv->svc.answers)));
			json_object_set_new(st, "answer_cache_entries",
			        json_integer((json_int_t)answer_cache_count(
			                srv->svc.answers)));
		}
		if (srv->svc.overrides != NULL) {
			override_table_active(srv->svc.overrides, clock_now());
			json_object_set_new(st, "overrides_active",
			        json_integer((json_int_t)srv->stats
			                             ->overrides_active));
		}
		server_store_stats(srv, st);
		json_object_set_new(o, "stats", st);
		fn(arg, dump(o));
		return;
	case PROTO_OP_FLUSH:
		n = sts_resolver_flush(
		        srv->svc.sts, req->has_domain ? req->domain : NULL);
		dane_resolver_flush(
		        srv->svc.dane, req->has_domain ? req->domain : NULL);
		tlsrpt_lookup_flush(
		        srv->svc.tlsrpt, req->has_domain ? req->domain : NULL);
		log_info("MXTLS-FLUSH", "flushed %s (%lu entries)",
		        req->has_domain ? req->domain : "all domains", n);
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
		query_policy(&srv->svc, req->domain, server_policy_done, rq);
		return;
	case PROTO_OP_RESULT:
	case PROTO_OP_REPORT_PREVIEW:
	case PROTO_OP_REPORT_SEND_NOW:
		server_tlsrpt(srv, req, buf, len, fn, arg);
		return;
	case PROTO_OP_DUMP:
		fn(arg, server_dump(&srv->svc, SERVER_DUMP_MAX));
		return;
	case PROTO_OP_OVERRIDE_ADD:
	case PROTO_OP_OVERRIDE_DEL:
	case PROTO_OP_OVERRIDE_LIST:
		fn(arg, dump(server_override(srv, req, buf, len)));
		return;
	}
	fn(arg, proto_reply_error("unknown op"));
}

/* the store's fields of "stats": backend, redis_up, pending_merge */
static void
server_store_stats(struct server *srv, json_t *st)
{
	json_object_set_new(st, "store_backend",
	        json_string(srv->backend != NULL ? srv->backend : "sqlite"));
	if (srv->redis == NULL) {
		return;
	}
	json_object_set_new(
	        st, "redis_up", json_boolean(redisev_up(srv->redis)));
	if (!redisev_up(srv->redis)) {
		json_object_set_new(st, "redis_error",
		        json_string(redisev_last_error(srv->redis)));
	}
	json_object_set_new(st, "redis_read_only",
	        json_boolean(redisev_read_only(srv->redis)));
	{
		struct redisev_stats rs;

		redisev_get_stats(srv->redis, &rs);
		json_object_set_new(st, "redis_connects",
		        json_integer((json_int_t)rs.connects));
		json_object_set_new(st, "redis_failures",
		        json_integer((json_int_t)rs.failures));
		json_object_set_new(st, "redis_timeouts",
		        json_integer((json_int_t)rs.timeouts));
	}
	json_object_set_new(st, "pending_merge",
	        json_integer(srv->pending_merge != NULL
	                        ? (json_int_t)srv->pending_merge(
	                                srv->pending_arg)
	                        : 0));
	/* TLSRPT results counted here, not yet in an acknowledged snapshot
	 * (tlsrpt/tlsrpt_fleet.h) */
	json_object_set_new(st, "tlsrpt_merge_pending",
	        json_integer(
	                (json_int_t)tlsrpt_sched_merge_pending(srv->tlsrpt)));
}

void
server_attach_store(
        struct server *srv, const char *backend, const struct redisev *redis)
{
	srv->backend = backend;
	srv->redis   = redis;
}

void
server_attach_pending_merge(
        struct server *srv, unsigned long (*fn)(void *arg), void *arg)
{
	srv->pending_merge = fn;
	srv->pending_arg   = arg;
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
server_attach_tlsrpt(struct server *srv, struct tlsrpt_sched *t)
{
	srv->tlsrpt = t;
}

void
server_free(struct server *srv)
{
	free(srv);
}
