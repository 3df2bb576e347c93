#!/usr/bin/env bash
# Opt-in suite (slow, needs root and debootstrap): provision.sh inside a fresh Debian 12 root
# via chroot, from the .deb and from the tarball in dist/ (scripts/dev.sh package):
# --start, /health answered from outside the chroot, a re-run changes nothing, a re-run with
# a new port restarts the node, the installed unit scores "OK" or better in
# `systemd-analyze security`, the .deb's postinst alone starts nothing and re-runs cleanly,
# and --join to a hub running outside the chroot (a bad token fails and leaves nothing running).
# The debootstrap root is cached as a tarball in $TRIFORCE_DEBOOTSTRAP_CACHE
# (default ~/.cache/triforce-debootstrap); downloaded .debs are cached beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "test-provision: needs root (chroot, mount)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "test-provision: install debootstrap" >&2; exit 1; }

arch="$(dpkg --print-architecture)"
cache="${TRIFORCE_DEBOOTSTRAP_CACHE:-$HOME/.cache/triforce-debootstrap}"
root_tarball="$cache/debian12-$arch-minbase.tar.gz"
mkdir -p "$cache/apt-archives/partial"
if [ ! -f "$root_tarball" ]; then
    echo "== creating the Debian 12 root (first run only, takes minutes)"
    rm -rf "$cache/root.tmp"
    debootstrap --variant=minbase --arch="$arch" bookworm "$cache/root.tmp" http://deb.debian.org/debian >"$cache/debootstrap.log" 2>&1 \
        || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    tar -C "$cache/root.tmp" -czf "$root_tarball.tmp" . && mv "$root_tarball.tmp" "$root_tarball"
    rm -rf "$cache/root.tmp"
fi

deb="$(ls -t dist/triforce_*_"$arch".deb 2>/dev/null | head -n1)"
tarball="$(ls -t dist/triforce_*_"$arch".tar.gz 2>/dev/null | head -n1)"
[ -n "$deb" ] && [ -n "$tarball" ] || { echo "test-provision: run scripts/dev.sh package first" >&2; exit 1; }
(cd dist && sha256sum -c --quiet SHA256SUMS)
version="$(basename "$deb" | sed -E "s/^triforce_(.*)_$arch\.deb$/\1/")"

failures=0
pass() { printf '  ok   %s\n' "$*"; }
fail() { printf '  FAIL %s\n' "$*"; failures=$((failures + 1)); }
check() { local what="$1"; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

ROOT="" HUB_PID="" HUB_DIR=""
# Processes whose root directory is the chroot (the node, anything it left behind).
chroot_pids() { local p; for p in /proc/[0-9]*; do [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && printf '%s\n' "${p#/proc/}"; done; return 0; }
stop_pid() {
    local pid="$1"
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}
stop_hub() {
    [ -n "$HUB_PID" ] && stop_pid "$HUB_PID"
    [ -n "$HUB_DIR" ] && rm -rf "$HUB_DIR"
    HUB_PID="" HUB_DIR=""
}
cleanup() {
    stop_hub
    [ -n "$ROOT" ] || return 0
    for pid in $(chroot_pids); do stop_pid "$pid"; done
    for m in var/cache/apt/archives sys proc dev; do umount -l "$ROOT/$m" 2>/dev/null || true; done
    rm -rf "$ROOT"
    ROOT=""
}
trap cleanup EXIT

new_root() {
    ROOT="$(mktemp -d /var/tmp/triforce-chroot.XXXXXX)"
    tar -C "$ROOT" -xzf "$root_tarball"
    mount --bind /dev "$ROOT/dev"
    mount -t proc proc "$ROOT/proc"
    mount --bind /sys "$ROOT/sys"
    mount --bind "$cache/apt-archives" "$ROOT/var/cache/apt/archives"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    cp -r provisioning "$ROOT/root/provisioning"
}

provision() { chroot "$ROOT" /root/provisioning/provision.sh "$@"; }
health_field() { curl -fsS --max-time 5 "http://127.0.0.1:$1/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"; }
health_version() { health_field "$1" version; }
no_process_in_chroot() { [ -z "$(chroot_pids)" ]; }
# Waits (generously: the machine may be loaded) until the command succeeds.
wait_until() { local seconds="$1"; shift; local end=$(( $(date +%s) + seconds )); until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.5; done; }

# `systemd-analyze security --offline` on the installed unit: the "OK" band (exposure < 5.0)
# or better, and no key this host's systemd does not know (provision.sh drops those).
unit_scores_ok() {
    local unit="$1" report level
    report="$(systemd-analyze security --offline=true "$unit" 2>&1)" || { printf '%s\n' "$report" | tail -5; return 1; }
    level="$(sed -n 's/.*Overall exposure level for [^:]*: *\([0-9.]*\) *\([A-Z]*\).*/\1 \2/p' <<<"$report")"
    printf '       exposure: %s\n' "${level:-none found}"
    if grep -q "Unknown key" <<<"$report"; then grep "Unknown key" <<<"$report"; return 1; fi
    case "${level#* }" in OK|SAFE|PERFECT) ;; *) return 1 ;; esac
    awk -v score="${level%% *}" 'BEGIN { exit !(score < 5.0) }'
}

