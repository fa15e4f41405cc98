/*
 * test_sts_fetch.c - the real policy fetcher (cached/sts/sts_fetch.c) on a
 * real libevent loop against the HTTPS servers of https_world.c, started
 * by this test on 127.0.0.1 (ephemeral ports; about five seconds). The
 * fetcher connects through CURLOPT_CONNECT_TO to the ephemeral port; the
 * names (mta-sts.*.test) exist in no DNS, so a success also shows libcurl
 * used only the pinned addresses. Fetches that must succeed get a 10 s
 * deadline (a loaded machine must not turn them into timeouts); those that
 * must time out get their own fetcher with a short one.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "https_world.h"
#include "sts/sts_fetch.h"

/* ---- the fetcher ---- */

struct job {
	const char           *domain;
	const char           *addrs; /* comma-separated */
	enum sts_fetch_status expect;
	const char           *why; /* substring of why; NULL: "" */
	size_t                len; /* expected body length when OK */
	int                   called;
	struct sts_fetch     *fetch;
	struct job           *cancel; /* cancel this from the callback */
	struct sts_fetcher  **free;   /* free this from the callback */
};

static int                in_start;
static int                pending;
static struct event_base *base;

static void
job_cb(void *arg, const struct sts_fetch_result *res)
{
	struct job *j = arg;

	assert_int_equal(in_start, 0);
	assert_int_equal(j->called, 0);
	j->called = 1;
	pending--;
	if (res->status != j->expect) {
		fail_msg("%s: got %s (\"%s\"), expected %s", j->domain,
		        sts_fetch_status_name(res->status), res->why,
		        sts_fetch_status_name(j->expect));
	}
	if (j->why != NULL && strstr(res->why, j->why) == NULL) {
		fail_msg("%s: why \"%s\" lacks \"%s\"", j->domain, res->why,
		        j->why);
	}
	if (res->status == STS_FETCH_OK) {
		assert_string_equal(res->why, "");
		assert_int_equal(res->http_code, 200);
		assert_int_equal(res->len, j->len);
		if (strcmp(j->domain, "good.test") == 0) {
			assert_memory_equal(
			        res->body, "version: STSv1\r\n", 16);
		}
	} else {
		assert_true(res->why[0] != '\0');
	}
	if (j->cancel != NULL) {
		sts_fetch_cancel(j->cancel->fetch);
		if (!j->cancel->called) {
			pending--;
		}
	}
	if (j->free != NULL) {
		sts_fetch_free(*j->free);
		*j->free = NULL;
	}
}

static struct sts_fetcher *
fetcher(unsigned port, unsigned timeout_ms)
{
	struct sts_fetch_config cfg;
	struct sts_fetcher     *f;
	char                    why[256];

	memset(&cfg, 0, sizeof(cfg));
	cfg.ca_file            = world.ca_file;
	cfg.connect_timeout_ms = 300;
	cfg.timeout_ms         = timeout_ms;
	cfg.max_body           = 65536;
	cfg.port               = port;
	cfg.user_agent         = "test_sts_fetch";
	if ((f = sts_fetch_create(base, &cfg, why, sizeof(why))) == NULL) {
		fail_msg("sts_fetch_create: %s", why);
	}
	return (f);
}

static void
start(struct sts_fetcher *f, struct job *j)
{
	struct sockaddr_storage ss[8];
	char                    buf[256], *tok, *save = NULL;
	size_t                  n = 0;

	snprintf(buf, sizeof(buf), "%s", j->addrs);
	for (tok    = strtok_r(buf, ",", &save); tok != NULL && n < 8;
	        tok = strtok_r(NULL, ",", &save)) {
		memset(&ss[n], 0, sizeof(ss[n]));
		if (strchr(tok, ':') != NULL) {
			struct sockaddr_in6 *s6
			        = (struct sockaddr_in6 *)&ss[n];

			s6->sin6_family = AF_INET6;
			assert_int_equal(
			        inet_pton(AF_INET6, tok, &s6->sin6_addr), 1);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss[n];

			s4->sin_family = AF_INET;
			assert_int_equal(
			        inet_pton(AF_INET, tok, &s4->sin_addr), 1);
		}
		n++;
	}
	j->called = 0;
	in_start  = 1;
	j->fetch  = sts_fetch_start(f, j->domain, ss, n, job_cb, j);
	in_start  = 0;
	assert_non_null(j->fetch);
	pending++;
}

static void
run(void)
{
	while (pending > 0) {
		event_base_loop(base, EVLOOP_ONCE);
	}
}

#define BIG_WHY   "body larger than 65536 bytes"
#define CONN_WHY  "Failed to connect to mta-sts."
#define NOTYPE    "no Content-Type (text/plain required)"
#define REDIR_WHY "HTTP status 301 (redirects are not followed)"

