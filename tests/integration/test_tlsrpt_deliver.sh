#!/bin/bash
# test_tlsrpt_deliver.sh - delivery of TLS reports (RFC 8460 §5) to real
# receivers (tlsrpt_lib.sh: Exim into a maildir; nginx and
# tlsrpt_receiver.py for HTTPS) over four simulated UTC days D1..D4 (the
# daemon's TLSRPT clock moved with MXTLSD_TLSRPT_TIME_OFFSET, one store):
#   - several rua targets: enforce.test (mailto + https, both work) and
#     rptmix.test (mailto works, https always 500): each target gets its
#     report once, a failing one does not hold back the other;
#   - an https target that fails twice then recovers (rptflaky.test):
#     retried with doubling backoff, delivered once, counted;
#   - targets that never recover: rptmix.test's https and a mailto the MTA
#     refuses (rptbounce.test: exim exits 1; its message is the reason
#     logged) are given up at the deadline, logged, counted, and deleted;
#   - day rollover: results on D1 and D2 give two reports with their own
#     date-range and report-id;
#   - the SSRF rule: with fetch.allow_private = false an https endpoint on
#     127.0.0.1 is refused at once (given up, logged, counted) while the
#     mailto of the same report is delivered;
#   - the metric mxtls_tlsrpt_deliveries_total (docs/METRICS.md) of each
#     day's daemon: every attempt by transport (https, sendmail: the mail
#     goes through tlsrpt.sendmail here) and outcome, equal to the stats.
# Root is needed (Exim, see tlsrpt_lib.sh).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/tlsrpt_lib.sh
. "$LIB_DIR/tlsrpt_lib.sh"

