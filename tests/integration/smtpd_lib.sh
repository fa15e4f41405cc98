# smtpd_lib.sh - helpers for test_opensmtpd.sh (source after lib.sh): the
# Debian OpenSMTPD 6.8 package unpacked (it conflicts with exim4/postfix as
# an installed package), a validating resolver, fake MX servers with
# STARTTLS on port 25 of the MX addresses, smtpd in a mount namespace.
#
#   smtpd_unpack          -> SMTPD_BIN (smtpd), SMTPCTL_BIN
#   smtpd_users           the users the package's postinst creates
#   resolver_ensure       validating resolver on 127.0.0.153:53 (reused
#                         when tests/world/resolver.sh or another test has
#                         one; else unbound -d recorded as smtpd-unbound)
#   fakemx_start DIR ADDR:PORT...   fake MX (tests/integration/fakemx.py)
#   badmx_start DIR       the fake MX of badcert.test on 127.0.0.7:25 with
#                         the wrong.test certificate (BADMX_DIR=DIR)
#   relay_url RCPT        smtp+tls:// or smtp:// (how smtpd relayed RCPT)
#   smtpd_start CONF [-D macro=value]...  smtpd -d in unshare -m with
#                         /etc/resolv.conf -> 127.0.0.153, the CA bundle
#                         plus the world CA, and the package's /usr/libexec
#                         (opensmtpd/mail.* for local delivery)
#   smtpd_down            stop what these helpers started (by PID)

RES_ADDR=127.0.0.153
SMTPD_OPT=${MXTLS_SMTPD_OPT:-$(dirname "$WORLD")/opt/opensmtpd}
SMTPD_PID=
FAKEMX_PID=
RESOLVER_PID=
BADMX_PID=
BADMX_DIR=
SMTPD_LOG=$TEST_DIR/smtpd.log

smtpd_unpack() {
	if [ ! -x "$SMTPD_OPT/usr/sbin/smtpd" ]; then
		local d
		d=$(mktemp -d /tmp/mxtls-smtpd-deb.XXXXXX)
		chown _apt "$d" 2>/dev/null || true # apt downloads as _apt
		(cd "$d" && apt-get download -q opensmtpd >/dev/null) || return 1
		mkdir -p "$SMTPD_OPT"
		dpkg -x "$d"/opensmtpd_*.deb "$SMTPD_OPT" || return 1
		rm -rf "$d"
	fi
	# the package's dpkg-statoverride: smtpctl refuses to run otherwise
	chgrp opensmtpq "$SMTPD_OPT/usr/sbin/smtpctl" 2>/dev/null &&
		chmod 2555 "$SMTPD_OPT/usr/sbin/smtpctl"
	SMTPD_BIN=$SMTPD_OPT/usr/sbin/smtpd
	SMTPCTL_BIN=$SMTPD_OPT/usr/sbin/smtpctl
	[ -x "$SMTPD_BIN" ] && [ -x "$SMTPCTL_BIN" ]
}

smtpd_users() {
	local n
	mkdir -p /var/lib/opensmtpd/empty /var/spool/smtpd
	for n in opensmtpd opensmtpq; do # what the package's postinst does
		getent group $n >/dev/null || addgroup --system $n >/dev/null
		id $n >/dev/null 2>&1 || adduser --system --home /var/lib/opensmtpd/empty \
			--no-create-home --disabled-password --gecos "OpenSMTPD $n" \
			--ingroup $n $n >/dev/null
	done
}

resolver_ok() {
	dig +time=1 +tries=1 +dnssec @"$RES_ADDR" MX enforce.test 2>/dev/null |
		grep -q 'flags:.* ad'
}

resolver_ensure() {
	local rdir=$TEST_DIR/resolver i
	resolver_ok && return 0
	if [ -x "$WORLD_TOOLS/resolver.sh" ]; then
		"$WORLD_TOOLS/resolver.sh" "$WORLD" >/dev/null 2>&1 || true
		poll_until 10 resolver_ok && return 0
	fi
	mkdir -p "$rdir"
	{
		printf 'server:\n\tinterface: %s\n\tport: 53\n' "$RES_ADDR"
		printf '\taccess-control: 127.0.0.0/8 allow\n\tusername: ""\n\tchroot: ""\n'
		printf '\tdirectory: "%s"\n\tpidfile: ""\n\tuse-syslog: no\n\tlogfile: ""\n' "$rdir"
		printf '\tnum-threads: 1\n\tdo-ip6: no\n\tdo-not-query-localhost: no\n'
		printf '\tmodule-config: "validator iterator"\n'
		printf '\ttrust-anchor-file: "%s/dns/test.ds"\n' "$WORLD"
		printf '\tlocal-zone: "." refuse\n\tlocal-zone: "test." transparent\n'
		sed -n '/^stub-zone:/,$p' "$UNBOUND_CONF"
	} >"$rdir/unbound.conf"
	unbound-checkconf "$rdir/unbound.conf" >/dev/null || return 1
	setsid unbound -d -c "$rdir/unbound.conf" </dev/null >"$rdir/unbound.log" 2>&1 &
	RESOLVER_PID=$!
	echo "$RESOLVER_PID" >"$WORLD/run/smtpd-unbound.pid"
	for i in $(seq 50); do
		resolver_ok && return 0
		sleep 0.2
	done
	return 1
}

