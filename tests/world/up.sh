#!/bin/bash
# up.sh WORLD_DIR - build the loopback MTA-STS and DANE test world from
# scratch and start its servers in the background:
#   - a throwaway EC test CA and server certificates (WORLD_DIR/pki), among
#     them mx.crt/mx.key for the MX hosts, whose hashes go into the TLSA
#     records,
#   - NSD on 127.0.0.1:5353 serving "test." (signed, new keys every run),
#     "insecure.test." (unsigned, no DS), "bogus.test." and "badtlsa.test."
#     (signed, tampered),
#   - nginx on 127.0.0.1:443 serving the policies in WORLD_DIR/www.
#   - dnssink.py on 127.0.0.60:5353, a name server that never answers, for
#     the "timeout" zones (NSD answers SERVFAIL for the "servfail" zones).
# PIDs are recorded in WORLD_DIR/run/*.pid (down.sh stops them). Writes
# WORLD_DIR/env for the tests. Exits 0 only when every server answers.
# Any world already running at WORLD_DIR is stopped and removed first.
set -euo pipefail
umask 022
# shellcheck source=tests/world/common.sh
. "$(dirname "$0")/common.sh"

[ $# -eq 1 ] || die "usage: $0 WORLD_DIR"
W=$(world_abs "$1")
case "$W" in
/ | /bin* | /boot* | /dev* | /etc* | /lib* | /proc* | /run* | /sbin* | /sys* | /usr* | /var/lib*)
	die "refusing to use $W as a world directory" ;;
esac

# --- stop and remove an old world at this path --------------------------------
if [ -e "$W" ]; then
	if [ -n "$(ls -A "$W" 2>/dev/null)" ] && [ ! -f "$W/.mxtls-world" ]; then
		die "$W exists, is not empty and is not a test world; not removing it"
	fi
	"$WORLD_TOOLS/down.sh" "$W"
	rm -rf "$W"
fi
# The servers' child processes may need a moment to let go of the ports.
for _ in $(seq 50); do
	port_busy tcp "$WORLD_HTTPS_PORT" || port_busy udp "$WORLD_DNS_PORT" ||
		port_busy tcp "$WORLD_DNS_PORT" || break
	sleep 0.1
done
for p in "tcp $WORLD_HTTPS_PORT" "udp $WORLD_DNS_PORT" "tcp $WORLD_DNS_PORT"; do
	# shellcheck disable=SC2086
	if port_busy $p; then
		ss -lntup "sport = :${p#* }" >&2 || true
		die "port ${p#* }/${p% *} is already in use (another world? run down.sh on it)"
	fi
done

mkdir -p "$W"/{pki,dns/keys,dns/zones,www,nginx/tmp,run,log,reports}
touch "$W/.mxtls-world"
T0=$(date +%s.%N)

# --- PKI -----------------------------------------------------------------------
# All keys ECDSA P-256. The CA is issued with `openssl ca -selfsign` and back
# dated, so it also covers the validity period of the expired certificate.
P=$W/pki
export PKI_DIR=$P LEAF_SAN=DNS:unused
CNF=$WORLD_TOOLS/openssl-ca.cnf
mkdir -p "$P/newcerts"
: >"$P/index.txt"
echo 1000 >"$P/serial"
ossl() { openssl "$@" >>"$W/log/pki.log" 2>&1 || { cat "$W/log/pki.log" >&2; die "openssl $1 failed"; }; }
ossl ecparam -name prime256v1 -genkey -noout -out "$P/ca.key"
ossl req -new -key "$P/ca.key" -subj "/CN=mxtls test CA $(date -u +%Y%m%d%H%M%S)" -out "$P/ca.csr"
ossl ca -batch -config "$CNF" -selfsign -keyfile "$P/ca.key" -in "$P/ca.csr" \
	-startdate 20200101000000Z -enddate "$(date -u -d '+10 years' +%Y%m%d%H%M%SZ)" \
	-extensions ca_ext -out "$P/ca.crt"

