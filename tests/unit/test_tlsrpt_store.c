/*
 * test_tlsrpt_store.c - counting, bounded failure details, report JSON
 * (RFC 8460 §4.4; golden files tests/unit/ref/tlsrpt_*.json, regenerate
 * with MXTLS_UPDATE_REF=1), day closing, delivery state, durability across
 * a reopen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tlsrpt/tlsrpt_json.h"
#include "tlsrpt/tlsrpt_queue.h"
#include "tlsrpt/tlsrpt_store.h"

#define DAY 1704067200 /* 2024-01-01T00:00:00Z */

static const struct tlsrpt_report_meta meta
        = { "Example Org", "mailto:tlsrpt@sender.example" };

static void
golden(json_t *j, const char *name)
{
	char  path[1024], *got, *want;
	FILE *f;
	long  n;

	snprintf(path, sizeof(path), "%s/tests/unit/ref/%s", MXTLS_SOURCE_DIR,
	        name);
	got = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_non_null(got);
	if (getenv("MXTLS_UPDATE_REF") != NULL) {
		f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "%s\n", got);
		fclose(f);
	}
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("%s missing (MXTLS_UPDATE_REF=1 writes it)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	want = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(want, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	if (n < 1 || want[n - 1] != '\n' || strlen(got) != (size_t)n - 1
	        || strncmp(got, want, (size_t)n - 1) != 0)
		fail_msg("%s differs; got:\n%s", name, got);
	free(got);
	free(want);
}

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
fail_with(struct tlsrpt_obs *o, enum tlsrpt_rtype rt, const char *rip,
        const char *reason)
{
	o->failed  = 1;
	o->ndetail = 1;
	memset(&o->detail[0], 0, sizeof(o->detail[0]));
	o->detail[0].rtype = rt;
	strcpy(o->detail[0].sending_ip, "192.0.2.1");
	strcpy(o->detail[0].mx_host, "mx1.example.com");
	strcpy(o->detail[0].receiving_ip, rip);
	strcpy(o->detail[0].reason, reason);
}

#define STS_PSTR                                                              \
	"[\"version: STSv1\",\"mode: enforce\",\"mx: mx1.example.com\","      \
	"\"max_age: 86400\"]"
#define RUA "[\"https://r.example.com/tlsrpt\",\"mailto:t@example.com\"]"

static void
fill(struct tlsrpt_store *st, int max)
{
	struct tlsrpt_obs o;
	char              why[256];
	int               i, dropped;

	/* 3 successes, 4 failures over 3 distinct details (bound: max) */
	obs_init(&o, "example.com", TLSRPT_PTYPE_STS, STS_PSTR,
	        "[\"mx1.example.com\"]", RUA);
	for (i = 0; i < 3; i++)
		assert_int_equal(tlsrpt_store_add(st, DAY, &o, max, &dropped,
		                         why, sizeof(why)),
		        0);
	fail_with(&o, TLSRPT_CERTIFICATE_EXPIRED, "203.0.113.5", "expired");
	for (i = 0; i < 2; i++)
		assert_int_equal(tlsrpt_store_add(st, DAY, &o, max, &dropped,
		                         why, sizeof(why)),
		        0);
	fail_with(&o, TLSRPT_VALIDATION_FAILURE, "203.0.113.5", "");
	assert_int_equal(
	        tlsrpt_store_add(st, DAY, &o, max, &dropped, why, sizeof(why)),
	        0);
	fail_with(&o, TLSRPT_STARTTLS_NOT_SUPPORTED, "203.0.113.6", "");
	assert_int_equal(
	        tlsrpt_store_add(st, DAY, &o, max, &dropped, why, sizeof(why)),
	        0);
	assert_int_equal(dropped, max < 3 ? 1 : 0);
	tlsrpt_obs_clear(&o);

	/* no-policy-found on the same domain and rua, and one on another */
	obs_init(&o, "example.com", TLSRPT_PTYPE_NOPOLICY, "[]", "[]", RUA);
	assert_int_equal(
	        tlsrpt_store_add(st, DAY, &o, max, &dropped, why, sizeof(why)),
	        0);
	tlsrpt_obs_clear(&o);
	obs_init(&o, "other.example", TLSRPT_PTYPE_TLSA, "[\"3 1 1 ab01\"]",
	        "[\"mx.other.example\"]", "[\"mailto:r@other.example\"]");
	assert_int_equal(tlsrpt_store_add(st, DAY + 3600, &o, max, &dropped,
	                         why, sizeof(why)),
	        0);
	tlsrpt_obs_clear(&o);
}

static void
test_render_golden(void **state)
{
	struct tlsrpt_store *st;
	char                 why[256];
	json_t              *a;

	(void)state;
	st = tlsrpt_store_open(":memory:", why, sizeof(why));
	assert_non_null(st);
	fill(st, 100);
	a = tlsrpt_store_render(
	        st, DAY, "example.com", &meta, "rid-1", why, sizeof(why));
	assert_non_null(a);
	assert_int_equal(json_array_size(a), 1);
	golden(json_object_get(json_array_get(a, 0), "report"),
	        "tlsrpt_sts_nopolicy.json");
	json_decref(a);
	a = tlsrpt_store_render(
	        st, DAY, NULL, &meta, "rid-2", why, sizeof(why));
	assert_int_equal(json_array_size(a), 2);
	golden(json_object_get(json_array_get(a, 1), "report"),
	        "tlsrpt_tlsa.json");
	json_decref(a);
	tlsrpt_store_close(st);
}

