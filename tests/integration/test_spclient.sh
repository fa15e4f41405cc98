#!/bin/bash
# test_spclient.sh - the fork-safe SP client (common/spclient.c) against the
# real mxtlsd, on its ipc.listen socket ("nng" below: nng's REP served it
# until issue 14; now the same engine as the direct socket) and on its
# direct socket (ipc.direct, common/spframe.c): framing
# accepted by both, one connection per process across fork(), transparent
# reconnection after a daemon restart, "unreachable" when the daemon is
# down. Then real nng (mxtlsctl) on the direct socket, and malformed
# frames there. The probe program
# is tests/integration/spclient_probe.c (built as mxtls_spclient_probe).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PROBE=${MXTLS_PROBE:-$(dirname "$MXTLS_BIN")/modules/exim/mxtls_spclient_probe}
if [ ! -x "$PROBE" ]; then
	fail "probe" "no $PROBE (built with the Exim module: needs exim4-dev)"
	summary
fi
URL=
probe() { timeout 30 "$PROBE" "$URL" "$@"; }
# field LABEL OUT N - the Nth word of the line starting with LABEL.
field() { printf '%s\n' "$2" | awk -v l="$1" -v n="$3" '$1 == l { print $n; exit }'; }
# body LABEL OUT - the reply text of the line starting with LABEL.
body() { printf '%s\n' "$2" | awk -v l="$1" '$1 == l { $1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }'; }

# url - the socket under test now ($K: nng or direct; DAEMON_URL and
# DIRECT_URL change with each daemon_start)
url() { if [ "$K" = nng ]; then echo "$DAEMON_URL"; else echo "$DIRECT_URL"; fi; }

for K in nng direct; do
daemon_start "sp-$K" 'dane: { port = 25; };' || summary
# ------------------------------------------------------------- framing --
URL=$(url)
out=$(probe ping 3)
rc=$?
expect_eq "$K: 3 pings: exit status" "$rc" 0
expect_eq "$K: 3 pings: statuses" "$(printf '%s\n' "$out" | awk '{print $2}' | tr '\n' ' ')" "ok ok ok "
expect_eq "$K: 3 pings: one connection" \
	"$(printf '%s\n' "$out" | awk '{print $3}' | sort -u | wc -l)" 1
expect_jq "$K: ping reply" "$(body ping1 "$out")" '.status' ok
expect_jq_match "$K: ping reply" "$(body ping1 "$out")" '.version' '^[0-9]+\.[0-9]+'

out=$(probe policy dane.test)
expect_eq "$K: policy dane.test: transport" "$(field policy "$out" 2)" ok
j=$(body policy "$out")
expect_jq "$K: policy dane.test over spclient" "$j" '[.status, .policy] | join(" ")' "ok dane"
expect_host "$K: policy dane.test over spclient" "$j" mx1.dane.test '.action' dane

out=$(probe raw '{"v":1,"op":"nosuchop"}')
expect_eq "$K: unknown op: transport ok" "$(field raw "$out" 2)" ok
expect_jq "$K: unknown op: daemon's answer" "$(body raw "$out")" '.status' error

# a large request: the daemon's 64 KiB limit answers, nng does not drop us
big=$(printf '{"v":1,"op":"ping","pad":"%070000d"}' 0)
out=$(probe raw "$big")
expect_eq "$K: 70 kB request: transport ok" "$(field raw "$out" 2)" ok
expect_jq_match "$K: 70 kB request: refused by size" "$(body raw "$out")" '.why' 'too large'

# ---------------------------------------------------------------- fork --
out=$(probe fork)
rc=$?
expect_eq "$K: fork: exit status" "$rc" 0
expect_eq "$K: fork: parent1" "$(field parent1 "$out" 2)" ok
expect_eq "$K: fork: child does not use the parent's descriptor" \
	"$(field child-before "$out" 2)" "fd=-1"
expect_eq "$K: fork: child" "$(field child "$out" 2)" ok
expect_eq "$K: fork: child keeps its connection" \
	"$(field child "$out" 3)" "$(field child2 "$out" 3)"
expect_eq "$K: fork: parent still on its connection" \
	"$(field parent2 "$out" 3)" "$(field parent1 "$out" 3)"
