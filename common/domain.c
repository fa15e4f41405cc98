/*
 * domain.c - domain-name normalisation and validation (see domain.h).
 *
 * Implements the host-name syntax of RFC 1035 §2.3.1 as relaxed by RFC 1123
 * §2.1 (a label may start with a digit), with IDNs accepted only as A-labels
 * (RFC 5890 §2.3.2.1): every byte must be an ASCII letter, digit, hyphen or
 * dot. One trailing dot (the absolute form) is removed; ASCII upper case is
 * folded to lower case. Address literals ("[192.0.2.1]", RFC 5321 §4.1.3)
 * are refused: they have no MTA-STS policy.
 *
 * Pure functions: no I/O, no globals, no allocation. The caller owns out and
 * why.
 */
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "domain.h"
#include "why.h"

#define LABEL_MAX 63

static int
is_ldh(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	        || (c >= '0' && c <= '9') || c == '-');
}

/* normalize - domain_normalize without the clean-up of out on failure. */
static int
normalize(const char *in, size_t len, char *out, char *why, size_t whylen)
{
	size_t        i, n, label;
	unsigned char c;

	if (in == NULL || len == 0) {
		return (why_fail(why, whylen, "empty domain name"));
	}
	if (in[0] == '[') {
		return (why_fail(why, whylen,
		        "address literal, not a domain name (no MTA-STS "
		        "policy applies)"));
	}
	/* Whole-input byte checks first, so the reason names the real
	 * problem rather than a symptom of it. */
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '\0') {
			return (why_fail(why, whylen, "embedded NUL byte"));
		}
		if (c >= 0x80) {
			return (why_fail(why, whylen,
			        "not an A-label: IDNs must be given in ASCII "
			        "form"));
		}
	}

	n = len;
	if (in[n - 1] == '.') {
		n--;
	}
	if (n == 0) {
		return (why_fail(
		        why, whylen, "the root \".\" is not a domain"));
	}
	if (n > DOMAIN_MAX) {
		return (why_fail(
		        why, whylen, "longer than %d characters", DOMAIN_MAX));
	}

	label = 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)in[i];
		if (c == '.') {
			if (i == 0) {
				return (why_fail(why, whylen, "leading dot"));
			}
			if (label == 0) {
				return (why_fail(why, whylen,
				        "empty label (two dots in a row)"));
			}
			if (in[i - 1] == '-') {
				return (why_fail(why, whylen,
				        "label ends with a hyphen"));
			}
			label  = 0;
			out[i] = '.';
			continue;
		}
		if (!is_ldh(c)) {
			if (c == '_') {
				return (why_fail(why, whylen,
				        "underscore not allowed in a host "
				        "name"));
			}
			if (c == ' ') {
				return (why_fail(why, whylen,
				        "space not allowed in a domain"));
			}
			if (c < 0x20 || c == 0x7f) {
				return (why_fail(why, whylen,
				        "control character 0x%02x", c));
			}
			return (why_fail(
			        why, whylen, "invalid character '%c'", c));
		}
		if (c == '-' && label == 0) {
			return (why_fail(
			        why, whylen, "label starts with a hyphen"));
		}
		if (++label > LABEL_MAX) {
			return (why_fail(why, whylen,
			        "label longer than %d characters", LABEL_MAX));
		}
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a')
		                                : (char)c;
	}
	if (label == 0) {
		/* "a.." : the single trailing dot was removed, one is left. */
		return (why_fail(
		        why, whylen, "empty label (two dots in a row)"));
	}
	if (in[n - 1] == '-') {
		return (why_fail(why, whylen, "label ends with a hyphen"));
	}
	out[n] = '\0';
	return (0);
}

int
domain_normalize(const char *in, size_t len, char *out, size_t outlen,
        char *why, size_t whylen)
{
	if (out == NULL || outlen < DOMAIN_MAX + 1) {
		if (out != NULL && outlen > 0) {
			out[0] = '\0';
		}
		return (why_fail(why, whylen, "output buffer too small"));
	}
	if (normalize(in, len, out, why, whylen) != 0) {
		out[0] = '\0';
		return (-1);
	}
	return (0);
}

int
domain_is_normal(const char *s)
{
	char   buf[DOMAIN_MAX + 1];
	size_t n;

	if (s == NULL) {
		return (0);
	}
	n = strnlen(s, DOMAIN_MAX + 1);
	if (n > DOMAIN_MAX) {
		return (0);
	}
	if (domain_normalize(s, n, buf, sizeof(buf), NULL, 0) != 0) {
		return (0);
	}
	return (strcmp(buf, s) == 0);
}

int
domain_not_a_name(const char *key, size_t len, char *why, size_t whylen)
{
	char          addr[64];
	unsigned char abuf[16];

	if (len > 0 && key[0] == '.') {
		snprintf(why, whylen, "parent-domain probe");
		return (1);
	}
	if (len > 0 && key[0] == '[') {
		snprintf(why, whylen, "explicit next hop");
		return (1);
	}
	if (len < sizeof(addr) && memchr(key, '\0', len) == NULL) {
		memcpy(addr, key, len);
		addr[len] = '\0';
		if (inet_pton(AF_INET, addr, abuf) == 1
		        || inet_pton(AF_INET6, addr, abuf) == 1) {
			snprintf(why, whylen, "an address, not a domain");
			return (1);
		}
	}
	if (memchr(key, ':', len) != NULL) {
		snprintf(why, whylen, "next hop with a port");
		return (1);
	}
	return (0);
}