static struct job tls_jobs[] = {
	{ "good.test", "127.0.0.1", STS_FETCH_OK, NULL, 67, 0, 0, 0, 0 },
	{ "upper.test", "127.0.0.1", STS_FETCH_OK, NULL, 67, 0, 0, 0, 0 },
	{ "exact.test", "127.0.0.1", STS_FETCH_OK, NULL, 65536, 0, 0, 0, 0 },
	/* the pinned addresses are tried in turn */
	{ "good.test", "127.0.0.2,127.0.0.1", STS_FETCH_OK, NULL, 67, 0, 0, 0,
	        0 },
	{ "notfound.test", "127.0.0.1", STS_FETCH_HTTP_STATUS,
	        "HTTP status 404", 0, 0, 0, 0, 0 },
	{ "redirect.test", "127.0.0.1", STS_FETCH_HTTP_STATUS, REDIR_WHY, 0, 0,
	        0, 0, 0 },
	{ "html.test", "127.0.0.1", STS_FETCH_CONTENT_TYPE,
	        "Content-Type \"text/html\" is not text/plain", 0, 0, 0, 0,
	        0 },
	{ "notype.test", "127.0.0.1", STS_FETCH_CONTENT_TYPE, NOTYPE, 0, 0, 0,
	        0, 0 },
	{ "bigcl.test", "127.0.0.1", STS_FETCH_TOO_BIG, BIG_WHY, 0, 0, 0, 0,
	        0 },
	{ "bigclose.test", "127.0.0.1", STS_FETCH_TOO_BIG, BIG_WHY, 0, 0, 0, 0,
	        0 },
	{ "expired.test", "127.0.0.1", STS_FETCH_TLS, "expired", 0, 0, 0, 0,
	        0 },
	{ "wrong.test", "127.0.0.1", STS_FETCH_TLS, "mta-sts.wrong.test", 0, 0,
	        0, 0, 0 },
	{ "stall.test", "127.0.0.1", STS_FETCH_TIMEOUT, "timed out", 0, 0, 0,
	        0, 0 },
	{ "stallbody.test", "127.0.0.1", STS_FETCH_TIMEOUT, "timed out", 0, 0,
	        0, 0, 0 },
	/* nothing listens on 127.0.0.2: refused, and no DNS to fall back to */
	{ "good.test", "127.0.0.2", STS_FETCH_CONNECT, CONN_WHY, 0, 0, 0, 0,
	        0 },
	{ "nxdomain.invalid", "127.0.0.3,::1", STS_FETCH_CONNECT, CONN_WHY, 0,
	        0, 0, 0, 0 },
	/* bad arguments come back through the loop */
	{ "Bad_Domain.test", "127.0.0.1", STS_FETCH_ERROR, "invalid domain", 0,
	        0, 0, 0, 0 },
	{ "good.test", "", STS_FETCH_ERROR, "0 addresses", 0, 0, 0, 0, 0 },
};

#define NJOBS (sizeof(tls_jobs) / sizeof(tls_jobs[0]))

/* OK_MS - the deadline of fetches that must not time out, even on a
 * loaded machine; STALL_MS - that of fetches that must. */
#define OK_MS    10000
#define STALL_MS 500

/* for_job - the fetcher for j: the short deadline for a job that must time
 * out, the long one otherwise. */
static struct sts_fetcher *
for_job(struct sts_fetcher *f, struct sts_fetcher *fs, const struct job *j)
{
	return (j->expect == STS_FETCH_TIMEOUT ? fs : f);
}

static void
test_one_by_one(void **state)
{
	struct sts_fetcher *f, *fs;
	size_t              i;

	(void)state;
	base = event_base_new();
	f    = fetcher(world.tls_port, OK_MS);
	fs   = fetcher(world.tls_port, STALL_MS);
	for (i = 0; i < NJOBS; i++) {
		start(for_job(f, fs, &tls_jobs[i]), &tls_jobs[i]);
		run();
		assert_int_equal(tls_jobs[i].called, 1);
	}
	sts_fetch_free(fs);
	sts_fetch_free(f);
	event_base_free(base);
}

static void
test_concurrent(void **state)
{
	struct sts_fetcher *f, *fs;
	size_t              i;

	(void)state;
	base = event_base_new();
	f    = fetcher(world.tls_port, OK_MS);
	fs   = fetcher(world.tls_port, STALL_MS);
	for (i = 0; i < NJOBS; i++) {
		start(for_job(f, fs, &tls_jobs[i]), &tls_jobs[i]);
	}
	run();
	for (i = 0; i < NJOBS; i++) {
		assert_int_equal(tls_jobs[i].called, 1);
	}
	sts_fetch_free(fs);
	sts_fetch_free(f);
	event_base_free(base);
}

