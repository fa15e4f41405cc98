#!/bin/bash
# test_tlsrpt.sh - TLS reporting end to end (RFC 8460): results in over IPC
# and the Postfix/libtlsrpt datagram socket, durable counting (kill -9),
# the day's report preview, and after the day closes (the daemon's TLSRPT
# clock moved with MXTLSD_TLSRPT_TIME_OFFSET) delivery by HTTPS to nginx
# (report.enforce.test) and by mail through a real Exim into a maildir
# (tlsrpt_lib.sh), retries of a failing endpoint (rptfail.test) and giving
# up after the deadline. Root is needed (Exim, see tlsrpt_lib.sh).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/tlsrpt_lib.sh
. "$LIB_DIR/tlsrpt_lib.sh"

mta_setup
DGRAM=$SOCK_BASE/main/tlsrpt.sock
TLSRPT_CONF=$(tlsrpt_conf "datagram_socket = \"$DGRAM\";")
START_POSTS=$( (grep -c '^POST /tlsrpt ' "$ACCESS_LOG" 2>/dev/null || true) | tail -1)

# res ARGS... - one "result" op; prints the reply, returns mxtlsctl's code.
res() { ctl result --json "$@"; }

# dgram JSON - send one datagram to the collector, as libtlsrpt does.
dgram() {
	python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(sys.argv[2].encode(), sys.argv[1])' "$DGRAM" "$1"
}

daemon_start main "$TLSRPT_CONF" || summary

# ------------------------------------------------------------ results in --
j=$(res domain=enforce.test mx_host=mx1.enforce.test result=success sending_ip=192.0.2.1 mta=exim)
expect_eq "result success: exit code" "$?" 0
expect_jq "result success" "$j" '[.status, .recorded, .policy_type] | map(tostring) | join(" ")' "ok true sts"
for i in 1 2; do
	j=$(res domain=enforce.test mx_host=mx1.enforce.test result=certificate-expired \
		sending_ip=192.0.2.1 receiving_ip=127.0.0.2 failure_reason="X509: certificate has expired")
	expect_jq "result failure $i" "$j" '.recorded' true
done
j=$(res domain=enforce.test mx_host=mx1.enforce.test result=no-such-type)
expect_eq "invalid result: exit code" "$?" 1
expect_jq_match "invalid result" "$j" '.why' 'unknown result'
j=$(res domain=enforce.test mx_host=mx1.enforce.test result=success sender=tlsrpt-noreply@sender.test)
expect_jq "own report session" "$j" '.recorded' false
j=$(res domain=notxt.test mx_host=mx1.notxt.test result=success)
expect_jq "no TLSRPT record" "$j" '[.status, .recorded] | map(tostring) | join(" ")' "ok false"
j=$(res domain=rptfail.test mx_host=mx.rptfail.test result=success)
expect_jq "rptfail.test result" "$j" '[.recorded, .policy_type] | map(tostring) | join(" ")' "true no-policy-found"

