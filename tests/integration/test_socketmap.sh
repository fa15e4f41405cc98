#!/bin/bash
# test_socketmap.sh - the Postfix socketmap listener (docs/postfix.md) end to
# end on the loopback world of tests/world:
#   1. our answer for every world domain (the mapping table of
#      docs/postfix.md), keys Postfix sends (".parent", "[nexthop]",
#      ":port"), persistent and pipelined connections, many clients,
#      garbage (a PERM reply, then the connection is closed; no crash);
#      the worker threads (socketmap.threads): many clients pipelining
#      cached answers and misses get every reply in request order,
#      clients gone with a miss in flight, SIGTERM with connections open
#      (all closed, exit status 0);
#   2. Postfix 3.10 attributes (socketmap.postfix_version) and
#      socketmap.testing = "strict", served without threads
#      (socketmap.threads = 0), the pipelined clients again;
#   3. real Postfix 3.7 (unpacked, tests/world/postfix-unpack.sh):
#      postmap -q DOMAIN socketmap:unix:...:mxtls and socketmap:inet:...;
#   4. the peer, postfix-mta-sts-resolver (tests/world/peer-up.sh), asked
#      through the same postmap for every world domain: equal answers, or
#      the documented difference asserted.
# Needs root (unbound on 127.0.0.153:53, unshare -m), python3,
# postfix-mta-sts-resolver and unbound (scripts/install-deps.sh). Set
# MXTLS_POSTFIX_DIR to reuse an unpacked Postfix (default /tmp/mxtls-postfix).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

SMC="/usr/bin/python3 $LIB_DIR/smclient.py"
SM_PORT=18462   # our inet: listener
PEER_PORT=18461 # the peer
PF_DIR=${MXTLS_POSTFIX_DIR:-/tmp/mxtls-postfix}

cleanup_all() {
	daemon_cleanup
	# shellcheck source=tests/world/common.sh
	(. "$WORLD_TOOLS/common.sh" && stop_recorded "$WORLD" peer >/dev/null &&
		stop_recorded "$WORLD" peer-unbound >/dev/null)
}
trap cleanup_all EXIT

# smap_conf VERSION TESTING [THREADS] - the socketmap group for
# daemon_start (the unix: socket is $SM_UNIX; THREADS default -1: one
# worker per CPU).
SM_UNIX=$SOCK_BASE/smap.sock
smap_conf() {
	printf 'socketmap: { listen = ["unix:%s", "inet:127.0.0.1:%s"]; mode = "0666"; postfix_version = "%s"; testing = "%s"; threads = %s; };\n' \
		"$SM_UNIX" "$SM_PORT" "$1" "$2" "${3:--1}"
}

# smmix ADDR CLIENTS ROUNDS TAG UNKNOWN - CLIENTS connections at once, each
# pipelining ROUNDS rounds of cached answers, misses (names never asked
# before: a full lookup on the loop thread, answered UNKNOWN; bogus.test:
# TEMP, never cached) and keys that need no lookup, in one write per
# round; prints "ok N" when all N replies came in request order, else the
# first wrong one (docs/IPC.md "Socketmap threads").
smmix() {
	timeout 120 /usr/bin/python3 - "$@" <<'PY'
import socket, sys, threading
addr, nconn, rounds, tag, unknown = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
def connect():
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX); s.connect(addr[5:])
    else:
        h, p = addr[5:].rsplit(":", 1); s = socket.create_connection((h, int(p)))
    s.settimeout(60); return s
def ns(p): return b"%d:%s," % (len(p), p)
res, bad, lock = [0], [], threading.Lock()
def client(c):
    try:
        s, buf = connect(), b""
        for r in range(rounds):
            want = [("dane.test", "OK dane-only"),
                    ("%s-%d-%d.nxd.test" % (tag, c, r), unknown),
                    ("DANE.Test.", "OK dane-only"), ("bogus.test", "TEMP "),
                    (".dane.test", "NOTFOUND "), ("nope.test", "NOTFOUND "),
                    ("%s-%d-%db.nxd.test" % (tag, c, r), unknown),
                    ("[dane.test]", "NOTFOUND ")]
            want = want[c % 3:] + want[:c % 3]
            s.sendall(b"".join(ns(("mxtls " + k).encode()) for k, _ in want))
            for k, w in want:
                while b":" not in buf or len(buf.split(b":", 1)[1]) < int(buf.split(b":", 1)[0]) + 1:
                    d = s.recv(65536)
                    if not d: raise EOFError("EOF before the reply for " + k)
                    buf += d
                n, rest = buf.split(b":", 1); n = int(n)
                got, buf = rest[:n].decode(), rest[n + 1:]
                if not (got.startswith(w) if w == "TEMP " else got == w):
                    raise ValueError("%s: got %r want %r" % (k, got, w))
                with lock: res[0] += 1
        s.close()
    except Exception as e:
        with lock: bad.append("client %d: %s" % (c, e))
