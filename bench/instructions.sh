#!/usr/bin/env bash
# Instructions per request, counted by callgrind: the A/B measure that this VM's timing noise
# (±20 % between two identical wrk runs) cannot blur. The node runs under valgrind; one
# keep-alive client sends N requests of each kind after a warm-up; the counters are zeroed
# before and dumped after, so the figure covers every thread of the node (event loops, curl,
# SQLite) for those requests, and nothing of startup.
# Prints, per kind: instructions per request, Swift jobs run per request (each one a task's trip
# through an executor's queue: README "Round 7"), the share of each module (by mangled prefix or
# shared library), and the top functions by self cost. Instructions are user space only
# (no syscalls), and the requests run one at a time (no batching across connections).
# Usage: bench/instructions.sh [path/to/triforce] [kinds (default "healthz chat")]
#   kinds: healthz chat auto mcp-list mcp-status stream. N (default 400) requests each (stream:
#   N_STREAMS, default 20, answers of 2,000 chunks from nginx, also per chunk); TOP (default 25)
#   functions listed. Keeps each dump as $INSTR_OUT/<kind>.cg (default /tmp/triforce-instr)
#   for callgrind_annotate. BASE_PORT (default 18080): the node; nginx +1.
# Takes a static build (scripts/dev.sh release, or .build-static/release/triforce): valgrind
# 3.19 fails on the dynamic one and cannot read DWARF 5, so a copy without debug info runs.
# Loopback only; needs valgrind, nginx, python3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC="$(realpath "${1:-dist/triforce}")"
KINDS="${2:-healthz chat}"
N="${N:-400}"; TOP="${TOP:-25}"
OUT="${INSTR_OUT:-/tmp/triforce-instr}"; mkdir -p "$OUT"
PORT="${BASE_PORT:-18080}"; STATIC_PORT=$((PORT + 1))
. bench/lib.sh
start_static_upstream
BIN="$WORK/triforce"; cp "$SRC" "$BIN"; strip --strip-debug "$BIN"
D="$WORK/node"; mkdir -p "$D"
"$BIN" init --data-dir "$D" > /dev/null 2>&1
KEY=$("$BIN" key create admin@localhost --data-dir "$D" 2>/dev/null | tail -1)
env $(chat_provider) MISTRAL_API_KEY=sk-bench MISTRAL_BASE_URL=http://127.0.0.1:$STATIC_PORT/stream/v1 valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out.%p" "$BIN" serve --port "$PORT" --data-dir "$D" \
    --log-level error 2> "$WORK/node.log" &
NODE=$!; PIDS+=($NODE)
ready() { curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/v1/models" | grep '"openai/bench-model"' | grep -q '"mistral/bench-model"'; }
for _ in $(seq 1 600); do ready && break; sleep 0.2; done
ready || { echo "the node under callgrind did not discover its provider in time" >&2; tail -5 "$WORK/node.log" >&2; exit 1; }
"$BIN" route set general openai/bench-model --data-dir "$D" > /dev/null

send() {  # $1 kind, $2 count: one keep-alive connection, every answer checked
    python3 - "$PORT" "$KEY" "$1" "$2" <<'PY'
import http.client, sys
port, key, kind, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
auth = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
mcp = dict(auth, Accept="application/json, text/event-stream")
requests = {
    "healthz": ("GET", "/healthz", None, {}),
    "chat": ("POST", "/v1/chat/completions", b'{"model":"openai/bench-model","messages":[{"role":"user","content":"hi"}]}', auth),
    "auto": ("POST", "/v1/chat/completions", b'{"model":"auto","messages":[{"role":"user","content":"hi"}]}', auth),
    "mcp-list": ("POST", "/v1/mcp", b'{"jsonrpc":"2.0","id":1,"method":"tools/list"}', mcp),
    "mcp-status": ("POST", "/v1/mcp", b'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"status","arguments":{}}}', mcp),
    "stream": ("POST", "/v1/chat/completions", b'{"model":"mistral/bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]}', auth),
}
method, path, body, headers = requests[kind]
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
for _ in range(n):
    connection.request(method, path, body, headers)
    response = connection.getresponse(); answer = response.read()
    if response.status != 200: sys.exit(f"{kind}: HTTP {response.status}: {answer[:300]!r}")
    if kind == "stream" and not answer.rstrip().endswith(b"data: [DONE]"): sys.exit("stream: answer cut off")
PY
}

for kind in $KINDS; do
    count=$N; [ "$kind" = stream ] && count=${N_STREAMS:-20}
    send "$kind" $((count / 8 + 1))
    callgrind_control -z $NODE > /dev/null
    send "$kind" "$count"
    callgrind_control -d "$kind" $NODE > /dev/null
    dump=$(ls -t "$WORK"/cg.out.$NODE.* | head -1)
    cp "$dump" "$OUT/$kind.cg"
    python3 - "$OUT/$kind.cg" "$count" "$TOP" "$kind" <<'PY'
import collections, re, sys
path, n, top, kind = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
# Self cost per function from the raw dump: cost lines add to the current fn=; the line after
# calls= is the callee's inclusive cost and is skipped. Names and objects are compressed to ids.
# calls= also counts calls per callee (cfn=): jobs run is the Swift jobs the node's executors ran,
# each a trip through an event loop's task queue (or curl's or SQLite's thread waking a task).
names, objects, owner = {}, {}, {}
cost = collections.Counter()
calls = collections.Counter()
function = obj = callee = None
skip = False
for line in open(path, errors="replace"):
    if skip:
        skip = False; continue
    kind_, _, rest = line.partition("=")
    if kind_ in ("fn", "cfn", "ob", "cob"):
        m = re.match(r"\((\d+)\)(?: (.*))?", rest.strip())
        table = names if kind_ in ("fn", "cfn") else objects
        if m.group(2): table[m.group(1)] = m.group(2)
        if kind_ == "ob": obj = objects.get(m.group(1))
        if kind_ == "fn": function = table.get(m.group(1)); owner[function] = obj
        if kind_ == "cfn": callee = table.get(m.group(1))
    elif kind_ == "calls":
        calls[callee] += int(rest.split()[0])
        skip = True
    elif line[:1].isdigit() or line[:1] in "+-*":
        fields = line.split()
        if len(fields) >= 2 and function is not None: cost[function] += int(fields[1])

def module(fn):
    lib = owner.get(fn) or ""
    if "libc.so" in lib: return "libc malloc" if re.search(r"malloc|free|_int_|tcache|unlink|consolidate", fn) else "libc"
    for name in ("libcurl", "sqlite", "mbed"):
        if name in lib: return name
    if fn.startswith(("$ss", "$sS")) or re.match(r"\$s[A-Z]", fn): return "Swift stdlib"
    m = re.match(r"\$s(\d+)([A-Za-z_]+)", fn)
    return m.group(2)[:int(m.group(1))] if m else "Swift runtime"

total = sum(cost.values())
print(f"{kind}: {total / n:,.0f} instructions per request ({n} requests)"
      + (f", {total / n / 2001:,.0f} per chunk (2,001 a stream)" if kind == "stream" else "")
      + f"; Swift jobs run {calls['swift_job_run'] / n:.1f} per request")
modules = collections.Counter()
for fn, c in cost.items(): modules[module(fn)] += c
print("  " + ", ".join(f"{m} {100 * c / total:.1f}%" for m, c in modules.most_common(12)))
for fn, c in cost.most_common(top):
    print(f"  {c / n:>8,.0f}  {module(fn):14s} {fn[:110]}")
PY
done
