#!/bin/bash
# test_fleet.sh - a fleet of three mxtlsd sharing one real redis-server
# (store.backend = "redis", docs/FLEET.md): one HTTPS fetch per domain for
# the whole fleet (counted in nginx's access log), a new policy id seen by
# one host used by all, a flush on one host reaching all, garbage and
# foreign keys and messages in Redis ignored, Redis stopped mid-run
# (answers keep flowing, new domains fetched locally) and restarted,
# AUTH (wrong password: clear log line, local-only; right one: works) and
# store.redis.read_only (an ACL user without write rights: no write tried).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/fleet_lib.sh
. "$(dirname "$0")/fleet_lib.sh"

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	echo "test_fleet: redis-server/redis-cli missing (scripts/install-test-deps.sh)"
	echo "0 passed, 1 failed"
	exit 1
fi

RUN=$(date +%s)
W=$WORLD_TOOLS
ACCESS=$WORLD/log/nginx-access.log
fetches() { grep -c 'GET /.well-known/mta-sts.txt' "$ACCESS" 2>/dev/null || echo 0; }
policy_of() { fleet_q "$1" "$2" | jq -r '[.mode, .policy_id] | join(" ")'; }

# shellcheck disable=SC2034 # read by lib.sh
STS_CONF='sts: { first_contact_wait = 8; recheck_interval = 1; };'

