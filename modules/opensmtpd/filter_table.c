/*
 * filter_table.c - the verified-TLS domain table in memory: parse, set,
 * prune, format (see filter_table.h). Pure: no I/O.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "filter_table.h"

#define EXPIRES_TAG "# mxtls-expires "

void
filter_table_init(struct filter_table *t)
{
	memset(t, 0, sizeof(*t));
}

void
filter_table_clear(struct filter_table *t)
{
	free(t->v);
	filter_table_init(t);
}

static struct filter_table_entry *
find(const struct filter_table *t, const char *domain)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->v[i].domain, domain) == 0) {
			return (&t->v[i]);
		}
	}
	return (NULL);
}

const struct filter_table_entry *
filter_table_find(const struct filter_table *t, const char *domain)
{
	return (find(t, domain));
}

int
filter_table_set(struct filter_table *t, const char *domain, time_t expires)
{
	struct filter_table_entry *e;

	if (strlen(domain) >= sizeof(e->domain)) {
		return (0);
	}
	if ((e = find(t, domain)) != NULL) {
		e->expires = expires;
		return (0);
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		e          = realloc(t->v, cap * sizeof(*e));
		if (e == NULL) {
			return (-1);
		}
		t->v   = e;
		t->cap = cap;
	}
	e = &t->v[t->n++];
	snprintf(e->domain, sizeof(e->domain), "%s", domain);
	e->expires = expires;
	return (1);
}

int
filter_table_remove(struct filter_table *t, const char *domain)
{
	struct filter_table_entry *e = find(t, domain);

	if (e == NULL) {
		return (0);
	}
	*e = t->v[--t->n];
	return (1);
}

size_t
filter_table_prune(struct filter_table *t, time_t now)
{
	size_t i = 0, dropped = 0;

	while (i < t->n) {
		if (t->v[i].expires <= now) {
			t->v[i] = t->v[--t->n];
			dropped++;
		} else {
			i++;
		}
	}
	return (dropped);
}

int
filter_table_parse(struct filter_table *t, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	time_t      pending = 0;

	t->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t      n  = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char        dom[DOMAIN_MAX + 1], why[128];

		if (n > 0 && p[n - 1] == '\r') {
			n--;
		}
		if (n > strlen(EXPIRES_TAG)
		        && memcmp(p, EXPIRES_TAG, strlen(EXPIRES_TAG)) == 0) {
			const char *d = p + strlen(EXPIRES_TAG);
			long long   v = 0;
			size_t      k = n - strlen(EXPIRES_TAG), j;
			for (j = 0; j < k && j < 18
			        && isdigit((unsigned char)d[j]);
			        j++) {
				v = v * 10 + (d[j] - '0');
			}
			pending = (j == k) ? (time_t)v : 0;
		} else if (n > 0 && p[0] != '#') {
			if (domain_normalize(
			            p, n, dom, sizeof(dom), why, sizeof(why))
			                == 0
			        && strcmp(dom, FILTER_TABLE_SENTINEL) != 0) {
				if (filter_table_set(t, dom, pending) < 0) {
					return (-1);
				}
			}
			pending = 0;
		}
		p = nl ? nl + 1 : end;
	}
	return ((int)t->n);
}

static int
cmp(const void *a, const void *b)
{
	const struct filter_table_entry *x = a, *y = b;

	return (strcmp(x->domain, y->domain));
}

char *
filter_table_format(const struct filter_table *t)
{
	struct filter_table_entry *s = NULL;
	size_t                     i, cap, off = 0;
	char                      *out;
	static const char          head[] = "# mxtls-secure: domains whose "
	                                    "mail needs verified TLS.\n"
	                                    "# Written by filter-mxtls; edits "
	                                    "are lost.\n";

	cap = sizeof(head) + 64 + t->n * (sizeof(s->domain) + 48);
	if ((out = malloc(cap)) == NULL) {
		return (NULL);
	}
	if (t->n > 0 && (s = malloc(t->n * sizeof(*s))) == NULL) {
		free(out);
		return (NULL);
	}
	if (t->n > 0) {
		memcpy(s, t->v, t->n * sizeof(*s));
		qsort(s, t->n, sizeof(*s), cmp);
	}
	off = (size_t)snprintf(
	        out, cap, "%s%s\n", head, FILTER_TABLE_SENTINEL);
	for (i = 0; i < t->n; i++) {
		off += (size_t)snprintf(out + off, cap - off, "%s%lld\n%s\n",
		        EXPIRES_TAG, (long long)s[i].expires, s[i].domain);
	}
	free(s);
	return (out);
}
