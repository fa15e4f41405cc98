/*
 * test_tlsrpt_fleet.c - the fleet's TLSRPT (issue 19, RFC 8460 §4.4):
 * three hosts' snapshots sum to exactly the report one host would make of
 * all their sessions; a repeated or older snapshot changes nothing; a
 * garbage or foreign snapshot is refused and counts nothing; failure
 * details stay capped; key names and report-ids; the send and own-count
 * decisions on a fake clock, and the fencing rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tlsrpt/tlsrpt_fleet_lock.h"
#include "tlsrpt/tlsrpt_fleet_sum.h"
#include "tlsrpt/tlsrpt_json.h"
#include "tlsrpt/tlsrpt_store.h"
#include "tlsrpt/tlsrpt_store_snap.h"

#define DAY 1704067200 /* 2024-01-01T00:00:00Z */
#define SUB "reporter.example"

static const struct tlsrpt_report_meta meta
        = { "Example Org", "mailto:tlsrpt@sender.example" };

#define STS_PSTR                                                              \
	"[\"version: STSv1\",\"mode: enforce\",\"mx: mx1.example.com\","      \
	"\"max_age: 86400\"]"
#define RUA "[\"https://r.example.com/tlsrpt\",\"mailto:t@example.com\"]"

static void
obs_init(struct tlsrpt_obs *o, const char *domain, enum tlsrpt_ptype t,
        const char *pstr, const char *mx, const char *rua)
{
	memset(o, 0, sizeof(*o));
	strcpy(o->domain, domain);
	strcpy(o->pdomain, domain);
	o->ptype = t;
	o->pstr  = strdup(pstr);
	o->mx    = strdup(mx);
	o->rua   = strdup(rua);
}

static void
fail_with(struct tlsrpt_obs *o, enum tlsrpt_rtype rt, const char *rip)
{
	o->failed  = 1;
	o->ndetail = 1;
	memset(&o->detail[0], 0, sizeof(o->detail[0]));
	o->detail[0].rtype = rt;
	strcpy(o->detail[0].sending_ip, "192.0.2.1");
	strcpy(o->detail[0].mx_host, "mx1.example.com");
	strcpy(o->detail[0].receiving_ip, rip);
}

static void
add(struct tlsrpt_store *st, struct tlsrpt_obs *o, int max, int times)
{
	char why[256];
	int  i, dropped;

	for (i = 0; i < times; i++)
		assert_int_equal(tlsrpt_store_add(st, DAY + 60, o, max,
		                         &dropped, why, sizeof(why)),
		        0);
}

/* host - the sessions of host n (0, 1, 2): n+1 successes, and failures
 * that differ between hosts. */
static void
host(struct tlsrpt_store *st, int n, int max)
{
	struct tlsrpt_obs o;

	obs_init(&o, "example.com", TLSRPT_PTYPE_STS, STS_PSTR,
	        "[\"mx1.example.com\"]", RUA);
	add(st, &o, max, n + 1);
	fail_with(&o, TLSRPT_CERTIFICATE_EXPIRED, "203.0.113.5");
	add(st, &o, max, 2);
	if (n == 1) {
		fail_with(&o, TLSRPT_VALIDATION_FAILURE, "203.0.113.5");
		add(st, &o, max, 1);
	}
	if (n == 2) {
		fail_with(&o, TLSRPT_STARTTLS_NOT_SUPPORTED, "203.0.113.6");
		add(st, &o, max, 3);
	}
	tlsrpt_obs_clear(&o);
	obs_init(&o, "example.com", TLSRPT_PTYPE_NOPOLICY, "[]", "[]", RUA);
	add(st, &o, max, n);
	tlsrpt_obs_clear(&o);
	/* another report domain: not in example.com's snapshot */
	obs_init(&o, "other.example", TLSRPT_PTYPE_TLSA, "[\"3 1 1 ab01\"]",
	        "[\"mx.other.example\"]", "[\"mailto:r@other.example\"]");
	add(st, &o, max, 1);
	tlsrpt_obs_clear(&o);
}

static char *
snap_of(struct tlsrpt_store *st, const char *h, int64_t seq)
{
	char  why[256];
	char *t = tlsrpt_store_snap(
	        st, DAY, "example.com", h, seq, why, sizeof(why));

	if (t == NULL)
		fail_msg("snapshot: %s", why);
	return (t);
}

