# common.sh - shared helpers for tests/world/*.sh (sourced, bash).
# Everything listens on 127.0.0.1 only; servers run in the foreground under
# PIDs recorded in $W/run/NAME.pid and are stopped by those PIDs only.
# shellcheck disable=SC2034 # the variables are for the scripts that source us

WORLD_ADDR=127.0.0.1
WORLD_DNS_PORT=5353
WORLD_HTTPS_PORT=443
# a name server that never answers (dnssink.py), for the "timeout" zones
WORLD_SINK_ADDR=127.0.0.60
WORLD_TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# world_abs DIR - absolute path of DIR (which need not exist yet).
world_abs() {
	case "$1" in
	/*) printf '%s\n' "${1%/}" ;;
	*) printf '%s/%s\n' "$(pwd)" "${1%/}" ;;
	esac
}

# pid_matches PID DIR - PID is alive (not a zombie) and its command line
# mentions DIR, so a recycled PID of some unrelated process is never killed.
pid_matches() {
	local pid=$1 dir=$2 state
	[ -n "$pid" ] && [ "$pid" -gt 1 ] 2>/dev/null || return 1
	[ -r "/proc/$pid/cmdline" ] || return 1
	state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "$state" != Z ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$dir"
}

# stop_recorded W NAME - SIGTERM the recorded PID, wait up to 10 s, then
# SIGKILL; always removes the pid file.
stop_recorded() {
	local w=$1 name=$2 f pid
	f="$w/run/$name.pid"
	[ -f "$f" ] || return 0
	pid=$(cat "$f" 2>/dev/null || true)
	if pid_matches "$pid" "$w"; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 100); do
			pid_matches "$pid" "$w" || break
			sleep 0.1
		done
		if pid_matches "$pid" "$w"; then
			echo "$name (pid $pid) ignored SIGTERM; sending SIGKILL" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
		echo "stopped $name (pid $pid)"
	fi
	rm -f "$f"
}

# start_recorded W NAME CMD... - start a foreground server detached from our
# stdio (ctest waits for its pipes to close) in its own session; record PID.
start_recorded() {
	local w=$1 name=$2
	shift 2
	setsid "$@" </dev/null >>"$w/log/$name.out" 2>&1 &
	echo "$!" >"$w/run/$name.pid"
}

# port_busy PROTO PORT - something listens on 127.0.0.1:PORT (or wildcard).
port_busy() {
	local flag=-ltn
	[ "$1" = udp ] && flag=-lun
	ss -H "$flag" "sport = :$2" 2>/dev/null | grep -q .
}

# sign_zone W ZONE - sign $W/dns/zones/ZONE.zone with the zone's stored key
# (new keys are made only by up.sh) into ZONE.zone.signed.
sign_zone() {
	local w=$1 zone=$2 key
	# shellcheck source=/dev/null
	. "$w/dns/sign.env"
	key=$(cat "$w/dns/keys/$zone.name")
	ldns-signzone -i "$SIGN_INCEPTION" -e "$SIGN_EXPIRATION" -o "$zone." \
		-f "$w/dns/zones/$zone.zone.signed" "$w/dns/zones/$zone.zone" \
		"$w/dns/keys/$key"
}

# bump_serial FILE - increase the SOA serial (the only line with @SERIAL).
bump_serial() {
	local f=$1 old new
	old=$(sed -n -E 's/.*[[:space:]]([0-9]+)[[:space:]]*; @SERIAL.*/\1/p' "$f")
	[ -n "$old" ] || die "no serial marker in $f"
	new=$((old + 1))
	sed -i -E "s/([[:space:]])$old([[:space:]]*; @SERIAL)/\1$new\2/" "$f"
}

# nsd_reload W ZONE - make NSD load ZONE's file now.
nsd_reload() {
	local w=$1 zone=$2 pid
	if [ -S "$w/run/nsd.ctl" ]; then
		nsd-control -c "$w/dns/nsd.conf" reload "$zone" >/dev/null && return 0
	fi
	# Fallback: SIGHUP rereads zone files whose mtime changed.
	pid=$(cat "$w/run/nsd.pid" 2>/dev/null || true)
	pid_matches "$pid" "$w" || die "nsd is not running"
	kill -HUP "$pid"
}

# dig_world ARGS... - ask our NSD only, never anything else.
dig_world() {
	dig @"$WORLD_ADDR" -p "$WORLD_DNS_PORT" +norec +time=1 +tries=1 "$@"
}

# zone_of W NAME - the served zone (test, insecure.test, bogus.test,
# badtlsa.test) that holds NAME.
zone_of() {
	case "$2" in
	insecure.test | *.insecure.test) echo insecure.test ;;
	bogus.test | *.bogus.test) echo bogus.test ;;
	badtlsa.test | *.badtlsa.test) echo badtlsa.test ;;
	test | *.test) echo test ;;
	*) return 1 ;;
	esac
}

# policy_text MODE MAX_AGE MX... - an STSv1 policy with CRLF line endings.
policy_text() {
	local mode=$1 max_age=$2 mx
	shift 2
	printf 'version: STSv1\r\nmode: %s\r\n' "$mode"
	for mx in "$@"; do
		printf 'mx: %s\r\n' "$mx"
	done
	printf 'max_age: %s\r\n' "$max_age"
}

# put_file FILE - replace FILE atomically with stdin (mode 0644).
put_file() {
	local f=$1 tmp
	mkdir -p "$(dirname "$f")"
	tmp=$(mktemp "$f.XXXXXX")
	cat >"$tmp"
	chmod 0644 "$tmp"
	mv -f "$tmp" "$f"
}

# policy_path W DOMAIN
policy_path() {
	printf '%s/www/%s/.well-known/mta-sts.txt\n' "$1" "$2"
}
