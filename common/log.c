/*
 * log.c - logging with stable message IDs, to syslog or stderr.
 *
 * Lines look like "MXTLS-STS-FETCH-FAIL: example.com: HTTP status 404".
 * On stderr they are prefixed with a UTC timestamp and the level. The
 * functions are safe to call from any thread (syslog and a single fprintf
 * per line).
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int            log_to_stderr = 1;
static enum log_level log_current   = LOG_LVL_INFO;

static const char *const log_names[] = {
	"err",
	"warn",
	"notice",
	"info",
	"debug",
};

void
log_init(const char *ident, int to_stderr, int syslog_facility)
{
	log_to_stderr = to_stderr;
	if (!to_stderr) {
		openlog(ident, LOG_PID | LOG_NDELAY, syslog_facility);
	}
}

void
log_set_level(enum log_level level)
{
	__atomic_store_n(&log_current, level, __ATOMIC_RELAXED);
}

enum log_level
log_get_level(void)
{
	return (__atomic_load_n(&log_current, __ATOMIC_RELAXED));
}

int
log_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcmp(name, log_names[i]) == 0) {
			return ((int)i);
		}
	}
	return (-1);
}

const char *
log_level_name(enum log_level level)
{
	if ((unsigned)level >= sizeof(log_names) / sizeof(log_names[0])) {
		return ("?");
	}
	return (log_names[level]);
}

void
log_vmsg(enum log_level level, const char *id, const char *fmt, va_list ap)
{
	static const int prio[]
	        = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
	char line[2048];
	int  n;

	if (level > __atomic_load_n(&log_current, __ATOMIC_RELAXED)) {
		return;
	}
	n = snprintf(line, sizeof(line), "%s: ", id);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		n = 0;
	}
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (log_to_stderr) {
		char      ts[32];
		time_t    now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s %s %s\n", ts, log_level_name(level), line);
	} else {
		syslog(prio[level], "%s", line);
	}
}

void
log_msg(enum log_level level, const char *id, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, id, fmt, ap);
	va_end(ap);
}
