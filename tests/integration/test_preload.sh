#!/bin/bash
# test_preload.sh - the MTA-STS preload list (STARTTLS-Everywhere format) as
# first-contact hints: a listed domain without a live policy gets the list's
# entry per preload.no_live_policy; a live policy always wins; an invalid
# list stops the daemon from starting; an expired one is not used.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

LIST="$TEST_DIR/preload.json"
mkdir -p "$TEST_DIR"
cat >"$LIST" <<'JSON'
{
  "timestamp": "2024-01-15T10:25:12Z",
  "expires": "2099-12-31T23:59:59Z",
  "version": "0.1",
  "author": "mxtls test_preload.sh",
  "policy-aliases": {},
  "policies": {
    "notxt.test": { "mode": "enforce", "mxs": [".notxt.test"] },
    "badtxt.test": { "mode": "enforce", "mxs": ["mx.elsewhere.test"] },
    "404.test": { "mode": "testing", "mxs": [".404.test"] },
    "enforce.test": { "mode": "testing", "mxs": ["other.test"] }
  }
}
JSON

if daemon_start enforce "preload: { path = \"$LIST\"; no_live_policy = \"enforce\"; };"; then
	j=$(q notxt.test)
	expect_jq "notxt.test (listed, no TXT)" "$j" '[.status, .policy, .mode, .source] | join(" ")' "ok sts enforce preload"
	expect_jq "notxt.test" "$j" '.mx | join(",")' "*.notxt.test"
	expect_host "notxt.test" "$j" mx1.notxt.test .action verify
	expect_jq_match "notxt.test" "$j" '.why' 'preload'
	# listed with patterns that match no MX: enforce forbids every host
	j=$(q badtxt.test)
	expect_jq "badtxt.test (listed, no host allowed)" "$j" '.status' tempfail
	expect_host "badtxt.test" "$j" mx1.badtxt.test .action skip
	j=$(q 404.test)
	expect_jq "404.test (listed testing, fetch fails)" "$j" '[.policy, .mode, .source] | join(" ")' "sts testing preload"
	expect_host "404.test" "$j" mx1.404.test .action may
	# a live policy wins over the list
	j=$(q enforce.test)
	expect_jq "enforce.test (live policy wins)" "$j" '[.mode, .source, .policy_id] | join(" ")' "enforce fetched enforce1"
	j=$(q nope.test)
	expect_jq "nope.test (not listed)" "$j" '.policy' none
	daemon_stop
fi

if daemon_start tempfail "preload: { path = \"$LIST\"; no_live_policy = \"tempfail\"; };"; then
	j=$(q notxt.test)
	expect_jq "notxt.test, rule tempfail" "$j" '.status' tempfail
	expect_jq_match "notxt.test, rule tempfail" "$j" '.why' 'preload'
	j=$(q 404.test)
	expect_jq "404.test, rule tempfail (testing entry)" "$j" '[.status, .mode] | join(" ")' "ok testing"
	daemon_stop
fi

if daemon_start ignore "preload: { path = \"$LIST\"; no_live_policy = \"ignore\"; };"; then
	j=$(q notxt.test)
	expect_jq "notxt.test, rule ignore" "$j" '[.status, .policy] | join(" ")' "ok none"
	daemon_stop
fi

# An invalid list: the daemon refuses to start and says why.
printf '{"version":"0.1","expires":"2099-01-01T00:00:00Z","timestamp":1,"policies":{"x.test":{"mode":"sometimes","mxs":["x.test"]}}}' >"$TEST_DIR/bad.json"
cfg="$TEST_DIR/bad.conf"
printf 'daemon: { user = ""; pid_file = "%s/bad.pid"; };\nipc: { listen = "ipc://%s/bad.sock"; direct = ""; };\nstore: { path = "%s/bad.db"; };\npreload: { path = "%s/bad.json"; };\nresolver: { trust_anchor_file = "%s"; unbound_config = "%s"; };\n' \
	"$TEST_DIR" "$TEST_DIR" "$TEST_DIR" "$TEST_DIR" "$TA_FILE" "$UNBOUND_CONF" >"$cfg"
out=$(timeout 10 "$MXTLS_BIN/mxtlsd" -d -c "$cfg" 2>&1)
rc=$?
expect_eq "invalid preload list: mxtlsd exits 1" "$rc" 1
expect_match "invalid preload list: reason" "$out" 'MXTLSD-PRELOAD.*mode'

summary
