/*
 * test_tlsrpt_scenario.c - TLS reporting over days (RFC 8460 §4, §5;
 * docs/DECISIONS.md T2, T5, T6, T9, T10; cached/tlsrpt/tlsrpt_sched.h) on
 * the fake clock: the real cached/tlsrpt/tlsrpt_sched.c with its SQLite
 * store (tlsrpt_store.c, tlsrpt_queue.c, the report JSON), the deliveries
 * through the scripted sender of fake_send.c, the TLSRPT clock (time(2),
 * tlsrpt_sched_now) moved with cached/util/clock.h through fake_time.c.
 *
 * The scheduler's 30 s libevent timer runs on libevent's monotonic clock,
 * which the fake clock cannot move: tick() fires it at once (the timer
 * event, found by its argument, is made active) and runs the loop until
 * nothing is ready, as the timer would after the clock was advanced.
 *
 * Each scenario counts sessions, moves the clock, ticks, and checks when a
 * day closes into a report, when deliveries are attempted, what they carry,
 * the retry times (5 min doubling to 4 h, capped by the deadline), the
 * give-up (tlsrpt.retry_deadline after the day's end, tlsrpt.retry_max
 * attempts, a permanent failure), and that counts and deliveries survive a
 * reopen of the store.
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
#include <event2/event.h>
#include <jansson.h>

#include "fake_dns.h"
#include "fake_loop.h"
#include "fake_send.h"
#include "fake_time.h"
#include "fake_tlsrpt_world.h"
#include "log.h"
#include "tlsrpt/tlsrpt_json.h"
#include "tlsrpt/tlsrpt_result.h"
#include "tlsrpt/tlsrpt_sched.h"
#include "util/clock.h"
#include "util/conf.h"
#include "util/stats.h"

#define DAY   1704067200                 /* 2024-01-01T00:00:00Z */
#define DELAY 600                        /* tlsrpt.send_delay */
#define FIRST (DAY + TLSRPT_DAY + DELAY) /* first try of DAY's report */
#define RUA_A "mailto:a@r.test"
#define RUA_B "https://r.test/tlsrpt"

static struct fake_tlsrpt_world W;

/* ---- harness ---------------------------------------------------------- */

static void
run(void)
{
	fake_loop_run(W.base);
}

/* tick - what the scheduler's timer does when it fires now. */
static void
tick(void)
{
	fake_loop_fire(W.base, W.t);
}

/* at - the fake clock to t, then a tick. */
static void
at(int64_t t)
{
	clock_set_fake(t);
	tick();
}

static void
sched_open(void)
{
	fake_tlsrpt_world_sched(&W);
}

static int
setup(void **state)
{
	(void)state;
	fake_tlsrpt_world_open(&W, DAY + 3600, "/tmp/mxtls-tlsrpt-scenario");
	fake_tlsrpt_set_str(&W.conf.tlsrpt_from, "tlsrpt-noreply@sub.test");
	fake_tlsrpt_set_str(&W.conf.tlsrpt_organization, "Sub Org");
	W.conf.tlsrpt_send_delay     = DELAY;
	W.conf.tlsrpt_send_window    = 0;
	W.conf.tlsrpt_retry_deadline = 86400;
	W.conf.tlsrpt_retry_max      = 1000;
	sched_open();
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	fake_tlsrpt_world_close(&W);
	return (0);
}

/* count - one session of domain (no-policy-found) reported to rua (a JSON
 * array text), a failure or a success; durable before it returns 0. */
static void
count(const char *domain, const char *rua, int failed)
{
	struct tlsrpt_obs o;
	char              why[512];

	memset(&o, 0, sizeof(o));
	snprintf(o.domain, sizeof(o.domain), "%s", domain);
	snprintf(o.pdomain, sizeof(o.pdomain), "%s", domain);
	o.ptype = TLSRPT_PTYPE_NOPOLICY;
	o.pstr  = strdup("[]");
	o.mx    = strdup("[]");
	o.rua   = strdup(rua);
	if (failed) {
		o.failed          = 1;
		o.ndetail         = 1;
		o.detail[0].rtype = TLSRPT_STARTTLS_NOT_SUPPORTED;
		snprintf(o.detail[0].mx_host, sizeof(o.detail[0].mx_host),
		        "mx1.%s", domain);
		snprintf(o.detail[0].receiving_ip,
		        sizeof(o.detail[0].receiving_ip), "192.0.2.25");
	}
	if (tlsrpt_sched_add(W.t, &o, why, sizeof(why)) != 0)
		fail_msg("tlsrpt_sched_add: %s", why);
	tlsrpt_obs_clear(&o);
}

