#!/usr/bin/env bash
# Regenerates Sources/Appliance/text-order.ld: the code a working node runs, which release links
# put next to each other (Package.swift).
#
# Why: a page fault on the binary's text maps the 64 KB around it (the kernel's fault-around),
# and startup, idle timers and the request path touch code spread over the whole 18 MB of text,
# so 14 MB of it was resident in an idle node (README "Memory").
#
# How: a release build with function sections (the flags of scripts/dev.sh release), linked with
# a map, runs under callgrind through startup, discovery, idle timers and each kind of request
# (chat, streamed chat, Anthropic messages, the seed's /v1/chat, MCP, the admin page, metrics)
# with 20 streams held open. Callgrind's per-instruction dump names every instruction that
# executed; the link map turns each into the input section holding it. The script lists those
# sections by name, not by symbol: Swift's weak copies of thunks and witnesses keep their code
# but lose their symbol to the copy that wins, and a name matches every copy. A stale list only
# costs locality: names that no longer exist match nothing, and new code lands after the list.
# Check a new list with bench/memory.sh (idle RSS) before committing it. On a quiet machine a
# rerun matched the committed list (9,342 of 9,360 sections); one run beside two benchmarks
# listed half (most of the gateway's code missing), probably because its requests went out
# before the slowed node had discovered its providers; the script now stops in that case.
# Usage: scripts/text-order.sh   Builds in $TEXT_ORDER_SCRATCH (default /tmp/triforce-fs).
#   Loopback only; needs valgrind, nginx, python3, curl.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH="${TEXT_ORDER_SCRATCH:-/tmp/triforce-fs}"
LD=Sources/Appliance/text-order.ld
# Traced without the current order: valgrind reports addresses outside the .text section
# differently from those inside it, so all code must be in .text for one load offset to fit.
cp "$LD" "$SCRATCH.ld.bak"
trap 'cp "$SCRATCH.ld.bak" "$LD"' ERR INT
# Puts the committed list back and stops: the ERR trap does not run on an explicit exit.
fail() { cp "$SCRATCH.ld.bak" "$LD"; echo "$1" >&2; exit 1; }
echo "SECTIONS { .text.ordered : { } } INSERT BEFORE .text;" > "$LD"
rm -f "$SCRATCH/release/triforce"   # the script is no input SwiftPM tracks: force the link
swift build -c release --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections \
    --scratch-path "$SCRATCH" -Xlinker -Map="$SCRATCH/triforce.map" > "$SCRATCH.log" 2>&1 || { cat "$SCRATCH.log"; fail "the release build failed"; }
PORT="${BASE_PORT:-18380}"; STATIC_PORT=$((PORT + 1)); SLOW_PORT=$((PORT + 2))
. bench/lib.sh
start_static_upstream
C_bg python3 bench/mock_upstream.py slow $SLOW_PORT
PIDS+=($!)

# Valgrind 3.19 cannot read the toolchain's DWARF 5; the copy without it has the same layout.
BIN="$WORK/triforce"; cp "$SCRATCH/release/triforce" "$BIN"; strip --strip-debug "$BIN"
D="$WORK/node"; mkdir -p "$D"
"$BIN" init --data-dir "$D" > /dev/null 2>&1
KEY=$("$BIN" key create admin@localhost --data-dir "$D" 2>/dev/null | tail -1)
env $(bench_providers) valgrind --tool=callgrind --dump-instr=yes --dump-line=no --compress-strings=no --compress-pos=no \
        --callgrind-out-file="$WORK/callgrind.out" "$BIN" serve --port $PORT --data-dir "$D" --log-level error \
        2> "$WORK/node.log" &