port25_free() { # ADDR
	! ss -H -ltn "sport = :25" 2>/dev/null | grep -qE "($1|0\.0\.0\.0|\*|\[::\]):25 "
}

fakemx_start() { # DIR ADDR:PORT...
	local dir=$1 a args=()
	shift
	for a in "$@"; do args+=(--listen "$a"); done
	setsid python3 "$LIB_DIR/fakemx.py" --cert "$MX_CERT" --key "$MX_KEY" \
		--dir "$dir" "${args[@]}" </dev/null >"$TEST_DIR/fakemx.log" 2>&1 &
	FAKEMX_PID=$!
	echo "$FAKEMX_PID" >"$WORLD/run/smtpd-fakemx.pid"
	poll_until 10 grep -q listening "$TEST_DIR/fakemx.log"
}

# badmx_start DIR / badmx_stop - the fake MX of badcert.test on
# 127.0.0.7:25 with the world's wrong.test certificate (signed by the world
# CA, name not mx1.badcert.test); what it receives goes to DIR (BADMX_DIR).
badmx_start() {
	BADMX_DIR=$1
	setsid python3 "$LIB_DIR/fakemx.py" --cert "$WORLD/pki/wrong.chain.crt" \
		--key "$WORLD/pki/wrong.key" --name mx1.badcert.test --dir "$BADMX_DIR" \
		--listen 127.0.0.7:25 </dev/null >"$TEST_DIR/fakemx-badcert.log" 2>&1 &
	BADMX_PID=$!
	echo "$BADMX_PID" >"$WORLD/run/smtpd-fakemx-badcert.pid"
	poll_until 10 grep -q listening "$TEST_DIR/fakemx-badcert.log"
}
badmx_stop() {
	[ -n "$BADMX_PID" ] || return 0
	kill -TERM -- "-$BADMX_PID" 2>/dev/null
	sleep 0.5
	kill -KILL -- "-$BADMX_PID" 2>/dev/null
	wait "$BADMX_PID" 2>/dev/null
	rm -f "$WORLD/run/smtpd-fakemx-badcert.pid"
	BADMX_PID=
}

# relay_url RCPT - the address= of the mta session that delivered to RCPT
# (smtp+tls:// for "relay tls", smtp:// for plain "relay").
relay_url() {
	local sess
	sess=$(grep -E "mta delivery .*to=<$1>" "$SMTPD_LOG" | tail -1 | cut -d' ' -f1)
	[ -n "$sess" ] || { echo "<no delivery line for $1>"; return; }
	grep -E "^$sess mta connecting address=" "$SMTPD_LOG" | tail -1 |
		sed -E 's/.*address=([^ ]*).*/\1/'
}

smtpd_start() { # CONF [-D macro=value]...
	local conf=$1 ns=$TEST_DIR/ns
	shift
	mkdir -p "$ns/spool"
	chmod 711 "$ns/spool"
	printf 'nameserver %s\noptions trust-ad\n' "$RES_ADDR" >"$ns/resolv.conf"
	cat /etc/ssl/certs/ca-certificates.crt "$WORLD/pki/ca.crt" >"$ns/ca-bundle.crt"
	# a private /run: smtpd's control socket (/var/run/smtpd.sock) is a
	# path, so without it two test runs on one machine (each in its own
	# network namespace) would find each other's smtpd running
	setsid unshare -m --propagation private /bin/sh -c '
		mount -t tmpfs -o mode=0755 tmpfs /run || exit 111
		mount --bind "$1/resolv.conf" /etc/resolv.conf || exit 111
		mount --bind "$1/ca-bundle.crt" /etc/ssl/certs/ca-certificates.crt || exit 111
		mount --bind "$1/spool" /var/spool/smtpd || exit 111
		mount --bind "$2" /usr/libexec || exit 111
		shift 2; exec "$@"' ns "$ns" "$SMTPD_OPT/usr/libexec" "$SMTPD_BIN" -d -f "$conf" "$@" \
		</dev/null >>"$SMTPD_LOG" 2>&1 &
	SMTPD_PID=$!
	echo "$SMTPD_PID" >"$WORLD/run/smtpd.pid"
}

# in_ns CMD... - run CMD in smtpd's mount namespace (for smtpctl).
in_ns() {
	nsenter -t "$SMTPD_PID" -m "$@"
}

smtpd_down() {
	local p
	badmx_stop
	for p in "$SMTPD_PID" "$FAKEMX_PID" "$RESOLVER_PID"; do
		[ -n "$p" ] || continue
		kill -TERM -- "-$p" 2>/dev/null
	done
	sleep 1
	for p in "$SMTPD_PID" "$FAKEMX_PID" "$RESOLVER_PID"; do
		[ -n "$p" ] || continue
		kill -KILL -- "-$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -f "$WORLD/run/smtpd.pid" "$WORLD/run/smtpd-fakemx.pid" \
		"$WORLD/run/smtpd-unbound.pid"
	SMTPD_PID= FAKEMX_PID= RESOLVER_PID=
}
