#!/usr/bin/env bash
# Who holds the node's heap, and whether glibc keeps what was freed. Runs the node under
# heaptrack (preloaded into the node itself, so the pid is the node's) through WAVES rounds of
# N streams held open against the slow upstream, and stops it with SIGKILL at STOP:
#   idle    after discovery, before any stream
#   open    while the last wave's streams are open
#   closed  after the last wave's clients left (default)
# Killed, the node frees nothing more: heaptrack's "leaked" bytes are exactly what was live at
# that moment, by allocation stack. Before each kill and after each wave, glibc's own view
# (`malloc_stats` through gdb: bytes taken from the system and bytes in use, per arena) goes
# to the node's stderr, printed at the end: in-use bytes that grow from wave to wave are a
# leak, system bytes far above in-use bytes are memory malloc keeps for reuse.
# Usage: STOP=closed WAVES=3 bench/heap.sh [path/to/triforce] [streams (default 300)]
#   OUT=dir keeps the heaptrack file (for `heaptrack_print -d` against another run).
# Loopback only; needs heaptrack, gdb, python3, ss. Ports PORT (default 18090) and PORT+1.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-.build/release/triforce}")"
STREAMS="${2:-300}"
STOP="${STOP:-closed}"
PORT="${PORT:-18090}"; UP=$((PORT + 1))
WORK="$(mktemp -d)"; OUT="${OUT:-$WORK}"; mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [ "$OUT" = "$WORK" ] || rm -rf "$WORK"; }
trap cleanup EXIT

python3 bench/mock_upstream.py slow "$UP" &
PIDS+=($!)
D="$WORK/node"; mkdir -p "$D"
"$BIN" init --data-dir "$D" > /dev/null 2>&1
KEY=$("$BIN" key create admin@localhost --data-dir "$D" 2>/dev/null | tail -1)

TRACE="$OUT/heaptrack.triforce.zst"
mkfifo "$WORK/pipe"
/usr/lib/heaptrack/libexec/heaptrack_interpret < "$WORK/pipe" | zstd -q -c > "$TRACE" &
INTERPRETER=$!
GROQ_API_KEY=sk-bench GROQ_BASE_URL=http://127.0.0.1:$UP/v1 OLLAMA_BASE_URL=http://127.0.0.1:1 \
LD_PRELOAD=/usr/lib/heaptrack/libheaptrack_preload.so DUMP_HEAPTRACK_OUTPUT="$WORK/pipe" \
    "$BIN" serve --port "$PORT" --data-dir "$D" --log-level "${LOG_LEVEL:-error}" 2>> "$WORK/node.log" &
NODE=$!; PIDS+=($NODE)
for _ in $(seq 1 600); do
    curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/v1/models" | grep -q '"groq/slow-model"' && break; sleep 0.1
done
sleep 1
rss() { awk '/VmRSS/ {print int($2/1024)}' /proc/$NODE/status; }
open_streams() { ss -Htn state established "( sport = :$PORT )" | wc -l; }
mallocstats() { echo "== $1" >&2; gdb -p "$NODE" -batch -ex 'call (void) malloc_stats()' > /dev/null 2>&1 || true; }

echo "idle RSS (under heaptrack): $(rss) MB"
mallocstats idle 2>> "$WORK/node.log"
if [ "$STOP" != idle ]; then
    for wave in $(seq 1 "${WAVES:-1}"); do
        python3 bench/mock_upstream.py clients "$PORT" "$KEY" "$STREAMS" &
        CLIENTS=$!; PIDS+=($CLIENTS)
        for _ in $(seq 1 300); do [ "$(open_streams)" -ge "$STREAMS" ] && break; sleep 0.2; done
        sleep 3
        echo "wave $wave: $(open_streams) streams open, RSS $(rss) MB"
        mallocstats "wave $wave open" 2>> "$WORK/node.log"
        if [ "$STOP" = open ] && [ "$wave" = "${WAVES:-1}" ]; then break; fi
        kill $CLIENTS 2>/dev/null || true
        for _ in $(seq 1 150); do [ "$(open_streams)" -eq 0 ] && break; sleep 0.2; done
        sleep 2
        echo "wave $wave: closed, RSS $(rss) MB, upstream connections $(ss -Htn state established "( dport = :$UP )" | wc -l)"
        mallocstats "wave $wave closed" 2>> "$WORK/node.log"
    done
fi
kill -9 "$NODE"
wait "$INTERPRETER" || true
echo "--- glibc malloc_stats (per arena: system bytes = taken from the OS, in use bytes = live)"
awk '/^==/ {print} /^Total/ {n=2; next} n > 0 {print "   " $0; n--}' "$WORK/node.log"
grep -v -E "^(Arena|system bytes|in use bytes|Total|max mmap|==)" "$WORK/node.log" | tail -${LOG_LINES:-5}
echo "--- live heap at the kill, by allocation site (heaptrack \"leaked\"): $TRACE"
heaptrack_print -f "$TRACE" --print-peaks 0 --print-allocators 0 --print-temporary 0 --print-leaks 1 -n 25 -s 3 2>/dev/null \
    | grep -v "^$" | head -${LINES_SHOWN:-200}
heaptrack_print -f "$TRACE" --print-peaks 0 --print-allocators 0 --print-temporary 0 2>/dev/null | tail -8
