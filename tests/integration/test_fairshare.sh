#!/bin/bash
# test_fairshare.sh - one peer's connections cannot deny lookups to
# another (issue 17; docs/IPC.md "Limits: connections per peer"; cached/
# peerlimit.c). Raw socketmap clients: tests/integration/fairshare.py; the
# flooding users run it under setpriv(1) with other uids.
#
# 1. Default limits (1024 connections, a quarter per peer): nobody holds
#    1100 answered connections to a unix: socketmap socket (mode 0666);
#    it keeps exactly 256 of them. While it holds them, root and a third
#    user (daemon, uid 1) get answers on new connections, again and again;
#    the held connections still answer; after the release nobody gets its
#    connections again.
# 2. Configured: socketmap.max_connections 64, max_per_peer 8,
#    reserved_users ["daemon"], first_request_timeout 2: the reserved
#    user (daemon) keeps 12 answered connections open throughout, as
#    Postfix's smtp processes do; nobody (unix:) and 127.0.0.2 (inet:)
#    hold exactly 8 each; 127.0.0.1 and another uid still get answers;
#    four more uids fill the others' 48 slots. Then a further uid is
#    answered (docs/DECISIONS.md N5: the oldest idle connection of the
#    heaviest non-reserved peer, 127.0.0.2, the smaller key of the
#    holders of 8, is closed for it; logged MXTLS-SOCKETMAP-EVICT,
#    counted in stats), only that one connection of 127.0.0.2's is gone,
#    nobody (holding its share) is still refused and evicts nobody, the
#    reserved user's 12 connections all still answer (never evicted,
#    although it holds the most), and it and root get answers (the
#    reserve). A connection that sends nothing, and one that
#    trickles a request a byte a second, are closed after the short
#    timeout; a connection that has sent a complete request answers its
#    second request 5 s later (the Postfix pattern).
# 3. The IPC doors (ipc.listen and ipc.direct share one cap): with
#    ipc.max_connections 16, max_per_peer 4, first_request_timeout 2 and
#    mode 0666, nobody holds 4 of 10 SP connections (pings) on
#    ipc.listen; uid 4242 is answered on both sockets, as is root; a
#    silent connection is closed after the short timeout, an answered one
#    answers again 5 s later.
# Needs root (setpriv to other uids), python3.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

FAIR=$LIB_DIR/fairshare.py
SM_PORT=18471 # no other test uses it
# a directory every uid may enter: the socket is mode 0666
SM_DIR=$(mktemp -d /tmp/mxtls-fair.XXXXXX)
chmod 0755 "$SM_DIR"
SM_UNIX=$SM_DIR/smap.sock
trap 'rm -rf "$SM_DIR"' EXIT

# as UID CMD... - run CMD as another user, no supplementary groups
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$u" --clear-groups -- "$@"
}
# fair_as UID ARGS... - fairshare.py (read from stdin: any uid can run it)
fair_as() {
	local u=$1
	shift
	if [ "$u" = 0 ]; then
		/usr/bin/python3 - "$@" <"$FAIR"
	else
		as "$u" /usr/bin/python3 - "$@" <"$FAIR"
	fi
}

# holders: background fairshare.py hold, commands through a FIFO
declare -A HOLD_FD
hold_start() { # NAME UID ADDR N [SRC]
	local name=$1 u=$2
	shift 2
	mkfifo "$TEST_DIR/$name.in"
	# the script on fd 3: stdin is the command FIFO
	if [ "$u" = 0 ]; then
		/usr/bin/python3 /dev/fd/3 hold "$@" 3<"$FAIR" <"$TEST_DIR/$name.in" >"$TEST_DIR/$name.out" 2>&1 &
	else
		as "$u" /usr/bin/python3 /dev/fd/3 hold "$@" 3<"$FAIR" <"$TEST_DIR/$name.in" >"$TEST_DIR/$name.out" 2>&1 &
	fi
	exec {fd}>"$TEST_DIR/$name.in"
	HOLD_FD[$name]=$fd
}
held_line() { grep -m1 '^held ' "$TEST_DIR/$1.out" 2>/dev/null; }
hold_wait() { # NAME: prints "held H refused R" (120 s at most)
	for _ in $(seq 1200); do
		held_line "$1" && return 0
		sleep 0.1
	done
	echo "none: $(head -c 300 "$TEST_DIR/$1.out")"
}
hold_cmd() { # NAME CMD: prints the holder's answer
	local name=$1 n
	n=$(wc -l <"$TEST_DIR/$name.out")
	echo "$2" >&"${HOLD_FD[$name]}"
	for _ in $(seq 600); do
		[ "$(wc -l <"$TEST_DIR/$name.out")" -gt "$n" ] && break
		sleep 0.1
	done
	sed -n "$((n + 1))p" "$TEST_DIR/$name.out"
}
hold_release() { # NAME
	local fd=${HOLD_FD[$1]}
	hold_cmd "$1" release >/dev/null
	exec {fd}>&-
	unset "HOLD_FD[$1]"
}

