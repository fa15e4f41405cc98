#!/bin/bash
# run.sh - the soak and flood suite (issue 17 part 6; docs/SOAK.md), on
# demand, never part of ctest. As root, in its own network namespace
# (unshare -n: a private 127.0.0.1, so the world's fixed ports collide with
# nobody):
#
#   SOAK_MINUTES=6 nice -n 10 tests/soak/run.sh
#
# It brings up the loopback world (tests/world/up.sh), starts mxtlsd with
# every front door (socketmap unix: and inet:, ipc.listen, ipc.direct, the
# TLSRPT datagram socket; RLIMIT_NOFILE SOAK_NOFILE) through
# tests/integration/lib.sh's daemon_start, and for SOAK_MINUTES runs the
# mixed load of load.py as the MTAs' own users (postfix: socketmap and
# datagrams; Debian-exim: policy requests on ipc.listen and ipc.direct and
# TLSRPT results), while these phases come and go in turn:
#   calm       the load alone;
#   fdflood    fdflood.py as nobody: SOAK_FLOOD idle connections that never
#              send a byte to each unix door (socketmap, ipc.listen,
#              ipc.direct), held SOAK_PHASE seconds;
#   idleflood  fairshare.py hold: nobody holds answered, then idle,
#              connections (SOAK_FLOOD x 4 on the socketmap socket, SOAK_FLOOD
#              SP connections on ipc.listen), and 127.0.0.2 SOAK_FLOOD on
#              socketmap inet:;
#   dnsfault   the load also asks the world's SERVFAIL and timeout zones,
#              the bogus zones and the stalling (10 B/s), failing and
#              wrong-certificate policy hosts, flushing them now and then so
#              they are asked upstream again;
# and every SOAK_KILL_EVERY seconds (at a phase boundary) mxtlsd is killed
# with SIGKILL and restarted on the same store ("restart").
# After each flood and restart: the time until every front door answers
# again (a socketmap lookup on unix: and inet:, mxtlsctl ping on both IPC
# sockets). RSS of mxtlsd every 5 s. At the end the acknowledged TLSRPT
# results are compared with what the TLSRPT store holds
# (mxtlsctl report --preview --json), and summary.py prints the figures.
#
# Environment: SOAK_MINUTES (30), SOAK_DIR (/tmp/mxtls-soak: world, logs,
# results), MXTLS_BIN (build/cached of this tree), SOAK_KILL_EVERY (180),
# SOAK_PHASE (20 s per phase), SOAK_FLOOD (300), SOAK_NOFILE (1024:
# mxtlsd's RLIMIT_NOFILE, soft and hard, small enough for the floods to
# matter), SOAK_MAXCONN (256: socketmap.max_connections and
# ipc.max_connections; docs/IPC.md asks that the two together stay below
# the descriptor limit less its reserve, 768 of 1024: set 1024 to see what
# happens when they do not). Results: $SOAK_DIR/results/{events.log,rss.log,phases.log,
# recover.log,summary.txt}. Exit status 0 when no acknowledged result was
# lost and no request of the MTAs' users was refused while the daemon was up.
set -uo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
: "${SOAK_MINUTES:=30}" "${SOAK_DIR:=/tmp/mxtls-soak}" "${SOAK_KILL_EVERY:=180}"
: "${SOAK_PHASE:=20}" "${SOAK_FLOOD:=300}" "${SOAK_NOFILE:=1024}" "${SOAK_MAXCONN:=256}"
: "${MXTLS_BIN:=$SRC/build/cached}"
die() {
	echo "soak: $*" >&2
	exit 2
}
[ "$(id -u)" = 0 ] || die "run as root (the world: nginx on 443; setpriv to other users)"
if [ -z "${MXTLS_SOAK_IN_NETNS:-}" ]; then
	exec unshare -n -- env MXTLS_SOAK_IN_NETNS=1 "$0" "$@"
fi
ip link set lo up
ip addr add 127.0.0.2/8 dev lo 2>/dev/null || true
[ -x "$MXTLS_BIN/mxtlsd" ] && [ -x "$MXTLS_BIN/mxtlsctl" ] ||
	die "no mxtlsd/mxtlsctl in MXTLS_BIN=$MXTLS_BIN (cmake --build build)"
