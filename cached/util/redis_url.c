/*
 * redis_url.c - store.redis.url read into its parts (see redis_url.h):
 * the scheme, percent-decoded credentials, a name, IPv4 or [IPv6] host,
 * port and database, or a unix socket path and its ?db=N.
 */
#include <stdio.h>
#include <string.h>

#include "util/redis_url.h"

static int
redis_url_hexval(int ch)
{
	if (ch >= '0' && ch <= '9') {
		return (ch - '0');
	}
	if (ch >= 'a' && ch <= 'f') {
		return (ch - 'a' + 10);
	}
	if (ch >= 'A' && ch <= 'F') {
		return (ch - 'A' + 10);
	}
	return (-1);
}

/* decode [s, s+n) percent-escapes into out (size outlen); -1 bad/long */
static int
redis_url_unescape(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];

		if (ch == '%') {
			int hi, lo;

			if (i + 2 >= n) {
				return (-1);
			}
			hi = redis_url_hexval((unsigned char)s[i + 1]);
			lo = redis_url_hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0) {
				return (-1);
			}
			ch = hi * 16 + lo;
			i += 2;
		}
		if (ch == 0 || o + 1 >= outlen) {
			return (-1);
		}
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return (0);
}

/* parse a decimal in [lo, hi] from [s, s+n); -1 bad */
static long
redis_url_num(const char *s, size_t n, long lo, long hi)
{
	long v = 0;

	if (n == 0 || n > 10) {
		return (-1);
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return (-1);
		}
		v = v * 10 + (s[i] - '0');
	}
	if (v < lo || v > hi) {
		return (-1);
	}
	return (v);
}

static int
redis_url_bad(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "bad redis URL: %s", what);
	return (-1);
}

static int
redis_url_unix(const char *p, struct redis_url *out, char *why, size_t whylen)
{
	const char *q = strchr(p, '?');
	size_t      n = q != NULL ? (size_t)(q - p) : strlen(p);

	if (n == 0 || p[0] != '/') {
		return (redis_url_bad(
		        why, whylen, "unix: needs an absolute path"));
	}
	if (n >= sizeof(out->path)) {
		return (redis_url_bad(
		        why, whylen, "unix socket path too long"));
	}
	memcpy(out->path, p, n);
	out->path[n] = '\0';
	if (q != NULL) {
		long db;

		if (strncmp(q, "?db=", 4) != 0) {
			return (redis_url_bad(
			        why, whylen, "unix: takes only ?db=N"));
		}
		db = redis_url_num(q + 4, strlen(q + 4), 0, 100000);
		if (db < 0) {
			return (redis_url_bad(why, whylen, "bad db number"));
		}
		out->db = (int)db;
	}
	return (0);
}

int
redis_url_parse(
        const char *url, struct redis_url *out, char *why, size_t whylen)
{
	const char *p, *at, *slash, *hostend, *colon;

	memset(out, 0, sizeof(*out));
	out->port = 6379;
	if (url == NULL || *url == '\0') {
		return (redis_url_bad(why, whylen, "empty"));
	}
	if (strncmp(url, "unix://", 7) == 0) {
		return (redis_url_unix(url + 7, out, why, whylen));
	}
	if (strncmp(url, "unix:", 5) == 0) {
		return (redis_url_unix(url + 5, out, why, whylen));
	}
	if (strncmp(url, "redis://", 8) != 0) {
		return (redis_url_bad(
		        why, whylen, "must start with redis:// or unix:"));
	}
	p     = url + 8;
	slash = strchr(p, '/');
	at    = NULL;
	for (const char *q = p; *q != '\0' && q != slash; q++) {
		if (*q == '@') {
			at = q; /* the last one: a password may hold '@' */
		}
	}
	if (at != NULL) {
		const char *c = memchr(p, ':', (size_t)(at - p));

		if (c == NULL) {
			return (redis_url_bad(why, whylen,
			        "credentials must be USER:PASSWORD or "
			        ":PASSWORD"));
		}
		if (redis_url_unescape(
		            p, (size_t)(c - p), out->user, sizeof(out->user))
		                != 0
		        || redis_url_unescape(c + 1, (size_t)(at - c - 1),
		                   out->pass, sizeof(out->pass))
		                != 0) {
			return (redis_url_bad(
			        why, whylen, "bad user or password"));
		}
		if (out->pass[0] == '\0') {
			return (redis_url_bad(why, whylen, "empty password"));
		}
		out->has_pass = 1;
		p             = at + 1;
	}
	hostend = slash != NULL ? slash : p + strlen(p);
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(hostend - p));

		if (rb == NULL || rb == p + 1) {
			return (redis_url_bad(why, whylen, "bad [IPv6] host"));
		}
		if ((size_t)(rb - p - 1) >= sizeof(out->host)) {
			return (redis_url_bad(why, whylen, "host too long"));
		}
		memcpy(out->host, p + 1, (size_t)(rb - p - 1));
		colon = rb + 1 < hostend ? rb + 1 : NULL;
		if (colon != NULL && *colon != ':') {
			return (redis_url_bad(
			        why, whylen, "junk after [IPv6]"));
		}
	} else {
		colon    = memchr(p, ':', (size_t)(hostend - p));
		size_t n = (size_t)((colon != NULL ? colon : hostend) - p);

		if (n == 0) {
			return (redis_url_bad(why, whylen, "no host"));
		}
		if (n >= sizeof(out->host)) {
			return (redis_url_bad(why, whylen, "host too long"));
		}
		memcpy(out->host, p, n);
		for (size_t i = 0; i < n; i++) {
			char ch = out->host[i];

			if (!((ch >= 'a' && ch <= 'z')
			            || (ch >= 'A' && ch <= 'Z')
			            || (ch >= '0' && ch <= '9') || ch == '.'
			            || ch == '-' || ch == '_')) {
				return (redis_url_bad(
				        why, whylen, "bad host"));
			}
		}
	}
	if (colon != NULL) {
		long port = redis_url_num(
		        colon + 1, (size_t)(hostend - colon - 1), 1, 65535);

		if (port < 0) {
			return (redis_url_bad(why, whylen, "bad port"));
		}
		out->port = (int)port;
	}
	if (slash != NULL && slash[1] != '\0') {
		long db = redis_url_num(
		        slash + 1, strlen(slash + 1), 0, 100000);

		if (db < 0) {
			return (redis_url_bad(why, whylen, "bad db number"));
		}
		out->db = (int)db;
	}
	return (0);
}
