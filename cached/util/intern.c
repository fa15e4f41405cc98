/*
 * intern.c - shared copies of string lists (see intern.h): a hash set of
 * lists keyed by their contents (FNV-1a over the strings and a separator)
 * in util/hash.c's table.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/intern.h"
#include "util/xalloc.h"

struct intern_list {
	struct hash_node node; /* in the table */
	uint32_t         hash;
	uint32_t         refs;
	size_t           n;
	char            *v[]; /* n pointers, then the strings */
};

struct intern {
	struct hash table; /* of intern_list */
};

#define LIST_OF(v)                                                            \
	((struct intern_list *)(void *)((char *)(v)-offsetof(                 \
	        struct intern_list, v)))

static uint32_t
list_hash(char *const *v, size_t n)
{
	uint32_t h = HASH_FNV32_INIT;
	size_t   i;

	for (i = 0; i < n; i++) {
		h = hash_fnv32(h, v[i], strlen(v[i]));
		/* the separator: ["ab"] differs from ["a","b"] */
		h = hash_fnv32(h, "\xff", 1);
	}
	return (h);
}

static uint64_t
list_hash_of(const struct hash_node *n)
{
	return (HASH_ENTRY(n, const struct intern_list, node)->hash);
}

static int
list_equal(const struct intern_list *l, char *const *v, size_t n)
{
	size_t i;

	if (l->n != n) {
		return (0);
	}
	for (i = 0; i < n; i++) {
		if (strcmp(l->v[i], v[i]) != 0) {
			return (0);
		}
	}
	return (1);
}

struct intern *
intern_create(void)
{
	struct intern *t = xcalloc(1, sizeof(*t));

	hash_init(&t->table, 16, list_hash_of);
	return (t);
}

static void
intern_free_list(void *arg, struct hash_node *n)
{
	(void)arg;
	free(HASH_ENTRY(n, struct intern_list, node));
}

void
intern_free(struct intern *t)
{
	if (t == NULL) {
		return;
	}
	hash_walk(&t->table, intern_free_list, NULL);
	hash_fini(&t->table);
	free(t);
}

char **
intern_strv(struct intern *t, char *const *v, size_t n)
{
	struct intern_list *l;
	struct hash_node   *hn;
	uint32_t            h;
	size_t              i, len, bytes = 0;
	char               *p;

	if (n == 0) {
		return (NULL);
	}
	h = list_hash(v, n);
	for (hn = hash_chain(&t->table, h); hn != NULL; hn = hn->next) {
		l = HASH_ENTRY(hn, struct intern_list, node);
		if (l->hash == h && list_equal(l, v, n)) {
			l->refs++;
			return (l->v);
		}
	}
	for (i = 0; i < n; i++) {
		bytes += strlen(v[i]) + 1;
	}
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
	hash_insert(&t->table, &l->node, h);
	return (l->v);
}

void
intern_release(struct intern *t, char **v)
{
	struct intern_list *l;

	if (v == NULL) {
		return;
	}
	l = LIST_OF(v);
	if (--l->refs > 0) {
		return;
	}
	(void)hash_remove(&t->table, &l->node, l->hash);
	free(l);
}

size_t
intern_count(const struct intern *t)
{
	return (hash_count(&t->table));
}
