/*
 * fuzz_request.c - libFuzzer target for the whole request handler: any bytes
 * given to cached/serve/server.c's server_handle (docs/IPC.md: ping, policy,
 * flush, stats, result, report-preview) must be answered exactly once, with
 * one JSON object {"v":1,"status":ok|tempfail|error,...} carrying a "why"
 * when it is not ok, without a leak, crash or undefined behaviour.
 *
 * Behind the handler runs the real daemon code: query.c and the arbiter,
 * the MTA-STS, DANE and TLSRPT resolvers, the memo, the SQLite policy store,
 * the answer cache and the TLSRPT scheduler over an in-memory TLSRPT store
 * (RFC 8460 §4.3 results are recorded for real). Only the network is fake:
 * tests/scenario's fake_dns.c and fake_fetch.c are linked before mxtls_core
 * (link-time substitution, as in the scenario tests), scripted with a fixed
 * world of domains (below) on a fake clock. Every fake answer is delivered
 * on the next loop turn, so each request settles without a timer.
 *
 * report-send-now is not fuzzed (skipped after parsing): it would start
 * real deliveries (sendmail, HTTPS) of closed days' reports. The world is
 * rebuilt (in memory: the policy store too) every REBUILD_EVERY inputs and
 * whenever the fake DNS has answered REBUILD_LOOKUPS lookups (fake_dns.c
 * keeps a fixed table of 64 names, one per name asked), so the state stays
 * small over millions of executions; state carried between inputs is the
 * caches of at most that many.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "../scenario/fake_dns.h"
#include "../scenario/fake_fetch.h"
#include "dane/dane_resolver.h"
#include "log.h"
#include "proto.h"
#include "serve/answer_cache.h"
#include "serve/query.h"
#include "serve/server.h"
#include "store/store.h"
#include "sts/sts_resolver.h"
#include "tlsrpt/tlsrpt_lookup.h"
#include "tlsrpt/tlsrpt_sched.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/memo.h"
#include "util/stats.h"

#define T0              1700000000 /* 2023-11-14T22:13:20Z */
#define REBUILD_EVERY   4096
#define REBUILD_LOOKUPS 20 /* 27 names scripted, <= 8 new per input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct {
	int                   up;
	unsigned              inputs;
	struct event_base    *base;
	struct conf           conf;
	struct stats          stats;
	struct dns           *dns;
	struct sts_fetcher   *fetcher;
	struct store         *store;
	struct memo          *memo;
	struct sts_resolver  *sts;
	struct dane_resolver *dane;
	struct tlsrpt_lookup *tlsrpt;
	struct answer_cache  *answers;
	struct tlsrpt_sched  *sched;
	struct server        *srv;
} W;

struct got {
	int   n;
	char *reply;
};

static void
txt(const char *name, enum dns_status st, const char *text)
{
	fake_dns_set(name, DNS_T_TXT, st, 300, text);
}