# ------------------------------------------------- one fetch per domain --
redis_start || { summary; exit 1; }
if fleet_start 3; then
	for i in 1 2 3; do
		s=$(fleet_ctl "$i" stats)
		expect_jq "host$i stats: backend" "$s" '.store_backend' redis
		expect_jq "host$i stats: redis_up" "$s" '.redis_up' true
		expect_jq "host$i stats: pending_merge" "$s" '.pending_merge' 0
	done
	f0=$(fetches)
	# the three ask at once: one takes the fetch lock, two wait for it
	pids=()
	for i in 1 2 3; do
		fleet_q "$i" enforce.test >"$TEST_DIR/q$i.json" &
		pids+=($!)
	done
	wait "${pids[@]}" # not the daemons and redis-server
	for i in 1 2 3; do
		expect_jq "enforce.test on host$i" "$(cat "$TEST_DIR/q$i.json")" .mode enforce
	done
	# one after the other
	for i in 1 2 3; do
		expect_eq "testing.test on host$i" "$(fleet_q "$i" testing.test | jq -r .mode)" testing
	done
	f1=$(fetches)
	expect_eq "HTTPS fetches for 2 domains on 3 hosts (nginx's log)" "$((f1 - f0))" 2
	expect_eq "fetch_ok summed over the fleet" "$(sum_stat fetch_ok)" 2
	expect_eq "fleet_hits summed over the fleet" "$(sum_stat fleet_hits)" 4
	ttl=$(rcli TTL mxtls:policy:enforce.test)
	expect_true "the Redis key has a TTL ($ttl s), at most max_age" \
		[ "$ttl" -gt 0 ] && [ "$ttl" -le 86400 ]
	expect_eq "the fetch lock is released" "$(rcli EXISTS mxtls:lock:enforce.test)" 0

	# ------------------------------------------- a new id reaches all --
	"$W/set-policy.sh" "$WORLD" idchange.test enforce 86400 mx1.idchange.test
	"$W/set-txt.sh" "$WORLD" idchange.test "fa$RUN"
	for i in 1 2 3; do
		expect_eq "idchange.test first id on host$i" "$(policy_of "$i" idchange.test)" "enforce fa$RUN"
	done
	f2=$(fetches)
	"$W/set-policy.sh" "$WORLD" idchange.test testing 86400 mx1.idchange.test
	"$W/set-txt.sh" "$WORLD" idchange.test "fb$RUN"
	sleep 1.2 # the TXT's TTL
	# host1 sees the new id (its recheck is due), fetches and publishes
	# shellcheck disable=SC2317
	h1_new() { [ "$(policy_of 1 idchange.test)" = "testing fb$RUN" ]; }
	if poll_until 10 h1_new; then pass "host1 fetched the new id"; else fail "host1 fetched the new id" "$(fleet_q 1 idchange.test)"; fi
	# hosts 2 and 3 recheck the TXT record on the news and take the new
	# id from Redis; one whose DNS cache still holds the old record (TTL
	# 1 s, two caches) keeps the old policy until its next recheck (1 s):
	# never a fetch of its own
	for i in 2 3; do
		# shellcheck disable=SC2317
		hn_new() { [ "$(policy_of "$i" idchange.test)" = "testing fb$RUN" ]; }
		if poll_until 6 hn_new; then pass "host$i uses the new id"; else fail "host$i uses the new id" "$(fleet_q "$i" idchange.test)"; fi
		expect_match "host$i log: the news" "$(grep -c MXTLS-FLEET-NEWS "${FLEET_LOG_OF[$i]}")" '^[1-9]'
	done
	f3=$(fetches)
	expect_eq "HTTPS fetches for the new id in the fleet" "$((f3 - f2))" 1

	# --------------------------------------------- flush reaches all --
	fleet_ctl 2 flush enforce.test >/dev/null
	for i in 1 3; do
		# shellcheck disable=SC2317
		flushed() { grep -q "MXTLS-FLEET-FLUSH.*host2 flushed enforce.test" "${FLEET_LOG_OF[$i]}"; }
		if poll_until 3 flushed; then pass "host$i got host2's flush"; else fail "host$i got host2's flush" "no MXTLS-FLEET-FLUSH"; fi
	done
	expect_eq "the flushed domain left Redis" "$(rcli EXISTS mxtls:policy:enforce.test)" 0
	f4=$(fetches)
	expect_jq "host3 after the flush" "$(fleet_q 3 enforce.test)" .mode enforce
	expect_eq "host3 refetched after the flush" "$(($(fetches) - f4))" 1

	# ------------------------------------- garbage and foreign input --
	bad0=$(sum_stat fleet_bad)
	rcli SET foreign:key hello >/dev/null
	rcli SET mxtls:lock:zz.test whatever >/dev/null
	rcli SET mxtls:policy: "" >/dev/null
	printf 'mxtls1\nid=%s\nfetched=%s\nexpires=%s\nhost=evil\n\nversion: STSv1\r\nmode: enforce\r\nmx: evil.example\r\nmax_age: 86400\r\n' \
		"WRONG$RUN" "$RUN" "$((RUN + 86400))" | rcli -x SET mxtls:policy:stsmix.test >/dev/null
	# cname.test: fetched by host1, then its value replaced by one with
	# the same id and a body that is no policy (host2 has not seen it)
	cid=$(fleet_q 1 cname.test | jq -r .policy_id)
	printf 'mxtls1\nid=%s\nfetched=%s\nexpires=%s\nhost=evil\n\nthis is not a policy\r\n' \
		"$cid" "$RUN" "$((RUN + 86400))" | rcli -x SET mxtls:policy:cname.test >/dev/null
	printf '\x00\xff garbage' | rcli -x SET mxtls:policy:danests.test >/dev/null
	rcli PUBLISH mxtls:events "garbage" >/dev/null
	rcli PUBLISH mxtls:events "mxtls1 flush evil bad..domain" >/dev/null
	rcli PUBLISH mxtls:events "mxtls1 policy evil testing.test $(printf 'x%.0s' $(seq 40))" >/dev/null
	rcli PUBLISH mxtls:events "mxtls1 policy evil testing.test id1 trailing" >/dev/null
	rcli PUBLISH mxtls:events "$(head -c 2000 /dev/zero | tr '\0' a)" >/dev/null
	j=$(fleet_q 1 stsmix.test)
	expect_jq "a forged value with another id: the real policy" "$j" .mode enforce
	expect_true "... not the forged id" [ "$(jqr "$j" .policy_id)" != "WRONG$RUN" ]
	j=$(fleet_q 2 cname.test)
	expect_jq "an unparseable forged body: the real policy" "$j" .mode testing
	expect_jq "binary garbage under our prefix: the real policy" "$(fleet_q 3 danests.test)" .mode enforce
	expect_jq "testing.test still cached after bad messages" "$(fleet_q 1 testing.test)" .mode testing
	bad1=$(sum_stat fleet_bad)
	expect_true "fleet_bad counted ($bad0 -> $bad1)" [ "$bad1" -ge $((bad0 + 5)) ]
	for i in 1 2 3; do
		fleet_use "$i"
		expect_true "host$i alive after the garbage" daemon_alive
	done

	# ----------------------------------------- Redis down, then back --
	redis_stop
	for i in 1 2 3; do
		expect_jq "Redis down: host$i answers testing.test from memory" "$(fleet_q "$i" testing.test)" .mode testing
	done
	expect_jq "Redis down: a new domain is fetched locally" "$(fleet_q 2 wild.test)" .mode enforce
	# shellcheck disable=SC2317
	down_seen() { [ "$(fleet_ctl 2 stats | jq -r .redis_up)" = false ]; }
	if poll_until 5 down_seen; then pass "stats: redis_up false"; else fail "stats: redis_up false" "$(fleet_ctl 2 stats)"; fi
	redis_restart
	for i in 1 2 3; do
		# shellcheck disable=SC2317
		up_again() { [ "$(fleet_ctl "$i" stats | jq -r .redis_up)" = true ]; }
		if poll_until 15 up_again; then pass "host$i reconnected"; else fail "host$i reconnected" "$(fleet_ctl "$i" stats)"; fi
		expect_jq "host$i: the loss counted" "$(fleet_ctl "$i" stats)" '.redis_failures >= 1 and .redis_connects >= 2' true
	done
	expect_jq "after the restart: a new domain" "$(fleet_q 1 none.test)" .mode none
	# shellcheck disable=SC2317
	published() { [ "$(rcli EXISTS mxtls:policy:none.test)" = 1 ]; }
	if poll_until 3 published; then pass "publishing resumed"; else fail "publishing resumed" "no key"; fi

	# ------------------------------- Redis hangs (SIGSTOP): timeouts --
	kill -STOP "$REDIS_PID"
	j=$(fleet_q 3 wild.test) # host3 never saw it: asks Redis, times out
	expect_jq "Redis hung: a new domain is fetched locally" "$j" .mode enforce
	expect_jq "Redis hung: the timeout counted" "$(fleet_ctl 3 stats)" '.redis_timeouts >= 1' true
	expect_jq "Redis hung: cached answers flow" "$(fleet_q 1 testing.test)" .mode testing
	kill -CONT "$REDIS_PID"
	# shellcheck disable=SC2317
	up3() { [ "$(fleet_ctl 3 stats | jq -r .redis_up)" = true ]; }
	if poll_until 15 up3; then pass "Redis resumed: host3 reconnected"; else fail "Redis resumed: host3 reconnected" "$(fleet_ctl 3 stats)"; fi
	fleet_stop