NODE=$!; PIDS+=($NODE)
ready() { curl -sf -H "Authorization: Bearer $KEY" http://127.0.0.1:$PORT/v1/models | grep -q '"groq/slow-model"'; }
for _ in $(seq 1 600); do ready && break; sleep 0.2; done
# Requests sent before discovery fail fast and trace little of the gateway: stop instead.
ready || fail "the node under callgrind did not discover its providers in time; rerun on a quieter machine"
"$BIN" route set general openai/bench-model --data-dir "$D" > /dev/null
AUTH="Authorization: Bearer $KEY"; MCP="Accept: application/json, text/event-stream"
post() { curl -s -m 120 -o /dev/null -H "$AUTH" -H "Content-Type: application/json" "${@:3}" -d "$2" "http://127.0.0.1:$PORT$1" || true; }
get() { curl -s -m 120 -o /dev/null -H "$AUTH" "http://127.0.0.1:$PORT$1" || true; }
for _ in 1 2; do   # twice: what the first request initialises lazily is not all of it
    get /healthz; get /health; get /v1/models; get /metrics; get /admin
    post /v1/chat/completions '{"model":"openai/bench-model","messages":[{"role":"user","content":"hi"}]}'
    post /v1/chat/completions '{"model":"auto","messages":[{"role":"user","content":"hi"}]}'
    post /v1/chat/completions '{"model":"mistral/bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]}'
    post /v1/messages '{"model":"openai/bench-model","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}'
    post /v1/chat '{"model":"mistral/bench-model","messages":[{"role":"user","content":"hi"}]}'
    post /v1/mcp '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"order","version":"1"}}}' -H "$MCP"
    post /v1/mcp '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' -H "$MCP"
    post /v1/mcp '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"status","arguments":{}}}' -H "$MCP"
    post /v1/chat/completions '{"model":"nope","messages":[]}'
done
C_bg python3 bench/mock_upstream.py clients $PORT "$KEY" 20   # streams held open, as bench/memory.sh holds 1,000
CLIENTS=$!; PIDS+=($CLIENTS)
sleep 20   # under callgrind: the streams' chunks and the node's periodic timers run a few times
kill $CLIENTS 2>/dev/null || true
kill -TERM $NODE; wait $NODE 2>/dev/null || true
cp "$WORK/callgrind.out" "$SCRATCH.callgrind.out"   # kept beside the map, to check the list against

python3 - "$WORK/callgrind.out" "$SCRATCH/triforce.map" "$LD" <<'PY'
import bisect, collections, re, sys
profile, linkmap, out = sys.argv[1:]
# The link map: "<vma> <lma> <size> <align> <file>:(<section>)" for each input section.
row = re.compile(r"^\s*([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s+(.+):\((\.text[^)]*)\)$")
sections = []
for line in open(linkmap):
    m = row.match(line)
    if m and int(m.group(2), 16):
        sections.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3), m.group(4)))
sections.sort(); starts = [s[0] for s in sections]
start_of = {}   # symbols' link addresses, to find where valgrind loaded the binary
for line in open(linkmap):
    p = line.split()
    if len(p) == 5 and re.fullmatch(r"[0-9a-f]+", p[0]) and not p[4].startswith(("<", "/")):
        start_of.setdefault(p[4], int(p[0], 16))
# Callgrind, per-instruction dump: "fn=<name>" then "0x<address> <Ir>" for every instruction
# that ran; "calls=" lines are followed by the call's own address line, which also ran.
executed, lowest, fn = set(), {}, None
for line in open(profile, errors="replace"):
    if line.startswith("fn="):
        fn = line[3:].strip()
    elif line.startswith("0x"):
        address = int(line.split()[0], 16); executed.add(address)
        if fn in start_of: lowest[fn] = min(address, lowest.get(fn, address))
# Most functions run from their first instruction: the commonest offset is the load address.
base = collections.Counter(a - start_of[f] for f, a in lowest.items()).most_common(1)[0][0]
# Sections with a name of their own are listed by name (every copy matches); the few shared
# names (".text" of objects built without function sections, ".text.startup") by file too.
generic = {".text", ".text.startup", ".text.unlikely", ".text.hot", ".text.exit"}
named, by_file = set(), set()
for address in executed:
    i = bisect.bisect_right(starts, address - base) - 1
    if i < 0 or address - base >= sections[i][0] + sections[i][1]: continue   # another object (libc, …)
    _, _, path, name = sections[i]
    if name in generic:
        archive = re.match(r"^(.*?)\((.*)\)$", path)   # "libfoo.a(member.o)"
        pattern = "*" + (archive.group(1).rsplit("/", 1)[-1] + ":" + archive.group(2) if archive else "/" + path.rsplit("/", 1)[-1])
        by_file.add((pattern, name))
    elif re.fullmatch(r"[A-Za-z0-9_$.]+", name):
        named.add(name)
size = sum(s[1] for s in sections if s[3] in named)
with open(out, "w") as f:
    f.write("/* Generated by scripts/text-order.sh: the code a working node runs, laid out first (Package.swift). */\n")
    f.write("SECTIONS {\n  .text.ordered : {\n")
    for pattern, name in sorted(by_file): f.write(f"    {pattern}({name})\n")
    f.write("    *(\n")
    for name in sorted(named): f.write(f"      {name}\n")
    f.write("    )\n  }\n} INSERT BEFORE .text;\n")
print(f"{len(executed)} instructions ran in the binary's objects: {len(named)} named sections "
      f"({size / 1e6:.1f} MB) and {len(by_file)} shared-name sections in {out}")
PY