MTA_SM=postfix
MTA_IPC=Debian-exim
id -u "$MTA_SM" >/dev/null 2>&1 || MTA_SM=root
id -u "$MTA_IPC" >/dev/null 2>&1 || MTA_IPC=root

RES=$SOAK_DIR/results
W=$SOAK_DIR/world
[ -d "$RES" ] && rm -rf "$RES.prev" && mv "$RES" "$RES.prev"
mkdir -p "$RES" "$W"
log() { echo "[$(date +%T)] $*" | tee -a "$RES/phases.log" >&2; }

log "world up in $W (tests/world/up.sh)"
"$SRC/tests/world/up.sh" "$W" >"$RES/world-up.log" 2>&1 ||
	{ tail -20 "$RES/world-up.log" >&2; die "world/up failed"; }

export MXTLS_WORLD=$W MXTLS_SRC=$SRC
REAL_BIN=$MXTLS_BIN
# lib.sh: daemon_start / daemon_kill9 / ctl; its EXIT trap is replaced below
# shellcheck source=tests/integration/lib.sh
. "$SRC/tests/integration/lib.sh"
INT=$SRC/tests/integration

# sockets in a directory every user may enter (the doors are mode 0666)
SD=$(mktemp -d /tmp/mxtls-soak.XXXXXX)
chmod 0755 "$SD"
SM_PORT=18480
SM_UNIX=$SD/smap.sock
IPC_SOCK=$SD/ipc.sock
DIRECT_SOCK=$SD/direct.sock
DGRAM=$SD/tlsrpt.sock
PHASE=$SD/phase
STOP=$SD/stop
echo calm >"$PHASE"

