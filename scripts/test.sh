#!/usr/bin/env bash
# scripts/test.sh - install what is missing, then build and run every test
# twice: a normal build in build/ and an ASan+UBSan build in build-asan/.
# Exits non-zero when anything fails.  About 15-20 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

bash scripts/deps.sh || exit 1

jobs=${JOBS:-2}
# Stop at the first UB report, with a stack; sanitizer reports name the test.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

results=()
status=0

# stage NAME BUILD_DIR CTEST_EXCLUDE CMAKE_ARGS...: configure, build, ctest
# (tests matching the regex CTEST_EXCLUDE are skipped; "" skips none).
stage() {
    local name=$1 dir=$2 exclude=$3
    shift 3
    local skip=()
    if [ -n "$exclude" ]; then
        skip=(-E "$exclude")
    fi
    echo "==== $name: configure and build in $dir"
    if ! cmake -S . -B "$dir" "$@" || ! cmake --build "$dir" -j"$jobs"; then
        results+=("$name: BUILD FAILED")
        status=1
        return
    fi
    echo "==== $name: ctest in $dir"
    if (cd "$dir" && ctest --output-on-failure -j"$jobs" --timeout 300 "${skip[@]}"); then
        results+=("$name: all tests passed")
    else
        results+=("$name: TESTS FAILED (see above)")
        status=1
    fi
}

stage normal build "" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASYNCC_SANITIZE=OFF
# fuzz_erased_sanitized builds its own sanitized programs without the
# transpiler or the runtime: the normal stage has run it already.
stage sanitizer build-asan '^fuzz_erased_sanitized$' \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DASYNCC_SANITIZE=ON

echo "==== summary"
printf '%s\n' "${results[@]}"
exit $status
