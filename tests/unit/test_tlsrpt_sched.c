/*
 * test_tlsrpt_sched.c - cached/tlsrpt/tlsrpt_sched.c's public functions
 * (RFC 8460 §4, §5; docs/DECISIONS.md T4, T6, T7, T16) with the real
 * SQLite store, deliveries through tests/scenario/fake_send.c and the
 * TLSRPT clock on the fake clock (fake_time.c): the clock and its offset,
 * the own-sender rule and its defaults, counting (bounded failure
 * details), preview of today, of a day and of a domain, send-now of one
 * day, the first try inside [send_delay, send_delay + send_window] after
 * the day, reconfigure, an unusable store (every op refused with its
 * reason, counted as a store error, usable after a reopen), NULL handles.
 * The day-by-day life cycle (closing, backoff, deadline, reopen) is
 * tests/scenario/test_tlsrpt_scenario.c.
 */
#include <sys/stat.h>

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

#define DAY 1704067200 /* 2024-01-01T00:00:00Z */

static struct fake_tlsrpt_world W;

static void
run(void)
{
	fake_loop_run(W.base);
}

/* at - the fake clock to t, then what the scheduler's timer does. */
static void
at(int64_t t)
{
	clock_set_fake(t);
	fake_loop_fire(W.base, W.t);
}

static void
sched_open(void)
{
	fake_tlsrpt_world_sched(&W);
}

/* setup_conf - everything but the scheduler. */
static int
setup_conf(void **state)
{
	(void)state;
	unsetenv("MXTLSD_TLSRPT_TIME_OFFSET");
	fake_tlsrpt_world_open(&W, DAY + 3600, "/tmp/mxtls-tlsrpt-sched");
	fake_tlsrpt_set_str(&W.conf.tlsrpt_from, "reports@sub.test");
	W.conf.tlsrpt_send_delay          = 600;
	W.conf.tlsrpt_send_window         = 0;
	W.conf.tlsrpt_max_failure_details = 2;
	return (0);
}

static int
setup(void **state)
{
	setup_conf(state);
	sched_open();
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	fake_tlsrpt_world_close(&W);
	unsetenv("MXTLSD_TLSRPT_TIME_OFFSET");
	return (0);
}

/* obs - a session of domain to rua (JSON array text); failed with a
 * starttls-not-supported detail at receiving IP ip. */
static int
add(const char *domain, const char *rua, const char *ip, char *why,
        size_t whylen)
{
	struct tlsrpt_obs o;
	int               rv;

	memset(&o, 0, sizeof(o));
	snprintf(o.domain, sizeof(o.domain), "%s", domain);
	snprintf(o.pdomain, sizeof(o.pdomain), "%s", domain);
	o.ptype = TLSRPT_PTYPE_NOPOLICY;
	o.pstr  = strdup("[]");
	o.mx    = strdup("[]");
	o.rua   = strdup(rua);
	if (ip != NULL) {
		o.failed          = 1;
		o.ndetail         = 1;
		o.detail[0].rtype = TLSRPT_STARTTLS_NOT_SUPPORTED;
		snprintf(o.detail[0].receiving_ip,
		        sizeof(o.detail[0].receiving_ip), "%s", ip);
	}
	rv = tlsrpt_sched_add(W.t, &o, why, whylen);
	tlsrpt_obs_clear(&o);
	return (rv);
}

static void
add_ok(const char *domain, const char *rua, const char *ip)
{
	char why[512];

	if (add(domain, rua, ip, why, sizeof(why)) != 0)
		fail_msg("tlsrpt_sched_add: %s", why);
}

static json_t *
preview(const char *domain, int64_t day)
{
	char    why[512];
	json_t *a = tlsrpt_sched_preview(W.t, domain, day, why, sizeof(why));

	if (a == NULL)
		fail_msg("preview: %s", why);
	return (a);
}

static json_t *
summary(json_t *item)
{
	return (json_object_get(
	        json_array_get(json_object_get(json_object_get(item, "report"),
	                               "policies"),
	                0),
	        "summary"));
}

/* ---- tests ------------------------------------------------------------ */

/* tlsrpt_sched_now is time(2) plus MXTLSD_TLSRPT_TIME_OFFSET */
static void
clock_offset(void **state)
{
	(void)state;
	assert_int_equal(tlsrpt_sched_now(), DAY + 3600);
	setenv("MXTLSD_TLSRPT_TIME_OFFSET", "86400", 1);
	assert_int_equal(tlsrpt_sched_now(), DAY + 3600 + 86400);
	setenv("MXTLSD_TLSRPT_TIME_OFFSET", "-3601", 1);
	assert_int_equal(tlsrpt_sched_now(), DAY - 1);
	unsetenv("MXTLSD_TLSRPT_TIME_OFFSET");
	assert_int_equal(tlsrpt_sched_now(), DAY + 3600);
}

