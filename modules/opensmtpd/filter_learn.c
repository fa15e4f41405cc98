/*
 * filter_learn.c - the address and policy-type maps of filter-mxtls (see
 * filter_learn.h): fixed arrays of ADDR_MAX entries, the oldest replaced
 * when full, under one lock.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain.h"
#include "filter_learn.h"

#define ADDR_MAX 1024 /* entries of each map */

struct addr_entry {
	char   ip[64];
	char   domain[DOMAIN_MAX + 1];
	char   host[DOMAIN_MAX + 1];
	time_t when;
};

/* the TLSRPT policy type of each domain's last decision (what OpenSMTPD
 * applies to its sessions, filter_decide_ptype) */
struct pol_entry {
	char        domain[DOMAIN_MAX + 1];
	const char *ptype; /* static string */
	time_t      when;
};

static pthread_mutex_t   g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct addr_entry g_addr[ADDR_MAX];
static size_t            g_naddr;
static struct pol_entry  g_pol[ADDR_MAX];
static size_t            g_npol;

void
filter_learn_addr(const char *domain, const char *host)
{
	struct addrinfo hints, *res = NULL, *ai;
	char            ip[64];

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0) {
		return;
	}
	pthread_mutex_lock(&g_lock);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		size_t i, slot = g_naddr;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof(ip),
		            NULL, 0, NI_NUMERICHOST)
		        != 0) {
			continue;
		}
		for (i = 0; i < g_naddr; i++) {
			if (strcmp(g_addr[i].ip, ip) == 0
			        && strcmp(g_addr[i].domain, domain) == 0) {
				slot = i;
				break;
			}
		}
		if (slot == ADDR_MAX) { /* full: replace the oldest */
			slot = 0;
			for (i = 1; i < ADDR_MAX; i++) {
				if (g_addr[i].when < g_addr[slot].when) {
					slot = i;
				}
			}
		} else if (slot == g_naddr) {
			g_naddr++;
		}
		snprintf(g_addr[slot].ip, sizeof(g_addr[slot].ip), "%s", ip);
		snprintf(g_addr[slot].domain, sizeof(g_addr[slot].domain),
		        "%s", domain);
		snprintf(g_addr[slot].host, sizeof(g_addr[slot].host), "%s",
		        host);
		g_addr[slot].when = time(NULL);
	}
	pthread_mutex_unlock(&g_lock);
	freeaddrinfo(res);
}

int
filter_learn_addr_lookup(const char *ip, const char *domain, char *dom,
        size_t domlen, char *host, size_t hostlen)
{
	size_t i, best = ADDR_MAX;

	pthread_mutex_lock(&g_lock);
	for (i = 0; i < g_naddr; i++) {
		if (strcmp(g_addr[i].ip, ip) != 0) {
			continue;
		}
		if (domain != NULL && domain[0] != '\0'
		        && strcmp(g_addr[i].domain, domain) != 0) {
			continue;
		}
		if (best == ADDR_MAX || g_addr[i].when > g_addr[best].when) {
			best = i;
		}
	}
	if (best != ADDR_MAX) {
		snprintf(dom, domlen, "%s", g_addr[best].domain);
		snprintf(host, hostlen, "%s", g_addr[best].host);
	}
	pthread_mutex_unlock(&g_lock);
	return (best == ADDR_MAX ? -1 : 0);
}

void
filter_learn_ptype(const char *domain, const char *ptype)
{
	size_t i, slot = g_npol;

	pthread_mutex_lock(&g_lock);
	for (i = 0; i < g_npol; i++) {
		if (strcmp(g_pol[i].domain, domain) == 0) {
			slot = i;
			break;
		}
	}
	if (slot == ADDR_MAX) { /* full: replace the oldest */
		slot = 0;
		for (i = 1; i < ADDR_MAX; i++) {
			if (g_pol[i].when < g_pol[slot].when) {
				slot = i;
			}
		}
	} else if (slot == g_npol) {
		g_npol++;
	}
	snprintf(g_pol[slot].domain, sizeof(g_pol[slot].domain), "%s", domain);
	g_pol[slot].ptype = ptype;
	g_pol[slot].when  = time(NULL);
	pthread_mutex_unlock(&g_lock);
}

const char *
filter_learn_ptype_lookup(const char *domain)
{
	const char *pt = NULL;
	size_t      i;

	pthread_mutex_lock(&g_lock);
	for (i = 0; i < g_npol; i++) {
		if (strcmp(g_pol[i].domain, domain) == 0) {
			pt = g_pol[i].ptype;
			break;
		}
	}
	pthread_mutex_unlock(&g_lock);
	return (pt);
}
