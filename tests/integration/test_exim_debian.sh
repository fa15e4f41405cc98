#!/bin/bash
# test_exim_debian.sh - docs/exim.md "Debian's exim4-config" end to end:
# Debian 12's own exim4-config files (a copy of /etc/exim4) with the
# doc's shell blocks run verbatim (only the line D=/usr/share/mxtls/exim
# becomes D=<this tree>/configs/exim, as the doc says for a source
# tree), update-exim4.conf, in the non-split and the split configuration.
# Each mode runs in private mount namespaces over copies of /etc/exim4,
# /var/lib/exim4, /var/spool/exim4, /var/log/exim4 and /etc/resolv.conf
# (the world's validating resolver): the system's files are never touched.
# Checks: the generated configuration loads (exim -bV), no option and no
# driver set twice, Debian's remote_smtp kept; then local submissions
# (exim -odi) through the real mxtlsd and the loopback world: an MTA-STS
# enforce domain delivered with a verified certificate, a DANE domain
# CV=dane, TLS-Required: No opportunistic, a wrong-name certificate
# (badcert.test) deferred; every delivered message carries the
# DKIM-Signature Debian's DKIM_* macros ask for (key made here). A
# relay_to_domains domain keeps Debian's router; last, a smarthost
# configuration routes to the smarthost as before. Receivers:
# fakemx.py on 127.0.0.2 (mx.crt) and 127.0.0.7 (wrong.crt). Needs root.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

EXIM=/usr/sbin/exim4
SO=${MXTLS_EXIM_SO:-$(dirname "$MXTLS_BIN")/modules/exim/mxtls_exim.so}
CFG=$MXTLS_SRC/configs/exim
DOC=$MXTLS_SRC/docs/exim.md
RCV_PIDS=()

debian_cleanup() {
	local p
	for p in "${RCV_PIDS[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	RCV_PIDS=()
	daemon_cleanup
}
trap debian_cleanup EXIT

if [ ! -x "$EXIM" ] || ! "$EXIM" -bV 2>/dev/null | grep -q Expand_dlfunc ||
	[ ! -r /etc/exim4/exim4.conf.template ] || [ ! -x /usr/sbin/update-exim4.conf ]; then
	fail "exim" "exim4-daemon-heavy and exim4-config are not installed"
	summary
fi
[ -r "$SO" ] || { fail "module" "no $SO"; summary; }
[ "$(id -u)" = 0 ] || { fail "root" "needs root (port 25, unshare -m)"; summary; }
for a in 127.0.0.2:25 127.0.0.7:25; do
	if ss -H -lnt "sport = :25" | grep -qE "(${a%%:*}|0\.0\.0\.0|\*|\[::\]):25"; then
		fail "port $a is free" "$(ss -lntp "sport = :25")"
		summary
	fi
done
if ! "$WORLD_TOOLS/resolver.sh" "$WORLD"; then
	fail "validating resolver on 127.0.0.153" "see $WORLD/log/resolver.out"
	summary
fi
pass "validating resolver on 127.0.0.153"

# doc_block TAG - the body of the ```sh block of docs/exim.md whose first
# line is "# TAG...".
doc_block() {
	awk -v tag="# $1" '
		/^```sh$/ { inb = 1; first = 1; keep = 0; next }
		/^```$/ { inb = 0; next }
		inb && first { first = 0; keep = (index($0, tag) == 1) }
		inb && keep { print }' "$DOC"
}
COMMON=$(doc_block "Debian, both configurations")
NONSPLIT=$(doc_block "Debian, non-split configuration")
SPLIT=$(doc_block "Debian, split configuration")
expect_match "docs/exim.md: the install block sets D" "$COMMON" '^# Debian, both configurations.*
D=/usr/share/mxtls/exim( |$)'
expect_match "docs/exim.md: the non-split block runs update-exim4.conf" "$NONSPLIT" 'update-exim4\.conf$'
expect_match "docs/exim.md: the split block runs update-exim4.conf" "$SPLIT" 'update-exim4\.conf$'
COMMON=$(printf '%s\n' "$COMMON" | sed "s|^D=/usr/share/mxtls/exim\( .*\)\?\$|D=$CFG|")

