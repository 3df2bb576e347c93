#!/usr/bin/env bash
# The request floor under the gateway: GET /healthz on bare Hummingbird (bench/floor: the same
# Hummingbird release, one route answering fixed bytes, no middleware) next to triforce's
# /healthz and a non-streamed chat completion through triforce to nginx, and nginx itself.
# Each server on CPU 1 (nginx shares CPU 0 with wrk), wrk on CPU 0; req/s, p50 at 1 client, and the server's
# CPU per request at 64 connections (from its /proc times). Issue 10's target for a whole
# gateway request is 150 µs of CPU; this shows how much of that the framework alone spends.
# Then the RSS of bare Hummingbird holding FLOOR_STREAMS (default 1,000) open streams.
# Usage: bench/floor.sh [path/to/triforce]   Loopback only; needs nginx, wrk, python3, taskset, ss.
# BASE_PORT (default 18080): the node; nginx +1, bare Hummingbird +3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-dist/triforce}")"
DURATION="${BENCH_DURATION:-8}"
PORT="${BASE_PORT:-18080}"; STATIC_PORT=$((PORT + 1)); FLOOR_PORT=$((PORT + 3))
if [ -n "${FLOOR_BIN:-}" ]; then FLOOR="$(realpath "$FLOOR_BIN")"; else   # FLOOR_BIN: a bench/floor build already made
    (cd bench/floor && swift build -c release --static-swift-stdlib > /dev/null)
    FLOOR="$(cd bench/floor && swift build -c release --static-swift-stdlib --show-bin-path)/hbfloor"
fi
. bench/lib.sh
start_static_upstream
start_chat_node
taskset -c $NODE_CPU "$FLOOR" $FLOOR_PORT > "$WORK/floor.log" 2>&1 &
FLOOR_PID=$!; PIDS+=($FLOOR_PID)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$FLOOR_PORT/healthz" > /dev/null && break; sleep 0.1; done
echo 'wrk.method = "GET"' > "$WORK/get.lua"
NGINX_PID=$(pgrep -P "$(cat "$WORK/nginx.pid")" | head -1)   # nginx's worker serves the requests

measure() {  # $1 label, $2 pid, $3 wrk script, $4 url
    C wrk -t1 -c64 -d2s -s "$3" "$4" > /dev/null        # warm up
    local before after
    before=$(awk '{print $14 + $15}' /proc/$2/stat)
    C wrk -t1 -c64 -d${DURATION}s -s "$3" "$4" > "$WORK/many.txt"
    after=$(awk '{print $14 + $15}' /proc/$2/stat)
    C wrk -t1 -c1 -d${DURATION}s --latency -s "$3" "$4" > "$WORK/one.txt"
    printf "%-34s 64 conns %9s req/s, %5s µs CPU/request;  1 client p50 %s\n" "$1" \
        "$(awk '/Requests\/sec/ {print $2}' "$WORK/many.txt")" \
        "$(python3 -c "print(round(($after-$before)/$TICK/max(1,$(awk '/requests in/ {print $1}' "$WORK/many.txt"))*1e6))")" \
        "$(lat "$WORK/one.txt" 50%)"
}
measure "nginx, fixed chat answer" "$NGINX_PID" "$WORK/one.lua" "http://127.0.0.1:$STATIC_PORT/v1/chat/completions"
measure "bare Hummingbird, /healthz" "$FLOOR_PID" "$WORK/get.lua" "http://127.0.0.1:$FLOOR_PORT/healthz"
measure "triforce, /healthz" "$NODE" "$WORK/get.lua" "http://127.0.0.1:$PORT/healthz"
measure "triforce, chat completion" "$NODE" "$WORK/one.lua" "http://127.0.0.1:$PORT/v1/chat/completions"

# What an open stream costs the framework alone: bare Hummingbird's POST /v1/chat/completions
# holds each response open with one small event a second (no upstream transfer, no auth, no
# routing). Compare with bench/memory.sh's triforce figure, where each stream is also a curl
# transfer to an upstream.
rss() { awk '/VmRSS/ {print int($2/1024)}' /proc/$1/status; }
STREAMS="${FLOOR_STREAMS:-1000}"
idle=$(rss $FLOOR_PID)
C_bg python3 bench/mock_upstream.py clients $FLOOR_PORT none "$STREAMS"
CLIENTS=$!; PIDS+=($CLIENTS)
for _ in $(seq 1 150); do
    [ "$(ss -Htn state established "( sport = :$FLOOR_PORT )" | wc -l)" -ge "$STREAMS" ] && break; sleep 0.2
done
sleep 2
open=$(ss -Htn state established "( sport = :$FLOOR_PORT )" | wc -l); now=$(rss $FLOOR_PID)
echo "bare Hummingbird, $open open streams: RSS $idle -> $now MB ($(python3 -c "print(round(($now-$idle)*1024/max(1,$open)))") KB per stream)"
kill $CLIENTS 2>/dev/null || true
