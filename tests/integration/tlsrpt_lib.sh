# shellcheck shell=bash
# tlsrpt_lib.sh - the receivers of the TLSRPT tests (source it after
# lib.sh from test_tlsrpt*.sh). Both are real components:
#
# Mail: a real Exim 4.96 with a private configuration is the daemon's
# tlsrpt.sendmail ("exim4 -C CONF -odi -oep -t", with tlsrpt.smtp = "")
# or, started by mta_smtp_start, its SMTP relay on 127.0.0.1:25 (the
# default tlsrpt.smtp, TLSRPT_SMTP=default): it delivers every
# recipient to one maildir, $MTA/mail (Envelope-to tells recipients apart),
# and its non-SMTP ACL refuses nobody@rptbounce.test (exim exits 1: a
# bounce the daemon sees); over SMTP its RCPT ACL refuses the same address
# with 550, and defers every recipient with 451 while $MTA/defer exists. Exim keeps root privilege with -C only for a
# configuration named in /etc/exim4/trusted_configs: the command runs in a
# private mount namespace where $TEST_DIR/etc-exim4 (a copy of /etc/exim4
# naming our config) is mounted on /etc/exim4, as test_exim.sh does.
#
# HTTPS: nginx (report.enforce.test, the world's certificate) keeps POSTs
# to /tlsrpt as files (log/tlsrpt-access.log) and proxies /tlsrpt-rcv/NAME
# to tlsrpt_receiver.py, which these helpers start and steer (rcv_*).
#
# Needs root (unshare -m, Exim with -C).

MTA=$TEST_DIR/mta
RCV=$TEST_DIR/rcv
RCV_PID=
MTA_PID=
TLSRPT_FROM=tlsrpt-noreply@sender.test
ACCESS_LOG=$WORLD/log/tlsrpt-access.log

tlsrpt_cleanup() {
	mta_smtp_stop
	if [ -n "$RCV_PID" ]; then
		kill -TERM "$RCV_PID" 2>/dev/null
		wait "$RCV_PID" 2>/dev/null
		RCV_PID=
		rm -f "$WORLD/nginx/tlsrpt-rcv.sock"
	fi
	daemon_cleanup
}
trap tlsrpt_cleanup EXIT

# mta_setup - the Exim configuration, its trusted_configs and the sendmail
# command $MTA/sendmail.sh (arguments are passed on to exim).
mta_setup() {
	local exim
	exim=$(command -v exim4 || command -v exim || true)
	if [ -z "$exim" ]; then
		fail "exim" "Exim (exim4-daemon-heavy) is not installed"
		summary
	fi
	[ "$(id -u)" = 0 ] || { fail "root" "needs root (unshare -m, exim -C)"; summary; }
	mkdir -p "$MTA/spool" "$MTA/log" "$MTA/mail" "$TEST_DIR/etc-exim4"
	cp -a /etc/exim4/. "$TEST_DIR/etc-exim4/"
	printf '%s\n' "$MTA/exim.conf" >"$TEST_DIR/etc-exim4/trusted_configs"
	chmod 644 "$TEST_DIR/etc-exim4/trusted_configs"
	cat >"$MTA/exim.conf" <<EOC
# the report receivers' mailbox: every recipient into $MTA/mail
primary_hostname = submit.sender.test
qualify_domain = sender.test
spool_directory = $MTA/spool
log_file_path = $MTA/log/%slog
exim_user = Debian-exim
exim_group = Debian-exim
host_lookup =
rfc1413_hosts =
keep_environment =
acl_not_smtp = acl_not_smtp
# the SMTP relay (mta_smtp_start; -bd only)
local_interfaces = 127.0.0.1
daemon_smtp_ports = 25
pid_file_path = $MTA/exim.pid
acl_smtp_rcpt = acl_smtp_rcpt
begin acl
acl_smtp_rcpt:
  defer condition = \${if exists{$MTA/defer}}
        message = 4.3.2 deferred by the test, try again later
  deny condition = \${if eqi{\$local_part@\$domain}{nobody@rptbounce.test}}
       message = nobody@rptbounce.test: no such mailbox
  accept
acl_not_smtp:
  deny condition = \${if forany{<, \$recipients}{eqi{\$item}{nobody@rptbounce.test}}}
       message = nobody@rptbounce.test: no such mailbox
  accept
begin routers
mailbox:
  driver = accept
  transport = maildir
begin transports
maildir:
  driver = appendfile
  directory = $MTA/mail
  maildir_format
  create_directory
  user = Debian-exim
  envelope_to_add
  return_path_add
EOC
	chmod 644 "$MTA/exim.conf"
	chown -R Debian-exim:Debian-exim "$MTA/spool" "$MTA/log" "$MTA/mail"
	cat >"$MTA/sendmail.sh" <<EOS
#!/bin/sh
# tlsrpt.sendmail of $TEST_NAME: the real Exim, private config (see tlsrpt_lib.sh)
exec unshare -m --propagation private /bin/sh -c '
	mount --bind "\$0" /etc/exim4 || exit 111
	exec "\$@"' "$TEST_DIR/etc-exim4" "$exim" -C "$MTA/exim.conf" -odi -oep "\$@"
EOS
	chmod 755 "$MTA/sendmail.sh"
	local out
	if ! out=$(printf 'To: probe@probe.test\nSubject: probe\n\nprobe\n' |
		"$MTA/sendmail.sh" -oi -t -f "$TLSRPT_FROM" 2>&1) ||
		! poll_ge 5 1 mails_to probe@probe.test; then
		fail "Exim delivers to the maildir" "$out" "$(cat "$MTA/log/mainlog" 2>/dev/null)"
		summary
	fi
	pass "Exim with a private config delivers to $MTA/mail"
}

