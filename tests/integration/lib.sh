# lib.sh - helpers for the integration tests (source it from test_*.sh).
#
# Environment (set by ctest, see CMakeLists.txt):
#   MXTLS_WORLD  the world started by tests/world/up.sh (WORLD_DIR/env is read)
#   MXTLS_BIN    directory holding mxtlsd and mxtlsctl
#   MXTLS_SRC    the source tree (optional)
# From WORLD_DIR/env: WORLD TA_FILE UNBOUND_CONF CA_FILE HTTPS_PORT DNS_PORT
# DNS_ADDR WORLD_TOOLS (tests/world, for set-policy.sh and set-txt.sh).
#
# Daemon:     daemon_start NAME [EXTRA], daemon_stop, daemon_kill9,
#             q DOMAIN (query --json, returns mxtlsctl's exit code), ctl ARGS...
# Assertions: expect_eq, expect_match, expect_json, expect_jq, expect_jq_match,
#             expect_host, expect_host_match (one entry of .hosts[]),
#             then summary (prints "N passed, N failed"; non-zero on failure).
#
# The daemon configuration is built from one text per group. Set any of
# DAEMON_CONF IPC_CONF STORE_CONF LOG_CONF RESOLVER_CONF FETCH_CONF STS_CONF
# CACHE_CONF to a whole group ('sts: { recheck_interval = 1; };') before
# daemon_start to replace that group's default; a group given in EXTRA also
# replaces the default of the same name (libconfig rejects a group given
# twice). Unset them again afterwards. DAEMON_LISTEN, when set, is the
# ipc.listen URL of the next daemon_start (a loopback tcp:// one), instead
# of an ipc:// socket in the test's directory.
set -u

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${MXTLS_SRC:=$(cd "$LIB_DIR/../.." && pwd)}"
if [ -z "${MXTLS_WORLD:-}" ] || [ ! -r "$MXTLS_WORLD/env" ]; then
	echo "MXTLS_WORLD is not set or $MXTLS_WORLD/env is missing: start the world" \
		"with tests/world/up.sh WORLD_DIR (ctest does it: world/up)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
if [ -z "${MXTLS_BIN:-}" ] || [ ! -x "$MXTLS_BIN/mxtlsd" ] || [ ! -x "$MXTLS_BIN/mxtlsctl" ]; then
	echo "MXTLS_BIN is not set or has no mxtlsd/mxtlsctl: '${MXTLS_BIN:-}'" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
# shellcheck source=/dev/null
. "$MXTLS_WORLD/env"
: "${WORLD_TOOLS:=$MXTLS_SRC/tests/world}"

TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$WORLD/tests/$TEST_NAME
rm -rf "$TEST_DIR"
mkdir -p "$TEST_DIR"
# nng ipc paths must fit in sun_path (108 bytes): use /tmp when ours is long.
SOCK_BASE=$TEST_DIR
if [ $((${#TEST_DIR} + 40)) -gt 100 ]; then
	SOCK_BASE=$(mktemp -d /tmp/mxtls-test.XXXXXX)
fi

PASSED=0
FAILED=0
DAEMON_PID=
DAEMON_NAME=
DAEMON_DIR=
DAEMON_LOG=
DAEMON_URL=
DIRECT_URL= # the direct socket (ipc.direct, docs/IPC.md)
DAEMON_CONFIG_FILE=

# ---------------------------------------------------------------- reporting --
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# log_tail - the end of the current daemon's log, shown after a failure.
log_tail() {
	[ -n "$DAEMON_LOG" ] && [ -r "$DAEMON_LOG" ] || return 0
	echo "  --- last lines of $DAEMON_LOG ---"
	tail -n 25 "$DAEMON_LOG" | sed 's/^/  | /'
}

pass() {
	PASSED=$((PASSED + 1))
	echo "ok - $1"
}

# fail LABEL [DETAIL...]
fail() {
	local label=$1
	shift
	FAILED=$((FAILED + 1))
	echo "FAIL - $label"
	local l
	for l in "$@"; do echo "  $l"; done
	log_tail
}

# expect_eq LABEL ACTUAL EXPECTED
expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "got:      '$2'" "expected: '$3'"
	fi
}

# expect_match LABEL ACTUAL ERE - case-insensitive extended regex match.
expect_match() {
	if printf '%s\n' "$2" | grep -Eqi -- "$3"; then
		pass "$1"
	else
		fail "$1" "got:      '$2'" "expected: /$3/i"
	fi
}

# expect_true LABEL CMD... - the command succeeds.
expect_true() {
	local label=$1
	shift
	if "$@"; then
		pass "$label"
	else
		fail "$label" "command failed: $*"
	fi
}

# jqr JSON FILTER - jq -r; "<not json: ...>" or "<jq error: ...>" on failure.
jqr() {
	if ! jq -e 'type == "object"' <<<"$1" >/dev/null 2>&1; then
		echo "<not a JSON object: $1>"
	elif ! jq -r "$2" <<<"$1" 2>/dev/null; then
		echo "<jq error for $2 on: $1>"
	fi
}

# expect_jq LABEL JSON FILTER EXPECTED - check an answer already in hand.
expect_jq() {
	expect_eq "$1: $3" "$(jqr "$2" "$3")" "$4"
}

# expect_jq_match LABEL JSON FILTER ERE
expect_jq_match() {
	expect_match "$1: $3 =~ /$4/i" "$(jqr "$2" "$3")" "$4"
}

# host_jq JSON HOST FILTER - FILTER applied to the one .hosts[] entry whose
# .host is HOST ("<no single hosts[] entry: N>" when there is not exactly one).
host_jq() {
	jqr "$1" "[(.hosts // [])[] | select(.host == \"$2\")] |
		if length == 1 then .[0] | $3 else \"<no single hosts[] entry: \\(length)>\" end"
}

# expect_host LABEL JSON HOST FILTER EXPECTED [WHAT] - check one value of one
# host; WHAT names the value in the label (default: FILTER).
expect_host() {
	expect_eq "$1: $3: ${6:-$4}" "$(host_jq "$2" "$3" "$4")" "$5"
}

# expect_host_match LABEL JSON HOST FILTER ERE [WHAT] - fails when there is
# no such host whatever ERE is.
expect_host_match() {
	local v
	v=$(host_jq "$2" "$3" "$4")
	case "$v" in
	"<no single hosts[] entry: "* | "<not a JSON object: "* | "<jq error for "*)
		fail "$1: $3: ${6:-$4} =~ /$5/i" "got: '$v'"
		;;
	*) expect_match "$1: $3: ${6:-$4} =~ /$5/i" "$v" "$5" ;;
	esac
}

# TLSA_JQ - jq filter for a host entry: its .tlsa as "U S M hex,...";
# "" for an empty array, "<no tlsa array>" when the member is missing.
# shellcheck disable=SC2034 # used by the tests that source us
TLSA_JQ='if (.tlsa | type) == "array" then [.tlsa[] | "\(.usage) \(.selector) \(.mtype) \(.data)"] | join(",") else "<no tlsa array>" end'

# expect_json DOMAIN FILTER EXPECTED - query DOMAIN now and check one value.
expect_json() {
	local out
	out=$(q "$1")
	expect_jq "$1" "$out" "$2" "$3"
}

# summary - the one result line; exit status 0 only if all passed.
summary() {
	daemon_cleanup
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ] && exit 0
	exit 1
}

# ------------------------------------------------------------------- daemon --
default_group() { # NAME
	local w=$DAEMON_DIR
	case "$1" in
	daemon) printf 'daemon: { user = ""; pid_file = "%s/mxtlsd.pid"; };\n' "$w" ;;
	ipc) printf 'ipc: { listen = "%s"; direct = "%s"; mode = "0660"; };\n' "$DAEMON_URL" "$DIRECT_URL" ;;
	store) printf 'store: { path = "%s/mxtls.db"; };\n' "$w" ;;
	log) printf 'log: { level = "debug"; };\n' ;;
	resolver)
		printf 'resolver: { trust_anchor_file = "%s"; unbound_config = "%s"; timeout = 5; };\n' \
			"$TA_FILE" "$UNBOUND_CONF"
		;;
	fetch)
		printf 'fetch: { ca_file = "%s"; allow_private = true; connect_timeout = 2; timeout = 4; max_body = 65536; port = %s; };\n' \
			"$CA_FILE" "$HTTPS_PORT"
		;;
	sts) printf 'sts: { first_contact_wait = 8; recheck_interval = 3600; };\n' ;;
	cache) ;;
	esac
}

# write_config EXTRA - the configuration file for the current daemon.
write_config() {
	local extra=$1 g var text overridden
	overridden=" $(printf '%s\n' "$extra" |
		grep -oE '(^|[^A-Za-z0-9_.])[A-Za-z_][A-Za-z0-9_]*[[:space:]]*[:=][[:space:]]*\{' |
		sed -E 's/^[^A-Za-z_]*//; s/[[:space:]]*[:=].*//' | tr '\n' ' ')"
	{
		echo "# written by $TEST_NAME (tests/integration/lib.sh)"
		for g in daemon ipc store log resolver fetch sts cache; do
			case "$overridden" in *" $g "*) continue ;; esac
			var="${g^^}_CONF"
			text=${!var-}
			if [ -n "$text" ]; then
				printf '%s\n' "$text"
			else
				default_group "$g"
			fi
		done
		[ -z "$extra" ] || printf '%s\n' "$extra"
	} >"$DAEMON_CONFIG_FILE"
}

# ctl ARGS... - mxtlsctl against the current daemon (30 s limit).
ctl() {
	timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$DAEMON_URL" "$@"
}

