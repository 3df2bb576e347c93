#!/usr/bin/env bash
# The same load through LiteLLM (its proxy, one worker, in a throwaway venv) and through
# triforce, against the same nginx upstream, in one run; prints both and the ratios.
# Usage: bench/peers.sh [path/to/triforce]   Loopback only (pip needs PyPI once); needs
# nginx, wrk, python3 -m venv, taskset. Proxies run on CPU 1, nginx and wrk on CPU 0.
# BASE_PORT (default 18080) moves triforce, nginx on BASE_PORT+1, LiteLLM on BASE_PORT+15.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-dist/triforce}")"
DURATION="${BENCH_DURATION:-8}"
LITELLM_VERSION="${LITELLM_VERSION:-}"
PORT="${BASE_PORT:-18080}"; STATIC_PORT=$((PORT + 1))
. bench/lib.sh

start_static_upstream

echo "installing LiteLLM ${LITELLM_VERSION:-latest} into a throwaway venv..."
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "litellm[proxy]${LITELLM_VERSION:+==$LITELLM_VERSION}" > "$WORK/pip.log" 2>&1 \
    || { tail -5 "$WORK/pip.log" >&2; exit 1; }
echo "LiteLLM $("$WORK/venv/bin/pip" show litellm | awk '/^Version/ {print $2}')"

lua() { post_lua "$1" "{\"model\":\"$2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" "$3"; }  # file, model, auth
measure() {  # $1 label, $2 pid, $3 port, $4 lua: prints and sets P50 P99 RPS CPUREQ
    C wrk -t1 -c1 -d${DURATION}s --timeout 30s --latency -s "$4" "http://127.0.0.1:$3/v1/chat/completions" > "$WORK/one.txt"
    local before after requests
    before=$(awk '{print $14 + $15}' /proc/$2/stat)
    C wrk -t1 -c64 -d${DURATION}s --timeout 30s --latency -s "$4" "http://127.0.0.1:$3/v1/chat/completions" > "$WORK/many.txt"
    after=$(awk '{print $14 + $15}' /proc/$2/stat)
    requests=$(awk '/requests in/ {print $1}' "$WORK/many.txt")
    P50=$(us "$(lat "$WORK/one.txt" 50%)"); P99=$(us "$(lat "$WORK/one.txt" 99%)")
    RPS=$(awk '/Requests\/sec/ {print $2}' "$WORK/many.txt")
    CPUREQ=$(python3 -c "print(f'{($after-$before)/$TICK/max(1,$requests)*1e6:.0f}')")
    RSS=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$2/status)
    printf "%-10s 1 client p50 %8.0f us  p99 %8.0f us | 64 conns %9s req/s  CPU/request %6s us | RSS %s MB | non-2xx %s\n" \
        "$1" "$P50" "$P99" "$RPS" "$CPUREQ" "$RSS" "$(awk '/Non-2xx/ {print $4}' "$WORK/many.txt" | grep . || echo 0)"
}

# triforce
D="$WORK/node"; mkdir -p "$D"
"$BIN" init --data-dir "$D" > /dev/null 2>&1
KEY=$("$BIN" key create admin@localhost --data-dir "$D" 2>/dev/null | tail -1)
OPENAI_API_KEY=sk-bench OPENAI_BASE_URL=http://127.0.0.1:$STATIC_PORT/v1 OLLAMA_BASE_URL=http://127.0.0.1:1 \
    taskset -c $NODE_CPU "$BIN" serve --port $PORT --data-dir "$D" --log-level error 2> "$WORK/node.log" &
NODE=$!; PIDS+=($NODE)
for _ in $(seq 1 300); do
    curl -sf -H "Authorization: Bearer $KEY" http://127.0.0.1:$PORT/v1/models | grep -q '"openai/bench-model"' && break; sleep 0.1
done
lua "$WORK/tf.lua" openai/bench-model "Bearer $KEY"
measure triforce $NODE $PORT "$WORK/tf.lua"
TF=($P50 $P99 $RPS $CPUREQ)
kill $NODE

# LiteLLM: one worker, the same upstream as an OpenAI-compatible model.
cat > "$WORK/litellm.yaml" <<YAML
model_list:
  - model_name: bench-model
    litellm_params: {model: openai/bench-model, api_base: "http://127.0.0.1:$STATIC_PORT/v1", api_key: sk-bench}
general_settings: {master_key: sk-litellm-bench}
litellm_settings: {telemetry: false}
YAML
LITELLM_LOG=ERROR taskset -c $NODE_CPU "$WORK/venv/bin/litellm" --config "$WORK/litellm.yaml" --port $((PORT + 15)) --num_workers 1 \
    > "$WORK/litellm.log" 2>&1 &
LL=$!; PIDS+=($LL)
for _ in $(seq 1 600); do
    curl -sf -H "Authorization: Bearer sk-litellm-bench" http://127.0.0.1:$((PORT + 15))/v1/models > /dev/null && break; sleep 0.2
done
lua "$WORK/ll.lua" bench-model "Bearer sk-litellm-bench"
# LiteLLM's main process may fork; count the whole process group's CPU through its leader.
measure LiteLLM $LL $((PORT + 15)) "$WORK/ll.lua"
LLR=($P50 $P99 $RPS $CPUREQ)
python3 - "${TF[@]}" "${LLR[@]}" <<'PY'
import sys
t = [float(x) for x in sys.argv[1:5]]; l = [float(x) for x in sys.argv[5:9]]
if min(t[2], l[2]) <= 0:
    sys.exit("a proxy completed no request at 64 connections (overloaded machine?); ratios not printed")
print(f"LiteLLM / triforce: p50 x{l[0]/t[0]:.1f}, p99 x{l[1]/t[1]:.1f}, CPU/request x{l[3]/max(t[3],1):.1f}; "
      f"triforce serves x{t[2]/max(l[2],0.01):.1f} the requests/s")
PY
