/*
 * metrics_http.h - the metrics endpoint (metrics.listen, docs/METRICS.md):
 * a small HTTP/1.1 server on the loop, loopback only, that answers GET
 * /metrics with the text exposition of util/metrics.h and GET /healthz
 * with 200 "ok" or 503 and the reason. One request per connection
 * (answered with "Connection: close"), at most METRICS_HTTP_MAX_CONNS
 * connections at once (more are closed at accept), a request head of at
 * most 8 KiB, 5 s for the whole exchange counted from the accept (a
 * trickle does not extend it), descriptors at the reserve refused
 * (util/fdlimit.h): a local flood costs the loop an accept and a close.
 * A local user who keeps every slot taken denies the endpoint, not the
 * front doors.
 *
 * Threads: the loop's (the scrape reads loop-owned state through the
 * registry's callbacks).
 */
#ifndef MXTLS_CACHED_METRICS_HTTP_H
#define MXTLS_CACHED_METRICS_HTTP_H

#include <stddef.h>

#define METRICS_HTTP_MAX_CONNS 16
#define METRICS_HTTP_MAX_HEAD  8192
#define METRICS_HTTP_TIMEOUT   5

struct event_base;
struct metrics_http;

/* metrics_http_ready_fn - 1 when ready; else 0 with why (the 503 body). */
typedef int (*metrics_http_ready_fn)(void *arg, char *why, size_t whylen);

/* metrics_http_open - bind hostport (a loopback address and port, checked
 * by conf_metrics_addr) on base; serving starts with the loop. NULL with
 * why. */
struct metrics_http *metrics_http_open(struct event_base *base,
        const char *hostport, char *why, size_t whylen);

/* metrics_http_set_ready - what /healthz asks (NULL: "starting"). */
void metrics_http_set_ready(
        struct metrics_http *m, metrics_http_ready_fn fn, void *arg);

/* metrics_http_free - close the listener and every connection. NULL is
 * fine. */
void metrics_http_free(struct metrics_http *m);

/* metrics_http_route - what a request line gets (pure; for the unit
 * test): the status (200, 400, 404, 405) and, for 200, *path 'm'
 * (/metrics) or 'h' (/healthz); *head 1 for HEAD. */
int metrics_http_route(const char *line, char *path, int *head);

#endif
