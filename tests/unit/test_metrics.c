/*
 * test_metrics.c - the metrics registry and its text exposition
 * (cached/util/metrics.c): HELP and TYPE lines, "_total" on counters,
 * label sets in the table's order, label values and HELP text escaped,
 * histogram buckets cumulative with +Inf equal to _count, callbacks read
 * at render time, counts from several threads exact, malformed tables
 * refused, and the daemon table's TLSRPT result values in the order of
 * tlsrpt_rtype; the "answer" label of socketmap and IPC replies, and the
 * metrics endpoint's routing of a request line.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/metrics_http.h"
#include "door/codec_socketmap.h"
#include "door/codec_sp.h"
#include "tlsrpt/tlsrpt_result.h"
#include "util/metrics.h"

static const char *const odd[]      = { "a\"b", "c\\d", "e\nf", NULL };
static const char *const two[]      = { "x", "y", NULL };
static const double      bk[]       = { 0.1, 1, 10 };
static const double      unsorted[] = { 1, 1 };

enum { T_C = 0, T_G, T_H, T_F, T_N };

static const struct metrics_def tdefs[T_N] = {
	[T_C] = { "t_requests", "Requests \\ with\na newline.",
	        METRICS_COUNTER, { "k", "v" }, { odd, two }, NULL, 0 },
	[T_G] = { "t_level", "A gauge.", METRICS_GAUGE, { NULL, NULL },
	        { NULL, NULL }, NULL, 0 },
	[T_H] = { "t_seconds", "A histogram.", METRICS_HISTOGRAM,
	        { "door", NULL }, { two, NULL }, bk, 3 },
	[T_F] = { "t_fn", "A callback.", METRICS_GAUGE, { "door", NULL },
	        { two, NULL }, NULL, 0 },
};

static double
fn(void *arg, int l0, int l1)
{
	(void)l1;
	return (*(double *)arg + l0);
}

static int
has(const char *text, const char *line)
{
	return (strstr(text, line) != NULL);
}

static void
test_counter_labels_escaped(void **state)
{
	struct metrics_reg *r = metrics_reg_new(tdefs, T_N);
	char               *s;

	(void)state;
	assert_non_null(r);
	metrics_reg_add(r, T_C, 0, 1, 3);
	metrics_reg_add(r, T_C, 2, 0, 1);
	metrics_reg_add(r, T_C, 3, 0, 1);  /* out of range: ignored */
	metrics_reg_add(r, T_C, 0, -1, 1); /* idem */
	metrics_reg_add(r, 99, 0, 0, 1);   /* idem */
	s = metrics_reg_render(r, NULL);
	assert_true(has(s,
	        "# HELP t_requests_total Requests \\\\ with\\na newline.\n"
	        "# TYPE t_requests_total counter\n"
	        "t_requests_total{k=\"a\\\"b\",v=\"x\"} 0\n"
	        "t_requests_total{k=\"a\\\"b\",v=\"y\"} 3\n"
	        "t_requests_total{k=\"c\\\\d\",v=\"x\"} 0\n"));
	assert_true(has(s, "t_requests_total{k=\"e\\nf\",v=\"x\"} 1\n"));
	assert_int_equal(metrics_reg_value(r, T_C, 0, 1), 3);
	free(s);
	metrics_reg_free(r);
}

static void
test_gauge_and_fn(void **state)
{
	struct metrics_reg *r    = metrics_reg_new(tdefs, T_N);
	double              base = 2.5;
	char               *s;

	(void)state;
	metrics_reg_set(r, T_G, 0, 0, 7);
	metrics_reg_add(r, T_G, 0, 0, -9);
	metrics_reg_set(r, T_C, 0, 0, 5); /* a counter is not set */
	metrics_reg_fn(r, T_F, fn, &base);
	s = metrics_reg_render(r, NULL);
	assert_true(has(s, "# TYPE t_level gauge\nt_level -2\n"));
	assert_true(has(s, "t_fn{door=\"x\"} 2.5\nt_fn{door=\"y\"} 3.5\n"));
	assert_int_equal(metrics_reg_value(r, T_C, 0, 0), 0);
	free(s);
	base = 10;
	s    = metrics_reg_render(r, NULL); /* read again at render time */
	assert_true(has(s, "t_fn{door=\"x\"} 10\n"));
	free(s);
	metrics_reg_free(r);
}

