/*
 * test_redis_url.c - store.redis.url parsing (cached/util/redis_url.c):
 * every form, the edges of each rule (port 1-65535, db 0-100000, empty
 * user, ':' and '@' in the password, [IPv6] hosts, an absolute unix path,
 * ?db=N) and the bad ones, whose why never shows the password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/redis_url.h"

struct url_case {
	const char *url;
	int         ok;
	const char *host, *path, *user, *pass;
	int         port, db;
};

static const struct url_case url_cases[] = {
	{ "redis://127.0.0.1", 1, "127.0.0.1", "", "", "", 6379, 0 },
	{ "redis://127.0.0.1:6380", 1, "127.0.0.1", "", "", "", 6380, 0 },
	{ "redis://127.0.0.1:6380/", 1, "127.0.0.1", "", "", "", 6380, 0 },
	{ "redis://127.0.0.1:6380/15", 1, "127.0.0.1", "", "", "", 6380, 15 },
	{ "redis://redis.example:1/0", 1, "redis.example", "", "", "", 1, 0 },
	{ "redis://[::1]:6379/2", 1, "::1", "", "", "", 6379, 2 },
	{ "redis://[::1]", 1, "::1", "", "", "", 6379, 0 },
	{ "redis://:secret@h", 1, "h", "", "", "secret", 6379, 0 },
	{ "redis://mx:secret@h:7/3", 1, "h", "", "mx", "secret", 7, 3 },
	{ "redis://mx:p%40ss%3Aw@h", 1, "h", "", "mx", "p@ss:w", 6379, 0 },
	{ "redis://mx:a@b@h", 1, "h", "", "mx", "a@b", 6379, 0 },
	{ "unix:/run/redis.sock", 1, "", "/run/redis.sock", "", "", 6379, 0 },
	{ "unix:/run/redis.sock?db=4", 1, "", "/run/redis.sock", "", "", 6379,
	        4 },
	{ "unix:///run/redis.sock", 1, "", "/run/redis.sock", "", "", 6379,
	        0 },
	/* the edges of the rules */
	{ "redis://h:65535", 1, "h", "", "", "", 65535, 0 },
	{ "redis://h/100000", 1, "h", "", "", "", 6379, 100000 },
	{ "redis://mx:a:b@h", 1, "h", "", "mx", "a:b", 6379, 0 },
	{ "redis://u:p@[::1]:7/2", 1, "::1", "", "u", "p", 7, 2 },
	{ "redis://[2001:db8::1]:6380", 1, "2001:db8::1", "", "", "", 6380,
	        0 },
	{ "unix:/s?db=100000", 1, "", "/s", "", "", 6379, 100000 },
	/* bad ones */
	{ "", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "http://h", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://:6379", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h:0", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h:65536", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h:x", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h:", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h/x", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h/-1", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://user@h", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://user:@h", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://u:p%4@h", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://u:p%00@h", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h o", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://[::1", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://[]:1", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://[::1]x", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "unix:", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "unix:relative.sock", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "unix:/s?db=x", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "unix:/s?foo=1", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h:6379x", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h:-1", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h/100001", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h/1/2", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://h?db=1", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://:@h", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://u:secret@h:0", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://u:secret@", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://[::1]:", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "redis://[::1]:0", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "unix://relative.sock", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "unix:/s?db=", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "unix:/s?db=-1", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "unix:/s?db=1x", 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ "unix:/s?db=100001", 0, NULL, NULL, NULL, NULL, 0, 0 },
};

static void
test_url(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		const struct url_case *c = &url_cases[i];
		struct redis_url       u;
		char                   why[128] = "";
		int rc = redis_url_parse(c->url, &u, why, sizeof(why));

		if (!c->ok) {
			if (rc != -1 || why[0] == '\0') {
				fail_msg("%s: accepted", c->url);
			}
			/* the password never shows in why */
			assert_null(strstr(why, "secret"));
			continue;
		}
		if (rc != 0) {
			fail_msg("%s: refused: %s", c->url, why);
		}
		assert_string_equal(u.host, c->host);
		assert_string_equal(u.path, c->path);
		assert_string_equal(u.user, c->user);
		assert_string_equal(u.pass, c->pass);
		assert_int_equal(u.has_pass, c->pass[0] != '\0');
		assert_int_equal(u.port, c->port);
		assert_int_equal(u.db, c->db);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
