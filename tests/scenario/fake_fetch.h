/*
 * fake_fetch.h - the scenario tests' stand-in for cached/sts/sts_fetch.c: the
 * functions of sts_fetch.h answered from a scripted table instead of
 * libcurl (link-time substitution, like fake_dns.h).
 *
 * A domain without a script entry answers HTTP 404. Every sts_fetch_start
 * is counted per domain; the result is read from the table when it is
 * delivered (next loop turn), or, for a held domain, only when released.
 */
#ifndef MXTLS_TESTS_FAKE_FETCH_H
#define MXTLS_TESTS_FAKE_FETCH_H

#include "sts/sts_fetch.h"

/* fake_fetch_reset - forget every script entry and count. */
void fake_fetch_reset(void);

/* fake_fetch_set - script domain: status (STS_FETCH_OK with body, a
 * NUL-terminated policy text, or a failure with http_code). */
void fake_fetch_set(const char *domain, enum sts_fetch_status status,
        long http_code, const char *body);

/* fake_fetch_hold - hold (1) or not (0) the results for domain. */
void fake_fetch_hold(const char *domain, int hold);

/* fake_fetch_release - stop holding domain and deliver its held fetches on
 * the next loop turn; returns how many there were. */
unsigned fake_fetch_release(const char *domain);

/* fake_fetch_count - fetches of domain started so far. */
unsigned fake_fetch_count(const char *domain);

/* fake_fetch_live - fetches started and neither done nor cancelled. */
unsigned fake_fetch_live(void);

/* fake_fetch_load_reset - start counting the load afresh (below). */
void fake_fetch_load_reset(void);

/* fake_fetch_max_per_second - the most fetches started in one second of
 * the fake clock (cached/util/clock.h) since fake_fetch_load_reset. */
unsigned fake_fetch_max_per_second(void);

/* fake_fetch_max_live - the most fetches live at once since then. */
unsigned fake_fetch_max_live(void);

#endif