static void
test_histogram(void **state)
{
	struct metrics_reg *r = metrics_reg_new(tdefs, T_N);
	char               *s;

	(void)state;
	metrics_reg_observe(r, T_H, 1, 0, 0.05); /* le 0.1 */
	metrics_reg_observe(r, T_H, 1, 0, 0.1);  /* le 0.1: bound included */
	metrics_reg_observe(r, T_H, 1, 0, 5);    /* le 10 */
	metrics_reg_observe(r, T_H, 1, 0, 11);   /* +Inf only */
	metrics_reg_add(r, T_H, 1, 0, 1);        /* not a counter: ignored */
	s = metrics_reg_render(r, NULL);
	assert_true(has(s,
	        "# TYPE t_seconds histogram\n"
	        "t_seconds_bucket{door=\"x\",le=\"0.1\"} 0\n"
	        "t_seconds_bucket{door=\"x\",le=\"1\"} 0\n"
	        "t_seconds_bucket{door=\"x\",le=\"10\"} 0\n"
	        "t_seconds_bucket{door=\"x\",le=\"+Inf\"} 0\n"
	        "t_seconds_sum{door=\"x\"} 0\n"
	        "t_seconds_count{door=\"x\"} 0\n"));
	assert_true(has(s,
	        "t_seconds_bucket{door=\"y\",le=\"0.1\"} 2\n"
	        "t_seconds_bucket{door=\"y\",le=\"1\"} 2\n"
	        "t_seconds_bucket{door=\"y\",le=\"10\"} 3\n"
	        "t_seconds_bucket{door=\"y\",le=\"+Inf\"} 4\n"
	        "t_seconds_sum{door=\"y\"} 16.15\n"
	        "t_seconds_count{door=\"y\"} 4\n"));
	assert_int_equal(metrics_reg_value(r, T_H, 1, 0), 4);
	free(s);
	metrics_reg_free(r);
}

static void
test_escape_truncates(void **state)
{
	char out[5];

	(void)state;
	assert_int_equal(metrics_escape_label("ab\"c", out, sizeof(out)), 4);
	assert_string_equal(out, "ab\\\"");
	/* never half an escape */
	assert_int_equal(metrics_escape_label("abc\"", out, sizeof(out)), 3);
	assert_string_equal(out, "abc");
}

static void
test_bad_tables(void **state)
{
	struct metrics_def       d[1]   = { { "h", "x", METRICS_HISTOGRAM,
		        { NULL, NULL }, { NULL, NULL }, NULL, 0 } };
	static const char *const none[] = { NULL };

	(void)state;
	assert_null(metrics_reg_new(d, 1)); /* no buckets */
	d[0].buckets  = unsorted;
	d[0].nbuckets = 2;
	assert_null(metrics_reg_new(d, 1)); /* not ascending */
	d[0].type      = METRICS_COUNTER;
	d[0].label[0]  = "l";
	d[0].values[0] = none;
	assert_null(metrics_reg_new(d, 1)); /* a label without values */
	memset(d, 0, sizeof(d));
	assert_null(metrics_reg_new(d, 1)); /* a hole in the table */
}

static struct metrics_reg *shared;

static void *
counter_thread(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 100000; i++) {
		metrics_reg_add(shared, T_C, 1, 1, 1);
		metrics_reg_observe(shared, T_H, 0, 0, 0.5);
	}
	return (NULL);
}

