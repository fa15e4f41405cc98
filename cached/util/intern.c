/*
 * intern.c - shared copies of string lists (see intern.h): a hash set of
 * lists keyed by their contents (FNV-1a over the strings and their NULs),
 * chained over a power-of-two bucket array that doubles when the load
 * passes 1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/intern.h"
#include "util/xalloc.h"

struct intern_list {
	struct intern_list *next; /* bucket chain */
	uint32_t            hash;
	uint32_t            refs;
	size_t              n;
	char               *v[]; /* n pointers, then the strings */
};

struct intern {
	struct intern_list **buckets;
	size_t               nbuckets;
	size_t               count;
};

#define LIST_OF(v)                                                            \
	((struct intern_list *)(void *)((char *)(v)-offsetof(                 \
	        struct intern_list, v)))

static uint32_t
list_hash(char *const *v, size_t n)
{
	uint32_t    h = 2166136261u;
	size_t      i;
	const char *s;

	for (i = 0; i < n; i++) {
		for (s = v[i]; *s != '\0'; s++) {
			h ^= (unsigned char)*s;
			h *= 16777619u;
		}
		h ^= 0xff; /* the separator: ["ab"] differs from ["a","b"] */
		h *= 16777619u;
	}
	return (h);
}

static int
list_equal(const struct intern_list *l, char *const *v, size_t n)
{
	size_t i;

	if (l->n != n)
		return (0);
	for (i = 0; i < n; i++)
		if (strcmp(l->v[i], v[i]) != 0)
			return (0);
	return (1);
}

struct intern *
intern_create(void)
{
	struct intern *t = xcalloc(1, sizeof(*t));

	t->nbuckets = 16;
	t->buckets  = xcalloc(t->nbuckets, sizeof(*t->buckets));
	return (t);
}

void
intern_free(struct intern *t)
{
	struct intern_list *l, *next;
	size_t              i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nbuckets; i++)
		for (l = t->buckets[i]; l != NULL; l = next) {
			next = l->next;
			free(l);
		}
	free(t->buckets);
	free(t);
}

static void
intern_grow(struct intern *t)
{
	struct intern_list **nb, *l, *next;
	size_t               i, nn = t->nbuckets * 2;

	nb = xcalloc(nn, sizeof(*nb));
	for (i = 0; i < t->nbuckets; i++)
		for (l = t->buckets[i]; l != NULL; l = next) {
			next                   = l->next;
			l->next                = nb[l->hash & (nn - 1)];
			nb[l->hash & (nn - 1)] = l;
		}
	free(t->buckets);
	t->buckets  = nb;
	t->nbuckets = nn;
}

char **
intern_strv(struct intern *t, char *const *v, size_t n)
{
	struct intern_list *l;
	uint32_t            h;
	size_t              i, len, bytes = 0;
	char               *p;

	if (n == 0)
		return (NULL);
	h = list_hash(v, n);
	for (l = t->buckets[h & (t->nbuckets - 1)]; l != NULL; l = l->next)
		if (l->hash == h && list_equal(l, v, n)) {
			l->refs++;
			return (l->v);
		}
	for (i = 0; i < n; i++)
		bytes += strlen(v[i]) + 1;
	l       = xmalloc(sizeof(*l) + n * sizeof(l->v[0]) + bytes);
	l->hash = h;
	l->refs = 1;
	l->n    = n;
	p       = (char *)&l->v[n];
	for (i = 0; i < n; i++) {
		len     = strlen(v[i]) + 1;
		l->v[i] = memcpy(p, v[i], len);
		p += len;
	}
	if (t->count >= t->nbuckets)
		intern_grow(t);
	l->next                           = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = l;
	t->count++;
	return (l->v);
}

void
intern_release(struct intern *t, char **v)
{
	struct intern_list *l, **pp;

	if (v == NULL)
		return;
	l = LIST_OF(v);
	if (--l->refs > 0)
		return;
	for (pp    = &t->buckets[l->hash & (t->nbuckets - 1)]; *pp != NULL;
	        pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	t->count--;
	free(l);
}

size_t
intern_count(const struct intern *t)
{
	return (t->count);
}
