/*
 * sdnotify.h - the systemd readiness protocol without libsystemd
 * (sd_notify(3)): one datagram of "KEY=VALUE\n" lines to the AF_UNIX socket
 * named in $NOTIFY_SOCKET (an abstract socket when the name starts with
 * '@'). Without $NOTIFY_SOCKET (not started by systemd, or Type= other than
 * notify) every call does nothing and succeeds.
 */
#ifndef MXTLS_CACHED_SDNOTIFY_H
#define MXTLS_CACHED_SDNOTIFY_H

#include <stddef.h>

/*
 * sdnotify_send - send state (e.g. "READY=1\nSTATUS=serving") as one
 * datagram. Returns 1 when sent, 0 when $NOTIFY_SOCKET is unset or empty,
 * -1 with why on failure (bad socket name, send error).
 */
int sdnotify_send(const char *state, char *why, size_t whylen);

/* sdnotify_status - send "STATUS=<text>"; same return values. */
int sdnotify_status(const char *text, char *why, size_t whylen);

/*
 * sdnotify_reloading - send "RELOADING=1" and "MONOTONIC_USEC=<now>"
 * (CLOCK_MONOTONIC in microseconds, as Type=notify-reload wants); the
 * daemon sends "READY=1" once the reload is done.
 */
int sdnotify_reloading(char *why, size_t whylen);

#endif