# leaf NAME START END DNSNAME... - key, certificate and chain (leaf + CA).
leaf() {
	local n=$1 start=$2 end=$3
	shift 3
	LEAF_SAN=$(printf 'DNS:%s,' "$@")
	export LEAF_SAN=${LEAF_SAN%,}
	ossl ecparam -name prime256v1 -genkey -noout -out "$P/$n.key"
	ossl req -new -key "$P/$n.key" -subj "/CN=$1" -out "$P/$n.csr"
	ossl ca -batch -config "$CNF" -in "$P/$n.csr" -startdate "$start" \
		-enddate "$end" -extensions leaf_ext -notext -out "$P/$n.crt"
	cat "$P/$n.crt" "$P/ca.crt" >"$P/$n.chain.crt"
}
NOW=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
LATER=$(date -u -d '+2 years' +%Y%m%d%H%M%SZ)
# Every mta-sts.<domain> that should validate (not wrongcert, not expired).
STS_CERT_DOMAINS="enforce testing none notxt badtxt multitxt 404 redirect ctype big slow idchange cname insecure bogus danemixed danests badcert stsmix wildbad wild"
# the policy hosts of test_exim.sh's receivers
STS_CERT_DOMAINS="$STS_CERT_DOMAINS expiredmx nostarttls testingbad"
# test_metrics.sh's fetch "error" (nginx closes without a response)
STS_CERT_DOMAINS="$STS_CERT_DOMAINS emptyreply"
sans=()
for d in $STS_CERT_DOMAINS; do sans+=("mta-sts.$d.test"); done
sans+=(report.enforce.test) # TLSRPT report endpoint (RFC 8460 §5.4)
leaf mta-sts "$NOW" "$LATER" "${sans[@]}"
# mx.crt: the SMTP server certificate of every MX host in the world (no SMTP
# server runs; the TLSA records are made from it and the CA). Not
# mx1.badcert.test: no certificate of the world names it.
sans=(mx1.dane.test mx2.dane.test mx1.danewrong.test mx1.daneunusable.test mx1.danemixed.test
	mx2.danemixed.test mx1.danests.test mx2.danests.test mx1.badtlsa.test
	mx2.badtlsa.test implicit.test alias.cnamemx.test real.cnamemx.test
	mx.insecure.test mx1.insecure.test mx1.bogus.test mx1.stsmix.test
	mx2.stsmix.test mx1.wild.test mx1.danepart.test mx2.danepart.test)
for d in enforce testing none notxt badtxt multitxt 404 redirect ctype big \
	slow idchange cname wrongcert expired noconnect emptyreply; do
	sans+=("mx1.$d.test")
done
# test_dnsfail.sh's MX hosts (no SMTP server runs; mx2 of tlsa*.test has
# DANE-EE data of mx.crt)
sans+=(mx1.stsservfail.test mx1.ststimeout.test mx1.tlsaservfail.test
	mx2.tlsaservfail.test mx1.tlsatimeout.test mx2.tlsatimeout.test)
leaf mx "$NOW" "$LATER" "${sans[@]}"
leaf expired 20210101000000Z 20210201000000Z mta-sts.expired.test
leaf wrong "$NOW" "$LATER" wrong.test
# deep.crt: names a.b.wildbad.test, two labels under wildbad.test's policy
# pattern *.wildbad.test (test_postfix.sh's MX of wildbad.test presents it)
leaf deep "$NOW" "$LATER" a.b.wildbad.test
# test_exim.sh's receivers: an expired certificate for the MX name of
# expiredmx.test (world CA), and a self-signed one for mx1.daneself.test
# (no CA; its key is in a DANE-EE TLSA record, @TLSA_SELF@).
leaf mxexpired 20210101000000Z 20210201000000Z mx1.expiredmx.test
ossl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$P/selfsigned.key" -subj "/CN=mx1.daneself.test" \
	-addext "subjectAltName=DNS:mx1.daneself.test" -days 730 -out "$P/selfsigned.crt"
