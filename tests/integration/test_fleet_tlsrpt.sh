#!/bin/bash
# test_fleet_tlsrpt.sh - one TLS report per domain for a fleet (issue 19,
# RFC 8460 §4, §5; docs/FLEET.md "TLSRPT"): a real redis-server and three
# mxtlsd (fleet_lib.sh) with their own stores, sockets and host ids count
# results of rptflaky.test (rua: the HTTPS receiver tlsrpt_receiver.py
# behind the world's nginx), over simulated UTC days (the TLSRPT clock moved
# with MXTLSD_TLSRPT_TIME_OFFSET):
#   D1  results on all three hosts -> exactly one report, the summed
#       counts, sent once;
#   D2  the sender is killed (kill -9) while its POST hangs -> another host
#       sends the same report (same report-id, same counts) after the lock
#       expired;
#   D3  Redis stopped while results are counted (every host keeps counting,
#       stats tlsrpt_merge_pending > 0), restarted -> the counts are merged
#       exactly once (the report holds every result, none twice);
#   D4  a read-only host (store.redis.read_only) writes nothing to Redis
#       and reports its own counts, as without a fleet.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/tlsrpt_lib.sh
. "$LIB_DIR/tlsrpt_lib.sh"
# shellcheck source=tests/integration/fleet_lib.sh
. "$LIB_DIR/fleet_lib.sh"
command -v redis-server >/dev/null || { fail "redis-server" "not installed"; summary; }
all_cleanup() {
	fleet_cleanup
	tlsrpt_cleanup
}
trap all_cleanup EXIT

D=rptflaky.test
CONF=$(tlsrpt_conf "fleet_grace = 2; fleet_lock_ttl = 6; fleet_fallback = 3600;")
redis_start || summary
rcv_start
rcv_mode flaky ok

# res I [ARGS] - a result of rptflaky.test on host I
res() {
	local i=$1
	shift
	fleet_ctl "$i" result domain=$D mx_host=mx1.$D "$@" >/dev/null ||
		fail "host$i: result $*" "not recorded"
}
# pending_of I - stats tlsrpt_merge_pending of host I
pending_of() { jqr "$(fleet_ctl "$1" stats)" '.tlsrpt_merge_pending'; }
all_merged() {
	local i
	for i in 1 2 3; do [ "$(pending_of "$i")" = 0 ] || return 1; done
}
# hlog I ERE - lines of host I's log matching ERE (all its runs)
hlog() { grep -cE -- "$2" "$TEST_DIR/host$1/mxtlsd.log" || true; }
# complete DAY - the fleet's report of DAY is sent to every target
complete() { [ "$(rcli HGET "mxtls:rptbuilt:$1:$D" complete)" = 1 ]; }
# merged_all N - every host logged MERGED (its counts in the fleet report) N times
merged_all() {
	local i
	for i in 1 2 3; do [ "$(hlog "$i" "MXTLS-TLSRPT-FLEET-MERGED.*$D")" -ge "$1" ] || return 1; done
}
# summary_of FILE - "success failure report-id" of a received report
summary_of() {
	jqr "$(report_json "$1")" '[(.report.policies | map(.summary."total-successful-session-count") | add), (.report.policies | map(.summary."total-failure-session-count") | add), .report."report-id"] | map(tostring) | join(" ")'
}

O1=$(tlsrpt_offset 1)
O2=$(tlsrpt_offset 2)
O3=$(tlsrpt_offset 3)
O4=$(tlsrpt_offset 4)
O5=$(tlsrpt_offset 5)
D1=$(day_of "$O1")
D2=$(day_of "$O2")
D3=$(day_of "$O3")
D4=$(day_of "$O4")

# ------------------------------------------------- D1: three hosts count --
MXTLSD_TLSRPT_TIME_OFFSET=$O1 fleet_start 3 "$CONF" || summary
res 1 result=success
res 2 result=success
res 2 result=success
res 3 result=success
res 3 result=success
res 3 result=success
res 3 result=certificate-expired receiving_ip=127.0.0.2 failure_reason="expired"
poll_until 30 all_merged
expect_eq "D1: every result in an acknowledged snapshot" "$(pending_of 1)$(pending_of 2)$(pending_of 3)" 000
expect_eq "D1: three snapshots in Redis" "$(rcli HLEN "mxtls:rpt:$D1:$D")" 3
fleet_stop

