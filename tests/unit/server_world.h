/*
 * server_world.h - the harness of cached/serve/server.c's unit tests
 * (test_server.c, test_server_tlsrpt.c): one server over the fake world
 * (tests/scenario/fake_world.h) at T0, with or without TLS reporting, and
 * req(), which sends a request and runs the loop until it is answered.
 * Include after <cmocka.h> and <jansson.h>; one server per process.
 */
#ifndef MXTLS_TESTS_SERVER_WORLD_H
#define MXTLS_TESTS_SERVER_WORLD_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fake_world.h"
#include "serve/server.h"

#define DAY 1704067200 /* 2024-01-01T00:00:00Z */
#define T0  (DAY + 3600)

static struct fake_world W;
static struct server    *S;

struct reply {
	int     n;
	json_t *o;
};

static inline void
reply_fn(void *arg, char *text)
{
	struct reply *r = arg;

	r->n++;
	json_decref(r->o);
	r->o = json_loads(text, 0, NULL);
	if (r->o == NULL)
		fail_msg("reply is not JSON: %s", text);
	free(text);
}

/* req - send text, run the loop until answered; the reply (owned by the
 * static holder, valid until the next req). */
static inline json_t *
req(const char *text)
{
	static struct reply r;

	json_decref(r.o);
	memset(&r, 0, sizeof(r));
	server_handle(S, text, strlen(text), reply_fn, &r);
	fw_run(&W);
	assert_int_equal(r.n, 1);
	assert_int_equal(json_integer_value(json_object_get(r.o, "v")), 1);
	return (r.o);
}

static inline const char *
m(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

static inline void
expect(json_t *o, const char *status, const char *why)
{
	assert_string_equal(m(o, "status"), status);
	if (why != NULL && strstr(m(o, "why"), why) == NULL)
		fail_msg("why '%s' lacks '%s'", m(o, "why"), why);
}

static inline int
setup(void **state)
{
	(void)state;
	fw_open(&W, T0);
	S = server_create(&W.stats);
	server_attach(S, &W.svc);
	return (0);
}

static inline int
setup_tlsrpt(void **state)
{
	setup(state);
	fw_open_tlsrpt(&W);
	server_attach_tlsrpt(S, W.sched);
	return (0);
}

static inline int
teardown(void **state)
{
	(void)state;
	server_free(S);
	fw_close(&W);
	return (0);
}

#endif
