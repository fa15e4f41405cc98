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
# Exim module: headers (local_scan.h) and the heavy daemon (dlfunc, DANE,
# events) for tests/integration/test_exim.sh; unbound for the validating
# resolver of tests/world/resolver.sh; swaks to submit test mail
apt-get install -y -qq --no-install-recommends \
	exim4-dev exim4-daemon-heavy unbound swaks >/dev/null
# OpenSMTPD filter test: the opensmtpd package itself is NOT installed (it
# conflicts with exim4 as mail-transport-agent); test_opensmtpd.sh unpacks
# it with apt-get download + dpkg -x, so only its runtime libraries are
# needed here, plus python3 (fake MX), unshare/nsenter and adduser.
apt-get install -y -qq --no-install-recommends \
	libevent-2.1-7 libdb5.3 libpam0g libcrypt1 libssl3 zlib1g \
	python3 util-linux adduser unbound swaks >/dev/null
# socketmap tests (tests/integration/test_socketmap.sh): the comparison
# peer postfix-mta-sts-resolver, a validating unbound daemon for it
# (127.0.0.153:53), python3 for the netstring client, and the runtime
# libraries of Postfix 3.7, which is unpacked (tests/world/postfix-unpack.sh)
# and never installed: it conflicts with exim4 (mail-transport-agent).
apt-get install -y -qq --no-install-recommends \
	postfix-mta-sts-resolver unbound python3 util-linux adduser \
	libdb5.3 libicu72 libnsl2 libsasl2-2 libssl3 >/dev/null
echo "install-deps.sh: done"