# asks UID N ADDR [SRC] - N new connections of UID, one request each:
# prints how many were answered
asks() {
	local u=$1 n=$2 addr=$3
	shift 3
	fair_as "$u" ask "$addr" "$n" "$@" | grep -c '^ok$'
}

# shellcheck disable=SC2034 # read by lib.sh's write_config
LOG_CONF='log: { level = "info"; };'

# ----------------------------------------------- 1. the default limits --
daemon_start defaults "$(printf 'socketmap: { listen = ["unix:%s"]; mode = "0666"; threads = 2; };\n' "$SM_UNIX")"
if [ -n "$DAEMON_PID" ]; then
	expect_eq "root is answered before the flood" "$(asks 0 1 "unix:$SM_UNIX")" 1
	hold_start nobody1 65534 "unix:$SM_UNIX" 1100
	out=$(hold_wait nobody1)
	expect_eq "nobody keeps a quarter of the 1024 connections" "$out" "held 256 refused 844"
	expect_eq "root is answered on 5 new connections while nobody floods" \
		"$(asks 0 5 "unix:$SM_UNIX")" 5
	expect_eq "daemon (uid 1) is answered on 5 new connections while nobody floods" \
		"$(asks 1 5 "unix:$SM_UNIX")" 5
	expect_eq "nobody's own new connections are refused" "$(asks 65534 3 "unix:$SM_UNIX")" 0
	expect_eq "nobody's held connections still answer" "$(hold_cmd nobody1 check)" "alive 256"
	expect_eq "root is answered again" "$(asks 0 5 "unix:$SM_UNIX")" 5
	expect_match "the refusals are logged with the peer" \
		"$(grep -m1 MXTLS-SOCKETMAP-BUSY "$DAEMON_LOG")" \
		'uid 65534: [0-9]+ connections open, this peer holds its share of connections; refusing another'
	hold_release nobody1
	expect_eq "after the release nobody is answered again" \
		"$(asks 65534 3 "unix:$SM_UNIX")" 3
	expect_true "daemon still running" daemon_alive
	daemon_stop
fi

# ---------------------------------------------------- 2. configured ------
daemon_start configured "$(printf 'socketmap: { listen = ["unix:%s", "inet:127.0.0.1:%s"]; mode = "0666"; threads = 2; max_connections = 64; max_per_peer = 8; reserved_users = [ "daemon" ]; first_request_timeout = 2; };\n' \
	"$SM_UNIX" "$SM_PORT")"