/* counts - the summary of a report (JSON text or object). */
static void
counts_of(json_t *rep, long *ok, long *failed)
{
	json_t *p = json_array_get(json_object_get(rep, "policies"), 0);
	json_t *s = json_object_get(p, "summary");

	assert_non_null(s);
	*ok = (long)json_integer_value(
	        json_object_get(s, "total-successful-session-count"));
	*failed = (long)json_integer_value(
	        json_object_get(s, "total-failure-session-count"));
}

static void
expect_sent_report(const char *uri, const char *start, long ok, long failed)
{
	const struct fake_send_attempt *a = fake_send_last(uri);
	json_t                         *rep;
	long                            n_ok, n_failed;

	assert_non_null(a);
	rep = json_loads(a->json, 0, NULL);
	assert_non_null(rep);
	counts_of(rep, &n_ok, &n_failed);
	assert_int_equal(n_ok, ok);
	assert_int_equal(n_failed, failed);
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_object_get(rep, "date-range"), "start-datetime")),
	        start);
	assert_string_equal(
	        json_string_value(json_object_get(rep, "report-id")),
	        a->report_id);
	assert_string_equal(
	        json_string_value(json_object_get(rep, "organization-name")),
	        "Sub Org");
	json_decref(rep);
}

/* preview - the reports of day (-1: today) for domain (NULL: all). */
static json_t *
preview(const char *domain, int64_t day)
{
	char    why[512];
	json_t *a = tlsrpt_sched_preview(W.t, domain, day, why, sizeof(why));

	if (a == NULL)
		fail_msg("preview: %s", why);
	return (a);
}

/* ---- scenarios -------------------------------------------------------- */

/*
 * A day's sessions are counted under that UTC day until its last second;
 * the day closes into one report at its end (not before), the report is
 * first sent tlsrpt.send_delay later (not before), once, carrying the
 * day's counts; the next day's sessions make the next day's report.
 */
static void
day_closes_then_sent(void **state)
{
	json_t *a, *rep;
	long    ok, failed;

	(void)state;
	count("r.test", "[\"" RUA_A "\"]", 0);
	count("r.test", "[\"" RUA_A "\"]", 0);
	count("r.test", "[\"" RUA_A "\"]", 1);
	a = preview(NULL, -1);
	assert_int_equal(json_array_size(a), 1);
	rep = json_object_get(json_array_get(a, 0), "report");
	counts_of(rep, &ok, &failed);
	assert_int_equal(ok, 2);
	assert_int_equal(failed, 1);
	json_decref(a);

	at(DAY + TLSRPT_DAY - 1); /* the day's last second */
	count("r.test", "[\"" RUA_A "\"]", 0);
	assert_int_equal(W.stats.tlsrpt_reports, 0);
	assert_int_equal(fake_send_count(NULL), 0);

	at(DAY + TLSRPT_DAY); /* the next day: DAY closes */
	assert_int_equal(W.stats.tlsrpt_reports, 1);
	assert_int_equal(fake_send_count(NULL), 0);
	count("r.test", "[\"" RUA_A "\"]", 1); /* on the next day */
	/* the closed day: its report waits for RUA_A */
	a = preview("r.test", DAY);
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(
	        json_string_value(json_array_get(
	                json_object_get(json_array_get(a, 0), "rua"), 0)),
	        RUA_A);
	json_decref(a);

	at(FIRST - 1);
	assert_int_equal(fake_send_count(NULL), 0);
	at(FIRST);
	assert_int_equal(fake_send_count(RUA_A), 1);
	assert_int_equal(fake_send_last(RUA_A)->at, FIRST);
	assert_string_equal(fake_send_last(RUA_A)->domain, "r.test");
	assert_int_equal(fake_send_last(RUA_A)->day, DAY);
	if (strstr(fake_send_last(RUA_A)->report_id, "2024-01-01.") == NULL
	        || strstr(fake_send_last(RUA_A)->report_id, ".r.test@sub.test")
	                == NULL)
		fail_msg("report-id %s", fake_send_last(RUA_A)->report_id);
	expect_sent_report(RUA_A, "2024-01-01T00:00:00Z", 3, 1);
	assert_int_equal(W.stats.tlsrpt_sent, 1);
	a = preview("r.test", DAY); /* delivered: nothing waits */
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);

	at(FIRST + 86400 / 2); /* delivered once only */
	assert_int_equal(fake_send_count(RUA_A), 1);

	at(DAY + 2 * TLSRPT_DAY + DELAY);
	assert_int_equal(W.stats.tlsrpt_reports, 2);
	assert_int_equal(fake_send_count(RUA_A), 2);
	expect_sent_report(RUA_A, "2024-01-02T00:00:00Z", 0, 1);
	assert_int_equal(W.stats.tlsrpt_given_up, 0);
}

