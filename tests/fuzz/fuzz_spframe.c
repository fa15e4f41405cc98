/*
 * fuzz_spframe.c - libFuzzer target for the IPC sockets' framing
 * (common/spframe.c): the input is a stream as a connection reads it: the
 * peer's header, then messages, parsed as ipc:// and as tcp:// framing
 * (no type byte), each with a large and a small limit; every
 * payload that is one goes through proto_request_parse, as the workers do.
 * Aborts when an invariant of the API does not hold: OK takes the bytes
 * its header says, the backtrace ends with the one word whose high bit is
 * set, MORE only for a proper prefix, BAD always says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "spframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_why(const char *why, size_t len)
{
	if (why[0] == '\0' || memchr(why, '\0', len) == NULL) {
		abort();
	}
}

static void
stream(enum spframe_tp tp, const uint8_t *buf, size_t size, size_t max)
{
	size_t               hl  = spframe_msghdr_len(tp);
	size_t               off = 0, used, i, n;
	struct spframe       f;
	struct proto_request req;
	enum spframe_status  st;
	char                 why[160], pwhy[256];

	why[0] = '\0';
	st     = spframe_peer_header(buf, size, why, sizeof(why));
	if (st == SPFRAME_MORE) {
		if (size >= SPFRAME_HEADER) {
			abort();
		}
		return;
	}
	if (st == SPFRAME_BAD) {
		check_why(why, sizeof(why));
		return;
	}
	off = SPFRAME_HEADER;
	while (off < size) {
		why[0] = '\0';
		used   = 0;
		st = spframe_parse(tp, buf + off, size - off, max, &f, &used,
		        why, sizeof(why));
		if (st == SPFRAME_MORE) {
			if (used != 0) {
				abort();
			}
			return;
		}
		if (st == SPFRAME_BAD) {
			check_why(why, sizeof(why));
			return;
		}
		if (used < hl + 4 || used > size - off || f.btlen % 4 != 0
		        || f.btlen > SPFRAME_MAX_BT || f.bt != buf + off + hl
		        || f.payload != f.bt + f.btlen
		        || hl + f.btlen + f.plen != used
		        || f.btlen + f.plen > max) {
			abort();
		}
		for (i = 0, n = f.btlen / 4; i < n; i++) {
			if (((f.bt[4 * i] & 0x80) != 0) != (i == n - 1)) {
				abort();
			}
		}
		if (f.plen <= PROTO_MAX_MSG) {
			(void)proto_request_parse(
			        f.payload, f.plen, &req, pwhy, sizeof(pwhy));
		}
		off += used;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stream(SPFRAME_IPC, data, size, SPFRAME_RECV_MAX);
	stream(SPFRAME_IPC, data, size, 16);
	stream(SPFRAME_TCP, data, size, SPFRAME_RECV_MAX);
	stream(SPFRAME_TCP, data, size, 16);
	return (0);
}
