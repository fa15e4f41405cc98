/*
 * log.h - logging with stable message IDs, to syslog or stderr.
 *
 * Every message carries an ID ("MXTLS-STS-FETCH-FAIL") that never changes
 * between releases, so admins can grep and alert on it. The sink is chosen
 * once by log_init(); the level can change at any time. Lines are text
 * ("MXTLS-ID: message") or, with log_set_format(LOG_FMT_JSON), one JSON
 * object a line: {"ts":"2026-12-07T22:00:00Z","level":"info",
 * "id":"MXTLS-ID","msg":"message"} (RFC 8259; the message's bytes that are
 * not valid UTF-8 written as the text \xHH).
 */
#ifndef MXTLS_COMMON_LOG_H
#define MXTLS_COMMON_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

enum log_format {
	LOG_FMT_TEXT = 0,
	LOG_FMT_JSON,
};

/* log_init - choose the sink: stderr when to_stderr, else syslog(ident). */
void log_init(const char *ident, int to_stderr, int syslog_facility);

/* log_set_level - messages above level are dropped. */
void log_set_level(enum log_level level);

/* log_get_level - the current level. */
enum log_level log_get_level(void);

/* log_level_parse - "err", "warn", "notice", "info", "debug" → level;
 * -1 for anything else. */
int log_level_parse(const char *name);

/* log_level_name - the name log_level_parse accepts for level. */
const char *log_level_name(enum log_level level);

/* log_set_format - text or JSON lines, on stderr and syslog alike. */
void log_set_format(enum log_format format);

/* log_format_parse - "text", "json" -> format; -1 for anything else. */
int log_format_parse(const char *name);

/* log_format_line - the line log_vmsg writes for a message (text or
 * JSON), in buf (len bytes; cut to fit, a JSON line still closed). The
 * timestamp ts is "YYYY-MM-DDTHH:MM:SSZ" or NULL for none. */
void log_format_line(char *buf, size_t len, enum log_format format,
        const char *ts, enum log_level level, const char *id, const char *msg);

/* log_msg - log one message with its stable id. */
void log_msg(enum log_level level, const char *id, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

void log_vmsg(enum log_level level, const char *id, const char *fmt,
        va_list ap) __attribute__((format(printf, 3, 0)));

#define log_err(id, ...)    log_msg(LOG_LVL_ERR, id, __VA_ARGS__)
#define log_warn(id, ...)   log_msg(LOG_LVL_WARN, id, __VA_ARGS__)
#define log_notice(id, ...) log_msg(LOG_LVL_NOTICE, id, __VA_ARGS__)
#define log_info(id, ...)   log_msg(LOG_LVL_INFO, id, __VA_ARGS__)
#define log_debug(id, ...)  log_msg(LOG_LVL_DEBUG, id, __VA_ARGS__)

#endif