# The restart policy of the installed unit: on failure, with a delay and a start limit.
unit_restart_policy() {
    grep -qx "Restart=on-failure" "$1" && grep -q "^RestartSec=[1-9]" "$1" \
        && grep -q "^StartLimitIntervalSec=[1-9]" "$1" && grep -q "^StartLimitBurst=[1-9]" "$1"
}

# The .deb on its own (apt in the chroot): postinst makes the user, the directories and the
# current release, starts nothing and writes no database; running it again changes nothing.
deb_postinst_case() {
    local deb="$1" before after
    chroot "$ROOT" apt-get update -qq >/dev/null
    if ! chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "/root/$(basename "$deb")" >"$ROOT/root/apt.log" 2>&1; then
        fail "apt-get install of the .deb"; tail -20 "$ROOT/root/apt.log"; return
    fi
    pass "apt-get install of the .deb"
    postinst_state() {
        chroot "$ROOT" sh -c 'id triforce && stat -c "%n %a %U:%G" /etc/triforce /var/lib/triforce /etc/triforce/triforce.env && readlink /opt/triforce/current && ls /opt/triforce/releases && ls -A /var/lib/triforce'
    }
    check "postinst created the user, /etc/triforce, /var/lib/triforce and the current release" \
        bash -c 'chroot "$1" id triforce >/dev/null && [ "$(chroot "$1" stat -c %a:%G /etc/triforce)" = 750:triforce ] && [ "$(chroot "$1" stat -c %a:%U /var/lib/triforce)" = 750:triforce ] && [ -x "$1/opt/triforce/current/triforce" ]' _ "$ROOT"
    check "the package started no node and wrote no database" bash -c '[ ! -e "$1/var/lib/triforce/triforce.db" ]' _ "$ROOT"
    check "no process runs in the chroot after installing the package" no_process_in_chroot
    check "postinst says how to set the node up" grep -q "not started" "$ROOT/root/apt.log"
    before="$(postinst_state)"
    for _ in 1 2; do
        chroot "$ROOT" /var/lib/dpkg/info/triforce.postinst configure >/dev/null 2>&1 || { fail "postinst re-run exited non-zero"; return; }
    done
    after="$(postinst_state)"
    check "postinst re-runs cleanly and changes nothing" test "$before" = "$after"
    check "still no process in the chroot after the re-runs" no_process_in_chroot
}

