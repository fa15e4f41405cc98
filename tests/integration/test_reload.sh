#!/bin/bash
# test_reload.sh - SIGHUP reloads the configuration file (docs/OPERATIONS.md
# "Reload"): a reloadable key (socketmap.testing, seen in the socketmap
# answer for a "mode: testing" domain; log.level) takes effect without a
# restart; a key that needs a restart (resolver.timeout, cache.max_entries)
# is logged and keeps its running value; a broken file keeps the running
# configuration (logged with file and line) and the daemon serving; the
# MTA-STS cache survives every reload (stats: entries kept, no new fetch).
# LOG_CONF, CACHE_CONF, RESOLVER_CONF are read by lib.sh's write_config:
# shellcheck disable=SC2034
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

trap daemon_cleanup EXIT
SMC="/usr/bin/python3 $LIB_DIR/smclient.py"
SM_UNIX=$SOCK_BASE/smap.sock
# shellcheck disable=SC2086 # SMC is "python3 smclient.py"
sm() { timeout 30 $SMC "unix:$SM_UNIX" mxtls "$1"; }
smap_conf() { # TESTING
	printf 'socketmap: { listen = ["unix:%s"]; testing = "%s"; threads = 1; };\n' \
		"$SM_UNIX" "$1"
}
# hup - send SIGHUP and wait for the reload's last log line (the Nth).
hup() {
	local n=$1
	kill -HUP "$DAEMON_PID"
	# shellcheck disable=SC2317
	reloaded() { [ "$(grep -cE 'MXTLSD-(RELOADED|RELOAD-FAIL)' "$DAEMON_LOG")" -ge "$n" ]; }
	poll_until 10 reloaded || fail "SIGHUP $n" "no MXTLSD-RELOADED in the log"
}
stat_of() { jqr "$(ctl stats --json)" ".$1"; }

LOG_CONF='log: { level = "info"; };'
CACHE_CONF='cache: { max_entries = 1000; };'
daemon_start reload "$(smap_conf opportunistic)" || summary

expect_eq "opportunistic: testing.test" "$(sm testing.test)" "NOTFOUND "
expect_jq "enforce.test before" "$(q enforce.test)" .mode enforce
expect_jq "testing.test before" "$(q testing.test)" .mode testing
entries=$(stat_of entries)
fetched=$(stat_of fetch_ok)
expect_true "cache holds the two policies" [ "$entries" -ge 2 ]
expect_true "two policies fetched" [ "$fetched" -ge 2 ]
expect_jq "notxt.test before: no policy" "$(q notxt.test)" .policy none
expect_eq "no debug lines at level info" "$(grep -c ' debug ' "$DAEMON_LOG")" 0

# ---------------------------------------------- reloadable + restart-only --
LOG_CONF='log: { level = "debug"; };'
CACHE_CONF='cache: { max_entries = 5000; };'
RESOLVER_CONF=$(printf 'resolver: { trust_anchor_file = "%s"; unbound_config = "%s"; timeout = 7; };' \
	"$TA_FILE" "$UNBOUND_CONF")
write_config "$(smap_conf strict)"
hup 1
expect_match "socketmap.testing applied" "$(grep MXTLSD-RELOAD-KEY "$DAEMON_LOG")" \
	'socketmap.testing = "strict" \(was "opportunistic"\)'
expect_match "strict without a restart: testing.test" "$(sm testing.test)" '^OK secure match=mx1.testing.test'
expect_match "enforce.test unchanged" "$(sm enforce.test)" '^OK secure'
q nope.test >/dev/null
expect_true "log.level debug applied (debug lines now)" [ "$(grep -c ' debug ' "$DAEMON_LOG")" -gt 0 ]
expect_match "resolver.timeout needs a restart" "$(grep MXTLSD-RELOAD-RESTART "$DAEMON_LOG")" \
	'resolver.timeout changed from 5 to 7, which needs a restart of mxtlsd: keeping 5'
expect_match "cache.max_entries needs a restart" "$(grep MXTLSD-RELOAD-RESTART "$DAEMON_LOG")" \
	'cache.max_entries changed from 1000 to 5000'
expect_match "summary line" "$(grep MXTLSD-RELOADED "$DAEMON_LOG")" \
	'reloaded: 2 keys applied, 2 changed keys need a restart'
expect_true "cache kept: entries" [ "$(stat_of entries)" -ge "$entries" ]
expect_jq "enforce.test from the cache" "$(q enforce.test)" .mode enforce
expect_eq "cache kept: no new fetch" "$(stat_of fetch_ok)" "$fetched"

# ------------------------------------------------------------ broken file --
cp "$DAEMON_CONFIG_FILE" "$DAEMON_DIR/good.conf"
sed -i 's/recheck_interval = 3600;/recheck_interval = "soon";/' "$DAEMON_CONFIG_FILE"
line=$(grep -n 'recheck_interval = "soon"' "$DAEMON_CONFIG_FILE" | cut -d: -f1)
hup 2
expect_match "broken file: file, line and reason logged" "$(grep MXTLSD-RELOAD-FAIL "$DAEMON_LOG")" \
	"$DAEMON_CONFIG_FILE:$line: sts.recheck_interval: must be an integer; the running configuration stays in effect"
expect_true "broken file: daemon still runs" daemon_alive
expect_match "broken file: strict kept" "$(sm testing.test)" '^OK secure match=mx1.testing.test'
expect_eq "broken file: cache kept" "$(stat_of fetch_ok)" "$fetched"

# -------------------------------------------- bad value for a live setter --
cp "$DAEMON_DIR/good.conf" "$DAEMON_CONFIG_FILE"
sed -i 's/testing = "strict";/testing = "strict"; postfix_version = "three";/' "$DAEMON_CONFIG_FILE"
hup 3
expect_match "bad postfix_version refused" "$(grep MXTLSD-RELOAD-FAIL "$DAEMON_LOG" | tail -1)" \
	'postfix_version.*the running configuration stays'
expect_match "bad postfix_version: strict kept" "$(sm testing.test)" '^OK secure'

# ------------------------------------------- back again, a preload list --
LIST=$DAEMON_DIR/preload.json
cat >"$LIST" <<'JSON'
{
  "timestamp": "2024-01-15T10:25:12Z",
  "expires": "2099-12-31T23:59:59Z",
  "version": "0.1",
  "policy-aliases": {},
  "policies": { "notxt.test": { "mode": "enforce", "mxs": [".notxt.test"] } }
}
JSON
LOG_CONF='log: { level = "info"; };'
write_config "$(smap_conf opportunistic)
preload: { path = \"$LIST\"; };"
hup 4
expect_eq "back to opportunistic: testing.test" "$(sm testing.test)" "NOTFOUND "
expect_match "preload list loaded on reload" "$(grep MXTLS-PRELOAD-LOADED "$DAEMON_LOG")" "$LIST: 1 domains"
expect_jq "notxt.test from the preload list, no restart" "$(q notxt.test)" \
	'[.status, .policy, .mode, .source] | join(" ")' "ok sts enforce preload"
expect_eq "cache kept over every reload: no new fetch" "$(stat_of fetch_ok)" "$fetched"
daemon_stop
summary
