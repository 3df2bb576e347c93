#!/usr/bin/env bash
# Gateway benchmarks against nginx serving fixed OpenAI-format answers, all in one run:
#   added latency p50/p99 at 1 client (gateway minus nginx direct), in the issue's layout and
#   in two layouts where both paths cross CPUs equally often,
#   req/s and CPU per request at 64 connections with the node pinned to one core,
#   the same with a 1-model and a 1,000-model registry, explicit model and "auto",
#   CPU per streamed chunk, RSS with 1,000 open streams, idle RSS.
# Usage: bench/gateway.sh [path/to/triforce]   Loopback only; needs nginx, wrk, python3, taskset.
# BASE_PORT (default 18080) moves the node; nginx BASE_PORT+1, the slow upstream BASE_PORT+2.
# The node runs on CPU 1; nginx, wrk and the helpers on CPU 0 (both on CPU 0 with one core).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-dist/triforce}")"
DURATION="${BENCH_DURATION:-8}"
PORT="${BASE_PORT:-18080}"; STATIC_PORT=$((PORT + 1)); SLOW_PORT=$((PORT + 2))
. bench/lib.sh

start_static_upstream

C_bg python3 bench/mock_upstream.py slow $SLOW_PORT                # holds streams open
PIDS+=($!)

cpu() { awk '{print $14 + $15}' /proc/$NODE/stat; }

start_node() {  # $1 name, $2 OpenAI base path ("" or /big): sets NODE, KEY, D
    D="$WORK/$1"; mkdir -p "$D"
    "$BIN" init --data-dir "$D" > /dev/null 2>&1
    KEY=$("$BIN" key create admin@localhost --data-dir "$D" 2>/dev/null | tail -1)
    env $(bench_providers "$2") taskset -c $NODE_CPU "$BIN" serve --port $PORT --data-dir "$D" --log-level error 2> "$WORK/$1.log" &
    NODE=$!; PIDS+=($NODE)
    for _ in $(seq 1 300); do
        curl -sf -H "Authorization: Bearer $KEY" http://127.0.0.1:$PORT/v1/models | grep -q '"openai/bench-model"' && break; sleep 0.1
    done
    route_lua explicit '{"model":"openai/bench-model","messages":[{"role":"user","content":"hi"}]}'
    route_lua auto '{"model":"auto","messages":[{"role":"user","content":"hi"}]}'
    # auto needs a route naming the bench model (the defaults name real vendors' models).
    "$BIN" route set general openai/bench-model --data-dir "$D" > /dev/null
    sleep 1
}
route_lua() { post_lua "$WORK/$1.lua" "$2" "Bearer $KEY"; }
load64() {  # $1 lua name, $2 label: req/s and CPU per request of the node at 64 connections
    local before after requests
    before=$(cpu)
    C wrk -t1 -c64 -d${DURATION}s --latency -s "$WORK/$1.lua" http://127.0.0.1:$PORT/v1/chat/completions > "$WORK/load.txt"
    after=$(cpu)
    requests=$(awk '/requests in/ {print $1}' "$WORK/load.txt")
    printf "%-40s %9s req/s  p99 %-8s CPU/request %s us  non-2xx %s\n" "$2" "$(awk '/Requests\/sec/ {print $2}' "$WORK/load.txt")" \
        "$(lat "$WORK/load.txt" 99%)" "$(python3 -c "print(f'{($after-$before)/$TICK/max(1,$requests)*1e6:.0f}')")" \
        "$(awk '/Non-2xx/ {print $4}' "$WORK/load.txt" | grep . || echo 0)"
}

