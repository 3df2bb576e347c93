# Shared by bench/gateway.sh and bench/peers.sh: a work dir, CPU pinning, process cleanup, wrk
# output helpers, and nginx serving fixed OpenAI-format answers on 127.0.0.1:18081.
# Source it after `cd` to the repo root.
WORK="$(mktemp -d)"
PIDS=()
NODE_CPU=1; CLIENT_CPU=0; [ "$(nproc)" -lt 2 ] && NODE_CPU=0
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; nginx -p "$WORK" -c nginx.conf -s stop 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
C() { taskset -c $CLIENT_CPU "$@"; }
# In the background, on the client CPU, with $! the process itself: taskset execs the command,
# whereas `C cmd &` forks a subshell whose pid is $!, and killing that leaves the command running.
C_bg() { taskset -c $CLIENT_CPU "$@" & }
lat() { awk -v q="$2" '$1 == q {print $2}' "$1"; }   # a wrk --latency percentile, e.g. "54.00us"
us() { python3 -c "import sys; v=sys.argv[1]; m={'us':1,'ms':1000,'s':1e6}; u=v.lstrip('0123456789.'); print(float(v[:len(v)-len(u)])*m[u])" "$1"; }
TICK=$(getconf CLK_TCK)

STATIC_PORT="${STATIC_PORT:-18081}"   # nginx's port (memory.sh moves it with BASE_PORT)
start_static_upstream() {
    python3 bench/mock_upstream.py write-static "$WORK"          # chat.json, stream.txt, models.json, models1000.json
    chmod -R a+rX "$WORK"                                        # nginx workers run unprivileged
    # nginx serves fixed OpenAI-format answers; `error_page 405 =200` lets it answer POST from a file.
    cat > "$WORK/nginx.conf" <<NGINX
worker_processes 1; daemon on; error_log $WORK/nginx.err; pid $WORK/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/body;
  server {
    listen 127.0.0.1:$STATIC_PORT;
    location = /v1/models { default_type application/json; alias $WORK/models.json; }
    location = /v1/chat/completions { error_page 405 =200 \$uri; default_type application/json; alias $WORK/chat.json; }
    location = /big/v1/models { default_type application/json; alias $WORK/models1000.json; }
    location = /big/v1/chat/completions { error_page 405 =200 \$uri; default_type application/json; alias $WORK/chat.json; }
    location = /stream/v1/models { default_type application/json; alias $WORK/models.json; }
    location = /stream/v1/chat/completions { error_page 405 =200 \$uri; default_type text/event-stream; alias $WORK/stream.txt; }
  }
}
NGINX
    C nginx -p "$WORK" -c nginx.conf
}

# The providers a bench node talks to, as assignments for `env`: OpenAI on nginx's fixed answers
# ($1: a path prefix, e.g. /big for the 1,000-model list), Mistral on nginx's 2,000-chunk stream,
# Groq on the slow upstream at SLOW_PORT that holds streams open, Ollama on a closed port.
# The one-provider node of start_chat_node and instructions.sh: nginx's fixed answers as "openai".
chat_provider() {
    echo "OPENAI_API_KEY=sk-bench OPENAI_BASE_URL=http://127.0.0.1:$STATIC_PORT/v1 OLLAMA_BASE_URL=http://127.0.0.1:1"
}

bench_providers() {
    echo "OPENAI_API_KEY=sk-bench OPENAI_BASE_URL=http://127.0.0.1:$STATIC_PORT${1:-}/v1" \
         "MISTRAL_API_KEY=sk-bench MISTRAL_BASE_URL=http://127.0.0.1:$STATIC_PORT/stream/v1" \
         "GROQ_API_KEY=sk-bench GROQ_BASE_URL=http://127.0.0.1:$SLOW_PORT/v1 OLLAMA_BASE_URL=http://127.0.0.1:1"
}

# A wrk script at $1 posting the JSON body $2 with the Authorization header $3 (and an Accept
# header $4 when given).
post_lua() {
    cat > "$1" <<LUA
wrk.method = "POST"
wrk.body = '$2'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "$3"
LUA
    if [ -n "${4:-}" ]; then echo "wrk.headers[\"Accept\"] = \"$4\"" >> "$1"; fi
}

# A node with one OpenAI-compatible provider (nginx's fixed answers), pinned to NODE_CPU, on
# port $PORT (default 18080), up once discovery lists the bench model; and $WORK/one.lua, a wrk
# script posting one non-streamed chat completion with the node's admin key. Sets D, KEY, NODE.
start_chat_node() {
    local port="${PORT:-18080}"
    D="$WORK/node"; mkdir -p "$D"
    "$BIN" init --data-dir "$D" > /dev/null 2>&1
    KEY=$("$BIN" key create admin@localhost --data-dir "$D" 2>/dev/null | tail -1)
    env $(chat_provider) taskset -c $NODE_CPU "$BIN" serve --port "$port" --data-dir "$D" --log-level error 2> "$WORK/node.log" &
    NODE=$!; PIDS+=($NODE)
    for _ in $(seq 1 300); do
        curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$port/v1/models" | grep -q '"openai/bench-model"' && break; sleep 0.1
    done
    post_lua "$WORK/one.lua" '{"model":"openai/bench-model","messages":[{"role":"user","content":"hi"}]}' "Bearer $KEY"
}
