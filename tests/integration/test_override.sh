#!/bin/bash
# test_override.sh - local overrides (docs/DECISIONS.md "Local overrides")
# with the real daemon on the loopback world:
#   1. mxtlsctl override add|del|list and their refusals (exit statuses);
#   2. the socketmap answer (our client and real Postfix 3.7's postmap -q)
#      for testing, defer, no-dane, no-sts, none and an mx: override, each
#      gone at once after "override del" (the answer cache is dropped);
#   3. expiry: an override until a few seconds ahead stops applying after
#      it (asserted once the time has passed), is removed and logged once;
#   4. "mxtlsctl query" shows it (why, override member), stats count it,
#      and so do the metrics mxtls_overrides_applied_total (each action)
#      and mxtls_overrides_active (docs/METRICS.md);
#   5. TLSRPT results under an override are counted under the policy the
#      domain publishes (mode enforce), also while the domain is held;
#   6. persistence across a restart; config-file entries, their refusals,
#      SIGHUP, and a CLI entry winning over a config one.
# The Exim module and the OpenSMTPD filter with overrides: test_exim.sh and
# test_opensmtpd.sh ("local overrides" sections). Set MXTLS_POSTFIX_DIR to
# reuse an unpacked Postfix (default /tmp/mxtls-postfix).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