# ------------------------------------------------------------- datagrams --
dgram '{"dpv": "1","d": "Enforce.Test","pr": "v=TLSRPTv1; rua=mailto:tlsrpt@enforce.test,https://report.enforce.test/tlsrpt","policies":[{"policy-type":9,"t":0,"f":0}]}'
dgram '{"dpv": "1","d": "enforce.test","pr": "v=TLSRPTv1; rua=mailto:tlsrpt@enforce.test,https://report.enforce.test/tlsrpt","policies":[{"policy-type":2,"policy-domain": "enforce.test","policy-string":["version: STSv1","mode: enforce","mx: mx1.enforce.test","mx: *.enforce.test","max_age: 86400"],"mx-host":["mx1.enforce.test","*.enforce.test"],"failure-details":[{"c":205,"s": "192.0.2.1","n": "mx1.enforce.test","r": "127.0.0.2","f": "self-signed_certificate"}],"t":1,"f":1}]}'
dgram '{"dpv": "2","d": "enforce.test"}'
# issue 17: any member of the socket's group can send one; its "pr" never
# decides where reports go: counted under enforce.test's own record
dgram '{"dpv": "1","d": "enforce.test","pr": "v=TLSRPTv1; rua=mailto:evil@attacker.test","policies":[{"policy-type":9,"t":0,"f":0}]}'
# and a domain without a record of its own is not counted at all
dgram '{"dpv": "1","d": "notxt.test","pr": "v=TLSRPTv1; rua=mailto:evil@attacker.test","policies":[{"policy-type":9,"t":0,"f":0}]}'
poll_ge 5 5 stat_of tlsrpt_datagrams
poll_ge 5 1 stat_of tlsrpt_datagrams_unreported
expect_eq "datagrams received" "$(stat_of tlsrpt_datagrams)" 5
expect_eq "datagrams invalid" "$(stat_of tlsrpt_datagrams_invalid)" 1
expect_eq "datagram \"pr\" replaced by the daemon's record" "$(stat_of tlsrpt_datagrams_rua_replaced)" 1
expect_eq "datagram without a record of its own" "$(stat_of tlsrpt_datagrams_unreported)" 1
expect_eq "results counted" "$(stat_of tlsrpt_results)" 7
expect_eq "results refused" "$(stat_of tlsrpt_results_refused)" 1
expect_eq "own sessions dropped" "$(stat_of tlsrpt_results_own)" 1

# ---------------------------------------------------------------- preview --
check_report() { # LABEL REPORT-JSON
	local r=$2
	expect_jq "$1" "$r" '."organization-name" + " / " + ."contact-info"' "mxtls test / mailto:tlsrpt@sender.test"
	expect_jq_match "$1" "$r" '."date-range"."start-datetime"' '^[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00Z$'
	expect_jq_match "$1" "$r" '."date-range"."end-datetime"' '^[0-9]{4}-[0-9]{2}-[0-9]{2}T23:59:59Z$'
	expect_jq "$1" "$r" '[.policies[].policy."policy-type"] | sort | join(",")' "no-policy-found,sts"
	expect_jq "$1: no-policy-found" "$r" '.policies[] | select(.policy."policy-type" == "no-policy-found") | [.policy."policy-domain", .summary."total-successful-session-count"] | map(tostring) | join(" ")' "enforce.test 2"
	# the daemon's own sts policy (IPC results) and Postfix's (datagram,
	# the same policy text) are one policy: counted together
	expect_jq "$1: sts" "$r" '.policies[] | select(.policy."policy-type" == "sts") | [.policy."policy-string"[1], (.policy."mx-host" | join(",")), .summary."total-successful-session-count", .summary."total-failure-session-count"] | map(tostring) | join(" ")' "mode: enforce mx1.enforce.test,*.enforce.test 1 3"
	expect_jq "$1: sts details" "$r" '.policies[] | select(.policy."policy-type" == "sts") | [.["failure-details"][] | "\(."result-type") \(."failed-session-count") \(."receiving-ip") \(."failure-reason-code")"] | join(",")' "certificate-expired 2 127.0.0.2 X509: certificate has expired,validation-failure 1 127.0.0.2 self-signed_certificate"
}
# preview - the report-preview answer (an array) wrapped as {"a": [...]}.
preview() { printf '{"a":%s}' "$(ctl report --preview --json "$@")"; }
p=$(preview enforce.test)
expect_jq "preview" "$p" '.a | length' 1
check_report "preview" "$(jqr "$p" '.a[0].report')"
p=$(preview)
expect_jq "preview all" "$p" '[.a[].domain] | join(",")' "enforce.test,rptfail.test"
expect_jq "preview: enforce.test's reports go to its own rua only" "$p" \
	'[.a[] | select(.domain == "enforce.test") | .rua[]] | join(",")' \
	"https://report.enforce.test/tlsrpt,mailto:tlsrpt@enforce.test"
expect_jq "preview: never to the datagram's \"pr\"" "$p" \
	'[.a[].rua[] | select(test("attacker"))] | length' 0
