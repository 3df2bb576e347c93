#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer (swiftc -sanitize=fuzzer,address) of every parser
# that reads untrusted bytes. Builds the `triforce-fuzz` executable (declared in Package.swift
# only when TRIFORCE_FUZZ is set) in .build-fuzz, then runs each target for FUZZ_SECONDS
# (default 60) on a working copy of its seed corpus (bench/fuzz/corpus/TARGET). Never run by
# CI or `scripts/dev.sh test`; `scripts/dev.sh fuzz` calls this.
#
# Usage: bench/fuzz.sh [TARGET...]     (default: all targets; the binary reads FUZZ_TARGET)
#   FUZZ_SECONDS=600 bench/fuzz.sh json sse
# A crash leaves its input in .build-fuzz/findings/TARGET/ and the script exits non-zero;
# reproduce with: FUZZ_TARGET=TARGET .build-fuzz/debug/triforce-fuzz FILE
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-60}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(json jsonrpc sse ndjson openai anthropic gemini pem jointoken diff html regex)
fi

echo "building triforce-fuzz (debug, -sanitize=fuzzer,address) in .build-fuzz ..."
TRIFORCE_FUZZ=1 swift build --scratch-path .build-fuzz --product triforce-fuzz \
    -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -E "error|warning: unre|Build complete" || true
binary=.build-fuzz/debug/triforce-fuzz
[ -x "$binary" ] || { echo "build failed; see: TRIFORCE_FUZZ=1 swift build --scratch-path .build-fuzz --product triforce-fuzz -Xswiftc -sanitize=fuzzer,address" >&2; exit 1; }

failed=0
summary=()
for target in "${targets[@]}"; do
    seeds="bench/fuzz/corpus/$target"
    work=".build-fuzz/corpus/$target"
    findings=".build-fuzz/findings/$target"
    log=".build-fuzz/logs/$target.log"
    mkdir -p "$work" "$findings" "$(dirname "$log")"
    [ -d "$seeds" ] || { echo "no seed corpus for $target at $seeds" >&2; exit 1; }
    echo "fuzzing $target for ${seconds}s ..."
    set +e
    FUZZ_TARGET="$target" ASAN_OPTIONS=detect_leaks=0 "$binary" -max_total_time="$seconds" -print_final_stats=1 \
        -max_len=16384 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/" "$work" "$seeds" >"$log" 2>&1
    status=$?
    set -e
    runs=$(grep -E "^stat::number_of_executed_units" "$log" | awk '{print $2}' | tail -1)
    rate=$(grep -E "^stat::average_exec_per_sec" "$log" | awk '{print $2}' | tail -1)
    features=$(grep -oE "ft: [0-9]+" "$log" | tail -1 | awk '{print $2}')
    if [ "$status" -ne 0 ]; then
        failed=1
        summary+=("$(printf '%-10s FAILED (exit %s), see %s and %s' "$target" "$status" "$log" "$findings")")
    else
        summary+=("$(printf '%-10s %12s inputs  %8s exec/s  %6s features  %ss' "$target" "${runs:-?}" "${rate:-?}" "${features:-?}" "$seconds")")
    fi
done

echo
echo "target     executed inputs   rate         coverage        time"
printf '%s\n' "${summary[@]}"
exit "$failed"
