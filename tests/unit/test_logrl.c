/*
 * test_logrl.c - the per-ID log limiter (common/logrl.c) with a clock the
 * test controls: LOGRL_BURST messages per window logged, the rest counted;
 * the summary comes with the first message after the window (and from
 * logrl_flush), exactly once; IDs kept apart; a clock going back opens a
 * new window; the lines logrl_msg writes; many threads at once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "logrl.h"

static time_t fake_now;

static time_t
fake_clock(void)
{
	return (fake_now);
}

static int
setup(void **state)
{
	(void)state;
	logrl_reset();
	logrl_set_clock(fake_clock);
	fake_now = 1000;
	return (0);
}

static void
test_burst_then_summary(void **state)
{
	unsigned long sum;
	int           i, logged = 0;

	(void)state;
	for (i = 0; i < 25; i++) {
		logged += logrl_admit("MXTLS-A", 1000, &sum);
		assert_int_equal(sum, 0);
	}
	assert_int_equal(logged, LOGRL_BURST);
	/* still the same window one second before it closes */
	assert_int_equal(
	        logrl_admit("MXTLS-A", 1000 + LOGRL_WINDOW - 1, &sum), 0);
	assert_int_equal(sum, 0);
	/* the window closed: this one is logged, after the summary */
	assert_int_equal(logrl_admit("MXTLS-A", 1000 + LOGRL_WINDOW, &sum), 1);
	assert_int_equal(sum, 25 - LOGRL_BURST + 1);
	/* the summary comes once */
	assert_int_equal(logrl_admit("MXTLS-A", 1000 + LOGRL_WINDOW, &sum), 1);
	assert_int_equal(sum, 0);
}

static void
test_ids_apart(void **state)
{
	unsigned long sum;
	int           i;

	(void)state;
	for (i = 0; i < LOGRL_BURST; i++)
		assert_int_equal(logrl_admit("MXTLS-A", 5, &sum), 1);
	assert_int_equal(logrl_admit("MXTLS-A", 5, &sum), 0);
	/* another ID has its own budget */
	assert_int_equal(logrl_admit("MXTLS-B", 5, &sum), 1);
	assert_int_equal(sum, 0);
}

static void
test_clock_back(void **state)
{
	unsigned long sum;
	int           i;

	(void)state;
	for (i = 0; i < LOGRL_BURST + 3; i++)
		(void)logrl_admit("MXTLS-A", 500, &sum);
	assert_int_equal(logrl_admit("MXTLS-A", 499, &sum), 1);
	assert_int_equal(sum, 3);
}

static void
test_no_summary_when_none_suppressed(void **state)
{
	unsigned long sum;

	(void)state;
	assert_int_equal(logrl_admit("MXTLS-A", 1, &sum), 1);
	assert_int_equal(logrl_admit("MXTLS-A", 100, &sum), 1);
	assert_int_equal(sum, 0);
}

static void
test_table_full(void **state)
{
	unsigned long sum;
	char          id[32];
	int           i;

	(void)state;
	for (i = 0; i < LOGRL_IDS; i++) {
		snprintf(id, sizeof(id), "MXTLS-%d", i);
		assert_int_equal(logrl_admit(id, 1, &sum), 1);
	}
	/* an ID beyond the table is not limited (never lost) */
	for (i = 0; i < 3 * LOGRL_BURST; i++)
		assert_int_equal(logrl_admit("MXTLS-EXTRA", 1, &sum), 1);
}

/* capture - run logrl_msg calls with stderr sent to a file; return what
 * was written (caller frees). */
static char *
read_all(FILE *f)
{
	long  n;
	char *buf;

	fflush(f);
	n = ftell(f);
	assert_true(n >= 0);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	rewind(f);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	return (buf);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t      n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return (n);
}

static void
test_lines(void **state)
{
	FILE *f = tmpfile();
	int   saved, i;
	char *out;

	(void)state;
	assert_non_null(f);
	log_init("test", 1, 0);
	log_set_level(LOG_LVL_DEBUG);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fileno(f), 2), 2);
	for (i = 0; i < 100; i++)
		log_warn_rl("MXTLS-T-FLOOD", "peer %d: bad", i);
	fake_now += LOGRL_WINDOW;
	log_warn_rl("MXTLS-T-FLOOD", "peer late: bad");
	for (i = 0; i < LOGRL_BURST + 5; i++)
		log_info_rl("MXTLS-T-OTHER", "x");
	fake_now += LOGRL_WINDOW;
	logrl_flush(fake_now);
	logrl_flush(fake_now); /* nothing left */
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	out = read_all(f);
	fclose(f);
	assert_int_equal(count(out, "MXTLS-T-FLOOD: peer "), LOGRL_BURST + 1);
	assert_non_null(strstr(out, "peer 9: bad"));
	assert_null(strstr(out, "peer 10: bad"));
	assert_int_equal(count(out,
	                         "MXTLS-T-FLOOD: 90 similar messages "
	                         "suppressed in the last 10 s"),
	        1);
	/* the summary before the message that closed the window */
	assert_true(strstr(out, "suppressed") < strstr(out, "peer late"));
	assert_int_equal(count(out, "MXTLS-T-OTHER: x"), LOGRL_BURST);
	assert_int_equal(count(out,
	                         "MXTLS-T-OTHER: 5 similar messages "
	                         "suppressed"),
	        1);
	assert_int_equal(count(out, "\n"), LOGRL_BURST * 2 + 1 + 2);
	free(out);
}

static void *
hammer(void *arg)
{
	unsigned long sum, *admitted = arg;
	int           i;

	for (i = 0; i < 10000; i++)
		*admitted += (unsigned long)logrl_admit("MXTLS-T", 7, &sum);
	return (NULL);
}

static void
test_threads(void **state)
{
	pthread_t     t[4];
	unsigned long admitted[4] = { 0 }, total = 0, sum;
	int           i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(
		        pthread_create(&t[i], NULL, hammer, &admitted[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		total += admitted[i];
	}
	assert_int_equal(total, LOGRL_BURST);
	assert_int_equal(logrl_admit("MXTLS-T", 7 + LOGRL_WINDOW, &sum), 1);
	assert_int_equal(sum, 40000 - LOGRL_BURST);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_burst_then_summary, setup),
		cmocka_unit_test_setup(test_ids_apart, setup),
		cmocka_unit_test_setup(test_clock_back, setup),
		cmocka_unit_test_setup(
		        test_no_summary_when_none_suppressed, setup),
		cmocka_unit_test_setup(test_table_full, setup),
		cmocka_unit_test_setup(test_lines, setup),
		cmocka_unit_test_setup(test_threads, setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