echo "machine: $(nproc) CPUs, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs); node on CPU $NODE_CPU; $(date -u +%F)"
start_node one ""
echo "idle RSS after discovery (1-model registry): $(awk '/VmRSS/ {print int($2/1024)}' /proc/$NODE/status) MB"
latency1() {  # $1 layout: p50/p99 at one client, nginx direct and through the gateway, and the difference
    C wrk -t1 -c1 -d${DURATION}s --latency -s "$WORK/explicit.lua" http://127.0.0.1:$STATIC_PORT/v1/chat/completions > "$WORK/direct.txt"
    C wrk -t1 -c1 -d${DURATION}s --latency -s "$WORK/explicit.lua" http://127.0.0.1:$PORT/v1/chat/completions > "$WORK/gw1.txt"
    local dp50 dp99 gp50 gp99
    dp50=$(us "$(lat "$WORK/direct.txt" 50%)"); dp99=$(us "$(lat "$WORK/direct.txt" 99%)")
    gp50=$(us "$(lat "$WORK/gw1.txt" 50%)"); gp99=$(us "$(lat "$WORK/gw1.txt" 99%)")
    echo "1 client, $1:"
    echo "  nginx direct:    p50 $(lat "$WORK/direct.txt" 50%)  p99 $(lat "$WORK/direct.txt" 99%)"
    echo "  through gateway: p50 $(lat "$WORK/gw1.txt" 50%)  p99 $(lat "$WORK/gw1.txt" 99%)"
    echo "  added latency:   p50 $(python3 -c "print(f'{$gp50-$dp50:.0f} us')")  p99 $(python3 -c "print(f'{$gp99-$dp99:.0f} us')")"
}
NGINX_WORKER=$(pgrep -P "$(cat "$WORK/nginx.pid")" | head -1)
latency1 "node on CPU $NODE_CPU, nginx and wrk on CPU $CLIENT_CPU (the issue's layout)"
if [ "$NODE_CPU" != "$CLIENT_CPU" ]; then
    # The same request like for like. In the layout above nginx direct crosses no CPU, while a
    # request through the gateway crosses four times (wrk -> node -> nginx -> node -> wrk), and
    # waking a halted vCPU costs this VM ~25 us each (nginx direct from the other CPU: 14 -> 64
    # us). With nginx beside the node both paths cross twice; with everything on one CPU, never.
    # bench/haltpoll.sh measures the issue's layout with the guest's halt polling on and off.
    taskset -pc $NODE_CPU "$NGINX_WORKER" > /dev/null
    latency1 "nginx beside the node on CPU $NODE_CPU, wrk on CPU $CLIENT_CPU (both paths cross CPUs twice)"
    taskset -a -pc $CLIENT_CPU $NODE > /dev/null; taskset -pc $CLIENT_CPU "$NGINX_WORKER" > /dev/null
    latency1 "node, nginx and wrk all on CPU $CLIENT_CPU (no path crosses CPUs)"
    taskset -a -pc $NODE_CPU $NODE > /dev/null; taskset -pc $CLIENT_CPU "$NGINX_WORKER" > /dev/null
fi
C wrk -t1 -c64 -d${DURATION}s --latency -s "$WORK/explicit.lua" http://127.0.0.1:$STATIC_PORT/v1/chat/completions > "$WORK/direct64.txt"
echo "nginx direct, 64 conns:    $(awk '/Requests\/sec/ {print $2}' "$WORK/direct64.txt") req/s"
load64 explicit "gateway, 64 conns, 1-model, explicit"
load64 auto "gateway, 64 conns, 1-model, auto"

# CPU per streamed chunk: relay 20 streams of 2,000 chunks, read the node's CPU time around it.
before=$(cpu)
for _ in $(seq 1 20); do
    C curl -sN -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d '{"model":"mistral/bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]}' \
        http://127.0.0.1:$PORT/v1/chat/completions > "$WORK/stream.out"
done
after=$(cpu)
chunks=$(grep -o 'data: {' "$WORK/stream.out" | wc -l)
echo "streamed: $chunks chunks per stream; CPU per chunk: $(python3 -c "print(f'{($after-$before)/$TICK/(20*$chunks)*1e6:.1f} us')")"

# 1,000 concurrent open streams from the slow upstream.
C_bg python3 bench/mock_upstream.py clients $PORT "$KEY" 1000
CLIENTS=$!; PIDS+=($CLIENTS)
for _ in $(seq 1 100); do
    [ "$(ss -Htn state established "( sport = :$PORT )" | wc -l)" -ge 1000 ] && break; sleep 0.2
done
sleep 2
echo "RSS with $(ss -Htn state established "( sport = :$PORT )" | wc -l) client connections open: $(awk '/VmRSS/ {print int($2/1024)}' /proc/$NODE/status) MB"
# The burst leaves free memory inside malloc's heap until HeapTrimService's next 5 s tick
# (README, round 12): the steady figure is the one after it.
sleep 6
echo "  8 s after all connected (the heap trim has had its tick): $(awk '/VmRSS/ {print int($2/1024)}' /proc/$NODE/status) MB"
kill $CLIENTS 2>/dev/null || true
kill $NODE; wait $NODE 2>/dev/null || true
sleep 1

start_node big /big
echo "registry: $(curl -s -H "Authorization: Bearer $KEY" http://127.0.0.1:$PORT/v1/models | grep -o '"id"' | wc -l) models"
load64 explicit "gateway, 64 conns, 1,000-model, explicit"
load64 auto "gateway, 64 conns, 1,000-model, auto"
