#!/usr/bin/env bash
# Foundation benchmarks for a release build: binary size, runtime libraries, start-to-healthy,
# idle RSS, and /health throughput + latency under wrk at 1 and 64 connections.
# Usage: bench/run.sh [path/to/triforce]   (default dist/triforce; scripts/dev.sh bench builds it)
# Loopback only. Prints a markdown table for the README.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-dist/triforce}"
[ -x "$BIN" ] || { echo "no binary at $BIN: run scripts/dev.sh release" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk missing: apt-get install wrk" >&2; exit 1; }
DURATION="${BENCH_DURATION:-10}"
WORK="$(mktemp -d)"
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

size=$(stat -c %s "$BIN")
echo "binary: $BIN $((size / 1024 / 1024)) MB ($size bytes)"
echo "runtime libraries (NEEDED): $(readelf -d "$BIN" | awk '/NEEDED/ {gsub(/[][]/, "", $5); printf "%s ", $5}')"

start_node() {  # $1 data dir; sets PID and PORT
    "$BIN" serve --port 0 --data-dir "$1" --log-level notice 2> "$1.log" &
    PID=$!
    for _ in $(seq 1 500); do
        PORT=$(grep -o 'port=[0-9]*' "$1.log" 2>/dev/null | head -1 | cut -d= -f2 || true)
        [ -n "$PORT" ] && break
        sleep 0.01
    done
}

# Start to healthy: from exec to the first 200 on /health, fresh data dir each run.
python3 bench/start_to_healthy.py "$BIN" 10 > "$WORK/startup.txt"
cat "$WORK/startup.txt"

start_node "$WORK/node"
curl -sf "http://127.0.0.1:$PORT/health" > /dev/null
sleep 2
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
echo "idle RSS: $((rss_kb / 1024)) MB ($rss_kb kB)"

for conns in 1 64; do
    threads=$(( conns < 2 ? 1 : 2 ))
    wrk -t$threads -c$conns -d${DURATION}s --latency "http://127.0.0.1:$PORT/health" > "$WORK/wrk-$conns.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk-$conns.txt")
    p50=$(awk '$1 == "50%" {print $2}' "$WORK/wrk-$conns.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk-$conns.txt")
    echo "/health c=$conns: $rps req/s, p50 $p50, p99 $p99"
done
rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
echo "RSS after load: $((rss_kb / 1024)) MB"
