/*
 * fuzz_store_redis.c - libFuzzer target for what mxtlsd reads from Redis
 * (cached/store/store_redis.c, docs/FLEET.md): the first byte picks the
 * parser, the rest is its input: a pub/sub message (store_redis_msg_parse,
 * re-formatted and re-parsed to the same message), a policy value
 * (store_redis_decode, re-encoded and re-decoded to the same row) or a
 * store.redis.url (cached/util/redis_url.c). Aborts when an invariant fails.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_redis.h"
#include "util/redis_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_msg(const char *in, size_t len)
{
	struct store_redis_msg m, m2;
	char                   why[128], buf[STORE_REDIS_MSG_MAX + 1];
	int                    n;

	if (store_redis_msg_parse(in, len, &m, why, sizeof(why)) != 0) {
		if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0') {
			abort();
		}
		return;
	}
	n = store_redis_msg_format(buf, sizeof(buf), &m);
	if (n < 0 || (size_t)n != len || memcmp(buf, in, len) != 0) {
		/* "flush ... *" is the only spelling of "every domain" */
		abort();
	}
	if (store_redis_msg_parse(buf, (size_t)n, &m2, why, sizeof(why)) != 0
	        || memcmp(&m, &m2, sizeof(m)) != 0) {
		abort();
	}
}

static void
fuzz_value(const char *in, size_t len)
{
	struct store_policy p, p2;
	char                why[128], *enc;
	size_t              enclen;

	if (store_redis_decode(in, len, "example.com", &p, why, sizeof(why))
	        != STORE_FOUND) {
		if (p.body != NULL || why[0] == '\0') {
			abort();
		}
		return;
	}
	if (p.len == 0 || p.len > STORE_REDIS_BODY_MAX || p.body[p.len] != '\0'
	        || !store_redis_id_ok(p.id, strlen(p.id))
	        || p.expires < p.fetched) {
		abort();
	}
	if (store_redis_encode(&p, "fuzz", &enc, &enclen) != 0) {
		abort();
	}
	if (store_redis_decode(
	            enc, enclen, "example.com", &p2, why, sizeof(why))
	                != STORE_FOUND
	        || p2.len != p.len || memcmp(p2.body, p.body, p.len) != 0
	        || strcmp(p2.id, p.id) != 0 || p2.fetched != p.fetched
	        || p2.expires != p.expires) {
		abort();
	}
	free(enc);
	store_policy_clear(&p);
	store_policy_clear(&p2);
}

static void
fuzz_url(const char *in, size_t len)
{
	struct redis_url u;
	char             why[128], *s;

	if (len > 1024) {
		return;
	}
	s = malloc(len + 1);
	if (s == NULL) {
		abort();
	}
	memcpy(s, in, len);
	s[len] = '\0';
	if (redis_url_parse(s, &u, why, sizeof(why)) == 0) {
		if ((u.path[0] == '\0') == (u.host[0] == '\0') || u.port < 1
		        || u.port > 65535 || u.db < 0
		        || (u.has_pass && u.pass[0] == '\0')) {
			abort();
		}
	} else if (why[0] == '\0') {
		abort();
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0) {
		return (0);
	}
	switch (data[0] % 3) {
	case 0:
		fuzz_msg((const char *)data + 1, size - 1);
		break;
	case 1:
		fuzz_value((const char *)data + 1, size - 1);
		break;
	default:
		fuzz_url((const char *)data + 1, size - 1);
		break;
	}
	return (0);
}