mta_setup
rcv_start
rcv_mode flaky fail 2
rcv_mode mix fail
MPORT=9461
CONF="$(tlsrpt_conf "")
metrics: { listen = \"127.0.0.1:$MPORT\"; };"
START_POSTS=$(nginx_posts)

res() { ctl result "$@" >/dev/null || fail "result $*" "not recorded"; }
# send_now - "report --send-now", its output.
send_now() { ctl report --send-now; }
# report_of MAILFILE - the report inside a delivered message.
report_of() { jqr "$(mail_json "$1")" '.report'; }
# deliveries - the running daemon's mxtls_tlsrpt_deliveries_total as
# "TRANSPORT/OUTCOME=N ..." for every series that moved (sorted)
deliveries() {
	curl -s --max-time 10 "http://127.0.0.1:$MPORT/metrics" |
		sed -nE 's/^mxtls_tlsrpt_deliveries_total\{transport="([a-z]+)",outcome="([a-z_]+)"\} ([0-9]+)$/\1\/\2=\3/p' |
		grep -v '=0$' | sort | paste -sd' '
}

# ------------------------------------------------------- D1: results in --
O1=$(tlsrpt_offset 1)
O2=$(tlsrpt_offset 2)
O3=$(tlsrpt_offset 3)
O4=$(tlsrpt_offset 4)
D1=$(day_of "$O1")
D2=$(day_of "$O2")
D3=$(day_of "$O3")
MXTLSD_TLSRPT_TIME_OFFSET=$O1 daemon_start main "$CONF" || summary
res domain=enforce.test mx_host=mx1.enforce.test result=success sending_ip=192.0.2.1
res domain=enforce.test mx_host=mx1.enforce.test result=success sending_ip=192.0.2.1
res domain=enforce.test mx_host=mx1.enforce.test result=certificate-expired \
	sending_ip=192.0.2.1 receiving_ip=127.0.0.2 failure_reason="certificate has expired"
res domain=rptmix.test mx_host=mx1.rptmix.test result=success
res domain=rptflaky.test mx_host=mx1.rptflaky.test result=success
res domain=rptbounce.test mx_host=mx1.rptbounce.test result=success
p=$(printf '{"a":%s}' "$(ctl report --preview --json)")
expect_jq "D1 preview" "$p" '[.a[].domain] | join(",")' "enforce.test,rptbounce.test,rptflaky.test,rptmix.test"
expect_jq "D1 preview: rptmix.test rua" "$p" '.a[] | select(.domain == "rptmix.test") | .rua | join(",")' \
	"https://report.enforce.test/tlsrpt-rcv/mix,mailto:tlsrpt@rptmix.test"
daemon_stop

# --------------------------------------- D2: D1 closes, first attempts --
MXTLSD_TLSRPT_TIME_OFFSET=$O2 daemon_start main "$CONF" || summary
poll_ge 30 3 nlog MXTLS-TLSRPT-RETRY
poll_ge 10 3 stat_of tlsrpt_sent
expect_eq "D1 closed: reports made" "$(stat_of tlsrpt_reports)" 4
expect_eq "first round: delivered (enforce mail + https, rptmix mail)" "$(stat_of tlsrpt_sent)" 3
expect_eq "first round: failed attempts" "$(stat_of tlsrpt_send_failures)" 3
expect_eq "enforce.test: one mail" "$(mails_to tlsrpt@enforce.test)" 1
expect_eq "enforce.test: one HTTPS POST" "$(nginx_posts)" $((START_POSTS + 1))
expect_eq "rptmix.test: the mail went out although its https target failed" "$(mails_to tlsrpt@rptmix.test)" 1
expect_eq "rptmix.test: https answered 500 once" "$(rcv_count mix 500)" 1
expect_eq "rptflaky.test: https answered 500 once" "$(rcv_count flaky 500)" 1
expect_eq "rptbounce.test: nothing delivered" "$(mails_to nobody@rptbounce.test)" 0
expect_true "rptbounce.test: Exim refused the recipient" \
	grep -q 'rejected by non-SMTP ACL: nobody@rptbounce.test: no such mailbox' "$MTA/log/mainlog"
expect_eq "retry after 5 min: rptmix.test https" \
	"$(nlog 'rptmix\.test: report .* to https://report\.enforce\.test/tlsrpt-rcv/mix failed \(attempt 1\), retry in 300 s: HTTP status 500')" 1
expect_eq "retry after 5 min: rptflaky.test" \
	"$(nlog 'rptflaky\.test: report .* failed \(attempt 1\), retry in 300 s: HTTP status 500')" 1
expect_eq "retry after 5 min: rptbounce.test mailto" \
	"$(nlog 'rptbounce\.test: report .* to mailto:nobody@rptbounce\.test failed \(attempt 1\), retry in 300 s: sendmail exited with 1: exim: message rejected by non-SMTP ACL: nobody@rptbounce\.test: no such mailbox$')" 1

m=$(mail_json "$(mail_files tlsrpt@rptmix.test | head -1)")
expect_jq "rptmix.test mail" "$m" '.problems | join("; ")' ""
expect_jq "rptmix.test mail" "$m" '[.domain, .report."date-range"."start-datetime", (.report.policies | length), .report.policies[0].policy."policy-type", .report.policies[0].policy."policy-domain", .report.policies[0].summary."total-successful-session-count", .report.policies[0].summary."total-failure-session-count"] | map(tostring) | join(" ")' \
	"rptmix.test ${D1}T00:00:00Z 1 no-policy-found rptmix.test 1 0"
RPTMIX_ID=$(jqr "$m" '.report."report-id"')
expect_eq "rptmix.test: the failed POST carried the mailed report" \
	"$(jqr "$(report_json "$(rcv_body mix 1)")" '.report."report-id"')" "$RPTMIX_ID"

# --------------------------------- retries (send-now makes them due now) --
out=$(send_now)
expect_match "send-now 1" "$out" '^0 reports made, 3 deliveries due now'
poll_ge 30 6 nlog MXTLS-TLSRPT-RETRY
expect_eq "backoff doubles: 3 targets, attempt 2, retry in 600 s" "$(nlog 'failed \(attempt 2\), retry in 600 s')" 3
out=$(send_now)
expect_match "send-now 2" "$out" '^0 reports made, 3 deliveries due now'
poll_ge 30 8 nlog MXTLS-TLSRPT-RETRY
poll_ge 10 4 stat_of tlsrpt_sent
expect_eq "rptflaky.test: recovered on attempt 3, delivered" "$(stat_of tlsrpt_sent)" 4
expect_eq "rptflaky.test: requests 500,500,200" "$(awk '$1 == "flaky" {print $3}' "$RCV/log" | paste -sd,)" "500,500,200"
expect_eq "rptflaky.test: SENT logged once" "$(nlog 'MXTLS-TLSRPT-SENT.*rptflaky\.test')" 1
expect_eq "others: attempt 3, retry in 1200 s" "$(nlog 'failed \(attempt 3\), retry in 1200 s')" 2
ids=$(for i in 1 2 3; do jqr "$(report_json "$(rcv_body flaky "$i")")" '.report."report-id"'; done | sort -u)
expect_match "rptflaky.test: one report-id on every attempt" "$ids" "^${D1}\\.[0-9]+\\.rptflaky\\.test@sender\\.test\$"
r=$(report_json "$(rcv_body flaky 3)")
expect_jq "rptflaky.test: delivered report" "$r" '[.gzip, (.problems | join("; ")), .report."date-range"."start-datetime", .report.policies[0].policy."policy-domain", .report.policies[0].summary."total-successful-session-count"] | map(tostring) | join(" ")' \
	"true  ${D1}T00:00:00Z rptflaky.test 1"
expect_match "rptflaky.test: POSTed as application/tlsrpt+gzip" "$(awk '$1 == "flaky" && $3 == 200 {print $4}' "$RCV/log")" '^application/tlsrpt\+gzip$'
out=$(send_now)
expect_match "send-now 3: flaky delivered, 2 left" "$out" '^0 reports made, 2 deliveries due now'
poll_ge 30 10 nlog MXTLS-TLSRPT-RETRY
expect_eq "others: attempt 4, retry at the deadline" "$(nlog 'failed \(attempt 4\), retry in [0-9]+ s')" 2
expect_eq "rptflaky.test: not sent again" "$(rcv_count flaky)" 3
expect_eq "rptmix.test: mail not sent again" "$(mails_to tlsrpt@rptmix.test)" 1
# D2's daemon: enforce and rptmix mail, enforce and rptflaky https sent;
# rptmix https (4), rptflaky (2) and rptbounce's mail (4) retried
expect_eq "D2: deliveries by transport and outcome" "$(deliveries)" \
	"https/retried=6 https/sent=2 sendmail/retried=4 sendmail/sent=2"
expect_eq "D2: the stats agree" "$(stat_of tlsrpt_sent) $(stat_of tlsrpt_send_failures)" "4 10"

# D2's results
res domain=enforce.test mx_host=mx1.enforce.test result=success sending_ip=192.0.2.1
res domain=enforce.test mx_host=mx1.enforce.test result=success sending_ip=192.0.2.1
res domain=enforce.test mx_host=mx1.enforce.test result=success sending_ip=192.0.2.1
daemon_stop

# ------------------ D3: D2 closes; D1's failing targets past the deadline --
MXTLSD_TLSRPT_TIME_OFFSET=$O3 daemon_start main "$CONF" || summary
poll_ge 30 2 nlog MXTLS-TLSRPT-GIVEUP
poll_ge 10 2 stat_of tlsrpt_sent
expect_eq "D2 closed: one report" "$(stat_of tlsrpt_reports)" 1
expect_eq "D2 report: mail + https delivered" "$(stat_of tlsrpt_sent)" 2
expect_eq "given up: counted" "$(stat_of tlsrpt_given_up)" 2
expect_eq "given up: rptmix.test https, logged" \
	"$(nlog "MXTLS-TLSRPT-GIVEUP.*rptmix\\.test: report ${D1}\\.[0-9]+\\.rptmix\\.test@sender\\.test to https://report\\.enforce\\.test/tlsrpt-rcv/mix given up after 5 attempts: HTTP status 500")" 1
expect_eq "given up: rptbounce.test mailto, logged" \
	"$(nlog 'MXTLS-TLSRPT-GIVEUP.*rptbounce\.test: .* to mailto:nobody@rptbounce\.test given up after 5 attempts: sendmail exited with 1: exim: message rejected')" 1
out=$(send_now)
expect_match "given up deliveries are deleted" "$out" '^0 reports made, 0 deliveries due now'
expect_eq "rptmix.test https: 5 attempts in all" "$(rcv_count mix)" 5
expect_eq "rptmix.test mail: still once" "$(mails_to tlsrpt@rptmix.test)" 1
expect_eq "D3: deliveries by transport and outcome" "$(deliveries)" \
	"https/given_up=1 https/sent=1 sendmail/given_up=1 sendmail/sent=1"

# Day rollover: two reports for enforce.test, one per UTC day.
mapfile -t EM < <(mail_files tlsrpt@enforce.test)
expect_eq "enforce.test: two mails" "${#EM[@]}" 2
r1=$(report_of "${EM[0]}")
r2=$(report_of "${EM[1]:-/nonexistent}")
RJQ='[."date-range"."start-datetime", ."date-range"."end-datetime", (.policies | map(.summary."total-successful-session-count") | add), (.policies | map(.summary."total-failure-session-count") | add)] | map(tostring) | join(" ")'
expect_jq "enforce.test D1 report" "$r1" "$RJQ" "${D1}T00:00:00Z ${D1}T23:59:59Z 2 1"
expect_jq "enforce.test D2 report" "$r2" "$RJQ" "${D2}T00:00:00Z ${D2}T23:59:59Z 3 0"
expect_jq_match "enforce.test D1 report-id" "$r1" '."report-id"' "^${D1}\\.[0-9]+\\.enforce\\.test@sender\\.test\$"
expect_jq_match "enforce.test D2 report-id" "$r2" '."report-id"' "^${D2}\\.[0-9]+\\.enforce\\.test@sender\\.test\$"
for f in "${EM[@]}"; do
	expect_jq "enforce.test mail $(basename "$f")" "$(mail_json "$f")" '.problems | join("; ")' ""
done
expect_eq "enforce.test: two HTTPS POSTs" "$(nginx_posts)" $((START_POSTS + 2))
posted=$(grep '^POST /tlsrpt 200 ' "$ACCESS_LOG" | tail -2 | awk '{print $NF}' | while read -r b; do
	jqr "$(report_json "$b")" '.report."report-id"'
done | sort | paste -sd' ')
expect_eq "enforce.test: the POSTs carried the mailed reports" "$posted" \
	"$(printf '%s\n' "$(jqr "$r1" '."report-id"')" "$(jqr "$r2" '."report-id"')" | sort | paste -sd' ')"

# D3's results, for the SSRF part
res domain=enforce.test mx_host=mx1.enforce.test result=success sending_ip=192.0.2.1
daemon_stop

# ------------ D4: D3 closes with fetch.allow_private off (the SSRF rule) --
# shellcheck disable=SC2034 # read by write_config in lib.sh
FETCH_CONF="fetch: { ca_file = \"$CA_FILE\"; allow_private = false; connect_timeout = 2; timeout = 4; port = $HTTPS_PORT; };"
MXTLSD_TLSRPT_TIME_OFFSET=$O4 daemon_start main "$CONF" || summary
unset FETCH_CONF
poll_ge 30 1 nlog MXTLS-TLSRPT-GIVEUP
poll_ge 10 1 stat_of tlsrpt_sent
expect_eq "SSRF: https refused at once, given up" "$(stat_of tlsrpt_given_up)" 1
expect_eq "SSRF: logged" \
	"$(nlog "MXTLS-TLSRPT-GIVEUP.*enforce\\.test: report ${D3}\\.[0-9]+\\.enforce\\.test@sender\\.test to https://report\\.enforce\\.test/tlsrpt given up after 1 attempts: report\\.enforce\\.test: refused: only special addresses .*fetch\\.allow_private")" 1
expect_eq "SSRF: no retry" "$(nlog MXTLS-TLSRPT-RETRY)" 0
expect_eq "SSRF: no POST reached nginx" "$(nginx_posts)" $((START_POSTS + 2))
expect_eq "SSRF: the mailto target still delivered" "$(stat_of tlsrpt_sent)" 1
poll_ge 5 3 mails_to tlsrpt@enforce.test
mapfile -t EM < <(mail_files tlsrpt@enforce.test)
expect_eq "SSRF: third enforce.test mail" "${#EM[@]}" 3
expect_jq "SSRF: the D3 report by mail" "$(report_of "${EM[2]:-/nonexistent}")" '."date-range"."start-datetime"' "${D3}T00:00:00Z"
out=$(send_now)
expect_match "SSRF: nothing left" "$out" '^0 reports made, 0 deliveries due now'
expect_eq "D4: deliveries by transport and outcome" "$(deliveries)" \
	"https/given_up=1 sendmail/sent=1"
daemon_stop

summary
