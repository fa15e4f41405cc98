#!/bin/bash
# test_sts.sh - MTA-STS end to end: the real mxtlsd against the loopback world
# of tests/world (NSD with signed zones, nginx with the test CA).
# Domains and what they should give are listed in tests/world/up.sh and
# tests/world/zones/test.zone.in.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

RUN=$(date +%s)
ID_A="a$RUN"
ID_B="b$RUN"

# sts_answer LABEL JSON MODE ID - a usable policy of the given mode and id.
sts_answer() {
	local label=$1 j=$2 mode=$3 id=$4
	expect_jq "$label" "$j" '[.status, .policy, .mode] | join(" ")' "ok sts $mode"
	expect_jq "$label" "$j" '.policy_id' "$id"
}

# no_policy LABEL JSON RC ERE - status ok, no policy, and why matching ERE.
no_policy() {
	local label=$1 j=$2 rc=$3 re=$4
	expect_eq "$label: exit code" "$rc" 0
	expect_jq "$label" "$j" '[.status, .policy] | join(" ")' "ok none"
	expect_jq_match "$label" "$j" '.why' "$re"
}

# new_policy_seen - idchange.test answers with the changed id and policy.
# shellcheck disable=SC2317 # called through poll_until
new_policy_seen() {
	local j
	j=$(q idchange.test) || return 1
	[ "$(jqr "$j" '.policy_id + " " + (.mx | join(","))')" = \
		"$ID_B mx2.idchange.test,*.idchange.test" ]
}

# The idchange.test world state is ours: start from a known id and policy.
"$WORLD_TOOLS/set-policy.sh" "$WORLD" idchange.test enforce 86400 mx1.idchange.test
"$WORLD_TOOLS/set-txt.sh" "$WORLD" idchange.test "$ID_A"

daemon_start main || summary

# ---------------------------------------------------------------- policies --
t0=$(now_ms)
j=$(q enforce.test)
rc=$?
expect_eq "enforce.test: exit code" "$rc" 0
expect_jq enforce.test "$j" '.domain' enforce.test
sts_answer enforce.test "$j" enforce enforce1
expect_jq enforce.test "$j" '.mx | join(",")' "mx1.enforce.test,*.enforce.test"
expect_jq enforce.test "$j" '.max_age' 86400
expect_jq enforce.test "$j" '.source' fetched
expect_jq enforce.test "$j" "(.expires | type == \"number\") and .expires > $RUN" true
j=$(q enforce.test)
expect_jq "enforce.test again" "$j" '.source' cache
sts_answer "enforce.test again" "$j" enforce enforce1
expect_jq "enforce.test again" "$j" '.mx | join(",")' "mx1.enforce.test,*.enforce.test"

# ------------------------------------------------------------ answer cache --
# The second answer was kept whole (answer_cache.h): the third comes from
# nng's thread, byte for byte the same, and the loop's counters do not move.
st0=$(ctl stats --json)
j3=$(q enforce.test)
st1=$(ctl stats --json)
expect_eq "answer cache: same reply" "$j3" "$j"
expect_eq "answer cache: one hit" \
	"$(($(jqr "$st1" '.answer_cache_hits') - $(jqr "$st0" '.answer_cache_hits')))" 1
expect_eq "answer cache: not through the loop (cache_hits unchanged)" \
	"$(jqr "$st1" '.cache_hits')" "$(jqr "$st0" '.cache_hits')"
# a flush drops it: the next answer is rebuilt (and fetched again)
ctl flush enforce.test >/dev/null
j=$(q enforce.test)
expect_jq "answer cache: after flush, fetched again" "$j" '.source' fetched
st2=$(ctl stats --json)
expect_eq "answer cache: after flush, no hit" \
	"$(jqr "$st2" '.answer_cache_hits')" "$(jqr "$st1" '.answer_cache_hits')"

j=$(q testing.test)
sts_answer testing.test "$j" testing testing1
j=$(q none.test)
sts_answer none.test "$j" none none1

