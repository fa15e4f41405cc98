#!/bin/sh
# cli.sh - mxtlsctl as a new user meets it, without a daemon: help and
# version, every usage error with its exact message and exit status, a
# domain argument that is an address or a [next hop], and the daemon not
# reachable (no socket, a socket left behind, a socket or directory not
# open to the user). The messages are those of man/mxtlsctl.8 DIAGNOSTICS.
#   cli.sh MXTLSCTL
set -u
ctl=$1
tmp=$(mktemp -d)
trap 'kill "$lpid" 2>/dev/null; rm -rf "$tmp"' EXIT
lpid=
fail=0
n=0
export MXTLS_SOCKET="ipc://$tmp/none.sock"

# run ARGS... - mxtlsctl; its stdout, stderr and status in $out $err $rc
run() {
	"$ctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# check NAME GOT WANT
check() {
	n=$((n + 1))
	if [ "$2" != "$3" ]; then
		printf 'FAIL %s:\n  got:  %s\n  want: %s\n' "$1" "$2" "$3" >&2
		fail=1
	fi
}

# usage_err NAME EXIT FIRST-LINE ARGS... - stderr's first line, the status
usage_err() {
	name=$1 want_rc=$2 want=$3
	shift 3
	run "$@"
	check "$name: exit status" "$rc" "$want_rc"
	check "$name: message" "$(printf '%s\n' "$err" | head -1)" "$want"
	check "$name: nothing on stdout" "$out" ""
}

# help and version: stdout, exit 0
run --help
check "--help: exit status" "$rc" 0
check "--help: usage first" "$(printf '%s\n' "$out" | head -1)" \
	"usage: mxtlsctl [-s URL] [-t SECONDS] query DOMAIN"
check "--help: lists dump" "$(printf '%s\n' "$out" | grep -c ' dump$')" 1
run -h
check "-h: exit status" "$rc" 0
check "-h = --help" "$(printf '%s\n' "$out" | head -1)" \
	"usage: mxtlsctl [-s URL] [-t SECONDS] query DOMAIN"
run --version
check "--version: exit status" "$rc" 0
check "--version" "$(printf '%s\n' "$out" | sed 's/[0-9][0-9.]*$/V/')" "mxtlsctl V"
for form in "help query" "query --help" "query -h" "--json query --help"; do
	# shellcheck disable=SC2086 # the words of form
	run $form
	check "$form: exit status" "$rc" 0
	check "$form: the command's usage" "$(printf '%s\n' "$out" | head -1)" \
		"usage: mxtlsctl [-s URL] [-t SECONDS] query DOMAIN"
	check "$form: what it does" "$(printf '%s\n' "$out" | sed -n 3p)" \
		"The decision mxtlsd gives an MTA for DOMAIN: MTA-STS policy, DANE"
done
run help purge
check "help purge" "$(printf '%s\n' "$out" | head -1)" \
	"usage: mxtlsctl [-s URL] [-t SECONDS] purge DOMAIN|--all"

# usage errors: exit 2, what was wrong first
usage_err "no command" 2 "mxtlsctl: no command given"
usage_err "unknown option" 2 'mxtlsctl: unknown option "--bogus"' --bogus ping
usage_err "unknown command" 2 'mxtlsctl: unknown command "frob"' frob
usage_err "-t abc" 2 "mxtlsctl: -t abc: not a number of seconds (more than 0, at most 86400)" -t abc ping
usage_err "-t 0" 2 "mxtlsctl: -t 0: not a number of seconds (more than 0, at most 86400)" -t 0 ping
usage_err "-t without a value" 2 "mxtlsctl: -t needs a value" -t
usage_err "-s without a value" 2 "mxtlsctl: -s needs a value" -s
usage_err "query without a domain" 2 "mxtlsctl: query: which domain?" query
usage_err "query two domains" 2 'mxtlsctl: query: one domain at a time, not also "b.example"' query a.example b.example
usage_err "query an option" 2 'mxtlsctl: query: unknown option "-x"' query -x
usage_err "help of no command" 2 'mxtlsctl: help: unknown command "frob"' help frob
usage_err "ping an argument" 2 'mxtlsctl: ping: takes no argument, not "x"' ping x
usage_err "dump an argument" 2 'mxtlsctl: dump: takes no argument, not "x"' dump x
usage_err "purge nothing" 2 "mxtlsctl: purge: which domain? (or --all)" purge
usage_err "flush two" 2 'mxtlsctl: flush: one domain at a time, not also "b.example"' flush a.example b.example
usage_err "parse nothing" 2 "mxtlsctl: parse: what? sts-record, sts-policy or tlsrpt-record" parse
usage_err "parse a record missing" 2 "mxtlsctl: parse: sts-record: the record text to check is missing" parse sts-record
usage_err "report nothing" 2 "mxtlsctl: report: --preview or --send?" report
usage_err "report --send DOMAIN" 2 'mxtlsctl: report: --send sends every domain'"'"'s reports: no domain "a.example"' report --send a.example
usage_err "result not KEY=VALUE" 2 'mxtlsctl: result: "x" is not KEY=VALUE' result x
usage_err "result unknown key" 2 'mxtlsctl: result: unknown key "colour"' result colour=red
usage_err "result no mx_host" 2 "mxtlsctl: result: mx_host= is missing" result domain=a.example result=success
run query
check "a usage error shows the command's usage" "$(printf '%s\n' "$err" | sed -n 2p)" \
	"usage: mxtlsctl [-s URL] [-t SECONDS] query DOMAIN"

# a domain argument that is none: refused at once (exit 1), no daemon asked
usage_err "empty domain" 1 'mxtlsctl: query "": empty domain name' query ""
usage_err "IPv4 address" 1 'mxtlsctl: query "192.0.2.1": an address, not a domain (no MTA-STS or DANE policy applies to it)' query 192.0.2.1
usage_err "IPv6 address" 1 'mxtlsctl: query "2001:db8::1": an address, not a domain (no MTA-STS or DANE policy applies to it)' query 2001:db8::1
usage_err "[next hop]" 1 'mxtlsctl: query "[192.0.2.1]": explicit next hop (no MTA-STS or DANE policy applies to it)' query "[192.0.2.1]"
usage_err "[name]" 1 'mxtlsctl: query "[mx.example]": explicit next hop (no MTA-STS or DANE policy applies to it)' query "[mx.example]"
usage_err "name:port" 1 'mxtlsctl: query "mx.example:25": next hop with a port (no MTA-STS or DANE policy applies to it)' query mx.example:25
usage_err "purge an address" 1 'mxtlsctl: purge "192.0.2.1": an address, not a domain (no MTA-STS or DANE policy applies to it)' purge 192.0.2.1
usage_err "bad label" 1 'mxtlsctl: query "a-.example": label ends with a hyphen' query a-.example
run --json query 192.0.2.1
check "--json address: exit status" "$rc" 1
check "--json address: the daemon's shape" "$(printf '%s' "$out" | jq -r '[.status, .domain, .why] | join("|")')" \
	"error|192.0.2.1|an address, not a domain (no MTA-STS or DANE policy applies to it)"
run query 192.0.2.1 --json
check "--json after the command" "$(printf '%s' "$out" | jq -r .status)" error

# parse: offline, text or JSON
run parse sts-record 'v=STSv1; id=20240101T000000;'
check "parse: exit status" "$rc" 0
check "parse: text" "$(printf '%s\n' "$out" | head -1)" "valid sts-record"
run --json parse sts-record 'v=STSv1; id=20240101T000000;'
check "parse --json" "$(printf '%s' "$out" | jq -r .id)" 20240101T000000
run parse sts-record 'v=STSv1;'
check "parse invalid: exit status" "$rc" 1
run parse sts-policy "$tmp/nofile"
check "parse a missing file" "$err" "mxtlsctl: parse sts-policy: $tmp/nofile: No such file or directory"

# the daemon not reachable: exit 69, in the admin's words
usage_err "no socket" 69 "mxtlsctl: mxtlsd is not running (no socket at $tmp/none.sock)" ping
usage_err "no socket (query)" 69 "mxtlsctl: mxtlsd is not running (no socket at $tmp/none.sock)" query example.com
usage_err "no socket (-s)" 69 "mxtlsctl: mxtlsd is not running (no socket at $tmp/x.sock)" -s "ipc://$tmp/x.sock" stats
python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$tmp/stale.sock"
usage_err "a socket left behind" 69 "mxtlsctl: mxtlsd is not running (nobody listens on $tmp/stale.sock: a socket left behind)" -s "ipc://$tmp/stale.sock" ping

# a socket (or its directory) not open to the user: the group to join
mkdir "$tmp/run" "$tmp/closed"
python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
print(flush=True); time.sleep(600)' "$tmp/run/mxtlsd.sock" >"$tmp/ready" &
lpid=$!
i=0
while [ ! -s "$tmp/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$(id -u)" = 0 ]; then
	# root opens everything: run as nobody, the socket in group daemon
	as() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	chmod 755 "$tmp" "$tmp/run"
	chgrp daemon "$tmp/run/mxtlsd.sock" "$tmp/closed"
	chmod 660 "$tmp/run/mxtlsd.sock"
	chmod 750 "$tmp/closed"
	grp=daemon
else
	as() { "$@"; }
	chmod 000 "$tmp/run/mxtlsd.sock"
	chmod 000 "$tmp/closed"
	grp=$(id -gn)
fi
as "$ctl" -s "ipc://$tmp/run/mxtlsd.sock" ping >"$tmp/out" 2>"$tmp/err"
check "socket not ours: exit status" "$?" 69
check "socket not ours: message" "$(cat "$tmp/err")" \
	"mxtlsctl: permission denied: add your user to group $grp ($tmp/run/mxtlsd.sock is mode $(stat -c %04a "$tmp/run/mxtlsd.sock"))"
as "$ctl" -s "ipc://$tmp/closed/mxtlsd.sock" ping >"$tmp/out" 2>"$tmp/err"
check "directory not ours: exit status" "$?" 69
check "directory not ours: message" "$(cat "$tmp/err")" \
	"mxtlsctl: permission denied: add your user to group $grp ($tmp/closed is not open to you)"

[ "$fail" = 0 ] && echo "cli: $n checks passed"
exit "$fail"
