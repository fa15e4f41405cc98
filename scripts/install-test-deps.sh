#!/bin/sh
# install-test-deps.sh - install the test world of mxtls on a Debian 12
# machine: the build dependencies (install-build-deps.sh) plus cmocka,
# clang (sanitizers, libFuzzer), clang-format, and the real servers the
# integration tests run on loopback: NSD, nginx, unbound, Exim 4.96
# (exim4-daemon-heavy, which REPLACES any other MTA on the machine:
# Postfix, OpenSMTPD), postfix-mta-sts-resolver, swaks, redis-server (the
# fleet tests start their own). Used by the README's
# command 2 (scripts/test.sh) and by CI only; never by scripts/run-daemon.sh.
#
# Installing nsd, nginx, unbound or redis-server would start them on
# public ports: while it installs, a /usr/sbin/policy-rc.d that forbids
# service starts is put
# in place when none exists, and removed again on exit (also on failure).
# A policy-rc.d that was there before is left alone.
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "install-test-deps.sh: must run as root (apt-get)" >&2
	exit 1
fi
./scripts/install-build-deps.sh
created_policy=0
cleanup() {
	if [ "$created_policy" = 1 ]; then
		rm -f /usr/sbin/policy-rc.d
		echo "install-test-deps.sh: removed the temporary /usr/sbin/policy-rc.d"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# mxtls install-test-deps.sh (temporary)\nexit 101\n' \
		>/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	created_policy=1
fi
export DEBIAN_FRONTEND=noninteractive
# tests and tools: cmocka unit tests, clang for ASan/UBSan and libFuzzer,
# clang-format and clang-tidy for the style checks
apt-get install -y -qq --no-install-recommends \
	clang clang-format clang-tidy libclang-rt-14-dev libcmocka-dev >/dev/null
# test world: authoritative DNS with signed zones, HTTPS, tools
apt-get install -y -qq --no-install-recommends \
	nsd ldnsutils bind9-dnsutils nginx-light openssl curl jq \
	iproute2 procps sqlite3 >/dev/null
# Exim module test: the heavy daemon (dlfunc, DANE, events) for
# tests/integration/test_exim.sh; unbound for the validating resolver of
# tests/world/resolver.sh; swaks to submit test mail
apt-get install -y -qq --no-install-recommends \
	exim4-daemon-heavy unbound swaks >/dev/null
# OpenSMTPD filter test: the opensmtpd package itself is NOT installed (it
# conflicts with exim4 as mail-transport-agent); test_opensmtpd.sh unpacks
# it with apt-get download + dpkg -x, so only its runtime libraries are
# needed here, plus python3 (fake MX), unshare/nsenter and adduser.
apt-get install -y -qq --no-install-recommends \
	libevent-2.1-7 libdb5.3 libpam0g libcrypt1 libssl3 zlib1g \
	python3 util-linux adduser >/dev/null
# socketmap tests (tests/integration/test_socketmap.sh): the comparison
# peer postfix-mta-sts-resolver, a validating unbound daemon for it
# (127.0.0.153:53), python3 for the netstring client, and the runtime
# libraries of Postfix 3.7, which is unpacked (tests/world/postfix-unpack.sh)
# and never installed: it conflicts with exim4 (mail-transport-agent).
apt-get install -y -qq --no-install-recommends \
	postfix-mta-sts-resolver libdb5.3 libicu72 libnsl2 libsasl2-2 \
	libssl3 >/dev/null
# fleet tests (tests/integration/test_fleet.sh): a real redis-server the
# tests start themselves on 127.0.0.1 (the packaged service must not start:
# the policy-rc.d above forbids it), and redis-cli to look into it.
apt-get install -y -qq --no-install-recommends \
	redis-server redis-tools >/dev/null
echo "install-test-deps.sh: done"
