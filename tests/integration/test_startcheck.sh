#!/bin/bash
# test_startcheck.sh - start-up checks and start-up as a service
# (docs/OPERATIONS.md): mxtlsd -n fails naming a missing trust anchor and a
# file the run user (daemon.user) cannot read, and so does the start; a
# socketmap socket under missing directories gets them created (owner
# daemon.user, mode 0755); the TLSRPT datagram socket in a root-owned
# directory with daemon.user set works when started as root (bound before
# the privilege drop) and receives datagrams; the pid file of a root start
# is root's (0644, the run user cannot rewrite it; a warning when its
# directory is the user's), a second mxtlsd is kept out by its lock, a
# symbolic link in its place is refused; a TLSRPT store the run user
# cannot read is a warning, the daemon serves and refuses results naming
# it; mxtlsd started as a plain
# user with another daemon.user runs (logged, no drop); the systemd
# notifications (READY=1, RELOADING=1 + MONOTONIC_USEC, STOPPING=1) reach
# $NOTIFY_SOCKET. Needs root (it checks access as user nobody).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

RUN_USER=nobody
RUN_GROUP=$(id -gn "$RUN_USER")
# every file the run user must read lives here (the build tree may be
# under a directory nobody cannot search)
T=$(mktemp -d /tmp/mxtls-startcheck.XXXXXX)
chmod 755 "$T"
PID=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -z "$PID" ] || kill -9 "$PID" 2>/dev/null
	[ -z "${RCV:-}" ] || kill "$RCV" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
