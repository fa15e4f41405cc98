#!/bin/bash
# test_tlsrpt_smtp.sh - report mail submitted by SMTP (RFC 8460 §5.3,
# tlsrpt.smtp) to a real Exim 4.96 listening on 127.0.0.1:25, the
# default relay (tlsrpt.smtp is not set here), so the packaged unit's
# out-of-the-box path (no setuid sendmail) is what runs:
#   - the relay down: the mailto deliveries fail (connection refused),
#     are retried; the https one of the same report is not held back;
#   - the relay hangs (a listener that never greets): fetch.connect_timeout,
#     retried;
#   - the relay answers 451 to RCPT: a failed attempt, retried with
#     doubling backoff, the server's text logged;
#   - the relay answers 550 (nobody@rptbounce.test): a failed attempt with
#     the server's text, retried like a failing sendmail and given up at
#     retry_max (logged, counted);
#   - delivered: envelope (MAIL FROM tlsrpt.from, RCPT TO the rua
#     address, EHLO the submitter, no STARTTLS on loopback), the §5.3
#     headers (tlsrpt_check.py), the gzip attachment decodes to the
#     report the preview showed;
#   - a tlsrpt.smtp that is not an smtp(s) URL stops the daemon at start
#     with the reason;
#   - mxtls_tlsrpt_deliveries_total (docs/METRICS.md): every attempt by
#     transport (smtp, https) and outcome, equal to the stats.
# The sending daemon runs confined as the packaged systemd unit does
# (setpriv: no new privileges, empty capability bounding set).
# Root is needed (Exim on port 25, see tlsrpt_lib.sh).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/tlsrpt_lib.sh
. "$LIB_DIR/tlsrpt_lib.sh"

HANG_PID=
# shellcheck disable=SC2317 # run by the EXIT trap
smtp_cleanup() {
	[ -z "$HANG_PID" ] || kill "$HANG_PID" 2>/dev/null
	tlsrpt_cleanup
}
trap smtp_cleanup EXIT
mta_setup
if mta_listening; then
	fail "127.0.0.1:25 free" "something already listens there: $(ss -H -lntp 'sport = :25')"
	summary
fi
TLSRPT_SMTP=default
MPORT=9461
CONF="$(tlsrpt_conf "retry_max = 5;")
metrics: { listen = \"127.0.0.1:$MPORT\"; };"
START_POSTS=$(nginx_posts)

res() { ctl result "$@" >/dev/null || fail "result $*" "not recorded"; }
send_now() { ctl report --send-now; }
# compact JSON with sorted keys, for comparing reports
canon() { jq -cS "$1" <<<"$2"; }
# deliveries - the running daemon's mxtls_tlsrpt_deliveries_total as
# "TRANSPORT/OUTCOME=N ..." for every series that moved (sorted)
deliveries() {
	curl -s --max-time 10 "http://127.0.0.1:$MPORT/metrics" |
		sed -nE 's/^mxtls_tlsrpt_deliveries_total\{transport="([a-z]+)",outcome="([a-z_]+)"\} ([0-9]+)$/\1\/\2=\3/p' |
		grep -v '=0$' | sort | paste -sd' '
}

# --------------------------------------------- a bad relay URL is refused --
# bad_start URL - run mxtlsd with tlsrpt.smtp = URL; its exit status.
bad_start() {
	local rc=0
	DAEMON_DIR=$TEST_DIR/bad
	DAEMON_URL=ipc://$SOCK_BASE/bad/mxtlsd.sock
	DIRECT_URL=ipc://$SOCK_BASE/bad/direct.sock
	DAEMON_CONFIG_FILE=$DAEMON_DIR/mxtlsd.conf
	mkdir -p "$DAEMON_DIR" "$SOCK_BASE/bad"
	TLSRPT_SMTP=$1 write_config "$(TLSRPT_SMTP=$1 tlsrpt_conf "")"
	timeout 20 "$MXTLS_BIN/mxtlsd" -d -c "$DAEMON_CONFIG_FILE" </dev/null \
		>"$DAEMON_DIR/mxtlsd.log" 2>&1 || rc=$?
	echo "$rc"
}
for bad in 'http://127.0.0.1' 'smtp://user:pw@127.0.0.1:25' '127.0.0.1:25'; do
	rc=$(bad_start "$bad")
	expect_match "tlsrpt.smtp \"$bad\": the daemon does not start" "$rc" '^[1-9][0-9]*$'
	[ "$rc" != 124 ] || fail "tlsrpt.smtp \"$bad\": the daemon ran (killed by timeout)"
	expect_eq "tlsrpt.smtp \"$bad\": the reason logged" \
		"$(grep -cF "tlsrpt.smtp \"$bad\": " "$TEST_DIR/bad/mxtlsd.log")" 1
