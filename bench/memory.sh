#!/usr/bin/env bash
# Where the node's memory goes: idle RSS after discovery, then RSS with N streaming clients
# held open against the slow upstream (each one an upstream transfer too) 3 s after all
# connected and again 8 s later (the node's heap trim has had its chance), the cost per open
# stream, the node's thread count and its smaps_rollup, and RSS once the clients are gone
# (2 s after, and 10 s after: by then the node has trimmed malloc's heap).
# Usage: bench/memory.sh [path/to/triforce] [streams (default 1000)]
#   WAVES (default 1): open and close that many rounds of streams; RSS that keeps growing
#   from wave to wave is a leak, RSS that stays is memory malloc keeps for reuse.
#   Environment given to this script reaches the node (e.g. MALLOC_ARENA_MAX=2 for an A/B).
#   PROMPT_BYTES=n: each client sends an n-byte prompt (what a stream holds of its request).
#   KEEPALIVE=n: then n streamed answers one after another on one keep-alive connection.
#   MALLOC_STATS=1: with the streams open, glibc's bytes in use and heap size (needs gdb).
# Loopback only; needs nginx, python3, ss, taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-dist/triforce}")"
STREAMS="${2:-1000}"
BASE_PORT="${BASE_PORT:-18080}"    # the node; nginx BASE_PORT+1, the slow upstream BASE_PORT+2
PORT=$BASE_PORT; STATIC_PORT=$((BASE_PORT + 1)); SLOW_PORT=$((BASE_PORT + 2))
. bench/lib.sh
start_static_upstream
C_bg python3 bench/mock_upstream.py slow $SLOW_PORT                # holds streams open
PIDS+=($!)

D="$WORK/node"; mkdir -p "$D"
"$BIN" init --data-dir "$D" > /dev/null 2>&1
KEY=$("$BIN" key create admin@localhost --data-dir "$D" 2>/dev/null | tail -1)
env $(bench_providers) taskset -c $NODE_CPU "$BIN" serve --port $PORT --data-dir "$D" --log-level "${LOG_LEVEL:-error}" 2> "$WORK/node.log" &
NODE=$!; PIDS+=($NODE)
for _ in $(seq 1 300); do
    curl -sf -H "Authorization: Bearer $KEY" http://127.0.0.1:$PORT/v1/models | grep -q '"groq/slow-model"' && break; sleep 0.1
done
sleep 1
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$NODE/status; }
rss() { echo $(( $(rss_kb) / 1024 )); }
rollup() { awk '/^(Rss|Anonymous|Private_Dirty|Shared_Clean|Private_Clean):/ {printf "%s %d MB  ", $1, $2/1024}' /proc/$NODE/smaps_rollup; echo; }
open_streams() { ss -Htn state established "( sport = :$PORT )" | wc -l; }

idle_kb=$(rss_kb); idle=$((idle_kb / 1024))
echo "idle RSS after discovery: $idle MB ($idle_kb kB), threads $(ls /proc/$NODE/task | wc -l)"
echo "  smaps: $(rollup)"
for wave in $(seq 1 "${WAVES:-1}"); do
C_bg python3 bench/mock_upstream.py clients $PORT "$KEY" "$STREAMS"
CLIENTS=$!; PIDS+=($CLIENTS)
for _ in $(seq 1 150); do [ "$(open_streams)" -ge "$STREAMS" ] && break; sleep 0.2; done
sleep 3   # every stream has its first chunks through
open=$(open_streams); loaded_kb=$(rss_kb); loaded=$((loaded_kb / 1024))
echo "wave $wave: RSS with $open streams open: $loaded MB ($loaded_kb kB, $(python3 -c "print(f'{($loaded_kb-$idle_kb)/max(1,$open):.1f}')") KB per stream over idle), threads $(ls /proc/$NODE/task | wc -l)"
echo "  smaps: $(rollup)"
if [ "${MALLOC_STATS:-0}" = 1 ]; then
    # glibc's own view (gdb calls malloc_stats in the node; it prints to the node's stderr):
    # bytes in use by live allocations against the heap's size; the difference is free memory
    # inside the heap, resident where it was touched.
    gdb -p "$NODE" -batch -ex 'call (void) malloc_stats()' > /dev/null 2>&1 || true
    for _ in $(seq 1 20); do grep -q '^Total' "$WORK/node.log" && break; sleep 0.1; done
    echo "  malloc: $(grep -A2 '^Total' "$WORK/node.log" | tail -2 | tr -s ' ' | tr '\n' ' ')"
fi
sleep 8   # still open: HeapTrimService (every 5 s) trims if the burst left enough free
echo "wave $wave: RSS with $(open_streams) streams open, 11 s after all connected: $(rss) MB ($(python3 -c "print(f'{($(rss)-$idle)*1024/max(1,$open):.0f}')") KB per stream over idle)"
kill $CLIENTS 2>/dev/null || true
for _ in $(seq 1 100); do [ "$(open_streams)" -eq 0 ] && break; sleep 0.2; done
sleep 2; early=$(rss)
sleep 8   # the node trims malloc's heap within 5 s of going quiet (HeapTrimService)
echo "wave $wave: RSS after the streams closed: $early MB after 2 s, $(rss) MB after 10 s; upstream connections still open: $(ss -Htn state established "( dport = :$SLOW_PORT )" | wc -l)"
echo "  smaps: $(rollup)"
done
if [ "${KEEPALIVE:-0}" -gt 0 ]; then
    # Many streamed answers (2,000 events each) on one connection: what a request leaves
    # behind until its connection closes shows up as growth while it stays open.
    read -r first last < <(C python3 bench/mock_upstream.py keepalive $PORT "$KEY" "$KEEPALIVE" mistral/bench-model $NODE)
    echo "keep-alive: $KEEPALIVE streamed answers on one connection: RSS $first MB after the first, $last MB after the last"
fi
grep -h "heap trimmed" "$WORK/node.log" | tail -5 || true
