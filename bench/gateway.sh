#!/usr/bin/env bash
# Gateway benchmarks against a fast local mock upstream (nginx speaking the OpenAI wire format):
#   added latency p50/p99 at 1 client (through triforce vs the mock directly),
#   requests/s at 64 connections through the gateway,
#   CPU microseconds per streamed chunk (a 2,000-chunk SSE stream relayed end to end),
#   RSS with 1,000 concurrent open streams (a slow asyncio upstream holds them open).
# Usage: bench/gateway.sh [path/to/triforce]   Loopback only; needs nginx, wrk, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-dist/triforce}")"
DURATION="${BENCH_DURATION:-8}"
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; nginx -p "$WORK" -c nginx.conf -s stop 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

python3 bench/mock_upstream.py write-static "$WORK"          # chat.json, stream.txt, models.json
chmod -R a+rX "$WORK"                                        # nginx workers run unprivileged
# nginx serves fixed OpenAI-format answers; `error_page 405 =200` lets it answer POST from a file.
cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1; daemon on; error_log $WORK/nginx.err; pid $WORK/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/body;
  server {
    listen 127.0.0.1:18081;
    location = /v1/models { default_type application/json; alias $WORK/models.json; }
    location = /v1/chat/completions { error_page 405 =200 \$uri; default_type application/json; alias $WORK/chat.json; }
    location = /stream/v1/models { default_type application/json; alias $WORK/models.json; }
    location = /stream/v1/chat/completions { error_page 405 =200 \$uri; default_type text/event-stream; alias $WORK/stream.txt; }
  }
}
NGINX
nginx -p "$WORK" -c nginx.conf

python3 bench/mock_upstream.py slow 18082 &                  # holds streams open
PIDS+=($!)

D="$WORK/node"; mkdir -p "$D"
"$BIN" init --data-dir "$D" > /dev/null 2>&1
KEY=$("$BIN" key create admin@localhost --data-dir "$D" 2>/dev/null | tail -1)
OPENAI_API_KEY=sk-bench OPENAI_BASE_URL=http://127.0.0.1:18081/v1 \
MISTRAL_API_KEY=sk-bench MISTRAL_BASE_URL=http://127.0.0.1:18081/stream/v1 \
GROQ_API_KEY=sk-bench GROQ_BASE_URL=http://127.0.0.1:18082/v1 OLLAMA_BASE_URL=http://127.0.0.1:1 \
    "$BIN" serve --port 18080 --data-dir "$D" --log-level error 2> "$WORK/node.log" &
NODE=$!; PIDS+=($NODE)
for _ in $(seq 1 300); do
    curl -sf -H "Authorization: Bearer $KEY" http://127.0.0.1:18080/v1/models | grep -q '"openai/bench-model"' && break; sleep 0.1
done

echo "idle RSS after discovery: $(awk '/VmRSS/ {print int($2/1024)}' /proc/$NODE/status) MB"
BODY='{"model":"openai/bench-model","messages":[{"role":"user","content":"hi"}]}'
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
lat() { awk -v q="$2" '$1 == q {print $2}' "$1"; }
wrk -t1 -c1 -d${DURATION}s --latency -s "$WORK/post.lua" http://127.0.0.1:18081/v1/chat/completions > "$WORK/direct.txt"
wrk -t1 -c1 -d${DURATION}s --latency -s "$WORK/post.lua" http://127.0.0.1:18080/v1/chat/completions > "$WORK/gw1.txt"
wrk -t2 -c64 -d${DURATION}s --latency -s "$WORK/post.lua" http://127.0.0.1:18080/v1/chat/completions > "$WORK/gw64.txt"
echo "mock direct, 1 client:   p50 $(lat "$WORK/direct.txt" 50%)  p99 $(lat "$WORK/direct.txt" 99%)"
echo "through gateway, 1 client: p50 $(lat "$WORK/gw1.txt" 50%)  p99 $(lat "$WORK/gw1.txt" 99%)  ($(awk '/Requests\/sec/ {print $2}' "$WORK/gw1.txt") req/s)"
echo "through gateway, 64 conns: $(awk '/Requests\/sec/ {print $2}' "$WORK/gw64.txt") req/s, p99 $(lat "$WORK/gw64.txt" 99%), non-2xx: $(awk '/Non-2xx/ {print $4}' "$WORK/gw64.txt")"

# CPU per streamed chunk: relay 20 streams of 2,000 chunks, read the node's CPU time around it.
cpu() { awk '{print $14 + $15}' /proc/$NODE/stat; }
TICK=$(getconf CLK_TCK)
before=$(cpu)
for _ in $(seq 1 20); do
    curl -sN -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
        -d '{"model":"mistral/bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]}' \
        http://127.0.0.1:18080/v1/chat/completions > "$WORK/stream.out"
done
after=$(cpu)
chunks=$(grep -c '^data: {' "$WORK/stream.out")
echo "streamed: $chunks chunks per stream; CPU per chunk: $(python3 -c "print(f'{($after-$before)/$TICK/(20*$chunks)*1e6:.1f} us')")"

# 1,000 concurrent open streams from the slow upstream.
python3 bench/mock_upstream.py clients 18080 "$KEY" 1000 &
CLIENTS=$!; PIDS+=($CLIENTS)
sleep 12
echo "RSS with $(ss -Htn state established '( sport = :18080 )' | wc -l) client connections open: $(awk '/VmRSS/ {print int($2/1024)}' /proc/$NODE/status) MB"
kill $CLIENTS 2>/dev/null || true
