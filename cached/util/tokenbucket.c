/*
 * tokenbucket.c - a token bucket on whole seconds (see tokenbucket.h).
 */
#include "util/tokenbucket.h"

void
tokenbucket_init(struct tokenbucket *b, int64_t now, int64_t burst)
{
	b->tokens = burst > 0 ? burst : 0;
	b->last   = now;
}

void
tokenbucket_refill(
        struct tokenbucket *b, int64_t now, int64_t rate, int64_t burst)
{
	int64_t add;

	if (burst < 0) {
		burst = 0;
	}
	if (now > b->last && rate > 0) {
		/* at most burst seconds count: no overflow after a jump */
		add       = now - b->last > burst ? burst * rate
		                                  : (now - b->last) * rate;
		b->tokens = b->tokens + add > burst ? burst : b->tokens + add;
	}
	if (b->tokens > burst) {
		b->tokens = burst; /* the burst was lowered */
	}
	b->last = now;
}

int
tokenbucket_take(struct tokenbucket *b)
{
	if (b->tokens < 1) {
		return (0);
	}
	b->tokens--;
	return (1);
}
