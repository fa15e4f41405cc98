/*
 * test_redisev.c - unit tests for the fleet's Redis input and output: the
 * policy value and the pub/sub messages (cached/store/store_redis.c),
 * including forged and malformed ones. store.redis.url parsing is
 * test_redis_url.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/store_redis.h"

static void
test_value_roundtrip(void **state)
{
	struct store_policy p, q;
	char               *enc, why[128];
	size_t              len;
	char                body[] = "version: STSv1\r\nmode: enforce\r\n";

	(void)state;
	memset(&p, 0, sizeof(p));
	snprintf(p.id, sizeof(p.id), "abc123");
	p.body    = body;
	p.len     = strlen(body);
	p.fetched = 1700000000;
	p.expires = 1700086400;
	assert_int_equal(store_redis_encode(&p, "host1", &enc, &len), 0);
	assert_int_equal(store_redis_decode(enc, len, "example.com", &q, why,
	                         sizeof(why)),
	        STORE_FOUND);
	assert_string_equal(q.id, "abc123");
	assert_string_equal(q.domain, "example.com");
	assert_int_equal(q.len, p.len);
	assert_memory_equal(q.body, body, p.len);
	assert_int_equal(q.fetched, p.fetched);
	assert_int_equal(q.expires, p.expires);
	store_policy_clear(&q);
	/* every truncation is refused (the body needs one byte at least) */
	for (size_t n = 0; n + p.len < len + 1; n++) {
		assert_int_equal(store_redis_decode(enc, n, "example.com", &q,
		                         why, sizeof(why)),
		        STORE_ERROR);
		assert_null(q.body);
	}
	free(enc);
}

/* an id of 33 characters (one too many) */
static const char long_id[] = "mxtls1\nid=123456789012345678901234567890123\n"
                              "fetched=1\nexpires=2\nhost=h\n\nbody";

static void
test_value_bad(void **state)
{
	static const char *bad[] = {
		"garbage",
		"mxtls2\nid=a\nfetched=1\nexpires=2\nhost=h\n\nbody",
		"mxtls1\nid=\nfetched=1\nexpires=2\nhost=h\n\nbody",
		"mxtls1\nid=a-b\nfetched=1\nexpires=2\nhost=h\n\nbody",
		long_id,
		"mxtls1\nid=a\nfetched=3\nexpires=2\nhost=h\n\nbody",
		"mxtls1\nid=a\nfetched=-1\nexpires=2\nhost=h\n\nbody",
		"mxtls1\nid=a\nfetched=1\nexpires=2\nhost=h h\n\nbody",
		"mxtls1\nid=a\nfetched=1\nexpires=2\nhost=h\nbody",
		"mxtls1\nid=a\nexpires=2\nfetched=1\nhost=h\n\nbody",
		"mxtls1\nid=a\nfetched=1\nexpires=2\nhost=h\n\n",
	};
	struct store_policy q;
	char                why[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (store_redis_decode(bad[i], strlen(bad[i]), "example.com",
		            &q, why, sizeof(why))
		        != STORE_ERROR) {
			fail_msg("accepted: %s", bad[i]);
		}
		assert_null(q.body);
	}
}

static void
test_msg(void **state)
{
	static const char *good[] = {
		"mxtls1 policy host1 example.com abc",
		"mxtls1 flush host-2 example.com",
		"mxtls1 flush h *",
	};
	static const char *bad[] = {
		"",
		"mxtls1",
		"mxtls2 policy h example.com abc",
		"mxtls1 refetch h example.com abc",
		"mxtls1 policy h example.com",
		"mxtls1 policy h example.com a-b",
		"mxtls1 policy h Example.com abc",
		"mxtls1 policy h bad..com abc",
		"mxtls1 policy h example.com abc ",
		"mxtls1 policy h example.com abc extra",
		"mxtls1 policy h * abc",
		"mxtls1 flush h",
		"mxtls1 flush  example.com",
		"mxtls1  flush h example.com",
	};
	struct store_redis_msg m;
	char                   why[128], buf[STORE_REDIS_MSG_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (store_redis_msg_parse(
		            good[i], strlen(good[i]), &m, why, sizeof(why))
		        != 0) {
			fail_msg("refused: %s: %s", good[i], why);
		}
		assert_int_equal(store_redis_msg_format(buf, sizeof(buf), &m),
		        (int)strlen(good[i]));
		assert_string_equal(buf, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (store_redis_msg_parse(
		            bad[i], strlen(bad[i]), &m, why, sizeof(why))
		        == 0) {
			fail_msg("accepted: '%s'", bad[i]);
		}
	}
	/* a NUL inside, and too long */
	assert_int_equal(store_redis_msg_parse("mxtls1 flush h a\0b.com", 22,
	                         &m, why, sizeof(why)),
	        -1);
	{
		char big[STORE_REDIS_MSG_MAX + 2];

		memset(big, 'a', sizeof(big));
		assert_int_equal(store_redis_msg_parse(big, sizeof(big), &m,
		                         why, sizeof(why)),
		        -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_roundtrip),
		cmocka_unit_test(test_value_bad),
		cmocka_unit_test(test_msg),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
