#!/usr/bin/env bash
# Replication on loopback with 5 real `triforce serve` processes (a hub that ran `ca init`
# and four members that joined it), default settings (anti-entropy every 10 s ± 20 %). Prints:
#   write → visible on all five: p50 / p99 / max over WRITES writes (each written beside a
#     random node, as the CLI does, and polled in all five SQLite files every 2 ms)
#   partition: one node SIGSTOPped for 60 s while both sides write; seconds from SIGCONT
#     until every node's replicated tables hash identically (TCP keeps the links, so this is
#     the queued-messages case); then one node killed for 60 s and restarted (the pull case)
#   snapshot: a new node joins a hub holding 10,000 notes + 1,000 users; seconds from its
#     `serve` until it holds them all (with the search index) and its API answers
# Usage: bench/sync.sh [WRITES]   (BIN=path/to/triforce; default release, else debug;
#        SECTIONS="latency partition snapshot" by default, any subset of them;
#        PERF_OUT=file records `perf record -g -a` over the snapshot phase, for
#        `perf report -i file`; KEEP_WORK=1 keeps the nodes' logs and files)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/triforce}
[ -x "$BIN" ] || BIN=.build/debug/triforce
WRITES=${1:-100}
SECTIONS=" ${SECTIONS:-latency partition snapshot} "
want() { [[ "$SECTIONS" == *" $1 "* ]]; }
PROBE="python3 bench/sync_probe.py"
work=$(mktemp -d)
declare -A pid port api id
cleanup() { for p in "${pid[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true; done; if [ -n "${KEEP_WORK:-}" ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
now() { date +%s.%N; }
percentile() { sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if(i<1)i=1; print a[i]}'; }

start() {  # start NAME: serve in $work/NAME, wait for the mesh and API ports
  local name=$1
  "$BIN" serve --port 0 --mesh-port 0 --data-dir "$work/$name" >>"$work/$name.log" 2>&1 &
  pid[$name]=$!
  for _ in $(seq 1 1000); do
    port[$name]=$(grep -m1 'mesh listening' "$work/$name.log" | grep -o 'port=[0-9]*' | cut -d= -f2 || true)
    api[$name]=$(grep -m1 'triforce: listening' "$work/$name.log" | grep -o 'port=[0-9]*' | cut -d= -f2 || true)
    [ -n "${port[$name]}" ] && [ -n "${api[$name]}" ] && break
    sleep 0.01
  done
  [ -n "${port[$name]}" ] || { echo "$name did not start" >&2; tail "$work/$name.log" >&2; exit 1; }
  id[$name]=$(grep -m1 -o 'node_id=[^ ]*' "$work/$name.log" | cut -d= -f2)
}
db() { echo "$work/$1/triforce.db"; }

mkdir -p "$work/hub"
"$BIN" ca init --data-dir "$work/hub" >/dev/null
start hub
token=$("$BIN" ca token create --uses 5 --data-dir "$work/hub" 2>/dev/null)
members=(m1 m2 m3 m4)
for m in "${members[@]}"; do
  "$BIN" join "wss://127.0.0.1:${port[hub]}" --token "$token" --data-dir "$work/$m" >/dev/null
  start "$m"
done
all=(hub "${members[@]}")
dbs=(); for n in "${all[@]}"; do dbs+=("$(db "$n")"); done
echo "5 nodes up; waiting for the full mesh and a first sync"
for _ in $(seq 1 300); do
  n=$(grep -h 'mesh: member alive' "$work"/*.log | grep -o 'member=[^ ]*' | sort -u | wc -l)
  [ "$n" -ge 5 ] && break; sleep 0.1
done
[ "$($PROBE converge 60 "${dbs[@]}")" != timeout ] || { echo "no first convergence" >&2; exit 1; }

# 1. write → visible everywhere
if want latency; then
lat=()
for i in $(seq 1 "$WRITES"); do
  n=${all[$((RANDOM % 5))]}
  $PROBE write "$(db "$n")" "${id[$n]}" "w$i"
  d=$($PROBE visible 30 "w$i" "${dbs[@]}")
  lat+=("$d")
done
printf '%s\n' "${lat[@]}" | grep -q timeout && echo "some writes never became visible everywhere"
ok=$(printf '%s\n' "${lat[@]}" | grep -v timeout)
echo "write → visible on all 5 ($WRITES writes): p50 $(echo "$ok" | percentile 50)s  p99 $(echo "$ok" | percentile 99)s  max $(echo "$ok" | sort -n | tail -1)s"
fi

# 2. partition m4 for 60 s (SIGSTOP), writes on both sides (m4's beside it, as the CLI would)
if want partition; then
kill -STOP "${pid[m4]}"
for i in $(seq 1 60); do
  $PROBE write "$(db hub)" "${id[hub]}" "p-hub-$i"
  $PROBE write "$(db m4)" "${id[m4]}" "p-m4-$i"
  sleep 1
done
kill -CONT "${pid[m4]}"
d=$($PROBE converge 120 "${dbs[@]}")
echo "partition of 60 s (writes on both sides): all 5 hash identically ${d}s after healing"

# 2b. m3 killed (-9) for 60 s while both sides write (m3's beside its file), then restarted
kill -9 "${pid[m3]}"; wait "${pid[m3]}" 2>/dev/null || true
for i in $(seq 1 60); do
  $PROBE write "$(db m1)" "${id[m1]}" "k-m1-$i"
  $PROBE write "$(db m3)" "${id[m3]}" "k-m3-$i"
  sleep 1
done
start m3
d=$($PROBE converge 120 "${dbs[@]}")
echo "kill -9 of one node for 60 s (writes on both sides): all 5 hash identically ${d}s after its restart"
fi

# 3. snapshot of 10,000 notes + 1,000 users to a new node
want snapshot || exit 0
$PROBE fill "$(db hub)" "${id[hub]}" 10000 1000
$PROBE converge 120 "${dbs[@]}" >/dev/null
"$BIN" join "wss://127.0.0.1:${port[hub]}" --token "$token" --data-dir "$work/new" >/dev/null
if [ -n "${PERF_OUT:-}" ]; then
  perf record -g -a -o "$PERF_OUT" >/dev/null 2>&1 & perf_pid=$!
  sleep 1
fi
t0=$(now)
start new
for _ in $(seq 1 3000); do
  [ "$($PROBE count "$(db new)" 2>/dev/null || true)" = "10000 1000" ] && break
  sleep 0.01
done
curl -fsS "http://127.0.0.1:${api[new]}/healthz" >/dev/null
d=$(echo "$(now) - $t0" | bc)
if [ -n "${PERF_OUT:-}" ]; then kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true; fi
bytes=$(grep -o 'snapshot installed bytes=[0-9]*' "$work/new.log" | head -1 | cut -d= -f2)
echo "snapshot: new node holds 10,000 notes + 1,000 users and serves in ${d}s (snapshot ${bytes:-?} bytes)"