# --day: today's date is the same preview; a date that does not exist is
# refused by mxtlsctl; today cannot be sent before it is over.
TODAY=$(date -u +%F)
expect_eq "preview --day today = preview" "$(preview --day "$TODAY")" "$p"
expect_eq "preview --day today DOMAIN = preview DOMAIN" \
	"$(preview --day "$TODAY" enforce.test)" "$(preview enforce.test)"
out=$(ctl report --preview --json --day 2026-02-30 2>&1)
expect_eq "preview --day 2026-02-30: exit code" "$?" 1
expect_match "preview --day 2026-02-30: refused" "$out" 'not a date YYYY-MM-DD'
out=$(ctl report --send --day "$TODAY" 2>&1)
expect_eq "send --day today: exit code (tempfail)" "$?" 75
expect_match "send --day today: refused" "$out" 'not over yet'

# ---------------------------------------------------- durable: kill -9 --
daemon_kill9
daemon_start main "$TLSRPT_CONF" || summary
p=$(preview enforce.test)
check_report "after kill -9" "$(jqr "$p" '.a[0].report')"
out=$(ctl report --send-now)
expect_eq "report --send-now (day still open): exit code" "$?" 0
expect_match "report --send-now" "$out" '^0 reports made'
daemon_stop

# ------------------------------------------- the day closes: reports out --
mail_count() { mails_to tlsrpt@enforce.test; }
post_count() { (grep -c '^POST /tlsrpt 200 ' "$ACCESS_LOG" 2>/dev/null || true) | tail -1; }
# the TLSRPT clock moves to 5 s after the day's end (retry_deadline 1 h)
NOW=$(date +%s)
OFFSET=$(((NOW / 86400 + 1) * 86400 + 5 - NOW))
MXTLSD_TLSRPT_TIME_OFFSET=$OFFSET daemon_start main "$TLSRPT_CONF" || summary
poll_ge 20 1 mail_count
expect_eq "one report mail" "$(mail_count)" 1
poll_ge 20 $((START_POSTS + 1)) post_count
expect_eq "one HTTPS POST" "$(post_count)" $((START_POSTS + 1))
poll_until 10 grep -q MXTLS-TLSRPT-RETRY "$DAEMON_LOG"
expect_match "rptfail.test retried" "$(grep MXTLS-TLSRPT-RETRY "$DAEMON_LOG" | tail -1)" 'rptfail.test.*503'
expect_true "Exim took it from our envelope sender" grep -q '<= tlsrpt-noreply@sender.test U=root P=local' "$MTA/log/mainlog"
expect_true "Exim delivered it" grep -q '=> tlsrpt <tlsrpt@enforce.test> R=mailbox T=maildir' "$MTA/log/mainlog"
poll_ge 5 2 stat_of tlsrpt_sent
expect_eq "deliveries done" "$(stat_of tlsrpt_sent)" 2
expect_eq "reports made" "$(stat_of tlsrpt_reports)" 2

# The mail: MIME structure, headers, attachment name, the report inside
# (tlsrpt_check.py lists every deviation from RFC 8460 4.4 and 5.3).
MAILFILE=$(mail_files tlsrpt@enforce.test | head -1)
mail=$(mail_json "$MAILFILE")
expect_jq mail "$mail" '.problems | join("; ")' ""
expect_jq mail "$mail" '.ctype + " " + .rtype' "multipart/report tlsrpt"
expect_jq mail "$mail" '.parts | join(",")' "text/plain,application/tlsrpt+gzip"
expect_jq mail "$mail" '.disposition' attachment
expect_jq_match mail "$mail" '.filename' '^sender\.test!enforce\.test![0-9]+![0-9]+![0-9]+\.json\.gz$'
expect_jq mail "$mail" '(.filename | split("!") | (.[3] | tonumber) - (.[2] | tonumber))' 86399
expect_jq mail "$mail" '.subject == ("Report Domain: enforce.test Submitter: sender.test Report-ID: <" + .report."report-id" + ">")' true
expect_jq mail "$mail" '[.domain, .submitter, .tlsrequired, .to, .from, .return_path] | join(" ")' "enforce.test sender.test No tlsrpt@enforce.test tlsrpt-noreply@sender.test <tlsrpt-noreply@sender.test>"
check_report "mailed report" "$(jqr "$mail" '.report')"