# the DKIM key Debian's DKIM_* macros name (transports run as Debian-exim)
mkdir -p "$TEST_DIR/dkim"
openssl genrsa -out "$TEST_DIR/dkim/mxtls.key" 2048 2>/dev/null
chgrp Debian-exim "$TEST_DIR/dkim/mxtls.key"
chmod 640 "$TEST_DIR/dkim/mxtls.key"
chmod 755 "$TEST_DIR/dkim"

MXTLS_SOCKET=$SOCK_BASE/exim/mxtlsd.sock
MXTLS_SOCKET_DIRECT=$SOCK_BASE/exim/direct.sock
# shellcheck disable=SC2034 # read by write_config in lib.sh
IPC_CONF="ipc: { listen = \"ipc://$MXTLS_SOCKET\"; direct = \"ipc://$MXTLS_SOCKET_DIRECT\"; mode = \"0666\"; };"
mkdir -p "$SOCK_BASE/exim"
chmod 755 "$SOCK_BASE" "$SOCK_BASE/exim"
daemon_start exim 'dane: { port = 25; };' || summary

# rcv_start NAME ADDR CERT - fakemx.py on ADDR:25 with pki/CERT, its
# mailbox $TEST_DIR/rcv-NAME (one file per message).
rcv_start() {
	local name=$1 addr=$2 cert=$3 crt
	crt=$WORLD/pki/$cert.chain.crt
	[ -r "$crt" ] || crt=$WORLD/pki/$cert.crt
	setsid python3 "$LIB_DIR/fakemx.py" --cert "$crt" --key "$WORLD/pki/$cert.key" \
		--name "mx1.$name.test" --dir "$TEST_DIR/rcv-$name" \
		--listen "$addr:25" </dev/null >"$TEST_DIR/rcv-$name.log" 2>&1 &
	RCV_PIDS+=($!)
	poll_until 10 grep -q listening "$TEST_DIR/rcv-$name.log"
}
expect_true "receiver for enforce.test and dane.test on 127.0.0.2" rcv_start mx 127.0.0.2 mx
expect_true "receiver badcert.test (wrong name) on 127.0.0.7" rcv_start badcert 127.0.0.7 wrong

# in_ns ROOT CMD... - CMD with ROOT's copies over Debian's Exim directories
# and the world's resolver (a private mount namespace).
in_ns() {
	local root=$1
	shift
	unshare -m --propagation private /bin/sh -c '
		r=$1; shift
		mount --bind "$r/etc-exim4" /etc/exim4 &&
		mount --bind "$r/var-lib-exim4" /var/lib/exim4 &&
		mount --bind "$r/spool" /var/spool/exim4 &&
		mount --bind "$r/log" /var/log/exim4 &&
		mount --bind "$WORLD/resolver/resolv.conf" /etc/resolv.conf || exit 111
		exec "$@"' ns "$root" "$@"
}
export WORLD

# set_ue4cc ROOT KEY VALUE - one setting of the copy's update-exim4.conf.conf
set_ue4cc() {
	local f=$1/etc-exim4/update-exim4.conf.conf
	sed -i "/^$2=/d" "$f"
	echo "$2='$3'" >>"$f"
}

# dup_options ROOT - "SECTION DRIVER OPTION" set more than once in the
# generated configuration as Exim reads it (exim -bP config), and driver
# names defined twice.
dup_options() {
	in_ns "$1" "$EXIM" -bP config 2>/dev/null | awk '
		/^#/ || /^[ \t]*$/ { next }
		/^begin / { sec = $2; drv = ""; next }
		sec == "acl" || sec == "retry" || sec == "rewrite" { next }
		/^ *[A-Za-z0-9_]+:[ \t]*$/ {
			drv = $1; sub(/:$/, "", drv)
			if (seen[sec, "", drv]++) print sec, "driver", drv
			next
		}
		/^ *[A-Za-z0-9_]+ *=/ || /^ *(no_)?[a-z0-9_]+ *$/ {
			o = $1; sub(/=.*/, "", o); sub(/^no_/, "", o)
			if (sec == "" && o ~ /^[A-Z]/) next # a macro
			if (seen[sec, drv, o]++) print (sec == "" ? "main" : sec), drv, o
		}' | sort -u
}

