#!/bin/bash
# test_packages.sh - the Debian packages from install to purge, on this
# machine, as root (CI step 4; docs/PACKAGING.md):
#   1. build them (scripts/build-debs.sh) unless DEBDIR already holds them;
#      lintian: no errors (warnings are listed);
#   2. apt-get install ./mxtlsd ./mxtls-opensmtpd ./mxtls-exim .debs;
#      the files, the conffile, the user and group mxtls, Debian-exim in
#      the group;
#   3. the installed unit: systemd-analyze verify, and security --offline
#      exposure <= 2.0;
#   4. mxtlsd started as the unit's ExecStart says, as User=/Group= of the
#      unit with UMask= and /run/mxtls made as RuntimeDirectory= would
#      (systemd need not be PID 1), with /etc/mxtls/mxtlsd.conf edited as
#      an admin would to use the loopback test world (tests/world) when its
#      servers are installed; the installed mxtlsctl: ping, stats, query;
#   5. apt-get remove: binaries gone, the edited conffile and the state
#      kept; apt-get purge: conffile, /etc/mxtls and /var/lib/mxtls gone,
#      the user and group mxtls kept (Debian policy 9.2.2), Debian-exim out
#      of the group.
# Leaves no mxtls package installed; removes the user and group mxtls again
# when they did not exist before. Other tests use the same loopback
# addresses: run it alone, or in its own network namespace:
#   unshare -n sh -c 'ip link set lo up; tests/package/test_packages.sh'
#   test_packages.sh [DEBDIR]    (default: ./debs)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
debdir=${1:-$src/debs}
export DEBIAN_FRONTEND=noninteractive
PASSED=0
FAILED=0
ok() { echo "ok   - $*"; PASSED=$((PASSED + 1)); }
bad() { echo "FAIL - $*"; FAILED=$((FAILED + 1)); }
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
in_group() { id -nG "$1" 2>/dev/null | tr ' ' '\n' | grep -qx "$2"; }
installed() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qx installed; }
not_known() { ! known "$1"; }
known() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qvx not-installed; }

[ "$(id -u)" = 0 ] || { echo "test_packages.sh: must run as root" >&2; exit 1; }
for p in mxtlsd mxtls-exim mxtls-opensmtpd; do
	if known "$p"; then
		echo "test_packages.sh: $p is already on this machine; purge it first" >&2
		exit 1
	fi
done
had_user=0
getent passwd mxtls >/dev/null && had_user=1
had_group=0
getent group mxtls >/dev/null && had_group=1
tmp=$(mktemp -d)
chmod 755 "$tmp"
daemon_pid=
world=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	[ -n "$world" ] && "$src/tests/world/down.sh" "$world" >/dev/null 2>&1
	for p in mxtls-exim mxtls-opensmtpd mxtlsd; do
		known "$p" && apt-get purge -y -qq "$p" >/dev/null 2>&1
	done
	if [ "$had_user" = 0 ] && getent passwd mxtls >/dev/null; then
		deluser --quiet mxtls >/dev/null 2>&1 || true
	fi
	if [ "$had_group" = 0 ] && getent group mxtls >/dev/null; then
		delgroup --quiet mxtls >/dev/null 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "# 1. build and lintian"
if ! ls "$debdir"/mxtlsd_*.deb >/dev/null 2>&1; then
	"$src/scripts/build-debs.sh" "$debdir"
fi
deb() { ls -t "$debdir"/"$1"_*.deb | head -n 1; }
if ! command -v lintian >/dev/null; then
	apt-get install -y -qq --no-install-recommends lintian >/dev/null
fi
changes=$(ls -t "$debdir"/mxtls_*.changes | head -n 1)
# lintian warns that it runs as root (harmless here); --fail-on error: warnings
# are listed (docs/PACKAGING.md says which are kept and why), errors fail
if lintian --fail-on error \
	"$changes" >"$tmp/lintian" 2>&1; then
	ok "lintian: no errors ($(grep -c '^W:' "$tmp/lintian" || true) warnings)"
else
	bad "lintian: errors"
fi
sed 's/^/    /' "$tmp/lintian"

echo "# 2. apt-get install"
if apt-get install -y -qq "$(deb mxtlsd)" "$(deb mxtls-opensmtpd)" \
	"$(deb mxtls-exim)" >"$tmp/apt" 2>&1; then
	ok "apt-get install of the three packages"
