/*
 * codec_socketmap.h - the Postfix socketmap wire format as a codec of the
 * connection engine (codec.h; socketmap_table(5)): requests are
 * netstrings (netstring.c) "<name> <key>", replies netstrings. A key is
 * classified by socketmap_answer_key: one needing no lookup is answered
 * NOTFOUND (or PERM when malformed) at once, a domain whose socketmap
 * rendering is in the answer cache is answered from there, any other
 * domain is a miss for the loop (codec_socketmap_key). A malformed
 * netstring or one over the door's limit gets a PERM reply and ends the
 * connection; a malformed request inside a valid netstring gets PERM and
 * the connection stays open.
 */
#ifndef MXTLS_CACHED_CODEC_SOCKETMAP_H
#define MXTLS_CACHED_CODEC_SOCKETMAP_H

#include <stddef.h>

#include "domain.h"
#include "door/codec.h"

/* Input the framing adds to a request: the length's digits, ':' and ','
 * (an engine's input limit is the largest request plus this). */
#define CODEC_SOCKETMAP_FRAMING 32

struct answer_cache;

/* The door's context (the ctx of the codec functions). */
struct codec_socketmap_ctx {
	struct answer_cache *answers;     /* hits; NULL: every key misses */
	size_t               max_request; /* largest netstring payload */
};

/* A miss: the normalised domain to look up. */
struct codec_socketmap_miss {
	char key[DOMAIN_MAX + 1];
};

extern const struct codec codec_socketmap;

/* codec_socketmap_key - a miss's domain (cm: engine_miss_codec). */
const char *codec_socketmap_key(const void *cm);

/* codec_socketmap_answer_class - the "answer" label (util/metrics.h MA_*)
 * of a socketmap answer text of len bytes: OK dane, OK dane-only,
 * OK secure, OK encrypt; NOTFOUND (and any other OK) none; TEMP tempfail;
 * PERM and anything else error. */
int codec_socketmap_answer_class(const char *text, size_t len);

#endif
