#!/bin/bash
# fleet.sh - the fleet benchmarks (issue 19; docs/BENCHMARKS.md "Fleet"):
# run on demand as root inside a private network namespace, never in ctest:
#
#   unshare -n sh -c 'ip link set lo up; tests/bench/fleet.sh [BUILD_DIR]'
#
# BUILD_DIR (default build/) holds cached/mxtlsd; the loopback world is
# brought up in $BENCH_DIR/world (tests/world/up.sh) and down at the end.
# Measures, in one run:
#   1. cached lookups over socketmap, one mxtlsd on SQLite and one on Redis
#      (store.backend "redis"), 1 and 64 clients (loadgen);
#   2. a cold miss another host already fetched (Redis hit) against a cold
#      fetch, per domain, over the world's policy domains;
#   3. a fleet of 3 asked at once: HTTPS fetches per domain (nginx's log);
#   4. the time for a new policy id to reach every host;
#   5. Redis memory per policy (MEMORY USAGE).
# Results: key=value lines on stdout and in $BENCH_DIR/fleet-results.txt.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build}
BENCH_DIR=${BENCH_DIR:-/tmp/mxtls-bench-fleet}
: "${REQS:=20000}"
mkdir -p "$BENCH_DIR"
OUT=$BENCH_DIR/fleet-results.txt
: >"$OUT"
rm -f "$BENCH_DIR"/p50.* "$BENCH_DIR"/qps.* "$BENCH_DIR/loadgen.log"
res() { echo "$1=$2" | tee -a "$OUT"; }
LG=$BENCH_DIR/loadgen
gcc -O2 -g -std=c11 -D_GNU_SOURCE -DHAVE_SPCLIENT -I"$SRC/common" -o "$LG" \
	"$SRC/tests/bench/loadgen.c" "$SRC/common/spclient.c" "$SRC/common/spclient_share.c" \
	"$SRC/common/spframe.c" -lnng -lpthread || exit 1
"$SRC/tests/world/up.sh" "$BENCH_DIR/world" >"$BENCH_DIR/world-up.log" 2>&1 ||
	{ tail "$BENCH_DIR/world-up.log"; exit 1; }
export MXTLS_WORLD=$BENCH_DIR/world MXTLS_BIN=$BUILD/cached MXTLS_SRC=$SRC
# shellcheck source=tests/integration/lib.sh
. "$SRC/tests/integration/lib.sh"
# shellcheck source=tests/integration/fleet_lib.sh
. "$SRC/tests/integration/fleet_lib.sh"
trap 'fleet_cleanup; "$SRC/tests/world/down.sh" "$BENCH_DIR/world" >/dev/null 2>&1' EXIT
W=$WORLD_TOOLS
DOMAINS="enforce.test testing.test none.test stsmix.test danests.test danemixed.test wild.test cname.test"
printf '%s\n' $DOMAINS >"$BENCH_DIR/keys.txt"
# shellcheck disable=SC2034 # read by lib.sh
LOG_CONF='log: { level = "notice"; };'
redis_start >/dev/null || exit 1

# ------------------------------------------------ 1. cached: sqlite vs redis --
lg_field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
declare -A SMPID
for backend in sqlite redis; do
	sm="$SOCK_BASE/sm-$backend.sock"
	if [ "$backend" = redis ]; then
		STORE_CONF="store: { path = \"$TEST_DIR/$backend.db\"; backend = \"redis\"; host_id = \"bench\"; redis: { url = \"$REDIS_URL\"; }; };"
	else
		STORE_CONF="store: { path = \"$TEST_DIR/$backend.db\"; };"
	fi
	DAEMON_PID=
	daemon_start "$backend" "socketmap: { listen = [\"unix:$sm\"]; mode = \"0666\"; };" >/dev/null || exit 1
	SMPID[$backend]=$DAEMON_PID
	for d in $DOMAINS; do q "$d" >/dev/null; done
	unset STORE_CONF
done
# both daemons run all along; the runs alternate (ROUNDS rounds), so the
# machine's load hits both alike; the medians are reported
: "${ROUNDS:=5}"
for r in $(seq "$ROUNDS"); do
	for c in 1 64; do
		for backend in sqlite redis; do
			out=$("$LG" socketmap "unix:$SOCK_BASE/sm-$backend.sock" -c "$c" -n "$REQS" -k "$BENCH_DIR/keys.txt")
			echo "$backend c$c $out" >>"$BENCH_DIR/loadgen.log"
			echo "$(echo " $out" | lg_field p50_us)" >>"$BENCH_DIR/p50.$backend.c$c"
			echo "$(echo " $out" | lg_field qps)" >>"$BENCH_DIR/qps.$backend.c$c"
		done
	done
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for c in 1 64; do
	for backend in sqlite redis; do
		res "cached.$backend.c$c.p50_us.median" "$(median "$BENCH_DIR/p50.$backend.c$c")"
		res "cached.$backend.c$c.qps.median" "$(median "$BENCH_DIR/qps.$backend.c$c")"
	done