# The HTTPS upload: application/tlsrpt+gzip, the same report.
line=$(grep '^POST /tlsrpt 200 ' "$ACCESS_LOG" | tail -1)
expect_match "POST media type" "$line" '"application/tlsrpt\+gzip"'
body=$(awk '{print $NF}' <<<"$line")
posted=$(gzip -dc <"$body" 2>/dev/null)
expect_jq "posted report: RFC 8460" "$(report_json "$body")" '[.gzip, (.problems | join("; "))] | map(tostring) | join(" ")' "true "
expect_jq "posted report" "$posted" '."report-id"' "$(jqr "$mail" '.report."report-id"')"
check_report "posted report" "$posted"
p=$(preview)
expect_jq "preview after the day closed" "$p" '.a | length' 0
# the closed day: what is still waiting (rptfail.test's report, retried),
# with its real report-id and only the targets not yet done
p=$(preview --day "$TODAY")
expect_jq "preview --day (closed day): reports still queued" "$p" '[.a[].domain] | join(",")' "rptfail.test"
expect_jq "preview --day (closed day): its target" "$p" '.a[0].rua | join(",")' "https://report.enforce.test/tlsrpt-fail"
expect_jq_match "preview --day (closed day): the real report-id" "$p" '.a[0].report."report-id"' "^$TODAY\\.[0-9]+\\.rptfail\\.test@sender\\.test\$"
out=$(ctl report --send --day "$TODAY")
expect_eq "send --day (closed day): exit code" "$?" 0
expect_match "send --day (closed day): nothing new to make, its delivery due now" "$out" '^0 reports made, 1 deliveries due now$'
daemon_stop

# ------------------------------------ past the retry deadline: given up --
MXTLSD_TLSRPT_TIME_OFFSET=$((OFFSET + 7200)) daemon_start main "$TLSRPT_CONF" || summary
poll_until 20 grep -q MXTLS-TLSRPT-GIVEUP "$DAEMON_LOG"
expect_match "rptfail.test given up" "$(grep MXTLS-TLSRPT-GIVEUP "$DAEMON_LOG" | tail -1)" 'rptfail.test.*given up'
expect_eq "given up counted" "$(stat_of tlsrpt_given_up)" 1
expect_eq "no second mail" "$(mail_count)" 1
daemon_stop

# ------------------------------- tlsrpt.retry_max: given up after N tries --
# A day's results for rptfail.test (its only rua always fails), then the day
# closes: with retry_max = 1 the first failure is the last try, long before
# retry_deadline.
MAXED_CONF=$(tlsrpt_conf "retry_max = 1;")
daemon_start maxed "$MAXED_CONF" || summary
j=$(res domain=rptfail.test mx_host=mx1.rptfail.test result=success sending_ip=192.0.2.1)
expect_jq "retry_max: result recorded" "$j" '.recorded' true
daemon_stop
MXTLSD_TLSRPT_TIME_OFFSET=$OFFSET daemon_start maxed "$MAXED_CONF" || summary
poll_until 20 grep -q 'MXTLS-TLSRPT-GIVEUP.*rptfail' "$DAEMON_LOG"
expect_match "retry_max = 1: given up after the first attempt" \
	"$(grep 'MXTLS-TLSRPT-GIVEUP.*rptfail' "$DAEMON_LOG" | tail -1)" 'given up after 1 attempts'
expect_eq "retry_max = 1: no retry scheduled" "$(grep -c 'MXTLS-TLSRPT-RETRY.*rptfail' "$DAEMON_LOG")" 0
daemon_stop

