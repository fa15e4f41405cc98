/*
 * netstring.c - netstring parser and encoder (see netstring.h; the framing
 * of Postfix's socketmap protocol, socketmap_table(5)).
 */
#include <stdio.h>
#include <string.h>

#include "door/netstring.h"

enum netstring_status
netstring_parse(const char *buf, size_t len, size_t max, const char **payload,
        size_t *plen, size_t *used, char *why, size_t whylen)
{
	size_t i, n = 0, total;

	for (i = 0; i < len && buf[i] != ':'; i++) {
		if (buf[i] < '0' || buf[i] > '9') {
			snprintf(why, whylen,
			        "malformed netstring: byte 0x%02x in the "
			        "length",
			        (unsigned)(unsigned char)buf[i]);
			return (NETSTRING_BAD);
		}
		if (i >= NETSTRING_MAX_DIGITS) {
			snprintf(why, whylen,
			        "malformed netstring: length has more than "
			        "%d digits",
			        NETSTRING_MAX_DIGITS);
			return (NETSTRING_BAD);
		}
		if (i == 1 && buf[0] == '0') {
			snprintf(why, whylen,
			        "malformed netstring: length with a leading "
			        "zero");
			return (NETSTRING_BAD);
		}
		n = n * 10 + (size_t)(buf[i] - '0');
	}
	if (i == len) {
		return (NETSTRING_MORE);
	}
	if (i == 0) {
		snprintf(why, whylen, "malformed netstring: no length");
		return (NETSTRING_BAD);
	}
	if (n > max) {
		snprintf(why, whylen,
		        "request too long: %zu bytes (limit %zu)", n, max);
		return (NETSTRING_BAD);
	}
	/* digits, ':', payload, ',' */
	total = i + 1 + n + 1;
	if (len < total) {
		return (NETSTRING_MORE);
	}
	if (buf[total - 1] != ',') {
		snprintf(why, whylen,
		        "malformed netstring: no ',' after %zu bytes of "
		        "payload",
		        n);
		return (NETSTRING_BAD);
	}
	*payload = buf + i + 1;
	*plen    = n;
	*used    = total;
	return (NETSTRING_OK);
}

size_t
netstring_encode(char *out, size_t outlen, const char *data, size_t len)
{
	char   head[24];
	int    h;
	size_t total;

	h     = snprintf(head, sizeof(head), "%zu:", len);
	total = (size_t)h + len + 1;
	if (total >= outlen) {
		if (outlen > 0) {
			out[0] = '\0';
		}
		return (total);
	}
	memcpy(out, head, (size_t)h);
	memcpy(out + h, data, len);
	out[total - 1] = ',';
	out[total]     = '\0';
	return (total);
}
