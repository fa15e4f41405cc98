#!/bin/bash
# test_opensmtpd_debian.sh - docs/opensmtpd.md "Debian 12's /etc/smtpd.conf,
# line by line" end to end: the stock /etc/smtpd.conf of the unpacked
# Debian 12 opensmtpd package (6.8.0p2, $SMTPD_OPT/etc/smtpd.conf), the
# doc's ```diff block applied to it verbatim with `patch` (no fuzz), the
# table file created as the doc's step 2 says (filter-mxtls -i -t), smtpd
# run on that file with the real mxtlsd in the loopback world (mount
# namespace, validating resolver, fake MXs: smtpd_lib.sh), mail submitted
# with swaks to smtpd's own listener, 127.0.0.1:25 (`listen on localhost`).
#
# Substitutions made after `patch`, and only these (literal strings; the
# test fails if one of them is not found as often as stated):
#   ipc:///run/mxtls/mxtlsd.sock          (1x) -> this test's mxtlsd socket
#   /var/lib/mxtls/secure-domains         (2x) -> this test's table file
#   "/usr/libexec/opensmtpd/filter-mxtls  (1x) -> "BUILD/filter-mxtls -c
#       SMTPD_OPT/usr/sbin/smtpctl (the binaries are not installed; the
#       filter's default smtpctl, /usr/sbin/smtpctl, is not there)
#   file:/etc/aliases                     (1x) -> this test's aliases
#       file (stock context line: the host's file is neither read nor
#       needed; ours adds mxtlslocal: FILE for the local delivery)
#
# Checks: an MTA-STS enforce domain with a good certificate (enforce.test,
# MX 127.0.0.2) is relayed with "relay tls" and delivered over verified
# TLS; badcert.test (enforce, its only MX 127.0.0.7 presents wrong.test)
# is held (TempFail, queued) and its MX receives nothing; a domain without
# policy (notxt.test) is relayed opportunistically and delivered; a local
# recipient (mxtlslocal@localhost, an alias to a file in the test's
# directory) is delivered by action "local", not relayed; a sendmail(8)
# submission (the socket listener) to badcert.test is held like an SMTP
# one; with mxtlsd down a local RCPT gets 451 and sendmail exits non-zero,
# the message in ~/dead.letter (a private /root). A
# broken doc fails: without the "match ... <mxtls-secure>" line (or
# without "listen on socket filter", for sendmail) badcert.test is relayed
# in plain "relay" and delivered to the wrong MX (both tried).
# MXTLS_OPENSMTPD_DOC=FILE reads the diff from FILE instead (to try a
# broken diff). Needs root (port 25, unshare -m, users).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/smtpd_lib.sh
. "$LIB_DIR/smtpd_lib.sh"

DOC=${MXTLS_OPENSMTPD_DOC:-$MXTLS_SRC/docs/opensmtpd.md}
FILTER=${MXTLS_FILTER:-$(dirname "$MXTLS_BIN")/modules/opensmtpd/filter-mxtls}
TABLE=$TEST_DIR/secure-domains
MAILDIR=$TEST_DIR/mx
CONF=$TEST_DIR/smtpd.conf