static char *
dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	assert_non_null(s);
	return (s);
}

/* check_sum - hosts 0..2 summed == one store that saw every session. */
static void
check_sum(int max)
{
	struct tlsrpt_store     *st[3], *all;
	struct tlsrpt_fleet_sum *sum;
	json_t                  *got, *want;
	char                    *snap[3], why[256], rid[300], *g, *w;
	static const char *const hn[] = { "mx-a", "mx-b", "mx-c" };
	int                      i;

	all = tlsrpt_store_open(":memory:", why, sizeof(why));
	assert_non_null(all);
	sum = tlsrpt_fleet_sum_new(DAY, "example.com", max);
	assert_non_null(sum);
	for (i = 0; i < 3; i++) {
		st[i] = tlsrpt_store_open(":memory:", why, sizeof(why));
		assert_non_null(st[i]);
		host(st[i], i, max);
		host(all, i, max);
		snap[i] = snap_of(st[i], hn[i], 5);
		assert_int_equal(tlsrpt_fleet_sum_add(sum, snap[i],
		                         strlen(snap[i]), why, sizeof(why)),
		        0);
	}
	/* every snapshot again: a repeat changes nothing */
	for (i = 0; i < 3; i++)
		assert_int_equal(tlsrpt_fleet_sum_add(sum, snap[i],
		                         strlen(snap[i]), why, sizeof(why)),
		        0);
	assert_int_equal(json_object_size(tlsrpt_fleet_sum_hosts(sum)), 3);
	tlsrpt_fleet_report_id(rid, sizeof(rid), DAY, "example.com", 0, SUB);
	assert_string_equal(rid, "2024-01-01.fleet0.example.com@" SUB);
	got  = tlsrpt_fleet_sum_render(sum, &meta, SUB);
	want = tlsrpt_store_render(
	        all, DAY, "example.com", &meta, rid, why, sizeof(why));
	assert_non_null(got);
	assert_non_null(want);
	g = dump(got);
	w = dump(want);
	assert_string_equal(g, w);
	free(g);
	free(w);
	json_decref(got);
	json_decref(want);
	for (i = 0; i < 3; i++) {
		free(snap[i]);
		tlsrpt_store_close(st[i]);
	}
	tlsrpt_store_close(all);
	tlsrpt_fleet_sum_free(sum);
}

static void
test_three_hosts_one_report(void **state)
{
	(void)state;
	check_sum(10);
}

/* the cap: 3 distinct details over the hosts, 2 kept (highest counts) as
 * one host with max 2 keeps... its first two; the fleet keeps the two
 * biggest, which here are the same ones */
static void
test_details_capped(void **state)
{
	struct tlsrpt_store     *st[3];
	struct tlsrpt_fleet_sum *sum;
	json_t                  *got, *fd;
	char                    *t, why[256];
	int                      i;

	(void)state;
	sum = tlsrpt_fleet_sum_new(DAY, "example.com", 2);
	for (i = 0; i < 3; i++) {
		st[i] = tlsrpt_store_open(":memory:", why, sizeof(why));
		host(st[i], i, 10);
		t = snap_of(st[i], i == 0 ? "a" : i == 1 ? "b" : "c", 1);
		assert_int_equal(tlsrpt_fleet_sum_add(
		                         sum, t, strlen(t), why, sizeof(why)),
		        0);
		free(t);
		tlsrpt_store_close(st[i]);
	}
	got = tlsrpt_fleet_sum_render(sum, &meta, SUB);
	assert_int_equal(json_array_size(got), 1);
	fd = json_object_get(
	        json_array_get(
	                json_object_get(json_object_get(json_array_get(got, 0),
	                                        "report"),
	                        "policies"),
	                0),
	        "failure-details");
	assert_int_equal(json_array_size(fd), 2);
	assert_int_equal(
	        json_integer_value(json_object_get(
	                json_array_get(fd, 0), "failed-session-count")),
	        6);
	assert_int_equal(
	        json_integer_value(json_object_get(
	                json_array_get(fd, 1), "failed-session-count")),
	        3);
	json_decref(got);
	tlsrpt_fleet_sum_free(sum);
}

