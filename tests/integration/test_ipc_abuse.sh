#!/bin/bash
# test_ipc_abuse.sh - no client can stop the socket at ipc.listen from
# serving the others (docs/IPC.md "Transport"). With nng 1.5.2's REP
# listener a client that connected and closed without the SP handshake
# left it answering nothing until mxtlsd restarted (nanomsg/nng issue
# 1518). Against the real daemon, on ipc:// and on a loopback tcp://:
# after each kind of misbehaviour (tests/integration/spabuse.py: bare
# connect and close, half a header, a PUB peer, half a request, random
# bytes, a flood of requests never read) and while half-open connections
# stay open, mxtlsctl (real nng REQ) still gets its ping and a policy
# answered on the same socket, within mxtlsctl's own timeout. The socket
# keeps its file mode; SIGTERM still answers a lookup in flight there.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

ABUSE="python3 $(dirname "$0")/spabuse.py"
# a loopback address and port no other test uses
TCP_URL=tcp://127.0.0.41:4914

# served LABEL - ping and a policy query on ipc.listen answer (mxtlsctl
# waits at most 10 s: a socket that stopped serving times out)
served() {
	local out rc
	out=$(timeout 20 "$MXTLS_BIN/mxtlsctl" -s "$DAEMON_URL" -t 10 ping 2>&1)
	rc=$?
	expect_eq "$1: ping answered" "$rc" 0
	out=$(timeout 20 "$MXTLS_BIN/mxtlsctl" -s "$DAEMON_URL" -t 10 query enforce.test --json 2>&1)
	rc=$?
	expect_eq "$1: policy query: exit status" "$rc" 0
	expect_jq "$1: policy answered" "$out" '[.status, .mode] | join(" ")' "ok enforce"
}

# abuse_all - every kind on the socket under test, one after the other
abuse_all() {
	local kind out
	for kind in bare partial pub halfmsg garbage flood; do
		out=$(timeout 60 $ABUSE "$DAEMON_URL" "$kind" 2>&1)
		expect_eq "$T: $kind: the client did its damage" "$out" done
		served "$T: after $kind"
	done
	# many bare connections in a row
	for kind in $(seq 20); do
		timeout 10 $ABUSE "$DAEMON_URL" bare >/dev/null 2>&1
	done
	served "$T: after 20 bare connections"
	# half-open connections held while others are served
	coproc HALF { timeout 150 $ABUSE "$DAEMON_URL" halfopen 2>&1; }
	read -r -t 20 out <&"${HALF[0]}"
	expect_eq "$T: half-open connections are open" "$out" open
	served "$T: while 3 connections are half-open"
	exec {HALF[1]}>&- # stdin closes: the helper closes them
	wait "$HALF_PID"
	served "$T: after the half-open connections closed"
	expect_true "$T: daemon still running" daemon_alive
}

# ----------------------------------------------------------------- ipc:// --
T=ipc
if daemon_start abuse-ipc; then
	served "$T: before"
	abuse_all
	expect_eq "$T: the socket keeps its mode" \
		"$(stat -c %a "${DAEMON_URL#ipc://}")" 660
	expect_match "$T: the PUB peer was logged and refused" \
		"$(cat "$DAEMON_LOG")" 'MXTLS-IPC-DIRECT-BAD-FRAME.*0x0020 is not REQ'
	# SIGTERM: a lookup still out on this socket is answered tempfail
	n0=$(jqr "$(ctl stats --json)" '.requests')
	timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$DAEMON_URL" query timeout.test --json \
		>"$TEST_DIR/stop.out" 2>&1 &
	p=$!
	# shellcheck disable=SC2317
	out_now() { [ "$(jqr "$(ctl stats --json)" '.requests')" -ge $((n0 + 2)) ]; }
	poll_until 5 out_now
	daemon_stop
	rc=0
	wait "$p" || rc=$?
	expect_eq "$T: stopping: exit code (tempfail)" "$rc" 75
	expect_jq_match "$T: stopping: told why" "$(cat "$TEST_DIR/stop.out")" '.why' 'stopping'
fi

# ----------------------------------------------------------------- tcp:// --
T=tcp
DAEMON_LISTEN=$TCP_URL
if daemon_start abuse-tcp; then
	served "$T: before"
	abuse_all
	daemon_stop
fi
unset DAEMON_LISTEN
summary
