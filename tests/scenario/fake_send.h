/*
 * fake_send.h - the scenario tests' stand-in for cached/tlsrpt/tlsrpt_send.c:
 * the functions of tlsrpt_send.h answered from a script instead of mail and
 * HTTPS (link-time substitution, like fake_dns.h: fake_send.c is linked
 * before mxtls_core, so the archive's tlsrpt_send.o is never pulled in).
 *
 * Every delivery attempt is recorded (rua URI, domain, report-id, report
 * JSON); its outcome is the one scripted for its URI when it is delivered
 * (on the next loop turn): delivered unless told otherwise.
 */
#ifndef MXTLS_TESTS_FAKE_SEND_H
#define MXTLS_TESTS_FAKE_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "tlsrpt/tlsrpt_send.h"

enum fake_send_outcome {
	FAKE_SEND_OK = 0,   /* delivered */
	FAKE_SEND_TEMP,     /* failed, may be retried */
	FAKE_SEND_PERMANENT /* failed for good */
};

/* fake_send_reset - forget every script and attempt (none may be live). */
void fake_send_reset(void);

/* fake_send_set - the outcome of the attempts to uri from now on. */
void fake_send_set(const char *uri, enum fake_send_outcome outcome);

/* fake_send_hold - hold (1) the outcomes of the attempts to uri until
 * released (0: they are delivered on the next loop turn). */
void fake_send_hold(const char *uri, int hold);

/* fake_send_count - attempts to uri started so far (NULL: all URIs). */
unsigned fake_send_count(const char *uri);

/* fake_send_live - attempts started and not yet answered. */
unsigned fake_send_live(void);

/* fake_send_last - the last attempt to uri (NULL when none): its domain,
 * report-id and report JSON (valid until the next reset). */
struct fake_send_attempt {
	char    uri[512];
	char    domain[256];
	char    report_id[600];
	char   *json;
	int64_t day;
	int64_t at; /* the time (time(2)) it was started */
};
const struct fake_send_attempt *fake_send_last(const char *uri);

#endif
