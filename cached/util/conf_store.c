/*
 * conf_store.c - the store keys of mxtlsd.conf checked together (see
 * conf_store.h): the backend, the Redis tier it needs, the key prefix and
 * the fleet's host id.
 */
#include <stdio.h>
#include <string.h>

#include "util/conf_store.h"

static int
fail(char *why, size_t whylen, const char *file, const char *key,
        const char *msg)
{
	snprintf(why, whylen, "%s:0: %s: %s", file, key, msg);
	return (-1);
}

int
conf_store_check(const char *backend, const char *redis_url,
        double redis_timeout, const char *key_prefix, const char *host_id,
        const char *file, char *why, size_t whylen)
{
	if (strcmp(backend, "sqlite") != 0 && strcmp(backend, "redis") != 0) {
		return (fail(why, whylen, file, "store.backend",
		        "must be \"sqlite\" or \"redis\""));
	}
	if (strcmp(backend, "redis") == 0 && redis_url[0] == '\0') {
		return (fail(why, whylen, file, "store.redis.url",
		        "store.backend \"redis\" needs store.redis.url"));
	}
	if (strcmp(backend, "redis") == 0 && redis_timeout < 0.001) {
		return (fail(why, whylen, file, "store.redis.timeout",
		        "must be at least 0.001 s"));
	}
	if (strlen(key_prefix) > 64
	        || strpbrk(key_prefix, " \t\r\n") != NULL) {
		return (fail(why, whylen, file, "store.redis.key_prefix",
		        "at most 64 characters, no white space"));
	}
	if (strlen(host_id) > 64 || strpbrk(host_id, " \t\r\n") != NULL) {
		return (fail(why, whylen, file, "store.host_id",
		        "at most 64 characters, no white space"));
	}
	return (0);
}