cp "$TA_FILE" "$T/ta.key"
cp "$UNBOUND_CONF" "$T/unbound.conf"
cp "$CA_FILE" "$T/ca.crt"
chmod 644 "$T"/*

# conf NAME EXTRA - write $T/NAME/mxtlsd.conf (user nobody, all under $T).
conf() {
	local d=$T/$1
	mkdir -p "$d"
	chmod 755 "$d"
	CONF=$d/mxtlsd.conf
	URL="ipc://$d/run/mxtlsd.sock"
	{
		printf 'daemon: { user = "%s"; pid_file = "%s/run/mxtlsd.pid"; };\n' "$RUN_USER" "$d"
		printf 'ipc: { listen = "%s"; direct = ""; };\n' "$URL"
		printf 'store: { path = "%s/lib/mxtls.db"; };\n' "$d"
		printf 'log: { level = "info"; };\n'
		printf 'fetch: { ca_file = "%s/ca.crt"; };\n' "$T"
		printf '%s\n' "$2"
	} >"$CONF"
}
resolver_ok() {
	printf 'resolver: { trust_anchor_file = "%s/ta.key"; unbound_config = "%s/unbound.conf"; };' "$T" "$T"
}
# start [RUNAS...] - start mxtlsd -d on $CONF, wait for its ping.
start() {
	LOG=$(dirname "$CONF")/mxtlsd.log
	"$@" "$MXTLS_BIN/mxtlsd" -d -c "$CONF" </dev/null >"$LOG" 2>&1 &
	PID=$!
	for _ in $(seq 100); do
		kill -0 "$PID" 2>/dev/null || {
			wait "$PID"
			echo "exit $?"
			PID=
			return 1
		}
		timeout 2 "$MXTLS_BIN/mxtlsctl" -s "$URL" ping >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
stop() {
	kill -TERM "$PID"
	wait "$PID"
	local rc=$?
	PID=
	return $rc
}

# ------------------------------------------------- missing trust anchor --
conf noanchor "resolver: { trust_anchor_file = \"$T/no-such-root.key\"; unbound_config = \"$T/unbound.conf\"; };"
out=$("$MXTLS_BIN/mxtlsd" -n -c "$CONF" 2>&1 >/dev/null)
rc=$?
expect_eq "missing trust anchor: mxtlsd -n exit status" "$rc" 1
expect_match "missing trust anchor: named with key, user and fix" "$out" \
	"error: resolver.trust_anchor_file \"$T/no-such-root.key\": no such file \\(checked as user $RUN_USER\\); fix: install the root trust anchor"
expect_match "missing trust anchor: not OK" "$out" 'configuration NOT OK: 1 problem for user nobody'
if start; then
	fail "missing trust anchor: the daemon refuses to start" "it started"
	stop
else
	pass "missing trust anchor: the daemon refuses to start"
	expect_match "missing trust anchor: start log" "$(cat "$LOG")" \
		"MXTLSD-CHECK: resolver.trust_anchor_file \"$T/no-such-root.key\": no such file"
fi

# --------------------------------------- unreadable file for the run user --
conf unreadable "$(resolver_ok)
preload: { path = \"$T/unreadable/preload.json\"; };"
cp "$MXTLS_SRC/tests/data/preload/"*.json "$T/unreadable/preload.json" 2>/dev/null ||
	echo '{}' >"$T/unreadable/preload.json"
chmod 600 "$T/unreadable/preload.json"
out=$("$MXTLS_BIN/mxtlsd" -n -c "$CONF" 2>&1 >/dev/null)
rc=$?
expect_eq "unreadable preload list: mxtlsd -n exit status" "$rc" 1
expect_match "unreadable preload list: named with user and fix" "$out" \
	"error: preload.path \"$T/unreadable/preload.json\": not readable by user $RUN_USER \\(Permission denied; owner uid 0, gid 0, mode 0600\\); fix: chgrp $RUN_GROUP"
chmod 644 "$T/unreadable/preload.json"
mkdir -p "$T/unreadable/closed"
chmod 700 "$T/unreadable/closed"
sed -i "s#unreadable/preload.json#unreadable/closed/x.json#" "$CONF"
echo '{}' >"$T/unreadable/closed/x.json"
chmod 644 "$T/unreadable/closed/x.json"
out=$("$MXTLS_BIN/mxtlsd" -n -c "$CONF" 2>&1 >/dev/null)
expect_match "unsearchable directory: named" "$out" \
	"preload.path \"$T/unreadable/closed/x.json\": Permission denied for user $RUN_USER"
conf fine "$(resolver_ok)"
out=$("$MXTLS_BIN/mxtlsd" -n -c "$CONF" 2>&1 >/dev/null)
expect_eq "all readable: mxtlsd -n exit status" "$?" 0
expect_match "all readable: OK" "$out" "configuration OK \\(files checked as user $RUN_USER\\)"

# ------------------------- socketmap and TLSRPT sockets: directories, root --
mkdir -p "$T/sockets/rootonly"
chmod 755 "$T/sockets/rootonly"
conf sockets "$(resolver_ok)
socketmap: { listen = [\"unix:$T/sockets/sm/a/b/smap.sock\"]; };
tlsrpt: { datagram_socket = \"$T/sockets/rootonly/tlsrpt.sock\"; };"
if start; then
	pass "sockets: started as root, daemon.user $RUN_USER"
	for d in sm sm/a sm/a/b; do
		expect_eq "socketmap directory $d: owner and mode" \
			"$(stat -c '%U %a' "$T/sockets/$d")" "$RUN_USER 755"
	done
	expect_eq "socketmap socket there" "$(stat -c %F "$T/sockets/sm/a/b/smap.sock")" socket
	expect_eq "datagram socket in a root-only directory, given to the user" \
		"$(stat -c '%F %U' "$T/sockets/rootonly/tlsrpt.sock")" "socket $RUN_USER"
	expect_eq "the root-only directory stays root's" "$(stat -c %U "$T/sockets/rootonly")" root
	expect_eq "daemon runs as $RUN_USER" "$(ps -o user= -p "$PID")" "$RUN_USER"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"{\"dpv\":\"1\",\"d\":\"enforce.test\",\"pr\":\"v=TLSRPTv1;rua=mailto:r@enforce.test\",\"policies\":[{\"policy-type\":9,\"t\":1,\"f\":0}]}", sys.argv[1])
' "$T/sockets/rootonly/tlsrpt.sock"
	# shellcheck disable=SC2317
	got_dgram() { [ "$(jqr "$(timeout 5 "$MXTLS_BIN/mxtlsctl" -s "$URL" stats --json)" .tlsrpt_datagrams)" -ge 1 ]; }
	if poll_until 10 got_dgram; then
		pass "datagram received through the socket bound before the drop"
	else
		fail "datagram received" "$(timeout 5 "$MXTLS_BIN/mxtlsctl" -s "$URL" stats --json)"
	fi
	# issue 17: the pid file is root's; the run user cannot rewrite it
	PIDF=$T/sockets/run/mxtlsd.pid
	expect_eq "pid file: root's, mode 0644" "$(stat -c '%U %G %a' "$PIDF")" "root root 644"
	expect_eq "pid file: our pid" "$(cat "$PIDF")" "$PID"
	if setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --clear-groups sh -c 'echo 1 >"$1"' sh "$PIDF" 2>/dev/null; then
		fail "pid file: not writable by $RUN_USER" "$RUN_USER wrote it"
	else
		pass "pid file: not writable by $RUN_USER"
	fi
	expect_eq "pid file: still our pid" "$(cat "$PIDF")" "$PID"
	expect_match "pid file in a directory $RUN_USER may write: warned" "$(cat "$LOG")" \
		"MXTLSD-PIDFILE-DIR: daemon.pid_file $PIDF: its directory $T/sockets/run is writable by $RUN_USER"
	out=$(timeout 10 "$MXTLS_BIN/mxtlsd" -d -c "$CONF" </dev/null 2>&1)
	expect_eq "second mxtlsd: exit status" "$?" 1
	expect_match "second mxtlsd: refused by the lock" "$out" "$PIDF: locked: another mxtlsd \\(pid $PID\\) is running"
	expect_eq "pid file: untouched by the second" "$(stat -c '%U %a' "$PIDF"):$(cat "$PIDF")" "root 644:$PID"
	stop
	expect_eq "sockets: exit status" "$?" 0
	expect_true "pid file: removed at exit (its directory is $RUN_USER's)" test ! -e "$PIDF"
else
	fail "sockets: started as root, daemon.user $RUN_USER" "$(cat "$LOG")"
fi

# ------------------- the pid file in a root-owned directory (issue 17) --
conf piddir "$(resolver_ok)"
mkdir -p "$T/piddir/rootrun"
chmod 755 "$T/piddir/rootrun"
sed -i "s#pid_file = \"[^\"]*\"#pid_file = \"$T/piddir/rootrun/mxtlsd.pid\"#" "$CONF"
# a pid file left by an older mxtlsd, the run user's: taken back by root
echo 1 >"$T/piddir/rootrun/mxtlsd.pid"
chown "$RUN_USER" "$T/piddir/rootrun/mxtlsd.pid"
if start; then
	PIDF=$T/piddir/rootrun/mxtlsd.pid
	expect_eq "root directory: pid file root's, 0644, our pid" \
		"$(stat -c '%U %a' "$PIDF"):$(cat "$PIDF")" "root 644:$PID"
	expect_true "root directory: no warning" sh -c '! grep -q MXTLSD-PIDFILE-DIR "$1"' sh "$LOG"
	stop
	expect_eq "root directory: exit status" "$?" 0
	# the user cannot unlink it there: left, empty (nothing to signal)
	expect_eq "root directory: pid file left empty at exit" "$(stat -c '%U %s' "$PIDF")" "root 0"
else
	fail "root directory: started as root" "$(cat "$LOG")"
fi
# a symbolic link where the pid file goes: refused, the target untouched
echo keep >"$T/piddir/target"
rm -f "$T/piddir/rootrun/mxtlsd.pid"
ln -s "$T/piddir/target" "$T/piddir/rootrun/mxtlsd.pid"
out=$(timeout 10 "$MXTLS_BIN/mxtlsd" -d -c "$CONF" </dev/null 2>&1)
expect_eq "pid file a symbolic link: exit status" "$?" 1
expect_match "pid file a symbolic link: refused" "$out" "mxtlsd.pid: .*symbolic link: remove it"
expect_eq "pid file a symbolic link: target untouched" "$(cat "$T/piddir/target")" keep

# ---- a TLSRPT store the run user cannot read: served without (issue 17) --
conf tlsunread "$(resolver_ok)"
mkdir -p "$T/tlsunread/lib"
chown "$RUN_USER:$RUN_GROUP" "$T/tlsunread/lib"
TDB=$T/tlsunread/lib/mxtls.db.tlsrpt
echo 'counts of unsent reports' >"$TDB"
chmod 600 "$TDB"
out=$("$MXTLS_BIN/mxtlsd" -n -c "$CONF" 2>&1 >/dev/null)
expect_eq "unreadable TLSRPT store: mxtlsd -n exit status (a warning)" "$?" 0
expect_match "unreadable TLSRPT store: mxtlsd -n warns" "$out" \
	"TLSRPT store\\) \"$TDB\": not readable and writable by user $RUN_USER .*TLS results are not counted until it is fixed"
if start; then
	pass "unreadable TLSRPT store: started"
	expect_match "unreadable TLSRPT store: logged with what to do" "$(cat "$LOG")" \
		"MXTLS-TLSRPT-STORE-UNUSABLE: $TDB: cannot open the TLSRPT store: .*move it aside"
	out=$(timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$URL" result --json domain=enforce.test mx_host=mx1.enforce.test result=success)
	expect_eq "unreadable TLSRPT store: result exit code (tempfail)" "$?" 75
	expect_jq_match "unreadable TLSRPT store: the reason names the file" "$out" '.why' "TLSRPT store $TDB cannot be used"
	stop
	expect_eq "unreadable TLSRPT store: exit status" "$?" 0
else
	fail "unreadable TLSRPT store: started" "$(cat "$LOG")"
fi
expect_eq "unreadable TLSRPT store: untouched" "$(stat -c '%U %a' "$TDB"):$(cat "$TDB")" "root 600:counts of unsent reports"

# --------------------------- started as a plain user, systemd notification --
conf plain "$(resolver_ok)
socketmap: { listen = [\"unix:$T/plain/sm/smap.sock\"]; };"
sed -i 's/user = "nobody"/user = "mxtls-not-me"/' "$CONF"
mkdir -p "$T/plain/run" "$T/plain/lib"
chown "$RUN_USER:$RUN_GROUP" "$T/plain" "$T/plain/run" "$T/plain/lib"
NOTIFY=$T/plain/notify.sock
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
import os; os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", "|") + "\n")
' "$NOTIFY" "$T/plain/notify.log" &
RCV=$!
for _ in $(seq 50); do [ -S "$NOTIFY" ] && break; sleep 0.1; done
if ! setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --clear-groups test -x "$MXTLS_BIN/mxtlsd"; then
	pass "plain user: SKIPPED ($MXTLS_BIN is not reachable for $RUN_USER)"
elif start env NOTIFY_SOCKET="$NOTIFY" setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --clear-groups; then
	pass "plain user: started as $RUN_USER with daemon.user mxtls-not-me"
	expect_match "plain user: logged" "$(cat "$LOG")" \
		"MXTLSD-USER: not started as root: running as $RUN_USER .*daemon.user \"mxtls-not-me\" is not applied"
	expect_eq "plain user: socket directory made as $RUN_USER" \
		"$(stat -c '%U %a' "$T/plain/sm")" "$RUN_USER 755"
	# shellcheck disable=SC2317
	notified() { grep -q "$1" "$T/plain/notify.log" 2>/dev/null; }
	poll_until 5 notified '^READY=1|' || true
	expect_match "READY=1 with a status" "$(head -1 "$T/plain/notify.log")" \
		"^READY=1\\|MAINPID=$PID\\|STATUS=serving on $URL"
	kill -HUP "$PID"
	poll_until 5 notified 'STATUS=serving; reloaded' || true
	expect_match "RELOADING=1 with MONOTONIC_USEC" "$(sed -n 2p "$T/plain/notify.log")" \
		'^RELOADING=1\|MONOTONIC_USEC=[0-9]+$'
	expect_match "READY=1 after the reload" "$(sed -n 3p "$T/plain/notify.log")" \
		'^READY=1\|STATUS=serving; reloaded .* \(0 applied, 0 need a restart\)$'
	stop
	expect_eq "plain user: exit status" "$?" 0
	expect_match "STOPPING=1 at SIGTERM" "$(sed -n 4p "$T/plain/notify.log")" '^STOPPING=1\|'
else
	fail "plain user: started as $RUN_USER" "$(cat "$LOG")"
fi

# ------------- a socket directory the user cannot write; a port in use --
conf bindfail "$(resolver_ok)
socketmap: { listen = [\"unix:$T/sockets/rootonly/smap.sock\"]; };"
sed -i 's/user = "nobody"/user = ""/' "$CONF"
mkdir -p "$T/bindfail/run" "$T/bindfail/lib"
chown "$RUN_USER:$RUN_GROUP" "$T/bindfail/run" "$T/bindfail/lib"
if ! setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --clear-groups test -x "$MXTLS_BIN/mxtlsd"; then
	pass "root-only socket directory: SKIPPED ($MXTLS_BIN is not reachable for $RUN_USER)"
elif start setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --clear-groups; then
	fail "root-only socket directory, not root: no start" "it started"
	stop
else
	pass "root-only socket directory, not root: no start"
	expect_match "root-only socket directory: path, user and fix" "$(cat "$LOG")" \
		"MXTLSD-CHECK: socketmap.listen \"$T/sockets/rootonly/smap.sock\": directory $T/sockets/rootonly is not writable by user $RUN_USER \\(Permission denied\\); fix: chown $RUN_USER"
fi
PORT=18471
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
open(sys.argv[2], "w").close(); time.sleep(30)
' "$PORT" "$T/holder.ready" &
HOLDER=$!
# not a fixed sleep: under load python may take longer to bind than
# mxtlsd, which then got the port and started
poll_until 10 test -e "$T/holder.ready" || true
conf inuse "$(resolver_ok)
socketmap: { listen = [\"inet:127.0.0.1:$PORT\"]; };"
sed -i 's/user = "nobody"/user = ""/' "$CONF"
if start; then
	fail "port in use: no start" "it started"
	stop
else
	pass "port in use: no start"
	expect_match "port in use: address and fix" "$(cat "$LOG")" \
		"MXTLSD-SOCKETMAP: .*127.0.0.1:$PORT.*in use \\(socketmap.listen inet:127.0.0.1:$PORT, as root\\); fix: another process listens there"
fi
kill "$HOLDER" 2>/dev/null
summary