# mta_smtp_start - Exim as the SMTP relay on 127.0.0.1:25 (same config).
mta_smtp_start() {
	local exim
	exim=$(command -v exim4 || command -v exim)
	# exec: the recorded PID is Exim's own, so mta_smtp_stop stops it
	# shellcheck disable=SC2016 # expanded by the inner sh
	(exec unshare -m --propagation private /bin/sh -c '
		mount --bind "$0" /etc/exim4 || exit 111
		exec "$@"' "$TEST_DIR/etc-exim4" "$exim" -C "$MTA/exim.conf" -bdf) \
		</dev/null >>"$MTA/log/stdout" 2>&1 &
	MTA_PID=$!
	if ! poll_until 10 mta_listening; then
		fail "Exim listens on 127.0.0.1:25" "$(cat "$MTA/log/stdout" "$MTA/log/paniclog" 2>/dev/null)"
		summary
	fi
	pass "Exim listens on 127.0.0.1:25 (pid $MTA_PID)"
}
mta_listening() { ss -H -lnt 'sport = :25' | grep -q '127\.0\.0\.1:25'; }
# mta_smtp_stop - stop the SMTP relay (if running) and wait until it is gone.
mta_smtp_stop() {
	if [ -n "$MTA_PID" ]; then
		kill -TERM "$MTA_PID" 2>/dev/null
		wait "$MTA_PID" 2>/dev/null
		MTA_PID=
		poll_until 10 sh -c "! ss -H -lnt 'sport = :25' | grep -q '127\.0\.0\.1:25'"
	fi
}

# tlsrpt_conf [EXTRA] - the tlsrpt group: real Exim, no send delay or window,
# retry deadline 1 h; EXTRA is added inside the group. Mail goes through
# tlsrpt.sendmail ($MTA/sendmail.sh); with TLSRPT_SMTP=default tlsrpt.smtp
# is left at its default (the relay on 127.0.0.1:25), with another
# non-empty TLSRPT_SMTP it is that URL.
tlsrpt_conf() {
	local smtp='smtp = "";'
	case "${TLSRPT_SMTP-}" in
	"") ;;
	default) smtp= ;;
	*) smtp="smtp = \"$TLSRPT_SMTP\";" ;;
	esac
	printf 'tlsrpt: { organization_name = "mxtls test"; contact_info = "mailto:tlsrpt@sender.test";
 submitter = "sender.test"; from = "%s"; sendmail = "%s -oi -t -f %s"; %s
 send_delay = 0; send_window = 0; retry_deadline = 3600; max_failure_details = 100; %s };' \
		"$TLSRPT_FROM" "$MTA/sendmail.sh" "$TLSRPT_FROM" "$smtp" "${1-}"
}