/* world_script - the fixed world the resolvers see. */
static void
world_script(void)
{
	/* sts.test: MTA-STS enforce, TLSRPT by mail, MX lookups SERVFAIL */
	txt("_mta-sts.sts.test", DNS_FOUND, "v=STSv1; id=20231114;");
	fake_dns_set("mta-sts.sts.test", DNS_T_A, DNS_FOUND, 300, "127.0.0.1");
	fake_fetch_set("sts.test", STS_FETCH_OK, 200,
	        "version: STSv1\r\nmode: enforce\r\nmx: mx1.sts.test\r\n"
	        "mx: *.sts.test\r\nmax_age: 86400\r\n");
	txt("_smtp._tls.sts.test", DNS_FOUND,
	        "v=TLSRPTv1; rua=mailto:tlsrpt@sts.test");
	fake_dns_set("sts.test", DNS_T_MX, DNS_TEMPFAIL, 300, NULL);
	/* testing.test: mode testing, TLSRPT by HTTPS */
	txt("_mta-sts.testing.test", DNS_FOUND, "v=STSv1; id=t1;");
	fake_dns_set(
	        "mta-sts.testing.test", DNS_T_A, DNS_FOUND, 300, "127.0.0.1");
	fake_fetch_set("testing.test", STS_FETCH_OK, 200,
	        "version: STSv1\r\nmode: testing\r\nmx: mx.testing.test\r\n"
	        "max_age: 604800\r\n");
	txt("_smtp._tls.testing.test", DNS_FOUND,
	        "v=TLSRPTv1; rua=https://rpt.testing.test/v1");
	/* none.test: mode none; bad TLSRPT record */
	txt("_mta-sts.none.test", DNS_FOUND, "v=STSv1; id=n;");
	fake_dns_set(
	        "mta-sts.none.test", DNS_T_A, DNS_FOUND, 300, "127.0.0.1");
	fake_fetch_set("none.test", STS_FETCH_OK, 200,
	        "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n");
	txt("_smtp._tls.none.test", DNS_FOUND, "v=TLSRPTv1; rua=ftp://x");
	/* failures: SERVFAIL, bogus, a policy host that fails or lies */
	txt("_mta-sts.servfail.test", DNS_TEMPFAIL, NULL);
	txt("_smtp._tls.servfail.test", DNS_TEMPFAIL, NULL);
	fake_dns_set("servfail.test", DNS_T_MX, DNS_TEMPFAIL, 300, NULL);
	txt("_mta-sts.bogus.test", DNS_BOGUS, NULL);
	fake_dns_set("bogus.test", DNS_T_MX, DNS_BOGUS, 300, NULL);
	txt("_mta-sts.fetchfail.test", DNS_FOUND, "v=STSv1; id=f;");
	fake_dns_set("mta-sts.fetchfail.test", DNS_T_A, DNS_FOUND, 300,
	        "127.0.0.1");
	fake_fetch_set("fetchfail.test", STS_FETCH_TIMEOUT, 0, NULL);
	txt("_mta-sts.garbage.test", DNS_FOUND, "v=STSv1; id=g;");
	fake_dns_set(
	        "mta-sts.garbage.test", DNS_T_A, DNS_FOUND, 300, "127.0.0.1");
	fake_fetch_set("garbage.test", STS_FETCH_OK, 200,
	        "version: STSv2\r\nmode: sometimes\r\n\r\n\x01");
	txt("_mta-sts.badtxt.test", DNS_FOUND, "v=STSv1; id=;; id=x");
	txt("_smtp._tls.badtxt.test", DNS_FOUND, "v=TLSRPTv1;");
}

static void
world_down(void)
{
	if (!W.up)
		return;
	server_free(W.srv);
	tlsrpt_sched_free(W.sched);
	query_shutdown();
	sts_resolver_free(W.sts);
	dane_resolver_free(W.dane);
	tlsrpt_lookup_free(W.tlsrpt);
	answer_cache_free(W.answers);
	memo_free(W.memo);
	store_close(W.store);
	sts_fetch_free(W.fetcher);
	dns_free(W.dns);
	event_base_free(W.base);
	conf_free(&W.conf);
	W.up = 0;
}

