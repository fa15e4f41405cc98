#!/bin/bash
# test_metrics.sh - the Prometheus endpoint (metrics.listen,
# docs/METRICS.md) of a real mxtlsd against the test world:
#   A. lookups through the three front doors (socketmap, ipc.listen,
#      ipc.direct) with every answer, DNS outcomes (secure, insecure,
#      bogus, SERVFAIL, timeout), policy fetch failures of every kind
#      (connect: noconnect.test; error: emptyreply.test), cache hits and
#      evictions (cache.max_entries 16), TLSRPT results of every type and
#      by every MTA (Postfix: a result and tlsrpt.datagram_socket
#      datagrams): each metric moved by what the test did; /healthz
#      200; 404 and 405; `promtool check metrics` accepts the scrape with
#      no remark; a real Prometheus server scrapes mxtlsd every second, its
#      API answers up == 1 and mxtls series, and every query of the
#      Grafana dashboard runs there;
#  A2. policy changes on idchange.test (new id, enforce -> testing,
#      -> none, an invalid policy, removal at expiry), each counted once;
#   B. the next UTC day (MXTLSD_TLSRPT_TIME_OFFSET, same store): reports
#      built, sent by HTTPS, retried and given up over HTTPS and SMTP;
#   C. a TLSRPT store that cannot open: /healthz 503 with the reason,
#      mxtls_ready 0; fetch.allow_private off: a fetch refused by the SSRF
#      rule; a local flood of trickling connections: the 17th is closed at
#      accept, the front doors answer, the 5 s deadline frees the slots.
# Prometheus and promtool come from Debian's prometheus package, unpacked
# (apt-get download + dpkg -x, never installed: its postinst would start a
# server on every address) into MXTLS_PROMETHEUS_OPT (default
# build/opt/prometheus); the test fails when they cannot be had.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

RUN=$(date +%s)
W=$WORLD_TOOLS
MPORT=9461
PPORT=9469
MURL=http://127.0.0.1:$MPORT
PROM_OPT=${MXTLS_PROMETHEUS_OPT:-$(dirname "$WORLD")/opt/prometheus}
PROM_PID=

cleanup() {
	if [ -n "$PROM_PID" ]; then
		kill -TERM "$PROM_PID" 2>/dev/null
		wait "$PROM_PID" 2>/dev/null
	fi
	daemon_cleanup
	# leave idchange.test as the world made it (tests/world/up.sh
	# std_policy): later tests (test_socketmap) expect it
	"$W/set-policy.sh" "$WORLD" idchange.test enforce 86400 \
		mx1.idchange.test "*.idchange.test" >/dev/null 2>&1
	"$W/set-txt.sh" "$WORLD" idchange.test idchange1 >/dev/null 2>&1
}
trap cleanup EXIT

# prom_unpack - Debian's prometheus into PROM_OPT, once.
prom_unpack() {
	local d
	if [ ! -x "$PROM_OPT/usr/bin/promtool" ] || [ ! -x "$PROM_OPT/usr/bin/prometheus" ]; then
		d=$(mktemp -d)
		chown _apt "$d" 2>/dev/null || true # apt downloads as _apt
		if ! (cd "$d" && apt-get download -q prometheus >/dev/null 2>&1); then
			rm -rf "$d"
			return 1
		fi
		mkdir -p "$PROM_OPT"
		dpkg -x "$d"/prometheus_*.deb "$PROM_OPT" || return 1
		rm -rf "$d"
	fi
	"$PROM_OPT/usr/bin/promtool" --version >/dev/null 2>&1
}
if prom_unpack; then
	pass "prometheus and promtool unpacked in $PROM_OPT"
else
	fail "prometheus" "cannot unpack Debian's prometheus package into $PROM_OPT" \
		"(apt-get download prometheus failed; set MXTLS_PROMETHEUS_OPT to an unpacked tree)"
	summary
fi
PROMTOOL=$PROM_OPT/usr/bin/promtool

