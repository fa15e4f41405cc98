#!/bin/sh
# install-build-deps.sh - install what building and running mxtlsd, mxtlsctl
# and the MTA plugins needs, from Debian 12 packages, and nothing else: a
# compiler, cmake, pkg-config, the -dev libraries, the DNSSEC root trust
# anchor (dns-root-data) and the CA bundle (ca-certificates). Used by the
# README's command 1 (scripts/run-daemon.sh).
#
# It never installs an MTA, a DNS or web server or a test tool, and never
# writes /usr/sbin/policy-rc.d. exim4-dev is here because it only ships
# /usr/include/exim4/local_scan.h (the Exim module's header) and has no
# Depends at all: it pulls in no MTA. tests/unit/build_deps.sh checks this
# list (and everything it depends on) against MTAs and servers.
#
#   install-build-deps.sh          install (as root; safe to re-run)
#   install-build-deps.sh --list   print the package list, one a line
set -eu
PACKAGES="build-essential pkg-config cmake
libnng-dev libunbound-dev libcurl4-openssl-dev libjansson-dev libssl-dev
libevent-dev libsqlite3-dev libconfig-dev zlib1g-dev libhiredis-dev
exim4-dev
dns-root-data ca-certificates adduser"
if [ "${1:-}" = --list ]; then
	printf '%s\n' $PACKAGES
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-build-deps.sh: must run as root (apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # the list is split on purpose
apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
echo "install-build-deps.sh: done"
