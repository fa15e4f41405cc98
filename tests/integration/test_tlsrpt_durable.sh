#!/bin/bash
# test_tlsrpt_durable.sh - what TLS reporting keeps across kill -9 of the
# daemon (docs/DECISIONS.md T5, T9):
#   - during aggregation: results are sent while the daemon is killed; every
#     acknowledged result is in the report after the restart (a result in
#     flight at the kill may or may not be), never more than were sent;
#   - during sending: the HTTPS receiver of rpthang.test reads the report
#     and never answers (tlsrpt_receiver.py "hang"); the daemon is killed
#     mid-POST. After the restart that delivery is made again with the same
#     report-id and the same report (at-least-once; the receiver can
#     de-duplicate by report-id), while the deliveries that were recorded as
#     done before the kill (enforce.test by mail and https, rpthang.test by
#     mail) are not made again.
# Receivers: real Exim into a maildir, nginx + tlsrpt_receiver.py
# (tlsrpt_lib.sh). Root is needed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/tlsrpt_lib.sh
. "$LIB_DIR/tlsrpt_lib.sh"

mta_setup
rcv_start
CONF=$(tlsrpt_conf "")
START_POSTS=$(nginx_posts)
O1=$(tlsrpt_offset 1)
O2=$(tlsrpt_offset 2)
D1=$(day_of "$O1")
# a long HTTPS timeout, so that only the kill ends the hanging POST
# shellcheck disable=SC2034 # read by write_config in lib.sh
FETCH_CONF="fetch: { ca_file = \"$CA_FILE\"; allow_private = true; connect_timeout = 2; timeout = 60; port = $HTTPS_PORT; };"
preview() { printf '{"a":%s}' "$(ctl report --preview --json "$@")"; }
SUM='[.a[0].report.policies[].summary."total-successful-session-count"] | add'
FSUM='[.a[0].report.policies[].summary."total-failure-session-count"] | add'
DSUM='[.a[0].report.policies[]."failure-details"[]?."failed-session-count"] | add'

# ------------------------------------------ kill -9 during aggregation --
MXTLSD_TLSRPT_TIME_OFFSET=$O1 daemon_start main "$CONF" || summary
ctl result domain=enforce.test mx_host=mx1.enforce.test result=success >/dev/null # policy cached
A=$TEST_DIR/agg
mkdir -p "$A"
# writer N - N results in a row, each logged as "<kind> acked|lost" once
# answered; stops at the first one not acknowledged.
writer() {
	local i kind out
	for i in $(seq "$2"); do
		if [ $((i % 4)) = 0 ]; then kind=failure; else kind=success; fi
		echo "$kind sent" >>"$A/$1"
		if [ $kind = failure ]; then
			out=$(timeout 5 "$MXTLS_BIN/mxtlsctl" -s "$DAEMON_URL" result domain=enforce.test \
				mx_host=mx1.enforce.test result=certificate-expired sending_ip=192.0.2.9 \
				receiving_ip=127.0.0.2 failure_reason="w$1 expired" 2>/dev/null)
		else
			out=$(timeout 5 "$MXTLS_BIN/mxtlsctl" -s "$DAEMON_URL" result domain=enforce.test \
				mx_host=mx1.enforce.test result=success sending_ip=192.0.2.9 2>/dev/null)
		fi
		case "$out" in
		recorded*) echo "$kind acked" >>"$A/$1" ;;
		*) return 0 ;;
		esac
	done
}
acked() { cat "$A"/w* 2>/dev/null | grep -c "^$1 acked"; }
sent() { cat "$A"/w* 2>/dev/null | grep -c "^$1 sent"; }
writer w1 400 &
W1=$!
writer w2 400 &
W2=$!
poll_ge 60 60 acked success
daemon_kill9
wait "$W1" "$W2"
S_ACK=$(acked success)
F_ACK=$(acked failure)
S_SENT=$(sent success)
F_SENT=$(sent failure)
echo "# acknowledged $S_ACK successes, $F_ACK failures; sent $S_SENT, $F_SENT"
expect_true "the kill came while results were still being sent" test "$S_SENT" -lt 600
MXTLSD_TLSRPT_TIME_OFFSET=$O1 daemon_start main "$CONF" || summary
p=$(preview enforce.test)
s=$(jqr "$p" "$SUM")
f=$(jqr "$p" "$FSUM")
# +1: the result counted before the loop started
expect_true "successes: none acknowledged lost ($s >= $((S_ACK + 1)))" test "$s" -ge $((S_ACK + 1))
expect_true "successes: none invented ($s <= $((S_SENT + 1)))" test "$s" -le $((S_SENT + 1))
expect_true "failures: none acknowledged lost ($f >= $F_ACK)" test "$f" -ge "$F_ACK"
expect_true "failures: none invented ($f <= $F_SENT)" test "$f" -le "$F_SENT"
expect_eq "failure details add up to the failures" "$(jqr "$p" "$DSUM")" "$f"
ENF_S=$s
ENF_F=$f