/* own sender: tlsrpt.from, or tlsrpt-noreply@<submitter> by default */
static void
own_sender(void **state)
{
	(void)state;
	assert_true(tlsrpt_sched_is_own(W.t, "reports@sub.test"));
	assert_true(tlsrpt_sched_is_own(W.t, "Reports@Sub.Test"));
	assert_false(tlsrpt_sched_is_own(W.t, "reports@sub.test.evil"));
	assert_false(tlsrpt_sched_is_own(W.t, "tlsrpt-noreply@sub.test"));
	assert_false(tlsrpt_sched_is_own(W.t, ""));
	assert_false(tlsrpt_sched_is_own(W.t, NULL));
	tlsrpt_sched_free(W.t);
	fake_tlsrpt_set_str(&W.conf.tlsrpt_from, "");
	sched_open();
	assert_true(tlsrpt_sched_is_own(W.t, "tlsrpt-noreply@sub.test"));
	assert_false(tlsrpt_sched_is_own(W.t, "reports@sub.test"));
}

/* counting: successes and failures per domain and rua set; at most
 * tlsrpt.max_failure_details (2) distinct details, the rest counted in
 * the summary only (T4) */
static void
counting(void **state)
{
	json_t *a, *s, *fd;

	(void)state;
	add_ok("a.test", "[\"mailto:r@a.test\"]", NULL);
	add_ok("a.test", "[\"mailto:r@a.test\"]", "192.0.2.1");
	add_ok("a.test", "[\"mailto:r@a.test\"]", "192.0.2.2");
	add_ok("a.test", "[\"mailto:r@a.test\"]", "192.0.2.3");
	add_ok("a.test", "[\"mailto:r@a.test\"]", "192.0.2.1");
	add_ok("b.test", "[\"mailto:r@b.test\"]", NULL);
	assert_int_equal(W.stats.tlsrpt_results, 6);
	assert_int_equal(W.stats.tlsrpt_details_dropped, 1);

	a = preview("a.test", -1);
	assert_int_equal(json_array_size(a), 1);
	s = summary(json_array_get(a, 0));
	assert_int_equal(json_integer_value(json_object_get(
	                         s, "total-successful-session-count")),
	        1);
	assert_int_equal(json_integer_value(json_object_get(
	                         s, "total-failure-session-count")),
	        4);
	fd = json_object_get(
	        json_array_get(
	                json_object_get(json_object_get(json_array_get(a, 0),
	                                        "report"),
	                        "policies"),
	                0),
	        "failure-details");
	assert_int_equal(json_array_size(fd), 2);
	json_decref(a);
	a = preview(NULL, -1);
	assert_int_equal(json_array_size(a), 2);
	json_decref(a);
	a = preview(NULL, DAY); /* today, named */
	assert_int_equal(json_array_size(a), 2);
	json_decref(a);
	a = preview(NULL, DAY - 86400); /* nothing the day before */
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	a = preview(NULL, DAY + 86400); /* nor tomorrow */
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
}

/* send-now of one day closes the days up to it and hurries only that
 * day's deliveries; the other closed day waits for its own time */
static void
send_now_one_day(void **state)
{
	char why[512];
	int  reports, pending;

	(void)state;
	/* a send_delay of two days: no first try is due on day 3 */
	W.conf.tlsrpt_send_delay = 2 * 86400;
	tlsrpt_sched_reconfigure(W.t, &W.conf);
	add_ok("a.test", "[\"mailto:r@a.test\"]", NULL); /* day 1 */
	clock_set_fake(DAY + 86400 + 60);
	add_ok("a.test", "[\"mailto:r@a.test\"]", NULL); /* day 2 */
	clock_set_fake(DAY + 2 * 86400 + 60);            /* day 3 */
	assert_int_equal(tlsrpt_sched_send_now(W.t, DAY + 86400, &reports,
	                         &pending, why, sizeof(why)),
	        0);
	assert_int_equal(reports, 2);
	assert_int_equal(pending, 2);
	run();
	assert_int_equal(fake_send_count("mailto:r@a.test"), 1);
	assert_int_equal(fake_send_last("mailto:r@a.test")->day, DAY + 86400);
	/* day 1's report: first try at its own time */
	at(DAY + 3 * 86400 - 1);
	assert_int_equal(fake_send_count("mailto:r@a.test"), 1);
	at(DAY + 3 * 86400);
	assert_int_equal(fake_send_count("mailto:r@a.test"), 2);
	assert_int_equal(fake_send_last("mailto:r@a.test")->day, DAY);
	/* today cannot be sent */
	assert_int_equal(tlsrpt_sched_send_now(W.t, DAY + 3 * 86400, &reports,
	                         &pending, why, sizeof(why)),
	        -1);
	if (strstr(why, "not over yet") == NULL)
		fail_msg("why '%s'", why);
}