done

# ------------------------------------------------------- D1: results in --
O1=$(tlsrpt_offset 1)
O2=$(tlsrpt_offset 2)
D1=$(day_of "$O1")
MXTLSD_TLSRPT_TIME_OFFSET=$O1 daemon_start main "$CONF" || summary
res domain=enforce.test mx_host=mx1.enforce.test result=success sending_ip=192.0.2.1
res domain=enforce.test mx_host=mx1.enforce.test result=certificate-expired \
	sending_ip=192.0.2.1 receiving_ip=127.0.0.2 failure_reason="certificate has expired"
res domain=rptbounce.test mx_host=mx1.rptbounce.test result=success
PREVIEW=$(printf '{"a":%s}' "$(ctl report --preview --json enforce.test)")
expect_jq "D1 preview: enforce.test" "$PREVIEW" '.a | length' 1
daemon_stop

# ------------------------- D2: D1 closes, the relay is down (not started) --
# From here the daemon runs as the packaged unit confines it: no new
# privileges, no capabilities (docs/PACKAGING.md), where a setuid sendmail
# cannot queue mail.
DAEMON_WRAP="setpriv --no-new-privs --inh-caps=-all --bounding-set=-all --"
MXTLSD_TLSRPT_TIME_OFFSET=$O2 daemon_start main "$CONF" || summary
unset DAEMON_WRAP
expect_eq "confined: NoNewPrivs, no capabilities" \
	"$(awk '$1 == "NoNewPrivs:" || $1 == "CapEff:" || $1 == "CapBnd:" {print $1 $2}' "/proc/$DAEMON_PID/status" | paste -sd' ')" \
	"CapEff:0000000000000000 CapBnd:0000000000000000 NoNewPrivs:1"
poll_ge 30 2 nlog MXTLS-TLSRPT-RETRY
poll_ge 10 1 stat_of tlsrpt_sent
expect_eq "relay down: reports made" "$(stat_of tlsrpt_reports)" 2
expect_eq "relay down: the https target delivered all the same" "$(stat_of tlsrpt_sent)" 1
expect_eq "relay down: one HTTPS POST" "$(nginx_posts)" $((START_POSTS + 1))
expect_eq "relay down: both mailto targets retried in 300 s" \
	"$(nlog 'to mailto:(tlsrpt@enforce|nobody@rptbounce)\.test failed \(attempt 1\), retry in 300 s: SMTP relay smtp://127\.0\.0\.1:25/sender\.test: (Couldn.t connect|Failed to connect)')" 2

# ------------- the relay hangs (accepts, never greets): timeout, retried --
python3 -c '
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 25))
s.listen(8)
held = []
while True:
    held.append(s.accept()[0])
' &
HANG_PID=$!
poll_until 10 mta_listening || fail "the hanging listener listens"
out=$(send_now)
expect_match "send-now 1" "$out" '^0 reports made, 2 deliveries due now'
poll_ge 30 4 nlog MXTLS-TLSRPT-RETRY
expect_eq "hang: both retried in 600 s after fetch.connect_timeout (2 s)" \
	"$(nlog 'to mailto:(tlsrpt@enforce|nobody@rptbounce)\.test failed \(attempt 2\), retry in 600 s: SMTP relay smtp://127\.0\.0\.1:25/sender\.test: .*[Tt]imed? ?out')" 2
kill "$HANG_PID"
wait "$HANG_PID" 2>/dev/null
HANG_PID=
poll_until 10 sh -c '! ss -H -lnt "sport = :25" | grep -q "127\.0\.0\.1:25"' || fail "the hanging listener is gone"

# ----------------------------------------------- 451 to RCPT: retried ---
: >"$MTA/defer"
mta_smtp_start
out=$(send_now)
expect_match "send-now 2" "$out" '^0 reports made, 2 deliveries due now'
poll_ge 30 6 nlog MXTLS-TLSRPT-RETRY
expect_eq "451: both retried in 1200 s with the server's text" \
	"$(nlog 'to mailto:(tlsrpt@enforce|nobody@rptbounce)\.test failed \(attempt 3\), retry in 1200 s: SMTP 451 4\.3\.2 deferred by the test, try again later \(RCPT failed: 451\)$')" 2
expect_eq "451: nothing delivered" "$(mails_to tlsrpt@enforce.test)" 0
expect_eq "451: Exim deferred both" "$(grep -c 'temporarily rejected RCPT' "$MTA/log/mainlog")" 2