run_case() {
    local kind="$1" file="$2" port port2 mesh pid out
    echo "== provision.sh --$kind $(basename "$file") in a fresh Debian 12 root"
    new_root
    cp "$file" "$ROOT/root/"
    port="$(free_port)"; port2="$(free_port)"; mesh="$(free_port)"
    local args=(--"$kind" "/root/$(basename "$file")" --mesh-port "$mesh" --start)

    [ "$kind" = deb ] && deb_postinst_case "$file"

    time_start=$(date +%s)
    out="$(provision "${args[@]}" --port "$port" 2>&1)" || { fail "first run exited non-zero"; printf '%s\n' "$out"; cleanup; return; }
    pass "first run ($(( $(date +%s) - time_start )) s)"
    check "summary says systemd is absent" grep -q "systemd is not running" <<<"$out"
    check "/health from outside the chroot reports $version" bash -c '[ "$(health_version "$1")" = "$2" ]' _ "$port" "$version"
    check "admin password in a root-only file" bash -c '[ "$(stat -c %a:%U "$1/root/triforce-admin.txt")" = 600:root ] && grep -q "^password:" "$1/root/triforce-admin.txt"' _ "$ROOT"
    local password
    password="$(sed -n 's/^password: *//p' "$ROOT/root/triforce-admin.txt")"
    check "the password never reaches stdout" bash -c '[ -n "$1" ] && ! grep -qF -- "$1" <<<"$2"' _ "$password" "$out"
    check "hardened unit installed (Type=notify, WatchdogSec, LimitNOFILE)" \
        bash -c 'grep -qx "Type=notify" "$1" && grep -q "^WatchdogSec=[1-9]" "$1" && grep -qx "LimitNOFILE=65536" "$1"' _ "$ROOT/etc/systemd/system/triforce.service"
    check "unit restarts on failure with a delay and a start limit" unit_restart_policy "$ROOT/etc/systemd/system/triforce.service"
    check "systemd-analyze security scores the unit OK or better" unit_scores_ok "$ROOT/etc/systemd/system/triforce.service"
    check "current release is $version" bash -c '[ "$(readlink "$1/opt/triforce/current")" = "releases/$2" ]' _ "$ROOT" "$version"
    check "node runs as the triforce user" bash -c '[ "$(stat -c %u "/proc/$(cat "$1/run/triforce.pid")")" = "$(chroot "$1" id -u triforce)" ]' _ "$ROOT"
    pid="$(cat "$ROOT/run/triforce.pid")"

    out="$(provision "${args[@]}" --port "$port" 2>&1)" || { fail "re-run exited non-zero"; printf '%s\n' "$out"; }
    check "re-run with the same arguments changes nothing" grep -q "no changes" <<<"$out"
    check "re-run keeps the same process" bash -c '[ "$(cat "$1/run/triforce.pid")" = "$2" ] && kill -0 "$2"' _ "$ROOT" "$pid"

    out="$(provision "${args[@]}" --port "$port2" 2>&1)" || { fail "re-run with a new port exited non-zero"; printf '%s\n' "$out"; }
    check "a new port rewrites the config and restarts" bash -c '[ "$(cat "$1/run/triforce.pid")" != "$2" ] && grep -q "TRIFORCE_PORT=$3" "$1/etc/triforce/triforce.env"' _ "$ROOT" "$pid" "$port2"
    check "/health answers on the new port" bash -c '[ "$(health_version "$1")" = "$2" ]' _ "$port2" "$version"

    if [ "$kind" = tarball ]; then
        # --public turns TLS on; --host keeps it on loopback (tests never listen beyond it).
        out="$(provision "${args[@]}" --port "$port2" --public --host 127.0.0.1 2>&1)" || { fail "--public run exited non-zero"; printf '%s\n' "$out"; }
        check "--public serves HTTPS with the node certificate" \
            curl -fsS --max-time 5 --cacert "$ROOT/var/lib/triforce/ca/ca.crt" -o /dev/null "https://127.0.0.1:$port2/health"
        check "--public prints the firewall ports" grep -q "firewall: *open TCP $port2" <<<"$out"
    fi
    cleanup
}

