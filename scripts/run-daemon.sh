#!/bin/sh
# run-daemon.sh - set up a Debian 12 machine and run mxtlsd in the
# foreground on its embedded defaults: full DNSSEC-validating recursion from
# the root trust anchor (dns-root-data), SQLite store in /var/lib/mxtls, IPC
# socket ipc:///run/mxtls/mxtlsd.sock (and the direct socket
# ipc:///run/mxtls/mxtlsd-direct.sock), running as the system user "mxtls".
# Then, from another shell: build/cached/mxtlsctl query example.com
#
# Installs only the build dependencies (scripts/install-build-deps.sh: no
# MTA, no DNS or web server, no test tools, no policy-rc.d), builds only the
# daemon, the CLI and the plugins (no tests), creates the system user.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-build-deps.sh
./scripts/build.sh --no-tests
if ! getent group mxtls >/dev/null; then
	addgroup --system --quiet mxtls
fi
if ! getent passwd mxtls >/dev/null; then
	adduser --system --quiet --ingroup mxtls --no-create-home \
		--home /var/lib/mxtls --shell /usr/sbin/nologin \
		--gecos "mxtls daemon" mxtls
fi
exec build/cached/mxtlsd -d "$@"