static void
test_bounded_details(void **state)
{
	struct tlsrpt_store *st;
	char                 why[256];
	json_t              *a, *pol;

	(void)state;
	st = tlsrpt_store_open(":memory:", why, sizeof(why));
	fill(st, 2);
	a = tlsrpt_store_render(
	        st, DAY, "example.com", &meta, "r", why, sizeof(why));
	pol = json_array_get(
	        json_object_get(
	                json_object_get(json_array_get(a, 0), "report"),
	                "policies"),
	        0);
	/* two details kept, the failure still counted */
	assert_int_equal(
	        json_array_size(json_object_get(pol, "failure-details")), 2);
	assert_int_equal(json_integer_value(json_object_get(
	                         json_object_get(pol, "summary"),
	                         "total-failure-session-count")),
	        4);
	json_decref(a);
	tlsrpt_store_close(st);
}

struct seen {
	int     n;
	int64_t ids[8];
	char    uris[8][128];
	char    rid[128];
};

static int
collect(void *arg, const struct tlsrpt_delivery *d)
{
	struct seen *s = arg;
	json_t      *j = json_loadb(d->json, d->json_len, 0, NULL);

	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "report-id")),
	        d->report_id);
	json_decref(j);
	s->ids[s->n] = d->id;
	snprintf(s->uris[s->n], sizeof(s->uris[0]), "%s", d->uri);
	snprintf(s->rid, sizeof(s->rid), "%s", d->report_id);
	s->n++;
	return (0);
}

static int64_t
at(void *arg, int64_t day, const char *domain)
{
	(void)arg;
	(void)domain;
	return (day + TLSRPT_DAY + 600);
}

static void
test_close_and_deliver(void **state)
{
	char path[] = "/tmp/mxtls-tlsrpt-test.XXXXXX", why[256];
	struct tlsrpt_store *st;
	struct seen          s;
	json_t              *a;
	int                  fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	st = tlsrpt_store_open(path, why, sizeof(why));
	assert_non_null(st);
	fill(st, 100);
	/* durable: a second handle (as after kill -9) sees the counters */
	tlsrpt_store_close(st);
	st = tlsrpt_store_open(path, why, sizeof(why));
	assert_non_null(st);
	a = tlsrpt_store_render(st, DAY, NULL, &meta, "r", why, sizeof(why));
	assert_int_equal(json_array_size(a), 2);
	json_decref(a);

	/* the day is not over: nothing closes */
	assert_int_equal(
	        tlsrpt_store_close_days(st, DAY, &meta, "sender.example",
	                86400, at, NULL, why, sizeof(why)),
	        0);
	assert_int_equal(
	        tlsrpt_store_close_days(st, DAY + TLSRPT_DAY, &meta,
	                "sender.example", 86400, at, NULL, why, sizeof(why)),
	        2);
	a = tlsrpt_store_render(st, DAY, NULL, &meta, "r", why, sizeof(why));
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	assert_int_equal(tlsrpt_queue_pending(st), 3);
	memset(&s, 0, sizeof(s));
	assert_int_equal(tlsrpt_queue_due(st, DAY + TLSRPT_DAY + 599, 8,
	                         collect, &s, why, sizeof(why)),
	        0);
	assert_int_equal(tlsrpt_queue_due(st, DAY + TLSRPT_DAY + 600, 8,
	                         collect, &s, why, sizeof(why)),
	        3);
	assert_string_equal(s.uris[0], "https://r.example.com/tlsrpt");
	assert_non_null(strstr(s.rid, "@sender.example"));
	/* a retry moves it out of the due window; finishing deletes */
	assert_int_equal(
	        tlsrpt_queue_delivery_retry(st, s.ids[0], DAY + 3 * TLSRPT_DAY,
	                "HTTP 503", why, sizeof(why)),
	        0);
	assert_int_equal(
	        tlsrpt_queue_delivery_finish(st, s.ids[1], why, sizeof(why)),
	        0);
	assert_int_equal(
	        tlsrpt_queue_delivery_finish(st, s.ids[2], why, sizeof(why)),
	        0);
	assert_int_equal(tlsrpt_queue_pending(st), 1);
	memset(&s, 0, sizeof(s));
	assert_int_equal(tlsrpt_queue_due(st, DAY + 2 * TLSRPT_DAY, 8, collect,
	                         &s, why, sizeof(why)),
	        0);
	assert_int_equal(
	        tlsrpt_queue_hurry(st, DAY + 2 * TLSRPT_DAY, why, sizeof(why)),
	        1);
	assert_int_equal(tlsrpt_queue_due(st, DAY + 2 * TLSRPT_DAY, 8, collect,
	                         &s, why, sizeof(why)),
	        1);
	assert_int_equal(
	        tlsrpt_queue_delivery_finish(st, s.ids[0], why, sizeof(why)),
	        0);
	assert_int_equal(tlsrpt_queue_pending(st), 0);
	tlsrpt_store_close(st);
	unlink(path);
	snprintf(why, sizeof(why), "%s-wal", path);
	unlink(why);
	snprintf(why, sizeof(why), "%s-shm", path);
	unlink(why);
}

static void
test_datetime(void **state)
{
	char buf[32];

	(void)state;
	tlsrpt_json_datetime(DAY + TLSRPT_DAY - 1, buf, sizeof(buf));
	assert_string_equal(buf, "2024-01-01T23:59:59Z");
	assert_int_equal(tlsrpt_json_day(DAY + 86399), DAY);
	assert_int_equal(tlsrpt_json_day(DAY + 86400), DAY + 86400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_golden),
		cmocka_unit_test(test_bounded_details),
		cmocka_unit_test(test_close_and_deliver),
		cmocka_unit_test(test_datetime),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