ts = [threading.Thread(target=client, args=(c,)) for c in range(nconn)]
for t in ts: t.start()
for t in ts: t.join()
print(bad[0] if bad else "ok %d" % res[0])
PY
}

# sm KEY... - our answers on one unix: connection, one line each.
sm() { timeout 60 $SMC "unix:$SM_UNIX" mxtls "$@"; }
# warm CMD... - CMD DOMAIN for every world domain at once (first contact
# waits for the fetches); waits for those only, not for the daemon.
warm() {
	local d pids=()
	for d in $DOMAINS; do
		"$@" "$d" >/dev/null 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
}
smi() { timeout 60 $SMC "inet:127.0.0.1:$SM_PORT" mxtls "$@"; }

# The world's domains and our answer with postfix_version 3.7, testing
# opportunistic (tests/world/README.md; docs/postfix.md for the mapping).
declare -A WANT=(
	[enforce.test]="OK secure match=mx1.enforce.test servername=hostname"
	[idchange.test]="OK secure match=mx1.idchange.test servername=hostname"
	[insecure.test]="OK secure match=mx1.insecure.test servername=hostname"
	[danests.test]="OK secure match=mx1.danests.test servername=hostname"
	[testing.test]="NOTFOUND "
	[cname.test]="NOTFOUND "
	[none.test]="NOTFOUND "
	[bogus.test]="TEMP *"
	[dane.test]="OK dane-only"
	[badtlsa.test]="OK dane-only"
	[implicit.test]="OK dane-only"
	[cnamemx.test]="OK dane-only"
	[danemixed.test]="OK dane-only"
	[daneunusable.test]="OK encrypt"
	[outsec.test]="NOTFOUND "
	[nullmx.test]="NOTFOUND "
	[notxt.test]="NOTFOUND "
	[badtxt.test]="NOTFOUND "
	[multitxt.test]="NOTFOUND "
	[404.test]="NOTFOUND "
	[redirect.test]="NOTFOUND "
	[ctype.test]="NOTFOUND "
	[big.test]="NOTFOUND "
	[wrongcert.test]="NOTFOUND "
	[expired.test]="NOTFOUND "
	[slow.test]="NOTFOUND "
	[nope.test]="NOTFOUND "
)
DOMAINS=$(printf '%s\n' "${!WANT[@]}" | sort)

# ---------------------------------------------------------------- 1. ours --
daemon_start main "$(smap_conf 3.7 opportunistic)" || summary
expect_eq "unix socket mode" "$(stat -c %a "$SM_UNIX" 2>&1)" 666
warm sm
for d in $DOMAINS; do
	got=$(sm "$d")
	case "${WANT[$d]}" in
	*'*') expect_match "ours: $d" "$got" "^${WANT[$d]%\*}" ;;
	*) expect_eq "ours: $d" "$got" "${WANT[$d]}" ;;
	esac
done
expect_match "ours: bogus.test TEMP says why" "$(sm bogus.test)" '^TEMP .*(DNSSEC|bogus|validat)'

# Keys Postfix sends: parent-domain probes, explicit next hops, ports,
# case and a trailing dot, invalid names.
expect_eq "key .enforce.test" "$(sm .enforce.test)" "NOTFOUND "
expect_eq "key [enforce.test]" "$(sm '[enforce.test]')" "NOTFOUND "
expect_eq "key [enforce.test]:25" "$(sm '[enforce.test]:25')" "NOTFOUND "
expect_eq "key enforce.test:587" "$(sm enforce.test:587)" "NOTFOUND "
expect_eq "key [127.0.0.1]" "$(sm '[127.0.0.1]')" "NOTFOUND "
expect_eq "key 127.0.0.2" "$(sm 127.0.0.2)" "NOTFOUND "
expect_eq "key ENFORCE.Test." "$(sm ENFORCE.Test.)" "${WANT[enforce.test]}"
expect_eq "key exa_mple.test" "$(sm exa_mple.test)" "NOTFOUND "