LOADS=()
FLOOD_PIDS=()
HFDS=()
# the scripts, where every user may read them
cp "$SRC/tests/soak/load.py" "$INT/fdflood.py" "$INT/fairshare.py" "$SD/"
chmod 0644 "$SD"/*.py
cleanup() {
	touch "$STOP"
	local p
	for p in "${FLOOD_PIDS[@]}" "${LOADS[@]}" ${RSS_PID:-}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	daemon_cleanup
	"$SRC/tests/world/down.sh" "$W" >/dev/null 2>&1
	rm -rf "$SD"
}
trap cleanup EXIT

# mxtlsd under prlimit: a descriptor limit the floods can reach
MXTLS_BIN=$RES/bin
mkdir -p "$MXTLS_BIN"
ln -sf "$REAL_BIN/mxtlsctl" "$MXTLS_BIN/mxtlsctl"
printf '#!/bin/sh\nexec prlimit --nofile=%s:%s "%s/mxtlsd" "$@"\n' \
	"$SOAK_NOFILE" "$SOAK_NOFILE" "$REAL_BIN" >"$MXTLS_BIN/mxtlsd"
chmod +x "$MXTLS_BIN/mxtlsd"

# shellcheck disable=SC2034 # read by lib.sh's daemon_start
DAEMON_LISTEN=ipc://$IPC_SOCK
# shellcheck disable=SC2034 # read by lib.sh's write_config
IPC_CONF="ipc: { listen = \"ipc://$IPC_SOCK\"; direct = \"ipc://$DIRECT_SOCK\"; mode = \"0666\"; max_connections = $SOAK_MAXCONN; };"
# shellcheck disable=SC2034
LOG_CONF='log: { level = "info"; };'
EXTRA="socketmap: { listen = [\"unix:$SM_UNIX\", \"inet:127.0.0.1:$SM_PORT\"]; mode = \"0666\"; threads = 2; max_connections = $SOAK_MAXCONN; };
tlsrpt: { datagram_socket = \"$DGRAM\"; submitter = \"sender.test\"; from = \"tlsrpt@sender.test\";
 organization_name = \"mxtls soak\"; contact_info = \"mailto:tlsrpt@sender.test\"; sendmail = \"/bin/false\"; smtp = \"\"; };"

start_daemon() {
	daemon_start soak "$EXTRA" >>"$RES/daemon-starts.log" 2>&1 || {
		tail -5 "$RES/daemon-starts.log" >&2
		die "mxtlsd did not start"
	}
	echo "$(date +%s) $DAEMON_PID" >>"$RES/pids.log"
}

# ready - every front door answers: socketmap unix: and inet: (a key
# needing no lookup), ping on ipc.listen and ipc.direct.
SMC="/usr/bin/python3 $INT/smclient.py"
ready() {
	[ "$(timeout 5 $SMC "unix:$SM_UNIX" mxtls '[held.test]' 2>/dev/null)" = "NOTFOUND " ] &&
		[ "$(timeout 5 $SMC "inet:127.0.0.1:$SM_PORT" mxtls '[held.test]' 2>/dev/null)" = "NOTFOUND " ] &&
		timeout 5 "$MXTLS_BIN/mxtlsctl" -s "ipc://$IPC_SOCK" -t 3 ping >/dev/null 2>&1 &&
		timeout 5 "$MXTLS_BIN/mxtlsctl" -s "ipc://$DIRECT_SOCK" -t 3 ping >/dev/null 2>&1
}
# recover WHAT T0_MS - poll ready; log the milliseconds from T0 to ready
recover() {
	local what=$1 t0=$2 t
	if poll_until 120 ready; then
		t=$(($(now_ms) - t0))
		echo "$what $t" >>"$RES/recover.log"
		log "$what: every door answers $t ms after"
	else
		echo "$what never" >>"$RES/recover.log"
		log "$what: the doors did not all answer within 120 s"
	fi
}

as() { # USER CMD...: CMD as USER and its primary group, no others
	local u=$1
	shift
	setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --clear-groups -- "$@"
}
set_phase() { # atomically: the load reads it before every request
	echo "$1" >"$PHASE.new"
	mv -f "$PHASE.new" "$PHASE"
	log "phase $1"
}

# RSS sampler: "<unix time> <pid> <VmRSS KiB>"
rss_loop() {
	while [ ! -e "$STOP" ]; do
		local p
		p=$(tail -n 1 "$RES/pids.log" 2>/dev/null | cut -d' ' -f2)
		if [ -n "$p" ] && [ -r "/proc/$p/status" ]; then
			echo "$(date +%s) $p $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status")" >>"$RES/rss.log"
		fi
		sleep 5
	done
}

start_daemon
ready || poll_until 30 ready || die "the doors do not answer after the start"
rss_loop &
RSS_PID=$!

# the load, as the MTAs' own users
: >"$RES/events.log"
chmod 0666 "$RES/events.log"
chmod 0755 "$RES" "$SOAK_DIR" 2>/dev/null
as "$MTA_SM" /usr/bin/python3 "$SD/load.py" "$RES/events.log" "$PHASE" "$STOP" \
	"sm:unix:$SM_UNIX" "sm:inet:127.0.0.1:$SM_PORT" "dgram:$DGRAM" \
	"new+sm:unix:$SM_UNIX" 2>>"$RES/load.err" &
LOADS+=($!)
as "$MTA_IPC" /usr/bin/python3 "$SD/load.py" "$RES/events.log" "$PHASE" "$STOP" \
	"sp:$IPC_SOCK" "sp:$DIRECT_SOCK" "result:$IPC_SOCK" \
	"new+sp:$IPC_SOCK" "new+sp:$DIRECT_SOCK" 2>>"$RES/load.err" &
LOADS+=($!)
log "load: $MTA_SM (socketmap, datagrams), $MTA_IPC (IPC policy, results); $SOAK_MINUTES min"

END=$((SECONDS + SOAK_MINUTES * 60))
LAST_KILL=$SECONDS
PHASES=(calm fdflood calm idleflood dnsfault)
i=0
while [ "$SECONDS" -lt "$END" ]; do
	if [ $((SECONDS - LAST_KILL)) -ge "$SOAK_KILL_EVERY" ]; then
		set_phase restart
		t0=$(now_ms)
		daemon_kill9
		start_daemon
		recover "restart" "$t0"
		LAST_KILL=$SECONDS
		continue
	fi
	ph=${PHASES[$((i % ${#PHASES[@]}))]}
	i=$((i + 1))
	case "$ph" in
	fdflood)
		set_phase fdflood
		coproc FL { as nobody /usr/bin/python3 "$SD/fdflood.py" "unix:$SM_UNIX" "$SOAK_FLOOD" \
			"unix:$SM_UNIX" "unix:$IPC_SOCK" "unix:$DIRECT_SOCK" 2>>"$RES/flood.err"; }
		FLOOD_PIDS=("$FL_PID")
		out=
		read -r -t 60 out <&"${FL[0]}"
		log "fdflood: ${out:-no answer from fdflood.py}"
		sleep "$SOAK_PHASE"
		[ -n "${FL[1]:-}" ] && echo release >&"${FL[1]}"
		[ -n "${FL[0]:-}" ] && read -r -t 60 out <&"${FL[0]}"
		t0=$(now_ms)
		[ -z "${FL[1]:-}" ] || exec {FL[1]}>&-
		wait "$FL_PID" 2>/dev/null
		FLOOD_PIDS=()
		recover "fdflood" "$t0"
		;;
	idleflood)
		set_phase idleflood
		pids=()
		for spec in "nobody unix:$SM_UNIX $((SOAK_FLOOD * 4))" "nobody sp:$IPC_SOCK $SOAK_FLOOD" \
			"root inet:127.0.0.1:$SM_PORT $SOAK_FLOOD 127.0.0.2"; do
			# shellcheck disable=SC2086 # spec: user addr n [src]
			set -- $spec
			u=$1
			shift
			mkfifo "$SD/hold$u${#pids[@]}"
			if [ "$u" = root ]; then
				/usr/bin/python3 /dev/fd/3 hold "$@" 3<"$SD/fairshare.py" \
					<"$SD/hold$u${#pids[@]}" >>"$RES/idleflood.log" 2>&1 &
			else
				as "$u" /usr/bin/python3 /dev/fd/3 hold "$@" 3<"$SD/fairshare.py" \
					<"$SD/hold$u${#pids[@]}" >>"$RES/idleflood.log" 2>&1 &
			fi
			pids+=($!)
			exec {hfd}>"$SD/hold$u$((${#pids[@]} - 1))"
			HFDS+=("$hfd")
		done
		FLOOD_PIDS=("${pids[@]}")
		sleep "$SOAK_PHASE"
		for hfd in "${HFDS[@]}"; do
			echo release >&"$hfd"
			exec {hfd}>&-
		done
		HFDS=()
		t0=$(now_ms)
		for p in "${pids[@]}"; do
			timeout 60 tail --pid="$p" -f /dev/null
		done
		rm -f "$SD"/hold*
		FLOOD_PIDS=()
		grep '^held' "$RES/idleflood.log" | tail -n 3 | tr '\n' ';' | sed 's/^/idleflood: /' >>"$RES/phases.log"
		echo >>"$RES/phases.log"
		recover "idleflood" "$t0"
		;;
	*)
		set_phase "$ph"
		sleep "$SOAK_PHASE"
		;;
	esac
done
set_phase end
touch "$STOP"
for p in "${LOADS[@]}"; do
	timeout 60 tail --pid="$p" -f /dev/null
done
LOADS=()
log "load stopped"

# the last run's counters, then the acknowledged results against the
# TLSRPT store (after a last kill -9 and restart: only what is durable counts)
ctl stats --json >"$RES/stats.json" 2>&1
daemon_kill9
start_daemon
poll_until 30 ready
SUM='[.[] | .report.policies[].summary | ."total-successful-session-count" + ."total-failure-session-count"] | add // 0'
stored=$(ctl report --preview --json enforce.test | jq "$SUM")
dstored=$(ctl report --preview --json dane.test | jq "$SUM")
echo "stored_results $stored" >"$RES/store.txt"
echo "stored_datagrams $dstored" >>"$RES/store.txt"
cp "$DAEMON_LOG" "$RES/mxtlsd.log" 2>/dev/null
python3 "$SRC/tests/soak/summary.py" "$RES" | tee "$RES/summary.txt"
exit "${PIPESTATUS[0]}"