/* the first try is inside [day end + send_delay, + send_window]; the
 * window spreads, the delay is always waited for */
static void
send_window(void **state)
{
	int64_t end = DAY + 86400, first;

	(void)state;
	W.conf.tlsrpt_send_window = 3600;
	tlsrpt_sched_reconfigure(W.t, &W.conf);
	add_ok("w.test", "[\"mailto:r@w.test\"]", NULL);
	at(end);
	assert_int_equal(W.stats.tlsrpt_reports, 1);
	at(end + 600 - 1);
	assert_int_equal(fake_send_count(NULL), 0);
	at(end + 600 + 3600);
	assert_int_equal(fake_send_count(NULL), 1);
	first = fake_send_last("mailto:r@w.test")->at;
	assert_int_equal(first, end + 600 + 3600);
}

/* reconfigure: a new send_delay applies to the days closed after it */
static void
reconfigure(void **state)
{
	int64_t end = DAY + 86400;

	(void)state;
	add_ok("c.test", "[\"mailto:r@c.test\"]", NULL);
	W.conf.tlsrpt_send_delay = 7200;
	tlsrpt_sched_reconfigure(W.t, &W.conf);
	at(end);
	at(end + 7200 - 1);
	assert_int_equal(fake_send_count(NULL), 0);
	at(end + 7200);
	assert_int_equal(fake_send_count(NULL), 1);
}

/* a store that cannot be opened: every op refused with the reason (and
 * the path), nothing counted; after it is fixed, a reopen makes it work
 * and nothing of before is invented */
static void
store_unusable(void **state)
{
	char    path[200], why[1024];
	int     reports, pending;
	json_t *a;

	setup_conf(state);
	snprintf(path, sizeof(path), "%s.tlsrpt", W.db);
	assert_int_equal(mkdir(path, 0700), 0);
	sched_open(); /* not a failure (issue 17) */
	assert_int_equal(
	        add("a.test", "[\"mailto:r@a.test\"]", NULL, why, sizeof(why)),
	        -1);
	if (strstr(why, path) == NULL || strstr(why, "cannot be used") == NULL)
		fail_msg("why '%s'", why);
	assert_null(tlsrpt_sched_preview(W.t, NULL, -1, why, sizeof(why)));
	if (strstr(why, "cannot be used") == NULL)
		fail_msg("why '%s'", why);
	assert_int_equal(tlsrpt_sched_send_now(W.t, -1, &reports, &pending,
	                         why, sizeof(why)),
	        -1);
	assert_int_equal(W.stats.tlsrpt_results, 0);
	assert_true(W.stats.tlsrpt_store_errors >= 1);
	at(DAY + 2 * 86400); /* ticks do nothing */

	tlsrpt_sched_reopen_store(W.t); /* still a directory */
	assert_int_equal(
	        add("a.test", "[\"mailto:r@a.test\"]", NULL, why, sizeof(why)),
	        -1);
	assert_int_equal(rmdir(path), 0);
	tlsrpt_sched_reopen_store(W.t);
	add_ok("a.test", "[\"mailto:r@a.test\"]", NULL);
	a = preview(NULL, -1);
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
	assert_int_equal(W.stats.tlsrpt_results, 1);
}

/* NULL handles are allowed where the header says so */
static void
null_handles(void **state)
{
	(void)state;
	tlsrpt_sched_free(NULL);
	tlsrpt_sched_reopen_store(NULL);
	tlsrpt_sched_reconfigure(NULL, &W.conf);
	tlsrpt_sched_sync_stats(NULL);
	tlsrpt_sched_sync_stats(W.t); /* no datagram socket */
	assert_int_equal(W.stats.tlsrpt_datagrams, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(clock_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(own_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(counting, setup, teardown),
		cmocka_unit_test_setup_teardown(
		        send_now_one_day, setup, teardown),
		cmocka_unit_test_setup_teardown(send_window, setup, teardown),
		cmocka_unit_test_setup_teardown(reconfigure, setup, teardown),
		cmocka_unit_test_teardown(store_unusable, teardown),
		cmocka_unit_test_setup_teardown(null_handles, setup, teardown),
	};

	log_init("test_tlsrpt_sched", 1, 0);
	log_set_level(LOG_LVL_ERR);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