/* a newer snapshot of a host replaces its older one; an older one is
 * ignored */
static void
test_seq_replaces(void **state)
{
	struct tlsrpt_store     *st;
	struct tlsrpt_fleet_sum *sum;
	json_t                  *got, *pol;
	char                    *t1, *t2, why[256], d1[32], d2[32];

	(void)state;
	st = tlsrpt_store_open(":memory:", why, sizeof(why));
	host(st, 0, 10);
	t1 = snap_of(st, "a", 1);
	/* the digest is of the counts, not the seq */
	t2 = snap_of(st, "a", 7);
	assert_int_equal(tlsrpt_fleet_snap_digest(t1, strlen(t1), DAY,
	                         "example.com", d1, sizeof(d1)),
	        0);
	assert_int_equal(tlsrpt_fleet_snap_digest(t2, strlen(t2), DAY,
	                         "example.com", d2, sizeof(d2)),
	        0);
	assert_string_equal(d1, d2);
	free(t2);
	host(st, 0, 10);
	t2 = snap_of(st, "a", 2);
	assert_int_equal(tlsrpt_fleet_snap_digest(t2, strlen(t2), DAY,
	                         "example.com", d2, sizeof(d2)),
	        0);
	assert_string_not_equal(d1, d2);
	assert_int_equal(tlsrpt_fleet_snap_digest(
	                         "x", 1, DAY, "example.com", d2, sizeof(d2)),
	        -1);
	sum = tlsrpt_fleet_sum_new(DAY, "example.com", 10);
	assert_int_equal(
	        tlsrpt_fleet_sum_add(sum, t2, strlen(t2), why, sizeof(why)),
	        0);
	assert_int_equal(
	        tlsrpt_fleet_sum_add(sum, t1, strlen(t1), why, sizeof(why)),
	        0);
	got = tlsrpt_fleet_sum_render(sum, &meta, SUB);
	pol = json_array_get(
	        json_object_get(
	                json_object_get(json_array_get(got, 0), "report"),
	                "policies"),
	        0);
	/* host 0 twice: 2 successes, 4 failures (not 3/6, not 1/2) */
	assert_int_equal(json_integer_value(json_object_get(
	                         json_object_get(pol, "summary"),
	                         "total-successful-session-count")),
	        2);
	assert_int_equal(json_integer_value(json_object_get(
	                         json_object_get(pol, "summary"),
	                         "total-failure-session-count")),
	        4);
	json_decref(got);
	free(t1);
	free(t2);
	tlsrpt_store_close(st);
	tlsrpt_fleet_sum_free(sum);
}

