#!/bin/bash
# test_exim.sh - the Exim module end to end: real Exim 4.96
# (exim4-daemon-heavy) with the snippets of configs/exim used verbatim,
# mxtls_exim.so, the real mxtlsd, a validating unbound (tests/world/
# resolver.sh) and a fake MX (another Exim, STARTTLS with the world's
# mx.crt) on 127.0.0.2:25 and 127.0.0.3:25. More receivers (fakemx.py, one
# per address) present what the issue asks for: 127.0.0.7 badcert.test
# (pki/wrong.crt, wrong name), 127.0.0.8 expiredmx.test (pki/mxexpired.crt),
# 127.0.0.9 nostarttls.test (no STARTTLS), 127.0.0.10 daneself.test
# (self-signed pki/selfsigned.crt, DANE-EE TLSA), 127.0.0.11
# testingbad.test (MTA-STS testing, pki/wrong.crt). Local overrides
# (testing, defer with its expiry, no-dane, del) on these. Root is needed (port
# 25, mount namespaces: /etc/resolv.conf and /etc/exim4 - with a
# trusted_configs naming our configs - are bind-mounted privately, the
# host's stay as they are). Outcomes: Exim's mainlogs (=> delivered, ==
# deferred), the receivers' mailboxes, and what mxtlsd recorded for TLS
# reporting (mxtlsctl report --preview --json DOMAIN).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

EXIM=$(command -v exim4 || command -v exim || true)
SO=${MXTLS_EXIM_SO:-$(dirname "$MXTLS_BIN")/modules/exim/mxtls_exim.so}
CFG=$MXTLS_SRC/configs/exim
E=$TEST_DIR/exim
F=$TEST_DIR/fakemx
PORT=2525
EXIM_PIDS=()
RCV_PIDS=()

exim_cleanup() {
	local p
	for p in "${EXIM_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	EXIM_PIDS=()
	for p in "${RCV_PIDS[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	RCV_PIDS=()
	daemon_cleanup
}
trap exim_cleanup EXIT

if [ -z "$EXIM" ] || ! "$EXIM" -bV 2>/dev/null | grep -q Expand_dlfunc; then
	fail "exim" "exim4-daemon-heavy (with Expand_dlfunc) is not installed"
	summary