static void
test_threads(void **state)
{
	pthread_t t[4];
	int       i;

	(void)state;
	shared = metrics_reg_new(tdefs, T_N);
	for (i = 0; i < 4; i++) {
		assert_int_equal(
		        pthread_create(&t[i], NULL, counter_thread, NULL), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
	}
	assert_int_equal(metrics_reg_value(shared, T_C, 1, 1), 400000);
	assert_int_equal(metrics_reg_value(shared, T_H, 0, 0), 400000);
	metrics_reg_free(shared);
}

static void
test_daemon_table(void **state)
{
	const char *const *v = metrics_table[M_TLSRPT_RESULTS].values[0];
	char              *s;
	int                i;

	(void)state;
	for (i = 0; i < TLSRPT_RTYPE_COUNT; i++) {
		assert_non_null(v[i]);
		assert_string_equal(v[i], tlsrpt_rtype_name(i));
	}
	assert_null(v[TLSRPT_RTYPE_COUNT]);
	metrics_init();
	metrics_inc(M_LOOKUPS, MD_DIRECT, MA_DANE_ONLY);
	metrics_observe(M_LOOKUP_SECONDS, MD_SOCKETMAP, 0, 0.0003);
	s = metrics_reg_render(metrics_global(), NULL);
	assert_true(has(s,
	        "mxtls_lookups_total{door=\"direct\",answer=\"dane-only\"} "
	        "1\n"));
	assert_true(has(s,
	        "mxtls_lookup_duration_seconds_bucket{door=\"socketmap\","
	        "le=\"0.0005\"} 1\n"));
	assert_true(has(s, "# TYPE mxtls_overrides_applied_total counter\n"));
	assert_true(has(s,
	        "mxtls_tlsrpt_deliveries_total{transport="
	        "\"sendmail\",outcome=\"given_up\"} 0\n"));
	assert_int_equal(metrics_mta("exim"), MM_EXIM);
	assert_int_equal(metrics_mta("postfix"), MM_POSTFIX);
	assert_int_equal(metrics_mta("opensmtpd"), MM_OPENSMTPD);
	assert_int_equal(metrics_mta(""), MM_OTHER);
	assert_int_equal(metrics_mta(NULL), MM_OTHER);
	free(s);
	metrics_fini();
}

static int
smc(const char *s)
{
	return (codec_socketmap_answer_class(s, strlen(s)));
}

static int
spc(const char *s)
{
	return (codec_sp_answer_class(s, strlen(s)));
}

static void
test_answer_classes(void **state)
{
	(void)state;
	assert_int_equal(smc("OK dane"), MA_DANE);
	assert_int_equal(smc("OK dane-only"), MA_DANE_ONLY);
	assert_int_equal(smc("OK daneish"), MA_NONE); /* not a word of ours */
	assert_int_equal(
	        smc("OK secure match=a servername=hostname"), MA_SECURE);
	assert_int_equal(smc("OK encrypt"), MA_ENCRYPT);
	assert_int_equal(smc("NOTFOUND "), MA_NONE);
	assert_int_equal(smc("TEMP MX lookup failed"), MA_TEMPFAIL);
	assert_int_equal(smc("PERM malformed request"), MA_ERROR);
	assert_int_equal(smc(""), MA_ERROR);
	assert_int_equal(
	        spc("{\"status\":\"tempfail\",\"why\":\"x\"}"), MA_TEMPFAIL);
	assert_int_equal(spc("{\"status\":\"error\"}"), MA_ERROR);
	assert_int_equal(spc("not json"), MA_ERROR);
	assert_int_equal(spc("{\"status\":\"ok\",\"mode\":\"enforce\","
	                     "\"hosts\":[{\"action\":\"dane\"}]}"),
	        MA_DANE);
	assert_int_equal(spc("{\"status\":\"ok\",\"mode\":\"enforce\","
	                     "\"hosts\":[{\"action\":\"verify\"}]}"),
	        MA_SECURE);
	/* enforce made opportunistic by a local override (testing, none):
	 * not enforced, as the socketmap's NOTFOUND */
	assert_int_equal(spc("{\"status\":\"ok\",\"mode\":\"enforce\","
	                     "\"override\":{\"action\":\"testing\"},"
	                     "\"hosts\":[{\"action\":\"may\"}]}"),
	        MA_NONE);
	assert_int_equal(spc("{\"status\":\"ok\",\"mode\":\"testing\","
	                     "\"hosts\":[{\"action\":\"may\"}]}"),
	        MA_TESTING);
	assert_int_equal(spc("{\"status\":\"ok\",\"policy\":\"none\","
	                     "\"hosts\":[{\"action\":\"encrypt\"}]}"),
	        MA_ENCRYPT);
	assert_int_equal(spc("{\"status\":\"ok\",\"mode\":\"none\","
	                     "\"hosts\":[{\"action\":\"may\"}]}"),
	        MA_NONE);
}

static void
test_route(void **state)
{
	char path;
	int  head;

	(void)state;
	assert_int_equal(
	        metrics_http_route("GET /metrics HTTP/1.1", &path, &head),
	        200);
	assert_int_equal(path, 'm');
	assert_int_equal(head, 0);
	assert_int_equal(
	        metrics_http_route("HEAD /healthz?x=1 HTTP/1.0", &path, &head),
	        200);
	assert_int_equal(path, 'h');
	assert_int_equal(head, 1);
	assert_int_equal(
	        metrics_http_route("POST /metrics HTTP/1.1", &path, &head),
	        405);
	assert_int_equal(
	        metrics_http_route("GET /metricsx HTTP/1.1", &path, &head),
	        404);
	assert_int_equal(
	        metrics_http_route("GET / HTTP/1.1", &path, &head), 404);
	assert_int_equal(
	        metrics_http_route("GET /metrics", &path, &head), 400);
	assert_int_equal(
	        metrics_http_route("GET /metrics SPDY/3", &path, &head), 400);
	assert_int_equal(metrics_http_route("", &path, &head), 400);
	assert_int_equal(path, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_labels_escaped),
		cmocka_unit_test(test_gauge_and_fn),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_escape_truncates),
		cmocka_unit_test(test_bad_tables),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_daemon_table),
		cmocka_unit_test(test_answer_classes),
		cmocka_unit_test(test_route),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
