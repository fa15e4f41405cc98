/*
 * xalloc.h - allocation for the daemon that never returns NULL: out of
 * memory is logged (MXTLS-NOMEM) and aborts (OpenSMTPD's xmalloc habit).
 * Daemon code only; plugins and libraries handle ENOMEM themselves.
 */
#ifndef MXTLS_CACHED_XALLOC_H
#define MXTLS_CACHED_XALLOC_H

#include <stddef.h>

/* xcalloc - calloc(n, size) or abort. */
void *xcalloc(size_t n, size_t size);

/* xmalloc - malloc(size) or abort. */
void *xmalloc(size_t size);

/* xdie - log out of memory and abort (for allocators of libraries). */
void xdie(void) __attribute__((noreturn));

/* xstrdup - strdup(s) or abort. */
char *xstrdup(const char *s);

#endif
