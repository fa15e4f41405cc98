#!/bin/bash
# test_exim.sh - the Exim module end to end: real Exim 4.96
# (exim4-daemon-heavy) with the snippets of configs/exim used verbatim,
# mxtls_exim.so, the real mxtlsd, a validating unbound (tests/world/
# resolver.sh) and a fake MX (another Exim, STARTTLS with the world's
# mx.crt) on 127.0.0.2:25 and 127.0.0.3:25. Root is needed (port 25, mount
# namespaces: /etc/resolv.conf and /etc/exim4 - with a trusted_configs
# naming our configs - are bind-mounted privately, the host's stay as
# they are). Outcomes are read from both Exims' mainlogs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

EXIM=$(command -v exim4 || command -v exim || true)
SO=${MXTLS_EXIM_SO:-$(dirname "$MXTLS_BIN")/modules/exim/mxtls_exim.so}
CFG=$MXTLS_SRC/configs/exim
E=$TEST_DIR/exim
F=$TEST_DIR/fakemx
PORT=2525
EXIM_PIDS=()

exim_cleanup() {
	local p
	for p in "${EXIM_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	EXIM_PIDS=()
	daemon_cleanup
}
trap exim_cleanup EXIT

if [ -z "$EXIM" ] || ! "$EXIM" -bV 2>/dev/null | grep -q Expand_dlfunc; then
	fail "exim" "exim4-daemon-heavy (with Expand_dlfunc) is not installed"
	summary
fi
[ -r "$SO" ] || { fail "module" "no $SO"; summary; }
[ "$(id -u)" = 0 ] || { fail "root" "needs root (port 25, unshare -m)"; summary; }
for a in 127.0.0.2:25 127.0.0.3:25 127.0.0.1:$PORT; do
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
cat >"$E/exim.conf" <<EOC
# the Exim under test: configs/exim/*.conf included verbatim
MXTLS_SO = $SO
MXTLS_OPTS = socket=ipc://$MXTLS_SOCKET timeout=15
MXTLS_CA = $CA_FILE
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
IPC_CONF="ipc: { listen = \"ipc://$MXTLS_SOCKET\"; mode = \"0666\"; };"
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

# --- MTA-STS testing: delivered opportunistically, reported -----------------
send u-testing@testing.test
l=$(delivered u-testing@testing.test)
expect_match "testing.test: normal transport" "$l" 'R=mxtls T=remote_smtp H=mx1\.testing\.test'
expect_match "testing.test: TLS used" "$l" 'X=TLS'
expect_true "testing.test: the fake MX received it" received_by_fake u-testing@testing.test

# --- TLS-Required: No ------------------------------------------------------
send u-notls@enforce.test --add-header "TLS-Required: No"
l=$(delivered u-notls@enforce.test)
expect_match "TLS-Required: No: normal transport" "$l" 'R=mxtls_tls_required_no T=remote_smtp '
expect_match "TLS-Required: No: opportunistic TLS, not verified" "$l" 'X=TLS[^ ]* CV=no'
expect_true "TLS-Required: No: the fake MX received it" received_by_fake u-notls@enforce.test

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

# --- results reached the daemon (or its "unknown op" was tolerated) --------
if has "$ML" 'mxtls: the daemon does not accept TLSRPT results'; then
	pass "results: daemon without the result op: logged, delivery unaffected"
	expect_eq "results: logged at most once per delivery process" \
		"$(grep 'does not accept TLSRPT results' "$ML" | awk '{print $3}' | sort | uniq -d)" ""
else
	expect_match "results: recorded by the daemon" "$(ctl stats 2>&1)" 'result'
fi
expect_eq "results: none lost" "$(grep -c 'mxtls: .*: result .* not recorded' "$ML")" 0

# --- daemon down: fail closed ----------------------------------------------
daemon_stop
send u-down@enforce.test
l=$(deferred u-down@enforce.test)
expect_match "daemon down: deferred by the router" "$l" 'R=mxtls defer.*mxtls: policy daemon unreachable'
if received_by_fake u-down@enforce.test; then
	fail "daemon down: not delivered"
else
	pass "daemon down: not delivered"
fi
expect_eq "no panic log" "$(cat "$E/log/paniclog" 2>/dev/null | grep -v 'lost privilege' | head -3)" ""

rm -f "$F/down-127.0.0.2"
summary
