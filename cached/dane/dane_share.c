/*
 * dane_share.c - shared MX host lists of memoised DANE results (see
 * dane_share.h): a hash set keyed by the hosts' names and answers
 * (FNV-1a) in util/hash.c's table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dane/dane_host.h"
#include "dane/dane_share.h"
#include "util/hash.h"
#include "util/xalloc.h"

struct dane_hostset {
	struct hash_node   node;  /* in the table */
	struct dane_share *share; /* NULL once the table is freed */
	uint32_t           hash;
	uint32_t           refs;
	size_t             nhost;
	struct dane_host   hosts[]; /* then their names */
};

struct dane_share {
	struct hash table; /* of dane_hostset */
};

#define SET_OF(h)                                                             \
	((struct dane_hostset *)(void *)((char *)(h)-offsetof(                \
	        struct dane_hostset, hosts)))

static uint32_t
hosts_hash(const struct dane_host *hs, size_t n)
{
	uint32_t h = HASH_FNV32_INIT;
	size_t   i;

	for (i = 0; i < n; i++) {
		h = hash_fnv32(h, hs[i].name, strlen(hs[i].name) + 1);
		h = hash_fnv32(h, &hs[i].pref, sizeof(hs[i].pref));
		h = hash_fnv32(h, &hs[i].status, sizeof(hs[i].status));
		h = hash_fnv32(h, &hs[i].ntlsa, sizeof(hs[i].ntlsa));
	}
	return (h);
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		return (a == b);
	}
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
	        || !str_eq(a->text, b->text)) {
		return (0);
	}
	for (i = 0; i < a->ntlsa; i++) {
		const struct dane_tlsa *x = &a->tlsa[i], *y = &b->tlsa[i];

		if (x->usage != y->usage || x->selector != y->selector
		        || x->mtype != y->mtype || x->len != y->len
		        || memcmp(x->data, y->data, x->len) != 0) {
			return (0);
		}
	}
	return (1);
}

static uint64_t
hostset_hash_of(const struct hash_node *n)
{
	return (HASH_ENTRY(n, const struct dane_hostset, node)->hash);
}

struct dane_share *
dane_share_create(void)
{
	struct dane_share *s = xcalloc(1, sizeof(*s));

	hash_init(&s->table, 16, hostset_hash_of);
	return (s);
}

/* hostset_orphan - the table goes; the list stays with its results. */
static void
hostset_orphan(void *arg, struct hash_node *n)
{
	(void)arg;
	HASH_ENTRY(n, struct dane_hostset, node)->share = NULL;
}

void
dane_share_free(struct dane_share *s)
{
	if (s == NULL) {
		return;
	}
	hash_walk(&s->table, hostset_orphan, NULL);
	hash_fini(&s->table);
	free(s);
}

/* set_new - a shared copy of r's hosts; their owned parts move into it. */
static struct dane_hostset *
set_new(struct dane_share *s, struct dane_result *r, uint32_t h)
{
	struct dane_hostset *l;
	size_t               i, names = 0, len;
	char                *p;

	for (i = 0; i < r->nhost; i++) {
		names += strlen(r->hosts[i].name) + 1;
	}
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
	hash_insert(&s->table, &l->node, h);
	return (l);
}

void
dane_share_result(struct dane_share *s, struct dane_result *r)
{
	struct dane_hostset *l = NULL;
	struct hash_node    *n;
	uint32_t             h;
	size_t               i;

	if (r->nhost == 0 || r->hosts == NULL
	        || r->mx_status == DANE_MX_IMPLICIT
	        || (r->notes & DANE_NOTE_SHARED)) {
		return;
	}
	h = hosts_hash(r->hosts, r->nhost);
	for (n = hash_chain(&s->table, h); n != NULL; n = n->next) {
		l = HASH_ENTRY(n, struct dane_hostset, node);
		if (l->hash != h || l->nhost != r->nhost) {
			continue;
		}
		for (i = 0; i < r->nhost; i++) {
			if (!host_eq(&l->hosts[i], &r->hosts[i])) {
				break;
			}
		}
		if (i == r->nhost) {
			break;
		}
	}
	if (n == NULL) {
		l = NULL;
	}
	if (l == NULL) {
		l = set_new(s, r, h);
	}
	for (i = 0; i < r->nhost; i++) {
		dane_host_clear(&r->hosts[i]);
	}
	free(r->hosts);
	l->refs++;
	r->hosts = l->hosts;
	r->notes |= DANE_NOTE_SHARED;
}

void
dane_share_release(struct dane_host *hosts)
{
	struct dane_hostset *l = SET_OF(hosts);
	size_t               i;

	if (--l->refs > 0) {
		return;
	}
	if (l->share != NULL) {
		(void)hash_remove(&l->share->table, &l->node, l->hash);
	}
	for (i = 0; i < l->nhost; i++) {
		dane_host_clear(&l->hosts[i]);
	}
	free(l);
}

size_t
dane_share_count(const struct dane_share *s)
{
	return (hash_count(&s->table));
}
