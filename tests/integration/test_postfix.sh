#!/bin/bash
# test_postfix.sh - real Postfix 3.7 (Debian 12, unpacked by
# tests/world/postfix-unpack.sh) with smtp_tls_policy_maps answered by the
# real mxtlsd's socketmap listener (docs/postfix.md), in the loopback world:
# Postfix's smtpd on 127.0.0.1:$PF_PORT (swaks submits), its smtp client
# relays by DNS MX (a validating unbound on 127.0.0.153, private mount
# namespace) to fake MX servers (tests/integration/fakemx.py, STARTTLS,
# the world's mx.crt) on 127.0.0.2:25 and 127.0.0.3:25, and one presenting
# pki/wrong.crt (name wrong.test) on 127.0.0.7:25, the only MX of
# badcert.test (MTA-STS enforce). configs/postfix/main.cf.snippet is
# appended verbatim to main.cf; smtp(8) runs chrooted as on Debian, and the
# snippet's socket path (relative to the queue directory) reaches mxtlsd;
# inside Postfix's mount namespace /etc/ssl/certs/ca-certificates.crt is the
# system bundle + the world CA.
# Needs root (port 25, unshare -m, the postfix user).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/smtpd_lib.sh
. "$LIB_DIR/smtpd_lib.sh"

SNIPPET=$MXTLS_SRC/configs/postfix/main.cf.snippet
PF_UNPACK=${MXTLS_POSTFIX_DIR:-/tmp/mxtls-postfix}
MAILDIR=$TEST_DIR/mx
BADMX_DIR=$TEST_DIR/mx-badcert
BADMX_PID=
PF_PID=
# Postfix's own tree (config, queue, log) outside $TEST_DIR: the postfix
# user must traverse every parent directory.
PFT=$(mktemp -d /tmp/mxtls-pf.XXXXXX)
chmod 755 "$PFT"
PF_LOG=$PFT/postfix.log
# Postfix's queue directory (Debian: /var/spool/postfix), where smtp(8)
# runs chrooted (Debian's master.cf); the snippet's socket path is relative
# to it.
PF_QUEUE=$PFT/spool
SM_SOCK=$PF_QUEUE/mxtls/socketmap.sock

