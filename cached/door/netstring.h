/*
 * netstring.h - netstrings (D. J. Bernstein, https://cr.yp.to/proto/
 * netstrings.txt), the framing of Postfix's socketmap protocol
 * (socketmap_table(5)): "<length>:<payload>," where <length> is the
 * payload's size in decimal ASCII.
 *
 * Pure functions: no I/O, no globals, no allocation. The parser reads from
 * the caller's buffer and points into it.
 *
 * Decisions:
 * - The length has 1 to NETSTRING_MAX_DIGITS digits and no leading zero
 *   ("0:," is the empty netstring; "01:x," is malformed), as the
 *   definition says.
 * - A length above the caller's limit is refused as soon as its digits and
 *   the ':' are seen, so a peer cannot make us buffer a large payload.
 * - Anything else where a digit, ':' or ',' is due is malformed; there is
 *   no resynchronisation (the caller closes the stream).
 */
#ifndef MXTLS_CACHED_NETSTRING_H
#define MXTLS_CACHED_NETSTRING_H

#include <stddef.h>

#define NETSTRING_MAX_DIGITS 9

enum netstring_status {
	NETSTRING_OK = 0, /* one netstring parsed */
	NETSTRING_MORE,   /* a valid prefix: more bytes are needed */
	NETSTRING_BAD,    /* malformed or over the limit: why says which */
};

/*
 * netstring_parse - look for one netstring at the start of buf (len bytes)
 * whose payload is at most max bytes. NETSTRING_OK: *payload points into
 * buf, *plen is its size, *used the bytes taken (netstring included).
 * NETSTRING_MORE: nothing is set. NETSTRING_BAD: a one-line reason in why.
 */
enum netstring_status netstring_parse(const char *buf, size_t len, size_t max,
        const char **payload, size_t *plen, size_t *used, char *why,
        size_t whylen);

/*
 * netstring_encode - write "<len>:<data>," and a NUL to out (outlen bytes).
 * Returns the netstring's size without the NUL; when that is >= outlen,
 * nothing usable was written (as snprintf).
 */
size_t netstring_encode(
        char *out, size_t outlen, const char *data, size_t len);

#endif