# ---------------------------------------------------- dump and purge --
# mxtlsctl dump lists what the daemon holds (docs/IPC.md "dump"): the
# policy with its id, mode, expiry and next check; purge forgets a domain.
d=$(ctl dump --json)
expect_jq "dump: enforce.test listed" "$d" \
	'.domains[] | select(.domain == "enforce.test") | [.sts, .mode, .policy_id] | join(" ")' "policy enforce enforce1"
expect_jq "dump: enforce.test expires after now, next check before expiry" "$d" \
	'.now as $now | .domains[] | select(.domain == "enforce.test") | (.expires > $now and .next_check <= .expires and .next_check > 0)' true
expect_jq "dump: not truncated" "$d" '[.truncated, (.total == (.domains | length))] | map(tostring) | join(" ")' "false true"
expect_match "dump: text, one line a domain" "$(ctl dump)" \
	"enforce.test +enforce +enforce1 +20[0-9-]+T[0-9:]+Z"
expect_eq "purge enforce.test" "$(ctl purge enforce.test)" "flushed 1 entries of enforce.test"
expect_jq "dump after purge: enforce.test gone" "$(ctl dump --json)" \
	'[.domains[] | select(.domain == "enforce.test")] | length' 0
expect_match "dump after purge: others stay" "$(ctl dump)" "testing.test"

# _mta-sts.cname.test is a CNAME to _mta-sts.enforce.test: that id, own policy.
j=$(q cname.test)
sts_answer cname.test "$j" testing enforce1
expect_jq cname.test "$j" '.mx | join(",")' "mx1.cname.test,*.cname.test"

# Unsigned zone: MTA-STS does not need DNSSEC.
j=$(q insecure.test)
rc=$?
expect_eq "insecure.test: exit code" "$rc" 0
sts_answer insecure.test "$j" enforce insecure1

# ----------------------------------------------------------- TXT problems --
j=$(q notxt.test)
rc=$?
no_policy notxt.test "$j" "$rc" 'no _mta-sts|nxdomain|not found|no such|does not exist'
j=$(q badtxt.test)
rc=$?
no_policy badtxt.test "$j" "$rc" 'invalid|syntax|malformed|bad id'
j=$(q multitxt.test)
rc=$?
no_policy multitxt.test "$j" "$rc" 'multiple|more than one|exactly one|several|[2-9] (txt )?records'

# ---------------------------------------------------------- fetch failures --
j=$(q 404.test)
rc=$?
no_policy 404.test "$j" "$rc" '404'
j=$(q redirect.test)
rc=$?
no_policy redirect.test "$j" "$rc" '301|redirect'
j=$(q ctype.test)
rc=$?
no_policy ctype.test "$j" "$rc" 'text/html|content.?type|media.?type'
j=$(q big.test)
rc=$?
no_policy big.test "$j" "$rc" '64 ?KiB|too big|too large|larger than|65536|exceed'
j=$(q wrongcert.test)
rc=$?
no_policy wrongcert.test "$j" "$rc" 'certificate'
j=$(q expired.test)
rc=$?
no_policy expired.test "$j" "$rc" 'expired'
t0=$(now_ms)
j=$(q slow.test)
rc=$?
t1=$(now_ms)
no_policy slow.test "$j" "$rc" 'timeout|timed out|time-out'
expect_true "slow.test: answered in $((t1 - t0)) ms (< 10 s)" test $((t1 - t0)) -lt 10000

# ------------------------------------------------------------ DNS outcomes --
j=$(q bogus.test)
rc=$?
expect_eq "bogus.test: exit code" "$rc" 75
expect_jq bogus.test "$j" '.status' tempfail
expect_jq_match bogus.test "$j" '.why' 'dnssec|bogus|validat'

j=$(q nope.test)
rc=$?
expect_eq "nope.test: exit code" "$rc" 0
expect_jq nope.test "$j" '.policy' none

j=$(q bad..name)
rc=$?
expect_eq "bad..name: exit code" "$rc" 1
expect_jq bad..name "$j" '.status' error

