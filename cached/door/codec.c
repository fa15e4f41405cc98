/*
 * codec.c - a connection's output buffer, as the codecs fill it and the
 * engine writes it (see codec.h).
 */
#include <stdlib.h>
#include <string.h>

#include "door/codec.h"
#include "util/xalloc.h"

char *
codec_buf_room(struct codec_buf *b, size_t n)
{
	if (b->p != NULL && b->cap - b->len >= n) {
		return (b->p + b->len);
	}
	if (b->off > 0) {
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= n) {
			return (b->p + b->len);
		}
	}
	b->cap = b->len + n < 1024 ? 1024 : (b->len + n) * 2;
	if ((b->p = realloc(b->p, b->cap)) == NULL) {
		xdie();
	}
	return (b->p + b->len);
}

void
codec_buf_add(struct codec_buf *b, const void *s, size_t n)
{
	if (n == 0) {
		return;
	}
	memcpy(codec_buf_room(b, n), s, n);
	b->len += n;
}