badmx_start() {
	setsid python3 "$LIB_DIR/fakemx.py" --cert "$WORLD/pki/wrong.chain.crt" \
		--key "$WORLD/pki/wrong.key" --name mx1.badcert.test --dir "$BADMX_DIR" \
		--listen 127.0.0.7:25 </dev/null >"$TEST_DIR/fakemx-badcert.log" 2>&1 &
	BADMX_PID=$!
	echo "$BADMX_PID" >"$WORLD/run/postfix-fakemx-badcert.pid"
	poll_until 10 grep -q listening "$TEST_DIR/fakemx-badcert.log"
}
# extra_mx NAME DIR LISTEN CERT [--no-starttls]: one more fake MX, its PID in
# EXTRA_PIDS (stopped at exit) and in $WORLD/run/postfix-fakemx-NAME.pid
EXTRA_PIDS=()
extra_mx() {
	local name=$1 dir=$2 listen=$3 cert=$4
	shift 4
	setsid python3 "$LIB_DIR/fakemx.py" --cert "$WORLD/pki/$cert.chain.crt" \
		--key "$WORLD/pki/$cert.key" --name "$name" --dir "$dir" \
		--listen "$listen" "$@" </dev/null >"$TEST_DIR/fakemx-$name.log" 2>&1 &
	EXTRA_PIDS+=("$!")
	echo "$!" >"$WORLD/run/postfix-fakemx-$name.pid"
	poll_until 10 grep -q listening "$TEST_DIR/fakemx-$name.log"
}
stop_group() { # PID: TERM then KILL its process group
	[ -n "$1" ] || return 0
	kill -TERM -- "-$1" 2>/dev/null
	sleep 1
	kill -KILL -- "-$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
cleanup() {
	stop_group "$PF_PID"
	stop_group "$BADMX_PID"
	for p in "${EXTRA_PIDS[@]}"; do stop_group "$p"; done
	PF_PID=''
	BADMX_PID=''
	EXTRA_PIDS=()
	rm -f "$WORLD/run/postfix-fakemx-"*.pid "$WORLD/run/postfix-master.pid"
	smtpd_down
	daemon_cleanup
	cp "$PF_LOG" "$TEST_DIR/postfix.log" 2>/dev/null
	rm -rf "$PFT"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { fail "needs root (port 25, unshare -m)"; summary; }
if pfv=$("$WORLD_TOOLS/postfix-unpack.sh" "$PF_UNPACK" 2>"$TEST_DIR/postfix-unpack.err"); then
	pass "Postfix $pfv unpacked in $PF_UNPACK"
else
	fail "Postfix unpack" "$(cat "$TEST_DIR/postfix-unpack.err")"
	summary
fi
P=$PF_UNPACK/root
expect_true "validating resolver on $RES_ADDR" resolver_ensure || summary
# wildbad.test's MX as the world made it (a previous run moves it to mx2)
expect_true "wildbad.test: MX at mx1" "$WORLD_TOOLS/set-rr.sh" "$WORLD" wildbad.test MX 5 \
	"10 mx1.wildbad.test." || summary
for a in 127.0.0.2 127.0.0.3 127.0.0.7 127.0.0.12 127.0.0.13 127.0.0.14; do
	port25_free $a || { fail "port 25 on $a is busy"; summary; }
done
expect_true "fake MX on 127.0.0.2:25 and 127.0.0.3:25" \
	fakemx_start "$MAILDIR" 127.0.0.2:25 127.0.0.3:25 || summary
expect_true "fake MX with the wrong.test certificate on 127.0.0.7:25" badmx_start || summary
# stsmix.test's mx2: no STARTTLS; its mx1 (127.0.0.12) starts later
expect_true "fake MX without STARTTLS on 127.0.0.13:25 (mx2.stsmix.test)" \
	extra_mx mx2.stsmix.test "$TEST_DIR/mx-stsmix2" 127.0.0.13:25 mx --no-starttls || summary
# wildbad.test's mx1: a certificate for a.b.wildbad.test
expect_true "fake MX with the a.b.wildbad.test certificate on 127.0.0.14:25" \
	extra_mx mx1.wildbad.test "$TEST_DIR/mx-wildbad" 127.0.0.14:25 deep || summary

mkdir -p "$PF_QUEUE/mxtls"
chmod 755 "$PF_QUEUE" "$PF_QUEUE/mxtls"
daemon_start main "$(printf 'socketmap: { listen = ["unix:%s"]; mode = "0666"; postfix_version = "3.7"; testing = "opportunistic"; };\ndane: { port = 25; };' "$SM_SOCK")" || summary

# A free port for Postfix's smtpd on 127.0.0.1.
PF_PORT=
for p in $(seq 10125 10199); do
	ss -H -ltn "sport = :$p" | grep -q . || { PF_PORT=$p; break; }
done
[ -n "$PF_PORT" ] || { fail "no free port for Postfix"; summary; }

# Postfix's configuration: the unpacked one with our directories, the
# snippet verbatim, then test-only settings.
mkdir -p "$PFT/etc" "$PFT/spool" "$PFT/data"
chown postfix "$PFT/data"
sed -E -e "s|^queue_directory = .*|queue_directory = $PFT/spool|" \
	-e "s|^data_directory = .*|data_directory = $PFT/data|" \
	-e "s|^maillog_file = .*|maillog_file = $PF_LOG|" \
	-e "s|^maillog_file_prefixes = .*|maillog_file_prefixes = $PFT|" \
	-e "s|^inet_interfaces = .*|inet_interfaces = 127.0.0.1|" \
	"$PF_UNPACK/etc/main.cf" >"$PFT/etc/main.cf"
cat "$SNIPPET" >>"$PFT/etc/main.cf"
cat >>"$PFT/etc/main.cf" <<EOC
# test only
myhostname = postfix.test
mynetworks = 127.0.0.0/8
relayhost =
smtp_bind_address = 127.0.0.1
EOC
cp "$P/usr/share/postfix/master.cf.dist" "$PFT/etc/master.cf"
cp "$PF_UNPACK/etc/dynamicmaps.cf" "$PFT/etc/" 2>/dev/null || true
sed -i -E "s/^smtp( +inet +n +- +)y( +- +- +smtpd)/127.0.0.1:$PF_PORT\1n\2/" "$PFT/etc/master.cf"
pf() {
	local cmd=$1
	shift
	env LD_LIBRARY_PATH="$P/usr/lib/postfix" MAIL_CONFIG="$PFT/etc" "$P/usr/sbin/$cmd" -c "$PFT/etc" "$@"
}
# Debian's master.cf: smtp(8) chrooted into the queue directory
expect_eq "master.cf: smtp runs chrooted (Debian's default)" "$(pf postconf -Fh smtp/unix/chroot)" y
# the package's ownership (dpkg-statoverride), as postfix check expects
chgrp postdrop "$P/usr/sbin/postqueue" "$P/usr/sbin/postdrop" &&
	chmod 2755 "$P/usr/sbin/postqueue" "$P/usr/sbin/postdrop"
expect_match "snippet in effect (postconf)" \
	"$(pf postconf -h smtp_tls_policy_maps smtp_dns_support_level 2>&1 | tr '\n' ' ')" \
	'^socketmap:unix:mxtls/socketmap.sock:mxtls dnssec $'
if ! script -qec "env LD_LIBRARY_PATH=$P/usr/lib/postfix MAIL_CONFIG=$PFT/etc $P/usr/sbin/postfix -c $PFT/etc check" \
	/dev/null >"$TEST_DIR/postfix-check.log" 2>&1; then
	fail "postfix check" "$(cat "$TEST_DIR/postfix-check.log")"
	summary
fi
pass "postfix check"

# master itself in the foreground (-d: no detach, no setsid), exec'ed so
# that PF_PID is master's PID and its children stay in its process group
# ("postfix start-fg" runs master in a new session when not PID 1).
# Postfix in a private mount namespace: resolv.conf -> the validating
# resolver (trust-ad), the CA bundle + world CA; then Debian's own chroot
# set-up (/usr/lib/postfix/configure-instance.sh, run by the package's
# service before master: copies resolv.conf, services, hosts, NSS libraries
# into the queue directory).
NS=$PFT/ns
mkdir -p "$NS"
printf 'nameserver %s\noptions trust-ad\n' "$RES_ADDR" >"$NS/resolv.conf"
cat /etc/ssl/certs/ca-certificates.crt "$WORLD/pki/ca.crt" >"$NS/ca-bundle.crt"
chmod 644 "$NS"/*
setsid unshare -m --propagation private /bin/sh -c '
	mount --bind "$1/resolv.conf" /etc/resolv.conf || exit 111
	mount --bind "$1/ca-bundle.crt" /etc/ssl/certs/ca-certificates.crt || exit 111
	PATH=$2/usr/sbin:$PATH LD_LIBRARY_PATH=$2/usr/lib/postfix MAIL_CONFIG=$3 \
		sh "$2/usr/lib/postfix/configure-instance.sh" - || exit 112
	shift 3; exec "$@"' ns "$NS" "$P" "$PFT/etc" \
	env LD_LIBRARY_PATH="$P/usr/lib/postfix" MAIL_CONFIG="$PFT/etc" \
	"$P/usr/lib/postfix/sbin/master" -d -c "$PFT/etc" \
	</dev/null >"$TEST_DIR/postfix-start.log" 2>&1 &
PF_PID=$!
echo "$PF_PID" >"$WORLD/run/postfix-master.pid"
port_up() { ss -H -ltn "sport = :$PF_PORT" | grep -q 127.0.0.1; }
if ! poll_until 20 port_up; then
	fail "Postfix listens on 127.0.0.1:$PF_PORT" \
		"$(cat "$TEST_DIR/postfix-start.log"; tail -20 "$PF_LOG" 2>/dev/null)"
	summary
fi
pass "Postfix listens on 127.0.0.1:$PF_PORT"

send() { # TO: swaks through Postfix; its transcript
	timeout 60 swaks --server 127.0.0.1 --port "$PF_PORT" --from sender@postfix.test \
		--to "$1" --helo client.test --header "Subject: mxtls test to $1" 2>&1
}
delivered() { grep -lsq "rcpt=<$1>" "$MAILDIR"/*.msg; }
msg_head() { grep -hs "rcpt=<$1>" "$MAILDIR"/*.msg | head -1; }
# pflog ERE: a line of Postfix's log matches
pflog() { grep -qE "$1" "$PF_LOG"; }
sent_to() { pflog "to=<$1>.*status=sent"; }
# tls_line HOST: Postfix's TLS connection line for HOST
tls_line() { grep -E "TLS connection established to $1" "$PF_LOG" | tail -1; }

# pf_q DOMAIN: Postfix's postmap lookup in the snippet's map (socket path
# as seen outside Postfix's namespace)
pf_q() { timeout 30 env LD_LIBRARY_PATH="$P/usr/lib/postfix" "$P/usr/sbin/postmap" -c "$PFT/etc" -q "$1" "socketmap:unix:$SM_SOCK:mxtls" 2>&1; }
# Warm the daemon (first contact waits for the fetches).
for d in enforce.test badcert.test dane.test danewrong.test testing.test notxt.test \
	stsmix.test wildbad.test wild.test daneunusable.test; do
	timeout 60 /usr/bin/python3 "$LIB_DIR/smclient.py" "unix:$SM_SOCK" mxtls "$d" >/dev/null 2>&1 || true
done

for r in u@enforce.test u@dane.test u@testing.test u@notxt.test u@badcert.test u@danewrong.test \
	u@stsmix.test u@wildbad.test u@wild.test u@daneunusable.test; do
	expect_match "$r: accepted by Postfix" "$(send "$r")" '<- *250 .*queued as'
done

# ------------------------------------------------ enforce: verified TLS --
expect_true "enforce.test: delivered" poll_until 60 sent_to u@enforce.test
# smtp(8) ran chrooted: a Postfix smtp process whose root is the queue dir
smtp_chrooted() {
	local p
	for p in $(pgrep -g "$PF_PID" -x smtp); do
		[ "$(readlink "/proc/$p/root")" = "$PF_QUEUE" ] && return 0
	done
	return 1
}
expect_true "smtp(8) runs chrooted in $PF_QUEUE" smtp_chrooted
expect_match "enforce.test: over TLS to 127.0.0.2" "$(msg_head u@enforce.test)" 'addr=127\.0\.0\.2:25 tls=yes sni=mx1\.enforce\.test'
expect_match "enforce.test: policy secure (postmap)" "$(pf_q enforce.test)" '^secure match=mx1\.enforce\.test servername=hostname$'
expect_match "enforce.test: Verified TLS connection" "$(tls_line 'mx1\.enforce\.test')" '^.*Verified TLS connection established'

# ----------------------------------------------------------------- DANE --
expect_true "dane.test: delivered" poll_until 60 sent_to u@dane.test
expect_match "dane.test: over TLS" "$(msg_head u@dane.test)" 'tls=yes'
expect_match "dane.test: Verified TLS connection (DANE)" \
	"$(tls_line 'mx[12]\.dane\.test')" 'Verified TLS connection established'
# smtp_tls_loglevel 1 does not name DANE: the evidence is the policy
# (dane-only: no CA, no fallback; without usable DNSSEC TLSA Postfix
# defers) and the Verified connection above.
expect_eq "dane.test: policy dane-only (postmap)" "$(pf_q dane.test)" "dane-only"

# ------------------------------------------------- opportunistic / none --
expect_true "testing.test: delivered" poll_until 60 sent_to u@testing.test
expect_match "testing.test: over (opportunistic) TLS" "$(msg_head u@testing.test)" 'tls=yes'
expect_true "notxt.test: delivered" poll_until 60 sent_to u@notxt.test
expect_match "notxt.test: to 127.0.0.2" "$(msg_head u@notxt.test)" 'addr=127\.0\.0\.2:25 '

# ------------------------------------- enforce, wrong certificate: held --
expect_true "badcert.test: deferred" poll_until 60 pflog 'to=<u@badcert\.test>.*status=deferred'
expect_match "badcert.test: certificate verification failure logged" \
	"$(grep -E 'badcert' "$PF_LOG" | tr '\n' ' ')" \
	'(certificate verification failed|Server certificate not (trusted|verified)|Untrusted TLS connection)'
sleep 2
expect_eq "badcert.test: the wrong-certificate MX received no message" \
	"$(find "$BADMX_DIR" -name '*.msg' 2>/dev/null | wc -l)" 0
if delivered u@badcert.test || pflog 'to=<u@badcert\.test>.*status=sent'; then
	fail "badcert.test: not delivered anywhere" "$(grep badcert "$PF_LOG")"
else
	pass "badcert.test: not delivered anywhere"
fi

# ------------------------ DANE, TLSA matching no key of the MX: held --
expect_eq "danewrong.test: policy dane-only (postmap)" "$(pf_q danewrong.test)" "dane-only"
expect_true "danewrong.test: deferred" poll_until 60 pflog 'to=<u@danewrong\.test>.*status=deferred'
if delivered u@danewrong.test || pflog 'to=<u@danewrong\.test>.*status=sent'; then
	fail "danewrong.test: not delivered anywhere" "$(grep danewrong "$PF_LOG")"
else
	pass "danewrong.test: not delivered anywhere"
fi

# ---------- mixed DANE + MTA-STS: mx1 DANE (down), mx2 only MTA-STS --
# (RFC 8461 section 5: an enforce policy forbids cleartext to mx2; "dane"
# would let Postfix use mx2 with opportunistic TLS)
STSMIX2=$TEST_DIR/mx-stsmix2
STSMIX1=$TEST_DIR/mx-stsmix1
expect_eq "stsmix.test: policy dane-only (postmap)" "$(pf_q stsmix.test)" "dane-only"
expect_true "stsmix.test: deferred while mx1 is down" \
	poll_until 60 pflog 'to=<u@stsmix\.test>.*status=deferred'
expect_eq "stsmix.test: mx2 (no STARTTLS) received nothing" \
	"$(find "$STSMIX2" -name '*.msg' 2>/dev/null | wc -l)" 0
if pflog 'to=<u@stsmix\.test>.*status=sent'; then
	fail "stsmix.test: not delivered while mx1 is down" "$(grep stsmix "$PF_LOG")"
else
	pass "stsmix.test: not delivered while mx1 is down"
fi
expect_true "fake MX with mx.crt on 127.0.0.12:25 (mx1.stsmix.test)" \
	extra_mx mx1.stsmix.test "$STSMIX1" 127.0.0.12:25 mx
# requeue (postqueue -f is setgid: the unpacked libraries are not found)
pf postsuper -r ALL >"$TEST_DIR/postsuper-r.log" 2>&1 || true
expect_true "stsmix.test: delivered once mx1 is up" poll_until 90 sent_to u@stsmix.test
expect_match "stsmix.test: to mx1 over TLS" \
	"$(grep -hs 'rcpt=<u@stsmix.test>' "$STSMIX1"/*.msg | head -1)" 'addr=127\.0\.0\.12:25 tls=yes'
expect_match "stsmix.test: Verified TLS connection (DANE) to mx1" \
	"$(tls_line 'mx1\.stsmix\.test')" 'Verified TLS connection established'
expect_eq "stsmix.test: mx2 still received nothing" \
	"$(find "$STSMIX2" -name '*.msg' 2>/dev/null | wc -l)" 0

# ------------- MTA-STS wildcard: the exact admitted MX names in match= --
# (RFC 8461 section 4.1: *.wildbad.test admits one label; the MX presents a
# certificate for a.b.wildbad.test, which ".wildbad.test" would accept)
expect_eq "wild.test: policy secure, exact MX name (postmap)" "$(pf_q wild.test)" \
	"secure match=mx1.wild.test servername=hostname"
expect_true "wild.test: delivered" poll_until 60 sent_to u@wild.test
expect_match "wild.test: Verified TLS connection to mx1" \
	"$(tls_line 'mx1\.wild\.test')" 'Verified TLS connection established'
expect_eq "wildbad.test: policy secure, exact MX name (postmap)" "$(pf_q wildbad.test)" \
	"secure match=mx1.wildbad.test servername=hostname"
expect_true "wildbad.test: deferred (certificate for a.b.wildbad.test)" \
	poll_until 60 pflog 'to=<u@wildbad\.test>.*status=deferred'
sleep 2
expect_eq "wildbad.test: the MX with the a.b.wildbad.test certificate received nothing" \
	"$(find "$TEST_DIR/mx-wildbad" -name '*.msg' 2>/dev/null | wc -l)" 0
# The answer lives no longer than the MX RRset (TTL 5 s): move the MX.
if "$WORLD_TOOLS/set-rr.sh" "$WORLD" wildbad.test MX 5 "10 mx2.wildbad.test." \
	>"$TEST_DIR/set-rr.log" 2>&1; then
	pass "wildbad.test: MX moved to mx2"
	pf_q_is() { [ "$(pf_q "$1")" = "$2" ]; }
	expect_true "wildbad.test: the answer follows the MX RRset" \
		poll_until 60 pf_q_is wildbad.test "secure match=mx2.wildbad.test servername=hostname"
else
	fail "wildbad.test: MX moved to mx2" "$(cat "$TEST_DIR/set-rr.log")"
fi

# ----------- unusable-only TLSA: encrypt whatever Postfix's DNS settings --
expect_eq "daneunusable.test: policy encrypt (postmap)" "$(pf_q daneunusable.test)" "encrypt"
expect_true "daneunusable.test: delivered" poll_until 60 sent_to u@daneunusable.test
expect_match "daneunusable.test: over TLS" "$(msg_head u@daneunusable.test)" 'tls=yes'

# ---------------- local overrides (docs/DECISIONS.md "Local overrides") --
# badcert.test (enforce, wrong-name MX) was deferred above: with a testing
# override its queued message goes out (opportunistic TLS); deleted, the
# domain is enforced again at once.
TOMORROW=$(date -u -d '+1 day' +%F)
expect_true "override: badcert.test testing" ctl override add badcert.test testing \
	--until "$TOMORROW" --reason "MX certificate broken, ticket 7"
expect_eq "override testing: badcert.test not enforced (postmap)" "$(pf_q badcert.test)" ""
# requeue (as above: postqueue -f is setgid)
expect_true "override testing: requeue (postsuper -r)" pf postsuper -r ALL
expect_true "override testing: badcert.test delivered" poll_until 90 sent_to u@badcert.test
expect_eq "override testing: the wrong-name MX received it" \
	"$(grep -ls 'rcpt=<u@badcert.test>' "$BADMX_DIR"/*.msg 2>/dev/null | wc -l)" 1
expect_true "override: del badcert.test" ctl override del badcert.test
expect_eq "override deleted: badcert.test enforced again (postmap)" "$(pf_q badcert.test)" \
	"secure match=mx1.badcert.test servername=hostname"

# Never cleartext where a policy requires TLS.
for r in u@enforce.test u@dane.test u@danewrong.test u@stsmix.test u@wild.test u@daneunusable.test; do
	if grep -hs "rcpt=<$r>" "$MAILDIR"/*.msg | grep -q 'tls=no'; then
		fail "$r: never in cleartext" "$(grep -hs "rcpt=<$r>" "$MAILDIR"/*.msg)"
	else
		pass "$r: never in cleartext"
	fi
done

stop_group "$PF_PID"
PF_PID=
summary