chmod 0600 "$P"/*.key
openssl verify -CAfile "$P/ca.crt" "$P/mta-sts.crt" "$P/wrong.crt" "$P/mx.crt" "$P/deep.crt" >/dev/null ||
	die "test certificates do not verify"
if openssl verify -CAfile "$P/ca.crt" "$P/expired.crt" >/dev/null 2>&1; then
	die "expired.crt verifies but should be expired"
fi
# TLSA data (lower-case hex): 3 1 1 / 1 1 1 = SHA-256 of the DER
# SubjectPublicKeyInfo of mx.crt; 2 0 1 = SHA-256 of the DER of ca.crt.
sha256_hex() { openssl dgst -sha256 -r | cut -d' ' -f1; }
TLSA_SPKI=$(openssl x509 -in "$P/mx.crt" -noout -pubkey |
	openssl pkey -pubin -outform DER | sha256_hex)
TLSA_CA=$(openssl x509 -in "$P/ca.crt" -outform DER | sha256_hex)
for h in "$TLSA_SPKI" "$TLSA_CA"; do
	[[ $h =~ ^[0-9a-f]{64}$ ]] || die "bad TLSA digest '$h'"
done
echo "$TLSA_SPKI" >"$P/mx.spki.sha256"
echo "$TLSA_CA" >"$P/ca.sha256"
TLSA_SELF=$(openssl x509 -in "$P/selfsigned.crt" -noout -pubkey |
	openssl pkey -pubin -outform DER | sha256_hex)
[[ $TLSA_SELF =~ ^[0-9a-f]{64}$ ]] || die "bad TLSA digest '$TLSA_SELF'"
echo "$TLSA_SELF" >"$P/selfsigned.spki.sha256"

# --- policies --------------------------------------------------------------------
# std_policy DOMAIN MODE - the usual policy: mx1.<d> and *.<d>, one day.
std_policy() {
	policy_text "$2" 86400 "mx1.$1" "*.$1" | put_file "$(policy_path "$W" "$1")"
}
for d in enforce.test notxt.test badtxt.test multitxt.test wrongcert.test \
	expired.test idchange.test insecure.test bogus.test redirect.test badcert.test; do
	std_policy "$d" enforce
done
std_policy testing.test testing
std_policy none.test none
std_policy cname.test testing
std_policy expiredmx.test enforce
std_policy nostarttls.test enforce
std_policy testingbad.test testing
std_policy ctype.test enforce
# DANE and MTA-STS together: enforce policies listing one MX host only.
policy_text enforce 86400 mx2.danemixed.test | put_file "$(policy_path "$W" danemixed.test)"
policy_text enforce 86400 mx1.danests.test | put_file "$(policy_path "$W" danests.test)"
# test_postfix.sh: a mixed DANE + MTA-STS domain, and single-label wildcards
std_policy stsmix.test enforce
policy_text enforce 86400 "*.wildbad.test" | put_file "$(policy_path "$W" wildbad.test)"
policy_text enforce 86400 "*.wild.test" | put_file "$(policy_path "$W" wild.test)"
# big.test: a valid policy padded with 70 KiB of extension lines (> 64 KiB).
{
	policy_text enforce 86400 mx1.big.test "*.big.test"
	pad=$(printf '%0100d' 0)
	for i in $(seq 1 700); do printf 'x-pad-%04d: %s\r\n' "$i" "$pad"; done
} | put_file "$(policy_path "$W" big.test)"
# slow.test: ~2 KiB valid policy, served at 10 bytes/s.
{
	policy_text enforce 86400 mx1.slow.test "*.slow.test"
	pad=$(printf '%0100d' 0)
	for i in $(seq 1 18); do printf 'x-pad-%02d: %s\r\n' "$i" "$pad"; done
} | put_file "$(policy_path "$W" slow.test)"
# 404.test: no file at all.
mkdir -p "$W/www/404.test" "$W/www/wrong.test"
echo "wrong host" >"$W/www/wrong.test/index.html"

# --- DNS -------------------------------------------------------------------------
D=$W/dns
SERIAL=$(date -u +%s)
{
	echo "SIGN_INCEPTION=$(date -u -d '-1 day' +%Y%m%d%H%M%S)"
	echo "SIGN_EXPIRATION=$(date -u -d '+1 year' +%Y%m%d%H%M%S)"
} >"$D/sign.env"
for z in test insecure.test bogus.test badtlsa.test; do
	sed -e "s/@SERIAL@/$SERIAL/" -e "s/@TLSA_SPKI@/$TLSA_SPKI/g" \
		-e "s/@TLSA_CA@/$TLSA_CA/g" \
		"$WORLD_TOOLS/zones/$z.zone.in" >"$D/zones/$z.zone"
done
sed -i "s/@TLSA_SELF@/$TLSA_SELF/g" "$D/zones/test.zone"
for z in test bogus.test badtlsa.test; do
	(cd "$D/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$z") >"$D/keys/$z.name"
	[ -s "$D/keys/$z.name" ] || die "ldns-keygen failed for $z"
done
for z in bogus.test badtlsa.test; do
	sign_zone "$W" "$z"
	ldns-verify-zone "$D/zones/$z.zone.signed" >"$W/log/verify-$z-untampered.log" 2>&1 ||
		{ cat "$W/log/verify-$z-untampered.log" >&2; die "$z. does not verify before tampering"; }
	ldns-key2ds -n -2 "$D/keys/$(cat "$D/keys/$z.name").key" >>"$D/zones/test.zone"
done
# Dead delegations (test.zone.in, test_dnsfail.sh): a DS each, so the
# validator expects signed data, but nothing is ever signed or served. NSD
# has the SERVFAIL zones without a zone file (it answers SERVFAIL); the
# unbound stubs send the TIMEOUT zones to dnssink.py, which never answers.
SERVFAIL_ZONES="servfail.test _mta-sts.stsservfail.test _25._tcp.mx1.tlsaservfail.test"
TIMEOUT_ZONES="timeout.test _mta-sts.ststimeout.test _25._tcp.mx1.tlsatimeout.test"
for z in $SERVFAIL_ZONES $TIMEOUT_ZONES; do
	(cd "$D/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$z") >"$D/keys/$z.name"
	[ -s "$D/keys/$z.name" ] || die "ldns-keygen failed for $z"
	ldns-key2ds -n -2 "$D/keys/$(cat "$D/keys/$z.name").key" >>"$D/zones/test.zone"
done
sign_zone "$W" test
ldns-key2ds -n -2 "$D/keys/$(cat "$D/keys/test.name").key" >"$D/test.ds"
grep -q 'IN[[:space:]]*DS' "$D/test.ds" || die "no DS for the trust anchor"

# Tamper with bogus.test after signing: new rdata, old RRSIGs.
sed -i -E \
	-e 's/"v=STSv1; id=signed1;"/"v=STSv1; id=tampered1;"/' \
	-e 's/^(mta-sts\.bogus\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+)127\.0\.0\.9$/\1127.0.0.1/' \
	-e 's/^(bogus\.test\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+MX[[:space:]]+)10([[:space:]]+mx1\.bogus\.test\.)$/\120\2/' \
	"$D/zones/bogus.test.zone.signed"
grep -q 'id=tampered1' "$D/zones/bogus.test.zone.signed" || die "bogus.test TXT not tampered"
grep -Eq '^mta-sts\.bogus\.test\.[[:space:]].*A[[:space:]]+127\.0\.0\.1$' \
	"$D/zones/bogus.test.zone.signed" || die "bogus.test A not tampered"
grep -Eq '^bogus\.test\.[[:space:]].*MX[[:space:]]+20[[:space:]]+mx1\.bogus\.test\.$' \
	"$D/zones/bogus.test.zone.signed" || die "bogus.test MX not tampered"
# Tamper with the TLSA of mx1.badtlsa.test: other digest, old RRSIG.
TLSA_BAD=$(printf 'tampered' | sha256_hex)
sed -i -E "s/^(_25\._tcp\.mx1\.badtlsa\.test\.[[:space:]].*TLSA[[:space:]]+3[[:space:]]+1[[:space:]]+1[[:space:]]+)$TLSA_SPKI\$/\1$TLSA_BAD/" \
	"$D/zones/badtlsa.test.zone.signed"
grep -Eq "^_25\._tcp\.mx1\.badtlsa\.test\.[[:space:]].*TLSA[[:space:]]+3 1 1 $TLSA_BAD\$" \
	"$D/zones/badtlsa.test.zone.signed" || die "badtlsa.test TLSA not tampered"
ldns-verify-zone -k "$D/test.ds" "$D/zones/test.zone.signed" >"$W/log/verify-test.log" 2>&1 ||
	{ cat "$W/log/verify-test.log" >&2; die "test. does not verify"; }
for z in bogus.test badtlsa.test; do
	if ldns-verify-zone "$D/zones/$z.zone.signed" >"$W/log/verify-$z.log" 2>&1; then
		die "$z. verifies but should be bogus"
	fi
done

# nsd-control over a unix socket (no keys) when the path fits in sun_path.
CTL=$W/run/nsd.ctl
if [ ${#CTL} -lt 100 ]; then
	CONTROL="control-enable: yes
	control-interface: $CTL"
else
	CONTROL="control-enable: no"
fi
cat >"$D/nsd.conf" <<EOF
server:
	ip-address: $WORLD_ADDR@$WORLD_DNS_PORT
	port: $WORLD_DNS_PORT
	do-ip4: yes
	do-ip6: no
	username: ""
	chroot: ""
	zonesdir: "$D/zones"
	database: ""
	zonelistfile: "$D/zone.list"
	xfrdfile: "$D/xfrd.state"
	xfrdir: "$D"
	pidfile: "$D/nsd.pid"
	logfile: "$W/log/nsd.log"
	server-count: 1
	verbosity: 1
	hide-version: yes
	refuse-any: yes
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	$CONTROL
zone:
	name: "test"
	zonefile: "test.zone.signed"
zone:
	name: "insecure.test"
	zonefile: "insecure.test.zone"
zone:
	name: "bogus.test"
	zonefile: "bogus.test.zone.signed"
zone:
	name: "badtlsa.test"
	zonefile: "badtlsa.test.zone.signed"
EOF
for z in $SERVFAIL_ZONES; do # no zone file: NSD answers SERVFAIL
	printf 'zone:\n\tname: "%s"\n\tzonefile: "%s.zone.absent"\n' "$z" "$z"
done >>"$D/nsd.conf"
nsd-checkconf "$D/nsd.conf" || die "bad nsd.conf"

# libunbound configuration for the daemon (ub_ctx_config). The trust anchor
# is NOT in here: the daemon gets it from resolver.trust_anchor_file.
#  - "test." is one of unbound's default (static) local zones: make it
#    transparent, or every name under it is NXDOMAIN.
#  - "." refuse: names outside test. fail at once (REFUSED), and the resolver
#    never primes the real root servers, so no packet leaves 127.0.0.1.
#  - stubs for every zone we serve (the children's NS have no port).
cat >"$D/unbound.conf" <<EOF
server:
	module-config: "validator iterator"
	do-not-query-localhost: no
	do-ip6: no
	local-zone: "." refuse
	local-zone: "test." transparent
	val-log-level: 2
	verbosity: 0
	use-syslog: no
	logfile: ""
stub-zone:
	name: "test."
	stub-addr: $WORLD_ADDR@$WORLD_DNS_PORT
stub-zone:
	name: "insecure.test."
	stub-addr: $WORLD_ADDR@$WORLD_DNS_PORT
stub-zone:
	name: "bogus.test."
	stub-addr: $WORLD_ADDR@$WORLD_DNS_PORT
stub-zone:
	name: "badtlsa.test."
	stub-addr: $WORLD_ADDR@$WORLD_DNS_PORT
EOF

# Stubs for the dead delegations (after the others: resolver.sh copies every
# stub-zone from here on).
for z in $SERVFAIL_ZONES; do
	printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: %s@%s\n' "$z" "$WORLD_ADDR" "$WORLD_DNS_PORT"
done >>"$D/unbound.conf"
for z in $TIMEOUT_ZONES; do
	printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: %s@%s\n' "$z" "$WORLD_SINK_ADDR" "$WORLD_DNS_PORT"
done >>"$D/unbound.conf"
start_recorded "$W" dnssink python3 "$WORLD_TOOLS/dnssink.py" "$WORLD_SINK_ADDR" "$WORLD_DNS_PORT" "$W"
start_recorded "$W" nsd nsd -d -c "$D/nsd.conf"

# --- HTTPS -----------------------------------------------------------------------
sed "s|@W@|$W|g" "$WORLD_TOOLS/nginx.conf.in" >"$W/nginx/nginx.conf"
nginx -t -q -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/log/nginx-error.log" ||
	die "bad nginx.conf"
start_recorded "$W" nginx nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" \
	-e "$W/log/nginx-error.log" -g 'daemon off;'

# --- env for the tests -----------------------------------------------------------
{
	printf 'WORLD=%q\n' "$W"
	printf 'TA_FILE=%q\n' "$D/test.ds"
	printf 'UNBOUND_CONF=%q\n' "$D/unbound.conf"
	printf 'CA_FILE=%q\n' "$P/ca.crt"
	printf 'HTTPS_PORT=%q\n' "$WORLD_HTTPS_PORT"
	printf 'DNS_PORT=%q\n' "$WORLD_DNS_PORT"
	printf 'DNS_ADDR=%q\n' "$WORLD_ADDR"
	printf 'WORLD_TOOLS=%q\n' "$WORLD_TOOLS"
	printf 'MX_CERT=%q\n' "$P/mx.crt"
	printf 'MX_KEY=%q\n' "$P/mx.key"
	printf 'TLSA_SPKI=%q\n' "$TLSA_SPKI"
	printf 'TLSA_CA=%q\n' "$TLSA_CA"
} >"$W/env"

# --- wait until every server answers ----------------------------------------------
# alive NAME - the recorded server still runs (else show its output and fail).
alive() {
	pid_matches "$(cat "$W/run/$1.pid")" "$W" && return 0
	cat "$W/log/$1.out" >&2 2>/dev/null || true
	[ "$1" = nsd ] && tail -n 20 "$W/log/nsd.log" >&2 2>/dev/null
	die "$1 exited during startup"
}
dns_ok() { # NAME TYPE: NOERROR, answer present and signed
	local out
	out=$(dig_world +dnssec "$2" "$1" 2>/dev/null) || return 1
	grep -q 'status: NOERROR' <<<"$out" && grep -Eq "^$1\.[[:space:]].*RRSIG[[:space:]]+$2" <<<"$out"
}
https_ok() { # DOMAIN: policy fetch with the test CA
	curl -fsS --max-time 2 --cacert "$P/ca.crt" \
		--resolve "mta-sts.$1:$WORLD_HTTPS_PORT:$WORLD_ADDR" \
		"https://mta-sts.$1/.well-known/mta-sts.txt" 2>/dev/null | grep -q '^mode: '
}
ok=
for _ in $(seq 100); do
	alive nsd
	alive nginx
	if dns_ok _mta-sts.enforce.test TXT && dns_ok _mta-sts.bogus.test TXT &&
		dig_world +short TXT _mta-sts.insecure.test | grep -q insecure1 &&
		https_ok enforce.test; then
		ok=1
		break
	fi
	sleep 0.1
done
[ -n "$ok" ] || die "servers did not answer within 10 s (logs in $W/log)"

# --- self-check of the fixtures (cheap; tells a broken world from a broken daemon)
fail=0
check() { # LABEL ACTUAL EXPECTED
	if [ "$2" != "$3" ]; then
		echo "world check failed: $1: got '$2', expected '$3'" >&2
		fail=1
	fi
}
code() { # DOMAIN [curl args]: HTTP status or curl exit code as "rc=N"
	local d=$1 out rc=0
	shift
	out=$(curl -sS -o /dev/null -w '%{http_code} %{content_type} %{size_download}' \
		--max-time 2 --cacert "$P/ca.crt" \
		--resolve "mta-sts.$d:$WORLD_HTTPS_PORT:$WORLD_ADDR" "$@" \
		"https://mta-sts.$d/.well-known/mta-sts.txt" 2>/dev/null) || rc=$?
	[ "$rc" = 0 ] && echo "$out" || echo "rc=$rc"
}
check enforce.test "$(code enforce.test)" "200 text/plain $(stat -c %s "$(policy_path "$W" enforce.test)")"
check 404.test "$(code 404.test | cut -d' ' -f1)" 404
check redirect.test "$(code redirect.test | cut -d' ' -f1)" 301
check ctype.test "$(code ctype.test | cut -d' ' -f2)" text/html
big=$(code big.test | cut -d' ' -f3)
[ "$big" -gt 65536 ] 2>/dev/null || check big.test "$big" "> 65536"
check wrongcert.test "$(code wrongcert.test)" rc=60
check expired.test "$(code expired.test)" rc=60
check insecure.test "$(code insecure.test | cut -d' ' -f1)" 200
check bogus.test "$(code bogus.test | cut -d' ' -f1)" 200
check slow.test "$(code slow.test --max-time 1)" rc=28
# no HTTP response at all (curl 52); nothing listens on 127.0.0.44:443 (curl 7)
check emptyreply.test "$(code emptyreply.test)" rc=52
check noconnect.test "$(dig_world +short A mta-sts.noconnect.test) $(code noconnect.test \
	--resolve "mta-sts.noconnect.test:$WORLD_HTTPS_PORT:127.0.0.44")" "127.0.0.44 rc=7"
check multitxt "$(dig_world +short TXT _mta-sts.multitxt.test | wc -l)" 2
check notxt "$(dig_world TXT _mta-sts.notxt.test | grep -o 'status: [A-Z]*')" "status: NXDOMAIN"
check cname "$(dig_world TXT _mta-sts.cname.test | grep -c 'CNAME')" 1
check nope "$(dig_world A nope.test | grep -o 'status: [A-Z]*')" "status: NXDOMAIN"
check insecure-unsigned "$(dig_world +dnssec TXT _mta-sts.insecure.test | grep -c RRSIG)" 0
check insecure-no-ds "$(dig_world +dnssec DS insecure.test | grep -Ec '^insecure\.test\.[[:space:]].*[[:space:]]DS[[:space:]]')" 0
# DANE and TLSRPT records (rdata and, where signed, an RRSIG over them).
signed() { # NAME TYPE: the answer is NOERROR and carries an RRSIG for TYPE
	dns_ok "$1" "$2" && echo signed || echo "not signed"
}
tlsa() { dig_world +short TLSA "$1" | tr 'A-F' 'a-f' | tr -d ' ' | sort | tr '\n' ' ' | sed 's/ $//'; }
check tlsa-dane-mx1 "$(tlsa _25._tcp.mx1.dane.test)" "311$TLSA_SPKI"
check tlsa-dane-mx2 "$(tlsa _25._tcp.mx2.dane.test)" "201$TLSA_CA"
check tlsa-dane-signed "$(signed _25._tcp.mx1.dane.test TLSA) $(signed _25._tcp.mx2.dane.test TLSA)" "signed signed"
check mx-dane "$(dig_world +short MX dane.test | sort | tr '\n' ' ')" "10 mx1.dane.test. 20 mx2.dane.test. "
check tlsa-danewrong "$(tlsa _25._tcp.mx1.danewrong.test)" "3118a9e8ab4d31a0f9a3a5d25bb8bc7f4d2e9fc39c1e24ea42e1d43f5cbae1bd1b4"
check tlsa-daneunusable "$(tlsa _25._tcp.mx1.daneunusable.test)" "111$TLSA_SPKI"
check tlsa-danemixed "$(tlsa _25._tcp.mx1.danemixed.test) / $(tlsa _25._tcp.mx2.danemixed.test)" "311$TLSA_SPKI / "
check tlsa-danepart "$(tlsa _25._tcp.mx1.danepart.test) / $(tlsa _25._tcp.mx2.danepart.test) $(signed _25._tcp.mx1.danepart.test TLSA)" "311$TLSA_SPKI /  signed"
check tlsa-danests "$(tlsa _25._tcp.mx1.danests.test)$(tlsa _25._tcp.mx2.danests.test)" ""
check tlsa-badtlsa "$(tlsa _25._tcp.mx1.badtlsa.test) / $(tlsa _25._tcp.mx2.badtlsa.test)" "311$TLSA_BAD / 311$TLSA_SPKI"
check tlsa-badtlsa-signed "$(signed _25._tcp.mx2.badtlsa.test TLSA)" signed
check badtlsa-ds "$(dig_world +short DS badtlsa.test | wc -l)" 1
check mx-nullmx "$(dig_world +short MX nullmx.test)" "0 ."
check mx-implicit "$(dig_world MX implicit.test | grep -o 'status: [A-Z]*') $(dig_world +short MX implicit.test | wc -l)" "status: NOERROR 0"
check tlsa-implicit "$(tlsa _25._tcp.implicit.test)" "311$TLSA_SPKI"
check cname-cnamemx "$(dig_world +short CNAME alias.cnamemx.test)" "real.cnamemx.test."
check tlsa-cnamemx "$(tlsa _25._tcp.real.cnamemx.test)" "311$TLSA_SPKI"
check mx-outsec "$(dig_world +short MX outsec.test) $(signed outsec.test MX)" "10 mx.insecure.test. signed"
check tlsa-insecure "$(tlsa _25._tcp.mx1.insecure.test) $(tlsa _25._tcp.mx.insecure.test)" "311$TLSA_SPKI 311$TLSA_SPKI"
check tlsa-insecure-unsigned "$(dig_world +dnssec TLSA _25._tcp.mx.insecure.test | grep -c RRSIG)" 0
check mx-bogus "$(dig_world +short MX bogus.test)" "20 mx1.bogus.test."
check tlsrpt-enforce "$(dig_world +short TXT _smtp._tls.enforce.test)" \
	'"v=TLSRPTv1; rua=mailto:tlsrpt@enforce.test,https://report.enforce.test/tlsrpt"'
check tlsrpt-testing "$(dig_world +short TXT _smtp._tls.testing.test)" '"v=TLSRPTv1; rua=ftp://x"'
check tlsrpt-dane "$(dig_world +short TXT _smtp._tls.dane.test) $(signed _smtp._tls.dane.test TXT)" \
	'"v=TLSRPTv1;rua=mailto:reports@dane.test" signed'
check danemixed.test "$(code danemixed.test | cut -d' ' -f1)" 200
check danests.test "$(code danests.test | cut -d' ' -f1)" 200
check badcert.test "$(code badcert.test | cut -d' ' -f1) $(dig_world +short TXT _mta-sts.badcert.test) $(signed _mta-sts.badcert.test TXT)" \
	'200 "v=STSv1; id=badcert1;" signed'
check mx-badcert "$(dig_world +short MX badcert.test) $(dig_world +short A mx1.badcert.test) $(signed badcert.test MX)" \
	"10 mx1.badcert.test. 127.0.0.7 signed"
check tlsrpt-badcert "$(dig_world +short TXT _smtp._tls.badcert.test)" '"v=TLSRPTv1; rua=mailto:tlsrpt@badcert.test"'
check tlsa-badcert "$(tlsa _25._tcp.mx1.badcert.test)" ""
# test_postfix.sh's mixed and wildcard domains
check stsmix.test "$(code stsmix.test | cut -d' ' -f1) $(tlsa _25._tcp.mx1.stsmix.test) $(tlsa _25._tcp.mx2.stsmix.test)/" \
	"200 311$TLSA_SPKI /"
check wildbad.test "$(code wildbad.test | cut -d' ' -f1) $(dig_world +short MX wildbad.test) $(signed wildbad.test MX)" \
	"200 10 mx1.wildbad.test. signed"
check wild.test "$(code wild.test | cut -d' ' -f1) $(dig_world +short A mx1.wild.test)" "200 127.0.0.2"
# test_exim.sh's receivers
check tlsa-daneself "$(tlsa _25._tcp.mx1.daneself.test) $(signed _25._tcp.mx1.daneself.test TLSA)" "311$TLSA_SELF signed"
check mx-exim-receivers "$(for d in expiredmx nostarttls daneself testingbad; do dig_world +short A mx1.$d.test; done | tr '\n' ' ')" \
	"127.0.0.8 127.0.0.9 127.0.0.10 127.0.0.11 "
check sts-exim-receivers "$(for d in expiredmx nostarttls testingbad; do code $d.test | cut -d' ' -f1; done | tr '\n' ' ')" "200 200 200 "
check tlsrpt-danewrong "$(dig_world +short TXT _smtp._tls.danewrong.test)" '"v=TLSRPTv1; rua=mailto:tlsrpt@danewrong.test"'
# test_dnsfail.sh's dead delegations: SERVFAIL from NSD, silence from the sink
for _ in $(seq 50); do
	ss -H -lun "src $WORLD_SINK_ADDR:$WORLD_DNS_PORT" 2>/dev/null | grep -q . && break
	sleep 0.1
done
pid_matches "$(cat "$W/run/dnssink.pid")" "$W" || check dnssink "not running" running
check servfail-zones "$(for n in servfail.test _mta-sts.stsservfail.test _25._tcp.mx1.tlsaservfail.test; do
	dig_world MX "$n" | grep -o 'status: [A-Z]*'
done | tr '\n' ' ')" "status: SERVFAIL status: SERVFAIL status: SERVFAIL "
check dnssink-silent "$(dig @"$WORLD_SINK_ADDR" -p "$WORLD_DNS_PORT" +norec +time=1 +tries=1 MX timeout.test 2>&1 |
	grep -c 'status:')" 0
# (NSD answers even DS queries for the SERVFAIL zones with SERVFAIL: look
# at the signed file for those)
check dnsfail-ds "$(for z in $SERVFAIL_ZONES $TIMEOUT_ZONES; do
	grep -Ec "^${z//./\\.}\\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+DS[[:space:]]" "$D/zones/test.zone.signed"
done | tr '\n' ' ')$(for z in $TIMEOUT_ZONES; do signed "$z" DS; done | tr '\n' ' ')" \
	"1 1 1 1 1 1 signed signed signed "
check mx-dnsfail "$(dig_world +short MX stsservfail.test) $(signed ststimeout.test MX) $(tlsa _25._tcp.mx2.tlsatimeout.test)" \
	"10 mx1.stsservfail.test. signed 311$TLSA_SPKI"
[ "$fail" = 0 ] || die "world self-check failed (logs in $W/log)"

echo "world at $W is up in $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
echo "  nsd   pid $(cat "$W/run/nsd.pid") on $WORLD_ADDR@$WORLD_DNS_PORT (zones test. signed, insecure.test. unsigned, bogus.test. and badtlsa.test. tampered)"
echo "  nginx pid $(cat "$W/run/nginx.pid") on $WORLD_ADDR:$WORLD_HTTPS_PORT (CA $P/ca.crt)"
echo "  dnssink pid $(cat "$W/run/dnssink.pid") on $WORLD_SINK_ADDR@$WORLD_DNS_PORT (never answers)"
echo "  trust anchor: $(cat "$D/test.ds")"
echo "  TLSA 3 1 1 $TLSA_SPKI (SPKI of $P/mx.crt)"
echo "  TLSA 2 0 1 $TLSA_CA (test CA)"
echo "  env: $W/env"
