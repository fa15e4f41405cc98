/*
 * codec.h - what a front door's wire format plugs into the connection
 * engine (door/engine.h) with: a small table of functions (struct codec),
 * the way OpenSMTPD's table backends plug into smtpd. The engine moves
 * bytes, threads and connections and knows no wire format; a codec turns
 * the bytes a connection read into requests, answers the ones it can at
 * once (a cache hit, a key needing no lookup) and frames the replies the
 * loop thread gives for the others. One codec per front door:
 * codec_socketmap.c (Postfix socketmap netstrings), codec_sp.c (nng's SP
 * wire format of the IPC sockets). Adding a front door is one codec file
 * and its wiring (a file like socketmap.c or direct.c).
 *
 * Codec functions run on the connection's worker thread (reply too: the
 * loop hands the reply text back first) and touch nothing but their
 * arguments, the context the door gave and the answer cache's read side.
 *
 * codec_buf is a connection's output: codec functions append to it; the
 * engine writes it out.
 */
#ifndef MXTLS_CACHED_CODEC_H
#define MXTLS_CACHED_CODEC_H

#include <stddef.h>

/* A connection's output: bytes p[off..len) wait to be written. */
struct codec_buf {
	char  *p;
	size_t off, len, cap;
};

/* codec_buf_room - room for n more bytes at b->p + b->len (grows b,
 * moving what is written out of the way first); returns b->p + b->len. */
char *codec_buf_room(struct codec_buf *b, size_t n);

/* codec_buf_add - append n bytes of s. */
void codec_buf_add(struct codec_buf *b, const void *s, size_t n);

enum codec_status {
	CODEC_REQUEST = 0, /* one request framed: req is set */
	CODEC_SKIP,        /* bytes taken that are no request (a header) */
	CODEC_MORE,        /* a valid prefix: more bytes are needed */
	CODEC_BAD,         /* malformed or over a limit: why says which */
};

/* One framed request, pointing into the connection's input. */
struct codec_req {
	const char          *p; /* the payload */
	size_t               len;
	const unsigned char *tag; /* what the reply carries back (SP: the
	                           * backtrace), or NULL */
	size_t tlen;
};

/* Where a connection stands, as its codec sees it. */
struct codec_conn {
	int variant;       /* given when the connection is added (SP:
	                    * its framing, ipc:// or tcp://) */
	int         state; /* the codec's; 0 when the connection starts */
	const char *via;   /* the listener's name, for logs */
	int         door; /* the listener's front door (util/metrics.h MD_*) */
	double      t0;   /* when the request being answered was framed
	                   * (metrics_now): the lookup latency's start */
};

struct codec {
	const char *name;
	/* the message ID of a malformed input (logged by the engine with
	 * why, before it closes the connection) */
	const char *bad_logid;
	/* bytes of codec data each miss carries (engine_miss_codec) */
	size_t miss_size;
	/* hello - what a connection sends first (into out), or NULL */
	void (*hello)(const struct codec_conn *cc, struct codec_buf *out);
	/* frame - one request at the start of in (len bytes, len > 0):
	 * REQUEST with req and *used, SKIP with *used, MORE, or BAD with
	 * why (no resynchronisation: the connection closes once written).
	 * ctx is the door's (its limits). */
	enum codec_status (*frame)(void *ctx, struct codec_conn *cc,
	        const char *in, size_t len, struct codec_req *req,
	        size_t *used, char *why, size_t whylen);
	/* refuse - the last reply to a malformed input (why from frame), or
	 * NULL for none */
	void (*refuse)(const struct codec_conn *cc, const char *why,
	        struct codec_buf *out);
	/* answer - the fast path: 1 when req is answered into out (a hit,
	 * a key needing no lookup); 0 when it is a miss, described in cm
	 * (miss_size bytes, uninitialised: answer sets what reply and the
	 * loop read) for the loop. ctx is the door's. */
	int (*answer)(void *ctx, const struct codec_conn *cc,
	        const struct codec_req *req, struct codec_buf *out, void *cm);
	/* reply - frame the loop's answer text (n bytes) to the miss cm */
	void (*reply)(const struct codec_conn *cc, const void *cm,
	        const char *text, size_t n, struct codec_buf *out);
	/* miss_free - release what answer put in cm, or NULL */
	void (*miss_free)(void *cm);
};

#endif
