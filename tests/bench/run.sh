#!/bin/bash
# run.sh [SECTION...] - the mxtls benchmark suite (issue 8; docs/BENCHMARKS.md).
# Run on demand, as root (ports 443/53, unshare -m); never part of ctest.
#
# Sections (default: all, in this order):
#   mxtlsd  world up; mxtlsd: idle RSS, 1,000 cold domains, 10k warm domains
#           (RSS), cached lookups over socketmap / nng / the fork-safe SP
#           client (on the direct socket; "spnng": on the nng socket) with
#           1, 8, 64 clients, the bare floors (Unix-socket
#           ping-pong, nng echo) in the same run, a perf profile of the hot
#           path, then MEM_N (100k) cached domains (RSS); world down.
#   peer    world up; postfix-mta-sts-resolver (tests/world/peer-up.sh): the
#           same measurements over its socketmap (inet, map "postfix"), its
#           CPU and RSS, the floors again; world down.
#   exim    world up; Exim 4.96 deliveries/s to MTA-STS enforce domains
#           without mxtls (opportunistic TLS; verified TLS) and with
#           configs/exim + mxtls_exim.so + mxtlsd; world down.
# Each section holds /tmp/mxtls-world.lock only while its world runs.
#
# BENCH_NETNS=1 runs the whole suite in a private network namespace
# (unshare -n: its own 127.0.0.1, so ports 443/5353/53 collide with nobody
# and the world lock is not taken; the numbers are the same loopback).
#
# Environment: BENCH_DIR (/tmp/mxtls-bench: build, world, results),
# WARM_N (10000), COLD_N (1000, a multiple of 100), COLD_CLIENTS (100),
# MEM_N (100000; 0 skips), REQS (requests per cached run, 20000), EXIM_N
# (messages per Exim run, 1000), EXIM_RUNNERS (4 queue runners), PERF (1:
# perf record socketmap at 64 and 1 clients and nng at 8), PERF_COLD (1:
# perf record the cold run: the machine by process, mxtlsd with DWARF call
# chains; off by default, it slows what it measures), PERF_EXIM (1: perf
# record each Exim variant's sending queue runners and their delivery
# processes, samples by DSO in perf-exim-VARIANT.txt, and mxtlsd during
# the mxtls run in perf-exim-mxtlsd.txt; off by default: it slows what it
# measures), KEEP_RESULTS (1:
# append to the previous results instead of moving them to results.prev).
# Results: $BENCH_DIR/results/results.txt (key=value lines), summary.txt
# (also printed), loadgen.log, perf-*.{data,txt}.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/mxtls-bench}
: "${WARM_N:=10000}" "${COLD_N:=1000}" "${COLD_CLIENTS:=100}" "${MEM_N:=100000}"
: "${REQS:=20000}" "${PERF:=1}" "${PERF_COLD:=0}" "${EXIM_N:=1000}" "${EXIM_RUNNERS:=4}"
: "${PERF_EXIM:=0}"
PER_GROUP=100
W=$BENCH_DIR/world
RUN=$BENCH_DIR/run            # short paths for sockets (sun_path)
RES=$BENCH_DIR/results
BUILD=$BENCH_DIR/build
LG=$BENCH_DIR/loadgen
PEER_PORT=18471
SM_PORT=18472
LOCK=/tmp/mxtls-world.lock
CLK_TCK=$(getconf CLK_TCK)
# shellcheck source=tests/world/common.sh
. "$SRC/tests/world/common.sh"
SECTIONS=${*:-mxtlsd peer exim}

[ "$(id -u)" = 0 ] || die "run as root (nginx on 443, unbound on 127.0.0.153:53, unshare -m)"
if [ "${BENCH_NETNS:-0}" = 1 ] && [ -z "${MXTLS_BENCH_IN_NETNS:-}" ]; then
	exec unshare -n -- env MXTLS_BENCH_IN_NETNS=1 "$0" "$@"
fi
if [ -n "${MXTLS_BENCH_IN_NETNS:-}" ]; then
	ip link set lo up
	LOCK=$BENCH_DIR/netns.lock # private ports: the shared world lock is not needed
fi
missing=
for c in nsd nginx unbound ldns-signzone mta-sts-daemon cmake gcc perf python3 dig ss jq curl; do
	command -v "$c" >/dev/null || missing="$missing $c"
done
python3 -c 'import cryptography' 2>/dev/null || missing="$missing python3-cryptography"
[ -z "$missing" ] || die "missing:$missing (apt-get install nsd nginx-light unbound ldnsutils postfix-mta-sts-resolver cmake gcc linux-perf python3-cryptography dnsutils iproute2)"
if [ "${KEEP_RESULTS:-0}" != 1 ] && [ -d "$RES" ] && [ -z "${MXTLS_BENCH_MOVED:-}" ]; then
	rm -rf "$RES.prev"
	mv "$RES" "$RES.prev"
fi
export MXTLS_BENCH_MOVED=1
mkdir -p "$BENCH_DIR" "$RUN" "$RES"

log() { echo "[$(date +%T)] $*" >&2; }
result() { echo "$1=$2" >>"$RES/results.txt"; log "$1=$2"; }

# --------------------------------------------------------------------- build --
log "building mxtlsd (RelWithDebInfo) in $BUILD and loadgen"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMXTLS_TESTS=OFF >"$BENCH_DIR/cmake.log" 2>&1 ||
	{ tail -20 "$BENCH_DIR/cmake.log" >&2; die "cmake failed"; }