else
	bad "apt-get install"
	cat "$tmp/apt"
	exit 1
fi
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for f in /usr/sbin/mxtlsd /usr/sbin/mxtlsctl /etc/mxtls/mxtlsd.conf \
	/lib/systemd/system/mxtlsd.service \
	"/usr/lib/$multiarch/mxtls/mxtls_exim.so" \
	/usr/libexec/opensmtpd/filter-mxtls \
	/usr/share/mxtls/exim/routers.conf /usr/share/mxtls/exim/mxtls.macros \
	/usr/share/mxtls/postfix/main.cf.snippet \
	/usr/share/doc/mxtls-opensmtpd/examples/smtpd.conf.snippet \
	/usr/share/man/man5/mxtlsd.conf.5.gz /usr/share/man/man8/mxtlsd.8.gz \
	/usr/share/man/man8/mxtlsctl.8.gz /usr/share/man/man8/mxtls-exim.8.gz \
	/usr/share/man/man8/filter-mxtls.8.gz; do
	check "installed: $f" test -e "$f"
done
check "/etc/mxtls/mxtlsd.conf is a conffile" \
	sh -c "dpkg-query -W -f='\${Conffiles}' mxtlsd | grep -q ' /etc/mxtls/mxtlsd.conf '"
check "the installed mxtlsd.conf parses (mxtlsd -n)" \
	sh -c '/usr/sbin/mxtlsd -n -c /etc/mxtls/mxtlsd.conf >/dev/null 2>&1'
check "mxtlsctl is on root's PATH" \
	sh -c 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin command -v mxtlsctl >/dev/null'
check "system user mxtls" sh -c 'getent passwd mxtls | grep -q ":/var/lib/mxtls:/usr/sbin/nologin$"'
check "its group is mxtls" sh -c '[ "$(id -gn mxtls)" = mxtls ]'
check "state dir /var/lib/mxtls belongs to mxtls" \
	sh -c '[ "$(stat -c %U:%G /var/lib/mxtls)" = mxtls:mxtls ]'
if getent passwd Debian-exim >/dev/null; then
	check "Debian-exim is in group mxtls (mxtls-exim postinst)" in_group Debian-exim mxtls
fi

echo "# 3. the installed unit"
unit=/lib/systemd/system/mxtlsd.service
verify_opts=()
command -v man >/dev/null || verify_opts=(--man=no) # no man-db: skip man: links
if systemd-analyze verify "${verify_opts[@]}" "$unit" >"$tmp/verify" 2>&1; then
	ok "systemd-analyze verify ${verify_opts[*]} $unit"
else
	bad "systemd-analyze verify $unit"
