/*
 * spframe.h - the scalability protocols' wire format on an ipc:// or a
 * tcp:// stream (nng 1.5 src/sp/transport/ipc/ipc.c,
 * src/sp/transport/tcp/tcp.c and src/sp/protocol/reqrep0/rep.c), both
 * sides: the daemon's REP server (cached/door) and the REQ client
 * (common/spclient.c) write and read it only through these functions:
 *   - a connection header, both ways: 0x00 'S' 'P' 0x00, the 16-bit
 *     big-endian protocol id of the sender (REQ 0x0030, REP 0x0031), two
 *     zero bytes (the same on both transports);
 *   - every message: over ipc:// a type byte 0x01, then (both transports)
 *     a 64-bit big-endian length, then that many bytes: the backtrace
 *     (32-bit big-endian words, the last - and only the last - with its
 *     high bit set: the request id; the ones before it are hops added by
 *     devices), then the payload. tcp:// has no type byte.
 * A reply carries the request's backtrace unchanged before its payload.
 *
 * Pure functions: no I/O, no globals, no allocation. The parser points
 * into the caller's buffer.
 *
 * Decisions (docs/IPC.md "Direct socket"):
 * - A message whose length is over the caller's limit is refused as soon
 *   as its 9 header bytes are seen (nng closes the pipe too:
 *   NNG_OPT_RECVMAXSZ), so a peer cannot make us buffer it.
 * - A backtrace without a request id within SPFRAME_MAX_HOPS words is
 *   malformed (nng's REP drops such a message; a server that cannot reply
 *   says so and closes instead of leaving the client to time out).
 * - Any type byte but 0x01 is malformed, as in nng.
 */
#ifndef MXTLS_COMMON_SPFRAME_H
#define MXTLS_COMMON_SPFRAME_H

#include <stddef.h>
#include <stdint.h>

#define SPFRAME_HEADER    8 /* connection header */
#define SPFRAME_MSGHDR    9 /* the longest message header (ipc://) */
#define SPFRAME_MAX_HOPS  8 /* nng's default NNG_OPT_MAXTTL */
#define SPFRAME_MAX_BT    (4 * SPFRAME_MAX_HOPS)
#define SPFRAME_PROTO_REQ 0x30
#define SPFRAME_PROTO_REP 0x31

/* Largest message (backtrace and payload) taken: what the daemon's nng REP
 * socket was given as NNG_OPT_RECVMAXSZ; requests above PROTO_MAX_MSG and
 * up to this get an error reply, longer ones close the connection. */
#define SPFRAME_RECV_MAX (1024 * 1024)

/* The stream transport: ipc:// (a type byte before each length) or tcp://
 * (none). */
enum spframe_tp {
	SPFRAME_IPC = 0,
	SPFRAME_TCP,
};

enum spframe_status {
	SPFRAME_OK = 0, /* parsed */
	SPFRAME_MORE,   /* a valid prefix: more bytes are needed */
	SPFRAME_BAD,    /* malformed or over the limit: why says which */
};

/* One request message, pointing into the caller's buffer. */
struct spframe {
	const unsigned char *bt; /* backtrace, request id last */
	size_t               btlen;
	const unsigned char *payload;
	size_t               plen;
};

/*
 * spframe_peer_header - check the connection header at the start of buf
 * (len bytes): a REQ peer's. OK when it is one (SPFRAME_HEADER bytes to
 * take), MORE for a valid prefix, BAD with why otherwise.
 */
enum spframe_status spframe_peer_header(
        const unsigned char *buf, size_t len, char *why, size_t whylen);

/* spframe_rep_header - write a REP server's connection header to out. */
void spframe_rep_header(unsigned char out[SPFRAME_HEADER]);

/* spframe_header - write the connection header of protocol proto
 * (SPFRAME_PROTO_REQ, SPFRAME_PROTO_REP) to out. */
void spframe_header(uint8_t proto, unsigned char out[SPFRAME_HEADER]);

/*
 * spframe_rep_peer_header - check the connection header at the start of
 * buf (len bytes) as a REQ client does: a REP peer's. As
 * spframe_peer_header.
 */
enum spframe_status spframe_rep_peer_header(
        const unsigned char *buf, size_t len, char *why, size_t whylen);

/*
 * spframe_msg_length - the header of a message of transport tp at the
 * start of buf (len bytes): OK with the length of the backtrace and
 * payload that follow in *n (at most max), MORE for a valid prefix, BAD
 * with why (a type byte other than 1, a length above max).
 */
enum spframe_status spframe_msg_length(enum spframe_tp tp,
        const unsigned char *buf, size_t len, uint64_t max, uint64_t *n,
        char *why, size_t whylen);

/* spframe_msghdr_len - the bytes of a message header on transport tp (9
 * on ipc://, 8 on tcp://). */
size_t spframe_msghdr_len(enum spframe_tp tp);

/*
 * spframe_parse - one message of transport tp at the start of buf (len
 * bytes) whose length (backtrace and payload) is at most max. OK: f is
 * set and *used is the bytes taken; MORE: nothing is set; BAD: a one-line
 * reason in why (the caller closes the stream: there is no
 * resynchronisation).
 */
enum spframe_status spframe_parse(enum spframe_tp tp, const unsigned char *buf,
        size_t len, size_t max, struct spframe *f, size_t *used, char *why,
        size_t whylen);

/* spframe_msg_header - write the header of a message of n bytes (the
 * reply's backtrace and payload together) on transport tp to out; returns
 * its length (spframe_msghdr_len). */
size_t spframe_msg_header(
        enum spframe_tp tp, unsigned char out[SPFRAME_MSGHDR], uint64_t n);

#endif
