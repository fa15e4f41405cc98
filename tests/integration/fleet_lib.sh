# shellcheck shell=bash
# fleet_lib.sh - a fleet on one machine for the integration tests (source
# it after lib.sh): a real redis-server started by the test on 127.0.0.1
# (a free port, a temp dir, no persistence), with or without an ACL user,
# and N mxtlsd with their own state dirs, sockets and host ids, all using
# store.backend = "redis". Used by test_fleet.sh and the fleet TLSRPT test.
#
# Redis:  redis_start [USER PASSWORD]   start (USER: an ACL user with every
#                                       right, the default user off)
#         redis_acl_user USER PASSWORD RULES...  add another ACL user
#         rcli ARGS...                  redis-cli as the admin
#         redis_stop, redis_restart     (same port, empty again)
#         REDIS_PORT, REDIS_URL         (the URL mxtlsd gets; with the user)
# Fleet:  fleet_start N [EXTRA]         host1..hostN, each daemon_start'ed
#         fleet_use I                   make host I the current daemon (q,
#                                       ctl, daemon_stop act on it)
#         fleet_q I DOMAIN, fleet_ctl I ARGS... (mxtlsctl --json)
#         fleet_stop                    stop every host
#         FLEET_STORE_EXTRA             more text in each store group
#         FLEET_URL                     overrides REDIS_URL for fleet_start
set -u

REDIS_PORT=
REDIS_PID=
REDIS_DIR=
REDIS_URL=
REDIS_ADMIN=()
FLEET_N=0
declare -a FLEET_PID FLEET_URL_OF FLEET_DIR_OF FLEET_LOG_OF FLEET_DIRECT_OF FLEET_CONF_OF
: "${FLEET_STORE_EXTRA:=}"

# a free TCP port on 127.0.0.1
redis_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

rcli() {
	timeout 10 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "${REDIS_ADMIN[@]}" "$@" 2>/dev/null
}

redis_start() { # [USER PASSWORD]
	local i args=()
	[ -n "$REDIS_PORT" ] || REDIS_PORT=$(redis_free_port)
	[ -n "$REDIS_DIR" ] || REDIS_DIR=$(mktemp -d /tmp/mxtls-redis.XXXXXX)
	REDIS_ADMIN=()
	REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
	if [ $# -ge 2 ]; then
		args=(--user default off --user "$1" on ">$2" '~*' '&*' '+@all')
		REDIS_ADMIN=(--user "$1" --pass "$2" --no-auth-warning)
		REDIS_URL="redis://$1:$2@127.0.0.1:$REDIS_PORT/0"
		REDIS_AUTH_USER=$1
		REDIS_AUTH_PASS=$2
	fi
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' \
		--appendonly no --dir "$REDIS_DIR" --daemonize no \
		--logfile "$REDIS_DIR/redis.log" "${args[@]}" </dev/null >/dev/null 2>&1 &
	REDIS_PID=$!
	for i in $(seq 50); do
		if [ "$(rcli PING)" = PONG ]; then
			pass "redis-server on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"
			return 0
		fi
		sleep 0.1
	done
	fail "redis_start" "no PONG from 127.0.0.1:$REDIS_PORT"
	return 1
}

redis_acl_user() { # USER PASSWORD RULES...
	local u=$1 p=$2
	shift 2
	rcli ACL SETUSER "$u" reset on ">$p" "$@" >/dev/null
}

redis_stop() {
	[ -n "$REDIS_PID" ] || return 0
	kill -TERM "$REDIS_PID" 2>/dev/null
	wait "$REDIS_PID" 2>/dev/null
	REDIS_PID=
}

redis_restart() {
	redis_stop
	if [ -n "${REDIS_AUTH_USER:-}" ]; then
		redis_start "$REDIS_AUTH_USER" "$REDIS_AUTH_PASS"
	else
		redis_start
	fi
}

# save / load the current daemon of lib.sh into slot I
fleet_save() {
	FLEET_PID[$1]=$DAEMON_PID
	FLEET_URL_OF[$1]=$DAEMON_URL
	FLEET_DIR_OF[$1]=$DAEMON_DIR
	FLEET_LOG_OF[$1]=$DAEMON_LOG
	FLEET_DIRECT_OF[$1]=$DIRECT_URL
	FLEET_CONF_OF[$1]=$DAEMON_CONFIG_FILE
}

fleet_use() {
	DAEMON_NAME=host$1
	DAEMON_PID=${FLEET_PID[$1]}
	DAEMON_URL=${FLEET_URL_OF[$1]}
	DAEMON_DIR=${FLEET_DIR_OF[$1]}
	DAEMON_LOG=${FLEET_LOG_OF[$1]}
	DIRECT_URL=${FLEET_DIRECT_OF[$1]}
	DAEMON_CONFIG_FILE=${FLEET_CONF_OF[$1]}
}

# fleet_start N [EXTRA] - host1..hostN against REDIS_URL (or FLEET_URL)
fleet_start() {
	local n=$1 extra=${2-} i url=${FLEET_URL:-$REDIS_URL}
	for i in $(seq "$n"); do
		DAEMON_PID=
		STORE_CONF="store: { path = \"$TEST_DIR/host$i/mxtls.db\"; backend = \"redis\"; host_id = \"host$i\"; redis: { url = \"$url\"; timeout = 1; $FLEET_STORE_EXTRA }; };"
		daemon_start "host$i" "$extra" || return 1
		fleet_save "$i"
	done
	unset STORE_CONF
	FLEET_N=$n
	return 0
}

fleet_q() { # I DOMAIN
	timeout 30 "$MXTLS_BIN/mxtlsctl" -s "${FLEET_URL_OF[$1]}" query "$2" --json
}

sum_stat() { # FIELD - the sum over the running hosts
	local i t=0 v
	for i in $(seq "$FLEET_N"); do
		v=$(fleet_ctl "$i" stats | jq -r ".$1 // 0")
		t=$((t + v))
	done
	echo "$t"
}
fleet_ctl() { # I ARGS...
	local i=$1
	shift
	timeout 30 "$MXTLS_BIN/mxtlsctl" -s "${FLEET_URL_OF[$i]}" --json "$@"
}

# fleet_stop - SIGTERM every host, expect exit 0
fleet_stop() {
	local i
	for i in $(seq "$FLEET_N"); do
		fleet_use "$i"
		[ -z "$DAEMON_PID" ] || daemon_stop
		FLEET_PID[$i]=
	done
	FLEET_N=0
}

fleet_cleanup() {
	local i
	for i in $(seq "$FLEET_N"); do
		[ -n "${FLEET_PID[$i]:-}" ] || continue
		kill -KILL "${FLEET_PID[$i]}" 2>/dev/null
		wait "${FLEET_PID[$i]}" 2>/dev/null
	done
	DAEMON_PID=
	redis_stop
	[ -z "$REDIS_DIR" ] || rm -rf "$REDIS_DIR"
	daemon_cleanup
}
trap fleet_cleanup EXIT
