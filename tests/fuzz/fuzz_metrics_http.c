/*
 * fuzz_metrics_http.c - libFuzzer target for metrics_http_route
 * (cached/daemon/metrics_http.c): the request line a local peer sends to
 * the metrics endpoint (RFC 9112 §3).
 *
 * Beyond "no crash", it checks the rule on every input: 200 only for GET
 * or HEAD of /metrics or /healthz (a query string allowed) with an
 * HTTP/1.x version, and the path and HEAD flag say which.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/metrics_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	char  path;
	int   head, st;

	if ((s = malloc(size + 1)) == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0'; /* evbuffer_readln gives a NUL-ended line */
	st      = metrics_http_route(s, &path, &head);
	if (st != 200 && st != 400 && st != 404 && st != 405)
		abort();
	if (st == 200) {
		if (path != 'm' && path != 'h')
			abort();
		if (head
		        != (strstr(s, "HEAD") != NULL
		                && strncmp(s + strspn(s, " \t\r\n\v\f"),
		                           "HEAD", 4)
		                        == 0))
			abort();
		if (strstr(s, path == 'm' ? "/metrics" : "/healthz") == NULL
		        || strstr(s, "HTTP/1.") == NULL)
			abort();
	} else if (path != 0) {
		abort();
	}
	free(s);
	return (0);
}
