#!/usr/bin/env bash
# Opt-in suite (slow, needs root and debootstrap): provision.sh inside a fresh Debian 12 root
# via chroot, from the .deb and from the tarball in dist/ (scripts/dev.sh package):
# --start, /health answered from outside the chroot, a re-run changes nothing, a re-run with
# a new port restarts the node, --join without a join-capable binary fails clearly.
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

ROOT=""
cleanup() {
    [ -n "$ROOT" ] || return 0
    if [ -f "$ROOT/run/triforce.pid" ]; then
        pid="$(cat "$ROOT/run/triforce.pid")"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
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
health_version() { curl -fsS --max-time 5 "http://127.0.0.1:$1/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])'; }

run_case() {
    local kind="$1" file="$2" port port2 mesh pid out
    echo "== provision.sh --$kind $(basename "$file") in a fresh Debian 12 root"
    new_root
    cp "$file" "$ROOT/root/"
    port="$(free_port)"; port2="$(free_port)"; mesh="$(free_port)"
    local args=(--"$kind" "/root/$(basename "$file")" --mesh-port "$mesh" --start)

    if [ "$kind" = tarball ]; then
        out="$(provision "${args[@]}" --port "$port" --join "wss://127.0.0.1:1" --token not-a-token 2>&1)" && rc=0 || rc=$?
        check "--join fails clearly without a join-capable binary (exit $rc)" \
            bash -c '[ "$1" != 0 ] && grep -q "join" <<<"$2"' _ "$rc" "$out"
    fi

    time_start=$(date +%s)
    out="$(provision "${args[@]}" --port "$port" 2>&1)" || { fail "first run exited non-zero"; printf '%s\n' "$out"; cleanup; return; }
    pass "first run ($(( $(date +%s) - time_start )) s)"
    check "summary says systemd is absent" grep -q "systemd is not running" <<<"$out"
    check "/health from outside the chroot reports $version" bash -c '[ "$(health_version "$1")" = "$2" ]' _ "$port" "$version"
    check "admin password in a root-only file" bash -c '[ "$(stat -c %a:%U "$1/root/triforce-admin.txt")" = 600:root ] && grep -q "^password:" "$1/root/triforce-admin.txt"' _ "$ROOT"
    local password
    password="$(sed -n 's/^password: *//p' "$ROOT/root/triforce-admin.txt")"
    check "the password never reaches stdout" bash -c '[ -n "$1" ] && ! grep -qF -- "$1" <<<"$2"' _ "$password" "$out"
    check "hardened unit installed" grep -q "^WatchdogSec=" "$ROOT/etc/systemd/system/triforce.service"
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
export -f health_version

run_case deb "$deb"
run_case tarball "$tarball"
if [ "$failures" -gt 0 ]; then echo "test-provision: $failures check(s) failed"; exit 1; fi
echo "test-provision: all checks passed"
