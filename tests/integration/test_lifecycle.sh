#!/bin/bash
# test_lifecycle.sh - the MTA-STS cache life cycle (docs/DECISIONS.md C1-C7):
# first-contact deadline, a fetched "mode: none" replacing the cache, expiry
# with sts.expired_policy none / tempfail, a cached policy outliving a failed
# refresh. Uses idchange.test, whose TXT (TTL 1 s) and policy the test owns.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

RUN=$(date +%s)
W=$WORLD_TOOLS

# ------------------------------------------------------ first-contact wait --
# slow.test's policy trickles at 10 B/s: the fetch outlives the 1 s wait.
STS_CONF='sts: { first_contact_wait = 1; recheck_interval = 3600; };'
if daemon_start wait; then
	t0=$(now_ms)
	j=$(q slow.test)
	rc=$?
	t1=$(now_ms)
	expect_eq "slow.test first contact: exit code (tempfail)" "$rc" 75
	expect_jq_match "slow.test first contact" "$j" '.why' 'still in progress'
	expect_match "slow.test first contact answered after the 1 s wait" \
		"$((t1 - t0))" '^(9[0-9][0-9]|1[0-9]{3}|2[0-9]{3})$'
	# the fetch went on and failed (timeout 4 s): now "no policy"
	# shellcheck disable=SC2317
	slow_done() { [ "$(jqr "$(q slow.test)" '.policy')" = none ]; }
	if poll_until 10 slow_done; then
		pass "slow.test: the background fetch concluded (no policy)"
	else
		fail "slow.test: the background fetch concluded" "still not none"
	fi
	s=$(ctl stats --json)
	expect_jq "wait: stats" "$s" '.wait_timeouts >= 1' true
	daemon_stop
fi
unset STS_CONF

# ----------------------------------------- mode none replaces the policy --
"$W/set-policy.sh" "$WORLD" idchange.test enforce 86400 mx1.idchange.test
"$W/set-txt.sh" "$WORLD" idchange.test "l1$RUN"
STS_CONF='sts: { first_contact_wait = 8; recheck_interval = 1; };'
if daemon_start modenone; then
	j=$(q idchange.test)
	expect_jq "idchange.test enforce" "$j" '[.mode, .policy_id] | join(" ")' "enforce l1$RUN"
	"$W/set-policy.sh" "$WORLD" idchange.test none 86400
	"$W/set-txt.sh" "$WORLD" idchange.test "l2$RUN"
	sleep 1.2
	q idchange.test >/dev/null # triggers the background recheck
	# shellcheck disable=SC2317
	none_seen() { [ "$(jqr "$(q idchange.test)" '.mode + " " + .policy_id')" = "none l2$RUN" ]; }
	if poll_until 10 none_seen; then
		pass "idchange.test: fetched mode none replaced the enforce policy"
	else
		fail "idchange.test: mode none replaced the cache" "$(q idchange.test)"
	fi
	j=$(q idchange.test)
	expect_host "idchange.test mode none" "$j" mx1.idchange.test .action may
	daemon_stop
fi

# ------------------------------- a cached policy outlives a failed refresh --
"$W/set-policy.sh" "$WORLD" idchange.test enforce 86400 mx1.idchange.test
"$W/set-txt.sh" "$WORLD" idchange.test "l3$RUN"
if daemon_start keep; then
	j=$(q idchange.test)
	expect_jq "keep: fetched" "$j" '[.mode, .policy_id] | join(" ")' "enforce l3$RUN"
	"$W/set-policy.sh" "$WORLD" idchange.test --delete
	"$W/set-txt.sh" "$WORLD" idchange.test "l4$RUN"
	sleep 1.2
	q idchange.test >/dev/null
	sleep 1.5
	j=$(q idchange.test)
	expect_jq "keep: id changed but refetch 404s: cached policy kept" "$j" \
		'[.status, .mode, .policy_id] | join(" ")' "ok enforce l3$RUN"
	expect_match "keep: the daemon logged the failed refresh" \
		"$(cat "$DAEMON_LOG")" 'MXTLS-STS-REFRESH-FAIL'
	daemon_stop
fi

# ------------------------------------------------ expiry: none / tempfail --
expiry_case() { # NAME RULE EXPECTED_STATUS EXPECTED_POLICY
	"$W/set-policy.sh" "$WORLD" idchange.test enforce 1 mx1.idchange.test
	"$W/set-txt.sh" "$WORLD" idchange.test "e$1$RUN"
	STS_CONF="sts: { first_contact_wait = 8; recheck_interval = 3600; expired_policy = \"$2\"; };"
	CACHE_CONF='cache: { failure_ttl = 0; };'
	if daemon_start "expiry-$1"; then
		j=$(q idchange.test)
		expect_jq "expiry $1: fetched with max_age 1" "$j" '[.mode, .max_age] | join(" ")' "enforce 1"
		"$W/set-policy.sh" "$WORLD" idchange.test --delete
		sleep 2.2
		j=$(q idchange.test)
		expect_jq "expiry $1 ($2): expired and not refetchable" "$j" \
			'[.status, .policy] | join(" ")' "$3 $4"
		daemon_stop
	fi
	unset STS_CONF CACHE_CONF
}
expiry_case rfc none ok none
expiry_case strict tempfail tempfail none

