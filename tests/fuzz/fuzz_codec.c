/*
 * fuzz_codec.c - libFuzzer target for the front doors' codecs as the
 * connection engine drives them (cached/door/codec_socketmap.c,
 * cached/door/codec_sp.c): the input is a connection's byte stream, framed
 * request by request through each codec's table (socketmap with its real
 * limit and a small one; SP over ipc:// and tcp:// framing, likewise),
 * every request given to the fast path (no answer cache: every lookup is a
 * miss), every miss answered and freed, a malformed input refused. Aborts
 * when an invariant of the table does not hold: REQUEST and SKIP take
 * between 1 and the bytes there are, a payload and its tag lie in the bytes
 * taken, BAD always says why, and every
 * reply written to the output is one whole frame of the codec's format
 * (checked by parsing it back with netstring_parse / spframe_msg_header).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "door/codec_socketmap.h"
#include "door/codec_sp.h"
#include "door/netstring.h"
#include "door/socketmap.h"
#include "door/socketmap_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check_out - out holds whole replies of codec k (variant v) only */
static void
check_out(const struct codec *k, int v, const struct codec_buf *out)
{
	const char   *p;
	size_t        off = 0, plen, used, hl;
	unsigned char h[SPFRAME_MSGHDR];
	uint64_t      n;
	size_t        i;
	char          why[160];

	while (off < out->len) {
		if (k == &codec_socketmap) {
			if (netstring_parse(out->p + off, out->len - off,
			            SOCKETMAP_MAX_REPLY, &p, &plen, &used, why,
			            sizeof(why))
			        != NETSTRING_OK) {
				abort();
			}
			off += used;
			continue;
		}
		hl = spframe_msghdr_len((enum spframe_tp)v);
		if (out->len - off < hl) {
			abort();
		}
		for (n = 0, i = hl - 8; i < hl; i++) {
			n = n << 8 | (unsigned char)out->p[off + i];
		}
		(void)spframe_msg_header((enum spframe_tp)v, h, n);
		if (memcmp(h, out->p + off, hl) != 0
		        || n > out->len - off - hl) {
			abort();
		}
		off += hl + (size_t)n;
	}
}

static void
stream(const struct codec *k, void *ctx, int v, const char *in, size_t len)
{
	struct codec_conn cc = { v, 0, "fuzz" };
	struct codec_buf  out;
	struct codec_req  req;
	size_t            off = 0, used;
	char              why[160];
	void             *cm = malloc(k->miss_size);

	memset(&out, 0, sizeof(out));
	if (k->hello != NULL) {
		k->hello(&cc, &out);
		if (k == &codec_sp && out.len != SPFRAME_HEADER) {
			abort();
		}
		out.len = 0;
	}
	while (off < len) {
		used   = 0;
		why[0] = '\0';
		switch (k->frame(ctx, &cc, in + off, len - off, &req, &used,
		        why, sizeof(why))) {
		case CODEC_MORE:
			goto done;
		case CODEC_BAD:
			if (why[0] == '\0'
			        || memchr(why, '\0', sizeof(why)) == NULL) {
				abort();
			}
			if (k->refuse != NULL) {
				k->refuse(&cc, why, &out);
			}
			goto done;
		case CODEC_SKIP:
			if (used == 0 || used > len - off) {
				abort();
			}
			off += used;
			break;
		case CODEC_REQUEST:
			if (used == 0 || used > len - off || req.p < in + off
			        || req.p + req.len > in + off + used
			        || (req.tlen > 0
			                && ((const char *)req.tag < in + off
			                        || (const char *)req.tag
			                                        + req.tlen
			                                > in + off + used))) {
				abort();
			}
			off += used;
			if (!k->answer(ctx, &cc, &req, &out, cm)) {
				k->reply(&cc, cm, "OK fuzz", 7, &out);
				if (k->miss_free != NULL) {
					k->miss_free(cm);
				}
			}
			break;
		}
	}
done:
	check_out(k, v, &out);
	free(out.p);
	free(cm);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct codec_socketmap_ctx sm[2]
	        = { { NULL, SOCKETMAP_MAX_REQUEST }, { NULL, 16 } };
	struct codec_sp_ctx sp[2]
	        = { { NULL, SPFRAME_RECV_MAX }, { NULL, 16 } };
	char *buf = malloc(size ? size : 1);
	int   i;

	if (buf == NULL) {
		return (0);
	}
	memcpy(buf, data, size);
	for (i = 0; i < 2; i++) {
		stream(&codec_socketmap, &sm[i], 0, buf, size);
		stream(&codec_sp, &sp[i], SPFRAME_IPC, buf, size);
		stream(&codec_sp, &sp[i], SPFRAME_TCP, buf, size);
	}
	free(buf);
	return (0);
}
