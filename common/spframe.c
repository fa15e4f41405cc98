/*
 * spframe.c - the scalability protocols' ipc:// and tcp:// framing, for
 * the REP server and the REQ client (see spframe.h; nng 1.5's ipc and tcp
 * transports and reqrep0).
 */
#include <stdio.h>
#include <string.h>

#include "spframe.h"

/* header_check - the connection header of a proto peer at buf. */
static enum spframe_status
header_check(const unsigned char *buf, size_t len, uint8_t proto, char *why,
        size_t whylen)
{
	unsigned char want[SPFRAME_HEADER];
	size_t        n = len < SPFRAME_HEADER ? len : SPFRAME_HEADER;

	spframe_header(proto, want);
	if (memcmp(buf, want, n) == 0) {
		return (n == SPFRAME_HEADER ? SPFRAME_OK : SPFRAME_MORE);
	}
	if (n >= 4 && memcmp(buf, want, 4) == 0) {
		if (n >= 6 && (buf[4] != 0x00 || buf[5] != proto)) {
			snprintf(why, whylen,
			        "peer protocol 0x%02x%02x is not %s "
			        "(0x00%02x)",
			        buf[4], buf[5],
			        proto == SPFRAME_PROTO_REQ ? "REQ" : "REP",
			        proto);
		} else {
			snprintf(why, whylen,
			        "reserved bytes of the connection header are "
			        "not zero");
		}
		return (SPFRAME_BAD);
	}
	snprintf(why, whylen, "not an SP connection header");
	return (SPFRAME_BAD);
}

enum spframe_status
spframe_peer_header(
        const unsigned char *buf, size_t len, char *why, size_t whylen)
{
	return (header_check(buf, len, SPFRAME_PROTO_REQ, why, whylen));
}

enum spframe_status
spframe_rep_peer_header(
        const unsigned char *buf, size_t len, char *why, size_t whylen)
{
	return (header_check(buf, len, SPFRAME_PROTO_REP, why, whylen));
}

void
spframe_header(uint8_t proto, unsigned char out[SPFRAME_HEADER])
{
	out[0] = 0x00;
	out[1] = 'S';
	out[2] = 'P';
	out[3] = 0x00;
	out[4] = 0x00;
	out[5] = proto;
	out[6] = 0x00;
	out[7] = 0x00;
}

void
spframe_rep_header(unsigned char out[SPFRAME_HEADER])
{
	spframe_header(SPFRAME_PROTO_REP, out);
}

size_t
spframe_msghdr_len(enum spframe_tp tp)
{
	return (tp == SPFRAME_TCP ? SPFRAME_MSGHDR - 1 : SPFRAME_MSGHDR);
}

enum spframe_status
spframe_msg_length(enum spframe_tp tp, const unsigned char *buf, size_t len,
        uint64_t max, uint64_t *n, char *why, size_t whylen)
{
	size_t hl = spframe_msghdr_len(tp);
	size_t i;

	if (len < 1) {
		return (SPFRAME_MORE);
	}
	if (tp == SPFRAME_IPC && buf[0] != 0x01) {
		snprintf(why, whylen, "unknown message type 0x%02x", buf[0]);
		return (SPFRAME_BAD);
	}
	if (len < hl) {
		return (SPFRAME_MORE);
	}
	*n = 0;
	for (i = hl - 8; i < hl; i++) {
		*n = *n << 8 | buf[i];
	}
	if (*n > max) {
		snprintf(why, whylen, "message of %llu bytes (%llu max)",
		        (unsigned long long)*n, (unsigned long long)max);
		return (SPFRAME_BAD);
	}
	return (SPFRAME_OK);
}

enum spframe_status
spframe_parse(enum spframe_tp tp, const unsigned char *buf, size_t len,
        size_t max, struct spframe *f, size_t *used, char *why, size_t whylen)
{
	size_t              hl = spframe_msghdr_len(tp);
	uint64_t            n  = 0;
	size_t              bt;
	enum spframe_status st;

	if ((st = spframe_msg_length(tp, buf, len, max, &n, why, whylen))
	        != SPFRAME_OK) {
		return (st);
	}
	if (len - hl < n) {
		return (SPFRAME_MORE);
	}
	buf += hl;
	for (bt = 0; bt + 4 <= n && bt < SPFRAME_MAX_BT; bt += 4) {
		if (buf[bt] & 0x80) {
			f->bt      = buf;
			f->btlen   = bt + 4;
			f->payload = buf + bt + 4;
			f->plen    = (size_t)n - (bt + 4);
			*used      = hl + (size_t)n;
			return (SPFRAME_OK);
		}
	}
	if (bt >= SPFRAME_MAX_BT) {
		snprintf(why, whylen, "no request id within %d hops",
		        SPFRAME_MAX_HOPS);
	} else {
		snprintf(why, whylen,
		        "no request id in a message of %llu bytes",
		        (unsigned long long)n);
	}
	return (SPFRAME_BAD);
}

size_t
spframe_msg_header(
        enum spframe_tp tp, unsigned char out[SPFRAME_MSGHDR], uint64_t n)
{
	size_t hl = spframe_msghdr_len(tp);
	size_t i;

	if (tp == SPFRAME_IPC) {
		out[0] = 0x01;
	}
	for (i = hl; i > hl - 8; i--) {
		out[i - 1] = (unsigned char)(n & 0xff);
		n >>= 8;
	}
	return (hl);
}
