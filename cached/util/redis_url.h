/*
 * redis_url.h - store.redis.url (docs/FLEET.md; man mxtlsd.conf(5)), the
 * address of the fleet's Redis, read into its parts:
 *   redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]   (port 6379, db 0)
 *   unix:PATH[?db=N]  or  unix://PATH[?db=N]
 * USER and PASSWORD are percent-decoded; a USER sends the Redis 6 ACL form
 * AUTH USER PASSWORD, a password alone AUTH PASSWORD. HOST is an IPv4
 * address, an [IPv6] address or a name (resolved by redisev_open). PORT is
 * 1-65535, DB 0-100000, PATH absolute. Pure: no I/O, fuzzed
 * (tests/fuzz/fuzz_store_redis.c).
 */
#ifndef MXTLS_CACHED_REDIS_URL_H
#define MXTLS_CACHED_REDIS_URL_H

#include <stddef.h>

/* redis_url - a parsed store.redis.url (redis_url_parse). */
struct redis_url {
	char host[256]; /* "" for unix: */
	int  port;
	char path[108]; /* unix socket path, "" for redis:// */
	char user[128]; /* "" : none */
	char pass[256]; /* "" : none (no AUTH) */
	int  has_pass;
	int  db;
};

/*
 * redis_url_parse - parse url into out. 0, or -1 and why ("bad redis URL:
 * ..."; the URL's password is never copied into why).
 */
int redis_url_parse(
        const char *url, struct redis_url *out, char *why, size_t whylen);

#endif
