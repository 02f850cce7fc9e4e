#!/bin/sh
# Run each libFuzzer target (tests/fuzz/) for a given time, one after the
# other, and print what each reached.
#
#   sh bench/fuzz.sh SECONDS [TARGET...]     targets: decoder dispatch
#                                            statement replica (default all)
#   FUZZ_RUNS=N sh bench/fuzz.sh SECONDS     stop a target at N executions
#                                            if that comes first
#
# Builds build-fuzz/ first (clang, -DWO_FUZZ=ON) when it is not there.
# Each target runs as one process, one worker (libFuzzer's default; no
# -jobs/-workers: the machine is shared), starting from the committed
# seeds and crash inputs plus what earlier runs found, kept in
# build-fuzz/fuzz-work/TARGET (never in the committed corpus). A crash
# leaves its input as build-fuzz/fuzz-work/crash-TARGET-*; copy it to
# tests/fuzz/regress/TARGET/ once fixed. Exits 1 when any target crashed.
set -e
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: sh bench/fuzz.sh SECONDS [TARGET...]" >&2; exit 2; }
secs=$1
shift
targets=${*:-decoder dispatch statement replica}
if [ ! -f build-fuzz/CMakeCache.txt ]; then
    cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWO_FUZZ=ON \
        -DCMAKE_C_COMPILER=clang >/dev/null
fi
cmake --build build-fuzz -j2 --target fuzz >/dev/null
work=$PWD/build-fuzz/fuzz-work
mkdir -p "$work"
failed=0
printf "%-10s %8s %14s %10s %s\n" target seconds executions exec/s result
for t in $targets; do
    mkdir -p "$work/$t"
    dirs="$work/$t tests/fuzz/corpus/$t"
    [ -d tests/fuzz/regress/$t ] && dirs="$dirs tests/fuzz/regress/$t"
    log=$work/$t.log
    rc=0
    # shellcheck disable=SC2086 # dirs is a list of paths without spaces
    build-fuzz/bin/fuzz_$t -max_total_time="$secs" -runs="${FUZZ_RUNS:--1}" \
        -print_final_stats=1 \
        -artifact_prefix="$work/crash-$t-" $dirs >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    if [ "$rc" -eq 0 ]; then
        result="no crash"
    else
        result="CRASH (exit $rc): see $log"
        failed=1
    fi
    printf "%-10s %8s %14s %10s %s\n" "$t" "$secs" "${execs:-?}" \
        "${rate:-?}" "$result"
done
exit $failed
