#!/bin/bash
# postfix-unpack.sh DIR - Postfix (Debian 12: 3.7) WITHOUT installing the
# package (it conflicts with exim4 through mail-transport-agent): apt-get
# download + dpkg -x into DIR/root, a minimal DIR/etc/main.cf, and the
# wrapper DIR/pf that runs one of its commands with that configuration:
#   DIR/pf postmap -q example.test socketmap:unix:/path/sock:mxtls
# The binaries have RUNPATH /usr/lib/postfix, so pf sets LD_LIBRARY_PATH.
# Needs root only when the "postfix" user and "postdrop" group are missing
# (created as the package's postinst does). Idempotent: an unpacked tree is
# reused. Prints the Postfix version on success.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
D=$1
mkdir -p "$D"
D=$(cd "$D" && pwd)
P=$D/root
if [ ! -x "$P/usr/sbin/postmap" ]; then
	mkdir -p "$D/debs"
	chown _apt "$D/debs" 2>/dev/null || true # apt downloads as _apt
	(cd "$D/debs" && apt-get download -q postfix >/dev/null)
	rm -rf "$P"
	dpkg -x "$D"/debs/postfix_*.deb "$P"
fi
getent group postfix >/dev/null || addgroup --system postfix >/dev/null
id postfix >/dev/null 2>&1 || adduser --system --home /var/spool/postfix \
	--no-create-home --disabled-password --ingroup postfix postfix >/dev/null
getent group postdrop >/dev/null || addgroup --system postdrop >/dev/null
mkdir -p "$D/etc" "$D/spool" "$D/data"
cat >"$D/etc/main.cf" <<EOC
compatibility_level = 3.6
mail_owner = postfix
setgid_group = postdrop
command_directory = $P/usr/sbin
daemon_directory = $P/usr/lib/postfix/sbin
shlib_directory = $P/usr/lib/postfix
meta_directory = $P/etc/postfix
queue_directory = $D/spool
data_directory = $D/data
manpage_directory = $P/usr/share/man
sendmail_path = $P/usr/sbin/sendmail
newaliases_path = $P/usr/bin/newaliases
mailq_path = $P/usr/bin/mailq
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH=$P/usr/lib/postfix
maillog_file = $D/postfix.log
maillog_file_prefixes = $D
inet_interfaces = loopback-only
inet_protocols = ipv4
mydestination =
alias_maps =
alias_database =
EOC
cp "$P/usr/share/postfix/master.cf.dist" "$D/etc/master.cf"
cp "$P/usr/share/postfix/dynamicmaps.cf" "$D/etc/dynamicmaps.cf" 2>/dev/null || true
cat >"$D/pf" <<EOW
#!/bin/sh
# pf CMD ARGS - run a command of the unpacked Postfix ($D)
cmd=\$1; shift
exec env LD_LIBRARY_PATH=$P/usr/lib/postfix MAIL_CONFIG=$D/etc "$P/usr/sbin/\$cmd" -c "$D/etc" "\$@"
EOW
chmod +x "$D/pf"
missing=$(LD_LIBRARY_PATH=$P/usr/lib/postfix ldd "$P/usr/sbin/postmap" | grep 'not found' || true)
[ -z "$missing" ] || { echo "postfix-unpack.sh: missing libraries:" "$missing" >&2; exit 1; }
"$D/pf" postconf -h mail_version