# A hub `triforce serve` outside the chroot (the tarball's binary, its own data dir on
# loopback) with a mesh CA. Its settings go to the hub's commands only, never to the chroot.
start_hub() {
    local tarball="$1"
    HUB_DIR="$(mktemp -d /var/tmp/triforce-hub.XXXXXX)"
    tar -C "$HUB_DIR" -xzf "$tarball"
    HUB_BIN="$(find "$HUB_DIR" -mindepth 2 -maxdepth 2 -type f -name triforce | head -n1)"
    HUB_PORT="$(free_port)"; HUB_MESH="$(free_port)"
    hub ca init --dns localhost --ip 127.0.0.1 >"$HUB_DIR/ca.log" 2>&1 || { cat "$HUB_DIR/ca.log"; return 1; }
    # Started directly (not through the hub function), so $! is the server's own pid.
    env TRIFORCE_HOST=127.0.0.1 TRIFORCE_PORT="$HUB_PORT" TRIFORCE_MESH_PORT="$HUB_MESH" TRIFORCE_DATA_DIR="$HUB_DIR/data" \
        "$HUB_BIN" serve </dev/null >"$HUB_DIR/serve.log" 2>&1 &
    HUB_PID=$!
    wait_until 120 curl -fs --max-time 5 -o /dev/null "http://127.0.0.1:$HUB_PORT/health" || { tail -20 "$HUB_DIR/serve.log"; return 1; }
}
hub() {
    env TRIFORCE_HOST=127.0.0.1 TRIFORCE_PORT="$HUB_PORT" TRIFORCE_MESH_PORT="$HUB_MESH" TRIFORCE_DATA_DIR="$HUB_DIR/data" "$HUB_BIN" "$@"
}
# The hub's membership (`triforce mesh members` over its own mesh port) lists `id` as alive.
hub_sees_alive() {
    hub mesh status --json 2>/dev/null | python3 -c '
import json, sys
view = json.load(sys.stdin)
sys.exit(0 if any(m["id"] == sys.argv[1] and m["state"] == "alive" for m in view["members"]) else 1)' "$1"
}
# A token for this hub with its secret replaced: well formed, the right hub, refused.
forged_token() {
    python3 -c '
import base64, json, sys
prefix, _, body = sys.argv[1].partition(".")
payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
payload["s"] = "A" * len(str(payload["s"]))
print(prefix + "." + base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("="))' "$1"
}

