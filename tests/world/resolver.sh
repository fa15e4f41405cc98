#!/bin/bash
# resolver.sh WORLD_DIR - a validating recursive resolver for programs that
# only use the system resolver (Exim's dnslookup router and DANE, ...):
# unbound (daemon, foreground) on 127.0.0.153:53 with the world's trust
# anchor and stubs to its NSD. Writes WORLD_DIR/resolver/resolv.conf
# ("nameserver 127.0.0.153", "options trust-ad" so that glibc passes the AD
# bit on) for bind-mounting over /etc/resolv.conf in a private mount
# namespace (unshare -m). Root is needed for port 53. The PID goes to
# WORLD_DIR/run/resolver.pid, so down.sh stops it. When a validating
# resolver already answers there (peer-up.sh starts one), it is reused.
set -euo pipefail
# shellcheck source=tests/world/common.sh
. "$(dirname "$0")/common.sh"

[ $# -eq 1 ] || die "usage: $0 WORLD_DIR"
W=$(world_abs "$1")
RES_ADDR=127.0.0.153
[ -r "$W/env" ] || die "no world at $W"
command -v unbound >/dev/null || die "unbound missing (apt-get install unbound)"
RD=$W/resolver
mkdir -p "$RD"
printf 'nameserver %s\noptions trust-ad\n' "$RES_ADDR" >"$RD/resolv.conf"

validates() {
	dig +time=1 +tries=1 @"$RES_ADDR" TXT _mta-sts.enforce.test 2>/dev/null |
		grep -q 'flags:.* ad'
}
if validates; then
	echo "resolver: reusing the validating resolver on $RES_ADDR:53"
	exit 0
fi
ss -H -lun "sport = :53" 2>/dev/null | grep -q "$RES_ADDR:53" &&
	die "$RES_ADDR:53 is in use by something that does not validate the world"
stop_recorded "$W" resolver >/dev/null || true
{
	echo 'server:'
	echo "	interface: $RES_ADDR"
	echo '	port: 53'
	echo '	access-control: 127.0.0.0/8 allow'
	echo '	username: ""'
	echo '	chroot: ""'
	echo "	directory: \"$RD\""
	echo '	pidfile: ""'
	echo '	use-syslog: no'
	echo '	logfile: ""'
	echo '	num-threads: 1'
	echo '	do-ip6: no'
	echo '	do-not-query-localhost: no'
	echo '	module-config: "validator iterator"'
	echo "	trust-anchor-file: \"$W/dns/test.ds\""
	echo '	local-zone: "." refuse'
	echo '	local-zone: "test." transparent'
	echo '	val-log-level: 2'
	echo '	cache-max-ttl: 5'
	echo '	cache-max-negative-ttl: 5'
	sed -n '/^stub-zone:/,$p' "$W/dns/unbound.conf"
} >"$RD/unbound.conf"
unbound-checkconf "$RD/unbound.conf" >/dev/null || die "bad $RD/unbound.conf"
start_recorded "$W" resolver unbound -d -c "$RD/unbound.conf"
for _ in $(seq 100); do
	validates && {
		echo "resolver: unbound on $RES_ADDR:53 (pid $(cat "$W/run/resolver.pid"))"
		exit 0
	}
	sleep 0.1
done
cat "$W/log/resolver.out" >&2
die "unbound on $RES_ADDR:53 does not validate"