/*
 * A delivery that keeps failing is retried 5 min after the first attempt,
 * the wait doubling to at most 4 h (300, 600, ..., 9600, 14400, 14400),
 * the last retry at the deadline (tlsrpt.retry_deadline after the day's
 * end), then given up; never tried again after that. Each retry happens
 * at its time, not a second before.
 */
static void
backoff_then_deadline(void **state)
{
	int64_t  t = FIRST, deadline = DAY + TLSRPT_DAY + 86400, wait = 300;
	unsigned n = 0;

	(void)state;
	count("r.test", "[\"" RUA_A "\"]", 1);
	fake_send_set(RUA_A, FAKE_SEND_TEMP);
	at(DAY + TLSRPT_DAY);
	assert_int_equal(W.stats.tlsrpt_reports, 1);
	for (;;) {
		at(t - 1);
		assert_int_equal(fake_send_count(RUA_A), n);
		at(t);
		assert_int_equal(fake_send_count(RUA_A), ++n);
		assert_int_equal(fake_send_last(RUA_A)->at, t);
		if (t == deadline)
			break;
		t += wait;
		if (t > deadline)
			t = deadline;
		wait = wait * 2 > 14400 ? 14400 : wait * 2;
	}
	/* FIRST, then +300 ... +9600 (6), then 14400 four times, then the
	 * deadline */
	assert_int_equal(n, 12);
	assert_int_equal(W.stats.tlsrpt_given_up, 1);
	assert_int_equal(W.stats.tlsrpt_send_failures, 12);
	assert_int_equal(W.stats.tlsrpt_sent, 0);
	at(deadline + 14400);
	at(deadline + 5 * 86400);
	assert_int_equal(fake_send_count(RUA_A), 12);
}

/*
 * tlsrpt.retry_max bounds the attempts (3 here: FIRST, +300, +900); a
 * permanent failure is given up at once; a delivery that works on a retry
 * is done; every rua URI is delivered on its own.
 */
static void
retry_max_permanent_recovery(void **state)
{
	(void)state;
	W.conf.tlsrpt_retry_max = 3;
	tlsrpt_sched_reconfigure(W.t, &W.conf);
	count("max.test", "[\"mailto:m@max.test\"]", 0);
	count("perm.test", "[\"mailto:p@perm.test\"]", 0);
	count("r.test", "[\"" RUA_A "\",\"" RUA_B "\"]", 0);
	fake_send_set("mailto:m@max.test", FAKE_SEND_TEMP);
	fake_send_set("mailto:p@perm.test", FAKE_SEND_PERMANENT);
	fake_send_set(RUA_A, FAKE_SEND_TEMP);

	at(DAY + TLSRPT_DAY);
	assert_int_equal(W.stats.tlsrpt_reports, 3);
	at(FIRST);
	assert_int_equal(fake_send_count("mailto:m@max.test"), 1);
	assert_int_equal(fake_send_count("mailto:p@perm.test"), 1);
	assert_int_equal(fake_send_count(RUA_A), 1);
	assert_int_equal(fake_send_count(RUA_B), 1);
	assert_int_equal(W.stats.tlsrpt_sent, 1);     /* RUA_B */
	assert_int_equal(W.stats.tlsrpt_given_up, 1); /* perm.test */

	fake_send_set(RUA_A, FAKE_SEND_OK);
	at(FIRST + 300);
	assert_int_equal(fake_send_count("mailto:m@max.test"), 2);
	assert_int_equal(fake_send_count(RUA_A), 2);
	assert_int_equal(W.stats.tlsrpt_sent, 2);
	at(FIRST + 900);
	assert_int_equal(fake_send_count("mailto:m@max.test"), 3);
	assert_int_equal(W.stats.tlsrpt_given_up, 2); /* max.test */

	at(FIRST + 86400);
	assert_int_equal(fake_send_count("mailto:m@max.test"), 3);
	assert_int_equal(fake_send_count("mailto:p@perm.test"), 1);
	assert_int_equal(fake_send_count(RUA_A), 2);
	assert_int_equal(fake_send_count(RUA_B), 1);
}