static void
test_other_failures(void **state)
{
	struct sts_fetcher *f;
	struct job plain  = { "good.test", "127.0.0.1", STS_FETCH_TLS, NULL, 0,
		 0, 0, 0, 0 };
	struct job closed = { "good.test", "127.0.0.1", STS_FETCH_CONNECT,
		CONN_WHY, 0, 0, 0, 0, 0 };
	struct job hang = { "good.test", "127.0.0.1", STS_FETCH_TIMEOUT, NULL,
		0, 0, 0, 0, 0 };
	struct job slow = { "slow.test", "127.0.0.1", STS_FETCH_TIMEOUT,
		"too slow", 0, 0, 0, 0, 0 };
	struct sts_fetch_config cfg;
	char                    why[256];

	(void)state;
	base = event_base_new();
	/* a server that does not speak TLS */
	f = fetcher(world.plain_port, OK_MS);
	start(f, &plain);
	run();
	sts_fetch_free(f);
	f = fetcher(world.closed_port, OK_MS);
	start(f, &closed);
	run();
	sts_fetch_free(f);
	/* connect timeout (300 ms) well before the total one */
	f = fetcher(world.backlog_port, 5000);
	start(f, &hang);
	run();
	sts_fetch_free(f);
	/* low-speed limit: 20 bytes/s for 1 s, total timeout 5 s */
	memset(&cfg, 0, sizeof(cfg));
	cfg.ca_file         = world.ca_file;
	cfg.timeout_ms      = 5000;
	cfg.low_speed_limit = 100;
	cfg.low_speed_time  = 1;
	cfg.port            = world.tls_port;
	f                   = sts_fetch_create(base, &cfg, why, sizeof(why));
	assert_non_null(f);
	start(f, &slow);
	run();
	sts_fetch_free(f);
	/* bad configurations */
	cfg.max_body = 65537;
	assert_null(sts_fetch_create(base, &cfg, why, sizeof(why)));
	assert_non_null(strstr(why, "max_body"));
	cfg.max_body = 0;
	cfg.ca_file  = NULL;
	assert_null(sts_fetch_create(base, &cfg, why, sizeof(why)));
	event_base_free(base);
}

static void
test_cancel(void **state)
{
	struct sts_fetcher *f, *fs, *g;
	struct job a = { "stall.test", "127.0.0.1", STS_FETCH_TIMEOUT, NULL, 0,
		0, 0, 0, 0 };
	struct job b = { "good.test", "127.0.0.1", STS_FETCH_OK, NULL, 67, 0,
		0, 0, 0 };
	struct job c = { "good.test", "127.0.0.2", STS_FETCH_CONNECT, NULL, 0,
		0, 0, 0, 0 };
	struct job d = { "good.test", "127.0.0.2", STS_FETCH_CONNECT, NULL, 0,
		0, 0, 0, 0 };
	struct job e
	        = { "good.test", "", STS_FETCH_ERROR, NULL, 0, 0, 0, 0, 0 };
	struct timeval tv = { 0, 600000 };

	(void)state;
	base = event_base_new();
	f    = fetcher(world.tls_port, OK_MS);
	fs   = fetcher(world.tls_port, STALL_MS);

	/* cancelled right after start and after a turn of the loop */
	start(fs, &a);
	start(f, &e);
	sts_fetch_cancel(a.fetch);
	sts_fetch_cancel(e.fetch);
	pending -= 2;
	start(fs, &a);
	start(f, &b);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	sts_fetch_cancel(a.fetch);
	pending--;
	run();
	assert_int_equal(b.called, 1);
	/* past the stalled fetch's timeout: its callback must not come */
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_int_equal(a.called, 0);
	assert_int_equal(e.called, 0);

	/* two refused fetches: the first to finish cancels the other */
	c.cancel = &d;
	d.cancel = &c;
	start(f, &c);
	start(f, &d);
	run();
	assert_int_equal(c.called + d.called, 1);

	/* a refused fetch cancels a stalled one on another fetcher */
	g        = fetcher(world.tls_port, 500);
	c.cancel = &a;
	d.cancel = NULL;
	start(g, &a);
	start(f, &c);
	run();
	assert_int_equal(a.called, 0);

	/* a callback frees its own fetcher with other fetches live */
	c.cancel = NULL;
	c.free   = &g;
	start(g, &a);
	start(g, &e);
	start(g, &c);
	start(g, &d);
	while (g != NULL) {
		event_base_loop(base, EVLOOP_ONCE);
	}
	pending = 0;
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_int_equal(a.called, 0);

	/* freeing with live fetches, no loop turn in between */
	g = fetcher(world.tls_port, 500);
	start(g, &a);
	start(g, &b);
	start(g, &e);
	sts_fetch_free(g);
	pending = 0;
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	assert_int_equal(a.called + b.called + e.called, 0);

	sts_fetch_free(fs);
	sts_fetch_free(f);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_by_one),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_other_failures),
		cmocka_unit_test(test_cancel),
	};

	return (cmocka_run_group_tests(
	        tests, https_world_up, https_world_down));
}
