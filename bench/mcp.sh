#!/usr/bin/env bash
# MCP latency at one client with keep-alive: tools/list and tools/call status, p50/p99,
# next to /healthz on the same kind of connection. Usage: bench/mcp.sh [path/to/triforce]
# Loopback only; needs wrk. The node is pinned to CPU 1, wrk to CPU 0 (when there are two).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-dist/triforce}")"
DURATION="${BENCH_DURATION:-8}"
PORT="${BASE_PORT:-18090}"   # BASE_PORT moves the node
. bench/lib.sh

D="$WORK/node"; mkdir -p "$D"
"$BIN" init --data-dir "$D" > /dev/null 2>&1
KEY=$("$BIN" key create admin@localhost --data-dir "$D" 2>/dev/null | tail -1)
OLLAMA_BASE_URL=http://127.0.0.1:1 taskset -c $NODE_CPU "$BIN" serve --port $PORT --data-dir "$D" --log-level error 2> "$WORK/node.log" &
NODE=$!; PIDS+=($NODE)
for _ in $(seq 1 300); do curl -sf http://127.0.0.1:$PORT/healthz > /dev/null && break; sleep 0.05; done

post() { post_lua "$WORK/$1.lua" "$2" "Bearer $KEY" "application/json, text/event-stream"; }  # name, JSON body
post list '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'
post status '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"status","arguments":{}}}'
run() {  # $1 label, $2 lua or "", $3 path
    local script=(); [ -n "$2" ] && script=(-s "$WORK/$2.lua")
    taskset -c $CLIENT_CPU wrk -t1 -c1 -d${DURATION}s --latency "${script[@]}" "http://127.0.0.1:$PORT$3" > "$WORK/out.txt"
    printf "%-22s p50 %-9s p99 %-9s %s req/s\n" "$1" "$(lat "$WORK/out.txt" 50%)" "$(lat "$WORK/out.txt" 99%)" \
        "$(awk '/Requests\/sec/ {print $2}' "$WORK/out.txt")"
}
curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' http://127.0.0.1:$PORT/v1/mcp | grep -q '"tools"' \
    || { echo "tools/list did not answer" >&2; exit 1; }
run "/healthz" "" /healthz
run "tools/list" list /v1/mcp
run "tools/call status" status /v1/mcp
