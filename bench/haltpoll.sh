#!/usr/bin/env bash
# What this VM's idle wake-ups cost the 1-client latency: the added latency of the issue's
# layout (node on CPU 1, nginx and wrk on CPU 0) with the guest kernel's halt polling off and
# on, alternating. A request through the gateway wakes a halted vCPU four times (wrk -> node ->
# nginx -> node -> wrk), nginx direct none; a guest that polls before it halts
# (`haltpoll.guest_halt_poll_ns`, which this VM's kernel command line sets to 0) mostly
# avoids those wake-ups. The node is the same in both columns.
# Usage: bench/haltpoll.sh [path/to/triforce]   Needs root, the haltpoll cpuidle driver, 2 CPUs.
# Restores the setting it found on exit. Loopback only; needs nginx, wrk, python3, taskset.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-dist/triforce}")"
DURATION="${BENCH_DURATION:-5}"
POLL_NS="${POLL_NS:-200000}"     # the kernel's default when the parameter is not set
KNOB=/sys/module/haltpoll/parameters/guest_halt_poll_ns
[ -w "$KNOB" ] || { echo "no writable $KNOB: needs root and the haltpoll cpuidle driver" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "needs 2 CPUs" >&2; exit 1; }
FOUND=$(cat "$KNOB")
PORT="${BASE_PORT:-18280}"; STATIC_PORT=$((PORT + 1))
. bench/lib.sh
trap 'echo "$FOUND" > "$KNOB"; cleanup' EXIT
start_static_upstream
D="$WORK/node"; mkdir -p "$D"
"$BIN" init --data-dir "$D" > /dev/null 2>&1
KEY=$("$BIN" key create admin@localhost --data-dir "$D" 2>/dev/null | tail -1)
env $(chat_provider) taskset -c $NODE_CPU "$BIN" serve --port $PORT --data-dir "$D" --log-level error 2> "$WORK/node.log" &
PIDS+=($!)
for _ in $(seq 1 300); do
    curl -sf -H "Authorization: Bearer $KEY" http://127.0.0.1:$PORT/v1/models | grep -q '"openai/bench-model"' && break; sleep 0.1
done
post_lua "$WORK/chat.lua" '{"model":"openai/bench-model","messages":[{"role":"user","content":"hi"}]}' "Bearer $KEY"
C wrk -t1 -c1 -d2s -s "$WORK/chat.lua" http://127.0.0.1:$PORT/v1/chat/completions > /dev/null   # warm
echo "1 client, node on CPU $NODE_CPU, nginx and wrk on CPU $CLIENT_CPU; $(date -u +%F)"
for poll in 0 "$POLL_NS" 0 "$POLL_NS" 0 "$POLL_NS"; do
    echo "$poll" > "$KNOB"
    C wrk -t1 -c1 -d${DURATION}s --latency -s "$WORK/chat.lua" http://127.0.0.1:$STATIC_PORT/v1/chat/completions > "$WORK/direct.txt"
    C wrk -t1 -c1 -d${DURATION}s --latency -s "$WORK/chat.lua" http://127.0.0.1:$PORT/v1/chat/completions > "$WORK/gateway.txt"
    printf "halt polling %-7s nginx direct p50 %-9s p99 %-9s gateway p50 %-9s p99 %-9s added p50 %s us\n" "${poll}ns" \
        "$(lat "$WORK/direct.txt" 50%)" "$(lat "$WORK/direct.txt" 99%)" "$(lat "$WORK/gateway.txt" 50%)" "$(lat "$WORK/gateway.txt" 99%)" \
        "$(python3 -c "print(f'{$(us "$(lat "$WORK/gateway.txt" 50%)")-$(us "$(lat "$WORK/direct.txt" 50%)"):.0f}')")"
done
