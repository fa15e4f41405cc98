/*
 * filter_tablefile.h - filter-mxtls's verified-TLS table (a file table of
 * OpenSMTPD, docs/opensmtpd.md): loaded at start, rewritten atomically
 * and reloaded with `smtpctl update table` when its key set changes.
 * Thread-safe (one lock).
 */
#ifndef MXTLS_FILTER_TABLEFILE_H
#define MXTLS_FILTER_TABLEFILE_H

#include <stddef.h>
#include <time.h>

/* filter_tablefile_load - read the table file (missing: empty). */
void filter_tablefile_load(void);

/* filter_tablefile_init - prune the loaded table and write it (-i). */
int filter_tablefile_init(char *why, size_t whylen);

/*
 * filter_tablefile_apply - make the table say secure/not secure for
 * domain; write and reload only when its key set changed (or entries
 * expired). 0, or -1 with why.
 */
int filter_tablefile_apply(const char *domain, int secure, time_t expires,
        char *why, size_t whylen);

#endif