join_case() {
    local file="$1" port mesh token bad out rc node_id report
    echo "== provision.sh --tarball $(basename "$file") --join a hub outside the chroot"
    start_hub "$file" || { fail "the hub outside the chroot did not start"; cleanup; return; }
    pass "hub serving on 127.0.0.1:$HUB_PORT, mesh on $HUB_MESH"
    new_root
    cp "$file" "$ROOT/root/"
    port="$(free_port)"; mesh="$(free_port)"
    local args=(--tarball "/root/$(basename "$file")" --port "$port" --mesh-port "$mesh" --join "wss://127.0.0.1:$HUB_MESH" --start)

    token="$(hub ca token create --ttl 30m 2>/dev/null)"
    bad="$(forged_token "$token")"
    out="$(provision "${args[@]}" --token "$bad" 2>&1)" && rc=0 || rc=$?
    check "a bad token fails (exit $rc) and says the join failed" bash -c '[ "$1" != 0 ] && grep -q "join wss://127.0.0.1:$3 failed" <<<"$2"' _ "$rc" "$out" "$HUB_MESH"
    if [ "$rc" != 0 ]; then printf '       %s\n' "$(tail -n1 <<<"$out")"; else printf '%s\n' "$out"; fi
    check "after a bad token no node runs and no mesh certificate or unit is left" \
        bash -c '[ -z "$2" ] && [ ! -e "$1/var/lib/triforce/node.crt" ] && [ ! -e "$1/etc/systemd/system/triforce.service" ] && ! curl -fs --max-time 2 -o /dev/null "http://127.0.0.1:$3/health"' _ "$ROOT" "$(chroot_pids)" "$port"

    out="$(provision "${args[@]}" --token "$token" 2>&1)" || { fail "--join with the hub's token exited non-zero"; printf '%s\n' "$out"; cleanup; return; }
    pass "--join with the hub's token"
    check "the join is in the summary's steps" grep -q "joining the mesh at wss://127.0.0.1:$HUB_MESH" <<<"$out"
    check "the joined node's /health answers from outside the chroot" bash -c '[ "$(health_version "$1")" = "$2" ]' _ "$port" "$version"
    node_id="$(health_field "$port" node_id)"
    check "the node holds a certificate from the hub's CA" \
        bash -c 'openssl verify -CAfile "$1" "$2" >/dev/null' _ "$HUB_DIR/data/ca/ca.crt" "$ROOT/var/lib/triforce/node.crt"
    check "the hub's mesh members list the node ($node_id) alive" wait_until 120 hub_sees_alive "$node_id"
    report="$(hub guardian --once 2>&1)" && rc=0 || rc=$?
    check "the hub's guardian --once checks the node too and passes (exit $rc)" \
        bash -c '[ "$1" = 0 ] && grep -q "node $2" <<<"$3"' _ "$rc" "$node_id" "$report"
    [ "$rc" = 0 ] || printf '%s\n' "$report"
    out="$(provision "${args[@]}" --token "$token" 2>&1)" || { fail "re-run of the join exited non-zero"; printf '%s\n' "$out"; }
    check "re-running the join changes nothing (the used token is not needed again)" grep -q "no changes" <<<"$out"
    cleanup
}
# image/Containerfile's runtime stage replayed in a fresh Debian 12 root (no container engine
# here; its build stage is `scripts/package.sh`'s build): its RUN lines verbatim, the
# tarball's binary where COPY puts it, then ENTRYPOINT + CMD as its USER. TRIFORCE_HOST is
# loopback instead of the image's 0.0.0.0 (tests never listen beyond loopback).
image_case() {
    local tarball="$1" port pid rc log first second
    echo "== image/Containerfile runtime stage in a fresh Debian 12 root"
    new_root
    port="$(free_port)"
    local parse=(python3 tests/provision/containerfile.py image/Containerfile)
    while IFS= read -r line; do
        chroot "$ROOT" sh -c "$line" >"$ROOT/root/image-run.log" 2>&1 || { fail "RUN $line"; tail -20 "$ROOT/root/image-run.log"; cleanup; return; }
    done < <("${parse[@]}" run)
    pass "the runtime stage's RUN lines succeed"
    tar -xzf "$tarball" -C "$ROOT/root"
    install -m 0755 "$(find "$ROOT/root" -mindepth 2 -maxdepth 2 -type f -name triforce | head -n1)" "$ROOT/usr/local/bin/triforce"
    install -m 0755 image/entrypoint.sh "$ROOT/usr/local/bin/triforce-entrypoint"
    local user entry=()
    user="$("${parse[@]}" user)"
    mapfile -t entry < <("${parse[@]}" entrypoint)
    log="$ROOT/root/container.log"
    start_container() {
        chroot --userspec="$user:$user" "$ROOT" env -i HOME=/data PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            TRIFORCE_HOST=127.0.0.1 TRIFORCE_PORT="$port" TRIFORCE_DATA_DIR=/data \
            sh -c 'cd /data && exec "$@"' sh "${entry[@]}" </dev/null >>"$log" 2>&1 &
        pid=$!
    }
    # Its curl reports every refused connection while the node starts: not shown.
    healthcheck() { chroot "$ROOT" env TRIFORCE_PORT="$port" sh -c "$("${parse[@]}" healthcheck)" 2>/dev/null; }
    stop_container() {
        kill -TERM "$pid"
        local end=$(( $(date +%s) + 60 ))
        while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do sleep 0.2; done
        wait "$pid" && rc=0 || rc=$?
    }
    start_container
    check "HEALTHCHECK passes once the first start has initialised /data" wait_until 120 healthcheck
    check "the first admin's password is in /data/initial-admin.txt (0600, $user)" \
        bash -c '[ "$(chroot "$1" stat -c %a:%U /data/initial-admin.txt)" = "600:$2" ] && grep -q "^password:" "$1/data/initial-admin.txt"' _ "$ROOT" "$user"
    check "the password is not in the container log" \
        bash -c '! grep -qF -- "$(sed -n "s/^password: *//p" "$1/data/initial-admin.txt")" "$2"' _ "$ROOT" "$log"
    check "the node runs as $user under tini" \
        bash -c 'child="$(pgrep -P "$2" -x triforce)" && [ "$(stat -c %u "/proc/$child")" = "$(chroot "$1" id -u "$3")" ] && [ "$(cat /proc/$2/comm)" = tini ]' _ "$ROOT" "$pid" "$user"
    first="$(sha256sum "$ROOT/data/initial-admin.txt")"
    stop_container
    check "SIGTERM through tini drains and exits 0 (exit $rc)" test "$rc" = 0
    start_container
    check "a second start serves the same /data without initialising again" \
        wait_until 120 healthcheck_outside "$port"
    second="$(sha256sum "$ROOT/data/initial-admin.txt")"
    check "the second start kept the first admin file" test "$first" = "$second"
    stop_container
    cleanup
}
healthcheck_outside() { curl -fs --max-time 4 -o /dev/null "http://127.0.0.1:$1/health"; }
export -f health_version health_field

run_case deb "$deb"
run_case tarball "$tarball"
join_case "$tarball"
image_case "$tarball"
if [ "$failures" -gt 0 ]; then echo "test-provision: $failures check(s) failed"; exit 1; fi
echo "test-provision: all checks passed"