# the system's Debian files, to show at the end that they were not touched
sysfiles() { find /etc/exim4 /var/lib/exim4 -type f -print0 | sort -z | xargs -0 md5sum; }
SYS_BEFORE=$(sysfiles)
LOCAL_DOMAINS=mxtls.test
# run_mode MODE - the doc's steps in a fresh copy of Debian's files, then
# the deliveries.
run_mode() {
	local mode=$1 R=$TEST_DIR/$1 split macros out l id
	[ "$mode" = split ] && split=true || split=false
	mkdir -p "$R/etc-exim4" "$R/var-lib-exim4" "$R/spool" "$R/log"
	cp -a /etc/exim4/. "$R/etc-exim4/"
	rm -f "$R/etc-exim4/exim4.conf" "$R/etc-exim4/exim4.conf.localmacros" "$R/etc-exim4/conf.d/main/000_localmacros"
	chown Debian-exim:Debian-exim "$R/spool"
	chown Debian-exim:adm "$R/log"
	chmod 750 "$R/spool"
	chmod 2750 "$R/log"
	set_ue4cc "$R" dc_eximconfig_configtype internet
	set_ue4cc "$R" dc_other_hostnames "$LOCAL_DOMAINS"
	set_ue4cc "$R" dc_use_split_config "$split"
	set_ue4cc "$R" dc_local_interfaces 127.0.0.1
	# a domain relayed for: Debian's dnslookup_relay_to_domains keeps it
	set_ue4cc "$R" dc_relay_domains testing.test
	# the site's own macros, where the doc says they go
	if [ "$split" = true ]; then
		macros=$R/etc-exim4/conf.d/main/000_localmacros
	else
		macros=$R/etc-exim4/exim4.conf.localmacros
	fi
	cat >"$macros" <<EOM
# this test's site settings (docs/exim.md: MXTLS_* for a source tree)
MXTLS_DIR = $CFG
MXTLS_SO = $SO
MXTLS_OPTS = socket=ipc://$MXTLS_SOCKET_DIRECT timeout=15
MXTLS_CA = $CA_FILE
# Debian's DKIM signing (remote_smtp's macros)
DKIM_DOMAIN = mxtls.test
DKIM_SELECTOR = sel$mode
DKIM_PRIVATE_KEY = $TEST_DIR/dkim/mxtls.key
# the world's MX hosts are on 127.0.0.0/8, which Debian ignores by default
ROUTER_DNSLOOKUP_IGNORE_TARGET_HOSTS = <; 0.0.0.0
EOM
	chmod 644 "$macros"

	# the doc's steps, verbatim
	if out=$(in_ns "$R" /bin/sh -ec "$COMMON" 2>&1); then
		pass "$mode: the doc's install block"
	else
		fail "$mode: the doc's install block" "$out"
		return 1
	fi
	if [ "$split" = true ]; then
		out=$(in_ns "$R" /bin/sh -ec "$SPLIT" 2>&1)
	else
		out=$(in_ns "$R" /bin/sh -ec "$NONSPLIT" 2>&1)
	fi || {
		fail "$mode: the doc's update-exim4.conf block" "$out"
		return 1
	}
	pass "$mode: the doc's update-exim4.conf block"
	expect_true "$mode: config.autogenerated written" test -s "$R/var-lib-exim4/config.autogenerated"
	if [ "$split" = false ]; then
		expect_true "$mode: the template now has the drop-ins" \
			grep -q '^### router/190_mxtls' "$R/etc-exim4/exim4.conf.template"
	fi

	if ! out=$(in_ns "$R" "$EXIM" -bV 2>&1); then
		fail "$mode: exim -bV with the generated configuration" "$out"
		return 1
	fi
	pass "$mode: exim -bV with the generated configuration"
	expect_eq "$mode: no option or driver set twice" "$(dup_options "$R")" ""
	expect_true "$mode: the doc's check: exim4 -bP router mxtls" \
		in_ns "$R" "$EXIM" -bP router mxtls
	out=$(in_ns "$R" "$EXIM" -bP config 2>/dev/null)
	expect_eq "$mode: one remote_smtp transport, Debian's" \
		"$(printf '%s\n' "$out" | grep -c '^ *remote_smtp:')" 1
	expect_match "$mode: Debian's remote_smtp signs (DKIM_DOMAIN)" \
		"$(in_ns "$R" "$EXIM" -bP transport remote_smtp 2>/dev/null)" 'dkim_domain = mxtls\.test'
	for t in remote_smtp_sts remote_smtp_dane remote_smtp_sts_testing remote_smtp_encrypt remote_smtp_mxtls; do
		expect_match "$mode: $t signs like remote_smtp (DKIM_*)" \
			"$(in_ns "$R" "$EXIM" -bP transport $t 2>/dev/null)" "dkim_selector = sel$mode"
	done
	expect_match "$mode: router order: mxtls before Debian's dnslookup" \
		"$(printf '%s\n' "$out" | grep -E '^ *(hubbed_hosts|mxtls_tls_required_no|mxtls|dnslookup_relay_to_domains|dnslookup):' | tr -d ' :' | tr '\n' ' ')" \
		'^hubbed_hosts mxtls_tls_required_no mxtls dnslookup_relay_to_domains dnslookup $'
	expect_eq "$mode: dns_dnssec_ok set once" "$(printf '%s\n' "$out" | grep -c '^dns_dnssec_ok')" 1

	# --- deliveries (local submission, delivered at once: -odi) ----------
	ML=$R/log/mainlog
	# submit "RCPT..." [HEADER] - one message from sender@mxtls.test
	submit() {
		# shellcheck disable=SC2086 # the recipients
		printf 'From: sender@mxtls.test\nTo: %s\nSubject: mxtls %s %s\n%s\nhello\n' \
			"${1// /, }" "$mode" "$1" "${2-}" |
			in_ns "$R" "$EXIM" -odi -f sender@mxtls.test $1
	}
	# msg NAME RCPT - the receiver's message for RCPT
	msg() { grep -ls "rcpt=.*<$2>" "$TEST_DIR/rcv-$1"/*.msg | head -1 | xargs -r cat; }
	# dkim NAME RCPT - "d=DOMAIN s=SELECTOR b=yes" from the received
	# message's DKIM-Signature header (unfolded), or "" without one
	dkim() {
		msg "$1" "$2" | awk '
			NR <= 3 { next } # fakemx.py: addr=..., MAIL FROM, blank line
			/^$/ { exit }
			/^[ \t]/ { if (in_h) h = h $0; next }
			{ in_h = 0 }
			tolower($0) ~ /^dkim-signature:/ { in_h = 1; h = $0 }
			END {
				if (h == "") exit
				gsub(/[ \t\r]/, "", h); sub(/^[^:]*:/, "", h)
				n = split(h, t, ";")
				for (i = 1; i <= n; i++) {
					k = substr(t[i], 1, index(t[i], "=") - 1)
					v[k] = substr(t[i], index(t[i], "=") + 1)
				}
				printf "d=%s s=%s b=%s\n", v["d"], v["s"], (length(v["b"]) > 100 ? "yes" : "no")
			}'
	}

	submit "e-$mode@enforce.test"
	l=$(grep -E "=> e-$mode@enforce\.test " "$ML")
	expect_match "$mode: enforce.test: remote_smtp_sts, verified" "$l" \
		'R=mxtls T=remote_smtp_sts H=mx1\.enforce\.test \[127\.0\.0\.2\].* X=TLS[^ ]* CV=yes'
	expect_eq "$mode: enforce.test: DKIM-Signature of DKIM_DOMAIN/DKIM_SELECTOR received" \
		"$(dkim mx "e-$mode@enforce.test")" "d=mxtls.test s=sel$mode b=yes"

	# two recipients of one domain: the second copies the first's routing
	# (same_domain_copy_routing), TLS-Required: No is decided per recipient
	submit "e1-$mode@enforce.test e2-$mode@enforce.test"
	for r in e1 e2; do
		expect_match "$mode: enforce.test, two recipients: $r remote_smtp_sts, verified" \
			"$(grep -E "[=-]> $r-$mode@enforce\.test " "$ML")" 'R=mxtls T=remote_smtp_sts .*CV=yes'
	done
	submit "n1-$mode@enforce.test n2-$mode@enforce.test" "TLS-Required: No"
	for r in n1 n2; do
		expect_match "$mode: TLS-Required: No, two recipients: $r remote_smtp_mxtls" \
			"$(grep -E "[=-]> $r-$mode@enforce\.test " "$ML")" 'R=mxtls_tls_required_no T=remote_smtp_mxtls .*CV=no'
	done

	submit "d-$mode@dane.test"
	l=$(grep -E "=> d-$mode@dane\.test " "$ML")
	expect_match "$mode: dane.test: remote_smtp_dane, CV=dane" "$l" 'R=mxtls T=remote_smtp_dane .*CV=dane'
	expect_eq "$mode: dane.test: DKIM-Signature received" \
		"$(dkim mx "d-$mode@dane.test")" "d=mxtls.test s=sel$mode b=yes"

	submit "n-$mode@enforce.test" "TLS-Required: No"
	l=$(grep -E "=> n-$mode@enforce\.test " "$ML")
	expect_match "$mode: TLS-Required: No: remote_smtp_mxtls, not verified" "$l" \
		'R=mxtls_tls_required_no T=remote_smtp_mxtls .*CV=no'
	expect_eq "$mode: TLS-Required: No: DKIM-Signature received" \
		"$(dkim mx "n-$mode@enforce.test")" "d=mxtls.test s=sel$mode b=yes"

	submit "b-$mode@badcert.test"
	l=$(grep -E "== b-$mode@badcert\.test " "$ML")
	expect_match "$mode: badcert.test (wrong name): deferred by remote_smtp_sts" "$l" 'R=mxtls T=remote_smtp_sts .*TLS'
	expect_eq "$mode: badcert.test: nothing received" "$(msg badcert "b-$mode@badcert.test")" ""
	expect_eq "$mode: badcert.test: not delivered" "$(grep -c "=> b-$mode@badcert\.test " "$ML")" 0

	expect_match "$mode: relay_to_domains: Debian's router and remote_smtp" \
		"$(in_ns "$R" "$EXIM" -bt "r-$mode@testing.test" 2>&1)" 'router = dnslookup_relay_to_domains, transport = remote_smtp($|[^_])'

	# --- smarthost: Debian's routing as before ------------------------------
	set_ue4cc "$R" dc_eximconfig_configtype smarthost
	set_ue4cc "$R" dc_smarthost '127.0.0.2::25'
	if out=$(in_ns "$R" update-exim4.conf 2>&1); then
		expect_match "$mode: smarthost: mail to an enforce domain goes to the smarthost" \
			"$(in_ns "$R" "$EXIM" -bt "s-$mode@enforce.test" 2>&1)" 'router = smarthost, transport = remote_smtp_smarthost'
		if in_ns "$R" "$EXIM" -bP router mxtls >/dev/null 2>&1; then
			fail "$mode: smarthost: exim4 -bP router mxtls fails"
		else
			pass "$mode: smarthost: exim4 -bP router mxtls fails"
		fi
		expect_eq "$mode: smarthost: no mxtls router or transport" \
			"$(in_ns "$R" "$EXIM" -bP config 2>/dev/null | grep -cE '^ *(mxtls|remote_smtp_sts):')" 0
	else
		fail "$mode: smarthost: update-exim4.conf" "$out"
	fi
	id=$(grep -c 'mxtls: .*: result .* not recorded' "$ML")
	expect_eq "$mode: no TLS result lost" "$id" 0
	expect_eq "$mode: no panic log" "$(grep -v 'lost privilege' "$R/log/paniclog" 2>/dev/null | head -3)" ""
}

run_mode nonsplit
run_mode split
expect_eq "the system's /etc/exim4 and /var/lib/exim4 untouched" "$(sysfiles)" "$SYS_BEFORE"

summary
