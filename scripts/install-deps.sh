#!/bin/sh
# install-deps.sh - install every build and test dependency of mxtls from
# Debian 12 packages. Run as root; safe to re-run. A policy-rc.d that forbids
# service starts is put in place first (when none exists) so that installing
# nsd or nginx does not start daemons on public ports.
set -eu
if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: must run as root (apt-get)" >&2
	exit 1
fi
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# build
apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config cmake clang clang-format libclang-rt-14-dev \
	libnng-dev libunbound-dev libcurl4-openssl-dev libjansson-dev \
	libssl-dev libevent-dev nettle-dev libsqlite3-dev libconfig-dev \
	zlib1g-dev libcmocka-dev \
	dns-root-data ca-certificates >/dev/null
# test world: authoritative DNS with signed zones, HTTPS, tools
apt-get install -y -qq --no-install-recommends \
	nsd ldnsutils bind9-dnsutils nginx-light openssl curl jq \
	iproute2 procps sqlite3 >/dev/null
echo "install-deps.sh: done"