# inet: listener, persistent connection (several keys, one connection).
expect_eq "inet: three keys on one connection" "$(smi dane.test enforce.test nope.test | tr '\n' '|')" \
	"OK dane-only|${WANT[enforce.test]}|NOTFOUND |"
# Pipelined: all requests in one write, answers in request order.
expect_eq "pipelined answers in order" \
	"$(timeout 60 $SMC --pipeline "unix:$SM_UNIX" mxtls dane.test nope.test enforce.test .x dane.test | tr '\n' '|')" \
	"OK dane-only|NOTFOUND |${WANT[enforce.test]}|NOTFOUND |OK dane-only|"
# Many clients at once: 50 connections x 40 requests, one distinct answer.
expect_eq "50 clients x 40 requests" "$(timeout 120 $SMC --parallel 50 40 "unix:$SM_UNIX" mxtls dane.test)" "2000 1"
expect_eq "50 inet clients x 20 requests" "$(timeout 120 $SMC --parallel 50 20 "inet:127.0.0.1:$SM_PORT" mxtls enforce.test)" "1000 1"
# Worker threads: hits must not overtake misses on one connection.
UNKNOWN=$(sm probe.nxd.test)
expect_match "a name not in the world" "$UNKNOWN" '^(NOTFOUND |OK )'
expect_eq "40 clients pipelining hits and misses: replies in order" \
	"$(smmix "unix:$SM_UNIX" 40 3 a "$UNKNOWN")" "ok 960"
expect_eq "20 inet clients pipelining hits and misses: replies in order" \
	"$(smmix "inet:127.0.0.1:$SM_PORT" 20 3 b "$UNKNOWN")" "ok 480"
# Clients gone with a miss in flight (and a hit queued behind it).
timeout 20 /usr/bin/python3 - "$SM_UNIX" <<'PY'
import socket, sys
for i in range(30):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    ks = [b"mxtls gone-%d.nxd.test" % i, b"mxtls dane.test"]
    s.sendall(b"".join(b"%d:%s," % (len(k), k) for k in (ks if i % 2 else ks[::-1])))
    s.close()
PY
sleep 2
expect_true "daemon alive after clients left with misses in flight" daemon_alive
expect_eq "answering after clients left with misses in flight" "$(sm dane.test)" "OK dane-only"

# Malformed requests inside a valid netstring: PERM, connection stays.
expect_eq "request without key: PERM, then served" \
	"$(timeout 20 $SMC --raw "unix:$SM_UNIX" '7:nothing,12:x dane.test.,' | tr '\n' '|')" \
	"PERM malformed request: expected \"<name> <key>\"|OK dane-only|<EOF>|"
# Garbage: one PERM reply, then the daemon closes the connection.
raw() { timeout 20 $SMC --raw "unix:$SM_UNIX" "$1" | tr '\n' '|'; }
expect_match "garbage: HTTP" "$(raw 'GET / HTTP/1.0\r\n\r\n')" '^PERM malformed netstring: byte 0x47 in the length\|<EOF>\|$'
expect_match "garbage: too long" "$(raw '10001:')" '^PERM request too long: 10001 bytes \(limit 10000\)\|<EOF>\|$'
expect_match "garbage: huge length" "$(raw '99999999999999:')" '^PERM malformed netstring: length has more than 9 digits\|<EOF>\|$'
expect_match "garbage: no comma" "$(raw '12:x dane.test.;')" '^PERM malformed netstring: no .,. after 12 bytes of payload\|<EOF>\|$'
expect_match "garbage: leading zero" "$(raw '012:x dane.test.,')" '^PERM malformed netstring: length with a leading zero\|<EOF>\|$'
expect_match "garbage after a good request" "$(raw '12:x dane.test.,\x00\xff')" '^OK dane-only\|PERM malformed netstring: byte 0x00 in the length\|<EOF>\|$'
expect_eq "half a request, then EOF: closed, no answer" "$(raw '12:x dane')" "<EOF>|"
# Without EOF: a request in pieces is answered once complete.
expect_eq "request in pieces" "$(timeout 20 /usr/bin/python3 - "$SM_UNIX" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(10)
for part in (b"1", b"2:x da", b"ne.test.", b","):
    s.sendall(part); time.sleep(0.2)
