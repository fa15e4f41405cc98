/*
 * log.c - logging with stable message IDs, to syslog or stderr.
 *
 * Lines look like "MXTLS-STS-FETCH-FAIL: example.com: HTTP status 404".
 * On stderr they are prefixed with a UTC timestamp and the level. With
 * log.format = "json" every line is one JSON object (RFC 8259) with the
 * timestamp, level, ID and message as members, on stderr and syslog
 * alike. The functions are safe to call from any thread (syslog and a
 * single fprintf per line).
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int            log_to_stderr = 1;
static enum log_level log_current   = LOG_LVL_INFO;
static int            log_form      = LOG_FMT_TEXT;

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
log_set_format(enum log_format format)
{
	__atomic_store_n(&log_form, (int)format, __ATOMIC_RELAXED);
}

int
log_format_parse(const char *name)
{
	if (strcmp(name, "text") == 0) {
		return (LOG_FMT_TEXT);
	}
	if (strcmp(name, "json") == 0) {
		return (LOG_FMT_JSON);
	}
	return (-1);
}

/* utf8_len - the length of the valid UTF-8 sequence at p (RFC 3629: no
 * overlongs, no surrogates, at most U+10FFFF), 0 when there is none */
static size_t
utf8_len(const unsigned char *p)
{
	size_t k, i;

	if (p[0] < 0x80) {
		return (1);
	}
	if (p[0] < 0xc2 || p[0] > 0xf4) {
		return (0);
	}
	k = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return (0);
		}
	}
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f)
	        || (p[0] == 0xf0 && p[1] < 0x90)
	        || (p[0] == 0xf4 && p[1] > 0x8f)) {
		return (0);
	}
	return (k);
}

/* json_str - s as a JSON string (with its quotes) at buf[*o], never past
 * end (room is kept for the closing quote); stops at a whole character */
static void
json_str(char *buf, size_t *o, size_t end, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char                 esc[8];
	size_t               n, k;

	buf[(*o)++] = '"';
	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			n      = 2;
		} else if (*p == '\n') {
			memcpy(esc, "\\n", n = 2);
		} else if (*p == '\t') {
			memcpy(esc, "\\t", n = 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			n = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", *p);
		} else if ((k = utf8_len(p)) == 0) {
			/* not UTF-8: the byte as text */
			n = (size_t)snprintf(
			        esc, sizeof(esc), "\\\\x%02X", *p);
		} else {
			if (*o + k + 1 >= end) {
				break;
			}
			memcpy(buf + *o, p, k);
			*o += k;
			p += k;
			continue;
		}
		if (*o + n + 1 >= end) {
			break;
		}
		memcpy(buf + *o, esc, n);
		*o += n;
		p++;
	}
	buf[(*o)++] = '"';
}

void
log_format_line(char *buf, size_t len, enum log_format format, const char *ts,
        enum log_level level, const char *id, const char *msg)
{
	size_t o = 0, end;

	if (format != LOG_FMT_JSON) {
		if (ts != NULL) {
			snprintf(buf, len, "%s %s %s: %s", ts,
			        log_level_name(level), id, msg);
		} else {
			snprintf(buf, len, "%s: %s", id, msg);
		}
		return;
	}
	/* {"ts":"...","level":"...","id":"...","msg":"..."}: the fixed
	 * parts are ASCII and short; the message is cut to what fits */
	if (len < 256) {
		snprintf(buf, len, "{}");
		return;
	}
	end      = len - 2; /* room for '}' and the NUL */
	buf[o++] = '{';
	if (ts != NULL) {
		memcpy(buf + o, "\"ts\":", 5);
		o += 5;
		json_str(buf, &o, o + 64, ts);
		buf[o++] = ',';
	}
	memcpy(buf + o, "\"level\":", 8);
	o += 8;
	json_str(buf, &o, o + 16, log_level_name(level));
	memcpy(buf + o, ",\"id\":", 6);
	o += 6;
	json_str(buf, &o, o + 96, id);
	memcpy(buf + o, ",\"msg\":", 7);
	o += 7;
	json_str(buf, &o, end, msg);
	buf[o++] = '}';
	buf[o]   = '\0';
}

void
log_vmsg(enum log_level level, const char *id, const char *fmt, va_list ap)
{
	static const int prio[]
	        = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
	char            msg[2048], line[4096], ts[32];
	enum log_format form = __atomic_load_n(&log_form, __ATOMIC_RELAXED);

	if (level > __atomic_load_n(&log_current, __ATOMIC_RELAXED)) {
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_to_stderr || form == LOG_FMT_JSON) {
		time_t    now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	log_format_line(line, sizeof(line), form,
	        log_to_stderr || form == LOG_FMT_JSON ? ts : NULL, level, id,
	        msg);
	if (log_to_stderr) {
		fprintf(stderr, "%s\n", line);
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