# rpthang.test: one success, one failure on D1
ctl result domain=rpthang.test mx_host=mx1.rpthang.test result=success >/dev/null
ctl result domain=rpthang.test mx_host=mx1.rpthang.test result=starttls-not-supported \
	receiving_ip=127.0.0.9 >/dev/null
expect_jq "rpthang.test counted" "$(preview rpthang.test)" "[($SUM), ($FSUM)] | map(tostring) | join(\" \")" "1 1"
daemon_stop

# ----------------------------------------------- kill -9 during sending --
rcv_mode hang hang
MXTLSD_TLSRPT_TIME_OFFSET=$O2 daemon_start main "$CONF" || summary
poll_ge 30 1 rcv_count hang hang
poll_ge 30 3 nlog MXTLS-TLSRPT-SENT
expect_eq "the hanging receiver has the report" "$(rcv_count hang hang)" 1
expect_eq "the other three deliveries are done" "$(nlog MXTLS-TLSRPT-SENT)" 3
expect_eq "the POST to rpthang.test is unanswered" "$(nlog 'MXTLS-TLSRPT-(SENT|RETRY|GIVEUP).*tlsrpt-rcv/hang')" 0
daemon_kill9
HUNG=$(report_json "$(rcv_body hang 1)")
expect_jq "the hung POST's report" "$HUNG" '.problems | join("; ")' ""
HUNG_ID=$(jqr "$HUNG" '.report."report-id"')
expect_match "its report-id" "$HUNG_ID" "^${D1}\\.[0-9]+\\.rpthang\\.test@sender\\.test\$"

rcv_mode hang ok
MXTLSD_TLSRPT_TIME_OFFSET=$O2 daemon_start main "$CONF" || summary
poll_ge 30 1 rcv_count hang 200
poll_ge 10 1 stat_of tlsrpt_sent
expect_eq "after the restart: POSTed again, answered 200" "$(rcv_count hang 200)" 1
expect_eq "after the restart: one delivery made" "$(stat_of tlsrpt_sent)" 1
expect_eq "after the restart: no report made again" "$(stat_of tlsrpt_reports)" 0
AGAIN=$(report_json "$(rcv_body hang 2)")
expect_eq "the same report-id" "$(jqr "$AGAIN" '.report."report-id"')" "$HUNG_ID"
expect_eq "the same report" "$(jqr "$AGAIN" '.report' | jq -cS .)" "$(jqr "$HUNG" '.report' | jq -cS .)"
expect_jq "rpthang.test report: counts" "$AGAIN" \
	'[.report.policies[0].policy."policy-type", .report.policies[0].summary."total-successful-session-count", .report.policies[0].summary."total-failure-session-count", .report.policies[0]."failure-details"[0]."result-type"] | map(tostring) | join(" ")' \
	"no-policy-found 1 1 starttls-not-supported"
expect_eq "done before the kill, not made again: rpthang.test mail" "$(mails_to tlsrpt@rpthang.test)" 1
expect_eq "done before the kill, not made again: enforce.test mail" "$(mails_to tlsrpt@enforce.test)" 1
expect_eq "done before the kill, not made again: enforce.test https" "$(nginx_posts)" $((START_POSTS + 1))
expect_eq "only the unanswered delivery was tried" "$(nlog MXTLS-TLSRPT-SEND:)" 1
rm=$(mail_json "$(mail_files tlsrpt@rpthang.test | head -1)")
expect_eq "rpthang.test: the mail carried the same report-id" "$(jqr "$rm" '.report."report-id"')" "$HUNG_ID"

# The counts that survived the first kill are the ones reported.
em=$(mail_json "$(mail_files tlsrpt@enforce.test | head -1)")
expect_jq "enforce.test mail" "$em" '.problems | join("; ")' ""
expect_jq "enforce.test report: the surviving counts" "$em" \
	'[([.report.policies[].summary."total-successful-session-count"] | add), ([.report.policies[].summary."total-failure-session-count"] | add)] | map(tostring) | join(" ")' \
	"$ENF_S $ENF_F"
daemon_stop

# A third start: nothing is left to send.
MXTLSD_TLSRPT_TIME_OFFSET=$O2 daemon_start main "$CONF" || summary
out=$(ctl report --send-now)
expect_match "nothing pending" "$out" '^0 reports made, 0 deliveries due now'
expect_eq "no delivery tried" "$(nlog MXTLS-TLSRPT-SEND:)" 0
expect_eq "the receiver saw two POSTs in all" "$(rcv_count hang)" 2
daemon_stop
unset FETCH_CONF

summary
