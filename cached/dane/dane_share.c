/*
 * dane_share.c - shared MX host lists of memoised DANE results (see
 * dane_share.h): a hash set keyed by the hosts' names and answers
 * (FNV-1a), chained over a power-of-two bucket array that doubles when the
 * load passes 1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dane/dane_host.h"
#include "dane/dane_share.h"
#include "util/xalloc.h"

struct dane_hostset {
	struct dane_hostset *next;  /* bucket chain */
	struct dane_share   *share; /* NULL once the table is freed */
	uint32_t             hash;
	uint32_t             refs;
	size_t               nhost;
	struct dane_host     hosts[]; /* then their names */
};

struct dane_share {
	struct dane_hostset **buckets;
	size_t                nbuckets;
	size_t                count;
};

#define SET_OF(h)                                                             \
	((struct dane_hostset *)(void *)((char *)(h)-offsetof(                \
	        struct dane_hostset, hosts)))

static uint32_t
fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n-- > 0) {
		h ^= *c++;
		h *= 16777619u;
	}
	return (h);
}

static uint32_t
hosts_hash(const struct dane_host *hs, size_t n)
{
	uint32_t h = 2166136261u;
	size_t   i;

	for (i = 0; i < n; i++) {
		h = fnv(h, hs[i].name, strlen(hs[i].name) + 1);
		h = fnv(h, &hs[i].pref, sizeof(hs[i].pref));
		h = fnv(h, &hs[i].status, sizeof(hs[i].status));
		h = fnv(h, &hs[i].ntlsa, sizeof(hs[i].ntlsa));
	}
	return (h);
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

static int
host_eq(const struct dane_host *a, const struct dane_host *b)
{
	uint16_t i;

	if (a->pref != b->pref || a->port != b->port || a->naddr != b->naddr
	        || a->ntlsa != b->ntlsa || a->nunusable != b->nunusable
	        || a->status != b->status || a->addr_secure != b->addr_secure
	        || a->why != b->why || a->tlsa_at != b->tlsa_at
	        || strcmp(a->name, b->name) != 0 || !str_eq(a->canon, b->canon)
	        || !str_eq(a->text, b->text))
		return (0);
	for (i = 0; i < a->ntlsa; i++) {
		const struct dane_tlsa *x = &a->tlsa[i], *y = &b->tlsa[i];

		if (x->usage != y->usage || x->selector != y->selector
		        || x->mtype != y->mtype || x->len != y->len
		        || memcmp(x->data, y->data, x->len) != 0)
			return (0);
	}
	return (1);
}

struct dane_share *
dane_share_create(void)
{
	struct dane_share *s = xcalloc(1, sizeof(*s));

	s->nbuckets = 16;
	s->buckets  = xcalloc(s->nbuckets, sizeof(*s->buckets));
	return (s);
}

void
dane_share_free(struct dane_share *s)
{
	struct dane_hostset *l;
	size_t               i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nbuckets; i++)
		for (l = s->buckets[i]; l != NULL; l = l->next)
			l->share = NULL;
	free(s->buckets);
	free(s);
}

static void
share_grow(struct dane_share *s)
{
	struct dane_hostset **nb, *l, *next;
	size_t                i, nn = s->nbuckets * 2;

	nb = xcalloc(nn, sizeof(*nb));
	for (i = 0; i < s->nbuckets; i++)
		for (l = s->buckets[i]; l != NULL; l = next) {
			next                   = l->next;
			l->next                = nb[l->hash & (nn - 1)];
			nb[l->hash & (nn - 1)] = l;
		}
	free(s->buckets);
	s->buckets  = nb;
	s->nbuckets = nn;
}

/* set_new - a shared copy of r's hosts; their owned parts move into it. */
static struct dane_hostset *
set_new(struct dane_share *s, struct dane_result *r, uint32_t h)
{
	struct dane_hostset *l;
	size_t               i, names = 0, len;
	char                *p;

	for (i = 0; i < r->nhost; i++)
		names += strlen(r->hosts[i].name) + 1;
	l = xcalloc(1, sizeof(*l) + r->nhost * sizeof(l->hosts[0]) + names);
	l->share = s;
	l->hash  = h;
	l->refs  = 0;
	l->nhost = r->nhost;
	p        = (char *)&l->hosts[r->nhost];
	for (i = 0; i < r->nhost; i++) {
		l->hosts[i] = r->hosts[i];
		len         = strlen(r->hosts[i].name) + 1;
		memcpy(p, r->hosts[i].name, len);
		l->hosts[i].name = p;
		p += len;
		/* moved: r's host no longer owns them */
		r->hosts[i].canon = NULL;
		r->hosts[i].tlsa  = NULL;
		r->hosts[i].text  = NULL;
	}
	if (s->count >= s->nbuckets)
		share_grow(s);
	l->next                           = s->buckets[h & (s->nbuckets - 1)];
	s->buckets[h & (s->nbuckets - 1)] = l;
	s->count++;
	return (l);
}

void
dane_share_result(struct dane_share *s, struct dane_result *r)
{
	struct dane_hostset *l;
	uint32_t             h;
	size_t               i;

	if (r->nhost == 0 || r->hosts == NULL
	        || r->mx_status == DANE_MX_IMPLICIT
	        || (r->notes & DANE_NOTE_SHARED))
		return;
	h = hosts_hash(r->hosts, r->nhost);
	for (l = s->buckets[h & (s->nbuckets - 1)]; l != NULL; l = l->next) {
		if (l->hash != h || l->nhost != r->nhost)
			continue;
		for (i = 0; i < r->nhost; i++)
			if (!host_eq(&l->hosts[i], &r->hosts[i]))
				break;
		if (i == r->nhost)
			break;
	}
	if (l == NULL)
		l = set_new(s, r, h);
	for (i = 0; i < r->nhost; i++)
		dane_host_clear(&r->hosts[i]);
	free(r->hosts);
	l->refs++;
	r->hosts = l->hosts;
	r->notes |= DANE_NOTE_SHARED;
}

void
dane_share_release(struct dane_host *hosts)
{
	struct dane_hostset *l = SET_OF(hosts), **pp;
	size_t               i;

	if (--l->refs > 0)
		return;
	if (l->share != NULL) {
		for (pp                 = &l->share->buckets[l->hash
                             & (l->share->nbuckets - 1)];
		        *pp != NULL; pp = &(*pp)->next)
			if (*pp == l) {
				*pp = l->next;
				break;
			}
		l->share->count--;
	}
	for (i = 0; i < l->nhost; i++)
		dane_host_clear(&l->hosts[i]);
	free(l);
}

size_t
dane_share_count(const struct dane_share *s)
{
	return (s->count);
}
