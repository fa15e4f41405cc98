/*
 * codec_sp.h - the IPC sockets' wire format as a codec of the connection
 * engine (codec.h; docs/IPC.md "Transport", "Direct socket"): nng's SP
 * REQ/REP framing over ipc:// or tcp:// (common/spframe.c; the variant of
 * a connection is its enum spframe_tp) carrying proto.h's JSON requests.
 * A connection starts with our REP header; its first input must be a REQ
 * peer's header. A "policy" request whose finished reply is in the answer
 * cache is answered at once; every other request is a miss for the loop,
 * with its bytes and its parse (codec_sp_request). A malformed frame ends
 * the connection: there is no request id to reply to.
 */
#ifndef MXTLS_CACHED_CODEC_SP_H
#define MXTLS_CACHED_CODEC_SP_H

#include <stddef.h>

#include "door/codec.h"
#include "proto.h"
#include "spframe.h"

/* Input the framing adds to a message: the longest message header. */
#define CODEC_SP_FRAMING SPFRAME_MSGHDR

struct answer_cache;

/* The door's context (the ctx of the codec functions). */
struct codec_sp_ctx {
	struct answer_cache *answers; /* hits; NULL: every request misses */
	size_t               max_msg; /* largest message (backtrace and
	                               * payload) taken */
};

/* A miss: the request's bytes (NUL after them), backtrace and parse. */
struct codec_sp_miss {
	char                *body;
	size_t               blen;
	unsigned char        bt[SPFRAME_MAX_BT];
	size_t               btlen;
	int                  parsed;
	int                  policy; /* a "policy" request, parsed or not */
	struct proto_request req;
};

extern const struct codec codec_sp;

/* codec_sp_request - a miss's request bytes (*body, *len; NUL after
 * them; owned by the miss) and its parse, or NULL when it did not parse
 * (cm: engine_miss_codec). */
const struct proto_request *codec_sp_request(
        const void *cm, const char **body, size_t *len);

/* codec_sp_key - the domain of a miss's parsed request, or "". */
const char *codec_sp_key(const void *cm);

/* codec_sp_answer_class - the "answer" label (util/metrics.h MA_*) of a
 * "policy" reply (compact JSON, len bytes): tempfail; error (any status
 * but ok); dane when a host's action is dane; secure for an MTA-STS
 * policy in mode enforce with no host "may" (a local override); testing
 * in mode testing; encrypt when a host's action is encrypt; else none. */
int codec_sp_answer_class(const char *json, size_t len);

#endif
