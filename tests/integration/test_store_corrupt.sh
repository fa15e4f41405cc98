#!/bin/bash
# test_store_corrupt.sh - the policy store is a cache, not state: a store
# file that is not a database, or that fails its integrity check, is set
# aside (kept as PATH.corrupt-<time>, logged MXTLS-STORE-CORRUPT) and mxtlsd
# starts with an empty one and answers (cached/store/store_sqlite.c). A foreign
# SQLite database is not ours to move: refused, named, left untouched.
# The TLSRPT store (real data) unusable: never moved, mxtlsd serves
# policies, refuses results naming it, and takes it up again at a reload.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
trap daemon_cleanup EXIT

DB=$TEST_DIR/s/mxtls.db
aside() { find "$TEST_DIR/s" -maxdepth 1 -name 'mxtls.db.corrupt-*' ! -name '*-wal' ! -name '*-shm' | sort; }

# 1. a store with policies, then its pages after the first trashed
mkdir -p "$TEST_DIR/s"
daemon_start s || summary
expect_eq "enforce.test known" "$(ctl query enforce.test --json | jq -r '.mode')" enforce
daemon_stop
expect_eq "no set-aside file yet" "$(aside | wc -l)" 0
size=$(stat -c %s "$DB")
if [ "$size" -lt 8192 ]; then # pad: more pages to trash than the header
	sqlite3 "$DB" "CREATE TABLE IF NOT EXISTS pad(x); INSERT INTO pad SELECT zeroblob(1000) FROM (WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 20) SELECT n FROM c);" 2>/dev/null ||
		true
fi
python3 - "$DB" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4096)
    f.write(b"\xa5" * 8192)
PY
daemon_start s || summary
expect_true "corrupt store: logged with the set-aside path" \
	grep -qE 'MXTLS-STORE-CORRUPT.*moved aside to .*mxtls\.db\.corrupt-' "$DAEMON_LOG"
expect_eq "corrupt store: one set-aside file" "$(aside | wc -l)" 1
expect_eq "corrupt store: its bytes kept" "$(od -An -tx1 -j 4096 -N 4 "$(aside | head -1)" | tr -d ' ')" a5a5a5a5
expect_eq "corrupt store: answers after the move" "$(ctl query enforce.test --json | jq -r '.mode')" enforce
daemon_stop
expect_eq "the new store passes quick_check" "$(sqlite3 "$DB" 'PRAGMA quick_check')" ok

# 2. not a database at all
printf 'this is not a database\n%.0s' $(seq 300) >"$DB"
rm -f "$DB-wal" "$DB-shm"
daemon_start s || summary
expect_eq "garbage store: a second set-aside file" "$(aside | wc -l)" 2
expect_eq "garbage store: answers" "$(ctl query dane.test --json | jq -r '.policy')" dane
daemon_stop

# 3. a foreign SQLite database is refused, not moved
rm -f "$DB" "$DB-wal" "$DB-shm"
sqlite3 "$DB" 'CREATE TABLE mine(x); INSERT INTO mine VALUES (42);'
mkdir -p "$TEST_DIR/foreign"
"$MXTLS_BIN/mxtlsd" -d -c "$DAEMON_CONFIG_FILE" </dev/null >"$TEST_DIR/foreign/out" 2>&1 &
pid=$!
rc=0
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid" 2>/dev/null; then
	kill -KILL "$pid"
	fail "foreign database: mxtlsd refuses to start" "still running"
else
	wait "$pid" || rc=$?
	expect_true "foreign database: mxtlsd refuses to start (status $rc)" test "$rc" -ne 0
fi
expect_match "foreign database: named in the error" "$(cat "$TEST_DIR/foreign/out")" 'mxtls\.db.*not an mxtls store'
expect_eq "foreign database: left in place" "$(sqlite3 "$DB" 'SELECT x FROM mine')" 42
expect_eq "foreign database: not set aside" "$(aside | wc -l)" 2

# 4. the TLSRPT store (store.path + ".tlsrpt") is state, not a cache: counts
# not reported yet. Unusable, it is never moved or replaced; mxtlsd says
# what to do, serves policies, and refuses results (tempfail) naming it;
# fixed, a reload (SIGHUP) takes it up (issue 17).
rm -f "$DB" "$DB-wal" "$DB-shm"
TDB=$DB.tlsrpt
rm -f "$TDB" "$TDB-wal" "$TDB-shm"
printf 'counts of unsent reports, damaged\n%.0s' $(seq 300) >"$TDB"
sum=$(sha256sum <"$TDB")
daemon_start s || summary
expect_eq "garbage TLSRPT store: answers" "$(ctl query dane.test --json | jq -r '.policy')" dane
expect_match "garbage TLSRPT store: logged with what to do" "$(grep MXTLS-TLSRPT-STORE-UNUSABLE "$DAEMON_LOG")" \
	"$TDB: cannot open the TLSRPT store: .*move it aside .* to start a new one: its counts of unsent reports are then lost"
out=$(ctl result --json domain=enforce.test mx_host=mx1.enforce.test result=success)
expect_eq "garbage TLSRPT store: result exit code (tempfail)" "$?" 75
expect_jq "garbage TLSRPT store: result tempfail" "$out" '.status' tempfail
expect_jq_match "garbage TLSRPT store: the reason names the file" "$out" '.why' "TLSRPT store $TDB cannot be used"
out=$(ctl report --preview --json 2>&1)
expect_eq "garbage TLSRPT store: preview exit code (tempfail)" "$?" 75
expect_match "garbage TLSRPT store: preview names the file" "$out" "$TDB"
expect_eq "garbage TLSRPT store: still answers after a result" "$(ctl query dane.test --json | jq -r '.policy')" dane
expect_eq "garbage TLSRPT store: untouched" "$(sha256sum <"$TDB")" "$sum"
expect_eq "garbage TLSRPT store: nothing beside it" "$(find "$TEST_DIR/s" -maxdepth 1 -name 'mxtls.db.tlsrpt*' | sort | tr '\n' ' ')" "$TDB "
# the admin moves it aside and reloads: a new store, results counted
mv "$TDB" "$TDB.broken"
kill -HUP "$DAEMON_PID"
# shellcheck disable=SC2317 # called by poll_until
reopened() { grep -q MXTLS-TLSRPT-STORE-OPEN "$DAEMON_LOG"; }
poll_until 10 reopened || true
out=$(ctl result --json domain=enforce.test mx_host=mx1.enforce.test result=success)
expect_jq "moved aside, reloaded: result counted" "$out" '.recorded' true
daemon_stop
expect_eq "the moved-aside file untouched" "$(sha256sum <"$TDB.broken")" "$sum"
summary
