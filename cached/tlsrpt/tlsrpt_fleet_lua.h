/*
 * tlsrpt_fleet_lua.h - the Redis Lua scripts of the fleet's TLS reporting
 * (tlsrpt_fleet.c only; docs/FLEET.md "TLSRPT" has the key layout). Each
 * runs atomically in Redis; every write of the sender is guarded by its
 * lock value "HOST TOKEN" (the fencing token, RFC 8460 §4.4 report-id
 * kept by building once).
 */
#ifndef MXTLS_CACHED_TLSRPT_FLEET_LUA_H
#define MXTLS_CACHED_TLSRPT_FLEET_LUA_H

/* push: HSET the snapshot, keep the keys, list the domain as open */
static const char push_lua[]
        = "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) "
          "redis.call('EXPIRE', KEYS[1], ARGV[3]) "
          "redis.call('SADD', KEYS[2], ARGV[4]) "
          "redis.call('EXPIRE', KEYS[2], ARGV[3]) return 1";

/* step: take or renew the lock (INCR'd fencing token), read the state */
static const char step_lua[]
        = "local b = redis.call('HGET', KEYS[3], 'reports') "
          "if b and redis.call('HEXISTS', KEYS[3], 'complete') == 1 then "
          "return {'', b, redis.call('HGET', KEYS[3], 'hosts') or '', {}, "
          "{}, 1, redis.call('HGET', KEYS[3], 'included') or ''} end "
          "local cur = redis.call('GET', KEYS[1]) local mine = '' "
          "if not cur then "
          "local t = redis.call('INCR', KEYS[2]) "
          "redis.call('EXPIRE', KEYS[2], ARGV[3]) "
          "mine = ARGV[1] .. ' ' .. t "
          "redis.call('SET', KEYS[1], mine, 'PX', ARGV[2]) "
          "elseif string.sub(cur, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. "
          "' ' then mine = cur redis.call('PEXPIRE', KEYS[1], ARGV[2]) end "
          "local done = {} local snaps = {} "
          "if b then local all = redis.call('HKEYS', KEYS[3]) "
          "for i = 1, #all do if string.sub(all[i], 1, 5) == 'done:' then "
          "table.insert(done, string.sub(all[i], 6)) end end "
          "elseif mine ~= '' then snaps = redis.call('HVALS', KEYS[4]) end "
          "return {mine, b or '', redis.call('HGET', KEYS[3], 'hosts') or "
          "'', done, snaps, 0, redis.call('HGET', KEYS[3], 'included') or "
          "''}";

/* build: record the reports once, while the lock is ours */
static const char build_lua[]
        = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
          "if redis.call('HEXISTS', KEYS[2], 'reports') == 1 then return 2 "
          "end redis.call('HSET', KEYS[2], 'reports', ARGV[2], 'hosts', "
          "ARGV[3], 'token', ARGV[1], 'included', ARGV[5]) "
          "redis.call('EXPIRE', KEYS[2], "
          "ARGV[4]) return 1";

/* mark: a target done, while the lock is ours (a stale sender is not) */
static const char mark_lua[]
        = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
          "redis.call('HSET', KEYS[2], 'done:' .. ARGV[2], ARGV[3]) "
          "return 1";

/* complete: every target done: close the pair, release the lock */
static const char complete_lua[]
        = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
          "redis.call('HSET', KEYS[2], 'complete', '1') "
          "redis.call('SREM', KEYS[3], ARGV[2]) "
          "redis.call('DEL', KEYS[1]) return 1";

/* release: give the lock back after a round with failures */
static const char release_lua[]
        = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
          "redis.call('DEL', KEYS[1]) end return 1";

#endif