# q DOMAIN - print the JSON answer; returns mxtlsctl's exit code.
q() {
	ctl query "$1" --json
}

daemon_alive() {
	local st
	[ -n "$DAEMON_PID" ] || return 1
	# the process state; empty once the shell has reaped it (a zombie or a
	# vanished /proc entry both mean "exited")
	st=$(awk '{print $3}' "/proc/$DAEMON_PID/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# daemon_start NAME [EXTRA] - start mxtlsd with scratch dir $TEST_DIR/NAME
# (same NAME = same store) and wait until it answers ping (10 s).
daemon_start() {
	local name=$1 extra=${2-} i
	if daemon_alive; then
		fail "daemon_start $name" "daemon '$DAEMON_NAME' (pid $DAEMON_PID) still runs"
		return 1
	fi
	DAEMON_NAME=$name
	DAEMON_DIR=$TEST_DIR/$name
	mkdir -p "$DAEMON_DIR" "$SOCK_BASE/$name"
	DAEMON_LOG=$DAEMON_DIR/mxtlsd.log
	DAEMON_URL=${DAEMON_LISTEN:-ipc://$SOCK_BASE/$name/mxtlsd.sock}
	DIRECT_URL="ipc://$SOCK_BASE/$name/direct.sock"
	DAEMON_CONFIG_FILE=$DAEMON_DIR/mxtlsd.conf
	write_config "$extra"
	echo "=== $(date '+%F %T') daemon_start $name" >>"$DAEMON_LOG"
	# DAEMON_WRAP: an exec-ing command prefix (e.g. setpriv ... --), unset for none
	${DAEMON_WRAP-} "$MXTLS_BIN/mxtlsd" -d -c "$DAEMON_CONFIG_FILE" </dev/null >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	for i in $(seq 100); do
		if ! daemon_alive; then
			local rc=0
			wait "$DAEMON_PID" 2>/dev/null || rc=$?
			DAEMON_PID=
			fail "daemon_start $name" "mxtlsd exited with status $rc during startup" \
				"config: $DAEMON_CONFIG_FILE"
			sed 's/^/  : /' "$DAEMON_CONFIG_FILE"
			return 1
		fi
		if timeout 2 "$MXTLS_BIN/mxtlsctl" -s "$DAEMON_URL" ping >/dev/null 2>&1; then
			pass "daemon_start $name (pid $DAEMON_PID, ping after $((i * 100)) ms or less)"
			return 0
		fi
		sleep 0.1
	done
	fail "daemon_start $name" "no answer to ping within 10 s"
	daemon_kill9
	return 1
}

# daemon_stop - SIGTERM, wait (10 s), expect exit status 0.
daemon_stop() {
	local i rc=0 name=$DAEMON_NAME
	if [ -z "$DAEMON_PID" ]; then
		fail "daemon_stop" "no daemon running"
		return 1
	fi
	kill -TERM "$DAEMON_PID" 2>/dev/null
	i=$((SECONDS + 10))
	while daemon_alive && [ "$SECONDS" -le "$i" ]; do
		sleep 0.1
	done
	if daemon_alive; then
		fail "daemon_stop $name" "still running 10 s after SIGTERM; killing it"
		ps -o pid,ppid,stat,etime,cmd -p "$DAEMON_PID" 2>&1 | sed 's/^/  | /'
		grep -E 'State|Threads' "/proc/$DAEMON_PID/status" 2>&1 | sed 's/^/  | /'
		ls "/proc/$DAEMON_PID/task" 2>&1 | sed 's/^/  | task /'
		if command -v gdb >/dev/null 2>&1; then
			echo "  --- stacks of the hung daemon ---"
			gdb -p "$DAEMON_PID" -batch -ex "thread apply all bt" 2>&1 |
				grep -E '^(#|Thread)' | sed 's/^/  | /' | head -80
		fi
		daemon_kill9
		return 1
	fi
	wait "$DAEMON_PID" 2>/dev/null || rc=$?
	DAEMON_PID=
	expect_eq "daemon_stop $name: exit status" "$rc" 0
}

# daemon_kill9 - SIGKILL, no questions asked.
daemon_kill9() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	echo "=== $(date '+%F %T') killed with SIGKILL" >>"$DAEMON_LOG"
	DAEMON_PID=
	return 0
}

# daemon_cleanup - on exit: never leave a daemon behind.
daemon_cleanup() {
	if daemon_alive; then
		kill -TERM "$DAEMON_PID" 2>/dev/null
		sleep 0.5
		daemon_alive && kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	DAEMON_PID=
	case "$SOCK_BASE" in /tmp/mxtls-test.*) rm -rf "$SOCK_BASE" ;; esac
	return 0
}
trap daemon_cleanup EXIT

# ------------------------------------------------------------------- polling --
# poll_until SECONDS CMD... - run CMD every 0.2 s until it succeeds.
poll_until() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}
