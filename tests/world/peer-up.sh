#!/bin/bash
# peer-up.sh WORLD_DIR PORT - start the comparison peer on a running world:
# postfix-mta-sts-resolver (Debian package, mta-sts-daemon) answering
# socketmap on 127.0.0.1:PORT. It cannot be given a DNS server or a CA, so:
#   - the world's validating unbound on 127.0.0.153:53 (resolver.sh, root
#     needed for :53; reused when it already runs),
#   - the peer runs in a private mount namespace (unshare -m) where
#     /etc/resolv.conf says "nameserver 127.0.0.153" and the system CA
#     bundle also holds the world's CA (plus SSL_CERT_FILE for aiohttp);
#     the network namespace is the host's, so nginx on 127.0.0.1:443 and
#     unbound stay reachable.
# Socketmap names: "postfix" (default zone: testing = NOTFOUND) and "strict"
# (strict_testing: testing treated like enforce). PIDs go to
# WORLD_DIR/run/peer.pid (and resolver.pid), so down.sh stops them too.
set -euo pipefail
# shellcheck source=tests/world/common.sh
. "$(dirname "$0")/common.sh"

[ $# -eq 2 ] || die "usage: $0 WORLD_DIR PORT"
W=$(world_abs "$1")
PORT=$2
RES_ADDR=127.0.0.153
[ -r "$W/env" ] || die "no world at $W"
command -v mta-sts-daemon >/dev/null || die "mta-sts-daemon missing (apt-get install postfix-mta-sts-resolver)"
command -v unbound >/dev/null || die "unbound missing (apt-get install unbound)"
PD=$W/peer
rm -rf "$PD"
mkdir -p "$PD"
for s in peer peer-unbound; do stop_recorded "$W" "$s" >/dev/null; done
port_busy tcp "$PORT" && die "port $PORT is in use"
# the world's validating resolver on 127.0.0.153:53 (shared with the Exim
# and OpenSMTPD tests; started here when none runs yet)
"$(dirname "$0")/resolver.sh" "$W" >/dev/null || die "no validating resolver on $RES_ADDR:53"
printf 'nameserver %s\noptions trust-ad\n' "$RES_ADDR" >"$PD/resolv.conf"
cat /etc/ssl/certs/ca-certificates.crt "$W/pki/ca.crt" >"$PD/ca-bundle.crt"
cat >"$PD/mta-sts-daemon.yml" <<EOC
host: 127.0.0.1
port: $PORT
reuse_port: true  # 1.1.2 crashes with false (UnboundLocalError: opts)
shutdown_timeout: 2
cache:
  type: internal
  options:
    cache_size: 10000
default_zone:
  strict_testing: false
  timeout: 4
zones:
  strict:
    strict_testing: true
    timeout: 4
EOC

# shellcheck disable=SC2016 # expanded by the inner shell
start_recorded "$W" peer unshare -m --propagation private /bin/sh -c '
	mount --bind "$1" /etc/resolv.conf || exit 111
	mount --bind "$2" /etc/ssl/certs/ca-certificates.crt || exit 111
	exec env SSL_CERT_FILE="$2" mta-sts-daemon -c "$3" -v info' \
	peer "$PD/resolv.conf" "$PD/ca-bundle.crt" "$PD/mta-sts-daemon.yml"
for _ in $(seq 100); do
	port_busy tcp "$PORT" && break
	pid_matches "$(cat "$W/run/peer.pid")" "$W" || { cat "$W/log/peer.out" >&2; die "peer exited"; }
	sleep 0.1
done
port_busy tcp "$PORT" || die "peer does not listen on 127.0.0.1:$PORT"
echo "peer: postfix-mta-sts-resolver $(dpkg-query -W -f '${Version}' postfix-mta-sts-resolver) on 127.0.0.1:$PORT, unbound on $RES_ADDR:53"
