#!/usr/bin/env bash
# Mesh failure detection on loopback with 5 real `triforce serve` processes (a hub that ran
# `ca init` and four members that joined it). Prints:
#   kill -9 → dead at every other member: p50 / p99 / max over TRIALS trials
#   graceful leave (SIGTERM) → left everywhere
#   restart (a restarted member's first alive) → seen everywhere
#   join of a brand-new node (from `triforce join` to alive at every member) → seen everywhere,
#     JOINS times (default 5), split into: the `join` command (key, CSR, signing, files), `serve`
#     up to its mesh listener, then until the hub and until every member logs it alive
#   with SOAK_SECONDS=600: that long with one core saturated by a busy loop → false deaths (target 0)
# Times come from polling each node's log every 20 ms, so they carry up to ~20 ms of slack.
# Usage: bench/mesh.sh [TRIALS]   (JOINS=N new nodes joined one after another; default 5)   (BIN=path/to/triforce to pick a build; default release, else debug)
#        SOAK_SECONDS=600 bench/mesh.sh 0   the 10-minute busy-core run alone
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/triforce}
[ -x "$BIN" ] || BIN=.build/debug/triforce
TRIALS=${1:-20}
JOINS=${JOINS:-5}
work=$(mktemp -d)
declare -A pid port id
cleanup() { for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
now() { date +%s.%N; }

start() {  # start NAME: serve in $work/NAME, log to $work/NAME.log, wait for the mesh port
  local name=$1 lines
  lines=$( (wc -l <"$work/$name.log") 2>/dev/null || echo 0)
  "$BIN" serve --port 0 --mesh-port 0 --data-dir "$work/$name" >>"$work/$name.log" 2>&1 &
  pid[$name]=$!
  for _ in $(seq 1 500); do
    port[$name]=$(tail -n +$((lines + 1)) "$work/$name.log" | grep -m1 'mesh listening' | grep -o 'port=[0-9]*' | cut -d= -f2 || true)
    [ -n "${port[$name]}" ] && break
    sleep 0.02
  done
  [ -n "${port[$name]}" ] || { echo "$name did not start" >&2; tail "$work/$name.log" >&2; exit 1; }
  id[$name]=$(grep -m1 -o 'node_id=[^ ]*' "$work/$name.log" | cut -d= -f2)
}

# seen_everywhere EVENT MEMBER_ID SINCE_LINES_VAR... : waits until every other running node
# logged "mesh: member EVENT ... member=ID" after its recorded line offset; prints seconds.
declare -A offset
mark() { for n in "$@"; do offset[$n]=$(wc -l <"$work/$n.log"); done; }
wait_all() {
  local event=$1 member=$2 t0=$3; shift 3
  for _ in $(seq 1 1500); do
    local missing=0
    for n in "$@"; do
      tail -n +$((offset[$n] + 1)) "$work/$n.log" | grep -q "mesh: member $event.*member=$member" || { missing=1; break; }
    done
    if [ $missing = 0 ]; then echo "$(now) - $t0" | bc; return; fi
    sleep 0.02
  done
  echo "timeout"
}

# logged_at NODE PATTERN: the (millisecond) log timestamp, as Unix seconds, of NODE's first line
# after its mark matching PATTERN; empty when there is none.
logged_at() {
  local ts
  ts=$(tail -n +$((offset[$1] + 1)) "$work/$1.log" | grep -m1 -- "$2" | cut -d' ' -f1 || true)
  [ -n "$ts" ] && date -d "$ts" +%s.%N
}
since() { [ -n "$1" ] && echo "$1 - $2" | bc || echo "-"; }

percentile() { sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if(i<1)i=1; print a[i]}'; }

mkdir -p "$work/hub"
"$BIN" ca init --data-dir "$work/hub" >/dev/null
start hub
token=$("$BIN" ca token create --uses $((4 + JOINS)) --data-dir "$work/hub" 2>/dev/null)
members=(m1 m2 m3 m4)
for m in "${members[@]}"; do
  "$BIN" join "wss://127.0.0.1:${port[hub]}" --token "$token" --data-dir "$work/$m" >/dev/null
  start "$m"
done
all=(hub "${members[@]}")
echo "5 nodes up; waiting for the full mesh"
for _ in $(seq 1 300); do
  n=$(grep -h 'mesh: member alive' "$work"/*.log | grep -o 'member=[^ ]*' | sort -u | wc -l)
  [ "$n" -ge 5 ] && break; sleep 0.1
done
sleep 3

kills=(); joins=()
for trial in $(seq 1 "$TRIALS"); do
  victim=${members[$(( (trial - 1) % 4 ))]}
  others=(); for n in "${all[@]}"; do [ "$n" != "$victim" ] && others+=("$n"); done
  mark "${others[@]}"
  t0=$(now); kill -9 "${pid[$victim]}"; wait "${pid[$victim]}" 2>/dev/null || true
  d=$(wait_all dead "${id[$victim]}" "$t0" "${others[@]}")
  kills+=("$d"); echo "trial $trial: kill -9 $victim → dead everywhere in ${d}s"
  mark "${others[@]}"
  t0=$(now); start "$victim"
  d=$(wait_all alive "${id[$victim]}" "$t0" "${others[@]}")
  joins+=("$d")
  sleep 1
done

# Brand-new nodes: from the start of `triforce join` to alive in every member's view, each
# phase timed from the same start. A node leaves (SIGTERM) before the next one joins.
join_cli=(); join_listen=(); join_hub=(); join_all=()
for j in $(seq 1 "$JOINS"); do
  name=n$j
  mark "${all[@]}"
  t0=$(now)
  "$BIN" join "wss://127.0.0.1:${port[hub]}" --token "$token" --data-dir "$work/$name" >/dev/null 2>"$work/$name.join.log"
  join_cli+=("$(echo "$(now) - $t0" | bc)")
  start "$name"
  waited=$(wait_all alive "${id[$name]}" "$t0" "${all[@]}")
  # The phases from the nodes' own (millisecond) log lines, not from this script's polling.
  offset[$name]=0
  listening=$(logged_at "$name" 'mesh listening')
  linked=$(logged_at "$name" "mesh: link up.*peer=${id[hub]}")
  at_hub=$(logged_at hub "mesh: member alive.*member=${id[$name]}")
  last=$at_hub
  for n in "${all[@]}"; do
    t=$(logged_at "$n" "mesh: member alive.*member=${id[$name]}")
    [ -n "$t" ] && [ "$(echo "$t > $last" | bc)" = 1 ] && last=$t
  done
  join_listen+=("$(since "$listening" "$t0")"); join_hub+=("$(since "$at_hub" "$t0")")
  if [ "$waited" = timeout ]; then join_all+=(timeout); else join_all+=("$(since "$last" "$t0")"); fi
  echo "join $j: join command ${join_cli[-1]}s; serve: mesh listening ${join_listen[-1]}s, link to the hub up $(since "$linked" "$t0")s; alive at the hub ${join_hub[-1]}s, at all 5 ${join_all[-1]}s"
  kill -TERM "${pid[$name]}"; wait "${pid[$name]}" 2>/dev/null || true
  unset "pid[$name]"
  sleep 1
done

if [ -n "${SOAK_SECONDS:-}" ]; then
  # One core saturated by a busy loop for the whole run; any "dead" logged is a false death.
  mark "${all[@]}"
  ( while :; do :; done ) & busy=$!
  echo "soak: ${SOAK_SECONDS}s with a busy loop (pid $busy) on one core..."
  sleep "$SOAK_SECONDS"
  kill "$busy"
  false_deaths=0
  for n in "${all[@]}"; do
    c=$(tail -n +$((offset[$n] + 1)) "$work/$n.log" | grep -c 'mesh: member dead' || true)
    false_deaths=$((false_deaths + c))
    tail -n +$((offset[$n] + 1)) "$work/$n.log" | grep 'mesh: member dead' | sed "s/^/  $n: /" | head -5 || true
  done
  echo "soak ${SOAK_SECONDS}s with one core busy: $false_deaths false death(s) logged (target 0)"
fi

victim=m4
others=(hub m1 m2 m3)
mark "${others[@]}"
t0=$(now); kill -TERM "${pid[$victim]}"
leave=$(wait_all left "${id[$victim]}" "$t0" "${others[@]}")

echo
if [ "$TRIALS" -gt 0 ]; then
  echo "kill -9 → dead at all 4 others ($TRIALS trials): p50 $(printf '%s\n' "${kills[@]}" | percentile 50)s  p99 $(printf '%s\n' "${kills[@]}" | percentile 99)s  max $(printf '%s\n' "${kills[@]}" | percentile 100)s"
  echo "restart → alive at all 4 others: p50 $(printf '%s\n' "${joins[@]}" | percentile 50)s  max $(printf '%s\n' "${joins[@]}" | percentile 100)s"
fi
if [ "$JOINS" -gt 0 ]; then
  summary() { printf '%s\n' "$@" | percentile 50; }
  echo "join of a new node, from the join command ($JOINS joins, p50 / max): alive at all 5 members $(summary "${join_all[@]}")s / $(printf '%s\n' "${join_all[@]}" | percentile 100)s"
  echo "  of which: join command $(summary "${join_cli[@]}")s, serve to mesh listening $(summary "${join_listen[@]}")s (cumulative), alive at the hub $(summary "${join_hub[@]}")s (cumulative)"
fi
echo "graceful leave → left at all 4 others: ${leave}s"