# ------------------------------------------------------------------- stats --
s=$(ctl stats --json)
rc=$?
expect_eq "stats: exit code" "$rc" 0
expect_jq stats "$s" '(.fetch_ok | type) + " " + (.fetch_fail | type)' "number number"
expect_jq stats "$s" '.fetch_ok >= 5 and .fetch_fail >= 7' true

# ------------------------------------------------------------------- flush --
ctl flush enforce.test >/dev/null
rc=$?
expect_eq "flush enforce.test: exit code" "$rc" 0
j=$(q enforce.test)
expect_jq "enforce.test after flush" "$j" '.source' fetched
sts_answer "enforce.test after flush" "$j" enforce enforce1

# ----------------------------------------------------------------- restart --
# The store keeps policies across a clean stop and a SIGKILL; nothing is
# fetched again while they are fresh.
restart_check() { # LABEL
	local j s
	j=$(q enforce.test)
	expect_jq_match "$1" "$j" '.source' '^(store|cache)$'
	sts_answer "$1" "$j" enforce enforce1
	expect_jq "$1" "$j" '.mx | join(",")' "mx1.enforce.test,*.enforce.test"
	s=$(ctl stats --json)
	expect_jq "$1: stats" "$s" '.fetch_ok' 0
}
daemon_stop
daemon_start main && restart_check "enforce.test after restart"
daemon_kill9
daemon_start main && restart_check "enforce.test after kill -9"
daemon_stop

# -------------------------------------------------------------------- SSRF --
# shellcheck disable=SC2034 # read by daemon_start (lib.sh)
FETCH_CONF="fetch: { ca_file = \"$CA_FILE\"; allow_private = false; connect_timeout = 2; timeout = 4; max_body = 65536; port = $HTTPS_PORT; };"
if daemon_start ssrf; then
	j=$(q enforce.test)
	expect_jq "enforce.test, allow_private = false" "$j" '.policy' none
	expect_jq_match "enforce.test, allow_private = false" "$j" '.why' \
		'refus|private|loopback|not allowed|forbidden|blocked'
	s=$(ctl stats --json)
	expect_jq "ssrf: stats" "$s" '.fetch_ok' 0
	daemon_stop
fi
unset FETCH_CONF

# ------------------------------------------------ id change, background recheck --
# shellcheck disable=SC2034 # read by daemon_start (lib.sh)
STS_CONF='sts: { first_contact_wait = 8; recheck_interval = 1; };'
if daemon_start recheck; then
	j=$(q idchange.test)
	sts_answer "idchange.test before" "$j" enforce "$ID_A"
	expect_jq "idchange.test before" "$j" '.mx | join(",")' "mx1.idchange.test"

	"$WORLD_TOOLS/set-policy.sh" "$WORLD" idchange.test enforce 86400 \
		mx2.idchange.test "*.idchange.test"
	"$WORLD_TOOLS/set-txt.sh" "$WORLD" idchange.test "$ID_B"

	# The first query after the change answers at once from the cache.
	t0=$(now_ms)
	j=$(q idchange.test)
	rc=$?
	t1=$(now_ms)
	expect_eq "idchange.test right after the change: exit code" "$rc" 0
	expect_true "idchange.test right after the change: answered in $((t1 - t0)) ms (< 1 s)" \
		test $((t1 - t0)) -lt 1000
	expect_jq_match "idchange.test right after the change" "$j" '.source' '^(cache|store)$'
	expect_jq "idchange.test right after the change" "$j" '[.status, .policy] | join(" ")' "ok sts"

	# Then the background recheck sees the new id and fetches the new policy.
	t0=$(now_ms)
	if poll_until 15 new_policy_seen; then
		pass "idchange.test: new id and policy after $(($(now_ms) - t0)) ms"
	else
		j=$(q idchange.test)
		fail "idchange.test: new id and policy within 15 s" "last answer: $j"
	fi
	daemon_stop
fi
unset STS_CONF

# Leave idchange.test as up.sh made it.
"$WORLD_TOOLS/set-policy.sh" "$WORLD" idchange.test enforce 86400 \
	mx1.idchange.test "*.idchange.test"
"$WORLD_TOOLS/set-txt.sh" "$WORLD" idchange.test idchange1

summary