/* garbage and foreign snapshots: refused with a reason, nothing counted */
static void
test_garbage_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{\"v\":2,\"host\":\"a\",\"seq\":1,\"day\":1704067200,"
		"\"domain\":\"example.com\",\"groups\":[]}",
		"{\"v\":1,\"host\":\"a b\",\"seq\":1,\"day\":1704067200,"
		"\"domain\":\"example.com\",\"groups\":[]}",
		"{\"v\":1,\"host\":\"a\",\"seq\":1,\"day\":1704153600,"
		"\"domain\":\"example.com\",\"groups\":[]}",
		"{\"v\":1,\"host\":\"a\",\"seq\":1,\"day\":1704067200,"
		"\"domain\":\"other.example\",\"groups\":[]}",
		"{\"v\":1,\"host\":\"a\",\"seq\":-1,\"day\":1704067200,"
		"\"domain\":\"example.com\",\"groups\":[]}",
		"{\"v\":1,\"host\":\"a\",\"seq\":1,\"day\":1704067200,"
		"\"domain\":\"example.com\",\"groups\":[{\"rua\":[],"
		"\"policies\":[]}]}",
		"{\"v\":1,\"host\":\"a\",\"seq\":1,\"day\":1704067200,"
		"\"domain\":\"example.com\",\"groups\":[{\"rua\":[\"x\"],"
		"\"policies\":[{\"pd\":\"example.com\",\"pt\":\"sts\","
		"\"ps\":\"[1]\",\"mx\":\"[]\",\"s\":1,\"f\":0}]}]}",
		"{\"v\":1,\"host\":\"a\",\"seq\":1,\"day\":1704067200,"
		"\"domain\":\"example.com\",\"groups\":[{\"rua\":[\"x\"],"
		"\"policies\":[{\"pd\":\"example.com\",\"pt\":\"nope\","
		"\"ps\":\"[]\",\"mx\":\"[]\",\"s\":1,\"f\":0}]}]}",
		"{\"v\":1,\"host\":\"a\",\"seq\":1,\"day\":1704067200,"
		"\"domain\":\"example.com\",\"groups\":[{\"rua\":[\"x\"],"
		"\"policies\":[{\"pd\":\"example.com\",\"pt\":\"no-policy-"
		"found\",\"ps\":\"[]\",\"mx\":\"[]\",\"s\":\"1\",\"f\":0}]}]}",
		"{\"v\":1,\"host\":\"a\",\"seq\":1,\"day\":1704067200,"
		"\"domain\":\"example.com\",\"groups\":[{\"rua\":[\"x\"],"
		"\"policies\":[{\"pd\":\"example.com\",\"pt\":\"no-policy-"
		"found\",\"ps\":\"[]\",\"mx\":\"[]\",\"s\":1099511627776000,"
		"\"f\":0}]}]}",
		"{\"v\":1,\"host\":\"a\",\"seq\":1,\"day\":1704067200,"
		"\"domain\":\"example.com\",\"groups\":[{\"rua\":[\"x\"],"
		"\"policies\":[{\"pd\":\"example.com\",\"pt\":\"no-policy-"
		"found\",\"ps\":\"[]\",\"mx\":\"[]\",\"s\":1,\"f\":1,\"d\":"
		"[{\"rt\":\"success\",\"sip\":\"\",\"rip\":\"\",\"mx\":\"\","
		"\"helo\":\"\",\"ai\":\"\",\"rc\":\"\",\"n\":1}]}]}]}",
		"{\"v\":1,\"host\":\"a\",\"seq\":1,\"day\":1704067200,"
		"\"domain\":\"example.com\",\"host\":\"b\",\"groups\":[]}",
	};
	struct tlsrpt_fleet_sum *sum;
	json_t                  *got;
	char                     why[256];
	size_t                   i;

	(void)state;
	sum = tlsrpt_fleet_sum_new(DAY, "example.com", 10);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (tlsrpt_fleet_sum_add(
		            sum, bad[i], strlen(bad[i]), why, sizeof(why))
		        != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(why[0] != '\0');
	}
	assert_int_equal(json_object_size(tlsrpt_fleet_sum_hosts(sum)), 0);
	got = tlsrpt_fleet_sum_render(sum, &meta, SUB);
	assert_int_equal(json_array_size(got), 0);
	json_decref(got);
	tlsrpt_fleet_sum_free(sum);
}

static void
test_keys(void **state)
{
	char buf[TLSRPT_FLEET_KEY_MAX];

	(void)state;
	assert_int_equal(tlsrpt_fleet_key(buf, sizeof(buf), "mxtls:",
	                         TLSRPT_FLEET_SNAP, DAY + 5, "example.com"),
	        0);
	assert_string_equal(buf, "mxtls:rpt:2024-01-01:example.com");
	tlsrpt_fleet_key(
	        buf, sizeof(buf), "p:", TLSRPT_FLEET_LOCK, DAY, "example.com");
	assert_string_equal(buf, "p:rptlock:2024-01-01:example.com");
	tlsrpt_fleet_key(buf, sizeof(buf), "p:", TLSRPT_FLEET_FENCE, DAY,
	        "example.com");
	assert_string_equal(buf, "p:rptfence:2024-01-01:example.com");
	tlsrpt_fleet_key(buf, sizeof(buf), "p:", TLSRPT_FLEET_BUILT, DAY,
	        "example.com");
	assert_string_equal(buf, "p:rptbuilt:2024-01-01:example.com");
	assert_int_equal(tlsrpt_fleet_key(buf, 10, "mxtls:", TLSRPT_FLEET_SNAP,
	                         DAY, "example.com"),
	        -1);
	assert_int_equal(tlsrpt_fleet_host_ok("mx-1.example_com"), 1);
	assert_int_equal(tlsrpt_fleet_host_ok(""), 0);
	assert_int_equal(tlsrpt_fleet_host_ok("a:b"), 0);
	assert_int_equal(tlsrpt_fleet_host_ok("a b"), 0);
	memset(buf, 'a', 64);
	buf[64] = '\0';
	assert_int_equal(tlsrpt_fleet_host_ok(buf), 1);
	buf[64] = 'a';
	buf[65] = '\0';
	assert_int_equal(tlsrpt_fleet_host_ok(buf), 0);
}

