#!/usr/bin/env bash
# What a single client's slow requests wait on: 1-client non-streamed latency through the
# node (pinned to one core) next to nginx direct, then a scheduler trace of the node under
# the same load (`perf sched record`): per thread, its CPU time, number of slices and longest
# slice. A long slice of a background thread (the SQLite writer flushing the write-behind
# queue, say) is time a request that became runnable on that core waited for it.
# Usage: bench/tail.sh [path/to/triforce]   BASE_PORT (default 18080) moves the node, nginx
# on BASE_PORT+1. Loopback only; needs nginx, wrk, perf, taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-.build/release/triforce}")"
DURATION="${BENCH_DURATION:-8}"
OUT="${PROFILE_OUT:-/tmp/triforce-tail}"
mkdir -p "$OUT"
PORT="${BASE_PORT:-18080}"; STATIC_PORT=$((PORT + 1))
. bench/lib.sh
start_static_upstream

start_chat_node
C wrk -t1 -c1 -d2s -s "$WORK/one.lua" http://127.0.0.1:$PORT/v1/chat/completions > /dev/null   # warm up
C wrk -t1 -c1 -d${DURATION}s --latency -s "$WORK/one.lua" http://127.0.0.1:$STATIC_PORT/v1/chat/completions > "$OUT/direct.txt"
C wrk -t1 -c1 -d${DURATION}s --latency -s "$WORK/one.lua" http://127.0.0.1:$PORT/v1/chat/completions > "$OUT/gateway.txt"
echo "nginx direct, 1 client:    p50 $(lat "$OUT/direct.txt" 50%)  p99 $(lat "$OUT/direct.txt" 99%)"
echo "through gateway, 1 client: p50 $(lat "$OUT/gateway.txt" 50%)  p90 $(lat "$OUT/gateway.txt" 90%)  p99 $(lat "$OUT/gateway.txt" 99%)  $(awk '/Requests\/sec/ {print $2}' "$OUT/gateway.txt") req/s"

C wrk -t1 -c1 -d$((DURATION / 2 + 2))s -s "$WORK/one.lua" http://127.0.0.1:$PORT/v1/chat/completions > "$OUT/traced.txt" &
LOAD=$!
sleep 1
perf sched record -o "$OUT/sched.data" -- sleep $((DURATION / 2)) > /dev/null 2>&1 || true
wait $LOAD
echo "node threads under that load (${DURATION}/2 s of perf sched; ms):"
perf sched timehist -i "$OUT/sched.data" -s 2> /dev/null \
    | awk -v pid="$NODE" '$2 == pid && $3 ~ /^[0-9]+$/ {printf "  %-34s CPU %8.1f  slices %6d  longest %6.2f\n", $1, $4, $3, $7}' \
    | sort -k3 -n -r | head -12
