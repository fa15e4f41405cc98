#!/bin/bash
# test_dane.sh - DANE for SMTP (RFC 7672) and TLSRPT (RFC 8460) end to end,
# and how DANE and MTA-STS combine per MX host: the real mxtlsd against the
# loopback world of tests/world (domains in tests/world/README.md).
#
# `query D --json` answers, besides the MTA-STS members: policy (dane | sts |
# none), mx_status, hosts[] in preference order ({host, pref, action, dane,
# sts, tlsa, tlsa_name, why}) and tlsrpt ({status, rua | why}).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

# The TLSA data the world published, recomputed here from its certificates.
SPKI=$(openssl x509 -in "$WORLD/pki/mx.crt" -noout -pubkey |
	openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
CA=$(openssl x509 -in "$WORLD/pki/ca.crt" -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1)
expect_match "world: SPKI SHA-256 of mx.crt" "$SPKI" '^[0-9a-f]{64}$'
expect_match "world: SHA-256 of ca.crt" "$CA" '^[0-9a-f]{64}$'
expect_eq "world: published 3 1 1 data is mx.crt's" "${TLSA_SPKI:-}" "$SPKI"
expect_eq "world: published 2 0 1 data is ca.crt's" "${TLSA_CA:-}" "$CA"

# domain_is LABEL JSON RC STATUS POLICY MX_STATUS - exit code and the three
# domain-level members.
domain_is() {
	local label=$1 j=$2 rc=$3 want_rc=0
	[ "$4" = tempfail ] && want_rc=75
	expect_eq "$label: exit code" "$rc" "$want_rc"
	expect_eq "$label: status/policy/mx_status = $4/$5/$6" \
		"$(jqr "$j" '[.status, .policy, .mx_status] | join(" ")')" "$4 $5 $6"
}

# hosts_are LABEL JSON "HOST:PREF:ACTION ..." - every host, in order.
hosts_are() {
	expect_eq "$1: hosts (host:pref:action)" "$(jqr "$2" \
		'if (.hosts | type) == "array" then [.hosts[] | "\(.host):\(.pref):\(.action)"] | join(" ") else "<no hosts array>" end')" "$3"
}

# host_is LABEL JSON HOST ACTION DANE STS TLSA - one host's verdict.
host_is() {
	expect_host "$1" "$2" "$3" '[.action, .dane, .sts] | join(" ")' "$4 $5 $6" \
		"action/dane/sts = $4/$5/$6"
	expect_host "$1" "$2" "$3" "$TLSA_JQ" "$7" tlsa
}

daemon_start main 'dane: { port = 25; };' || summary

# ------------------------------------------------------------------- DANE --
j=$(q dane.test)
rc=$?
domain_is dane.test "$j" "$rc" ok dane secure
expect_jq dane.test "$j" '.domain' dane.test
hosts_are dane.test "$j" "mx1.dane.test:10:dane mx2.dane.test:20:dane"
host_is dane.test "$j" mx1.dane.test dane usable none "3 1 1 $SPKI"
host_is dane.test "$j" mx2.dane.test dane usable none "2 0 1 $CA"
expect_host dane.test "$j" mx1.dane.test '.tlsa_name' _25._tcp.mx1.dane.test
expect_host dane.test "$j" mx2.dane.test '.tlsa_name' _25._tcp.mx2.dane.test
expect_jq dane.test "$j" '.tlsrpt.status' found
expect_jq dane.test "$j" '.tlsrpt.rua | join(",")' mailto:reports@dane.test
# The same answer again (memoised).
j=$(q dane.test)
rc=$?
domain_is "dane.test again" "$j" "$rc" ok dane secure
host_is "dane.test again" "$j" mx1.dane.test dane usable none "3 1 1 $SPKI"

# Only PKIX-EE(1): a secure TLSA RRset without usable records.
j=$(q daneunusable.test)
rc=$?
domain_is daneunusable.test "$j" "$rc" ok none secure
hosts_are daneunusable.test "$j" "mx1.daneunusable.test:10:encrypt"
host_is daneunusable.test "$j" mx1.daneunusable.test encrypt unusable none ""
expect_host_match daneunusable.test "$j" mx1.daneunusable.test '.why' \
	'PKIX-EE|usage|not usable|unusable'

# Lookup failures defer one host, not the domain.
j=$(q badtlsa.test)
rc=$?
domain_is badtlsa.test "$j" "$rc" ok dane secure
hosts_are badtlsa.test "$j" "mx1.badtlsa.test:10:defer mx2.badtlsa.test:20:dane"
host_is badtlsa.test "$j" mx1.badtlsa.test defer tempfail none ""
expect_host_match badtlsa.test "$j" mx1.badtlsa.test '.why' 'dnssec|bogus|validat|signature'
host_is badtlsa.test "$j" mx2.badtlsa.test dane usable none "3 1 1 $SPKI"

j=$(q implicit.test)
rc=$?
domain_is implicit.test "$j" "$rc" ok dane implicit
hosts_are implicit.test "$j" "implicit.test:0:dane"
expect_host implicit.test "$j" implicit.test '.action' dane
expect_host implicit.test "$j" implicit.test "$TLSA_JQ" "3 1 1 $SPKI" tlsa
expect_host implicit.test "$j" implicit.test '.tlsa_name' _25._tcp.implicit.test

# The MX host is a CNAME: TLSA at the expanded name (RFC 7672 §2.2.2).
j=$(q cnamemx.test)
rc=$?
domain_is cnamemx.test "$j" "$rc" ok dane secure
hosts_are cnamemx.test "$j" "alias.cnamemx.test:10:dane"
host_is cnamemx.test "$j" alias.cnamemx.test dane usable none "3 1 1 $SPKI"
expect_host cnamemx.test "$j" alias.cnamemx.test '.tlsa_name' _25._tcp.real.cnamemx.test

# Secure MX RRset, MX host in an unsigned zone (TLSA there): no DANE.
j=$(q outsec.test)
rc=$?
domain_is outsec.test "$j" "$rc" ok none secure
hosts_are outsec.test "$j" "mx.insecure.test:10:may"
host_is outsec.test "$j" mx.insecure.test may none none ""

# Unsigned domain with a TLSA for its MX: no DANE; its STS policy
# (mx1.insecure.test, *.insecure.test, enforce) applies.
j=$(q insecure.test)
rc=$?
domain_is insecure.test "$j" "$rc" ok sts insecure
expect_jq insecure.test "$j" '[.mode, .policy_id] | join(" ")' "enforce insecure1"
hosts_are insecure.test "$j" "mx1.insecure.test:10:verify"
host_is insecure.test "$j" mx1.insecure.test verify none match ""

# ------------------------------------------------------- DANE and MTA-STS --
# DANE wins where it applies; the policy's mx list rules the other hosts.
j=$(q danemixed.test)
rc=$?
domain_is danemixed.test "$j" "$rc" ok dane secure
expect_jq danemixed.test "$j" '[.mode, .policy_id, (.mx | join(","))] | join(" ")' \
	"enforce danemixed1 mx2.danemixed.test"
hosts_are danemixed.test "$j" "mx1.danemixed.test:10:dane mx2.danemixed.test:20:verify"
host_is danemixed.test "$j" mx1.danemixed.test dane usable nomatch "3 1 1 $SPKI"
host_is danemixed.test "$j" mx2.danemixed.test verify none match ""

j=$(q danests.test)
rc=$?
domain_is danests.test "$j" "$rc" ok sts secure
expect_jq danests.test "$j" '[.mode, .policy_id, (.mx | join(","))] | join(" ")' \
	"enforce danests1 mx1.danests.test"
hosts_are danests.test "$j" "mx1.danests.test:10:verify mx2.danests.test:20:skip"
host_is danests.test "$j" mx1.danests.test verify none match ""
host_is danests.test "$j" mx2.danests.test skip none nomatch ""

j=$(q enforce.test)
rc=$?
domain_is enforce.test "$j" "$rc" ok sts secure
expect_jq enforce.test "$j" '[.mode, .policy_id] | join(" ")' "enforce enforce1"
hosts_are enforce.test "$j" "mx1.enforce.test:10:verify"
host_is enforce.test "$j" mx1.enforce.test verify none match ""
expect_jq enforce.test "$j" '.tlsrpt.status' found
expect_jq enforce.test "$j" '.tlsrpt.rua | join(",")' \
	"mailto:tlsrpt@enforce.test,https://report.enforce.test/tlsrpt"

# A testing policy authenticates nothing.
j=$(q testing.test)
rc=$?
domain_is testing.test "$j" "$rc" ok sts secure
expect_jq testing.test "$j" '.mode' testing
hosts_are testing.test "$j" "mx1.testing.test:10:may"
expect_host testing.test "$j" mx1.testing.test '.dane' none
expect_jq testing.test "$j" '.tlsrpt.status' none
expect_jq_match testing.test "$j" '.tlsrpt.why' 'uri'

j=$(q notxt.test)
rc=$?
domain_is notxt.test "$j" "$rc" ok none secure
hosts_are notxt.test "$j" "mx1.notxt.test:10:may"
host_is notxt.test "$j" mx1.notxt.test may none none ""
expect_jq notxt.test "$j" '.tlsrpt.status' none

# ------------------------------------------------------ domain-level cases --
j=$(q nullmx.test)
rc=$?
domain_is nullmx.test "$j" "$rc" ok none null
expect_jq nullmx.test "$j" '.hosts | length' 0
expect_jq nullmx.test "$j" '.why' \
	"nullmx.test publishes a null MX (RFC 7505): it accepts no mail"

j=$(q nope.test)
rc=$?
domain_is nope.test "$j" "$rc" ok none nxdomain
expect_jq nope.test "$j" '.hosts | length' 0

j=$(q bogus.test)
rc=$?
expect_eq "bogus.test: exit code" "$rc" 75
expect_jq bogus.test "$j" '[.status, .mx_status] | join(" ")' "tempfail tempfail"
expect_jq_match bogus.test "$j" '.why' 'dnssec|bogus|validat'

daemon_stop

# ---------------------------------------------------------- another port --
# dane.port picks the TLSA owner: nothing is published for port 2525.
if daemon_start port2525 'dane: { port = 2525; };'; then
	j=$(q dane.test)
	rc=$?
	domain_is "dane.test, port 2525" "$j" "$rc" ok none secure
	hosts_are "dane.test, port 2525" "$j" "mx1.dane.test:10:may mx2.dane.test:20:may"
	host_is "dane.test, port 2525" "$j" mx1.dane.test may none none ""
	expect_host "dane.test, port 2525" "$j" mx1.dane.test '.tlsa_name' _2525._tcp.mx1.dane.test
	daemon_stop
fi

summary