# ------------------------------------------- 550 and a delivery ----------
rm -f "$MTA/defer"
out=$(send_now)
expect_match "send-now 3" "$out" '^0 reports made, 2 deliveries due now'
poll_ge 30 7 nlog MXTLS-TLSRPT-RETRY
poll_ge 10 2 stat_of tlsrpt_sent
poll_ge 10 1 mails_to tlsrpt@enforce.test
expect_eq "delivered by SMTP: counted" "$(stat_of tlsrpt_sent)" 2
expect_eq "delivered by SMTP: logged" \
	"$(nlog "MXTLS-TLSRPT-SENT.*enforce\\.test: report ${D1}\\.[0-9]+\\.enforce\\.test@sender\\.test to mailto:tlsrpt@enforce\\.test: accepted by the SMTP relay: 250 OK id=")" 1
expect_eq "550: retried with the server's text" \
	"$(nlog 'to mailto:nobody@rptbounce\.test failed \(attempt 4\), retry in 2400 s: SMTP 550 nobody@rptbounce\.test: no such mailbox \(RCPT failed: 550\)$')" 1
expect_eq "550: nothing delivered" "$(mails_to nobody@rptbounce.test)" 0
out=$(send_now)
expect_match "send-now 4" "$out" '^0 reports made, 1 deliveries due now'
poll_ge 30 1 nlog MXTLS-TLSRPT-GIVEUP
expect_eq "550: given up at retry_max, logged with the server's text" \
	"$(nlog 'MXTLS-TLSRPT-GIVEUP.*rptbounce\.test: .* to mailto:nobody@rptbounce\.test given up after 5 attempts: SMTP 550 nobody@rptbounce\.test: no such mailbox')" 1
expect_eq "550: counted" "$(stat_of tlsrpt_given_up)" 1
out=$(send_now)
expect_match "nothing left" "$out" '^0 reports made, 0 deliveries due now'
expect_eq "enforce.test: mailed once" "$(mails_to tlsrpt@enforce.test)" 1
# enforce.test's mail: 3 failed attempts, then sent; rptbounce.test's: 4
# failed, the 5th given up; enforce.test's https: sent at once
expect_eq "metrics: deliveries by transport and outcome" "$(deliveries)" \
	"https/sent=1 smtp/given_up=1 smtp/retried=7 smtp/sent=1"
expect_eq "metrics: the stats agree" "$(stat_of tlsrpt_sent) $(stat_of tlsrpt_send_failures)" "2 8"
daemon_stop

# ---------------------------------------------- what arrived, and how --
f=$(mail_files tlsrpt@enforce.test | head -1)
m=$(mail_json "$f")
expect_jq "mail: RFC 8460 5.3 (tlsrpt_check.py)" "$m" '.problems | join("; ")' ""
expect_true "envelope sender (MAIL FROM) is tlsrpt.from" \
	grep -qix "Return-path: <$TLSRPT_FROM>" "$f"
expect_true "envelope recipient (RCPT TO) is the rua address" \
	grep -qix "Envelope-to: tlsrpt@enforce.test" "$f"
expect_true "EHLO the submitter, plain ESMTP on loopback (no STARTTLS)" \
	grep -qE '^Received: from \[127\.0\.0\.1\] \(helo=sender\.test\)$' "$f"
expect_true "received with esmtp, not esmtps" grep -qE '^[[:space:]]+by submit\.sender\.test with esmtp \(Exim 4\.96\)$' "$f"
expect_true "header TLS-Required: No" grep -qx 'TLS-Required: No' "$f"
expect_true "header TLS-Report-Domain" grep -qx 'TLS-Report-Domain: enforce.test' "$f"
expect_true "header TLS-Report-Submitter" grep -qx 'TLS-Report-Submitter: sender.test' "$f"
expect_jq "mail: the report is gzip" "$m" '.gzip' "true"
r=$(jqr "$m" '.report')
p=$(jqr "$PREVIEW" '.a[0].report')
expect_eq "mail: the report's policies are the preview's" \
	"$(canon '.policies' "$r")" "$(canon '.policies' "$p")"
expect_eq "mail: the report's date-range is the preview's" \
	"$(canon '."date-range"' "$r")" "$(canon '."date-range"' "$p")"
expect_jq "mail: report" "$r" '[."organization-name", ."contact-info", ."date-range"."start-datetime"] | join(" ")' \
	"mxtls test mailto:tlsrpt@sender.test ${D1}T00:00:00Z"
expect_true "Exim: received over SMTP from the daemon" \
	grep -qE "<= $TLSRPT_FROM H=\\(sender\\.test\\) \\[127\\.0\\.0\\.1\\] P=esmtp S=[0-9]+ id=tlsrpt\\." "$MTA/log/mainlog"
expect_true "Exim: the 550 was its own" \
	grep -q 'rejected RCPT <nobody@rptbounce.test>: nobody@rptbounce.test: no such mailbox' "$MTA/log/mainlog"

summary
