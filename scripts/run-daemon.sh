#!/bin/sh
# run-daemon.sh - set up a Debian 12 machine and run mxtlsd in the
# foreground on its embedded defaults: full DNSSEC-validating recursion from
# the root trust anchor (dns-root-data), SQLite store in /var/lib/mxtls, IPC
# socket ipc:///run/mxtls/mxtlsd.sock (and the direct socket
# ipc:///run/mxtls/mxtlsd-direct.sock), running as the system user "mxtls".
# Then, from another shell: build/cached/mxtlsctl query example.com
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
if ! getent passwd mxtls >/dev/null; then
	useradd --system --no-create-home --home-dir /var/lib/mxtls \
		--shell /usr/sbin/nologin mxtls
fi
exec build/cached/mxtlsd -d "$@"