expect_eq "$K: fork: parent2" "$(field parent2 "$out" 2)" ok

# ------------------------------------------------------------- restart --
flag=$TEST_DIR/restarted
rm -f "$flag"
probe restart "$flag" >"$TEST_DIR/restart.out" 2>&1 &
ppid_=$!
poll_until 10 grep -q '^before ' "$TEST_DIR/restart.out"
daemon_stop
daemon_start "sp-$K" 'dane: { port = 25; };'
URL=$(url)
touch "$flag"
wait "$ppid_"
rc=$?
out=$(cat "$TEST_DIR/restart.out")
expect_eq "$K: restart: exit status" "$rc" 0
expect_eq "$K: restart: before" "$(field before "$out" 2)" ok
expect_eq "$K: restart: after (reconnected once)" "$(field after "$out" 2)" ok
expect_jq "$K: restart: answer from the new daemon" "$(body after "$out")" '.status' ok

# ---------------------------------------------------------- daemon down --
daemon_stop
out=$(probe ping 1)
rc=$?
expect_eq "$K: daemon down: exit status" "$rc" 1
expect_eq "$K: daemon down: status" "$(field ping1 "$out" 2)" unreachable

done

# ------------------------------------------ the direct socket: the rest --
# real nng (mxtlsctl's REQ socket) on it, cached answers equal to nng's,
# pipelining and device hops, malformed frames closed without harm.
SPRAW="python3 $(dirname "$0")/spraw.py"
daemon_start sp-direct2 'dane: { port = 25; };' || summary
dpath=${DIRECT_URL#ipc://}
out=$(timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$DIRECT_URL" ping)
expect_eq "direct: mxtlsctl (nng REQ) ping: exit status" "$?" 0
a=$(timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$DIRECT_URL" query dane.test --json)
expect_jq "direct: mxtlsctl query (a miss, through the loop)" "$a" '.policy' dane
b=$(timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$DIRECT_URL" query dane.test --json)
c=$(ctl query dane.test --json)
expect_eq "direct: the cached answer is the nng socket's" "$b" "$c"
expect_eq "direct: the cached answer is the first one (but its source)" \
	"$(printf '%s' "$b" | jq -c 'del(.source)')" "$(printf '%s' "$a" | jq -c 'del(.source)')"
hits0=$(ctl stats --json | jq -r '.answer_cache_hits')
timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$DIRECT_URL" query dane.test >/dev/null
hits1=$(ctl stats --json | jq -r '.answer_cache_hits')
expect_eq "direct: a cached policy is an answer-cache hit" "$((hits1 - hits0))" 1

out=$($SPRAW "$dpath" pipeline dane.test enforce.test dane.test 2>&1)
expect_eq "direct: pipelined: ids in order" 	"$(printf '%s\n' "$out" | awk '{print $1}' | tr '\n' ' ')" "80000001 80000002 80000003 "
expect_jq "direct: pipelined: 1st" "$(printf '%s\n' "$out" | sed -n 1p | cut -d' ' -f2-)" '.policy' dane
expect_jq "direct: pipelined: 2nd (a miss between hits)" 	"$(printf '%s\n' "$out" | sed -n 2p | cut -d' ' -f2-)" '.status' ok
expect_jq "direct: pipelined: 3rd" "$(printf '%s\n' "$out" | sed -n 3p | cut -d' ' -f2-)" '.policy' dane
out=$($SPRAW "$dpath" hops 2>&1)
expect_eq "direct: two device hops: backtrace returned whole" "$out" "000000070000000380000042 ok"
for kind in header proto type noid huge; do
	out=$($SPRAW "$dpath" bad "$kind" 2>&1)
	expect_eq "direct: malformed ($kind): closed, no reply" "$out" closed
done
expect_true "direct: malformed frames are logged" 	test "$(grep -c MXTLS-IPC-DIRECT-BAD-FRAME "$DAEMON_LOG")" -ge 5
out=$(timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$DIRECT_URL" query dane.test --json)
expect_jq "direct: still serving after them" "$out" '.policy' dane
daemon_stop
expect_true "direct: socket removed at exit" test ! -e "$dpath"

summary
