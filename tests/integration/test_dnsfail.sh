#!/bin/bash
# test_dnsfail.sh - DNS failures end to end: SERVFAIL and timeouts of the
# MX, _mta-sts TXT and TLSA lookups, with the real mxtlsd against the
# loopback world (tests/world/README.md, "DNS failures"). The rules pinned
# (docs/DECISIONS.md): a SERVFAIL or a timeout is a temporary failure, never
# a fall-back to MTA-STS or cleartext (D1, S6), never remembered as "no
# policy" (C7) nor reused as a DANE answer (D8); a failed TLSA lookup defers
# that one host (D6, A1); an MTA-STS lookup that cannot complete defers
# every host without DANE (A3). Answers come within the configured
# resolver.timeout, and the daemon keeps answering other domains.
#
# World: servfail.test and timeout.test (whole domains dead),
# stsservfail.test / ststimeout.test (good signed MX, _mta-sts dead),
# tlsaservfail.test / tlsatimeout.test (mx1's TLSA dead, mx2 DANE-EE).
# "servfail" zones: NSD answers SERVFAIL; "timeout" zones: dnssink.py on
# 127.0.0.60 never answers.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# A small resolver timeout; a first-contact wait far above it, so a tempfail
# can only be the resolver's. BOUND is generous (no timing is asserted more
# tightly than that) but below the default resolver.timeout of 10 s, so an
# answer within it shows the configured deadline was the one applied.
# shellcheck disable=SC2034 # RESOLVER_CONF and STS_CONF: read by write_config
RESOLVER_CONF="resolver: { trust_anchor_file = \"$TA_FILE\"; unbound_config = \"$UNBOUND_CONF\"; timeout = 1.5; };"
# shellcheck disable=SC2034
STS_CONF='sts: { first_contact_wait = 30; recheck_interval = 3600; };'
BOUND_MS=9000
TIMEOUT_WHY='timeout after 1500 ms'

# tq DOMAIN - query DOMAIN; sets J (the answer), RC (exit code), MS (time).
tq() {
	local t0
	t0=$(now_ms)
	J=$(q "$1")
	RC=$?
	MS=$(($(now_ms) - t0))
}

# answered_in_time LABEL - the last tq answered before BOUND_MS.
answered_in_time() {
	if [ "$MS" -lt "$BOUND_MS" ]; then
		pass "$1: answered within $((BOUND_MS / 1000)) s (resolver.timeout 1.5 s)"
	else
		fail "$1: answered within $((BOUND_MS / 1000)) s" "took $MS ms"
	fi
}

# hosts_are LABEL JSON "HOST:PREF:ACTION ..." - every host, in order.
hosts_are() {
	expect_eq "$1: hosts (host:pref:action)" "$(jqr "$2" \
		'if (.hosts | type) == "array" then [.hosts[] | "\(.host):\(.pref):\(.action)"] | join(" ") else "<no hosts array>" end')" "$3"
}

# stat NAME - one counter of the daemon now.
stat() {
	jqr "$(ctl stats --json)" ".$1"
}

# dead_domain LABEL DOMAIN WHY_ERE - the MX lookup itself fails: the whole
# domain is tempfail (D1), no hosts, no MTA-STS members (S6).
dead_domain() {
	local label=$1 d=$2
	tq "$d"
	answered_in_time "$label"
	expect_eq "$label: exit code (tempfail)" "$RC" 75
	expect_jq "$label" "$J" '[.status, .policy, .mx_status] | join(" ")' "tempfail none tempfail"
	expect_jq "$label" "$J" '.hosts | length' 0
	expect_jq_match "$label" "$J" '.why' "MX lookup for $d failed: ($3)"
	# the MTA-STS lookup failed too: no "none" answer, no source
	expect_jq "$label" "$J" '[.source, .mode] | map(tostring) | join(" ")' "null null"
	expect_jq "$label" "$J" '.tlsrpt.status' tempfail
}

# sts_dead LABEL DOMAIN WHY_ERE - good MX, the _mta-sts TXT lookup fails:
# the host is deferred (A3), the domain tempfail; no fall-back to "may".
sts_dead() {
	local label=$1 d=$2
	tq "$d"
	answered_in_time "$label"
	expect_eq "$label: exit code (tempfail)" "$RC" 75
	expect_jq "$label" "$J" '[.status, .policy, .mx_status] | join(" ")' "tempfail none secure"
	hosts_are "$label" "$J" "mx1.$d:10:defer"
	expect_host "$label" "$J" "mx1.$d" '.dane' none
	expect_host_match "$label" "$J" "mx1.$d" '.why' \
		"MTA-STS status unknown: DNS lookup of _mta-sts\\.$d TXT failed: ($3)"
	expect_jq "$label" "$J" '[.source, .mode] | map(tostring) | join(" ")' "null null"
}

