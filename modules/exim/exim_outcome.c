/*
 * exim_outcome.c - the RFC 8460 §4.3 result type of an Exim TLS session
 * (certificate-expired, certificate-host-mismatch, certificate-not-trusted,
 * starttls-not-supported, validation-failure) from Exim's error text and
 * from the server certificate's facts handed over by the tls:cert event.
 * Exim (GnuTLS) says only "certificate invalid" for a chain failure and
 * nothing at all for a name mismatch, so the certificate's own notAfter
 * and subjectAltNames decide when they are known. Host names are matched
 * as RFC 8461 §4.1 says (RFC 6125 wildcards: left-most label only). Pure.
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exim_outcome.h"

int
exim_outcome_cert_parse(const char *data, struct exim_outcome_cert *out)
{
	const char *p = data, *q;
	char       *end;
	long        depth;
	long long   na = 0;
	size_t      n;

	if (!isdigit((unsigned char)*p)) {
		return (-1);
	}
	depth = strtol(p, &end, 10);
	if (depth < 0 || depth > 64 || (*end != ' ' && *end != '\0')) {
		return (-1);
	}
	if (depth != 0) {
		return ((int)depth);
	}
	memset(out, 0, sizeof(*out));
	p = end;
	while (*p == ' ') {
		p++;
	}
	if (isdigit((unsigned char)*p)) {
		na = strtoll(p, &end, 10);
		if (*end != ' ' && *end != '\0') {
			return (-1);
		}
		p = end;
	}
	while (*p == ' ') {
		p++;
	}
	/* the SAN list: printable, no spaces; cut at the first other byte */
	for (q = p; *q > ' ' && *q < 0x7f; q++) { }
	n = (size_t)(q - p);
	if (n >= sizeof(out->sans)) {
		n = sizeof(out->sans) - 1;
	}
	memcpy(out->sans, p, n);
	out->sans[n]  = '\0';
	out->notafter = na;
	out->seen     = 1;
	return (0);
}

/* one_match - host against one presented name (n bytes). */
static int
one_match(const char *host, const char *name, size_t n)
{
	const char *dot;
	size_t      rest;

	if (n > 0 && name[n - 1] == '.') {
		n--; /* an absolute name */
	}
	if (n == 0) {
		return (0);
	}
	if (n >= 2 && name[0] == '*' && name[1] == '.') {
		/* "*.example.com" stands for exactly one label */
		if ((dot = strchr(host, '.')) == NULL || dot == host) {
			return (0);
		}
		rest = n - 1; /* ".example.com" */
		return (strlen(dot) == rest
		        && strncasecmp(dot, name + 1, rest) == 0);
	}
	if (memchr(name, '*', n) != NULL) {
		return (0); /* other wildcard forms are not honoured */
	}
	return (strlen(host) == n && strncasecmp(host, name, n) == 0);
}

int
exim_outcome_name_match(const char *host, const char *sans)
{
	const char *p = sans, *e;

	while (*p != '\0') {
		e = strchr(p, ';');
		if (e == NULL) {
			e = p + strlen(p);
		}
		if (one_match(host, p, (size_t)(e - p))) {
			return (1);
		}
		p = *e == ';' ? e + 1 : e;
	}
	return (0);
}

const char *
exim_outcome_cert_failure(
        const struct exim_outcome_cert *c, const char *host, time_t now)
{
	if (c->seen && c->notafter > 0 && c->notafter < (long long)now) {
		return ("certificate-expired");
	}
	if (c->seen && !exim_outcome_name_match(host, c->sans)) {
		return ("certificate-host-mismatch");
	}
	return ("certificate-not-trusted");
}

int
exim_outcome_is_starttls(const char *text)
{
	return (strstr(text, "did not offer TLS") != NULL
	        || strstr(text, "STARTTLS") != NULL);
}

const char *
exim_outcome_classify(const char *text)
{
	if (exim_outcome_is_starttls(text)) {
		return ("starttls-not-supported");
	}
	if (strcasestr(text, "expired") != NULL) {
		return ("certificate-expired");
	}
	if (strcasestr(text, "hostname") != NULL
	        || strcasestr(text, "does not match") != NULL
	        || strcasestr(text, "name mismatch") != NULL) {
		return ("certificate-host-mismatch");
	}
	if (strcasestr(text, "not trusted") != NULL
	        || strcasestr(text, "signer not found") != NULL
	        || strcasestr(text, "issuer") != NULL
	        || strcasestr(text, "self-signed") != NULL) {
		return ("certificate-not-trusted");
	}
	return ("validation-failure");
}

int
exim_outcome_tls_related(const char *text)
{
	return (strstr(text, "TLS") != NULL || strstr(text, "tls") != NULL
	        || strcasestr(text, "certificate") != NULL);
}