# ------------------------------ D2: D1 closes, one report, sent once ----
MXTLSD_TLSRPT_TIME_OFFSET=$O2 fleet_start 3 "$CONF" || summary
poll_until 60 complete "$D1"
poll_until 30 merged_all 1
expect_true "D1: the fleet's report completed" complete "$D1"
expect_eq "D1: exactly one POST" "$(rcv_count flaky)" 1
expect_match "D1: summed counts of the three hosts" "$(summary_of "$(rcv_body flaky 1)")" \
	"^6 1 ${D1}\\.fleet0\\.$D@sender\\.test\$"
expect_eq "D1: one host built it" "$(($(hlog 1 FLEET-BUILT) + $(hlog 2 FLEET-BUILT) + $(hlog 3 FLEET-BUILT)))" 1
expect_eq "D1: no host reported on its own" "$(($(hlog 1 FLEET-LOCAL) + $(hlog 2 FLEET-LOCAL) + $(hlog 3 FLEET-LOCAL)))" 0
# counted by the host that built and sent it, as a local report is
expect_eq "D1: stats tlsrpt_reports summed over the fleet" "$(sum_stat tlsrpt_reports)" 1
expect_eq "D1: stats tlsrpt_sent summed over the fleet" "$(sum_stat tlsrpt_sent)" 1
expect_eq "D1: stats tlsrpt_send_failures summed over the fleet" "$(sum_stat tlsrpt_send_failures)" 0

# D2's results, then the sender dies mid-send
res 1 result=success
res 2 result=success
res 3 result=certificate-expired receiving_ip=127.0.0.2 failure_reason="expired"
poll_until 30 all_merged
fleet_stop
rcv_mode flaky hang
MXTLSD_TLSRPT_TIME_OFFSET=$O3 fleet_start 3 "$CONF" || summary
poll_ge 60 2 rcv_count flaky
SENDER=
for i in 1 2 3; do
	[ "$(hlog "$i" "FLEET-SEND.*${D2}\\.fleet0")" -ge 1 ] && SENDER=$i
done
expect_true "D2: a sender is found" test -n "$SENDER"
rcv_mode flaky ok
fleet_use "$SENDER"
daemon_kill9
FLEET_PID[$SENDER]=
poll_until 60 complete "$D2"
expect_true "D2: completed by another host" complete "$D2"
expect_eq "D2: two POSTs (the hung one, the takeover)" "$(rcv_count flaky)" 3
H=$(summary_of "$(rcv_body flaky 2)")
T=$(summary_of "$(rcv_body flaky 3)")
expect_match "D2: the hung POST: summed counts" "$H" "^2 1 ${D2}\\.fleet0\\.$D@sender\\.test\$"
expect_eq "D2: the takeover sent the same report" "$T" "$H"
fleet_stop

# ----------------------- D3: Redis stopped while counting, restarted ----
MXTLSD_TLSRPT_TIME_OFFSET=$O3 fleet_start 3 "$CONF" || summary
res 1 result=success
poll_until 30 all_merged
redis_stop
res 1 result=success
res 2 result=success
res 2 result=success
res 3 result=certificate-expired receiving_ip=127.0.0.2 failure_reason="expired"
expect_eq "Redis down: results still counted, waiting" "$(pending_of 1) $(pending_of 2) $(pending_of 3)" "1 2 1"
redis_start || summary
poll_until 30 all_merged
expect_eq "Redis back: merged" "$(pending_of 1)$(pending_of 2)$(pending_of 3)" 000
fleet_stop
MXTLSD_TLSRPT_TIME_OFFSET=$O4 fleet_start 3 "$CONF" || summary
poll_until 60 complete "$D3"
expect_eq "D3: one POST" "$(rcv_count flaky)" 4
expect_match "D3: every result once" "$(summary_of "$(rcv_body flaky 4)")" \
	"^4 1 ${D3}\\.fleet0\\.$D@sender\\.test\$"
fleet_stop

# ------------------------------- D4: a read-only host reports locally ----
FLEET_STORE_EXTRA="read_only = true;"
MXTLSD_TLSRPT_TIME_OFFSET=$O4 fleet_start 1 "$CONF" || summary
res 1 result=success
res 1 result=success
res 1 result=success
expect_eq "read-only: nothing waits for Redis" "$(pending_of 1)" 0
fleet_stop
MXTLSD_TLSRPT_TIME_OFFSET=$O5 fleet_start 1 "$CONF" || summary
poll_ge 60 5 rcv_count flaky
expect_match "D4: the read-only host's own report (a local report-id)" \
	"$(summary_of "$(rcv_body flaky 5)")" "^3 0 ${D4}\\.[0-9]+\\.$D@sender\\.test\$"
expect_eq "D4: nothing of it in Redis" "$(rcli EXISTS "mxtls:rpt:$D4:$D")" 0
fleet_stop
FLEET_STORE_EXTRA=
summary