# tlsa_dead LABEL DOMAIN WHY_ERE - mx1's TLSA lookup fails: mx1 defer (D6,
# A1), mx2 still DANE; the domain is deliverable through mx2.
tlsa_dead() {
	local label=$1 d=$2
	tq "$d"
	answered_in_time "$label"
	expect_eq "$label: exit code" "$RC" 0
	expect_jq "$label" "$J" '[.status, .policy, .mx_status] | join(" ")' "ok dane secure"
	hosts_are "$label" "$J" "mx1.$d:10:defer mx2.$d:20:dane"
	expect_host "$label" "$J" "mx1.$d" '[.dane, .sts] | join(" ")' "tempfail none"
	expect_host "$label" "$J" "mx1.$d" "$TLSA_JQ" "" tlsa
	expect_host_match "$label" "$J" "mx1.$d" '.why' \
		"TLSA lookup at _25\\._tcp\\.mx1\\.$d failed: ($3)"
	expect_host "$label" "$J" "mx2.$d" "$TLSA_JQ" "3 1 1 $TLSA_SPKI" tlsa
}

daemon_start main 'dane: { port = 25; };' || summary

# ------------------------------------------------------------- SERVFAIL --
dead_domain servfail.test servfail.test SERVFAIL
sts_dead stsservfail.test stsservfail.test SERVFAIL
tlsa_dead tlsaservfail.test tlsaservfail.test SERVFAIL

# -------------------------------------------------------------- timeout --
# The first query to each dead zone meets a server unbound knows nothing of:
# it waits, and the daemon's deadline ends the lookup. Later queries may
# find unbound already giving up on that server (SERVFAIL): both are fine.
dead_domain timeout.test timeout.test "$TIMEOUT_WHY"
sts_dead ststimeout.test ststimeout.test "$TIMEOUT_WHY"
tlsa_dead tlsatimeout.test tlsatimeout.test "$TIMEOUT_WHY"
expect_jq "stats after the timeouts" "$(ctl stats --json)" '.dns_tempfail >= 4' true

# ------------------------------------------ failures are never remembered --
# A second lookup asks DNS again (a new TXT lookup, a new DANE lookup) and
# answers tempfail again: no "no policy" was cached (C7), no failed DANE
# answer reused (D8).
for d in stsservfail.test ststimeout.test; do
	n0=$(stat txt_lookups)
	tq "$d"
	answered_in_time "$d again"
	expect_eq "$d again: exit code (tempfail)" "$RC" 75
	expect_jq "$d again" "$J" '[.status, .policy] | join(" ")' "tempfail none"
	expect_jq "$d again" "$J" '[.source, .mode] | map(tostring) | join(" ")' "null null"
	hosts_are "$d again" "$J" "mx1.$d:10:defer"
	expect_jq_match "$d again" "$J" '.why' "MTA-STS status unknown: .*(SERVFAIL|$TIMEOUT_WHY)"
	expect_eq "$d again: a new _mta-sts TXT lookup" "$(stat txt_lookups)" "$((n0 + 1))"
done
for d in tlsaservfail.test tlsatimeout.test; do
	n0=$(stat dane_lookups)
	tq "$d"
	answered_in_time "$d again"
	hosts_are "$d again" "$J" "mx1.$d:10:defer mx2.$d:20:dane"
	expect_host_match "$d again" "$J" "mx1.$d" '.why' "TLSA lookup .* failed: (SERVFAIL|$TIMEOUT_WHY)"
	expect_eq "$d again: a new DANE lookup (not the memo)" "$(stat dane_lookups)" "$((n0 + 1))"
done
for d in servfail.test timeout.test; do
	tq "$d"
	answered_in_time "$d again"
	expect_eq "$d again: exit code (tempfail)" "$RC" 75
	expect_jq "$d again" "$J" '[.status, .mx_status] | join(" ")' "tempfail tempfail"
	expect_jq_match "$d again" "$J" '.why' "MX lookup for $d failed: (SERVFAIL|$TIMEOUT_WHY)"
done

# ------------------------------------------- the daemon still answers --
# Other domains while a timing-out lookup is in flight, and afterwards.
out=$TEST_DIR/tlsatimeout.json
q tlsatimeout.test >"$out" &
bg=$!
tq enforce.test
expect_eq "enforce.test meanwhile: exit code" "$RC" 0
expect_jq "enforce.test meanwhile" "$J" '[.status, .policy, .mode, .policy_id] | join(" ")' \
	"ok sts enforce enforce1"
hosts_are "enforce.test meanwhile" "$J" "mx1.enforce.test:10:verify"
tq dane.test
expect_jq "dane.test meanwhile" "$J" '[.status, .policy, .mx_status] | join(" ")' "ok dane secure"
hosts_are "dane.test meanwhile" "$J" "mx1.dane.test:10:dane mx2.dane.test:20:dane"
wait "$bg"
expect_eq "tlsatimeout.test (in the background): exit code" "$?" 0
hosts_are "tlsatimeout.test (in the background)" "$(cat "$out")" \
	"mx1.tlsatimeout.test:10:defer mx2.tlsatimeout.test:20:dane"
tq notxt.test
expect_jq "notxt.test afterwards" "$J" '[.status, .policy, .mx_status] | join(" ")' "ok none secure"
hosts_are "notxt.test afterwards" "$J" "mx1.notxt.test:10:may"
expect_eq "ping afterwards" "$(ctl ping >/dev/null 2>&1 && echo ok)" ok

daemon_stop
summary
