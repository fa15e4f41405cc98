/*
 * netaddr.h - classification of the addresses a remote name resolved to, so
 * that a policy host (mta-sts.<domain>, RFC 8461 §3.3) or a report endpoint
 * (RFC 8460 §3) cannot make the daemon connect to loopback, private or
 * otherwise special networks (server-side request forgery) unless the admin
 * allows it.
 *
 * The ranges follow the IANA IPv4 and IPv6 Special-Purpose Address
 * Registries (RFC 6890 and later updates): every block that is not globally
 * reachable, plus multicast, the limited broadcast address and the reserved
 * space. IPv6 addresses outside global unicast 2000::/3 are all special.
 * IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
 * addresses are judged by the IPv4 address they embed.
 */
#ifndef MXTLS_CACHED_NETADDR_H
#define MXTLS_CACHED_NETADDR_H

#include <stddef.h>

struct sockaddr;

/*
 * netaddr_is_special - 1 when sa (AF_INET or AF_INET6) lies in a special
 * range, with the range named in why ("loopback 127.0.0.0/8"); 0 when it is
 * an ordinary global address (why is then ""). Any other address family is
 * special. why may be NULL when whylen is 0.
 */
int netaddr_is_special(const struct sockaddr *sa, char *why, size_t whylen);

/*
 * netaddr_format - the address of sa (without port) in text form into buf.
 * Returns 0, or -1 (buf holds "?") for an unknown family or a short buf.
 */
int netaddr_format(const struct sockaddr *sa, char *buf, size_t len);

#endif
