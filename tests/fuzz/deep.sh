#!/bin/bash
# tests/fuzz/deep.sh - the deep libFuzzer run, on demand (never part of
# ctest or CI's 20 s per target): builds every fuzz target with clang,
# libFuzzer, ASan and UBSan (as .ci/run step 3 does), runs each to
# FUZZ_RUNS executions (default 10 million) over a scratch copy of its
# corpus, then merges what found new coverage back into
# tests/fuzz/corpus/<target>/ (-merge=1: only inputs that add coverage are
# added; the existing seeds stay), and prints executions per target.
#
#   tests/fuzz/deep.sh                       # every target
#   tests/fuzz/deep.sh request sts_policy    # some targets (name without fuzz_)
#   FUZZ_RUNS=100000 tests/fuzz/deep.sh      # shorter
#   FUZZ_MAX_SECONDS=1800 tests/fuzz/deep.sh # also stop a target after 30 min
#   FUZZ_NOBUILD=1 ...                       # reuse build-fuzz as it is
#
# Meant to run niced (nice -n 10) in the background; the summary goes to
# stdout and to build-fuzz/deep/summary.txt, each target's log to
# build-fuzz/deep/<target>.log, a crash to build-fuzz/deep/crash-<target>-*.
# Exit status: 1 if any target crashed (the remaining targets still run).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
root=$PWD
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
runs=${FUZZ_RUNS:-10000000}
maxt=${FUZZ_MAX_SECONDS:-0}
out=$build/deep

if [ -z "${FUZZ_NOBUILD:-}" ]; then
	cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DMXTLS_FUZZ=ON \
		-DMXTLS_SANITIZE="address;undefined" \
		-DCMAKE_BUILD_TYPE=Debug >/dev/null || exit 2
	cmake --build "$build" -j"${FUZZ_JOBS:-2}" >/dev/null || exit 2
fi
mkdir -p "$out"

if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for bin in "$build"/tests/fuzz/fuzz_*; do
		[ -x "$bin" ] && targets+=("$(basename "$bin" | sed 's/^fuzz_//')")
	done
fi

status=0
printf '%-18s %12s %8s %8s %7s %s\n' target executions exec/s seconds \
	corpus result | tee -a "$out/summary.txt"
for t in "${targets[@]}"; do
	bin=$build/tests/fuzz/fuzz_$t
	corpus=$root/tests/fuzz/corpus/$t
	if [ ! -x "$bin" ]; then
		echo "$t: no binary $bin" | tee -a "$out/summary.txt"
		status=1
		continue
	fi
	mkdir -p "$corpus"
	work=$(mktemp -d)
	cp -r "$corpus"/. "$work"/
	before=$(ls "$corpus" | wc -l)
	start=$(date +%s)
	# -print_final_stats=1 gives stat::number_of_executed_units even on a
	# crash or a timeout; ASan's and UBSan's reports end the run.
	rc=0
	if [ "$runs" -gt 0 ]; then
		"$bin" -runs="$runs" -max_total_time="$maxt" \
			-print_final_stats=1 -artifact_prefix="$out/crash-$t-" \
			-close_fd_mask=3 "$work" >"$out/$t.log" 2>&1
		rc=$?
	else
		: >"$out/$t.log"
	fi
	secs=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" |
		tail -n 1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t.log" |
		tail -n 1)
	result=clean
	if [ "$rc" -ne 0 ]; then
		result="FAILED rc=$rc (see $out/$t.log)"
		status=1
	fi
	# Minimise: the named seeds first, then what keeps the coverage.
	min=$(mktemp -d)
	find "$corpus" -maxdepth 1 -type f -regextype posix-extended \
		! -regex '.*/[0-9a-f]{40}' \
		-exec cp {} "$min"/ \;
	if "$bin" -merge=1 -close_fd_mask=3 "$min" "$corpus" "$work" \
		>"$out/$t.merge.log" 2>&1; then
		rm -f "$corpus"/*
		cp "$min"/. "$corpus"/ -r
	else
		echo "$t: merge failed (see $out/$t.merge.log)"
	fi
	after=$(ls "$corpus" | wc -l)
	rm -rf "$work" "$min"
	printf '%-18s %12s %8s %8s %7s %s\n' "$t" "${execs:-?}" "${eps:-?}" \
		"$secs" "$before->$after" "$result" | tee -a "$out/summary.txt"
done
exit $status
