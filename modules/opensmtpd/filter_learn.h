/*
 * filter_learn.h - what filter-mxtls learns from its decisions, for the
 * smtp-out reports that come later: the addresses of each domain's MX
 * hosts (a session's destination address to its domain and MX host) and
 * the TLSRPT policy type each domain's sessions are under (RFC 8460
 * §4.4). Bounded (oldest entries replaced), thread-safe.
 */
#ifndef MXTLS_FILTER_LEARN_H
#define MXTLS_FILTER_LEARN_H

#include <stddef.h>

/* filter_learn_addr - remember every address of host as (domain, host)
 * (resolves host: call from a worker thread). */
void filter_learn_addr(const char *domain, const char *host);

/*
 * filter_learn_addr_lookup - the (domain, host) of ip: for domain when
 * given, else the most recently learnt. 0 when found.
 */
int filter_learn_addr_lookup(const char *ip, const char *domain, char *dom,
        size_t domlen, char *host, size_t hostlen);

/* filter_learn_ptype - remember that domain's sessions are under ptype
 * (a static string). */
void filter_learn_ptype(const char *domain, const char *ptype);

/* filter_learn_ptype_lookup - the policy type of domain's last decision,
 * or NULL. */
const char *filter_learn_ptype_lookup(const char *domain);

#endif