done
for backend in sqlite redis; do
	kill -TERM "${SMPID[$backend]}"
	wait "${SMPID[$backend]}" 2>/dev/null
done
DAEMON_PID=
rcli FLUSHALL >/dev/null

# ---------------------------- 2-3. a fleet of 3: cold miss, fetches, id time --
# shellcheck disable=SC2034 # read by lib.sh
STS_CONF='sts: { first_contact_wait = 8; recheck_interval = 1; };'
fleet_start 3 >/dev/null || exit 1
ms() { now_ms; }
f0=$(grep -c 'GET /.well-known/mta-sts.txt' "$WORLD/log/nginx-access.log")
for d in $DOMAINS; do
	t0=$(ms)
	fleet_q 1 "$d" >/dev/null
	t1=$(ms)
	fleet_q 2 "$d" >/dev/null
	t2=$(ms)
	res "cold.fetch.$d.ms" $((t1 - t0))
	res "cold.redis_hit.$d.ms" $((t2 - t1))
	fleet_q 3 "$d" >/dev/null
done
f1=$(grep -c 'GET /.well-known/mta-sts.txt' "$WORLD/log/nginx-access.log")
n=$(echo $DOMAINS | wc -w)
res "fleet3.sequential.fetches_per_domain" "$(awk -v a=$((f1 - f0)) -v n="$n" 'BEGIN { printf "%.2f", a / n }')"
# the three at once, after a flush of everything
fleet_ctl 1 flush >/dev/null
sleep 0.5
f0=$(grep -c 'GET /.well-known/mta-sts.txt' "$WORLD/log/nginx-access.log")
pids=()
for i in 1 2 3; do
	(for d in $DOMAINS; do fleet_q "$i" "$d" >/dev/null; done) &
	pids+=($!)
done
wait "${pids[@]}"
f1=$(grep -c 'GET /.well-known/mta-sts.txt' "$WORLD/log/nginx-access.log")
res "fleet3.concurrent.fetches_per_domain" "$(awk -v a=$((f1 - f0)) -v n="$n" 'BEGIN { printf "%.2f", a / n }')"

# ---------------------------------------- 4. a new id reaches every host --
RUN=$(date +%s)
"$W/set-policy.sh" "$WORLD" idchange.test enforce 86400 mx1.idchange.test
"$W/set-txt.sh" "$WORLD" idchange.test "ba$RUN"
for i in 1 2 3; do fleet_q "$i" idchange.test >/dev/null; done
"$W/set-policy.sh" "$WORLD" idchange.test testing 86400 mx1.idchange.test
"$W/set-txt.sh" "$WORLD" idchange.test "bb$RUN"
sleep 1.2
# host1 refetches (its own recheck); from its answer with the new id, how
# long until host2 and host3 answer it (the news makes them recheck the
# TXT record and take the policy from Redis): polled every 5 ms, and
# host1's publication matched to their GETs with the Redis MONITOR's
# timestamps
timeout 20 redis-cli -p "$REDIS_PORT" MONITOR >"$BENCH_DIR/monitor.log" 2>&1 &
mon=$!
sleep 0.3
fleet_q 1 idchange.test >/dev/null
id_seen() { fleet_q 1 idchange.test | grep -q "bb$RUN"; }
poll_until 10 id_seen
t_pub=$(grep -m1 '"PUBLISH".*policy host1 idchange.test' "$BENCH_DIR/monitor.log" | awk '{ print $1 }')
for i in 2 3; do
	t0=$(ms)
	until fleet_q "$i" idchange.test | grep -q "bb$RUN"; do sleep 0.005; done
	res "newid.host$i.answers_new_after_ms" $(($(ms) - t0))
done
kill "$mon" 2>/dev/null
wait "$mon" 2>/dev/null
t_get=$(grep '"GET" "mxtls:policy:idchange.test"' "$BENCH_DIR/monitor.log" | awk '{ print $1 }' | sort -n | tail -1)
[ -n "$t_pub" ] && [ -n "$t_get" ] &&
	res "newid.publish_to_last_host_get_ms" "$(awk -v a="$t_pub" -v b="$t_get" 'BEGIN { printf "%.1f", (b - a) * 1000 }')"

# ----------------------------------------------- 5. Redis memory per policy --
for d in enforce.test testing.test; do
	res "redis.memory_usage.$d.bytes" "$(rcli MEMORY USAGE "mxtls:policy:$d")"
	res "redis.strlen.$d.bytes" "$(rcli STRLEN "mxtls:policy:$d")"
done
fleet_stop >/dev/null
