/*
 * filter_line.c - smtpd-filters(7) line parser and filter-result formatter
 * (see filter_line.h). The field layout follows OpenSMTPD's lka_filter.c
 * (protocol 0.5 to 0.7) and what Debian 12's 6.8.0p2 was seen to send.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_line.h"

static int
fail(char *why, size_t whylen, const char *msg, const char *what)
{
	if (why != NULL && whylen > 0) {
		snprintf(why, whylen, "%s%s%.40s%s", msg, what ? ": '" : "",
		        what ? what : "", what ? "'" : "");
	}
	return (-1);
}

int
filter_line_split(char *s, char **fields, int max)
{
	int n = 0;

	if (max <= 0) {
		return (0);
	}
	fields[n++] = s;
	while (n < max && (s = strchr(s, '|')) != NULL) {
		*s++        = '\0';
		fields[n++] = s;
	}
	return (n);
}

/* hex64 - 1 to 16 hex digits, nothing else. */
static int
hex64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	size_t   n = 0;

	for (; *s != '\0'; s++, n++) {
		int d;
		if (*s >= '0' && *s <= '9') {
			d = *s - '0';
		} else if (*s >= 'a' && *s <= 'f') {
			d = *s - 'a' + 10;
		} else if (*s >= 'A' && *s <= 'F') {
			d = *s - 'A' + 10;
		} else {
			return (-1);
		}
		if (n >= 16) {
			return (-1);
		}
		v = (v << 4) | (uint64_t)d;
	}
	if (n == 0) {
		return (-1);
	}
	*out = v;
	return (0);
}

/* version - "MAJOR.MINOR", each 1-3 digits. */
static int
version(const char *s, int *major, int *minor)
{
	int        *p[2] = { major, minor };
	int         i;
	const char *c = s;

	for (i = 0; i < 2; i++) {
		int v = 0, n = 0;
		while (*c >= '0' && *c <= '9' && n < 3) {
			v = v * 10 + (*c++ - '0');
			n++;
		}
		if (n == 0) {
			return (-1);
		}
		*p[i] = v;
		if (i == 0 && *c++ != '.') {
			return (-1);
		}
	}
	return (*c == '\0' ? 0 : -1);
}

/* timestamp - SEC[.USEC], digits only. */
static int
timestamp(const char *s)
{
	int dot = 0, n = 0;

	for (; *s != '\0'; s++) {
		if (*s == '.' && !dot && n > 0) {
			dot = 1;
		} else if (*s >= '0' && *s <= '9') {
			n++;
		} else {
			return (-1);
		}
	}
	return (n > 0 ? 0 : -1);
}

static int
name_ok(const char *s)
{
	if (*s == '\0') {
		return (0);
	}
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')
		            || *s == '-' || *s == '_')) {
			return (0);
		}
	}
	return (1);
}

int
filter_line_parse(char *buf, struct filter_line *out, char *why, size_t whylen)
{
	char  *f[8];
	size_t len;
	int    n, max;

	memset(out, 0, sizeof(*out));
	len = strlen(buf);
	if (len > FILTER_LINE_MAX) {
		return (fail(why, whylen, "line too long", NULL));
	}
	if (len > 0 && buf[len - 1] == '\r') {
		buf[--len] = '\0';
	}
	if (strncmp(buf, "config|", 7) == 0) {
		n = filter_line_split(buf + 7, f, 2);
		if (!name_ok(f[0])) {
			return (fail(why, whylen, "bad config key", f[0]));
		}
		out->kind  = FILTER_LINE_CONFIG;
		out->key   = f[0];
		out->value = n == 2 ? f[1] : "";
		if (strcmp(f[0], "ready") == 0 && n != 1) {
			return (fail(why, whylen, "config|ready with a value",
			        NULL));
		}
		return (0);
	}
	if (strncmp(buf, "report|", 7) == 0) {
		out->kind = FILTER_LINE_REPORT;
		max = 7; /* ver, time, subsystem, event, session, params */
		n   = filter_line_split(buf + 7, f, max - 1);
		if (n < 5) {
			return (fail(why, whylen,
			        "report line: too few fields", NULL));
		}
	} else if (strncmp(buf, "filter|", 7) == 0) {
		out->kind = FILTER_LINE_FILTER;
		max = 8; /* ver, time, subsystem, phase, session, token.. */
		n   = filter_line_split(buf + 7, f, max - 1);
		if (n < 6) {
			return (fail(why, whylen,
			        "filter line: too few fields", NULL));
		}
		/* session and token first, so that the caller can answer */
		if (hex64(f[4], &out->session) != 0) {
			return (fail(why, whylen, "bad session id", f[4]));
		}
		if (hex64(f[5], &out->token) != 0) {
			return (fail(why, whylen, "bad token", f[5]));
		}
	} else {
		return (fail(why, whylen, "unknown line type", buf));
	}
	if (version(f[0], &out->vmajor, &out->vminor) != 0) {
		return (fail(why, whylen, "bad protocol version", f[0]));
	}
	if (timestamp(f[1]) != 0) {
		return (fail(why, whylen, "bad timestamp", f[1]));
	}
	out->time = f[1];
	if (strcmp(f[2], "smtp-in") == 0) {
		out->incoming = 1;
	} else if (strcmp(f[2], "smtp-out") == 0) {
		out->incoming = 0;
	} else {
		return (fail(why, whylen, "bad subsystem", f[2]));
	}
	if (!name_ok(f[3])) {
		return (fail(why, whylen, "bad event/phase", f[3]));
	}
	out->event = f[3];
	if (out->kind == FILTER_LINE_REPORT) {
		if (hex64(f[4], &out->session) != 0) {
			return (fail(why, whylen, "bad session id", f[4]));
		}
		out->params = n > 5 ? f[5] : "";
	} else {
		out->params = n > 6 ? f[6] : "";
	}
	return (0);
}

int
filter_line_result(char *out, size_t outlen, int vmajor, int vminor,
        uint64_t session, uint64_t token, const char *verdict)
{
	int      n;
	uint64_t a = session, b = token;

	if (vmajor == 0 && vminor < 5) {
		a = token;
		b = session;
	}
	n = snprintf(out, outlen, "filter-result|%016llx|%016llx|%s\n",
	        (unsigned long long)a, (unsigned long long)b, verdict);
	if (n < 0 || (size_t)n >= outlen) {
		return (-1);
	}
	return (n);
}

int
filter_line_tx_address(char *params, int vmajor, int vminor,
        const char **address, const char **result)
{
	char *f[3];

	if (filter_line_split(params, f, 3) != 3) {
		return (-1);
	}
	if (vmajor == 0 && vminor < 6) {
		*address = f[1];
		*result  = f[2];
	} else {
		*address = f[2];
		*result  = f[1];
	}
	return (0);
}

int
filter_line_addr_domain(const char *addr, char *out, size_t outlen)
{
	const char *at = strrchr(addr, '@');
	size_t      n;

	if (at == NULL || at[1] == '\0') {
		return (-1);
	}
	at++;
	n = strlen(at);
	if (n > 0 && at[n - 1] == '>') {
		n--;
	}
	if (n == 0 || n >= outlen) {
		return (-1);
	}
	memcpy(out, at, n);
	out[n] = '\0';
	return (0);
}