/* the local pairs, and dropping one keeps the others */
static void
test_pairs_drop(void **state)
{
	struct tlsrpt_store *st;
	json_t              *p;
	char                 why[256], *t;

	(void)state;
	st = tlsrpt_store_open(":memory:", why, sizeof(why));
	host(st, 1, 10);
	p = tlsrpt_store_snap_pairs(st, why, sizeof(why));
	assert_int_equal(json_array_size(p), 2);
	assert_string_equal(
	        json_string_value(json_array_get(json_array_get(p, 0), 1)),
	        "example.com");
	json_decref(p);
	assert_int_equal(tlsrpt_store_snap_drop(
	                         st, DAY, "example.com", why, sizeof(why)),
	        0);
	p = tlsrpt_store_snap_pairs(st, why, sizeof(why));
	assert_int_equal(json_array_size(p), 1);
	assert_string_equal(
	        json_string_value(json_array_get(json_array_get(p, 0), 1)),
	        "other.example");
	json_decref(p);
	/* an empty snapshot: no groups */
	t = snap_of(st, "b", 9);
	assert_non_null(strstr(t, "\"groups\":[]"));
	free(t);
	tlsrpt_store_close(st);
}

/* subtracting what a report holds leaves exactly what came after */
static void
test_subtract(void **state)
{
	struct tlsrpt_store     *st, *fresh;
	struct tlsrpt_fleet_snap snap;
	char                    *t, why[256], d1[32], d2[32];

	(void)state;
	st    = tlsrpt_store_open(":memory:", why, sizeof(why));
	fresh = tlsrpt_store_open(":memory:", why, sizeof(why));
	host(st, 0, 10);
	t = snap_of(st, "a", 1);
	assert_int_equal(tlsrpt_fleet_snap_decode(t, strlen(t), DAY,
	                         "example.com", &snap, why, sizeof(why)),
	        0);
	free(t);
	host(st, 1, 10);
	host(fresh, 1, 10);
	assert_int_equal(tlsrpt_store_snap_subtract(st, DAY, "example.com",
	                         snap.groups, why, sizeof(why)),
	        0);
	tlsrpt_fleet_snap_clear(&snap);
	t = snap_of(st, "a", 1);
	tlsrpt_fleet_snap_digest(t, strlen(t), DAY, "example.com", d1, 32);
	free(t);
	t = snap_of(fresh, "a", 1);
	tlsrpt_fleet_snap_digest(t, strlen(t), DAY, "example.com", d2, 32);
	free(t);
	assert_string_equal(d1, d2);
	/* subtracting everything leaves nothing of example.com */
	t = snap_of(fresh, "a", 1);
	assert_int_equal(tlsrpt_fleet_snap_decode(t, strlen(t), DAY,
	                         "example.com", &snap, why, sizeof(why)),
	        0);
	free(t);
	assert_int_equal(tlsrpt_store_snap_subtract(st, DAY, "example.com",
	                         snap.groups, why, sizeof(why)),
	        0);
	tlsrpt_fleet_snap_clear(&snap);
	t = snap_of(st, "a", 1);
	assert_non_null(strstr(t, "\"groups\":[]"));
	free(t);
	tlsrpt_store_close(st);
	tlsrpt_store_close(fresh);
}

static struct tlsrpt_fleet_view
view(int64_t now)
{
	struct tlsrpt_fleet_view v;

	memset(&v, 0, sizeof(v));
	v.day         = DAY;
	v.now         = now;
	v.grace       = 600;
	v.fallback    = 21600;
	v.redis_up    = 1;
	v.has_local   = 1;
	v.final_acked = 1;
	return (v);
}

#define END (DAY + TLSRPT_DAY)

