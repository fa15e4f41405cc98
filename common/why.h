/*
 * why.h - the caller-supplied "why" buffer that travels with every failure
 * (Postfix's VSTRING *why habit): a one-line, human-readable reason.
 */
#ifndef MXTLS_COMMON_WHY_H
#define MXTLS_COMMON_WHY_H

#include <stddef.h>

/* why_set - format into why (whylen bytes, cut to fit); NULL/0 is fine. */
void why_set(char *why, size_t whylen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* why_fail - why_set, then return -1 (for `return (why_fail(...));`). */
int why_fail(char *why, size_t whylen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
