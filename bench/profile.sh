#!/usr/bin/env bash
# Where the node's CPU goes under bench/gateway.sh's 64-connection load: `perf record -g` of
# the node while wrk drives non-streamed chat completions against nginx's fixed answers, then
# the top symbols (self and children) and the node's CPU time per request.
# Usage: bench/profile.sh [path/to/unstripped/triforce] [explicit|auto|stream|mcp-list|mcp-status|healthz]
#   healthz: GET /healthz at 64 connections, the fixed cost of any request (HTTP, middleware).
#   BENCH_DURATION (default 8) seconds of load; PERF_CALLGRAPH (default fp; "dwarf" for
#   binaries without frame pointers); BENCH_CONNS overrides the mode's connection count;
#   BENCH_BIG_REGISTRY=1 discovers 1,000 models instead of one. Writes perf.data and report.txt to $PROFILE_OUT
#   (default /tmp/triforce-profile). BASE_PORT (default 18080) moves the node, nginx on BASE_PORT+1.
#   Loopback only; needs perf, nginx, wrk, python3, taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-.build/release/triforce}")"
MODE="${2:-explicit}"
DURATION="${BENCH_DURATION:-8}"
OUT="${PROFILE_OUT:-/tmp/triforce-profile}"
mkdir -p "$OUT"
PORT="${BASE_PORT:-18080}"; STATIC_PORT=$((PORT + 1))
. bench/lib.sh
start_static_upstream

D="$WORK/node"; mkdir -p "$D"
"$BIN" init --data-dir "$D" > /dev/null 2>&1
KEY=$("$BIN" key create admin@localhost --data-dir "$D" 2>/dev/null | tail -1)
OPENAI_API_KEY=sk-bench OPENAI_BASE_URL=http://127.0.0.1:$STATIC_PORT${BENCH_BIG_REGISTRY:+/big}/v1 \
MISTRAL_API_KEY=sk-bench MISTRAL_BASE_URL=http://127.0.0.1:$STATIC_PORT/stream/v1 OLLAMA_BASE_URL=http://127.0.0.1:1 \
    taskset -c $NODE_CPU "$BIN" serve --port $PORT --data-dir "$D" --log-level error 2> "$WORK/node.log" &
NODE=$!; PIDS+=($NODE)
for _ in $(seq 1 300); do
    curl -sf -H "Authorization: Bearer $KEY" http://127.0.0.1:$PORT/v1/models | grep -q '"openai/bench-model"' && break; sleep 0.1
done
"$BIN" route set general openai/bench-model --data-dir "$D" > /dev/null
sleep 1

PATH_="/v1/chat/completions"; CONNS=64; ACCEPT=""
case "$MODE" in
    explicit) BODY='{"model":"openai/bench-model","messages":[{"role":"user","content":"hi"}]}' ;;
    auto) BODY='{"model":"auto","messages":[{"role":"user","content":"hi"}]}' ;;
    stream) BODY='{"model":"mistral/bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]}'; CONNS=16 ;;
    mcp-list) BODY='{"jsonrpc":"2.0","id":1,"method":"tools/list"}'; PATH_=/v1/mcp; CONNS=1; ACCEPT='application/json, text/event-stream' ;;
    mcp-status) BODY='{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"status","arguments":{}}}'; PATH_=/v1/mcp; CONNS=1; ACCEPT='application/json, text/event-stream' ;;
    healthz) BODY=''; PATH_=/healthz ;;
    *) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
CONNS="${BENCH_CONNS:-$CONNS}"   # e.g. BENCH_CONNS=1: where a lone client's request spends its CPU
if [ -n "$BODY" ]; then post_lua "$WORK/load.lua" "$BODY" "Bearer $KEY" "$ACCEPT"; else echo 'wrk.method = "GET"' > "$WORK/load.lua"; fi
# Warm up (connection pools, snapshots), then record exactly the measured window.
C wrk -t1 -c$CONNS -d2s -s "$WORK/load.lua" "http://127.0.0.1:$PORT$PATH_" > /dev/null
cpu() { awk '{print $14 + $15}' /proc/$NODE/stat; }
before=$(cpu)
perf record -F 999 -g --call-graph "${PERF_CALLGRAPH:-fp}" -p $NODE -o "$OUT/perf.data" -- sleep "$DURATION" 2> /dev/null &
PERF=$!
C wrk -t1 -c$CONNS -d${DURATION}s --latency -s "$WORK/load.lua" "http://127.0.0.1:$PORT$PATH_" > "$WORK/load.txt"
wait $PERF || true
after=$(cpu)
requests=$(awk '/requests in/ {print $1}' "$WORK/load.txt")
echo "mode $MODE, $CONNS connections, ${DURATION}s: $(awk '/Requests\/sec/ {print $2}' "$WORK/load.txt") req/s, p50 $(lat "$WORK/load.txt" 50%), p99 $(lat "$WORK/load.txt" 99%), non-2xx $(awk '/Non-2xx/ {print $4}' "$WORK/load.txt" | grep . || echo 0)"
echo "node CPU per request: $(python3 -c "print(f'{($after-$before)/$TICK/max(1,$requests)*1e6:.0f} us')")"
perf report -i "$OUT/perf.data" --no-children --sort symbol --stdio --percent-limit 0.7 2> /dev/null | grep -v '^$' | grep -v '^#' \
    | grep -E '^ +[0-9]' | head -40 > "$OUT/report.txt" || true
echo "top symbols (self):"; cat "$OUT/report.txt"
perf report -i "$OUT/perf.data" --children --sort symbol --stdio --percent-limit 3 -g none 2> /dev/null | grep -E '^ +[0-9]' | head -40 > "$OUT/children.txt" || true
echo "top symbols (with children): $OUT/children.txt"