if [ -n "$DAEMON_PID" ]; then
	INET=inet:127.0.0.1:$SM_PORT
	hold_start mta 1 "unix:$SM_UNIX" 12
	expect_eq "the reserved user (daemon) holds 12 Postfix-style connections" \
		"$(hold_wait mta)" "held 12 refused 0"
	hold_start nobody2 65534 "unix:$SM_UNIX" 20
	expect_eq "nobody holds max_per_peer (8) of 20" "$(hold_wait nobody2)" "held 8 refused 12"
	hold_start addr2 0 "$INET" 20 127.0.0.2
	expect_eq "127.0.0.2 holds max_per_peer (8) of 20 (inet:)" "$(hold_wait addr2)" "held 8 refused 12"
	expect_eq "127.0.0.1 is answered while 127.0.0.2 holds its share" \
		"$(asks 0 3 "$INET" 127.0.0.1)" 3
	expect_eq "uid 4242 is answered while nobody holds its share" \
		"$(asks 4242 3 "unix:$SM_UNIX")" 3
	# 4 x 8 more: the others hold 48 of 64, the 16 left are reserved
	for u in 4001 4002 4003 4004; do
		hold_start "u$u" "$u" "unix:$SM_UNIX" 8
		expect_eq "uid $u holds 8" "$(hold_wait "u$u")" "held 8 refused 0"
	done
	expect_eq "no eviction yet" "$(grep -c MXTLS-SOCKETMAP-EVICT "$DAEMON_LOG")" 0
	expect_eq "uid 4005 is answered although the others' 48 are taken (an eviction)" \
		"$(asks 4005 1 "unix:$SM_UNIX")" 1
	expect_match "the eviction is logged with both peers" \
		"$(grep -m1 MXTLS-SOCKETMAP-EVICT "$DAEMON_LOG")" \
		'uid 4005: [0-9]+ connections open; closing the oldest idle connection of 127\.0\.0\.2 \(holding 8\) to serve it'
	expect_eq "127.0.0.2 lost its oldest connection, only that one" \
		"$(hold_cmd addr2 dead)" "dead 0"
	expect_eq "the eviction is counted in stats" \
		"$(jqr "$(ctl stats --json)" .socketmap_connections_evicted)" 1
	expect_eq "nobody, holding its share, is still refused" \
		"$(asks 65534 2 "unix:$SM_UNIX")" 0
	expect_eq "... and evicted nobody" "$(grep -c MXTLS-SOCKETMAP-EVICT "$DAEMON_LOG")" 1
	expect_eq "the reserved user (daemon) is answered while the others hold 47" \
		"$(asks 1 3 "unix:$SM_UNIX")" 3
	expect_eq "root is answered while the others hold 47" \
		"$(asks 0 3 "unix:$SM_UNIX")" 3
	expect_eq "the reserved user's 12 connections were never closed" \
		"$(hold_cmd mta check)" "alive 12"
	expect_eq "uid 4006 is answered (the slot 127.0.0.2 gave up)" \
		"$(asks 4006 2 "unix:$SM_UNIX")" 2
	# the timeouts
	expect_eq "a silent connection is closed after first_request_timeout" \
		"$(fair_as 0 silent "unix:$SM_UNIX" 60)" closed
	out=$(fair_as 0 trickle "unix:$SM_UNIX" 60)
	expect_match "a trickled request does not extend first_request_timeout" \
		"$out" '^closed after [0-9]+ bytes$'
	expect_eq "a connection with a complete request answers again 5 s later" \
		"$(fair_as 0 linger "unix:$SM_UNIX" 5)" "ok|ok"
	expect_eq "... over inet: too" \
		"$(fair_as 0 linger "$INET" 5)" "ok|ok"
	expect_eq "nobody's held connections outlive first_request_timeout" \
		"$(hold_cmd nobody2 check)" "alive 8"
	expect_eq "the reserved user's connections outlive it all" \
		"$(hold_cmd mta check)" "alive 12"
	for h in mta nobody2 addr2 u4001 u4002 u4003 u4004; do
		hold_release "$h"
	done
	expect_true "daemon still running" daemon_alive
	daemon_stop
fi

# ------------------------------------------------------ 3. IPC doors -----
DAEMON_LISTEN=ipc://$SM_DIR/ipc.sock
# shellcheck disable=SC2034 # read by lib.sh
IPC_CONF=$(printf 'ipc: { listen = "%s"; direct = "ipc://%s/direct.sock"; mode = "0666"; max_connections = 16; max_per_peer = 4; first_request_timeout = 2; };' \
	"$DAEMON_LISTEN" "$SM_DIR")
daemon_start ipc
unset DAEMON_LISTEN IPC_CONF
if [ -n "$DAEMON_PID" ]; then
	IPC=sp:$SM_DIR/ipc.sock
	DIR=sp:$SM_DIR/direct.sock
	hold_start nobody3 65534 "$IPC" 10
	expect_eq "nobody holds ipc.max_per_peer (4) of 10 on ipc.listen" "$(hold_wait nobody3)" "held 4 refused 6"
	expect_eq "nobody's share counts on ipc.direct too" "$(asks 65534 2 "$DIR")" 0
	expect_eq "uid 4242 is answered on ipc.listen while nobody holds its share" \
		"$(asks 4242 3 "$IPC")" 3
	expect_eq "uid 4242 is answered on ipc.direct" "$(asks 4242 3 "$DIR")" 3
	expect_eq "root is answered (mxtlsctl ping)" \
		"$(ctl ping >/dev/null 2>&1 && echo yes)" yes
	expect_eq "a silent IPC connection is closed after ipc.first_request_timeout" \
		"$(fair_as 0 silent "$IPC" 60)" closed
	expect_eq "an answered IPC connection answers again 5 s later" \
		"$(fair_as 0 linger "$DIR" 5)" "ok|ok"
	expect_eq "nobody's held IPC connections outlive first_request_timeout" \
		"$(hold_cmd nobody3 check)" "alive 4"
	hold_release nobody3
	expect_true "daemon still running" daemon_alive
	daemon_stop
fi
summary
