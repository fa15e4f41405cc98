/*
 * fake_time.h - time(2) following the fake clock of cached/util/clock.h
 * (see fake_time.c), for tlsrpt_sched.c's clock.
 */
#ifndef MXTLS_TESTS_FAKE_TIME_H
#define MXTLS_TESTS_FAKE_TIME_H

/* fake_time_follow_clock - time() returns clock_now() (1) or the real
 * time (0). Set the fake clock (clock_set_fake) first. */
void fake_time_follow_clock(int on);

#endif