cleanup() {
	smtpd_down
	daemon_cleanup
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { fail "needs root (port 25, unshare -m)"; summary; }
[ -x "$FILTER" ] || { fail "no filter-mxtls at $FILTER"; summary; }
smtpd_users
expect_true "opensmtpd unpacked (apt-get download + dpkg -x)" smtpd_unpack || summary
[ -r "$SMTPD_OPT/etc/smtpd.conf" ] || { fail "no stock $SMTPD_OPT/etc/smtpd.conf"; summary; }
# see test_opensmtpd.sh: smtpd's getaddrinfo uses AI_ADDRCONFIG
if ! ip -4 -o addr show | awk '{print $4}' | grep -qv '^127\.'; then
	fail "a non-loopback IPv4 address exists (smtpd's getaddrinfo uses AI_ADDRCONFIG)" \
		"in a private network namespace add one, e.g.: ip addr add 192.0.2.1/32 dev lo"
	summary
fi

# ----------------------------------------------- the doc's diff, verbatim --
# the first ```diff block after the section's heading
awk '/^### Debian 12.s \/etc\/smtpd\.conf/ { sec = 1 }
	sec && /^```diff$/ { inb = 1; next }
	inb && /^```$/ { exit }
	inb { print }' "$DOC" >"$TEST_DIR/debian.diff"
expect_true "docs/opensmtpd.md: the Debian section has a diff block" test -s "$TEST_DIR/debian.diff" ||
	summary
cp "$SMTPD_OPT/etc/smtpd.conf" "$CONF"
if ! patch -F0 --no-backup-if-mismatch "$CONF" <"$TEST_DIR/debian.diff" >"$TEST_DIR/patch.log" 2>&1; then
	fail "the doc's diff applies to Debian's stock smtpd.conf (patch, no fuzz)" "$(cat "$TEST_DIR/patch.log")"
	summary
fi
pass "the doc's diff applies to Debian's stock smtpd.conf (patch, no fuzz)"
cp "$CONF" "$TEST_DIR/smtpd.conf.doc" # as a reader of the doc gets it

expect_true "resolver: validating resolver on $RES_ADDR" resolver_ensure || summary
for a in 127.0.0.1 127.0.0.2 127.0.0.7; do
	port25_free $a || { fail "port 25 on $a is busy" "$(ss -ltnp 'sport = :25')"; summary; }
done
expect_true "fake MX on 127.0.0.2:25" fakemx_start "$MAILDIR" 127.0.0.2:25 || summary
expect_true "fake MX with the wrong.test certificate on 127.0.0.7:25" \
	badmx_start "$TEST_DIR/mx-badcert" || summary
daemon_start main || summary

# subst FROM TO COUNT - replace the literal FROM by TO in $CONF, which
# must hold FROM exactly COUNT times.
subst() {
	local text n
	text=$(cat "$CONF")
	n=$(grep -oF -- "$1" "$CONF" | wc -l)
	if [ "$n" != "$3" ]; then
		fail "substitution: '$1' found $n times, expected $3" "$(cat "$CONF")"
		summary
	fi
	printf '%s\n' "${text//"$1"/"$2"}" >"$CONF"
}
subst 'ipc:///run/mxtls/mxtlsd.sock' "$DAEMON_URL" 1
subst /var/lib/mxtls/secure-domains "$TABLE" 2
subst '"/usr/libexec/opensmtpd/filter-mxtls ' "\"$FILTER -c $SMTPCTL_BIN " 1
# a local recipient delivered by action "local" to a file (alias)
LOCAL_MBOX=$TEST_DIR/local/mxtlslocal.mbox
mkdir -p "$TEST_DIR/local"
chmod 1777 "$TEST_DIR/local"
printf 'postmaster: root\nmxtlslocal: %s\n' "$LOCAL_MBOX" >"$TEST_DIR/aliases"
subst file:/etc/aliases "file:$TEST_DIR/aliases" 1
echo "# substituted (doc -> test):"
diff "$TEST_DIR/smtpd.conf.doc" "$CONF" | sed 's/^/#   /'

# the doc's step 2 (install -d /var/lib/mxtls is this test's directory)
expect_true "table file created (filter-mxtls -i -t)" "$FILTER" -i -t "$TABLE"
if ! "$SMTPD_BIN" -n -f "$CONF" >"$TEST_DIR/smtpd-n.log" 2>&1; then
	fail "smtpd -n accepts Debian's file with the doc's diff" "$(cat "$TEST_DIR/smtpd-n.log")"
	summary
fi
pass "smtpd -n accepts Debian's file with the doc's diff"

smtpd_start "$CONF"
port_up() { ss -H -ltn "sport = :25" | grep -q '127\.0\.0\.1:25 '; }
if ! poll_until 15 port_up; then
	fail "smtpd listens on 127.0.0.1:25 (listen on localhost)" "$(tail -20 "$SMTPD_LOG")"
	summary
fi
pass "smtpd listens on 127.0.0.1:25 (listen on localhost)"

# send TO - swaks to smtpd's listener (a local client: "from local")
send() {
	timeout 60 swaks --server 127.0.0.1 --port 25 --from sender@smtpd.test \
		--to "$1" --helo client.test --header "Subject: mxtls Debian test to $1" 2>&1
}
delivered() { grep -lsq "rcpt=<$1>" "$MAILDIR"/*.msg; }
msg_head() { grep -hs "rcpt=<$1>" "$MAILDIR"/*.msg | head -1; }
table_has() { grep -qx "$1" "$TABLE"; }
# sess_to ADDR - the mta sessions smtpd opened to ADDR:25 (one per line)
sess_to() { grep -E "mta connecting address=[a-z+]*://$1:25 " "$SMTPD_LOG" | cut -d' ' -f1; }
has_sess_to() { test -n "$(sess_to "$1")"; }
# sess_urls ADDR - the distinct address= of smtpd's sessions to ADDR:25
sess_urls() {
	grep -E "mta connecting address=[a-z+]*://$1:25 " "$SMTPD_LOG" |
		sed -E 's/.*address=([^ ]*).*/\1/' | sort -u | tr '\n' ' '
}
# sess_log ADDR ERE - a session to ADDR logged "SESSION mta ERE"
sess_log() {
	local s
	for s in $(sess_to "$1"); do
		grep -qE "^$s mta $2" "$SMTPD_LOG" && return 0
	done
	return 1
}

# ---------------------------------------------- enforce: verified TLS ------
out=$(send u@enforce.test)
expect_match "enforce.test: accepted" "$out" '<- *250 '
expect_true "enforce.test: in the verified-TLS table" table_has enforce.test
expect_true "enforce.test: delivered to the MX" poll_until 30 delivered u@enforce.test
expect_match "enforce.test: over TLS" "$(msg_head u@enforce.test)" 'addr=127\.0\.0\.2:25 tls=yes'
expect_match "enforce.test: relayed by action mxtls-verified (relay tls)" \
	"$(relay_url u@enforce.test)" '^smtp\+tls://127\.0\.0\.2:25'
expect_true "enforce.test: certificate verified by smtpd" \
	sess_log 127.0.0.2 'server-cert-check result="success"'

# sendmail_to RCPT SUBJECT - sendmail(8) (smtpctl) in smtpd's namespace,
# with a private /root: it saves a refused message in ~/dead.letter
# ($TEST_DIR/home/dead.letter here, never the host's /root)
mkdir -p "$TEST_DIR/home"
sendmail_to() {
	printf 'From: sender@smtpd.test\nTo: %s\nSubject: %s\n\nbody\n' "$1" "$2" |
		in_ns unshare -m --propagation private /bin/sh -c \
			'mount --bind "$1" /root && shift && HOME=/root exec "$@"' \
			sh "$TEST_DIR/home" "$SMTPD_OPT/usr/sbin/sendmail" -f sender@smtpd.test "$1"
}

# ------------------------- sendmail(8): the socket listener, held too -----
# Local programs (cron, mail(1)) submit with sendmail, which enqueues
# through smtpd's control socket (the implicit "listen on socket"), not
# through "listen on localhost". badcert.test is not in the table yet.
sendmail_to u-sm@badcert.test "mxtls Debian sendmail test" >"$TEST_DIR/sendmail.out" 2>&1
expect_eq "sendmail u-sm@badcert.test: exit status" "$?" 0
expect_true "sendmail u-sm@badcert.test: badcert.test in the verified-TLS table" \
	table_has badcert.test
expect_true "sendmail u-sm@badcert.test: envelope tempfailed (relay tls), stays queued" \
	poll_until 30 grep -qE 'mta delivery .*to=<u-sm@badcert\.test>.*result="TempFail"' "$SMTPD_LOG"

# ---------------------------------- enforce, wrong certificate: held ------
out=$(send u@badcert.test)
expect_match "badcert.test: accepted" "$out" '<- *250 '
expect_true "badcert.test: in the verified-TLS table" table_has badcert.test
expect_true "badcert.test: smtpd connected to 127.0.0.7" poll_until 30 has_sess_to 127.0.0.7
expect_match "badcert.test: only with relay tls (action mxtls-verified)" \
	"$(sess_urls 127.0.0.7)" '^smtp\+tls://127\.0\.0\.7:25 $'
expect_true "badcert.test: envelope tempfailed, stays queued" poll_until 30 \
	grep -qE 'mta delivery .*to=<u@badcert\.test>.*result="TempFail"' "$SMTPD_LOG"
expect_true "badcert.test: session aborted on the certificate (smtpd)" \
	sess_log 127.0.0.7 'error reason=SSL certificate check failed'
sleep 2
expect_eq "badcert.test: the wrong-certificate MX received no message" \
	"$(find "$BADMX_DIR" -name '*.msg' 2>/dev/null | wc -l)" 0
if grep -qE 'mta delivery .*to=<u(-sm)?@badcert\.test>.*result="Ok"' "$SMTPD_LOG" ||
	delivered u@badcert.test || delivered u-sm@badcert.test; then
	fail "badcert.test: not delivered anywhere" "$(grep -E 'mta delivery .*badcert' "$SMTPD_LOG")"
else
	pass "badcert.test: not delivered anywhere"
fi
expect_match "badcert.test: both messages still in the queue (smtpctl show queue)" \
	"$(in_ns "$SMTPCTL_BIN" show queue 2>&1 | grep -c '@badcert\.test')" '^2$'

# ------------------------------------------- no policy: opportunistic -----
out=$(send u@notxt.test)
expect_match "notxt.test: accepted" "$out" '<- *250 '
if table_has notxt.test; then
	fail "notxt.test: not in the verified-TLS table" "$(cat "$TABLE")"
else
	pass "notxt.test: not in the verified-TLS table"
fi
expect_true "notxt.test: delivered" poll_until 30 delivered u@notxt.test
expect_match "notxt.test: delivered to its MX (127.0.0.2)" "$(msg_head u@notxt.test)" 'addr=127\.0\.0\.2:25 '
expect_match "notxt.test: relayed by action relay (plain relay)" \
	"$(relay_url u@notxt.test)" '^smtp://127\.0\.0\.2:25'

# ----------------------------------------- local recipient: local action --
out=$(send mxtlslocal@localhost)
expect_match "mxtlslocal@localhost: accepted" "$out" '<- *250 '
local_got() { grep -qs 'Subject: mxtls Debian test to mxtlslocal@localhost' "$LOCAL_MBOX"; }
expect_true "mxtlslocal@localhost: delivered locally (alias to a file)" poll_until 30 local_got
if grep -qE 'mta delivery .*to=<mxtlslocal@localhost>' "$SMTPD_LOG" || table_has localhost; then
	fail "mxtlslocal@localhost: not relayed, not in the table" "$(grep -E 'mxtlslocal' "$SMTPD_LOG")"
else
	pass "mxtlslocal@localhost: not relayed, not in the table"
fi

# --------------------------------------------- smtp-out: TLS reporting ----
expect_true "action relay/mxtls-verified: smtp-out TLS result for enforce.test" poll_until 45 \
	grep -qE 'MXTLS-SMTPD-TLS-RESULT.*domain=enforce\.test .*result=success' "$SMTPD_LOG"

# --------------------------- mxtlsd down: RCPT tempfailed, also locally --
# (filter default -f tempfail; docs/opensmtpd.md: the filter holds every
# RCPT, local ones included)
daemon_stop
out=$(send mxtlslocal@localhost)
expect_match "mxtlsd down: local recipient tempfailed at RCPT" "$out" '<\*\* *451 4\.7\.5 mxtls'
sendmail_to u-down@notxt.test "mxtls Debian sendmail, mxtlsd down" >"$TEST_DIR/sendmail-down.out" 2>&1
rc=$?
expect_match "mxtlsd down: sendmail fails (status $rc) with the 451" \
	"$rc $(cat "$TEST_DIR/sendmail-down.out")" '^[1-9][0-9]* .*451 4\.7\.5 mxtls'
expect_true "mxtlsd down: sendmail saved the message in ~/dead.letter" \
	grep -q 'Subject: mxtls Debian sendmail, mxtlsd down' "$TEST_DIR/home/dead.letter"
if grep -qE 'envelope .*to=<u-down@notxt\.test>' "$SMTPD_LOG"; then
	fail "mxtlsd down: the sendmail message was not queued" "$(grep u-down "$SMTPD_LOG")"
else
	pass "mxtlsd down: the sendmail message was not queued"
fi

smtpd_down
summary