# ------------------- policy_type named by the client: only with its strings --
# RFC 8460 4.4: a policy is reported with its policy-string (and, for sts,
# its mx-host patterns). A result naming sts or tlsa is counted only when
# the daemon's decision for the domain (looked up if not known) has that
# policy; otherwise it is acknowledged as not counted, with the reason
# (stats tlsrpt_results_policy_unknown), and never appears in a report.
daemon_start ptype "$TLSRPT_CONF" || summary
j=$(res domain=rptfail.test mx_host=mx1.rptfail.test result=success policy_type=sts)
expect_jq "sts for a domain without MTA-STS: not counted" "$j" '[.status, .recorded] | map(tostring) | join(" ")' "ok false"
expect_jq_match "sts for a domain without MTA-STS: the reason" "$j" '.why' 'knows no MTA-STS policy in force for it \(no policy\)'
j=$(res domain=dane.test mx_host=mx1.dane.test result=success policy_type=sts)
expect_jq "sts for a DANE-only domain: not counted" "$j" '.recorded' false
j=$(res domain=enforce.test mx_host=mx1.enforce.test result=certificate-expired policy_type=tlsa)
expect_jq "tlsa for a host without TLSA records: not counted" "$j" '.recorded' false
expect_jq_match "tlsa for a host without TLSA records: the reason" "$j" '.why' 'mx1\.enforce\.test has no usable TLSA records .*action verify'
j=$(res domain=dane.test mx_host=mx9.dane.test result=success policy_type=tlsa)
expect_jq_match "tlsa for a host that is not an MX: not counted" "$j" '.why' 'not an MX host of the domain'
expect_eq "tlsrpt_results_policy_unknown" "$(stat_of tlsrpt_results_policy_unknown)" 4
# the same policies where the daemon knows them: counted with their strings
j=$(res domain=dane.test mx_host=mx1.dane.test result=success policy_type=tlsa)
expect_jq "tlsa for a DANE host: counted" "$j" '[.recorded, .policy_type] | map(tostring) | join(" ")' "true tlsa"
j=$(res domain=enforce.test mx_host=mx1.enforce.test result=success policy_type=sts)
expect_jq "sts for an MTA-STS domain: counted" "$j" '[.recorded, .policy_type] | map(tostring) | join(" ")' "true sts"
j=$(res domain=rptfail.test mx_host=mx1.rptfail.test result=success policy_type=no-policy-found)
expect_jq "no-policy-found: counted" "$j" '[.recorded, .policy_type] | map(tostring) | join(" ")' "true no-policy-found"
p=$(preview)
expect_jq "policy_type: the reports" "$p" '[.a[] | .domain + ":" + ([.report.policies[].policy."policy-type"] | sort | join("+"))] | join(",")' \
	"dane.test:tlsa,enforce.test:sts,rptfail.test:no-policy-found"
expect_jq "policy_type: the tlsa policy-string" "$p" '.a[] | select(.domain == "dane.test") | .report.policies[0].policy | (."policy-string" | length > 0) and (."mx-host" == ["mx1.dane.test"])' true
# every report of the preview passes the strict checker (no empty
# policy-string, no sts without mx-host)
n=$(jqr "$p" '.a | length')
for i in $(seq 0 $((n - 1))); do
	jqr "$p" ".a[$i].report" >"$TEST_DIR/ptype-report-$i.json"
	expect_jq "policy_type: report $i: RFC 8460" "$(report_json "$TEST_DIR/ptype-report-$i.json")" '.problems | join("; ")' ""
done
daemon_stop

# ---------------------------------------- tlsrpt.enable = false: refused --
daemon_start off "$(tlsrpt_conf "enable = false;")" || summary
j=$(res domain=enforce.test mx_host=mx1.enforce.test result=success sending_ip=192.0.2.1)
expect_eq "tlsrpt off: result refused (exit code)" "$?" 1
expect_jq "tlsrpt off: result refused" "$j" '[.status, .why] | join(" ")' "error TLS reporting is not running"
expect_true "tlsrpt off: logged at start" grep -q MXTLSD-TLSRPT-OFF "$DAEMON_LOG"
expect_jq "tlsrpt off: policy lookups still work" "$(q enforce.test)" '.policy' sts
daemon_stop

summary
