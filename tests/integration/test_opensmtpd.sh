#!/bin/bash
# test_opensmtpd.sh - filter-mxtls with the real OpenSMTPD 6.8.0p2 (Debian
# 12) and the real mxtlsd, in the loopback world: smtpd relays to fake MX
# servers (STARTTLS, the world's mx.crt) on 127.0.0.2/127.0.0.3 port 25,
# resolving through a validating unbound on 127.0.0.153 in a private mount
# namespace; swaks submits. configs/opensmtpd/smtpd.conf.snippet is
# included verbatim (paths through smtpd -D macros).
# Needs root (port 25, unshare -m, users). See docs/opensmtpd.md.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/smtpd_lib.sh
. "$LIB_DIR/smtpd_lib.sh"

SNIPPET=$MXTLS_SRC/configs/opensmtpd/smtpd.conf.snippet
FILTER=${MXTLS_FILTER:-$(dirname "$MXTLS_BIN")/modules/opensmtpd/filter-mxtls}
TABLE=$TEST_DIR/secure-domains
MAILDIR=$TEST_DIR/mx
SMTPD_PORT=10025

cleanup() {
	smtpd_down
	daemon_cleanup
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { fail "needs root (port 25, unshare -m)"; summary; }
[ -x "$FILTER" ] || { fail "no filter-mxtls at $FILTER"; summary; }
smtpd_users
expect_true "opensmtpd unpacked (apt-get download + dpkg -x)" smtpd_unpack || summary
expect_true "validating resolver on $RES_ADDR" resolver_ensure || summary
for a in 127.0.0.2 127.0.0.3; do
	port25_free $a || { fail "port 25 on $a is busy"; summary; }
done
expect_true "fake MX on 127.0.0.2:25 and 127.0.0.3:25" \
	fakemx_start "$MAILDIR" 127.0.0.2:25 127.0.0.3:25 || summary

daemon_start main 'dane: { port = 25; };' || summary

"$FILTER" -i -t "$TABLE"
printf 'include "%s"\nlisten on 127.0.0.1 port %s hostname smtpd.test filter "mxtls"\n' \
	"$SNIPPET" "$SMTPD_PORT" >"$TEST_DIR/smtpd.conf"
DEFS=(-D "mxtls_table=file:$TABLE"
	-D "mxtls_filter=\"$FILTER -v -s $DAEMON_URL -t $TABLE -n mxtls-secure -c $SMTPCTL_BIN -w 4000\"")
if ! "$SMTPD_BIN" -n -f "$TEST_DIR/smtpd.conf" "${DEFS[@]}" >"$TEST_DIR/smtpd-n.log" 2>&1; then
	fail "smtpd -n accepts the snippet" "$(cat "$TEST_DIR/smtpd-n.log")"
	summary
fi
pass "smtpd -n accepts the snippet"
smtpd_start "$TEST_DIR/smtpd.conf" "${DEFS[@]}"
port_up() { ss -H -ltn "sport = :$SMTPD_PORT" | grep -q 127.0.0.1; }
if ! poll_until 15 port_up; then
	fail "smtpd listens on 127.0.0.1:$SMTPD_PORT" "$(tail -20 "$SMTPD_LOG")"
	summary
fi
pass "smtpd listens on 127.0.0.1:$SMTPD_PORT"
poll_until 10 grep -q MXTLS-SMTPD-START "$SMTPD_LOG"
expect_match "filter started (protocol handshake)" \
	"$(grep MXTLS-SMTPD-START "$SMTPD_LOG")" 'OpenSMTPD 6\.8'

# send TO - swaks through smtpd; prints swaks' transcript.
send() {
	timeout 60 swaks --server 127.0.0.1 --port "$SMTPD_PORT" --from sender@smtpd.test \
		--to "$1" --helo client.test --header "Subject: mxtls test to $1" 2>&1
}
delivered() { # RCPT: a message for RCPT reached a fake MX
	grep -lsq "rcpt=<$1>" "$MAILDIR"/*.msg
}
msg_head() { # RCPT: the first line of its message
	grep -hs "rcpt=<$1>" "$MAILDIR"/*.msg | head -1
}
table_has() { grep -qx "$1" "$TABLE"; }
# relay_url RCPT - the address= of the mta session that delivered to RCPT
# (smtp+tls:// for "relay tls", smtp:// for plain "relay").
relay_url() {
	local sess
	sess=$(grep -E "mta delivery .*to=<$1>" "$SMTPD_LOG" | tail -1 | cut -d' ' -f1)
	[ -n "$sess" ] || { echo "<no delivery line for $1>"; return; }
	grep -E "^$sess mta connecting address=" "$SMTPD_LOG" | tail -1 |
		sed -E 's/.*address=([^ ]*).*/\1/'
}

# ---------------------------------------------------- enforce: verified TLS --
out=$(send u@enforce.test)
expect_match "enforce.test: accepted" "$out" '<- *250 .*(queued|accepted|Ok)'
expect_true "enforce.test: in the verified-TLS table" table_has enforce.test
expect_true "enforce.test: delivered to the MX" poll_until 30 delivered u@enforce.test
expect_match "enforce.test: over TLS" "$(msg_head u@enforce.test)" 'addr=127\.0\.0\.2:25 tls=yes'
expect_match "enforce.test: relayed with mandatory TLS (relay tls)" \
	"$(relay_url u@enforce.test)" '^smtp\+tls://'
expect_match "enforce.test: certificate verified by smtpd" \
	"$(grep -iE 'server-cert-check' "$SMTPD_LOG" | tr '\n' ' ')" 'result="success"'
expect_match "enforce.test: WebPKI-only warning (MX patterns unchecked)" \
	"$(grep MXTLS-SMTPD-WEBPKI-ONLY "$SMTPD_LOG")" 'enforce\.test'

# ------------------------------------------------ testing: opportunistic ----
out=$(send u@testing.test)
expect_match "testing.test: accepted" "$out" '<- *250 '
expect_true "testing.test: delivered" poll_until 30 delivered u@testing.test
expect_match "testing.test: relayed opportunistically (plain relay)" \
	"$(relay_url u@testing.test)" '^smtp://'
if table_has testing.test; then
	fail "testing.test: not in the verified-TLS table" "$(cat "$TABLE")"
else
	pass "testing.test: not in the verified-TLS table"
fi

# --------------------------------------------------- DANE: WebPKI instead --
out=$(send u@dane.test)
expect_match "dane.test: accepted" "$out" '<- *250 '
expect_true "dane.test: in the verified-TLS table" table_has dane.test
expect_match "dane.test: WebPKI-only warning" \
	"$(grep MXTLS-SMTPD-WEBPKI-ONLY "$SMTPD_LOG")" 'dane\.test: policy dane'
expect_true "dane.test: delivered" poll_until 30 delivered u@dane.test

# ------------------------------------------------- policy tempfail at RCPT --
out=$(send u@bogus.test)
expect_match "bogus.test: RCPT tempfailed" "$out" '<\*\* *451 .*mxtls'

# ------------------------------------------ smtp-out outcome -> TLS result --
expect_true "smtp-out: TLS result for enforce.test logged" poll_until 45 \
	grep -qE 'MXTLS-SMTPD-TLS-RESULT.*domain=enforce\.test mx=mx1\.enforce\.test ip=127\.0\.0\.2 result=success' "$SMTPD_LOG"
expect_true "smtp-out: result answered by mxtlsd (accepted or refused)" poll_until 20 \
	grep -qE 'MXTLS-SMTPD-RESULT-(SENT|REFUSED).*enforce\.test' "$SMTPD_LOG"
if grep -q 'MXTLS-SMTPD-RESULT-SENT.*enforce.test' "$SMTPD_LOG"; then
	pass "smtp-out: mxtlsd accepted the result op"
else
	echo "# note: mxtlsd does not accept the result op yet: $(grep -m1 'RESULT-REFUSED' "$SMTPD_LOG")"
fi

# -------------------------------------------------- daemon down: tempfail --
daemon_stop
out=$(send u@notxt.test)
expect_match "daemon down: RCPT tempfailed" "$out" '<\*\* *451 '
expect_match "daemon down: logged" "$(grep MXTLS-SMTPD-DAEMON-FAIL "$SMTPD_LOG")" 'notxt\.test'

smtpd_down
summary