fi
sed 's/^/    /' "$tmp/verify"
systemd-analyze security --offline=yes "$unit" >"$tmp/security" 2>&1 || true
exposure=$(sed -n 's/.*Overall exposure level for mxtlsd.service: \([0-9.]*\).*/\1/p' "$tmp/security")
if [ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
	ok "systemd-analyze security --offline=yes: exposure $exposure <= 2.0"
else
	bad "systemd-analyze security: exposure '${exposure}' (want <= 2.0)"
	cat "$tmp/security"
fi

echo "# 4. mxtlsd as the unit runs it"
unit_get() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
exec_start=$(unit_get ExecStart)
user=$(unit_get User)
group=$(unit_get Group)
umask_unit=$(unit_get UMask)
check "unit: ExecStart=/usr/sbin/mxtlsd -f, User=mxtls, Group=mxtls" \
	[ "$exec_start|$user|$group" = "/usr/sbin/mxtlsd -f|mxtls|mxtls" ]
if [ -d /run/systemd/system ] && systemctl is-active -q mxtlsd 2>/dev/null; then
	systemctl stop mxtlsd # systemd is PID 1 here and started it on install
fi
# RuntimeDirectory=mxtls, RuntimeDirectoryMode=0755
install -d -o "$user" -g "$group" -m "$(unit_get RuntimeDirectoryMode)" /run/mxtls
# an admin's edit of the conffile: the loopback test world when there is one
query_domain=
if [ -x /usr/sbin/nsd ] && command -v nginx >/dev/null; then
	world=$tmp/world
	if "$src/tests/world/up.sh" "$world" >"$tmp/world.log" 2>&1; then
		# shellcheck disable=SC1091
		. "$world/env"
		chmod -R a+rX "$world"
		cat >>/etc/mxtls/mxtlsd.conf <<-EOC

			# test_packages.sh: the loopback test world (an admin's edit)
			resolver: { trust_anchor_file = "$TA_FILE"; unbound_config = "$UNBOUND_CONF"; timeout = 5; };
			fetch: { ca_file = "$CA_FILE"; allow_private = true; port = $HTTPS_PORT; };
		EOC
		# the file lists every group once: drop the original two groups
		python3 - /etc/mxtls/mxtlsd.conf <<-'EOP'
			import re, sys
			p = sys.argv[1]
			s = open(p).read()
			for g in ("resolver", "fetch"):
			    s = re.sub(r"\n%s: \{.*?\n\};\n" % g, "\n", s, count=1, flags=re.S)
			open(p, "w").write(s)
		EOP
		query_domain=enforce.test
	else
		echo "    test world did not come up; querying without it:"
		tail -n 5 "$tmp/world.log" | sed 's/^/    /'
		world=
	fi
fi
check "the edited mxtlsd.conf parses" sh -c '/usr/sbin/mxtlsd -n >/dev/null 2>&1'
# systemd's side of Type=notify: a datagram socket in $NOTIFY_SOCKET, each
# message one line of $tmp/notify (fields joined by "|")
python3 - "$tmp/notify.sock" "$tmp/notify" <<'EOP' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
while True:
    m = s.recv(4096).decode(errors="replace").strip().replace("\n", "|")
    with open(sys.argv[2], "a") as f:
        f.write(m + "\n")
EOP
notify_pid=$!
for _ in $(seq 50); do [ -S "$tmp/notify.sock" ] && break; sleep 0.1; done
(
	umask "$umask_unit"
	export NOTIFY_SOCKET=$tmp/notify.sock
	# shellcheck disable=SC2086 # ExecStart is split as systemd splits it
	exec setpriv --reuid="$user" --regid="$group" --init-groups \
		--no-new-privs --inh-caps=-all --bounding-set=-all -- $exec_start
) 2>"$tmp/mxtlsd.log" &
daemon_pid=$!
ctl=/usr/sbin/mxtlsctl
up=0
for _ in $(seq 100); do # until it answers (or dies); not a timed assertion
	if $ctl -t 2 ping >/dev/null 2>&1; then up=1; break; fi
	kill -0 "$daemon_pid" 2>/dev/null || break
	sleep 0.2
done
check "mxtlsctl ping answers (mxtlsd as $user)" [ "$up" = 1 ]
check "mxtlsd runs as user $user" \
	sh -c "[ \"\$(ps -o user= -p $daemon_pid)\" = '$user' ]"
check "socket /run/mxtls/mxtlsd.sock: mxtls:mxtls, mode 660" \
	sh -c '[ "$(stat -c %U:%G:%a /run/mxtls/mxtlsd.sock)" = mxtls:mxtls:660 ]'
check "mxtlsctl stats" sh -c "$ctl stats --json | grep -q '\"'"
check "the store is in the state dir" test -e /var/lib/mxtls/mxtls.db
check "the store is mxtls's only (UMask=$umask_unit)" \
	sh -c '[ "$(stat -c %U:%a /var/lib/mxtls/mxtls.db)" = mxtls:600 ]'
if getent passwd Debian-exim >/dev/null; then
	check "Debian-exim may connect to the direct socket (group mxtls)" \
		setpriv --reuid=Debian-exim --regid=Debian-exim --init-groups \
		test -w /run/mxtls/mxtlsd-direct.sock
fi
if [ -n "$query_domain" ]; then
	$ctl -t 30 query "$query_domain" --json >"$tmp/query" 2>&1 || true
	check "mxtlsctl query $query_domain: MTA-STS enforce from the test world" \
		grep -q '"enforce"' "$tmp/query"
	sed 's/^/    /' "$tmp/query" | head -n 20
else
	check "mxtlsctl parse sts-record (offline)" \
		$ctl parse sts-record 'v=STSv1; id=20240101T000000;'
fi
notified() { grep -q "$1" "$tmp/notify" 2>/dev/null; }
poll() { # TRIES CMD...: until CMD succeeds (0.1 s apart); not a timed assertion
	local n=$1
	shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}
check "READY=1 on \$NOTIFY_SOCKET (Type=notify)" poll 50 notified "^READY=1|MAINPID=$daemon_pid"
# a reload as ExecReload does it, after an admin's edit of a key that
# applies at once (log.level)
sed -i '0,/^\tlevel = "info";/s//\tlevel = "debug";/' /etc/mxtls/mxtlsd.conf
check "the admin's edit: log.level = debug" grep -q '^	level = "debug";' /etc/mxtls/mxtlsd.conf
unit_reload=$(unit_get ExecReload)
check "unit: ExecReload=/bin/kill -HUP \$MAINPID" [ "$unit_reload" = '/bin/kill -HUP $MAINPID' ]
/bin/kill -HUP "$daemon_pid"
check "reload: RELOADING=1 then READY=1, one key applied" \
	poll 100 notified '^READY=1|STATUS=serving; reloaded .*(1 applied, 0 need a restart)'
check "reload: RELOADING=1 with MONOTONIC_USEC" notified '^RELOADING=1|MONOTONIC_USEC=[0-9]*$'
check "mxtlsctl ping answers after the reload" $ctl -t 5 ping
kill "$daemon_pid"
rv=0
wait "$daemon_pid" || rv=$?
daemon_pid=
check "mxtlsd stops cleanly on SIGTERM (status $rv)" [ "$rv" = 0 ]
check "STOPPING=1 at SIGTERM" notified '^STOPPING=1'
sed 's/^/    notify: /' "$tmp/notify"
kill "$notify_pid" 2>/dev/null || true
sed 's/^/    mxtlsd: /' "$tmp/mxtlsd.log" | tail -n 5
if [ -n "$world" ]; then
	"$src/tests/world/down.sh" "$world" >/dev/null 2>&1 || true
	world=
fi
rm -rf /run/mxtls # RuntimeDirectoryPreserve=no: systemd removes it at stop

echo "# 5. remove, then purge"
apt-get remove -y -qq mxtls-exim mxtls-opensmtpd mxtlsd >"$tmp/apt" 2>&1 ||
	{ cat "$tmp/apt"; bad "apt-get remove"; }
check "removed: /usr/sbin/mxtlsd gone" test ! -e /usr/sbin/mxtlsd
check "removed: filter-mxtls gone" test ! -e /usr/libexec/opensmtpd/filter-mxtls
check "removed: the module gone" test ! -e "/usr/lib/$multiarch/mxtls/mxtls_exim.so"
check "removed: the (edited) conffile is kept" test -f /etc/mxtls/mxtlsd.conf
if [ -n "$query_domain" ]; then
	check "removed: the admin's edit is still in it" \
		grep -q 'test_packages.sh: the loopback test world' /etc/mxtls/mxtlsd.conf
fi
check "removed: the state (/var/lib/mxtls/mxtls.db) is kept" test -e /var/lib/mxtls/mxtls.db
check "removed: mxtlsd is in state config-files" \
	sh -c "dpkg-query -W -f='\${db:Status-Status}' mxtlsd | grep -qx config-files"
if getent passwd Debian-exim >/dev/null; then
	check "removed: Debian-exim is no longer in group mxtls" \
		sh -c '! id -nG Debian-exim | tr " " "\n" | grep -qx mxtls'
fi
apt-get purge -y -qq mxtls-exim mxtls-opensmtpd mxtlsd >"$tmp/apt" 2>&1 ||
	{ cat "$tmp/apt"; bad "apt-get purge"; }
for p in mxtlsd mxtls-exim mxtls-opensmtpd; do
	check "purged: dpkg knows no $p" not_known "$p"
done
check "purged: /etc/mxtls gone" test ! -e /etc/mxtls
check "purged: /var/lib/mxtls gone" test ! -e /var/lib/mxtls
check "purged: /run/mxtls gone" test ! -e /run/mxtls
check "purged: user and group mxtls kept (Debian policy 9.2.2)" \
	sh -c 'getent passwd mxtls >/dev/null && getent group mxtls >/dev/null'

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
