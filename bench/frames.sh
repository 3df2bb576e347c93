#!/usr/bin/env bash
# Which async frames a streamed answer keeps, and how deep a request's task stack goes: uprobes
# on the Swift runtime's task allocator (`swift_task_alloc`, its return, `swift_task_dealloc`)
# record every frame of one streamed chat completion against the slow upstream. Prints the
# frames live 1.5 s into the stream (held for as long as it is open: what a task-allocator slab
# per open stream is made of) and the most bytes live at once while the request was answered
# (the request phase), each by the function that allocated it, largest first.
# A task keeps every ~1 KB slab its deepest point reached (README "Round 10"), so both lists
# matter for an open stream's memory. Run `bench/heap.sh` for the slabs themselves.
# Usage: bench/frames.sh [path/to/unstripped triforce (default .build-static/release/triforce)]
# Needs root (perf probe), perf, python3, swift-demangle, curl. Loopback only; ports PORT
# (default 18300) and PORT+1.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(realpath "${1:-.build-static/release/triforce}")"
PORT="${PORT:-18300}"; UP=$((PORT + 1))
WORK="$(mktemp -d)"; PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    perf probe -q -d 'tfframes:*' 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
nm --defined-only "$BIN" | awk '$2 ~ /[tTwW]/' | sort > "$WORK/syms"
grep -q " swift_task_alloc$" "$WORK/syms" || { echo "no swift_task_alloc in $BIN (static, unstripped build needed)" >&2; exit 1; }
perf probe -q -d 'tfframes:*' 2>/dev/null || true
perf probe -q -x "$BIN" -a 'tfframes:talloc=swift_task_alloc size=%di:u64 ra=+0(%sp):u64'
perf probe -q -x "$BIN" -a 'tfframes:tallocr=swift_task_alloc%return ret=$retval:u64'
perf probe -q -x "$BIN" -a 'tfframes:tfree=swift_task_dealloc ptr=%di:u64'

python3 bench/mock_upstream.py slow "$UP" & PIDS+=($!)
"$BIN" init --data-dir "$WORK/d" > /dev/null 2>&1
KEY=$("$BIN" key create admin@localhost --data-dir "$WORK/d" 2>/dev/null | tail -1)
GROQ_API_KEY=sk-bench GROQ_BASE_URL=http://127.0.0.1:$UP/v1 OLLAMA_BASE_URL=http://127.0.0.1:1 \
    "$BIN" serve --port "$PORT" --data-dir "$WORK/d" --log-level error 2> "$WORK/log" & NODE=$!; PIDS+=($NODE)
for _ in $(seq 1 300); do
    curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/v1/models" | grep -q slow-model && break; sleep 0.1
done
BODY='{"model":"groq/slow-model","stream":true,"messages":[{"role":"user","content":"hi"}]}'
stream() { timeout 2 curl -sN -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "$BODY" \
    "http://127.0.0.1:$PORT/v1/chat/completions" > /dev/null || true; }
stream   # warm-up: first-use allocations are not the request's
perf record -q -e 'tfframes:*' -p "$NODE" -o "$WORK/perf.data" -- sleep 3 > /dev/null 2>&1 & RECORD=$!
sleep 0.5; stream; wait "$RECORD" || true
perf script -i "$WORK/perf.data" -F tid,time,event,trace 2> /dev/null > "$WORK/events"

python3 - "$WORK/syms" "$WORK/events" <<'PY'
import bisect, re, subprocess, sys
syms = sorted((int(a, 16), n.strip()) for a, _, n in (l.split(None, 2) for l in open(sys.argv[1])))
addrs = [a for a, _ in syms]
talloc = next(a for a, n in syms if n == "swift_task_alloc")
events, base = [], None
for line in open(sys.argv[2]):
    m = re.match(r"\s*(\d+)\s+([\d.]+):\s+tfframes:(\w+): \((\w+)(?: <- \w+)?\)\s*(.*)", line)
    if not m: continue
    tid, t, kind, pc, rest = m.groups()
    fields = dict(x.split("=") for x in rest.split())
    if base is None and kind == "talloc": base = int(pc, 16) - talloc
    events.append((int(tid), float(t), kind, fields))
if not events: sys.exit("no events recorded")
def symbol(ra):
    i = bisect.bisect_right(addrs, ra - base) - 1
    return syms[i][1] if i >= 0 else hex(ra - base)
t0 = events[0][1]
live, pending, total, peak, at_mid = {}, {}, 0, (0, {}), None
for tid, t, kind, f in events:
    if at_mid is None and t - t0 > 1.5: at_mid = dict(live)
    if kind == "talloc": pending[tid] = (int(f["size"]), symbol(int(f["ra"])))
    elif kind == "tallocr__return" and tid in pending:
        live[int(f["ret"])] = pending.pop(tid); total += live[int(f["ret"])][0]
        if t - t0 < 1.0 and total > peak[0]: peak = (total, dict(live))
    elif kind == "tfree":
        gone = live.pop(int(f["ptr"]), None)
        if gone: total -= gone[0]
def report(title, frames):
    names = subprocess.run(["swift-demangle", "--simplified", "--compact"], capture_output=True, text=True,
                           input="\n".join(fn for _, fn in frames.values())).stdout.split("\n")
    by = {}
    for (size, _), name in zip(frames.values(), names):
        by[name[:110]] = by.get(name[:110], 0) + size
    print(f"{title}: {sum(by.values()):,} bytes in {len(frames)} allocations")
    for name, size in sorted(by.items(), key=lambda x: -x[1])[:30]:
        print(f"  {size:6,}  {name}")
report("live 1.5 s into the stream (all tasks; the server's own waits included)", at_mid or live)
report("most live at once while the request was answered", peak[1])
PY