# ----------------------- one fetch for 100 simultaneous first-contact lookups --
if daemon_start coalesce; then
	pids=()
	for n in $(seq 100); do
		"$MXTLS_BIN/mxtlsctl" -s "$DAEMON_URL" -t 20 query testing.test --json \
			>"$TEST_DIR/coalesce.$n.json" 2>&1 &
		pids+=($!)
	done
	okn=0
	for n in $(seq 100); do
		wait "${pids[$((n - 1))]}" &&
			[ "$(jqr "$(cat "$TEST_DIR/coalesce.$n.json")" '.mode')" = testing ] &&
			okn=$((okn + 1))
	done
	expect_eq "100 simultaneous lookups of a new domain: all answered" "$okn" 100
	s=$(ctl stats --json)
	expect_jq "100 simultaneous lookups: one TXT lookup" "$s" '.txt_lookups' 1
	expect_jq "100 simultaneous lookups: one policy fetch" "$s" '.fetch_ok' 1
	daemon_stop
fi

# ------------------------------------------- proactive refresh before expiry --
# max_age 20: the refresh margin is min(sts.refresh_before, max_age / 2) = 10 s
"$W/set-policy.sh" "$WORLD" idchange.test enforce 20 mx1.idchange.test
"$W/set-txt.sh" "$WORLD" idchange.test "r1$RUN"
if daemon_start refresh; then
	j=$(q idchange.test)
	f1=$(jqr "$j" '.fetched')
	expect_jq "refresh: fetched with max_age 20" "$j" '[.source, .max_age] | join(" ")' "fetched 20"
	sleep 11
	j=$(q idchange.test)
	expect_jq "refresh: still answered from the cache" "$j" '.source' cache
	# shellcheck disable=SC2317
	refreshed() { [ "$(jqr "$(ctl stats --json)" '.fetch_ok')" = 2 ]; }
	if poll_until 8 refreshed; then
		pass "refresh: refetched in the background before expiry"
	else
		fail "refresh: refetched in the background" "$(ctl stats --json)"
	fi
	j=$(q idchange.test)
	expect_jq "refresh: the new copy is newer" "$j" ".fetched > $f1" true
	daemon_stop
fi

# ------------------------------- the refresh timer, with no lookup at all --
# max_age 20: the timer's refetch window is (expires - 10 s, expires - 5 s]
# (docs/DECISIONS.md C12); nothing looks the domain up in between.
"$W/set-policy.sh" "$WORLD" idchange.test enforce 20 mx1.idchange.test
"$W/set-txt.sh" "$WORLD" idchange.test "t1$RUN"
if daemon_start timer; then
	j=$(q idchange.test)
	f1=$(jqr "$j" '.fetched')
	expect_jq "timer: fetched with max_age 20" "$j" '[.source, .max_age] | join(" ")' "fetched 20"
	# shellcheck disable=SC2317
	timer_fetched() { [ "$(jqr "$(ctl --json stats)" '.refresh_timer_fetched')" = 1 ]; }
	if poll_until 25 timer_fetched; then
		pass "timer: refetched before expiry without a lookup"
	else
		fail "timer: refetched without a lookup" "$(ctl --json stats)"
	fi
	s=$(ctl --json stats)
	expect_jq "timer: one refresh started, none failed" "$s" \
		'[.refresh_timer_started, .refresh_timer_failed, .fetch_ok] | map(tostring) | join(" ")' "1 0 2"
	j=$(q idchange.test)
	expect_jq "timer: the cached copy is the new one" "$j" ".fetched > $f1" true
	daemon_stop
fi

# ------------------------------------------------ stopping mid-lookup --
# timeout.test's name servers never answer (resolver timeout 5 s): the
# lookups are still out at SIGTERM. Their clients, on the nng and the
# direct socket, get tempfail at once; the daemon exits 0 (under ASan:
# nothing leaked).
if daemon_start stopping; then
	timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$DAEMON_URL" query timeout.test --json \
		>"$TEST_DIR/stop-nng.out" 2>&1 &
	p1=$!
	timeout 30 "$MXTLS_BIN/mxtlsctl" -s "$DIRECT_URL" query tlsatimeout.test --json \
		>"$TEST_DIR/stop-direct.out" 2>&1 &
	p2=$!
	# shellcheck disable=SC2317
	both_out() { [ "$(jqr "$(ctl stats --json)" '.requests')" -ge 3 ]; }
	poll_until 5 both_out
	t0=$(now_ms)
	daemon_stop
	rc1=0 rc2=0
	wait "$p1" || rc1=$?
	wait "$p2" || rc2=$?
	t1=$(now_ms)
	expect_eq "stopping: nng client exit code (tempfail)" "$rc1" 75
	expect_jq_match "stopping: nng client told why" "$(cat "$TEST_DIR/stop-nng.out")" '.why' 'stopping'
	expect_eq "stopping: direct client exit code (tempfail)" "$rc2" 75
	expect_jq_match "stopping: direct client told why" "$(cat "$TEST_DIR/stop-direct.out")" '.why' 'stopping'
	expect_match "stopping: answered before the 5 s DNS timeout" "$((t1 - t0))" '^[0-9]{1,4}$'
fi

# leave idchange.test as the world made it (tests/world/up.sh std_policy)
"$W/set-policy.sh" "$WORLD" idchange.test enforce 86400 mx1.idchange.test \
	"*.idchange.test"
"$W/set-txt.sh" "$WORLD" idchange.test idchange1
summary
