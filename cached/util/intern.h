/*
 * intern.h - shared, reference-counted copies of short lists of strings:
 * the mx patterns of MTA-STS policies (RFC 8461 §3.2) and the rua URIs of
 * TLSRPT records (RFC 8460 §3), which many domains publish identically
 * (every customer of a mail provider has its MX hosts, and often its
 * report address). A cached domain keeps a pointer into one shared copy
 * instead of its own array and strings (docs/BENCHMARKS.md, memory).
 *
 * A list is one allocation: its n string pointers, then the strings. It is
 * immutable while interned; the last release frees it.
 *
 * Not thread-safe: the daemon's loop thread is its only user.
 */
#ifndef MXTLS_CACHED_INTERN_H
#define MXTLS_CACHED_INTERN_H

#include <stddef.h>

struct intern;

/* intern_create - an empty table. */
struct intern *intern_create(void);

/* intern_free - free the table; lists still held are freed too (their
 * holders must not use or release them after). NULL is allowed. */
void intern_free(struct intern *t);

/*
 * intern_strv - the shared copy of v[0..n-1] (equal strings in the same
 * order), with one more reference; NULL when n is 0. The caller keeps v
 * and drops the result with intern_release.
 */
char **intern_strv(struct intern *t, char *const *v, size_t n);

/* intern_release - drop one reference to a list intern_strv returned
 * (NULL is allowed). */
void intern_release(struct intern *t, char **v);

/* intern_count - distinct lists held. */
size_t intern_count(const struct intern *t);

#endif