scrape() { curl -s --max-time 10 "$MURL/metrics"; }
# metric TEXT SERIES - the value of one series (0 when absent).
metric() {
	awk -v s="$2" '$1 == s {print $2; f = 1} END {if (!f) print 0}' <<<"$1"
}
# expect_metric LABEL TEXT SERIES EXPECTED
expect_metric() { expect_eq "$1: $3" "$(metric "$2" "$3")" "$4"; }
# expect_metric_ge LABEL TEXT SERIES MIN
expect_metric_ge() {
	local v
	v=$(metric "$2" "$3")
	if awk -v v="$v" -v m="$4" 'BEGIN {exit !(v + 0 >= m + 0)}'; then
		pass "$1: $3 = $v (>= $4)"
	else
		fail "$1: $3 >= $4" "got $v"
	fi
}
# nlog ERE - matching lines of the running daemon's log since its start
nlog() {
	sed -n "$(grep -n '^=== .* daemon_start ' "$DAEMON_LOG" | tail -1 | cut -d: -f1),\$p" "$DAEMON_LOG" |
		grep -cE -- "$1"
}
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }

SM() { python3 "$LIB_DIR/smclient.py" "unix:$SM_SOCK" mxtls "$@"; }
qd() { timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$DIRECT_URL" query "$1" --json; }

# -------------------------------------------------------------- A: lookups --
# offset DAYS - MXTLSD_TLSRPT_TIME_OFFSET putting the daemon's clock 5 s
# after the start of the UTC day DAYS days after today
offset() {
	local now
	now=$(date +%s)
	echo $(((now / 86400 + $1) * 86400 + 5 - now))
}
O1=$(offset 1)
O2=$(offset 2)
SM_SOCK=$SOCK_BASE/main/sm.sock
DGRAM=$SOCK_BASE/main/tlsrpt.sock
CACHE_CONF='cache: { max_entries = 16; };'
EXTRA="metrics: { listen = \"127.0.0.1:$MPORT\"; };
socketmap: { listen = [\"unix:$SM_SOCK\"]; };
tlsrpt: { submitter = \"sender.test\"; datagram_socket = \"$DGRAM\"; send_delay = 0; send_window = 0; retry_max = 2;
 smtp = \"smtp://127.0.0.1:1\"; organization_name = \"mxtls test\"; contact_info = \"mailto:t@sender.test\"; };"
MXTLSD_TLSRPT_TIME_OFFSET=$O1 daemon_start main "$EXTRA" || summary

expect_eq "/healthz once serving" "$(curl -s --max-time 10 "$MURL/healthz")" ok
expect_eq "/healthz: 200" "$(http_code "$MURL/healthz")" 200
expect_eq "/nope: 404" "$(http_code "$MURL/nope")" 404
expect_eq "POST /metrics: 405" "$(http_code -X POST "$MURL/metrics")" 405
expect_eq "/metrics?x=1: 200" "$(http_code "$MURL/metrics?x=1")" 200
m0=$(scrape)
expect_metric "before any lookup" "$m0" 'mxtls_lookups_total{door="socketmap",answer="dane"}' 0
expect_metric "before any lookup" "$m0" 'mxtls_ready' 1
expect_metric "before any lookup" "$m0" 'mxtls_store_open' 1

# socketmap: one of each answer Postfix gets
expect_eq "socketmap dane.test" "$(SM dane.test)" "OK dane-only"
# twice more at once (the world's TTLs are 5 s): the second answer, from
# the memos, is kept in the answer cache (a first contact's is not); the
# third comes from there, on the worker
expect_eq "socketmap dane.test again" "$(SM dane.test)" "OK dane-only"
expect_eq "socketmap dane.test a third time" "$(SM dane.test)" "OK dane-only"
expect_eq "socketmap stsmix.test" "$(SM stsmix.test)" "OK dane-only"
# mx1 DANE, mx2 no TLSA, no MTA-STS: Postfix's per-host DANE does the rest
expect_eq "socketmap danepart.test" "$(SM danepart.test)" "OK dane"
expect_match "socketmap enforce.test" "$(SM enforce.test)" '^OK secure '
expect_eq "socketmap daneunusable.test" "$(SM daneunusable.test)" "OK encrypt"
expect_eq "socketmap notxt.test" "$(SM notxt.test)" "NOTFOUND "
expect_match "socketmap servfail.test" "$(SM servfail.test)" '^TEMP '
expect_match "socketmap: empty key" \
	"$(python3 "$LIB_DIR/smclient.py" --raw "unix:$SM_SOCK" '6:mxtls ,' | head -1)" '^PERM '
# ipc.listen and ipc.direct
expect_jq "ipc testing.test" "$(q testing.test)" '.mode' testing
expect_jq "ipc enforce.test" "$(q enforce.test)" '.mode' enforce
expect_jq "direct dane.test" "$(qd dane.test)" '.policy' dane
expect_jq "direct bogus.test" "$(qd bogus.test)" '.status' tempfail
expect_jq "direct insecure.test" "$(qd insecure.test)" '.mode' enforce
expect_jq "direct timeout.test" "$(qd timeout.test)" '.status' tempfail
expect_jq "direct daneunusable.test" "$(qd daneunusable.test)" '.hosts[0].action' encrypt
expect_jq "direct notxt.test" "$(qd notxt.test)" '.policy' none
expect_jq "direct testing.test" "$(qd testing.test)" '.mode' testing
# a policy request whose domain the daemon refuses (mxtlsctl would not
# send it: spraw.py, the raw SP client of test_spclient.sh)
# spraw DOOR-URL DOMAIN - the daemon's JSON answer to one policy request
spraw() { python3 "$LIB_DIR/spraw.py" "${1#ipc://}" pipeline "$2" | cut -d' ' -f2-; }
expect_jq "direct: two dots in a row" "$(spraw "$DIRECT_URL" a..b.test)" '.status' error
expect_jq "ipc daneunusable.test" "$(q daneunusable.test)" '.hosts[0].action' encrypt
expect_jq "ipc notxt.test" "$(q notxt.test)" '.policy' none
expect_jq "ipc servfail.test" "$(q servfail.test)" '.status' tempfail
expect_jq "ipc danepart.test" "$(q danepart.test)" '.policy' dane
expect_jq "ipc: a bad domain" "$(spraw "$DAEMON_URL" 'bad domain!')" '.status' error
m=$(scrape)
for a in dane-only secure encrypt none tempfail error; do
	n=1
	case $a in dane-only) n=4 ;; esac
	expect_metric "socketmap" "$m" "mxtls_lookups_total{door=\"socketmap\",answer=\"$a\"}" $n
done
expect_metric "socketmap" "$m" 'mxtls_lookups_total{door="socketmap",answer="dane"}' 1
expect_metric "socketmap" "$m" 'mxtls_lookups_total{door="socketmap",answer="testing"}' 0
for a in dane secure encrypt testing none tempfail error; do
	expect_metric "ipc" "$m" "mxtls_lookups_total{door=\"ipc\",answer=\"$a\"}" 1
done
expect_metric "ipc" "$m" 'mxtls_lookups_total{door="ipc",answer="dane-only"}' 0
expect_metric "direct" "$m" 'mxtls_lookups_total{door="direct",answer="dane"}' 1
expect_metric "direct" "$m" 'mxtls_lookups_total{door="direct",answer="tempfail"}' 2
expect_metric "direct" "$m" 'mxtls_lookups_total{door="direct",answer="secure"}' 1
for a in error encrypt none testing; do
	expect_metric "direct" "$m" "mxtls_lookups_total{door=\"direct\",answer=\"$a\"}" 1
done
expect_metric "direct" "$m" 'mxtls_lookups_total{door="direct",answer="dane-only"}' 0
expect_metric "latency" "$m" 'mxtls_lookup_duration_seconds_count{door="socketmap"}' 10
expect_metric "latency" "$m" 'mxtls_lookup_duration_seconds_count{door="ipc"}' 7
expect_metric "latency" "$m" 'mxtls_lookup_duration_seconds_count{door="direct"}' 8
expect_metric "latency: timeout.test waited the DNS timeout" "$m" \
	'mxtls_lookup_duration_seconds_bucket{door="direct",le="1"}' 7
expect_metric "answer cache" "$m" 'mxtls_cache_hits_total{cache="answer"}' 1
expect_metric_ge "answer cache" "$m" 'mxtls_cache_misses_total{cache="answer"}' 8
expect_metric_ge "answer cache" "$m" 'mxtls_cache_entries{cache="answer"}' 1
expect_metric_ge "policy cache" "$m" 'mxtls_cache_entries{cache="policy"}' 10
expect_metric_ge "policy cache" "$m" 'mxtls_cache_misses_total{cache="policy"}' 10
for o in secure insecure bogus servfail timeout; do
	expect_metric_ge "dns" "$m" "mxtls_dns_lookups_total{outcome=\"$o\"}" 1
done

# policy fetch failures, one of each (noconnect.test: nothing listens on
# its policy host's address; emptyreply.test: nginx closes the connection
# without a response, curl's "empty reply", which is none of the others)
for d in 404 ctype big wrongcert slow noconnect emptyreply; do
	j=$(q $d.test)
	expect_jq "$d.test: no policy" "$j" '.policy' none
done
q enforce.test >/dev/null
m=$(scrape)
expect_metric "fetch" "$m" 'mxtls_policy_fetches_total{result="http_status"}' 1
expect_metric "fetch" "$m" 'mxtls_policy_fetches_total{result="media_type"}' 1
expect_metric "fetch" "$m" 'mxtls_policy_fetches_total{result="size"}' 1
expect_metric "fetch" "$m" 'mxtls_policy_fetches_total{result="tls"}' 1
expect_metric "fetch" "$m" 'mxtls_policy_fetches_total{result="timeout"}' 1
expect_metric "fetch" "$m" 'mxtls_policy_fetches_total{result="connect"}' 1
expect_metric "fetch" "$m" 'mxtls_policy_fetches_total{result="error"}' 1
expect_metric "fetch: no policy was invalid yet" "$m" 'mxtls_policy_fetches_total{result="invalid"}' 0
expect_metric "fetch: the SSRF rule is off here" "$m" 'mxtls_policy_fetches_total{result="refused"}' 0
expect_metric_ge "fetch" "$m" 'mxtls_policy_fetches_total{result="ok"}' 4
expect_metric "fetch: slow.test took its 4 s" "$m" 'mxtls_policy_fetch_duration_seconds_bucket{le="2.5"}' \
	"$(($(metric "$m" 'mxtls_policy_fetch_duration_seconds_count') - 1))"
expect_metric "evictions" "$m" 'mxtls_cache_evictions_total{cache="answer"}' 0
# 20 more domains than cache.max_entries holds
# (each twice: the second answer comes from the memos and is kept)
for i in $(seq 20); do
	q "nx$i.nope.test" >/dev/null
	q "nx$i.nope.test" >/dev/null
done
m=$(scrape)
expect_metric_ge "evictions (16 entries, 40 domains)" "$m" 'mxtls_cache_evictions_total{cache="policy"}' 1
expect_metric_ge "evictions (16 entries, 40 domains)" "$m" 'mxtls_cache_evictions_total{cache="answer"}' 1
expect_metric_ge "policy cache: the second lookups" "$m" 'mxtls_cache_hits_total{cache="policy"}' 20

# TLSRPT results, through the IPC "result" op: every result type once
# (DANE's on dane.test's DANE host), by every kind of MTA name
ctl result domain=enforce.test mx_host=mx1.enforce.test result=success mta=exim >/dev/null
ctl result domain=enforce.test mx_host=mx1.enforce.test result=success mta=opensmtpd >/dev/null
ctl result domain=enforce.test mx_host=mx1.enforce.test result=certificate-expired \
	failure_reason="certificate has expired" >/dev/null
ctl result domain=rptfail.test mx_host=mx1.rptfail.test result=starttls-not-supported mta=exim >/dev/null
ctl result domain=enforce.test mx_host=mx1.enforce.test result=certificate-host-mismatch mta=postfix >/dev/null
# (an MTA name of no series of its own: "other")
for t in certificate-not-trusted validation-failure sts-policy-fetch-error sts-policy-invalid \
	sts-webpki-invalid tlsa-invalid dnssec-invalid dane-required; do
	d=enforce.test
	case $t in tlsa-* | dnssec-* | dane-*) d=dane.test ;; esac
	expect_jq "result $t ($d)" "$(ctl result --json domain=$d mx_host=mx1.$d result=$t mta=sendmail)" \
		'.recorded' true
done
# and Postfix's datagrams (libtlsrpt's format): a success, a failure with
# its detail (303: sts-webpki-invalid), a failure without any detail
dgram() {
	python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(sys.argv[2].encode(), sys.argv[1])' "$DGRAM" "$1"
}
DG_POL='"policy-type":2,"policy-domain":"enforce.test","policy-string":["version: STSv1","mode: enforce","mx: mx1.enforce.test","mx: *.enforce.test","max_age: 86400"],"mx-host":["mx1.enforce.test","*.enforce.test"]'
DG_PR='"pr":"v=TLSRPTv1; rua=mailto:tlsrpt@enforce.test,https://report.enforce.test/tlsrpt"'
dgram "{\"dpv\":\"1\",\"d\":\"enforce.test\",$DG_PR,\"policies\":[{$DG_POL,\"t\":1,\"f\":0}]}"
dgram "{\"dpv\":\"1\",\"d\":\"enforce.test\",$DG_PR,\"policies\":[{$DG_POL,\"failure-details\":[{\"c\":303,\"s\":\"192.0.2.1\",\"n\":\"mx1.enforce.test\",\"r\":\"127.0.0.2\"}],\"t\":1,\"f\":1}]}"
dgram "{\"dpv\":\"1\",\"d\":\"enforce.test\",$DG_PR,\"policies\":[{$DG_POL,\"t\":1,\"f\":1}]}"
# results_in N - mxtlsctl stats counts N results
results_in() { [ "$(jqr "$(ctl --json stats)" '.tlsrpt_results')" = "$1" ]; }
expect_true "the datagrams counted" poll_until 10 results_in 16
m=$(scrape)
expect_metric "tlsrpt" "$m" 'mxtls_tlsrpt_results_total{result="success"}' 3
expect_metric "tlsrpt" "$m" 'mxtls_tlsrpt_results_total{result="certificate-expired"}' 1
expect_metric "tlsrpt" "$m" 'mxtls_tlsrpt_results_total{result="starttls-not-supported"}' 1
expect_metric "tlsrpt" "$m" 'mxtls_tlsrpt_results_total{result="certificate-host-mismatch"}' 1
for t in certificate-not-trusted sts-policy-fetch-error sts-policy-invalid tlsa-invalid \
	dnssec-invalid dane-required; do
	expect_metric "tlsrpt" "$m" "mxtls_tlsrpt_results_total{result=\"$t\"}" 1
done
expect_metric "tlsrpt: and the datagram's 303" "$m" 'mxtls_tlsrpt_results_total{result="sts-webpki-invalid"}' 2
# RFC 8460 section 4.3's general failure: a failure without any detail
expect_metric "tlsrpt: and the datagram without a detail" "$m" \
	'mxtls_tlsrpt_results_total{result="validation-failure"}' 2
expect_metric "tlsrpt" "$m" 'mxtls_tlsrpt_results_by_mta_total{mta="exim"}' 2
expect_metric "tlsrpt" "$m" 'mxtls_tlsrpt_results_by_mta_total{mta="opensmtpd"}' 1
expect_metric "tlsrpt: 3 datagrams and 1 result" "$m" 'mxtls_tlsrpt_results_by_mta_total{mta="postfix"}' 4
expect_metric "tlsrpt: none and sendmail" "$m" 'mxtls_tlsrpt_results_by_mta_total{mta="other"}' 9
expect_eq "tlsrpt: the series by type add up to the results" \
	"$(awk '$1 ~ /^mxtls_tlsrpt_results_total\{/ {n += $2} END {print n}' <<<"$m")" 16
expect_eq "mxtlsctl stats counts the datagrams" "$(jqr "$(ctl --json stats)" '.tlsrpt_datagrams')" 3

# the exposition format, as Prometheus' own tool reads it
scrape >"$TEST_DIR/scrape.txt"
if out=$("$PROMTOOL" check metrics <"$TEST_DIR/scrape.txt" 2>&1); then
	pass "promtool check metrics accepts the scrape${out:+ ($out)}"
else
	fail "promtool check metrics" "$out"
fi
expect_eq "promtool: no lint remarks" "$out" ""

# a real Prometheus server scraping mxtlsd every second
mkdir -p "$TEST_DIR/prom/data"
cat >"$TEST_DIR/prom/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: mxtls
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOC
"$PROM_OPT/usr/bin/prometheus" --config.file="$TEST_DIR/prom/prometheus.yml" \
	--storage.tsdb.path="$TEST_DIR/prom/data" --web.listen-address="127.0.0.1:$PPORT" \
	>"$TEST_DIR/prom/log" 2>&1 &
PROM_PID=$!
pq() { curl -s --max-time 5 -G "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1"; }
# up_is_1 - Prometheus has scraped mxtlsd successfully
up_is_1() { [ "$(pq 'up{job="mxtls"}' | jq -r '.data.result[0].value[1] // empty' 2>/dev/null)" = 1 ]; }
if poll_until 60 up_is_1; then
	pass "Prometheus scraped mxtlsd: up == 1"
else
	fail "Prometheus: up == 1" "$(pq 'up' 2>&1)" "$(tail -5 "$TEST_DIR/prom/log")"
fi
r=$(pq 'mxtls_lookups_total{door="socketmap",answer="dane-only"}')
expect_jq "Prometheus has mxtls_lookups_total" "$r" '.data.result[0].value[1]' 4
r=$(pq 'sum(mxtls_tlsrpt_results_total)')
expect_jq "Prometheus: TLSRPT results" "$r" '.data.result[0].value[1]' 16
r=$(pq 'histogram_quantile(0.5, sum by (le) (mxtls_lookup_duration_seconds_bucket))')
expect_jq "Prometheus: a latency quantile from the histogram" "$r" '.data.result | length' 1
# every query of the Grafana dashboard, its variables filled in, runs
DASH=$MXTLS_SRC/contrib/grafana/mxtls-dashboard.json
nq=0
while IFS= read -r e; do
	e=${e//\$job/.*}
	e=${e//\$instance/.*}
	e=${e//\$__rate_interval/1m}
	e=${e//\$__range/1h}
	r=$(pq "$e")
	nq=$((nq + 1))
	[ "$(jqr "$r" '.status')" = success ] || fail "dashboard query runs: $e" "$r"
done < <(jq -r '.panels[].targets[]?.expr' "$DASH")
expect_match "dashboard: its queries ran" "$nq" '^[1-9][0-9]+$'
# every mxtls_ metric the dashboard names is one mxtlsd exposes
for n in $(jq -r '.panels[].targets[]?.expr' "$DASH" | grep -oE 'mxtls_[a-z_]+' | sort -u); do
	b=${n%_bucket}
	grep -qE "^# TYPE $b " "$TEST_DIR/scrape.txt" || fail "dashboard metric $n" "not in the scrape"
done
kill -TERM "$PROM_PID" 2>/dev/null
wait "$PROM_PID" 2>/dev/null
PROM_PID=
daemon_stop

# ------------------------------------- A2: policy changes on idchange.test --
# (TXT TTL 1 s, sts.recheck_interval 1 s: a lookup rechecks the TXT id)
"$W/set-policy.sh" "$WORLD" idchange.test enforce 86400 mx1.idchange.test
"$W/set-txt.sh" "$WORLD" idchange.test "m1$RUN"
STS_CONF='sts: { first_contact_wait = 8; recheck_interval = 1; };'
CACHE_CONF='cache: { failure_ttl = 0; };'
daemon_start changes "$EXTRA" || summary
# mode_is MODE ID - idchange.test answers that mode under that id.
mode_is() { [ "$(jqr "$(q idchange.test)" '.mode + " " + .policy_id')" = "$1 $2" ]; }
expect_true "idchange.test: enforce m1" poll_until 10 mode_is enforce "m1$RUN"
"$W/set-policy.sh" "$WORLD" idchange.test testing 86400 mx1.idchange.test
"$W/set-txt.sh" "$WORLD" idchange.test "m2$RUN"
expect_true "idchange.test: testing m2" poll_until 15 mode_is testing "m2$RUN"
"$W/set-policy.sh" "$WORLD" idchange.test none 86400
"$W/set-txt.sh" "$WORLD" idchange.test "m3$RUN"
expect_true "idchange.test: none m3" poll_until 15 mode_is none "m3$RUN"
printf 'version: STSv1\r\nmode: sometimes\r\n' | "$W/set-policy.sh" "$WORLD" idchange.test -
"$W/set-txt.sh" "$WORLD" idchange.test "m4$RUN"
# invalid_seen - the invalid policy was fetched (and the old one kept)
invalid_seen() { q idchange.test >/dev/null; [ "$(metric "$(scrape)" 'mxtls_policy_fetches_total{result="invalid"}')" = 1 ]; }
expect_true "idchange.test: invalid policy counted" poll_until 15 invalid_seen
"$W/set-policy.sh" "$WORLD" idchange.test enforce 1 mx1.idchange.test
"$W/set-txt.sh" "$WORLD" idchange.test "m5$RUN"
expect_true "idchange.test: enforce m5 (max_age 1)" poll_until 15 mode_is enforce "m5$RUN"
m=$(scrape)
expect_metric "changes so far" "$m" 'mxtls_policy_changes_total{event="removed"}' 0
"$W/set-policy.sh" "$WORLD" idchange.test --delete
# removed_seen - the expired policy could not be refetched: none
removed_seen() { [ "$(jqr "$(q idchange.test)" '.policy')" = none ]; }
sleep 1.2
expect_true "idchange.test: expired and gone" poll_until 15 removed_seen
q idchange.test >/dev/null
m=$(scrape)
expect_metric "changes" "$m" 'mxtls_policy_changes_total{event="new_id"}' 3
expect_metric "changes" "$m" 'mxtls_policy_changes_total{event="downgrade_testing"}' 1
expect_metric "changes" "$m" 'mxtls_policy_changes_total{event="downgrade_none"}' 1
expect_metric "changes: counted once" "$m" 'mxtls_policy_changes_total{event="removed"}' 1

daemon_stop
unset STS_CONF
CACHE_CONF='cache: { max_entries = 16; };'

# ------------------------------------------------- B: reports the next day --
MXTLSD_TLSRPT_TIME_OFFSET=$O2 daemon_start main "$EXTRA" || summary
# settled - the first attempts are over (enforce.test: https sent, mailto
# retried; rptfail.test: https 503; dane.test: mailto retried)
settled() {
	local t
	t=$(scrape)
	[ "$(metric "$t" 'mxtls_tlsrpt_deliveries_total{transport="https",outcome="sent"}')" = 1 ] &&
		[ "$(metric "$t" 'mxtls_tlsrpt_deliveries_total{transport="https",outcome="retried"}')" = 1 ] &&
		[ "$(metric "$t" 'mxtls_tlsrpt_deliveries_total{transport="smtp",outcome="retried"}')" = 2 ]
}
expect_true "day 2: reports sent and retried" poll_until 60 settled
m=$(scrape)
expect_metric "day 2: enforce, rptfail and dane.test" "$m" 'mxtls_tlsrpt_reports_built_total' 3
ctl report --send-now >/dev/null
# given_up - the second attempts (retry_max 2) were the last
given_up() {
	local t
	t=$(scrape)
	[ "$(metric "$t" 'mxtls_tlsrpt_deliveries_total{transport="https",outcome="given_up"}')" = 1 ] &&
		[ "$(metric "$t" 'mxtls_tlsrpt_deliveries_total{transport="smtp",outcome="given_up"}')" = 2 ]
}
expect_true "day 2: deliveries given up after retry_max" poll_until 60 given_up
m=$(scrape)
expect_metric "day 2" "$m" 'mxtls_tlsrpt_deliveries_total{transport="https",outcome="sent"}' 1
expect_metric "day 2" "$m" 'mxtls_tlsrpt_deliveries_total{transport="https",outcome="retried"}' 1
expect_metric "day 2" "$m" 'mxtls_tlsrpt_deliveries_total{transport="smtp",outcome="retried"}' 2
expect_metric "day 2: nothing reached 127.0.0.1:1" "$m" 'mxtls_tlsrpt_deliveries_total{transport="smtp",outcome="sent"}' 0
expect_metric "day 2" "$m" 'mxtls_tlsrpt_deliveries_total{transport="sendmail",outcome="sent"}' 0
daemon_stop

# ---------------------------------------- C: not ready; the SSRF rule --
mkdir -p "$TEST_DIR/broken/mxtls.db.tlsrpt" # the TLSRPT store: a directory
STORE_CONF="store: { path = \"$TEST_DIR/broken/mxtls.db\"; };"
FETCH_CONF="fetch: { ca_file = \"$CA_FILE\"; allow_private = false; connect_timeout = 2; timeout = 4; port = $HTTPS_PORT; };"
daemon_start broken "$EXTRA" || summary
expect_eq "/healthz: 503 with the TLSRPT store unusable" "$(http_code "$MURL/healthz")" 503
expect_match "/healthz says why" "$(curl -s --max-time 10 "$MURL/healthz")" '^the TLSRPT store is not open: '
expect_jq "enforce.test: its policy host is on loopback" "$(q enforce.test)" '.policy' none
m=$(scrape)
expect_metric "broken" "$m" 'mxtls_ready' 0
expect_metric "broken" "$m" 'mxtls_store_open' 1
expect_metric "SSRF rule" "$m" 'mxtls_policy_fetches_total{result="refused"}' 1
"$PROMTOOL" check metrics <<<"$m" >/dev/null 2>&1 ||
	fail "promtool check metrics (phase C)" "$("$PROMTOOL" check metrics <<<"$m" 2>&1)"
# a local flood: 16 connections trickling a byte every 0.5 s for 10 s take
# every slot; a 17th is closed at accept, the front doors still answer,
# and the deadline (5 s from the accept, not extended by the trickle)
# frees the slots
python3 - "$MPORT" <<'EOP' &
import socket, sys, time
ss = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(16)]
end = time.time() + 10
while time.time() < end:
    for s in ss:
        try:
            s.send(b"G")
        except OSError:
            pass
    time.sleep(0.5)
EOP
FLOOD=$!
refused() { [ "$(http_code "$MURL/healthz")" = 000 ]; }
expect_true "flood: a 17th connection is closed at accept" poll_until 3 refused
expect_true "flood: the front doors still answer" ctl ping
answered() { [ "$(http_code "$MURL/healthz")" = 503 ]; }
expect_true "flood: the trickling connections end at their deadline" poll_until 10 answered
expect_match "flood: logged" "$(nlog MXTLS-METRICS-BUSY)" '^[1-9]'
wait "$FLOOD"
daemon_stop
unset STORE_CONF FETCH_CONF STS_CONF CACHE_CONF

# --------------------------------------------- the Grafana dashboard parses --
if jq -e '.panels | length > 5' "$MXTLS_SRC/contrib/grafana/mxtls-dashboard.json" >/dev/null; then
	pass "contrib/grafana/mxtls-dashboard.json is JSON with panels"
else
	fail "contrib/grafana/mxtls-dashboard.json" "not JSON, or no panels"
fi
summary