SMC="/usr/bin/python3 $LIB_DIR/smclient.py"
PF_DIR=${MXTLS_POSTFIX_DIR:-/tmp/mxtls-postfix}
SM_UNIX=$SOCK_BASE/smap.sock
MPORT=9461
SMAP="socketmap: { listen = [\"unix:$SM_UNIX\"]; mode = \"0666\"; };
metrics: { listen = \"127.0.0.1:$MPORT\"; };"
TOMORROW=$(date -u -d '+1 day' +%F)
ENF="OK secure match=mx1.enforce.test servername=hostname"

sm() { timeout 60 $SMC "unix:$SM_UNIX" mxtls "$@"; }
# pmq KEY - real Postfix's postmap -q on our socketmap
pmq() {
	local out rc=0
	[ -n "$PF" ] || { echo "<no postfix>"; return; }
	out=$(timeout 60 "$PF" postmap -q "$1" "socketmap:unix:$SM_UNIX:mxtls" 2>"$TEST_DIR/postmap.err") || rc=$?
	if [ "$rc" = 0 ]; then
		echo "$out"
	elif [ "$rc" = 1 ] && [ -z "$out" ] && [ ! -s "$TEST_DIR/postmap.err" ]; then
		echo "<notfound>"
	else
		echo "<error $rc: $(tr '\n' ' ' <"$TEST_DIR/postmap.err")>"
	fi
}
PF=
if "$WORLD_TOOLS/postfix-unpack.sh" "$PF_DIR" >/dev/null 2>"$TEST_DIR/postfix-unpack.err"; then
	PF=$PF_DIR/pf
	pass "Postfix unpacked in $PF_DIR"
else
	fail "Postfix unpack" "$(cat "$TEST_DIR/postfix-unpack.err")"
fi
add() { ctl override add "$@" >"$TEST_DIR/ctl.out" 2>&1; }
rc_of() { "$@" >"$TEST_DIR/rc.out" 2>&1; echo $?; }
logged() { grep -c -- "$1" "$DAEMON_LOG"; }
# metric SERIES - its value in a scrape of the running daemon (none: "absent")
metric() {
	curl -s --max-time 10 "http://127.0.0.1:$MPORT/metrics" |
		awk -v s="$1" '$1 == s {print $2; f = 1} END {if (!f) print "absent"}'
}

# ----------------------------------------------------------- 1. the CLI --
daemon_start main "$SMAP" || summary
for d in enforce.test dane.test notxt.test badcert.test danests.test; do
	sm "$d" >/dev/null
done
expect_eq "baseline: enforce.test" "$(sm enforce.test)" "$ENF"
expect_eq "baseline: dane.test" "$(sm dane.test)" "OK dane-only"
expect_eq "baseline: notxt.test" "$(sm notxt.test)" "NOTFOUND "
expect_eq "baseline: postmap enforce.test" "$(pmq enforce.test)" "${ENF#OK }"

expect_eq "refused: unknown action (exit 1)" \
	"$(rc_of ctl override add enforce.test off --until "$TOMORROW" --reason r)" 1
expect_match "refused: unknown action says so" "$(cat "$TEST_DIR/rc.out")" 'unknown action "off"'
expect_eq "refused: past until" \
	"$(rc_of ctl override add enforce.test testing --until 2020-01-01 --reason r)" 1
expect_match "refused: past until says so" "$(cat "$TEST_DIR/rc.out")" 'in the past'
expect_eq "refused: unparseable until" \
	"$(rc_of ctl override add enforce.test testing --until 2027-13-01 --reason r)" 1
expect_eq "refused: empty reason" \
	"$(rc_of ctl override add enforce.test testing --until "$TOMORROW" --reason '')" 1
expect_eq "refused: an IP address" \
	"$(rc_of ctl override add 192.0.2.1 testing --until "$TOMORROW" --reason r)" 1
expect_match "refused: an IP address says so" "$(cat "$TEST_DIR/rc.out")" 'IP address'
expect_eq "refused: mx:IP" \
	"$(rc_of ctl override add mx:127.0.0.2 testing --until "$TOMORROW" --reason r)" 1
expect_eq "refused: a bad domain" \
	"$(rc_of ctl override add 'exa mple.test' testing --until "$TOMORROW" --reason r)" 1
expect_eq "usage: no --reason (exit 2)" \
	"$(rc_of ctl override add enforce.test testing --until "$TOMORROW")" 2
expect_eq "refused: nothing in force after the refusals" "$(ctl override list --json | jq length)" 0
expect_eq "del of nothing: exit 1" "$(rc_of ctl override del enforce.test)" 1

# ------------------------------------------------ 2. the socketmap answer --
# testing: an enforce domain is not enforced (opportunistic), shown in query
expect_true "add enforce.test testing" add enforce.test testing --until "$TOMORROW" --reason "MX cert broken, ticket 1"
expect_match "add: says added (until the end of $TOMORROW)" "$(cat "$TEST_DIR/ctl.out")" \
	"^added: enforce.test testing until $(date -u -d "$TOMORROW +1 day" +%F)T00:00:00Z"
expect_eq "testing: socketmap opportunistic" "$(sm enforce.test)" "NOTFOUND "
expect_eq "testing: postmap" "$(pmq enforce.test)" "<notfound>"
IPC_SECURE='mxtls_lookups_total{door="ipc",answer="secure"}'
IPC_NONE='mxtls_lookups_total{door="ipc",answer="none"}'
m0="$(metric "$IPC_SECURE") $(metric "$IPC_NONE")"
r=$(q enforce.test)
# the metric counts what the answer enforces: nothing, as the socketmap's
expect_eq "testing: the IPC lookup counted none, not secure" \
	"$(metric "$IPC_SECURE") $(metric "$IPC_NONE")" "$(awk '{print $1, $2 + 1}' <<<"$m0")"
expect_jq "testing: query override member" "$r" '.override.action' testing
expect_jq "testing: query override source" "$r" '.override.source' cli
expect_jq "testing: query keeps the published mode" "$r" '.mode' enforce
expect_jq "testing: host action may" "$r" '.hosts[0].action' may
expect_jq_match "testing: why says so" "$r" '.why' '^local override testing for enforce.test \(until .*, cli: MX cert broken, ticket 1\)'
expect_match "testing: human query shows it" "$(ctl query enforce.test)" 'local override testing'
l=$(ctl override list --json)
expect_eq "list: one entry" "$(jq -r '.[] | [.target, .action, .source, .reason] | join("|")' <<<"$l")" \
	"enforce.test|testing|cli|MX cert broken, ticket 1"
expect_eq "list: until is the end of $TOMORROW" "$(jq -r '.[0].until' <<<"$l")" "$(date -u -d "$TOMORROW +1 day" +%s)"
expect_match "list: human" "$(ctl override list)" '^enforce\.test +testing +until '
# cached now; del must drop it at once
sm enforce.test >/dev/null
expect_true "del enforce.test" ctl override del enforce.test
expect_eq "del: socketmap back to enforce at once" "$(sm enforce.test)" "$ENF"
expect_eq "del: postmap back to enforce" "$(pmq enforce.test)" "${ENF#OK }"
expect_eq "del: list empty" "$(ctl override list --json | jq length)" 0

# defer: a good domain is held
expect_true "add notxt.test defer" add notxt.test defer --until "$TOMORROW" --reason hold
expect_match "defer: socketmap TEMP" "$(sm notxt.test)" '^TEMP .*local override defer'
expect_match "defer: postmap error (Postfix defers)" "$(pmq notxt.test)" '^<error '
r=$(q notxt.test)
expect_jq "defer: query status tempfail" "$r" '.status' tempfail
expect_eq "defer: mxtlsctl query exit 75" "$(rc_of ctl query notxt.test)" 75
expect_true "del notxt.test defer (with its action)" ctl override del notxt.test defer
expect_eq "defer gone" "$(sm notxt.test)" "NOTFOUND "

# no-dane on a DANE domain (no MTA-STS there: opportunistic)
expect_true "add dane.test no-dane" add dane.test no-dane --until "$TOMORROW" --reason "TLSA rollover gone wrong"
expect_eq "no-dane: socketmap not DANE" "$(sm dane.test)" "NOTFOUND "
expect_jq "no-dane: host action" "$(q dane.test)" '.hosts[0].action' may
expect_true "del dane.test" ctl override del dane.test
expect_eq "no-dane gone" "$(sm dane.test)" "OK dane-only"

# no-sts on an MTA-STS domain; none
expect_true "add enforce.test no-sts" add enforce.test no-sts --until "$TOMORROW" --reason r
expect_eq "no-sts: socketmap opportunistic" "$(sm enforce.test)" "NOTFOUND "
expect_jq "no-sts: policy none" "$(q enforce.test)" '.policy' none
expect_true "add enforce.test none (replaces)" add enforce.test none --until "$TOMORROW" --reason r
expect_match "none: replaced" "$(cat "$TEST_DIR/ctl.out")" '^replaced:'
expect_match "none: the CLI warns" "$(cat "$TEST_DIR/ctl.out")" 'WARNING'
expect_true "none: the daemon warns (MXTLS-OVERRIDE-NONE)" poll_until 5 grep -q 'MXTLS-OVERRIDE-NONE.*enforce.test' "$DAEMON_LOG"
expect_eq "none: socketmap opportunistic" "$(sm enforce.test)" "NOTFOUND "
expect_true "del enforce.test" ctl override del enforce.test

# an MX host: mx:mx1.enforce.test defer holds enforce.test (its only MX)
expect_true "add mx:mx1.enforce.test defer" add mx:mx1.enforce.test defer --until "$TOMORROW" --reason maint
expect_match "mx: socketmap TEMP" "$(sm enforce.test)" '^TEMP '
r=$(q enforce.test)
expect_jq "mx: host override member" "$r" '.hosts[0].override.target' mx:mx1.enforce.test
expect_jq "mx: host deferred" "$r" '.hosts[0].action' defer
expect_eq "mx: another domain unaffected" "$(sm dane.test)" "OK dane-only"
expect_true "del mx:mx1.enforce.test" ctl override del mx:mx1.enforce.test
expect_eq "mx: gone" "$(sm enforce.test)" "$ENF"

# ----------------------------------------------------------- 3. expiry --
until_s=$(($(date +%s) + 5))
until_t=$(date -u -d "@$until_s" +%FT%TZ)
expect_true "add enforce.test defer until $until_t" add enforce.test defer --until "$until_t" --reason short
expect_match "expiry: held before" "$(sm enforce.test)" '^TEMP '
expect_match "expiry: postmap held before" "$(pmq enforce.test)" '^<error '
while [ "$(date +%s)" -le "$until_s" ]; do sleep 0.5; done
expect_eq "expiry: socketmap after until" "$(sm enforce.test)" "$ENF"
expect_eq "expiry: postmap after until" "$(pmq enforce.test)" "${ENF#OK }"
expect_jq "expiry: query after until" "$(q enforce.test)" '.status' ok
expect_true "expiry: logged (MXTLS-OVERRIDE-EXPIRED)" poll_until 5 grep -q 'MXTLS-OVERRIDE-EXPIRED: override enforce.test defer' "$DAEMON_LOG"
sleep 2
expect_eq "expiry: logged once" "$(logged 'MXTLS-OVERRIDE-EXPIRED: override enforce.test defer')" 1
expect_eq "expiry: not listed" "$(ctl override list --json | jq length)" 0
# an answer cached under an override is not served past its expiry
until_s=$(($(date +%s) + 3))
expect_true "add dane.test no-dane until +3 s" add dane.test no-dane --until "$(date -u -d "@$until_s" +%FT%TZ)" --reason short
sm dane.test >/dev/null
expect_eq "cached: under the override" "$(sm dane.test)" "NOTFOUND "
while [ "$(date +%s)" -le "$until_s" ]; do sleep 0.5; done
expect_eq "cached: not served after until" "$(sm dane.test)" "OK dane-only"

# ------------------------------------------------------------ 4. stats --
st=$(ctl --json stats)
expect_true "stats: overrides_applied_testing counted" test "$(jq '.overrides_applied_testing' <<<"$st")" -ge 1
expect_true "stats: overrides_applied_defer counted" test "$(jq '.overrides_applied_defer' <<<"$st")" -ge 2
expect_jq "stats: overrides_active" "$st" '.overrides_active' 0
# every action was applied to some lookup above; the metric counts each
# under its own label, as the stats do
for a in none testing no-dane no-sts defer; do
	n=$(jq ".overrides_applied_${a//-/_}" <<<"$st")
	expect_true "stats: overrides_applied_${a//-/_} counted" test "$n" -ge 1
	expect_eq "metrics: overrides_applied{action=$a} = the stats" \
		"$(metric "mxtls_overrides_applied_total{action=\"$a\"}")" "$n"
done
expect_eq "metrics: overrides_active" "$(metric mxtls_overrides_active)" 0

# ------------------------------------------------------------ 5. TLSRPT --
expect_true "add badcert.test testing" add badcert.test testing --until "$TOMORROW" --reason "cert"
res=$(ctl --json result domain=badcert.test mx_host=mx1.badcert.test result=certificate-host-mismatch mta=exim)
expect_jq "tlsrpt: recorded under the override" "$res" '.recorded' true
expect_jq "tlsrpt: as sts" "$res" '.policy_type' sts
pv=$(ctl --json report --preview badcert.test)
expect_eq "tlsrpt: the published policy's mode" \
	"$(jq -r '[.[].report.policies[].policy."policy-string"[]] | map(select(startswith("mode"))) | unique | join(",")' <<<"$pv")" "mode: enforce"
expect_true "add badcert.test defer (replaces)" add badcert.test defer --until "$TOMORROW" --reason "hold"
res=$(ctl --json result domain=badcert.test mx_host=mx1.badcert.test result=success mta=exim)
expect_jq "tlsrpt: counted while held" "$res" '.recorded' true
expect_eq "tlsrpt: sessions (success failure)" \
	"$(jq -r '[([.[].report.policies[].summary."total-successful-session-count"] | add), ([.[].report.policies[].summary."total-failure-session-count"] | add)] | map(tostring) | join(" ")' <<<"$(ctl --json report --preview badcert.test)")" "1 1"

# ------------------------------------------------------- 6. persistence --
expect_true "add notxt.test defer for the restart" add notxt.test defer --until "$TOMORROW" --reason "kept"
expect_eq "metrics: two overrides active" "$(metric mxtls_overrides_active)" 2
n=$(metric 'mxtls_overrides_applied_total{action="defer"}')
expect_match "defer: notxt.test held" "$(sm notxt.test)" '^TEMP '
expect_eq "metrics: that lookup counted once" \
	"$(metric 'mxtls_overrides_applied_total{action="defer"}')" "$((${n//[^0-9]/} + 1))"
daemon_stop
daemon_start main "$SMAP" || summary
expect_eq "restart: both kept" "$(ctl override list --json | jq -r '[.[].target] | join(",")')" "badcert.test,notxt.test"
expect_match "restart: notxt.test still held" "$(sm notxt.test)" '^TEMP '
ctl override del notxt.test >/dev/null
ctl override del badcert.test >/dev/null
daemon_stop

# config entries: refusals, SIGHUP, CLI over config
bad=$(printf 'override = ( { target = "notxt.test"; action = "defer"; until = "%s"; reason = ""; } );' "$TOMORROW")
expect_match "config: empty reason refused" "$("$MXTLS_BIN/mxtlsd" -n -c <(printf '%s\n' "$bad") 2>&1)" 'override: an override needs a reason'
cfg=$(printf 'override = ( { target = "notxt.test"; action = "defer"; until = "%s"; reason = "from the file"; }, { target = "dane.test"; action = "no-dane"; until = "2020-01-01"; reason = "old"; } );' "$TOMORROW")
daemon_start conf "$SMAP
$cfg" || summary
expect_match "config: notxt.test held" "$(sm notxt.test)" '^TEMP '
expect_eq "config: the expired entry ignored" "$(sm dane.test)" "OK dane-only"
expect_true "config: the expired entry logged" grep -q 'MXTLS-OVERRIDE-EXPIRED: override dane.test no-dane (config)' "$DAEMON_LOG"
expect_jq "config: source" "$(q notxt.test)" '.override.source' config
expect_eq "config: del refused" "$(rc_of ctl override del notxt.test)" 1
expect_match "config: del says where" "$(cat "$TEST_DIR/rc.out")" 'config file'
expect_true "cli over config: add notxt.test none" add notxt.test none --until "$TOMORROW" --reason "cli"
expect_eq "cli over config: applies" "$(sm notxt.test)" "NOTFOUND "
expect_eq "cli over config: list shows both" \
	"$(ctl override list --json | jq -r '[.[] | "\(.source):\(.shadowed // false)"] | join(",")')" "cli:false,config:true"
expect_true "cli over config: del the CLI one" ctl override del notxt.test
expect_match "cli over config: config applies again" "$(sm notxt.test)" '^TEMP '
write_config "$SMAP"
kill -HUP "$DAEMON_PID"
expect_true "SIGHUP: reloaded" poll_until 10 grep -q MXTLSD-RELOADED "$DAEMON_LOG"
expect_eq "SIGHUP: the entry is gone" "$(sm notxt.test)" "NOTFOUND "
write_config "$SMAP
$(printf 'override = ( { target = "dane.test"; action = "no-dane"; until = "%s"; reason = "again"; } );' "$TOMORROW")"
kill -HUP "$DAEMON_PID"
expect_true "SIGHUP: reloaded again" poll_until 10 eval '[ "$(grep -c MXTLSD-RELOADED "$DAEMON_LOG")" = 2 ]'
expect_eq "SIGHUP: a new entry applies" "$(sm dane.test)" "NOTFOUND "
daemon_stop
summary