static void
test_send_steps(void **state)
{
	struct tlsrpt_fleet_view v;

	(void)state;
	v = view(END - 1);
	assert_int_equal(tlsrpt_fleet_send_next(&v), TLSRPT_FLEET_SEND_WAIT);
	v = view(END + 599); /* the grace: one second left */
	assert_int_equal(tlsrpt_fleet_send_next(&v), TLSRPT_FLEET_SEND_WAIT);
	v = view(END + 600); /* exactly its end */
	assert_int_equal(tlsrpt_fleet_send_next(&v), TLSRPT_FLEET_SEND_LOCK);
	v.redis_up = 0;
	assert_int_equal(tlsrpt_fleet_send_next(&v), TLSRPT_FLEET_SEND_WAIT);
	v            = view(END + 600);
	v.lock_other = 1;
	assert_int_equal(tlsrpt_fleet_send_next(&v), TLSRPT_FLEET_SEND_WAIT);
	v.lock_other = 0; /* expired: take over */
	assert_int_equal(tlsrpt_fleet_send_next(&v), TLSRPT_FLEET_SEND_LOCK);
	v.lock_mine = 1;
	assert_int_equal(tlsrpt_fleet_send_next(&v), TLSRPT_FLEET_SEND_BUILD);
	v.built        = 1;
	v.targets_left = 2;
	assert_int_equal(tlsrpt_fleet_send_next(&v), TLSRPT_FLEET_SEND_SEND);
	v.targets_left = 0;
	assert_int_equal(tlsrpt_fleet_send_next(&v), TLSRPT_FLEET_SEND_DONE);
	/* a takeover of a built report sends, never builds again */
	v              = view(END + 7200);
	v.built        = 1;
	v.targets_left = 1;
	assert_int_equal(tlsrpt_fleet_send_next(&v), TLSRPT_FLEET_SEND_LOCK);
	v.lock_mine = 1;
	assert_int_equal(tlsrpt_fleet_send_next(&v), TLSRPT_FLEET_SEND_SEND);
	assert_string_equal(
	        tlsrpt_fleet_send_step_name(TLSRPT_FLEET_SEND_BUILD), "build");
}

static void
test_own_steps(void **state)
{
	struct tlsrpt_fleet_view v;

	(void)state;
	v             = view(END - 1);
	v.final_acked = 0;
	assert_int_equal(tlsrpt_fleet_own_next(&v), TLSRPT_FLEET_OWN_KEEP);
	v.now = END;
	assert_int_equal(tlsrpt_fleet_own_next(&v), TLSRPT_FLEET_OWN_PUSH);
	v.final_acked = 1;
	assert_int_equal(tlsrpt_fleet_own_next(&v), TLSRPT_FLEET_OWN_KEEP);
	v.built = 1;
	assert_int_equal(tlsrpt_fleet_own_next(&v), TLSRPT_FLEET_OWN_LOCAL);
	v.included = 1;
	assert_int_equal(tlsrpt_fleet_own_next(&v), TLSRPT_FLEET_OWN_DROP);
	/* Redis down: keep until the fallback bound, then report locally */
	v          = view(END + 21599);
	v.redis_up = 0;
	assert_int_equal(tlsrpt_fleet_own_next(&v), TLSRPT_FLEET_OWN_KEEP);
	v.now = END + 21600;
	assert_int_equal(tlsrpt_fleet_own_next(&v), TLSRPT_FLEET_OWN_LOCAL);
	v.has_local = 0;
	assert_int_equal(tlsrpt_fleet_own_next(&v), TLSRPT_FLEET_OWN_KEEP);
	assert_string_equal(
	        tlsrpt_fleet_own_step_name(TLSRPT_FLEET_OWN_DROP), "drop");
}

static void
test_fence(void **state)
{
	(void)state;
	assert_int_equal(tlsrpt_fleet_fence_ok(3, 3), 1);
	assert_int_equal(tlsrpt_fleet_fence_ok(2, 3), 0); /* stale sender */
	assert_int_equal(tlsrpt_fleet_fence_ok(4, 3), 0);
	assert_int_equal(tlsrpt_fleet_fence_ok(0, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_three_hosts_one_report),
		cmocka_unit_test(test_details_capped),
		cmocka_unit_test(test_seq_replaces),
		cmocka_unit_test(test_garbage_refused),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_pairs_drop),
		cmocka_unit_test(test_subtract),
		cmocka_unit_test(test_send_steps),
		cmocka_unit_test(test_own_steps),
		cmocka_unit_test(test_fence),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
