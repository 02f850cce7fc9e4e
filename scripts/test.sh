#!/bin/sh
# The README's test command: build, run every test, then build again with
# AddressSanitizer and UBSan and run every test once more. After each run
# it prints what the randomized fault and model tests did (schedules,
# faults, actions). Last, the libFuzzer targets (tests/fuzz/, built with
# clang in build-fuzz/) replay their seeds and past crash inputs and fuzz
# 10 s each, one after the other.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
faults() {
    grep -E "^(fault schedules run|faults injected|model schedules run|model totals)" \
        "$1/Testing/Temporary/LastTest.log" | sed "s|^|[$1] |" || true
}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
(cd build && ctest --output-on-failure -j2)
faults build
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWO_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build-asan && ctest --output-on-failure -j2)
faults build-asan
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWO_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz
(cd build-fuzz && ctest --output-on-failure)
