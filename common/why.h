/*
 * why.h - the caller-supplied "why" buffer that travels with every failure
 * (Postfix's VSTRING *why habit): a one-line, human-readable reason.
 */
#ifndef MXTLS_COMMON_WHY_H
#define MXTLS_COMMON_WHY_H

#include <stddef.h>

#include <jansson.h>

/* why_set - format into why (whylen bytes, cut to fit); NULL/0 is fine. */
void why_set(char *why, size_t whylen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* why_fail - why_set, then return -1 (for `return (why_fail(...));`). */
int why_fail(char *why, size_t whylen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/*
 * why_utf8 - make s valid UTF-8 (RFC 3629) in place, as JSON needs it: a
 * byte that starts no valid sequence (a stray continuation byte, an
 * overlong form, a surrogate, above U+10FFFF) becomes '?', and a sequence
 * cut short by the end of s (a %.40s, a full buffer) is dropped. Returns
 * s. A reason may quote a peer's bytes; every why that goes into a JSON
 * reply goes through here (why_set does it itself).
 */
char *why_utf8(char *s);

/* why_json - a new JSON string of why (NULL: "") made valid UTF-8 first;
 * NULL only when out of memory. */
json_t *why_json(const char *why);

#endif
