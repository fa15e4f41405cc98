/*
 * fake_loop.h - the tests' libevent loop on the fake clock: run it until
 * nothing is ready (fake answers that are not held are ready at once; it
 * never waits for a timer), and fire a module's own timer by hand.
 * libevent's timers run on its monotonic clock, which the fake clock
 * (cached/util/clock.h) cannot move: after moving the fake clock a test
 * makes the timer's event active, as the timer would fire. Header-only
 * (static functions), for the scenario tests and the unit tests over the
 * fakes of tests/scenario/.
 */
#ifndef MXTLS_TESTS_FAKE_LOOP_H
#define MXTLS_TESTS_FAKE_LOOP_H

#include <event2/event.h>

/* fake_loop_run - run base until no callback is ready; never waits. */
static void __attribute__((unused)) fake_loop_run(struct event_base *base)
{
	int i;

	for (i = 0; i < 1000; i++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE)
		        == 0)
			return;
	}
	fail_msg("the event loop never settled");
}

static int __attribute__((unused)) fake_loop_find(
        const struct event_base *base, const struct event *ev, void *arg)
{
	const void **want = arg;

	(void)base;
	if (event_get_callback_arg(ev) == want[0]) {
		want[1] = ev;
		return (1);
	}
	return (0);
}

/* fake_loop_fire - what owner's timer (the event of base whose callback
 * argument is owner) does when it fires now: made active, then the loop
 * run until nothing is ready. */
static void __attribute__((unused))
fake_loop_fire(struct event_base *base, const void *owner)
{
	const void *want[2] = { owner, NULL };

	event_base_foreach_event(base, fake_loop_find, want);
	assert_non_null(want[1]);
	event_active((struct event *)want[1], EV_TIMEOUT, 1);
	fake_loop_run(base);
}

#endif
