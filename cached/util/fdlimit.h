/*
 * fdlimit.h - the daemon's descriptor budget (docs/IPC.md "Limits",
 * docs/DECISIONS.md): the soft RLIMIT_NOFILE raised to the hard limit at
 * start, a reserve of descriptors kept for what must always work (DNS
 * through libunbound, policy fetches, the store, TLSRPT), and the pause of
 * a front door's listener when the reserve is reached or accept fails for
 * want of descriptors (back-off 100 ms doubling to 1 s, re-enabled by a
 * timer) instead of spinning on accept.
 */
#ifndef MXTLS_CACHED_FDLIMIT_H
#define MXTLS_CACHED_FDLIMIT_H

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#define FDLIMIT_PAUSE_MIN_MS 100
#define FDLIMIT_PAUSE_MAX_MS 1000

/* fdlimit_raise - raise the soft RLIMIT_NOFILE to the hard limit, compute
 * the reserve, log both (MXTLS-FDLIMIT). Call once, before the listeners
 * open. */
void fdlimit_raise(void);

/* fdlimit_caps_fit - 1 when conns connections (the front doors'
 * max_connections together) fit below the descriptor limit less the
 * reserve; else 0 with why saying so and what to change: the MTAs' users
 * would then be refused by the descriptor reserve, shared by every user,
 * before their reserved connections. 1 before fdlimit_raise. */
int fdlimit_caps_fit(long conns, char *why, size_t whylen);

/* fdlimit_reserve_for - the reserve for a limit of limit descriptors:
 * a quarter, at least 32 and at most 1024, never more than half. */
long fdlimit_reserve_for(long limit);

/* fdlimit_fd_ok - 0 when fd, just accepted, is at or above the limit less
 * the reserve (the kernel gives the lowest free number, so at least fd+1
 * descriptors are open), else 1. Always 1 before fdlimit_raise. */
int fdlimit_fd_ok(evutil_socket_t fd);

/* One front door's listener, paused and resumed. */
struct fdlimit_pause;

/* fdlimit_pause_new - for listener lev named name; id is the message ID
 * of its accept failures ("MXTLS-SOCKETMAP-ACCEPT"). */
struct fdlimit_pause *fdlimit_pause_new(struct event_base *base,
        struct evconnlistener *lev, const char *name, const char *id);

void fdlimit_pause_free(struct fdlimit_pause *p);

/* fdlimit_accept - in the accept callback: 1 when fd may be served; else
 * 0, fd closed, the listener paused and the refusal logged
 * (rate-limited). */
int fdlimit_accept(struct fdlimit_pause *p, evutil_socket_t fd);

/* fdlimit_served - the connection accepted is served: the next pause
 * starts at FDLIMIT_PAUSE_MIN_MS again. */
void fdlimit_served(struct fdlimit_pause *p);

/* fdlimit_refused - a connection refused for another reason (too many
 * connections): pause the listener as for the reserve; fd is closed. */
void fdlimit_refused(struct fdlimit_pause *p, evutil_socket_t fd);

/* fdlimit_accept_error - in the listener's error callback: pause the
 * listener and log (rate-limited) the error in EVUTIL_SOCKET_ERROR(). */
void fdlimit_accept_error(struct fdlimit_pause *p);

#endif