fi
redis_stop
rm -rf "$REDIS_DIR"
REDIS_DIR=

# ------------------------------------------------------------------ AUTH --
redis_start mxadmin "adm$RUN" || { summary; exit 1; }
FLEET_URL="redis://mxadmin:wrong@127.0.0.1:$REDIS_PORT/0"
if fleet_start 1; then
	expect_jq "wrong password: answers still flow" "$(fleet_q 1 testing.test)" .mode testing
	expect_jq "wrong password: redis_up false" "$(fleet_ctl 1 stats)" .redis_up false
	# shellcheck disable=SC2317
	auth_logged() { grep -q 'MXTLS-REDIS-AUTH.*WRONGPASS' "${FLEET_LOG_OF[1]}"; }
	if poll_until 5 auth_logged; then pass "wrong password: a clear log line"; else fail "wrong password: log line" "$(grep REDIS "${FLEET_LOG_OF[1]}" | tail -3)"; fi
	fleet_stop
fi
rm -rf "$TEST_DIR/host1"
FLEET_URL=
if fleet_start 1; then
	# shellcheck disable=SC2317
	up1() { [ "$(fleet_ctl 1 stats | jq -r .redis_up)" = true ]; }
	if poll_until 5 up1; then pass "right password: redis_up"; else fail "right password: redis_up" "$(fleet_ctl 1 stats)"; fi
	expect_jq "right password: answers" "$(fleet_q 1 testing.test)" .mode testing
	expect_eq "right password: published" "$(rcli EXISTS mxtls:policy:testing.test)" 1
	fleet_stop
fi

# ------------------------------------------------------------- read-only --
redis_acl_user ro "ro$RUN" '~*' '&*' '+@all' '-@write'
rcli ACL LOG RESET >/dev/null
rm -rf "$TEST_DIR/host1"
FLEET_URL="redis://ro:ro$RUN@127.0.0.1:$REDIS_PORT/0"
FLEET_STORE_EXTRA='read_only = true;'
if fleet_start 1; then
	# shellcheck disable=SC2317
	up1() { [ "$(fleet_ctl 1 stats | jq -r .redis_up)" = true ]; }
	if poll_until 5 up1; then pass "read-only: redis_up"; else fail "read-only: redis_up" "$(fleet_ctl 1 stats)"; fi
	expect_jq "read-only: stats" "$(fleet_ctl 1 stats)" .redis_read_only true
	expect_jq "read-only: a cached fleet policy is used" "$(fleet_q 1 testing.test)" .mode testing
	expect_eq "read-only: no fetch for it" "$(fleet_ctl 1 stats | jq -r .fetch_ok)" 0
	expect_jq "read-only: a new domain is fetched" "$(fleet_q 1 enforce.test)" .mode enforce
	fleet_ctl 1 flush stsmix.test >/dev/null
	expect_eq "read-only: nothing written (no key)" "$(rcli EXISTS mxtls:policy:enforce.test)" 0
	expect_eq "read-only: no write refused by the ACL" "$(rcli ACL LOG | grep -c .)" 0
	fleet_stop
fi
FLEET_URL=
FLEET_STORE_EXTRA=
summary
