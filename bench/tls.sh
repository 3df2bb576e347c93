#!/usr/bin/env bash
# TLS benchmarks on one run of one binary: full handshakes per second on the mTLS mesh port
# (openssl s_time -new: a fresh handshake per connection, client certificate presented) and
# on the HTTPS API port, plus HTTPS requests/s against plain HTTP requests/s on /healthz.
# Two nodes share one CA: node A serves HTTPS (+ the mesh port), node B plain HTTP, so both
# figures come from the same binary, machine and moment.
# Usage: bench/tls.sh [path/to/triforce]   (default dist/triforce, else .build/release, else .build/debug)
# Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-}"
for candidate in "$BIN" dist/triforce .build/release/triforce .build/debug/triforce; do
    [ -n "$candidate" ] && [ -x "$candidate" ] && { BIN="$candidate"; break; }
done
[ -x "$BIN" ] || { echo "no triforce binary: swift build -c release" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 1; }
DURATION="${BENCH_DURATION:-10}"
CONNS="${BENCH_CONNECTIONS:-64}"
WORK="$(mktemp -d)"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

port_from_log() {  # $1 log, $2 pattern ("triforce: listening" or "mesh listening")
    for _ in $(seq 1 1000); do
        p=$(grep "$2" "$1" 2>/dev/null | grep -o 'port=[0-9]*' | head -1 | cut -d= -f2 || true)
        [ -n "$p" ] && { echo "$p"; return; }
        sleep 0.01
    done
    echo "node did not start: $(cat "$1")" >&2; exit 1
}

A="$WORK/a"; B="$WORK/b"; mkdir -p "$A" "$B"
"$BIN" ca init --data-dir "$A" > /dev/null 2>&1
"$BIN" ca issue bench --out "$WORK/client" --data-dir "$A" > /dev/null 2>&1
CA="$A/ca/ca.crt"

"$BIN" serve --port 0 --mesh-port 0 --data-dir "$A" --log-level notice \
    --tls-cert "$A/node.crt" --tls-key "$A/node.key" 2> "$A.log" & PIDS+=($!)
"$BIN" serve --port 0 --data-dir "$B" --log-level notice 2> "$B.log" & PIDS+=($!)
HTTPS_PORT=$(port_from_log "$A.log" "triforce: listening")
MESH_PORT=$(port_from_log "$A.log" "mesh listening")
HTTP_PORT=$(port_from_log "$B.log" "triforce: listening")
curl -sf --cacert "$CA" "https://127.0.0.1:$HTTPS_PORT/healthz" > /dev/null
curl -sf "http://127.0.0.1:$HTTP_PORT/healthz" > /dev/null

echo "binary: $BIN   duration: ${DURATION}s per figure   cpus: $(nproc)"

handshakes() {  # $1 port, extra args...; prints connections/s from s_time's "N connections in Ts" line
    local port=$1; shift
    openssl s_time -connect "127.0.0.1:$port" -CAfile "$CA" -new -time "$DURATION" "$@" 2>/dev/null \
        | awk '/connections in [0-9.]+s;/ { n=$1; t=$4; sub("s;","",t); printf "%.0f", n/t; exit }'
}
mesh_hs=$(handshakes "$MESH_PORT" -cert "$WORK/client/bench.crt" -key "$WORK/client/bench.key")
api_hs=$(handshakes "$HTTPS_PORT")
echo "handshakes/s (1 client, sequential, full handshake, ECDHE-ECDSA P-256):"
echo "  mesh port (mTLS, client cert + revocation hook): ${mesh_hs:-?}"
echo "  HTTPS API port (server auth only):               ${api_hs:-?}"

rps() {  # $1 url; wrk does not verify certificates, fine for throughput
    wrk -t2 -c"$CONNS" -d"${DURATION}s" "$1" | awk '/Requests\/sec/ { printf "%.0f", $2 }'
}
https_rps=$(rps "https://127.0.0.1:$HTTPS_PORT/healthz")
http_rps=$(rps "http://127.0.0.1:$HTTP_PORT/healthz")
echo "requests/s on /healthz, wrk ${CONNS} keep-alive connections:"
echo "  plain HTTP: $http_rps"
echo "  HTTPS:      $https_rps   ($(awk -v a="$https_rps" -v b="$http_rps" 'BEGIN { printf "%.0f", 100*a/b }')% of plain HTTP)"