fi
[ -r "$SO" ] || { fail "module" "no $SO"; summary; }
[ "$(id -u)" = 0 ] || { fail "root" "needs root (port 25, unshare -m)"; summary; }
for a in 127.0.0.2:25 127.0.0.3:25 127.0.0.1:$PORT 127.0.0.{7,8,9,10,11}:25; do
	if ss -H -lnt "sport = :${a##*:}" | grep -qE "(${a%%:*}|0\.0\.0\.0|\*|\[::\]):${a##*:}"; then
		fail "port $a is free" "$(ss -lntp "sport = :${a##*:}")"
		summary
	fi
done
if ! "$WORLD_TOOLS/resolver.sh" "$WORLD"; then
	fail "validating resolver on 127.0.0.153" "see $WORLD/log/resolver.out"
	summary
fi
pass "validating resolver on 127.0.0.153"

# --- files ---------------------------------------------------------------
mkdir -p "$E/spool" "$E/log" "$F/spool" "$F/log" "$F/mail" "$TEST_DIR/etc-exim4"
install -m 644 "$WORLD/pki/mx.chain.crt" "$F/mx.chain.crt"
install -m 640 -g Debian-exim "$WORLD/pki/mx.key" "$F/mx.key"
cp -a /etc/exim4/. "$TEST_DIR/etc-exim4/"
printf '%s\n' "$E/exim.conf" "$F/exim.conf" >"$TEST_DIR/etc-exim4/trusted_configs"
chmod 644 "$TEST_DIR/etc-exim4/trusted_configs"

cat >"$F/exim.conf" <<EOC
# the fake MX: every MX host of the world on 127.0.0.2 and 127.0.0.3
primary_hostname = mx.fake.test
local_interfaces = 127.0.0.2 : 127.0.0.3
daemon_smtp_ports = 25
spool_directory = $F/spool
log_file_path = $F/log/%slog
pid_file_path = $F/exim.pid
exim_user = Debian-exim
exim_group = Debian-exim
host_lookup =
rfc1413_hosts =
keep_environment =
tls_advertise_hosts = *
tls_certificate = $F/mx.chain.crt
tls_privatekey = $F/mx.key
acl_smtp_connect = acl_connect
acl_smtp_rcpt = acl_rcpt
log_selector = +smtp_connection +received_recipients +tls_cipher +incoming_interface
begin acl
acl_connect:
  defer condition = \${if and{{exists{$F/down-127.0.0.2}}{eq{\$received_ip_address}{127.0.0.2}}}}
        message = 127.0.0.2 is down for this test
  accept
acl_rcpt:
  accept
begin routers
sink:
  driver = accept
  transport = store
begin transports
store:
  driver = appendfile
  file = $F/mail/inbox
  user = Debian-exim
  envelope_to_add
EOC

MXTLS_SOCKET=$SOCK_BASE/exim/mxtlsd.sock
MXTLS_SOCKET_DIRECT=$SOCK_BASE/exim/direct.sock # the module's (ipc.direct)
cat >"$E/exim.conf" <<EOC
# the Exim under test: configs/exim/*.conf included verbatim
MXTLS_SO = $SO
MXTLS_OPTS = socket=ipc://$MXTLS_SOCKET_DIRECT timeout=15
MXTLS_CA = $CA_FILE
MXTLS_DIR = $CFG
.include $CFG/mxtls.macros
primary_hostname = exim.mxtls.test
qualify_domain = mxtls.test
domainlist local_domains = localhost
local_interfaces = 127.0.0.1
daemon_smtp_ports = $PORT
spool_directory = $E/spool
log_file_path = $E/log/%slog
pid_file_path = $E/exim.pid
exim_user = Debian-exim
exim_group = Debian-exim
never_users = root
host_lookup =
rfc1413_hosts =
keep_environment =
tls_advertise_hosts =
dns_dnssec_ok = 1
acl_smtp_rcpt = acl_rcpt
log_selector = +smtp_connection +received_recipients +outgoing_port +tls_cipher +tls_peerdn +tls_certificate_verified +deliver_time
begin acl
acl_rcpt:
.include $CFG/acl_rcpt.conf
  accept hosts = 127.0.0.0/8
  deny
begin routers
.include $CFG/routers.conf
begin transports
.include $CFG/transports.conf
begin retry
*  *  F,1h,1h
EOC
chmod 644 "$E/exim.conf" "$F/exim.conf"
chown -R Debian-exim:Debian-exim "$E/spool" "$E/log" "$F/spool" "$F/log" "$F/mail"

# ns CMD... - CMD with the world's resolver and our trusted_configs.
ns() {
	unshare -m --propagation private /bin/sh -c '
		mount --bind "$1" /etc/resolv.conf || exit 111
		mount --bind "$2" /etc/exim4 || exit 111
		shift 2; exec "$@"' ns "$WORLD/resolver/resolv.conf" "$TEST_DIR/etc-exim4" "$@"
}
# exec_ns CMD... - ns, replacing the calling (sub)shell.
exec_ns() {
	exec unshare -m --propagation private /bin/sh -c '
		mount --bind "$1" /etc/resolv.conf || exit 111
		mount --bind "$2" /etc/exim4 || exit 111
		shift 2; exec "$@"' ns "$WORLD/resolver/resolv.conf" "$TEST_DIR/etc-exim4" "$@"
}
for c in "$F/exim.conf" "$E/exim.conf"; do
	if ! out=$(ns "$EXIM" -C "$c" -bV 2>&1); then
		fail "exim -bV $c" "$out"
		summary
	fi
done
pass "both Exim configurations load"

# shellcheck disable=SC2034 # read by write_config in lib.sh
IPC_CONF="ipc: { listen = \"ipc://$MXTLS_SOCKET\"; direct = \"ipc://$MXTLS_SOCKET_DIRECT\"; mode = \"0666\"; };"
mkdir -p "$SOCK_BASE/exim"
chmod 755 "$SOCK_BASE" "$SOCK_BASE/exim"
daemon_start exim 'dane: { port = 25; };' || summary

# exec: the recorded PID is Exim's own, so the cleanup really stops it
(exec_ns "$EXIM" -C "$F/exim.conf" -bdf) </dev/null >"$F/log/stdout" 2>&1 &
EXIM_PIDS+=($!)
(exec_ns "$EXIM" -C "$E/exim.conf" -bdf -q10s) </dev/null >"$E/log/stdout" 2>&1 &
EXIM_PIDS+=($!)
listening() { ss -H -lnt "sport = :$2" | grep -q "$1:$2"; }
poll_until 10 listening 127.0.0.2 25 && poll_until 10 listening 127.0.0.1 "$PORT" ||
	{ fail "Exims listen" "$(cat "$F/log/stdout" "$E/log/stdout" "$E/log/paniclog" 2>/dev/null)"; summary; }
pass "fake MX on 127.0.0.2:25 and 127.0.0.3:25, Exim on 127.0.0.1:$PORT"

# rcv_start NAME ADDR CERT|- [FAKEMX ARGS...] - a fakemx.py receiver on
# ADDR:25 presenting pki/CERT.chain.crt (or CERT.crt when there is no
# chain), its mailbox $TEST_DIR/rcv-NAME (one file per message).
rcv_start() {
	local name=$1 addr=$2 cert=$3 crt key
	shift 3
	crt=$WORLD/pki/$cert.chain.crt
	[ -r "$crt" ] || crt=$WORLD/pki/$cert.crt
	key=$WORLD/pki/$cert.key
	setsid python3 "$LIB_DIR/fakemx.py" --cert "$crt" --key "$key" \
		--name "mx1.$name.test" --dir "$TEST_DIR/rcv-$name" \
		--listen "$addr:25" "$@" </dev/null >"$TEST_DIR/rcv-$name.log" 2>&1 &
	RCV_PIDS+=($!)
	poll_until 10 grep -q listening "$TEST_DIR/rcv-$name.log"
}
expect_true "receiver badcert.test (wrong name) on 127.0.0.7" rcv_start badcert 127.0.0.7 wrong
expect_true "receiver expiredmx.test (expired) on 127.0.0.8" rcv_start expiredmx 127.0.0.8 mxexpired
expect_true "receiver nostarttls.test (no STARTTLS) on 127.0.0.9" rcv_start nostarttls 127.0.0.9 mx --no-starttls
expect_true "receiver daneself.test (self-signed) on 127.0.0.10" rcv_start daneself 127.0.0.10 selfsigned
expect_true "receiver testingbad.test (wrong name) on 127.0.0.11" rcv_start testingbad 127.0.0.11 wrong

ML=$E/log/mainlog
FL=$F/log/mainlog
# send RCPT [SWAKS ARGS...]
send() {
	local rcpt=$1
	shift
	swaks -S -S --server 127.0.0.1:$PORT --from sender@mxtls.test --to "$rcpt" \
		--header "Subject: mxtls test for $rcpt" "$@"
}
# line LOG PATTERN - the first mainlog line matching the ERE.
line() { grep -E -m1 -- "$2" "$1" 2>/dev/null; }
has() { grep -Eq -- "$2" "$1" 2>/dev/null; }
# delivered RCPT - Exim's "=>" line for RCPT (waits 30 s).
delivered() {
	poll_until 30 has "$ML" "=> $1 " || return 1
	line "$ML" "=> $1 "
}
deferred() {
	poll_until 30 has "$ML" "== $1 " || return 1
	line "$ML" "== $1 "
}
received_by_fake() { has "$FL" "for $1\$"; }
# rcv_has NAME RCPT - receiver NAME's mailbox has a message for RCPT;
# rcv_line NAME RCPT - its first line (addr=... tls=... sni=...).
rcv_has() { grep -qs "rcpt=.*<$2>" "$TEST_DIR/rcv-$1"/*.msg; }
rcv_line() { grep -hs "rcpt=.*<$2>" "$TEST_DIR/rcv-$1"/*.msg | head -1; }
rcv_count() { find "$TEST_DIR/rcv-$1" -name '*.msg' 2>/dev/null | wc -l; }
# preview DOMAIN - the report preview (an array) wrapped as {"a": [...]}.
preview() { printf '{"a":%s}' "$(ctl report --preview --json "$1" 2>/dev/null)"; }
# rtypes DOMAIN PTYPE - the failure result types recorded under PTYPE.
rtypes() {
	jqr "$(preview "$1")" "[.a[].report.policies[] | select(.policy.\"policy-type\" == \"$2\") | (.[\"failure-details\"] // [])[] | .\"result-type\"] | unique | join(\",\")"
}
# counts DOMAIN - "SUCCESSES FAILURES" over the domain's policies today.
counts() {
	jqr "$(preview "$1")" '[([.a[].report.policies[].summary."total-successful-session-count"] | add // 0), ([.a[].report.policies[].summary."total-failure-session-count"] | add // 0)] | map(tostring) | join(" ")'
}
# recorded DOMAIN PTYPE TYPES - wait (30 s) until exactly TYPES are recorded.
recorded() { [ "$(rtypes "$1" "$2")" = "$3" ]; }
# expect_recorded LABEL DOMAIN PTYPE TYPES
expect_recorded() {
	poll_until 30 recorded "$2" "$3" "$4"
	expect_eq "$1: recorded under $3" "$(rtypes "$2" "$3")" "$4"
}
# expect_deferred_only LABEL RCPT NAME - deferred by Exim, nothing in
# receiver NAME's mailbox.
expect_deferred_only() {
	local l
	l=$(deferred "$2")
	expect_match "$1: deferred" "$l" "== $2 "
	if rcv_has "$3" "$2" || has "$ML" "=> $2 "; then
		fail "$1: not delivered" "$(rcv_line "$3" "$2")" "$(line "$ML" "=> $2 ")"
	else
		pass "$1: not delivered"
	fi
}

# --- MTA-STS enforce: verified TLS to an allowed MX ------------------------
send u-enforce@enforce.test
l=$(delivered u-enforce@enforce.test)
expect_match "enforce.test: transport remote_smtp_sts to mx1" "$l" 'R=mxtls T=remote_smtp_sts H=mx1\.enforce\.test \[127\.0\.0\.2\]'
expect_match "enforce.test: verified TLS" "$l" 'X=TLS[^ ]* CV=yes'
expect_true "enforce.test: the fake MX received it" received_by_fake u-enforce@enforce.test

# --- DANE --------------------------------------------------------------------
send u-dane@dane.test
l=$(delivered u-dane@dane.test)
expect_match "dane.test: transport remote_smtp_dane" "$l" 'R=mxtls T=remote_smtp_dane H=mx1\.dane\.test \[127\.0\.0\.2\]'
expect_match "dane.test: DANE-authenticated" "$l" 'CV=dane'
expect_true "dane.test: the fake MX received it" received_by_fake u-dane@dane.test

# --- MTA-STS testing: delivered, the certificate tried for the report -------
send u-testing@testing.test
l=$(delivered u-testing@testing.test)
expect_match "testing.test: testing transport" "$l" 'R=mxtls T=remote_smtp_sts_testing H=mx1\.testing\.test'
expect_match "testing.test: TLS used, certificate verified (not required)" "$l" 'X=TLS[^ ]* CV=yes'
expect_true "testing.test: the fake MX received it" received_by_fake u-testing@testing.test

# --- TLS-Required: No ------------------------------------------------------
send u-notls@enforce.test --add-header "TLS-Required: No"
l=$(delivered u-notls@enforce.test)
expect_match "TLS-Required: No: opportunistic transport" "$l" 'R=mxtls_tls_required_no T=remote_smtp_mxtls '
expect_match "TLS-Required: No: opportunistic TLS, not verified" "$l" 'X=TLS[^ ]* CV=no'
expect_true "TLS-Required: No: the fake MX received it" received_by_fake u-notls@enforce.test
# reported under the policy Exim applied: none (RFC 8460 4.4); the other
# enforce.test session (remote_smtp_sts) under sts
nopol() { # DOMAIN - successes counted under no-policy-found
	jqr "$(preview "$1")" '[.a[].report.policies[] | select(.policy."policy-type" == "no-policy-found") | .summary."total-successful-session-count"] | add // 0'
}
nopol_is() { [ "$(nopol "$1")" = "$2" ]; }
poll_until 30 nopol_is enforce.test 1 || true
expect_eq "TLS-Required: No: counted as no-policy-found" "$(nopol enforce.test)" 1
expect_eq "TLS-Required: No: the verified session counted under sts" \
	"$(jqr "$(preview enforce.test)" '[.a[].report.policies[] | select(.policy."policy-type" == "sts") | .summary."total-successful-session-count"] | add // 0')" 1

# --- mx not allowed: tcp:connect refuses ----------------------------------
# danests.test: mx1 verify, mx2 (127.0.0.3) not in the policy (skip). With
# 127.0.0.2 refusing for a while, Exim turns to mx2; the module stops it.
touch "$F/down-127.0.0.2"
send u-skip@danests.test
l=$(deferred u-skip@danests.test)
expect_match "danests.test: deferred" "$l" 'defer'
expect_true "danests.test: mx2 refused by the module at tcp:connect" \
	has "$ML" 'mxtls: danests\.test: not connecting to mx2\.danests\.test: skip'
if received_by_fake u-skip@danests.test; then
	fail "danests.test: not delivered to mx2" "$(line "$FL" 'u-skip@danests.test')"
else
	pass "danests.test: not delivered to mx2"
fi
if has "$FL" 'I=\[127\.0\.0\.3\]:25.*' && grep -q 'u-skip' "$FL"; then
	fail "danests.test: no connection to 127.0.0.3"
else
	pass "danests.test: no connection to 127.0.0.3 for it"
fi

# 127.0.0.2 is back; forget the host retry times its refusals left in
# Exim's hints (a hints database may be removed at any time).
rm -f "$F/down-127.0.0.2" "$E/spool/db/retry" "$E/spool/db/retry.lockfile"

# --- STS enforce, wrong-name certificate: deferred, mismatch recorded -------
send u-badcert@badcert.test
expect_deferred_only "badcert.test (wrong name)" u-badcert@badcert.test badcert
expect_match "badcert.test: a TLS failure" "$(line "$ML" '== u-badcert@badcert\.test ')" 'TLS'
expect_recorded "badcert.test" badcert.test sts certificate-host-mismatch
expect_eq "badcert.test: sessions (success failure)" "$(counts badcert.test)" "0 1"

# --- STS enforce, expired certificate: deferred, expiry recorded ------------
send u-expired@expiredmx.test
expect_deferred_only "expiredmx.test (expired)" u-expired@expiredmx.test expiredmx
expect_recorded "expiredmx.test" expiredmx.test sts certificate-expired
expect_eq "expiredmx.test: sessions (success failure)" "$(counts expiredmx.test)" "0 1"

# --- STS enforce, no STARTTLS: deferred, never sent in clear ----------------
send u-nostarttls@nostarttls.test
expect_deferred_only "nostarttls.test (no STARTTLS)" u-nostarttls@nostarttls.test nostarttls
expect_match "nostarttls.test: Exim's reason" "$(line "$ML" '== u-nostarttls@nostarttls\.test ')" 'did not offer TLS'
expect_recorded "nostarttls.test" nostarttls.test sts starttls-not-supported
expect_eq "nostarttls.test: nothing reached the receiver at all" "$(rcv_count nostarttls)" 0

# --- TLS-Required: No to the DANE mismatch: delivered (RFC 8689 section 5:
# MTA-STS and DANE are ignored; Exim's own DANE on the opportunistic
# transport is off for it, else its TLSA check would defer the message).
# Before the message below: its failure puts the host in Exim's retry hints
send u-notls@danewrong.test --add-header "TLS-Required: No"
l=$(delivered u-notls@danewrong.test)
expect_match "TLS-Required: No, DANE mismatch: opportunistic transport" "$l" 'R=mxtls_tls_required_no T=remote_smtp_mxtls H=mx1\.danewrong\.test'
expect_match "TLS-Required: No, DANE mismatch: TLS, not DANE-verified" "$l" 'X=TLS[^ ]* CV=no'
expect_true "TLS-Required: No, DANE mismatch: the fake MX received it" received_by_fake u-notls@danewrong.test

# --- DANE mismatch: deferred, DANE failure recorded -------------------------
send u-danewrong@danewrong.test
l=$(deferred u-danewrong@danewrong.test)
expect_match "danewrong.test: deferred by the DANE transport" "$l" 'R=mxtls T=remote_smtp_dane'
if received_by_fake u-danewrong@danewrong.test || has "$ML" '=> u-danewrong@danewrong\.test '; then
	fail "danewrong.test: not delivered" "$(line "$FL" 'u-danewrong')"
else
	pass "danewrong.test: not delivered"
fi
expect_true "danewrong.test: Exim's DANE attempt failed" has "$ML" 'DANE attempt failed; TLS connection to mx1\.danewrong\.test'
expect_recorded "danewrong.test" danewrong.test tlsa validation-failure

# --- DANE-EE with a self-signed certificate: delivered, CV=dane -------------
send u-self@daneself.test
l=$(delivered u-self@daneself.test)
expect_match "daneself.test: DANE transport" "$l" 'R=mxtls T=remote_smtp_dane H=mx1\.daneself\.test \[127\.0\.0\.10\]'
expect_match "daneself.test: DANE-authenticated" "$l" 'CV=dane'
expect_match "daneself.test: in the receiver's mailbox, over TLS" "$(rcv_line daneself u-self@daneself.test)" 'addr=127\.0\.0\.10:25 tls=yes'
# counted DOMAIN EXPECTED - the session counts are EXPECTED (a function, so
# that poll_until asks again on every try)
counted() { [ "$(counts "$1")" = "$2" ]; }
poll_until 30 counted daneself.test "1 0" || true
expect_eq "daneself.test: one successful tlsa session recorded" \
	"$(counts daneself.test) $(jqr "$(preview daneself.test)" '[.a[].report.policies[].policy."policy-type"] | join(",")')" "1 0 tlsa"

# --- STS testing, wrong-name certificate: delivered and reported ------------
send u-testingbad@testingbad.test
l=$(delivered u-testingbad@testingbad.test)
expect_match "testingbad.test: testing transport" "$l" 'R=mxtls T=remote_smtp_sts_testing H=mx1\.testingbad\.test'
expect_match "testingbad.test: TLS, certificate not verified" "$l" 'X=TLS[^ ]* CV=no'
expect_match "testingbad.test: in the receiver's mailbox" "$(rcv_line testingbad u-testingbad@testingbad.test)" 'addr=127\.0\.0\.11:25 tls=yes sni=mx1\.testingbad\.test'
expect_recorded "testingbad.test" testingbad.test sts certificate-host-mismatch
expect_eq "testingbad.test: sessions (success failure)" "$(counts testingbad.test)" "0 1"

# --- results reached the daemon (or its "unknown op" was tolerated) --------
if has "$ML" 'mxtls: the daemon does not accept TLSRPT results'; then
	pass "results: daemon without the result op: logged, delivery unaffected"
	expect_eq "results: logged at most once per delivery process" \
		"$(grep 'does not accept TLSRPT results' "$ML" | awk '{print $3}' | sort | uniq -d)" ""
else
	expect_match "results: recorded by the daemon" "$(ctl stats --json 2>&1)" 'result'
fi
expect_eq "results: none lost" "$(grep -c 'mxtls: .*: result .* not recorded' "$ML")" 0

# --- local overrides (docs/DECISIONS.md "Local overrides") ----------------
TOMORROW=$(date -u -d '+1 day' +%F)
msgid() { grep -E "<= .* for $1\$" "$ML" | tail -1 | awk '{print $3}'; }
# requeue RCPT - a forced delivery attempt (-M overrides the retry hints).
# The daemon's queue runner (every 10 s) may hold the message at that
# moment ("Spool file ... is locked"): then try again.
requeue() {
	local id n i
	id=$(msgid "$1")
	[ -n "$id" ] || return 1
	for i in 1 2 3 4 5 6 7 8 9 10; do
		n=$(grep -c "$id Spool file .* is locked" "$ML")
		ns "$EXIM" -C "$E/exim.conf" -M "$id" || return 1
		[ "$(grep -c "$id Spool file .* is locked" "$ML")" -eq "$n" ] && return 0
		sleep 0.5
	done
	return 1
}
# testing on badcert.test (enforce, wrong-name MX): the queued message goes
# out, and the failure is still reported under the published policy
expect_true "override: badcert.test testing" ctl override add badcert.test testing \
	--until "$TOMORROW" --reason "MX certificate broken, ticket 7"
expect_true "override testing: queue run of u-badcert" requeue u-badcert@badcert.test
l=$(delivered u-badcert@badcert.test)
expect_match "override testing: badcert.test delivered by the testing transport" "$l" \
	'R=mxtls T=remote_smtp_sts_testing H=mx1\.badcert\.test \[127\.0\.0\.7\].* CV=no'
expect_true "override testing: in the receiver's mailbox" rcv_has badcert u-badcert@badcert.test
poll_until 30 counted badcert.test "0 2" || true
expect_eq "override testing: the failure counted (success failure)" "$(counts badcert.test)" "0 2"
expect_eq "override testing: reported under the published policy (mode enforce)" \
	"$(jqr "$(preview badcert.test)" '[.a[].report.policies[].policy."policy-string"[] | select(startswith("mode"))] | unique | join(",")')" "mode: enforce"
# del: enforced again at once
expect_true "override: del badcert.test" ctl override del badcert.test
send u-badcert2@badcert.test
expect_deferred_only "override deleted: badcert.test deferred again" u-badcert2@badcert.test badcert
# defer with an expiry a few seconds ahead: held, then delivered
until_s=$(($(date +%s) + 4))
expect_true "override: enforce.test defer until +4 s" ctl override add enforce.test defer \
	--until "$(date -u -d "@$until_s" +%FT%TZ)" --reason "hold for a moment"
send u-held@enforce.test
l=$(deferred u-held@enforce.test)
expect_match "override defer: enforce.test held by the router" "$l" 'R=mxtls defer.*local override defer'
if received_by_fake u-held@enforce.test; then
	fail "override defer: not delivered while held"
else
	pass "override defer: not delivered while held"
fi
while [ "$(date +%s)" -le "$until_s" ]; do sleep 0.5; done
expect_true "override expired: queue run of u-held" requeue u-held@enforce.test
l=$(delivered u-held@enforce.test)
expect_match "override expired: delivered with verified TLS" "$l" 'R=mxtls T=remote_smtp_sts H=mx1\.enforce\.test .*CV=yes'
# no-dane on danewrong.test (TLSA that does not match): delivered without DANE
expect_true "override: danewrong.test no-dane" ctl override add danewrong.test no-dane \
	--until "$TOMORROW" --reason "TLSA rollover broken"
expect_true "override no-dane: queue run of u-danewrong" requeue u-danewrong@danewrong.test
l=$(delivered u-danewrong@danewrong.test)
expect_match "override no-dane: not the DANE transport" "$l" 'R=mxtls T=remote_smtp_mxtls H=mx1\.danewrong\.test'
expect_match "override no-dane: no DANE by Exim either (routed as nodane)" \
	"$(grep -E "u-danewrong@danewrong\.test" "$ML" | tail -3 | tr '\n' ' ')" '=> u-danewrong'
expect_true "override no-dane: the fake MX received it" received_by_fake u-danewrong@danewrong.test
expect_true "override: del danewrong.test" ctl override del danewrong.test

# --- our own report mail: delivered, not counted (RFC 8460 §3) ------------
# The daemon mails its reports with the envelope sender tlsrpt.from
# (default tlsrpt-noreply@<host name>); the module passes $sender_address
# with every result, so that session is not counted in a report.
OWN_FROM="tlsrpt-noreply@$(hostname)"
own0=$(jqr "$(ctl stats --json)" '.tlsrpt_results_own')
send u-own@enforce.test --from "$OWN_FROM"
l=$(delivered u-own@enforce.test)
expect_match "own report mail: delivered with verified TLS" "$l" 'T=remote_smtp_sts .*CV=yes'
own_counted() { [ "$(jqr "$(ctl stats --json)" '.tlsrpt_results_own')" -gt "$own0" ]; }
expect_true "own report mail: its session is not counted (tlsrpt_results_own)" poll_until 10 own_counted

# --- daemon down: fail closed ----------------------------------------------
before=$(counts enforce.test)
daemon_stop
send u-down@enforce.test
send u-down2@dane.test
for r in u-down@enforce.test u-down2@dane.test; do
	l=$(deferred $r)
	expect_match "daemon down: $r deferred by the router" "$l" 'R=mxtls defer.*mxtls: policy daemon unreachable'
	if received_by_fake $r; then
		fail "daemon down: $r not delivered"
	else
		pass "daemon down: $r not delivered"
	fi
done

# --- daemon restarted: the queue run delivers with verified TLS -----------
daemon_start exim 'dane: { port = 25; };' || summary
ids=$(grep -E '<= .* for u-down2?@' "$ML" | awk '{print $3}' | tr '\n' ' ')
expect_match "restart: two messages queued" "$ids" '^[^ ]+ [^ ]+ $'
# shellcheck disable=SC2086 # two message ids
expect_true "restart: queue run of them (exim -M)" ns "$EXIM" -C "$E/exim.conf" -M $ids
l=$(delivered u-down@enforce.test)
expect_match "restart: u-down@enforce.test over verified TLS" "$l" 'R=mxtls T=remote_smtp_sts H=mx1\.enforce\.test .*CV=yes'
l=$(delivered u-down2@dane.test)
expect_match "restart: u-down2@dane.test DANE-authenticated" "$l" 'R=mxtls T=remote_smtp_dane .*CV=dane'
expect_true "restart: the fake MX received both" eval 'received_by_fake u-down@enforce.test && received_by_fake u-down2@dane.test'
after_ok() { [ "$(counts enforce.test | cut -d' ' -f1)" -gt "${before%% *}" ]; }
expect_true "restart: the new session's success recorded (was: $before)" poll_until 30 after_ok
expect_eq "restart: no result lost" "$(grep -c 'mxtls: .*: result .* not recorded' "$ML")" 0

expect_eq "no panic log" "$(cat "$E/log/paniclog" 2>/dev/null | grep -v 'lost privilege' | head -3)" ""

summary