print(s.recv(100).decode())
PY
)" "12:OK dane-only,"
head -c 200000 /dev/urandom >"$TEST_DIR/random.bin"
timeout 20 /usr/bin/python3 - "$SM_UNIX" "$TEST_DIR/random.bin" <<'PY' || true
import socket, sys
for i in range(20):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
    data = open(sys.argv[2], "rb").read()[i * 10000:(i + 1) * 10000]
    try:
        s.sendall(data); s.recv(100)
    except OSError:
        pass
    s.close()
PY
expect_true "daemon alive after garbage" daemon_alive
expect_eq "still answering after garbage" "$(sm dane.test)" "OK dane-only"
# SIGTERM with connections open: idle, half a request, misses just
# answered, inet and unix; every client sees the connection closed, and
# the daemon exits 0 (under ASan: nothing leaked). (A lookup still in
# flight at SIGTERM is not asked here: the resolvers drop their waiters
# at exit without freeing query.c's join, a leak outside the socketmap.)
rm -f "$TEST_DIR/held.ready"
timeout 30 /usr/bin/python3 - "$SM_UNIX" "$SM_PORT" "$TEST_DIR/held.ready" >"$TEST_DIR/held.out" 2>&1 <<'PY' &
import socket, sys, time
ss = []
for i in range(12):
    if i % 3 == 2:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[2])))
    else:
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    if i % 4 == 1:
        s.sendall(b"12:mxtls d")
    elif i % 4 == 2:
        k = b"mxtls held-%d.nxd.test" % i
        s.sendall(b"%d:%s," % (len(k), k))
    ss.append(s)
time.sleep(0.5)
open(sys.argv[3], "w").close()
n = 0
for s in ss:
    s.settimeout(20)
    try:
        while s.recv(65536):
            pass
        n += 1
    except ConnectionResetError:
        n += 1 # closed with our bytes unread
    except OSError as e:
        print("recv:", e)
print("closed", n)
PY
HELD=$!
for _ in $(seq 100); do [ -e "$TEST_DIR/held.ready" ] && break; sleep 0.1; done
daemon_stop
wait "$HELD"
expect_eq "SIGTERM with 12 connections open: every one closed" "$(tail -1 "$TEST_DIR/held.out")" "closed 12"
expect_true "unix socket removed at exit" test ! -e "$SM_UNIX"

# ------------------------------------------- 2. 3.10 attributes, strict --
daemon_start v310 "$(smap_conf 3.10 strict 0)" || summary
warm sm
ATTR_ENF="policy_type=sts policy_domain=enforce.test policy_ttl=86400 mx_host_pattern=mx1.enforce.test mx_host_pattern=*.enforce.test { policy_string = version: STSv1 } { policy_string = mode: enforce } { policy_string = mx: mx1.enforce.test } { policy_string = mx: *.enforce.test } { policy_string = max_age: 86400 }"
expect_eq "3.10: enforce.test" "$(sm enforce.test)" "${WANT[enforce.test]} $ATTR_ENF"
expect_eq "3.10 strict: testing.test" "$(sm testing.test)" \
	"OK secure match=mx1.testing.test servername=hostname policy_type=sts policy_domain=testing.test policy_ttl=86400 mx_host_pattern=mx1.testing.test mx_host_pattern=*.testing.test { policy_string = version: STSv1 } { policy_string = mode: testing } { policy_string = mx: mx1.testing.test } { policy_string = mx: *.testing.test } { policy_string = max_age: 86400 }"
expect_eq "3.10: dane.test (no attributes with DANE)" "$(sm dane.test)" "OK dane-only"
expect_eq "3.10: notxt.test" "$(sm notxt.test)" "NOTFOUND "
# socketmap.threads = 0: served on the loop thread, same order
expect_eq "no threads: 20 clients pipelining hits and misses in order" \
	"$(smmix "unix:$SM_UNIX" 20 3 c "$UNKNOWN")" "ok 480"
daemon_stop

# ----------------------------------------------------- 3. real Postfix --
PF=
if pfv=$("$WORLD_TOOLS/postfix-unpack.sh" "$PF_DIR" 2>"$TEST_DIR/postfix-unpack.err"); then
	PF=$PF_DIR/pf
	pass "Postfix $pfv unpacked in $PF_DIR"