static void
world_up(void)
{
	struct query_services svc;
	char                  why[256];
	unsigned              inputs = W.inputs;

	memset(&W, 0, sizeof(W));
	W.inputs = inputs;
	log_set_level(LOG_LVL_ERR);
	clock_set_fake(T0);
	fake_dns_reset();
	fake_fetch_reset();
	world_script();
	conf_defaults(&W.conf);
	W.conf.fetch_allow_private    = 1;
	W.conf.sts_first_contact_wait = 30; /* never reached: nothing held */
	free(W.conf.store_path);
	W.conf.store_path = strdup(":memory:"); /* the TLSRPT store */
	free(W.conf.tlsrpt_sendmail);
	W.conf.tlsrpt_sendmail = strdup("/nonexistent/sendmail");
	if (W.conf.store_path == NULL || W.conf.tlsrpt_sendmail == NULL)
		abort();
	if ((W.base = event_base_new()) == NULL
	        || (W.dns = dns_create(W.base, NULL, why, sizeof(why))) == NULL
	        || (W.fetcher
	                   = sts_fetch_create(W.base, NULL, why, sizeof(why)))
	                == NULL)
		abort();
	if ((W.store = store_open("sqlite", ":memory:", why, sizeof(why)))
	        == NULL) {
		fprintf(stderr, "store_open: %s\n", why);
		abort();
	}
	W.memo = memo_create((size_t)W.conf.cache_max_entries);
	W.sts  = sts_resolver_create(
	         W.base, &W.conf, W.dns, W.fetcher, W.store, &W.stats, W.memo);
	W.dane = dane_resolver_create(
	        W.base, &W.conf, W.dns, &W.stats, W.memo);
	W.tlsrpt = tlsrpt_lookup_create(
	        W.base, &W.conf, W.dns, &W.stats, W.memo);
	W.answers = answer_cache_create(
	        (size_t)W.conf.cache_max_entries, W.conf.cache_answer_ttl);
	if (W.sts == NULL || W.dane == NULL || W.tlsrpt == NULL
	        || W.answers == NULL)
		abort();
	W.srv = server_create(&W.stats);
	memset(&svc, 0, sizeof(svc));
	svc.conf    = &W.conf;
	svc.sts     = W.sts;
	svc.dane    = W.dane;
	svc.tlsrpt  = W.tlsrpt;
	svc.answers = W.answers;
	server_attach(W.srv, &svc);
	W.sched = tlsrpt_sched_create(
	        W.base, &W.conf, W.dns, &W.stats, NULL, why, sizeof(why));
	if (W.sched == NULL) {
		fprintf(stderr, "tlsrpt_sched_create: %s\n", why);
		abort();
	}
	server_attach_tlsrpt(W.srv, W.sched);
	W.up = 1;
}

static void
on_reply(void *arg, char *reply)
{
	struct got *g = arg;

	g->n++;
	free(g->reply);
	g->reply = reply;
}

/* run - run the loop until nothing is ready (every fake answer is ready
 * on the next turn); never waits for a timer. */
static void
run(void)
{
	int i;

	for (i = 0; i < 1000; i++) {
		event_base_loop(W.base, EVLOOP_NONBLOCK);
		if (event_base_get_num_events(W.base, EVENT_BASE_COUNT_ACTIVE)
		        == 0)
			return;
	}
	fprintf(stderr, "the event loop never settled\n");
	abort();
}

/* check_reply - one JSON object: v, status ok|tempfail|error, a why when
 * not ok. */
static void
check_reply(const char *reply)
{
	json_t     *o, *why;
	const char *st;

	if (reply == NULL || (o = json_loads(reply, 0, NULL)) == NULL
	        || !json_is_object(o)) {
		fprintf(stderr, "reply is not a JSON object: %s\n",
		        reply != NULL ? reply : "(null)");
		abort();
	}
	st = json_string_value(json_object_get(o, "status"));
	if (json_integer_value(json_object_get(o, "v")) != PROTO_VERSION
	        || st == NULL
	        || (strcmp(st, "ok") != 0 && strcmp(st, "tempfail") != 0
	                && strcmp(st, "error") != 0)) {
		fprintf(stderr, "bad reply: %s\n", reply);
		abort();
	}
	why = json_object_get(o, "why");
	if (strcmp(st, "ok") != 0
	        && (!json_is_string(why) || json_string_length(why) == 0)) {
		fprintf(stderr, "%s reply without a why: %s\n", st, reply);
		abort();
	}
	json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req;
	struct got           g = { 0, NULL };
	char                 why[256];

	if (proto_request_parse(data, size, &req, why, sizeof(why)) == 0
	        && req.op == PROTO_OP_REPORT_SEND_NOW)
		return (0); /* real deliveries: not here (header) */
	if (!W.up || ++W.inputs % REBUILD_EVERY == 0
	        || fake_dns_total() >= REBUILD_LOOKUPS) {
		world_down();
		world_up();
	}
	server_handle(W.srv, data, size, on_reply, &g);
	run();
	if (g.n != 1) {
		fprintf(stderr, "%d replies to one request\n", g.n);
		abort();
	}
	check_reply(g.reply);
	free(g.reply);
	return (0);
}
