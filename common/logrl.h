/*
 * logrl.h - rate-limited logging per message ID, for messages a peer can
 * trigger at will (accept failures, refused connections, bad frames,
 * malformed netstrings, invalid TLSRPT datagrams).
 *
 * At most LOGRL_BURST messages of one ID are logged per LOGRL_WINDOW
 * seconds; the rest are counted, and the first message of that ID after
 * the window closes (or logrl_flush) logs one summary line first:
 * "ID: N similar messages suppressed in the last 10 s". Thread-safe.
 */
#ifndef MXTLS_COMMON_LOGRL_H
#define MXTLS_COMMON_LOGRL_H

#include <stdarg.h>
#include <time.h>

#include "log.h"

#define LOGRL_BURST  10
#define LOGRL_WINDOW 10 /* seconds */
#define LOGRL_IDS    64 /* distinct IDs tracked; more are not limited */

/* logrl_admit - the decision alone (no output): 1 when a message of id at
 * time now may be logged, 0 when it is suppressed. *summary is set to the
 * number of messages of id suppressed in a window that has closed (to be
 * reported before this message), else 0. */
int logrl_admit(const char *id, time_t now, unsigned long *summary);

/* logrl_msg - log_msg, rate-limited per id (see above). */
void logrl_msg(enum log_level level, const char *id, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* logrl_flush - log the summary of every ID whose window has closed with
 * messages suppressed (at now); the daemon calls it from a timer. */
void logrl_flush(time_t now);

/* logrl_set_clock - the clock (tests); NULL restores time(). */
void logrl_set_clock(time_t (*fn)(void));

/* logrl_reset - forget every ID (tests). */
void logrl_reset(void);

#define log_err_rl(id, ...)    logrl_msg(LOG_LVL_ERR, id, __VA_ARGS__)
#define log_warn_rl(id, ...)   logrl_msg(LOG_LVL_WARN, id, __VA_ARGS__)
#define log_notice_rl(id, ...) logrl_msg(LOG_LVL_NOTICE, id, __VA_ARGS__)
#define log_info_rl(id, ...)   logrl_msg(LOG_LVL_INFO, id, __VA_ARGS__)
#define log_debug_rl(id, ...)  logrl_msg(LOG_LVL_DEBUG, id, __VA_ARGS__)

#endif