else
	fail "Postfix unpack" "$(cat "$TEST_DIR/postfix-unpack.err")"
fi
# pmq MAP KEY - postmap -q: "<value>", "<notfound>" (exit 1, no output), or
# "<error N: message>".
pmq() {
	local out rc=0
	out=$(timeout 60 "$PF" postmap -q "$2" "$1" 2>"$TEST_DIR/postmap.err") || rc=$?
	if [ "$rc" = 0 ]; then
		echo "$out"
	elif [ "$rc" = 1 ] && [ -z "$out" ] && [ ! -s "$TEST_DIR/postmap.err" ]; then
		echo "<notfound>"
	else
		echo "<error $rc: $(tr '\n' ' ' <"$TEST_DIR/postmap.err")>"
	fi
}
# as_postmap ANSWER - what postmap shows for one of our socketmap answers.
as_postmap() {
	case "$1" in
	"OK "*) echo "${1#OK }" ;;
	"NOTFOUND ") echo "<notfound>" ;;
	*) echo "$1" ;;
	esac
}
if [ -n "$PF" ]; then
	daemon_start postfix "$(smap_conf 3.7 opportunistic)" || summary
	warm sm
	for d in $DOMAINS; do
		for m in "socketmap:unix:$SM_UNIX:mxtls" "socketmap:inet:127.0.0.1:$SM_PORT:mxtls"; do
			got=$(pmq "$m" "$d")
			case "${WANT[$d]}" in
			TEMP*) expect_match "postfix ${m%%:*}:${m#socketmap:}: $d" "$got" \
				'^<error [0-9]+: .*(TEMP|temporar|lookup error).*>$' ;;
			*) expect_eq "postfix ${m:10:4}: $d" "$got" "$(as_postmap "${WANT[$d]}")" ;;
			esac
		done
	done
	expect_eq "postfix: .enforce.test" "$(pmq "socketmap:unix:$SM_UNIX:mxtls" .enforce.test)" "<notfound>"
	# postmap -q - : many keys on one connection
	printf '%s\n' dane.test enforce.test nope.test dane.test >"$TEST_DIR/keys"
	expect_eq "postfix: postmap -q - (one connection)" \
		"$(timeout 60 "$PF" postmap -q - "socketmap:unix:$SM_UNIX:mxtls" <"$TEST_DIR/keys" | tr '\t\n' ' |')" \
		"dane.test dane-only|enforce.test ${WANT[enforce.test]#OK }|dane.test dane-only|"
	# The 3.10 answer through Postfix 3.7's socketmap client (protocol
	# only: 3.7's smtp(8) would reject the attributes, hence the option).
	daemon_stop
	daemon_start postfix310 "$(smap_conf 3.10 opportunistic)" || summary
	sm enforce.test >/dev/null
	expect_eq "postfix: 3.10 answer read by postmap" \
		"$(pmq "socketmap:unix:$SM_UNIX:mxtls" enforce.test)" "${WANT[enforce.test]#OK } $ATTR_ENF"
	daemon_stop
fi

