#!/bin/bash
# test_spclient.sh - the fork-safe SP client (common/spclient.c) against the
# real mxtlsd and its nng REP socket: framing accepted by nng, one
# connection per process across fork(), transparent reconnection after a
# daemon restart, "unreachable" when the daemon is down. The probe program
# is tests/integration/spclient_probe.c (built as mxtls_spclient_probe).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

PROBE=${MXTLS_PROBE:-$(dirname "$MXTLS_BIN")/modules/exim/mxtls_spclient_probe}
if [ ! -x "$PROBE" ]; then
	fail "probe" "no $PROBE (built with the Exim module: needs exim4-dev)"
	summary
fi
probe() { timeout 30 "$PROBE" "$DAEMON_URL" "$@"; }
# field LABEL OUT N - the Nth word of the line starting with LABEL.
field() { printf '%s\n' "$2" | awk -v l="$1" -v n="$3" '$1 == l { print $n; exit }'; }
# body LABEL OUT - the reply text of the line starting with LABEL.
body() { printf '%s\n' "$2" | awk -v l="$1" '$1 == l { $1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }'; }

daemon_start sp 'dane: { port = 25; };' || summary

# ------------------------------------------------------------- framing --
out=$(probe ping 3)
rc=$?
expect_eq "3 pings: exit status" "$rc" 0
expect_eq "3 pings: statuses" "$(printf '%s\n' "$out" | awk '{print $2}' | tr '\n' ' ')" "ok ok ok "
expect_eq "3 pings: one connection" \
	"$(printf '%s\n' "$out" | awk '{print $3}' | sort -u | wc -l)" 1
expect_jq "ping reply" "$(body ping1 "$out")" '.status' ok
expect_jq_match "ping reply" "$(body ping1 "$out")" '.version' '^[0-9]+\.[0-9]+'

out=$(probe policy dane.test)
expect_eq "policy dane.test: transport" "$(field policy "$out" 2)" ok
j=$(body policy "$out")
expect_jq "policy dane.test over spclient" "$j" '[.status, .policy] | join(" ")' "ok dane"
expect_host "policy dane.test over spclient" "$j" mx1.dane.test '.action' dane

out=$(probe raw '{"v":1,"op":"nosuchop"}')
expect_eq "unknown op: transport ok" "$(field raw "$out" 2)" ok
expect_jq "unknown op: daemon's answer" "$(body raw "$out")" '.status' error

# a large request: the daemon's 64 KiB limit answers, nng does not drop us
big=$(printf '{"v":1,"op":"ping","pad":"%070000d"}' 0)
out=$(probe raw "$big")
expect_eq "70 kB request: transport ok" "$(field raw "$out" 2)" ok
expect_jq_match "70 kB request: refused by size" "$(body raw "$out")" '.why' 'too large'

# ---------------------------------------------------------------- fork --
out=$(probe fork)
rc=$?
expect_eq "fork: exit status" "$rc" 0
expect_eq "fork: parent1" "$(field parent1 "$out" 2)" ok
expect_eq "fork: child does not use the parent's descriptor" \
	"$(field child-before "$out" 2)" "fd=-1"
expect_eq "fork: child" "$(field child "$out" 2)" ok
expect_eq "fork: child keeps its connection" \
	"$(field child "$out" 3)" "$(field child2 "$out" 3)"
expect_eq "fork: parent still on its connection" \
	"$(field parent2 "$out" 3)" "$(field parent1 "$out" 3)"
expect_eq "fork: parent2" "$(field parent2 "$out" 2)" ok

# ------------------------------------------------------------- restart --
flag=$TEST_DIR/restarted
rm -f "$flag"
probe restart "$flag" >"$TEST_DIR/restart.out" 2>&1 &
ppid_=$!
poll_until 10 grep -q '^before ' "$TEST_DIR/restart.out"
daemon_stop
daemon_start sp 'dane: { port = 25; };'
touch "$flag"
wait "$ppid_"
rc=$?
out=$(cat "$TEST_DIR/restart.out")
expect_eq "restart: exit status" "$rc" 0
expect_eq "restart: before" "$(field before "$out" 2)" ok
expect_eq "restart: after (reconnected once)" "$(field after "$out" 2)" ok
expect_jq "restart: answer from the new daemon" "$(body after "$out")" '.status' ok

# ---------------------------------------------------------- daemon down --
daemon_stop
out=$(probe ping 1)
rc=$?
expect_eq "daemon down: exit status" "$rc" 1
expect_eq "daemon down: status" "$(field ping1 "$out" 2)" unreachable

summary