EXTRA_TARGETS=
case " $SECTIONS " in *" exim "*) EXTRA_TARGETS=mxtls_exim ;; esac
# shellcheck disable=SC2086 # empty or one target
make -C "$BUILD" -j"$(nproc)" mxtlsd mxtlsctl $EXTRA_TARGETS >"$BENCH_DIR/make.log" 2>&1 ||
	{ tail -20 "$BENCH_DIR/make.log" >&2; die "build failed"; }
gcc -O2 -g -std=c11 -D_GNU_SOURCE -DHAVE_SPCLIENT -I"$SRC/common" -o "$LG" \
	"$SRC/tests/bench/loadgen.c" "$SRC/common/spclient.c" "$SRC/common/spclient_share.c" \
	"$SRC/common/spframe.c" -lnng -lpthread

# ------------------------------------------------------------- process stats --
tree_pids() { # PID: PID and all its descendants
	local all p
	all=$(ps -e -o pid=,ppid=)
	local todo=("$1") out=()
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		out+=("$p")
		# shellcheck disable=SC2207
		todo+=($(awk -v pp="$p" '$2 == pp { print $1 }' <<<"$all"))
	done
	echo "${out[@]}"
}
cpu_s() { # PID: user+system seconds of the process tree
	local t=0 p
	for p in $(tree_pids "$1"); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	awk -v t="$t" -v h="$CLK_TCK" 'BEGIN { printf "%.2f", t / h }'
}
rss_kb() { # PID: VmRSS of the process tree, KiB
	local t=0 p
	for p in $(tree_pids "$1"); do
		t=$((t + $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
# pss_kb PID: Pss of the process tree, KiB (shared library pages divided
# among the processes mapping them; RSS counts each one whole)
pss_kb() {
	local t=0 p
	for p in $(tree_pids "$1"); do
		t=$((t + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
# peak443 start|stop - sample established TCP connections to :443 (the
# policy fetches in flight) every 20 ms; stop prints the peak.
peak443() {
	if [ "$1" = start ]; then
		rm -f "$RUN/peak.stop" "$RUN/peak.out"
		(
			m=0
			for _ in $(seq 30000); do # 10 min at most
				[ -e "$RUN/peak.stop" ] && break
				n=$(ss -Htn state established '( dport = :443 )' 2>/dev/null | wc -l)
				[ "$n" -gt "$m" ] && m=$n
				sleep 0.02
			done
			echo "$m" >"$RUN/peak.out"
		) &
	else
		touch "$RUN/peak.stop"
		for _ in $(seq 100); do [ -s "$RUN/peak.out" ] && break; sleep 0.05; done
		cat "$RUN/peak.out" 2>/dev/null || echo "-"
	fi
}
# settle PID LABEL - wait (30 s at most) until the server is idle: less than
# 20 ms of CPU in one second (background work after a fill, e.g. store
# writes, must not be billed to the cached runs); record how long it took.
settle() {
	local a b i
	for i in $(seq 30); do
		a=$(cpu_s "$1")
		sleep 1
		b=$(cpu_s "$1")
		awk -v a="$a" -v b="$b" 'BEGIN { exit !(b - a < 0.02) }' && break
	done
	result "$2.settle_s" "$i"
}
field() { sed -n -E "s/.*[[:space:]]$1=([^[:space:]]+).*/\1/p" <<<"$2"; }

# ----------------------------------------------------------------- the world --
# The loopback world of tests/world plus the bench zone: wildcard records
# under bench.test. in the signed test. zone (every b<g>x<i>.bench.test has
# MX 10 mx.bench.test, an _mta-sts TXT and mta-sts A 127.0.0.1; no TLSA:
# securely denied) and nginx serving one enforce policy for all of them
# with per-group certificates chosen by SNI.
NGROUPS=$(((MEM_N > WARM_N ? MEM_N : WARM_N) / PER_GROUP + COLD_N / PER_GROUP + 1))
bench_world_up() {
	log "world up at $W"
	"$SRC/tests/world/up.sh" "$W" >"$RES/world-up.log" 2>&1 ||
		{ tail -20 "$RES/world-up.log" >&2; return 1; }
	local z=$W/dns/zones/test.zone B=$W/bench t0
	t0=$(date +%s.%N)
	{
		echo '; --- benchmark domains (tests/bench/run.sh) ---'
		echo 'mx.bench.test. 300 IN A 127.0.0.2'
		echo '*.bench.test. 300 IN MX 10 mx.bench.test.'
		echo '*.bench.test. 300 IN TXT "v=STSv1; id=bench1;"'
		# the same wildcard answers _smtp._tls.<domain>: a TLSRPT record
		# for every bench domain (so that the Exim run's results are
		# counted and stored, as they would be for a real domain)
		echo '*.bench.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@bench.test"'
		echo '*.bench.test. 300 IN A 127.0.0.1'
	} >>"$z"
	# The world's SOA minimum (negative TTL) is 5 s, for its tests. Real
	# zones use minutes to hours; with 5 s every "no TLSA"/"no AAAA" memo
	# would expire during the cached runs and turn them into DNS refreshes.
	sed -i -E 's/^([[:space:]]+3600 600 86400) 5 \)$/\1 300 )/' "$z"
	grep -Eq '3600 600 86400 300 \)$' "$z" || { log "SOA minimum not found in $z"; return 1; }
	bump_serial "$z"
	sign_zone "$W" test >/dev/null
	nsd_reload "$W" test
	mkdir -p "$B/www/.well-known"
	policy_text enforce 86400 mx.bench.test >"$B/www/.well-known/mta-sts.txt"
	python3 "$SRC/tests/bench/gencerts.py" "$W/pki" "$B/pki" "$NGROUPS" "$PER_GROUP"
	# One more server block inside http { } (the last line of nginx.conf).
	local conf=$W/nginx/nginx.conf
	sed -i '$d' "$conf"
	cat >>"$conf" <<EOF
	# benchmark domains (tests/bench/run.sh)
	map \$ssl_server_name \$bench_cert {
		"~^mta-sts\\.b(?<bg>[0-9]+)x[0-9]+\\.bench\\.test\$" $B/pki/g\$bg.crt;
		default $W/pki/wrong.chain.crt;
	}
	server {
		listen 127.0.0.1:443 ssl;
		server_name "~^mta-sts\\.b[0-9]+x[0-9]+\\.bench\\.test\$";
		ssl_certificate \$bench_cert;
		ssl_certificate_key $B/pki/bench.key;
		access_log off;
		root $B/www;
		location = /.well-known/mta-sts.txt { }
		location / { return 404; }
	}
}
EOF
	nginx -t -q -p "$W/nginx" -c "$conf" -e "$W/log/nginx-error.log" || return 1
	kill -HUP "$(cat "$W/run/nginx.pid")"
	local ok='' out
	for _ in $(seq 100); do
		out=$(curl -sS --max-time 2 --cacert "$W/pki/ca.crt" \
			--resolve "mta-sts.b1x7.bench.test:443:127.0.0.1" \
			https://mta-sts.b1x7.bench.test/.well-known/mta-sts.txt 2>/dev/null || true)
		if grep -q 'mx: mx.bench.test' <<<"$out" &&
			dig_world +dnssec TXT _mta-sts.b5x3.bench.test | grep -q 'RRSIG.*TXT'; then
			ok=1
			break
		fi
		sleep 0.1
	done
	[ -n "$ok" ] || { log "bench domains do not answer"; return 1; }
	log "bench zone + $NGROUPS certificates in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
}
bench_world_down() { "$SRC/tests/world/down.sh" "$W" >/dev/null 2>&1 || true; }

# keys FILE FIRST_GROUP COUNT - COUNT bench domains from group FIRST_GROUP on.
keys() {
	awk -v g0="$2" -v n="$3" -v per="$PER_GROUP" \
		'BEGIN { for (k = 0; k < n; k++) printf "b%dx%d.bench.test\n", g0 + int(k / per), k % per }' >"$1"
}
WARM_G0=0
COLD_G0=$((NGROUPS - COLD_N / PER_GROUP - 1))
keys "$RUN/warm.txt" "$WARM_G0" "$WARM_N"
keys "$RUN/cold.txt" "$COLD_G0" "$COLD_N"
[ "$MEM_N" -gt 0 ] && keys "$RUN/mem.txt" "$WARM_G0" "$MEM_N"

# ------------------------------------------------------------------- floors --
FLOOR_PIDS=()
floors_start() {
	rm -f "$RUN/echo.sock" "$RUN/nngecho.sock"
	"$LG" echo-server "unix:$RUN/echo.sock" </dev/null >/dev/null 2>&1 &
	FLOOR_PIDS+=($!)
	"$LG" nng-echo-server "ipc://$RUN/nngecho.sock" </dev/null >/dev/null 2>&1 &
	FLOOR_PIDS+=($!)
	sleep 0.3
}
floors_stop() {
	local p
	for p in "${FLOOR_PIDS[@]}"; do
		pkill -P "$p" 2>/dev/null || true # the echo server's per-connection children
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	FLOOR_PIDS=()
}
# run_lg LABEL PID LOADGEN-ARGS... - one loadgen run; results LABEL.* and
# the server's CPU seconds per 1,000 requests (PID "-" for none).
run_lg() {
	local label=$1 pid=$2 c0=0 c1 out
	shift 2
	[ "$pid" = - ] || c0=$(cpu_s "$pid")
	out=$("${LG_PIN[@]}" "$LG" "$@" 2>>"$RES/loadgen.err") || log "loadgen $label: exit $? ($out)"
	echo "$label $out" >>"$RES/loadgen.log"
	for k in qps p50_us p99_us p999_us wall_s not_ok client_cpu_s; do
		result "$label.$k" "$(field "$k" " $out")"
	done
	if [ "$pid" != - ]; then
		c1=$(cpu_s "$pid")
		result "$label.server_cpu_s" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')"
	fi
}
# pin c PID... - for one client (c = 1), the servers' process trees on
# CPU 1 and (through LG_PIN) the load generator on CPU 0: every 1-client
# run, floors included, then pays the same cross-core wake-ups (unpinned,
# the scheduler sometimes puts both on one core and a floor measures 6 µs
# one run and 50 µs the next). More clients: both cores for everyone.
LG_PIN=()
pin() {
	local c=$1 p t cpus=0-$(($(nproc) - 1))
	shift
	if [ "$c" = 1 ] && [ "$(nproc)" -ge 2 ]; then
		LG_PIN=(taskset -c 0)
		cpus=1
	else
		LG_PIN=()
	fi
	for p in "$@"; do
		for t in $(tree_pids "$p"); do
			taskset -a -p -c "$cpus" "$t" >/dev/null 2>&1 || true
		done
	done
}
# floors TAG - ping-pong and nng echo at 1, 8, 64 clients, same payloads.
floors() {
	local c
	for c in 1 8 64; do
		pin "$c" "${FLOOR_PIDS[@]}"
		run_lg "$1.floor_sock.c$c" - echo "unix:$RUN/echo.sock" -c "$c" -n "$REQS" -k "$RUN/warm.txt" -p socketmap -m mxtls
		run_lg "$1.floor_nng.c$c" - nng "ipc://$RUN/nngecho.sock" -c "$c" -n "$REQS" -k "$RUN/warm.txt"
	done
	pin 64 "${FLOOR_PIDS[@]}"
}

# cold_floor - the same COLD_N policy fetches with nothing else: curl's own
# parallel mode (libcurl multi + OpenSSL, like mxtlsd; CA file parsed once),
# COLD_CLIENTS at a time, every name sent to the bench nginx, no DNS, no
# parsing, no cache. The floor a cold lookup cannot beat on this machine:
# the TLS handshakes (both ends on the same two cores) are most of it.
cold_floor() {
	local cfg=$RUN/cold-urls.cfg out=$RUN/cold-floor.out tm
	awk -v port="$HTTPS_PORT" '{ printf "url = \"https://mta-sts.%s:%s/.well-known/mta-sts.txt\"\noutput = \"/dev/null\"\n", $1, port }' \
		"$RUN/cold.txt" >"$cfg"
	tm=$({
		TIMEFORMAT='%R %U %S'
		time curl -sS --parallel --parallel-immediate --parallel-max "$COLD_CLIENTS" --http1.1 \
			--cacert "$CA_FILE" --connect-to "::127.0.0.1:" -w '%{http_code}\n' -K "$cfg" >"$out" 2>/dev/null
	} 2>&1) || true
	result cold_floor.wall_s "$(awk '{ printf "%.2f", $1 }' <<<"$tm")"
	result cold_floor.client_cpu_s "$(awk '{ printf "%.2f", $2 + $3 }' <<<"$tm")"
	result cold_floor.not_ok "$(grep -vc '^200$' "$out" || true)"
}

# ------------------------------------------------------------ mxtlsd section --
MX_PID=
mxtlsd_start() {
	local d=$RUN/mxtlsd
	rm -rf "$d" && mkdir -p "$d"
	# shellcheck source=/dev/null
	. "$W/env"
	cat >"$d/mxtlsd.conf" <<EOF
daemon: { user = ""; pid_file = "$d/mxtlsd.pid"; };
ipc: { listen = "ipc://$d/ipc.sock"; direct = "ipc://$d/direct.sock"; mode = "0660"; contexts = 64; };
store: { path = "$d/mxtls.db"; };
log: { level = "warn"; };
resolver: { trust_anchor_file = "$TA_FILE"; unbound_config = "$UNBOUND_CONF"; timeout = 10; };
fetch: { ca_file = "$CA_FILE"; allow_private = true; connect_timeout = 10; timeout = 30; port = $HTTPS_PORT; };
sts: { first_contact_wait = 30; };
cache: { max_entries = $((MEM_N + WARM_N + COLD_N + 1000)); };
socketmap: { listen = ["unix:$d/sm.sock", "inet:127.0.0.1:$SM_PORT"]; mode = "0666"; };
EOF
	"$BUILD/cached/mxtlsd" -d -c "$d/mxtlsd.conf" </dev/null >>"$d/mxtlsd.log" 2>&1 &
	MX_PID=$!
	for _ in $(seq 100); do
		timeout 2 "$BUILD/cached/mxtlsctl" -s "ipc://$d/ipc.sock" ping >/dev/null 2>&1 &&
			[ -S "$d/sm.sock" ] && return 0
		sleep 0.1
	done
	tail "$d/mxtlsd.log" >&2
	return 1
}
mxstat() { timeout 10 "$BUILD/cached/mxtlsctl" -s "ipc://$RUN/mxtlsd/ipc.sock" stats --json 2>/dev/null || echo '{}'; }
mxtlsd_stop() {
	[ -n "$MX_PID" ] || return 0
	kill -TERM "$MX_PID" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$MX_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$MX_PID" 2>/dev/null || true
	wait "$MX_PID" 2>/dev/null || true
	MX_PID=
}

section_mxtlsd() {
	local d=$RUN/mxtlsd c t0 p
	bench_world_up || return 1
	mxtlsd_start || { log "mxtlsd did not start"; return 1; }
	floors_start
	sleep 1
	result mxtlsd.rss_kb.0 "$(rss_kb "$MX_PID")"
	result mxtlsd.pss_kb.0 "$(pss_kb "$MX_PID")"
	log "mxtlsd: $COLD_N cold domains, $COLD_CLIENTS clients"
	peak443 start
	if [ "$PERF_COLD" = 1 ]; then # the whole machine by process; mxtlsd with DWARF call chains
		perf record -a -F 999 -o "$RES/perf-cold-all.data" >/dev/null 2>&1 &
		p=$!
		perf record -F 499 --call-graph dwarf,16384 -p "$MX_PID" -o "$RES/perf-cold.data" >/dev/null 2>&1 &
		p="$p $!"
	fi
	run_lg mxtlsd.cold "$MX_PID" socketmap "unix:$d/sm.sock" -c "$COLD_CLIENTS" -n "$COLD_N" -s -k "$RUN/cold.txt"
	result mxtlsd.cold.peak_https "$(peak443 stop)"
	if [ "$PERF_COLD" = 1 ]; then
		# the whole machine during the cold run: who spends the two cores
		# shellcheck disable=SC2086 # two pids
		kill -INT $p && wait $p || true
		perf report -i "$RES/perf-cold-all.data" --stdio --no-children --sort comm,dso 2>/dev/null |
			grep -E '^ +[0-9]' | head -30 >"$RES/perf-cold-comm.txt" || true
		perf report -i "$RES/perf-cold.data" --stdio --children -g none --sort symbol 2>/dev/null |
			grep -E '^ +[0-9]' | head -80 >"$RES/perf-cold.txt" || true
	fi
	cold_floor
	log "mxtlsd: warming $WARM_N domains"
	run_lg mxtlsd.warm "$MX_PID" socketmap "unix:$d/sm.sock" -c 64 -n "$WARM_N" -s -k "$RUN/warm.txt"
	sleep 1
	result mxtlsd.rss_kb.warm "$(rss_kb "$MX_PID")"
	settle "$MX_PID" mxtlsd.warm
	# A second pass: the first answers after a fetch are not kept by the
	# answer cache (docs/IPC.md), the second ones are - the steady state
	# of a warm cache, which the cached runs measure.
	run_lg mxtlsd.rewarm "$MX_PID" socketmap "unix:$d/sm.sock" -c 8 -n "$WARM_N" -k "$RUN/warm.txt"
	mxstat >"$RES/mxtlsd-stats-before.txt"
	floors mxtlsd
	for c in 1 8 64; do
		pin "$c" "$MX_PID"
		run_lg "mxtlsd.sm.c$c" "$MX_PID" socketmap "unix:$d/sm.sock" -c "$c" -n "$REQS" -k "$RUN/warm.txt"
		run_lg "mxtlsd.sminet.c$c" "$MX_PID" socketmap "inet:127.0.0.1:$SM_PORT" -c "$c" -n "$REQS" -k "$RUN/warm.txt"
		run_lg "mxtlsd.nng.c$c" "$MX_PID" nng "ipc://$d/ipc.sock" -c "$c" -n "$REQS" -k "$RUN/warm.txt"
		run_lg "mxtlsd.sp.c$c" "$MX_PID" sp "ipc://$d/direct.sock" -c "$c" -n "$REQS" -k "$RUN/warm.txt"
		run_lg "mxtlsd.spnng.c$c" "$MX_PID" sp "ipc://$d/ipc.sock" -c "$c" -n "$REQS" -k "$RUN/warm.txt"
	done
	pin 64 "$MX_PID"
	mxstat >"$RES/mxtlsd-stats-after.txt"
	# DNS work during the cached runs (should be none: every memo is warm)
	for k in txt_lookups dane_lookups tlsrpt_lookups fetch_ok answer_cache_hits answer_cache_misses; do
		result "mxtlsd.cached.$k" "$(($(jq -r ".$k" "$RES/mxtlsd-stats-after.txt") - $(jq -r ".$k" "$RES/mxtlsd-stats-before.txt")))"
	done
	if [ "$PERF" = 1 ]; then
		log "perf: socketmap 64 and 1 clients, nng 8 clients"
		for p in "sm socketmap unix:$d/sm.sock 64" "sm1 socketmap unix:$d/sm.sock 1" "nng nng ipc://$d/ipc.sock 8"; do
			# shellcheck disable=SC2086 # split into name, mode, target, clients
			set -- $p
			perf record -F 2000 -g -o "$RES/perf-$1.data" -p "$MX_PID" -- sleep 4 >/dev/null 2>&1 &
			t0=$!
			# load for the whole recording (perf takes a moment to attach,
			# and one run of REQS lookups can be over in a tenth of a second)
			while kill -0 "$t0" 2>/dev/null; do
				"$LG" "$2" "$3" -c "$4" -n "$REQS" -k "$RUN/warm.txt" >/dev/null 2>&1 || break
			done
			wait "$t0" || true
			perf report -i "$RES/perf-$1.data" --stdio --no-children -g none --sort dso,symbol 2>/dev/null |
				grep -v '^$' | grep -E '^ +[0-9]' | head -40 >"$RES/perf-$1.txt" || true
		done
	fi
	if [ "$MEM_N" -gt 0 ]; then
		log "mxtlsd: filling to $MEM_N cached domains"
		run_lg mxtlsd.fill "$MX_PID" socketmap "unix:$d/sm.sock" -c 64 -n "$MEM_N" -s -k "$RUN/mem.txt"
		settle "$MX_PID" mxtlsd.fill
		result mxtlsd.rss_kb.mem "$(rss_kb "$MX_PID")"
		mxstat >"$RES/mxtlsd-stats.txt"
		# the same once memtrim.c has run (every 10 s): the free heap the
		# lookups in flight left goes back (the target uses the first)
		sleep 11
		result mxtlsd.rss_kb.mem_trimmed "$(rss_kb "$MX_PID")"
		# every domain asked once more: now the answer cache holds a
		# finished reply for each (a host whose domains all recur)
		log "mxtlsd: asking the $MEM_N domains again (answer cache filled)"
		run_lg mxtlsd.refill "$MX_PID" socketmap "unix:$d/sm.sock" -c 64 -n "$MEM_N" -s -k "$RUN/mem.txt"
		sleep 1
		result mxtlsd.rss_kb.mem_hot "$(rss_kb "$MX_PID")"
		mxstat >"$RES/mxtlsd-stats-hot.txt"
	fi
	floors_stop
	mxtlsd_stop
}

# -------------------------------------------------------------- peer section --
section_peer() {
	local c pid
	bench_world_up || return 1
	# Two attempts: the peer has been seen to exit silently at start once.
	if ! "$SRC/tests/world/peer-up.sh" "$W" "$PEER_PORT" >"$RES/peer-up.log" 2>&1; then
		log "peer-up.sh failed ($(tail -1 "$RES/peer-up.log")); one more try"
		sleep 1
		"$SRC/tests/world/peer-up.sh" "$W" "$PEER_PORT" >>"$RES/peer-up.log" 2>&1 ||
			{ tail "$RES/peer-up.log" >&2; return 1; }
	fi
	pid=$(cat "$W/run/peer.pid")
	result peer.version "$(dpkg-query -W -f '${Version}' postfix-mta-sts-resolver)"
	floors_start
	sleep 1
	result peer.rss_kb.0 "$(rss_kb "$pid")"
	result peer.pss_kb.0 "$(pss_kb "$pid")"
	log "peer: $COLD_N cold domains, $COLD_CLIENTS clients"
	peak443 start
	run_lg peer.cold "$pid" socketmap "inet:127.0.0.1:$PEER_PORT" -m postfix -c "$COLD_CLIENTS" -n "$COLD_N" -s -k "$RUN/cold.txt"
	result peer.cold.peak_https "$(peak443 stop)"
	log "peer: warming $WARM_N domains"
	run_lg peer.warm "$pid" socketmap "inet:127.0.0.1:$PEER_PORT" -m postfix -c 64 -n "$WARM_N" -s -k "$RUN/warm.txt"
	sleep 1
	result peer.rss_kb.warm "$(rss_kb "$pid")"
	settle "$pid" peer.warm
	floors peer
	for c in 1 8 64; do
		pin "$c" "$pid"
		run_lg "peer.sm.c$c" "$pid" socketmap "inet:127.0.0.1:$PEER_PORT" -m postfix -c "$c" -n "$((REQS / 4))" -k "$RUN/warm.txt"
	done
	pin 64 "$pid"
	floors_stop
}

# -------------------------------------------------------------- exim section --
# Exim 4.96 (exim4-daemon-heavy) delivering EXIM_N messages, one per MTA-STS
# enforce bench domain, to a fake MX on 127.0.0.2 (another Exim that
# presents a certificate for mx.bench.test from the world's CA and throws
# the mail away), three ways, each from its own spool:
#   plain   Debian's way: dnslookup + smtp, opportunistic TLS
#   verify  the same, the certificate verified against the world's CA (what
#           MTA-STS enforce asks for, without asking anybody)
#   mxtls   configs/exim/*.conf verbatim: mxtls_exim.so asks mxtlsd in the
#           router and at tcp:connect and reports every TLS event
# Messages are queued first (-odq); then EXIM_RUNNERS queue runners deliver
# them; deliveries/s = delivered / wall time of the queue runs. A first,
# untimed plain run warms the resolver's cache; mxtlsd's cache is warm (the
# domains are looked up twice first).
EX=$BENCH_DIR/exim
EXIM_PIDS=()
EXIM_NS_SH='mount --bind "$1" /etc/resolv.conf || exit 111
	mount --bind "$2" /etc/exim4 || exit 111
	shift 2; exec "$@"'
exim_ns() { # CMD... with the world's resolver and our trusted_configs
	unshare -m --propagation private /bin/sh -c "$EXIM_NS_SH" ns \
		"$W/resolver/resolv.conf" "$EX/etc-exim4" "$@"
}
exim_conf() { # VARIANT - the configuration of the Exim under test
	local v=$1 d=$EX/$1
	mkdir -p "$d/spool" "$d/log"
	{
		if [ "$v" = mxtls ] || [ "$v" = mxtls_noevents ]; then
			echo "MXTLS_SO = $BUILD/modules/exim/mxtls_exim.so"
			echo "MXTLS_OPTS = socket=ipc://$RUN/mxtlsd/direct.sock timeout=15"
			echo "MXTLS_CA = $W/pki/ca.crt"
			echo "MXTLS_DIR = $SRC/configs/exim"
			echo ".include $SRC/configs/exim/mxtls.macros"
		fi
		cat <<EOC
primary_hostname = exim.mxtls.test
qualify_domain = mxtls.test
domainlist local_domains = localhost
local_interfaces = 127.0.0.1
daemon_smtp_ports = 2525
spool_directory = $d/spool
log_file_path = $d/log/%slog
pid_file_path = $d/exim.pid
exim_user = Debian-exim
exim_group = Debian-exim
never_users = root
host_lookup =
rfc1413_hosts =
keep_environment =
tls_advertise_hosts =
dns_dnssec_ok = 1
begin routers
EOC
		if [ "$v" = mxtls ]; then
			echo ".include $SRC/configs/exim/routers.conf"
			echo "begin transports"
			echo ".include $SRC/configs/exim/transports.conf"
		elif [ "$v" = mxtls_noevents ]; then
			# the router's decision only: no tcp:connect check, no
			# results (to split the cost; not a configuration to use)
			echo ".include $SRC/configs/exim/routers.conf"
			echo "begin transports"
			grep -v 'event_action' "$SRC/configs/exim/transports.conf"
		else
			cat <<EOC
dnslookup:
  driver = dnslookup
  domains = ! +local_domains
  dnssec_request_domains = *
  transport = remote_smtp
  no_more
begin transports
remote_smtp:
  driver = smtp
  multi_domain = false
EOC
			if [ "$v" = verify ]; then
				cat <<EOC
  hosts_require_tls = *
  tls_verify_hosts = *
  tls_verify_certificates = $W/pki/ca.crt
  tls_verify_cert_hostnames = *
  tls_sni = \$host
EOC
			fi
		fi
		printf 'begin retry\n*  *  F,1h,1h\n'
	} >"$d/exim.conf"
	chmod 644 "$d/exim.conf"
	chown -R Debian-exim:Debian-exim "$d/spool" "$d/log"
}
# exim_run VARIANT LABEL - queue EXIM_N messages, deliver them, record.
exim_run() {
	local v=$1 label=$2 d=$EX/$1 i t0 t1 pids=() n c0 c1 dom self=$BASHPID
	rm -rf "${d:?}/spool/input" "${d:?}/spool/msglog" "${d:?}/spool/db" "$d/log/mainlog"
	while read -r dom; do
		printf 'From: s@mxtls.test\nTo: u@%s\nSubject: bench\n\nmxtls bench\n' "$dom" |
			exim_ns "$EXIM" -C "$d/exim.conf" -odq -f s@mxtls.test "u@$dom"
	done <"$RUN/exim.txt"
	n=$(find "$d/spool/input" -name '*-H' | wc -l)
	[ "$n" = "$EXIM_N" ] || { log "exim $label: $n of $EXIM_N queued"; return 1; }
	c0=$(awk '{ print $16 + $17 }' "/proc/$self/stat")
	t0=$(date +%s.%N)
	for i in $(seq "$EXIM_RUNNERS"); do
		if [ "$PERF_EXIM" = 1 ] && [ "$label" != warmup ]; then
			# this runner and every delivery process it forks
			perf record -F 1999 -o "$RES/perf-exim-$label-$i.data" -- \
				unshare -m --propagation private /bin/sh -c "$EXIM_NS_SH" ns \
				"$W/resolver/resolv.conf" "$EX/etc-exim4" \
				"$EXIM" -C "$d/exim.conf" -qf >/dev/null 2>&1 &
		else
			exim_ns "$EXIM" -C "$d/exim.conf" -qf &
		fi
		pids+=($!)
	done
	wait "${pids[@]}" || true
	t1=$(date +%s.%N)
	c1=$(awk '{ print $16 + $17 }' "/proc/$self/stat")
	if [ "$PERF_EXIM" = 1 ] && [ "$label" != warmup ]; then
		perf_exim_dso "$label"
	fi
	n=$(grep -c ' => ' "$d/log/mainlog" || true)
	result "exim.$label.delivered" "$n"
	result "exim.$label.left" "$(find "$d/spool/input" -name '*-H' | wc -l)"
	result "exim.$label.wall_s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
	result "exim.$label.dps" "$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.1f", n / (b - a) }')"
	# CPU of the queue runners and their delivery processes (children of
	# this shell, reaped): Exim's side of the cost
	result "exim.$label.exim_cpu_s" "$(awk -v a="$c0" -v b="$c1" -v h="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / h }')"
	if [ "$v" = mxtls ]; then
		result "exim.$label.verified" "$(grep -c ' => .*T=remote_smtp_sts .*CV=yes' "$d/log/mainlog" || true)"
	fi
}
# perf_exim_dso LABEL - samples of the sending Exim processes by DSO, summed
# over the runners' recordings (perf-exim-LABEL.txt)
perf_exim_dso() {
	local f
	for f in "$RES/perf-exim-$1-"*.data; do
		perf report -i "$f" -n --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]'
	done | awk '{ n[$3] += $2; t += $2 } END { for (d in n) printf "%8d %5.1f%% %s\n", n[d], 100 * n[d] / t, d }' |
		sort -rn >"$RES/perf-exim-$1.txt"
}
section_exim() {
	local f=$EX/fakemx v c0 c1 pp
	EXIM=$(command -v exim4 || true)
	if [ -z "$EXIM" ] || [ ! -r "$BUILD/modules/exim/mxtls_exim.so" ]; then
		log "exim: needs exim4-daemon-heavy and exim4-dev (mxtls_exim.so)"
		return 1
	fi
	bench_world_up || return 1
	"$SRC/tests/world/resolver.sh" "$W" >"$RES/resolver.log" 2>&1 || { log "resolver failed"; return 1; }
	rm -rf "$EX" && mkdir -p "$f/spool" "$f/log" "$EX/etc-exim4"
	cp -a /etc/exim4/. "$EX/etc-exim4/"
	printf '%s\n' "$f/exim.conf" "$EX/plain/exim.conf" "$EX/verify/exim.conf" \
		"$EX/mxtls/exim.conf" "$EX/mxtls_noevents/exim.conf" >"$EX/etc-exim4/trusted_configs"
	chmod 644 "$EX/etc-exim4/trusted_configs"
	# the fake MX's certificate: mx.bench.test, from the world's CA
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$f/mx.key" -subj /CN=mx.bench.test -out "$f/mx.csr" 2>/dev/null
	printf 'subjectAltName=DNS:mx.bench.test\nextendedKeyUsage=serverAuth\n' >"$f/ext"
	openssl x509 -req -in "$f/mx.csr" -CA "$W/pki/ca.crt" -CAkey "$W/pki/ca.key" \
		-CAcreateserial -CAserial "$f/ca.srl" -days 2 -extfile "$f/ext" -out "$f/mx.crt" 2>/dev/null
	cat "$f/mx.crt" "$W/pki/ca.crt" >"$f/mx.chain.crt"
	chown Debian-exim "$f/mx.key" && chmod 600 "$f/mx.key"
	cat >"$f/exim.conf" <<EOC
primary_hostname = mx.bench.test
local_interfaces = 127.0.0.2
daemon_smtp_ports = 25
spool_directory = $f/spool
log_file_path = $f/log/%slog
pid_file_path = $f/exim.pid
exim_user = Debian-exim
exim_group = Debian-exim
host_lookup =
rfc1413_hosts =
keep_environment =
tls_advertise_hosts = *
tls_certificate = $f/mx.chain.crt
tls_privatekey = $f/mx.key
acl_smtp_rcpt = acl_rcpt
smtp_accept_max = 200
begin acl
acl_rcpt:
  accept
begin routers
sink:
  driver = redirect
  data = :blackhole:
EOC
	chmod 644 "$f/exim.conf"
	chown -R Debian-exim:Debian-exim "$f/spool" "$f/log"
	for v in plain verify mxtls mxtls_noevents; do exim_conf "$v"; done
	(exec unshare -m --propagation private /bin/sh -c "$EXIM_NS_SH" ns \
		"$W/resolver/resolv.conf" "$EX/etc-exim4" \
		"$EXIM" -C "$f/exim.conf" -bdf) </dev/null >"$f/log/stdout" 2>&1 &
	EXIM_PIDS+=($!)
	for _ in $(seq 50); do
		ss -H -lnt 'sport = :25' | grep -q '127.0.0.2:25' && break
		sleep 0.1
	done
	mxtlsd_start || { log "mxtlsd did not start"; return 1; }
	chmod 755 "$RUN" "$RUN/mxtlsd"
	chmod 666 "$RUN/mxtlsd/ipc.sock" "$RUN/mxtlsd/direct.sock"
	head -n "$EXIM_N" "$RUN/warm.txt" >"$RUN/exim.txt"
	run_lg exim.mxtlsd_warm "$MX_PID" socketmap "unix:$RUN/mxtlsd/sm.sock" -c 16 -n "$EXIM_N" -s -k "$RUN/exim.txt"
	run_lg exim.mxtlsd_rewarm "$MX_PID" socketmap "unix:$RUN/mxtlsd/sm.sock" -c 16 -n "$EXIM_N" -k "$RUN/exim.txt"
	log "exim: warm-up run (plain, untimed)"
	exim_run plain warmup || return 1
	for v in plain verify mxtls mxtls_noevents; do
		log "exim: $EXIM_N deliveries, $v, $EXIM_RUNNERS queue runners"
		[ "$v" = mxtls ] && c0=$(cpu_s "$MX_PID")
		if [ "$v" = mxtls ] && [ "$PERF_EXIM" = 1 ]; then
			perf record -g -F 1999 -p "$MX_PID" -o "$RES/perf-exim-mxtlsd.data" >/dev/null 2>&1 &
			pp=$!
		fi
		exim_run "$v" "$v" || return 1
		[ "$v" = mxtls ] && c1=$(cpu_s "$MX_PID")
		if [ "$v" = mxtls ] && [ "$PERF_EXIM" = 1 ]; then
			kill -INT "$pp" && wait "$pp" || true
			perf report -i "$RES/perf-exim-mxtlsd.data" --stdio --no-children -g none \
				--sort dso,symbol 2>/dev/null | grep -E '^ +[0-9]' | head -60 \
				>"$RES/perf-exim-mxtlsd.txt" || true
		fi
	done
	result exim.mxtls.mxtlsd_cpu_s "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')"
	result exim.mxtls.tlsrpt_results "$(mxstat | jq -r '.tlsrpt_results')"
	result exim.mxtls.tlsrpt_results_unreported "$(mxstat | jq -r '.tlsrpt_results_unreported')"
}
exim_stop() {
	local p
	for p in "${EXIM_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	EXIM_PIDS=()
}

cleanup() {
	exim_stop 2>/dev/null || true
	floors_stop 2>/dev/null || true
	mxtlsd_stop 2>/dev/null || true
	bench_world_down
}
trap cleanup EXIT

{
	echo "date=$(date -u +%FT%TZ)"
	echo "machine=$(nproc) x $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(free -g | awk '/^Mem/ { print $2 }') GiB"
	echo "kernel=$(uname -r)"
	echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
	echo "git=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null)$(git -C "$SRC" diff --quiet 2>/dev/null || echo +dirty)"
	echo "params=WARM_N=$WARM_N COLD_N=$COLD_N COLD_CLIENTS=$COLD_CLIENTS MEM_N=$MEM_N REQS=$REQS"
} >>"$RES/results.txt"

for s in $SECTIONS; do
	log "=== section $s (waiting for $LOCK)"
	(
		flock 9
		trap cleanup EXIT
		rc=0
		"section_$s" || rc=$?
		exim_stop
		mxtlsd_stop
		floors_stop
		bench_world_down
		exit "$rc"
	) 9>"$LOCK" || log "section $s failed"
done
echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES/results.txt"
python3 "$SRC/tests/bench/summary.py" "$RES/results.txt" | tee "$RES/summary.txt"
