#!/bin/bash
# test_fdflood.sh - a flood of idle connections cannot starve mxtlsd of
# descriptors nor make it spin (issue 17; docs/IPC.md "Limits"). The test
# starts mxtlsd with RLIMIT_NOFILE 64 soft / 256 hard (the daemon raises
# the soft limit to the hard one and logs it), then holds 200 idle
# connections to each front door (socketmap unix: and inet:, ipc.listen,
# ipc.direct: 800, more than the daemon's 256 descriptors;
# tests/integration/fdflood.py). While the flood is held:
#   - the daemon uses little CPU: fewer than a fifth of the clock ticks of
#     3 s (the accept spin of issue 17 used them all);
#   - its log grows by a bounded number of lines in those 3 s (the spin
#     wrote millions);
#   - it keeps its reserve: at least 32 of its descriptors free;
#   - a connection accepted before the flood gets a NEW domain's policy
#     (enforce.test: DNS through libunbound and an HTTPS fetch), not TEMP.
# After the flood is released, without a restart: mxtlsctl ping on
# ipc.listen, a socketmap lookup, a lookup on the direct socket and a new
# domain's lookup (DNS) all answer.
# Needs root (the world needs it), python3, prlimit (util-linux).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

FLOOD="/usr/bin/python3 $LIB_DIR/fdflood.py"
SMC="/usr/bin/python3 $LIB_DIR/smclient.py"
SM_PORT=18467 # no other test uses it
SM_UNIX=$SOCK_BASE/smap.sock
PER_DOOR=200

LOG_CONF='log: { level = "info"; };'
# mxtlsd started under prlimit(1): RLIMIT_NOFILE 64 soft, 256 hard
REAL_BIN=$MXTLS_BIN
MXTLS_BIN=$TEST_DIR/bin
mkdir -p "$MXTLS_BIN"
ln -sf "$REAL_BIN/mxtlsctl" "$MXTLS_BIN/mxtlsctl"
printf '#!/bin/sh\nexec prlimit --nofile=64:256 "%s/mxtlsd" "$@"\n' "$REAL_BIN" >"$MXTLS_BIN/mxtlsd"
chmod +x "$MXTLS_BIN/mxtlsd"
daemon_start fdflood "$(printf 'socketmap: { listen = ["unix:%s", "inet:127.0.0.1:%s"]; mode = "0666"; threads = 2; };\n' \
	"$SM_UNIX" "$SM_PORT")"
PID=$DAEMON_PID
[ -n "$PID" ] || {
	summary
	exit
}

expect_match "the soft limit raised to the hard one, logged" \
	"$(grep -m1 MXTLS-FDLIMIT "$DAEMON_LOG")" \
	'MXTLS-FDLIMIT: 256 descriptors \(soft limit was 64, hard 256\); 64 kept'
expect_match "the daemon's limit is 256" \
	"$(grep 'Max open files' "/proc/$PID/limits")" 'Max open files +256 +256'

ticks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
hz=$(getconf CLK_TCK)

coproc FL { timeout 300 $FLOOD "inet:127.0.0.1:$SM_PORT" $PER_DOOR \
	"inet:127.0.0.1:$SM_PORT" "unix:$SM_UNIX" "unix:${DAEMON_URL#ipc://}" \
	"unix:${DIRECT_URL#ipc://}" 2>"$TEST_DIR/fdflood.err"; }
out=
read -r -t 120 out <&"${FL[0]}"
expect_match "the flood is held" "$out" '^flooded [0-9]+$'
case "$out" in flooded*) ;; *) sed 's/^/  | /' "$TEST_DIR/fdflood.err" ;; esac
n=${out#flooded }
[ "${n:-0}" -gt 256 ] 2>/dev/null && pass "more connections held ($n) than the daemon has descriptors" ||
	fail "more connections held than the daemon has descriptors" "$out"
# let the daemon take what it will take
sleep 2
l0=$(wc -l <"$DAEMON_LOG")
t0=$(ticks)
sleep 3
t1=$(ticks)
l1=$(wc -l <"$DAEMON_LOG")
used=$((t1 - t0))
if [ "$used" -lt $((hz * 3 / 5)) ]; then
	pass "CPU while flooded: $used of $((hz * 3)) ticks in 3 s"
else
	fail "CPU while flooded: $used of $((hz * 3)) ticks in 3 s (want < $((hz * 3 / 5)))"
fi
# per message ID at most 10 lines per 10 s (and summaries): two accept IDs
if [ $((l1 - l0)) -le 30 ]; then
	pass "log while flooded: $((l1 - l0)) lines in 3 s"
else
	fail "log while flooded: $((l1 - l0)) lines in 3 s (want <= 30)"
	sed -n "$((l0 + 1)),$((l0 + 5))p" "$DAEMON_LOG" | sed 's/^/  | /'
fi
fds=$(find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 | wc -l)
lim=$(awk '/^Max open files/ { print $4 }' "/proc/$PID/limits")
if [ "$((lim - fds))" -ge 32 ]; then
	pass "descriptors kept free while flooded: $((lim - fds)) of $lim"
else
	fail "descriptors kept free while flooded: $((lim - fds)) of $lim (want >= 32)"
fi
expect_match "the reserve refused connections (logged)" \
	"$(grep -m1 'descriptors would be left' "$DAEMON_LOG")" 'connection refused, accepting again in'
# a new domain (DNS, HTTPS fetch) through a connection accepted before
echo "lookup enforce.test" >&"${FL[1]}"
out=
read -r -t 90 out <&"${FL[0]}"
expect_eq "new domain answered while flooded (DNS, fetch)" "$out" \
	"OK secure match=mx1.enforce.test servername=hostname"

echo release >&"${FL[1]}"
out=
read -r -t 60 out <&"${FL[0]}"
expect_eq "the flood is released" "$out" released
[ -z "${FL[1]:-}" ] || exec {FL[1]}>&-
wait "${FL_PID:-}" 2>/dev/null

# the listeners resume by themselves (a timer, at most 1 s)
ping_ok() { timeout 5 "$MXTLS_BIN/mxtlsctl" -s "$DAEMON_URL" -t 3 ping >/dev/null 2>&1; }
if poll_until 20 ping_ok; then
	pass "ipc.listen answers ping again after the flood"
else
	fail "ipc.listen answers ping again after the flood"
fi
expect_eq "socketmap unix: answers a new domain after the flood" \
	"$(timeout 60 $SMC "unix:$SM_UNIX" mxtls dane.test)" "OK dane-only"
expect_eq "socketmap inet: answers after the flood" \
	"$(timeout 60 $SMC "inet:127.0.0.1:$SM_PORT" mxtls danests.test)" \
	"OK secure match=mx1.danests.test servername=hostname"
j=$(timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$DIRECT_URL" query testing.test --json)
expect_jq "direct socket answers a new domain after the flood" "$j" '[.status, .mode] | join(" ")' "ok testing"
j=$(q implicit.test)
expect_jq "ipc.listen answers a new domain after the flood" "$j" '.status' ok
expect_true "daemon still running" daemon_alive
daemon_stop
summary
