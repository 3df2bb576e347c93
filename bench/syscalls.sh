#!/usr/bin/env bash
# What one non-streamed gateway request costs the node in thread hand-offs: `perf stat` of the
# node (pinned to one core) under wrk at CONNS connections, per request: CPU time (task-clock),
# context switches, futex calls (thread wake-ups), and the socket and poll syscalls.
# Usage: bench/syscalls.sh [path/to/triforce] [connections (default 1)]
#   Environment reaches the node (e.g. TRIFORCE_CONCURRENCY_POOL=swift for an A/B).
#   BASE_PORT (default 18080) moves the node; nginx listens on BASE_PORT+1.
# Loopback only; needs perf, nginx, wrk, python3, taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-.build/release/triforce}")"
CONNS="${2:-1}"
DURATION="${BENCH_DURATION:-5}"
PORT="${BASE_PORT:-18080}"; STATIC_PORT=$((PORT + 1))
. bench/lib.sh
start_static_upstream

start_chat_node
C wrk -t1 -c$CONNS -d2s -s "$WORK/one.lua" http://127.0.0.1:$PORT/v1/chat/completions > /dev/null   # warm up
EVENTS=task-clock,context-switches,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_poll
EVENTS=$EVENTS,syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_writev
EVENTS=$EVENTS,syscalls:sys_enter_sendto,syscalls:sys_enter_recvfrom,syscalls:sys_enter_connect
perf stat -e "$EVENTS" -p $NODE -o "$WORK/stat.txt" -- sleep "$DURATION" &
STAT=$!
C wrk -t1 -c$CONNS -d${DURATION}s --latency -s "$WORK/one.lua" http://127.0.0.1:$PORT/v1/chat/completions > "$WORK/load.txt"
wait $STAT
n=$(awk '/requests in/ {print $1}' "$WORK/load.txt")
echo "$CONNS connection(s), ${DURATION}s: $n requests, $(awk '/Requests\/sec/ {print $2}' "$WORK/load.txt") req/s, p50 $(lat "$WORK/load.txt" 50%), p99 $(lat "$WORK/load.txt" 99%)"
echo "per request:"
awk -v n="$n" '/^ +[0-9,.]+ +(msec +)?[a-z]/ {
    gsub(",", "", $1); value = $1; name = $2
    if ($2 == "msec") { value = $1 * 1000; name = "CPU time (us)" }
    sub("syscalls:sys_enter_", "", name)
    if (name != "seconds") printf "  %-22s %8.2f\n", name, value / n }' "$WORK/stat.txt"