# ------------------------------------------------------------- 4. peer --
# Expected relation per domain, ours (3.7) vs the peer ("postfix" zone):
#   same           - identical answer (match patterns compared as a set)
#   dane           - ours is DANE (dane-only / dane, or encrypt for
#                    unusable TLSA records); the peer has no DANE
#                    (NOTFOUND, or secure where an MTA-STS policy exists)
#   temp           - DNSSEC bogus: ours TEMP (defer), the peer NOTFOUND
#   exactnames     - both secure; ours lists the MX host names the policy
#                    admits, the peer its patterns ("*.d" as ".d", any
#                    depth): ours is never wider
#   strictrecord   - our TXT parser follows RFC 8461's ABNF (S1); the
#                    peer's loose parser accepts the record and its policy
declare -A REL=(
	[dane.test]=dane [badtlsa.test]=dane [implicit.test]=dane
	[cnamemx.test]=dane [danemixed.test]=dane [daneunusable.test]=dane
	[bogus.test]=temp
)
# narrower OURS PEER - both "secure match=LIST servername=hostname"; every
# name of ours is one of the peer's, or under one of its ".parent" patterns
narrower() {
	local o=${1#secure match=} p=${2#secure match=} n q ok
	[ "${o#* }" = "${p#* }" ] || return 1
	for n in $(tr ':' ' ' <<<"${o%% *}"); do
		ok=
		for q in $(tr ':' ' ' <<<"${p%% *}"); do
			case "$q" in
			.*) [[ $n == *"$q" ]] && ok=1 ;;
			*) [ "$n" = "$q" ] && ok=1 ;;
			esac
		done
		[ -n "$ok" ] || return 1
	done
}
peer_norm() { # sort the match list so that set order does not matter
	local a=$1 m rest
	case "$a" in
	"secure match="*)
		m=${a#secure match=}
		rest=${m#* }
		[ "$rest" = "$m" ] && rest=
		m=${m%% *}
		echo "secure match=$(tr ':' '\n' <<<"$m" | sort | paste -sd:)${rest:+ $rest}"
		;;
	*) echo "$a" ;;
	esac
}
if [ -n "$PF" ] && "$WORLD_TOOLS/peer-up.sh" "$WORLD" "$PEER_PORT" >"$TEST_DIR/peer-up.log" 2>&1; then
	pass "peer: $(tail -1 "$TEST_DIR/peer-up.log")"
	PEERMAP="socketmap:inet:127.0.0.1:$PEER_PORT"
	warm pmq "$PEERMAP:postfix"
	daemon_start compare "$(smap_conf 3.7 opportunistic)" || summary
	warm sm
	for zone in postfix strict; do
		if [ "$zone" = strict ]; then
			daemon_stop
			daemon_start compare-strict "$(smap_conf 3.7 strict)" || summary
			warm sm
		fi
		for d in $DOMAINS; do
			ours=$(peer_norm "$(pmq "socketmap:unix:$SM_UNIX:mxtls" "$d")")
			peer=$(peer_norm "$(pmq "$PEERMAP:$zone" "$d")")
			rel=${REL[$d]:-same}
			[ "$d" = badtxt.test ] && [ "$peer" != "$ours" ] && rel=strictrecord
			case "$rel $ours $peer" in
			"same secure match="*" secure match="*) [ "$ours" != "$peer" ] && rel=exactnames ;;
			esac
			case $rel in
			same) expect_eq "peer/$zone: $d: same answer" "$ours" "$peer" ;;
			dane)
				expect_match "peer/$zone: $d: ours DANE" "$ours" '^(dane(-only)?|encrypt)$'
				expect_match "peer/$zone: $d: peer without DANE" "$peer" '^(<notfound>|secure match=.*)$'
				;;
			temp)
				expect_match "peer/$zone: $d: ours TEMP (defer)" "$ours" '^<error '
				expect_eq "peer/$zone: $d: peer NOTFOUND (fails open)" "$peer" "<notfound>"
				;;
			exactnames)
				expect_true "peer/$zone: $d: ours lists MX names the peer's patterns admit ($ours / $peer)" \
					narrower "$ours" "$peer"
				;;
			strictrecord)
				expect_eq "peer/$zone: $d: ours NOTFOUND (invalid TXT id)" "$ours" "<notfound>"
				expect_match "peer/$zone: $d: peer uses the policy" "$peer" '^secure match='
				;;
			esac
		done
		# Keys the peer rewrites and we do not look up (docs/postfix.md).
		expect_eq "peer/$zone: [enforce.test]: ours NOTFOUND" "$(pmq "socketmap:unix:$SM_UNIX:mxtls" '[enforce.test]')" "<notfound>"
		expect_match "peer/$zone: [enforce.test]: peer strips the brackets" "$(pmq "$PEERMAP:$zone" '[enforce.test]')" '^secure match='
		expect_eq "peer/$zone: enforce.test:587: ours NOTFOUND" "$(pmq "socketmap:unix:$SM_UNIX:mxtls" enforce.test:587)" "<notfound>"
		expect_match "peer/$zone: enforce.test:587: peer strips the port" "$(pmq "$PEERMAP:$zone" enforce.test:587)" '^secure match='
		expect_eq "peer/$zone: .enforce.test: both NOTFOUND" \
			"$(pmq "socketmap:unix:$SM_UNIX:mxtls" .enforce.test) $(pmq "$PEERMAP:$zone" .enforce.test)" "<notfound> <notfound>"
	done
	daemon_stop
else
	fail "peer: postfix-mta-sts-resolver did not start" "$(cat "$TEST_DIR/peer-up.log" 2>/dev/null)"
fi
summary