# mail_files ADDR - the delivered messages for ADDR (Envelope-to), oldest first.
mail_files() {
	local f
	find "$MTA/mail/new" "$MTA/mail/cur" -type f -printf '%T@ %p\n' 2>/dev/null |
		sort -n | cut -d' ' -f2- | while read -r f; do
		grep -qix "Envelope-to: $1" "$f" && echo "$f"
	done
}
mails_to() { mail_files "$1" | wc -l; }

# mail_json FILE - tlsrpt_check.py's view of one delivered message.
mail_json() { python3 "$LIB_DIR/tlsrpt_check.py" mail "$1"; }
# report_json FILE - tlsrpt_check.py's view of one report file (gzip or not).
report_json() { python3 "$LIB_DIR/tlsrpt_check.py" report "$1"; }

# nginx_posts - POSTs to /tlsrpt answered 200 so far (all tests).
nginx_posts() { (grep -c '^POST /tlsrpt 200 ' "$ACCESS_LOG" 2>/dev/null || true) | tail -1; }

# rcv_start - start tlsrpt_receiver.py behind nginx's /tlsrpt-rcv/.
rcv_start() {
	mkdir -p "$RCV"
	: >"$RCV/log"
	rm -f "$WORLD/nginx/tlsrpt-rcv.sock"
	python3 "$LIB_DIR/tlsrpt_receiver.py" "$WORLD/nginx/tlsrpt-rcv.sock" "$RCV" \
		>"$RCV/stdout" 2>&1 &
	RCV_PID=$!
	if ! poll_until 5 test -S "$WORLD/nginx/tlsrpt-rcv.sock"; then
		fail "receiver starts" "$(cat "$RCV/stdout")"
		summary
	fi
	pass "HTTPS receiver behind nginx (pid $RCV_PID)"
}
# rcv_mode NAME MODE... - what /tlsrpt-rcv/NAME answers from now on.
rcv_mode() {
	local n=$1
	shift
	echo "$*" >"$RCV/$n.mode"
}
# rcv_count NAME [STATUS] - requests to NAME (answered STATUS).
rcv_count() {
	awk -v n="$1" -v s="${2-}" '$1 == n && (s == "" || $3 == s)' "$RCV/log" | wc -l
}
# rcv_body NAME SEQ - the file of request SEQ to NAME.
rcv_body() { echo "$RCV/$1.$2.body"; }

stat_of() { jqr "$(ctl stats --json)" ".$1"; }

# poll_ge SECONDS N CMD... - poll until CMD prints a number >= N.
poll_ge() {
	local s=$1 n=$2
	shift 2
	poll_until "$s" ge_of "$n" "$@"
}
ge_of() {
	local n=$1 v
	shift
	v=$("$@")
	[ "$v" -ge "$n" ] 2>/dev/null
}

# nlog ERE - lines of the running daemon's log (since its last start)
# matching ERE.
nlog() {
	sed -n "$(grep -n '^=== .* daemon_start ' "$DAEMON_LOG" | tail -1 | cut -d: -f1),\$p" "$DAEMON_LOG" |
		grep -cE -- "$1"
}

# tlsrpt_offset DAYS [SECONDS] - MXTLSD_TLSRPT_TIME_OFFSET that puts the
# daemon's clock SECONDS (default 5) after the start of the UTC day DAYS
# days after today.
tlsrpt_offset() {
	local now
	now=$(date +%s)
	echo $(((now / 86400 + $1) * 86400 + ${2:-5} - now))
}

# day_of OFFSET - the UTC date (YYYY-MM-DD) of the daemon's clock at OFFSET.
day_of() { date -u -d "@$(($(date +%s) + $1))" +%F; }