/*
 * Nothing is lost across a reopen of the store (a restart): counts of a
 * day not yet closed, a report whose retry is scheduled (tried at its
 * time, not at the restart), and a delivery in flight when the scheduler
 * stopped (tried again after the restart: at-least-once, T9).
 */
static void
reopen_loses_nothing(void **state)
{
	json_t *a;
	long    ok, failed;

	(void)state;
	count("r.test", "[\"" RUA_A "\"]", 0);
	count("r.test", "[\"" RUA_A "\"]", 1);
	tlsrpt_sched_free(W.t);
	sched_open();
	a = preview("r.test", -1);
	assert_int_equal(json_array_size(a), 1);
	counts_of(
	        json_object_get(json_array_get(a, 0), "report"), &ok, &failed);
	assert_int_equal(ok, 1);
	assert_int_equal(failed, 1);
	json_decref(a);
	count("r.test", "[\"" RUA_A "\"]", 0);

	/* a failed first try: the retry is due at FIRST + 300 */
	fake_send_set(RUA_A, FAKE_SEND_TEMP);
	at(FIRST);
	assert_int_equal(fake_send_count(RUA_A), 1);
	tlsrpt_sched_free(W.t);
	clock_set_fake(FIRST + 299);
	sched_open();
	assert_int_equal(fake_send_count(RUA_A), 1);
	/* in flight at the stop */
	fake_send_hold(RUA_A, 1);
	at(FIRST + 300);
	assert_int_equal(fake_send_count(RUA_A), 2);
	assert_int_equal(fake_send_live(), 1);
	tlsrpt_sched_free(W.t);
	assert_int_equal(fake_send_live(), 0);
	fake_send_hold(RUA_A, 0);
	fake_send_set(RUA_A, FAKE_SEND_OK);
	clock_set_fake(FIRST + 301);
	sched_open(); /* its first tick: the row is still due */
	assert_int_equal(fake_send_count(RUA_A), 3);
	expect_sent_report(RUA_A, "2024-01-01T00:00:00Z", 2, 1);
	assert_int_equal(W.stats.tlsrpt_sent, 1);
	at(FIRST + 86400);
	assert_int_equal(fake_send_count(RUA_A), 3);
}

/*
 * report-send-now (the admin op): refuses a day not over; closes the
 * finished days and sends their reports at once, before send_delay.
 */
static void
send_now(void **state)
{
	char why[512];
	int  reports = -1, pending = -1;

	(void)state;
	count("r.test", "[\"" RUA_A "\"]", 0);
	assert_int_equal(tlsrpt_sched_send_now(W.t, DAY, &reports, &pending,
	                         why, sizeof(why)),
	        -1);
	if (strstr(why, "not over") == NULL)
		fail_msg("why '%s'", why);
	clock_set_fake(DAY + TLSRPT_DAY + 10);
	assert_int_equal(tlsrpt_sched_send_now(W.t, -1, &reports, &pending,
	                         why, sizeof(why)),
	        0);
	assert_int_equal(reports, 1);
	assert_int_equal(pending, 1);
	run();
	assert_int_equal(fake_send_count(RUA_A), 1);
	assert_int_equal(fake_send_last(RUA_A)->at, DAY + TLSRPT_DAY + 10);
	assert_int_equal(W.stats.tlsrpt_sent, 1);
	at(FIRST);
	assert_int_equal(fake_send_count(RUA_A), 1);
}

/* our own report's session (sender = tlsrpt.from) is recognised,
 * case-insensitively; nobody else's */
static void
own_sender(void **state)
{
	(void)state;
	assert_true(tlsrpt_sched_is_own(W.t, "tlsrpt-noreply@sub.test"));
	assert_true(tlsrpt_sched_is_own(W.t, "TLSRPT-noreply@SUB.test"));
	assert_false(tlsrpt_sched_is_own(W.t, "tlsrpt-noreply@sub.test.x"));
	assert_false(tlsrpt_sched_is_own(W.t, ""));
	assert_false(tlsrpt_sched_is_own(W.t, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		        day_closes_then_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        backoff_then_deadline, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        retry_max_permanent_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        reopen_loses_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(send_now, setup, teardown),
		cmocka_unit_test_setup_teardown(own_sender, setup, teardown),
	};

	log_init("test_tlsrpt_scenario", 1, 0);
	log_set_level(LOG_LVL_ERR);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
