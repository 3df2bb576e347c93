#!/usr/bin/env bash
# Provisions a TriForce node on a fresh Debian 12/13 or Ubuntu 22.04/24.04 (x86_64 or arm64).
# Run as root (no sudo needed). Idempotent: a re-run with the same arguments changes nothing;
# new arguments or a new binary update the config and restart the service.
#
#   provision.sh [--deb FILE | --tarball FILE | --binary FILE]
#                [--join wss://HUB:44433 --token T] [--host H] [--port P] [--mesh-port P]
#                [--public] [--start] [--admin-email E]
#
# Without a source option it uses the `triforce` binary beside this script (the tarball layout).
set -euo pipefail
umask 022

PREFIX=/opt/triforce
ETC=/etc/triforce
STATE=/var/lib/triforce
UNIT=/etc/systemd/system/triforce.service
PASSWORD_FILE=/root/triforce-admin.txt
LOG=/var/log/triforce.log
PIDFILE=/run/triforce.pid

SOURCE_KIND="" SOURCE="" JOIN="" TOKEN="" HOST="" PORT=9000 MESH_PORT=44433 PUBLIC=0 START=0
ADMIN_EMAIL=admin@localhost

say() { printf '%s\n' "$*"; }
step() { printf '==> %s\n' "$*"; }
die() { printf 'provision: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --deb|--tarball|--binary)
            [ -z "$SOURCE_KIND" ] || die "give only one of --deb, --tarball, --binary"
            SOURCE_KIND="${1#--}"; SOURCE="${2:?$1 needs a file}"; shift 2 ;;
        --join) JOIN="${2:?--join needs wss://HUB:44433}"; shift 2 ;;
        --token) TOKEN="${2:?--token needs the join token}"; shift 2 ;;
        --host) HOST="${2:?--host needs an address}"; shift 2 ;;
        --port) PORT="${2:?--port needs a number}"; shift 2 ;;
        --mesh-port) MESH_PORT="${2:?--mesh-port needs a number}"; shift 2 ;;
        --public) PUBLIC=1; shift ;;
        --start) START=1; shift ;;
        --admin-email) ADMIN_EMAIL="${2:?--admin-email needs an address}"; shift 2 ;;
        -h|--help) usage 0 ;;
        *) printf 'provision: unknown option %s\n\n' "$1" >&2; usage 2 ;;
    esac
done

[ "$(id -u)" = 0 ] || die "run as root (this script does not use sudo)"
[ -n "$JOIN" ] && [ -z "$TOKEN" ] && die "--join needs --token (make one on the hub: triforce ca token create)"
[ -z "$JOIN" ] && [ -n "$TOKEN" ] && die "--token needs --join wss://HUB:44433"
case "$PORT" in ''|*[!0-9]*) die "--port must be a number" ;; esac
case "$MESH_PORT" in ''|*[!0-9]*) die "--mesh-port must be a number" ;; esac
[ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "--port must be 1-65535"
[ "$MESH_PORT" -ge 1 ] && [ "$MESH_PORT" -le 65535 ] || die "--mesh-port must be 1-65535"
if [ -z "$HOST" ]; then if [ "$PUBLIC" = 1 ]; then HOST=0.0.0.0; else HOST=127.0.0.1; fi; fi

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
CHANGED=0

# ---------------------------------------------------------------- the machine
. /etc/os-release
ARCH="$(dpkg --print-architecture)"
case "$ID:$VERSION_ID" in
    debian:12|debian:13|ubuntu:22.04|ubuntu:24.04) ;;
    *) say "warning: $PRETTY_NAME is not a tested target (Debian 12/13, Ubuntu 22.04/24.04); continuing" ;;
esac
case "$ARCH" in amd64|arm64) ;; *) die "architecture $ARCH is not supported (amd64, arm64)" ;; esac
SYSTEMD=0
[ -d /run/systemd/system ] && SYSTEMD=1

export DEBIAN_FRONTEND=noninteractive
APT_UPDATED=0
apt_install() {
    [ $# -gt 0 ] || return 0
    if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq; APT_UPDATED=1; fi
    step "installing packages: $*"
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
missing_packages() { local p; for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || printf '%s ' "$p"; done; }

# curl verifies /health at the end; ca-certificates lets the node reach HTTPS providers.
# git runs config from git (`sync.git_url`); ssh-keygen (openssh-client) verifies signed commits.
# shellcheck disable=SC2046
apt_install $(missing_packages ca-certificates curl git openssh-client)

# ---------------------------------------------------------------- the binary
case "$SOURCE_KIND" in
    deb)
        [ -f "$SOURCE" ] || die "no such file: $SOURCE"
        deb_version="$(dpkg-deb -f "$SOURCE" Version)"
        if [ "$(dpkg-query -W -f '${Version} ${db:Status-Status}' triforce 2>/dev/null || true)" != "$deb_version installed" ]; then
            step "installing $SOURCE (apt resolves the runtime libraries from its Depends)"
            cp "$SOURCE" "$work/triforce.deb"
            chmod 644 "$work/triforce.deb"
            [ "$APT_UPDATED" = 1 ] || { apt-get update -qq; APT_UPDATED=1; }
            apt-get install -y -qq --no-install-recommends "$work/triforce.deb" >/dev/null
        fi
        BIN=/usr/lib/triforce/triforce ;;
    tarball)
        [ -f "$SOURCE" ] || die "no such file: $SOURCE"
        tar -xzf "$SOURCE" -C "$work"
        BIN="$(find "$work" -mindepth 1 -maxdepth 2 -type f -name triforce | head -n1)"
        [ -n "$BIN" ] || die "$SOURCE holds no triforce binary" ;;
    binary) BIN="$SOURCE" ;;
    "")
        [ -x "$here/triforce" ] || die "no --deb, --tarball or --binary given and no triforce binary beside $0"
        BIN="$here/triforce" ;;
esac
[ -f "$BIN" ] || die "no such file: $BIN"

# The binary must be for this machine: ELF e_machine at byte 18 (0x3e x86_64, 0xb7 aarch64).
machine="$(od -An -tx1 -j18 -N1 "$BIN" | tr -d ' \n')"
case "$machine:$ARCH" in
    3e:amd64|b7:arm64) ;;
    *) die "$BIN is not an $ARCH binary (ELF machine 0x$machine)" ;;
esac

# Runtime libraries: whatever the binary's loader cannot find, by soname, mapped to this
# release's package (libmbedtls14 or libmbedtls21, libcurl4 or libcurl4t64, libsqlite3-0).
package_for_soname() {
    local soname="$1" base version candidate
    base="${soname%%.so.*}"; version="${soname##*.so.}"; version="${version%%.*}"
    base="${base//_/-}"
    for candidate in "$base$version" "$base-$version" "$base${version}t64" "$base-${version}t64"; do
        if apt-cache show "$candidate" >/dev/null 2>&1; then printf '%s' "$candidate"; return 0; fi
    done
    return 1
}
missing_libs="$(ldd "$BIN" 2>/dev/null | awk '/not found/ {print $1}' | sort -u)"
if [ -n "$missing_libs" ]; then
    [ "$APT_UPDATED" = 1 ] || { apt-get update -qq; APT_UPDATED=1; }
    packages=()
    for soname in $missing_libs; do
        package="$(package_for_soname "$soname")" || die "no package on $PRETTY_NAME provides $soname (needed by $BIN)"
        packages+=("$package")
    done
    apt_install "${packages[@]}"
    still="$(ldd "$BIN" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')"
    [ -z "$still" ] || die "still missing after installing ${packages[*]}: $still"
fi
"$BIN" --version >/dev/null 2>&1 || die "$BIN does not run here: $("$BIN" --version 2>&1 | head -n3)"

# ---------------------------------------------------------------- user, directories
if ! id triforce >/dev/null 2>&1; then
    step "creating the triforce system user"
    useradd --system --user-group --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin triforce
    CHANGED=1
fi
install -d -m 0755 "$PREFIX"
install -d -m 0750 -o root -g triforce "$ETC"
install -d -m 0750 -o triforce -g triforce "$STATE"

as_triforce() { setpriv --reuid=triforce --regid=triforce --init-groups -- env HOME="$STATE" "$@"; }

# Installs a file only when its content or mode differs; marks the run as changed then.
put() {  # put SRC DEST MODE [OWNER:GROUP]
    local src="$1" dest="$2" mode="$3" owner="${4:-root:root}"
    if [ -f "$dest" ] && cmp -s "$src" "$dest" && [ "$(stat -c '%a %U:%G' "$dest")" = "${mode#0} $owner" ]; then return 0; fi
    install -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$src" "$dest"
    step "wrote $dest"
    CHANGED=1
}

# ---------------------------------------------------------------- release install
sha="$(sha256sum "$BIN" | cut -d' ' -f1)"
release_version="$("$BIN" --version)"
# Development builds all say X-dev: name each by its checksum so two never collide.
case "$release_version" in *-dev) release_version="$release_version.${sha:0:12}" ;; esac
release_out="$("$BIN" release install "$BIN" --sha256 "$sha" --version "$release_version" --prefix "$PREFIX")" || die "release install failed"
case "$release_out" in
    *"already current"*) ;;
    *) step "$release_out"; CHANGED=1 ;;
esac
TRIFORCE="$PREFIX/current/triforce"
if [ ! -e /usr/bin/triforce ] && [ "$(readlink /usr/local/bin/triforce 2>/dev/null || true)" != "$TRIFORCE" ]; then
    ln -sfn "$TRIFORCE" /usr/local/bin/triforce
fi

# ---------------------------------------------------------------- configuration
# triforce.env is managed here (rewritten from the arguments); keys.env is the operator's.
{
    printf '# Managed by provision.sh: re-run it to change these. Provider keys go in keys.env.\n'
    printf 'TRIFORCE_DATA_DIR=%s\nTRIFORCE_HOST=%s\nTRIFORCE_PORT=%s\nTRIFORCE_MESH_PORT=%s\n' "$STATE" "$HOST" "$PORT" "$MESH_PORT"
    if [ "$PUBLIC" = 1 ]; then
        printf 'TRIFORCE_TLS_CERT=%s/node.crt\nTRIFORCE_TLS_KEY=%s/node.key\n' "$STATE" "$STATE"
    fi
} > "$work/triforce.env"
put "$work/triforce.env" "$ETC/triforce.env" 0640 root:triforce
if [ ! -f "$ETC/keys.env" ]; then
    cat > "$work/keys.env" <<'KEYS'
# Provider keys for this node (uncomment what you have), then: systemctl restart triforce
# OPENAI_API_KEY=
# ANTHROPIC_API_KEY=
# GEMINI_API_KEY=
# GROQ_API_KEY=
# MISTRAL_API_KEY=
# OPENROUTER_API_KEY=
KEYS
    put "$work/keys.env" "$ETC/keys.env" 0640 root:triforce
fi
set -a
# shellcheck disable=SC1091
. "$ETC/triforce.env"
set +a

# ---------------------------------------------------------------- data dir, identity, mesh
if [ ! -f "$STATE/triforce.db" ]; then
    step "initialising $STATE (first admin's password goes to $PASSWORD_FILE)"
    ( umask 077; as_triforce "$TRIFORCE" init --data-dir "$STATE" --admin-email "$ADMIN_EMAIL" > "$work/init.txt" 2>&1 ) \
        || { sed '/password/Id' "$work/init.txt" >&2; die "triforce init failed"; }
    ( umask 077; cp "$work/init.txt" "$PASSWORD_FILE" )
    chmod 600 "$PASSWORD_FILE"
    CHANGED=1
fi
# Names for this node's certificate: loopback always, every address with --public.
cert_args=(--dns localhost --dns "$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)" --ip 127.0.0.1)
if [ "$PUBLIC" = 1 ]; then
    for address in $(hostname -I 2>/dev/null || true); do cert_args+=(--ip "$address"); done
fi
if [ -n "$JOIN" ]; then
    if [ ! -f "$STATE/node.crt" ]; then
        step "joining the mesh at $JOIN"
        as_triforce "$TRIFORCE" join "$JOIN" --token "$TOKEN" "${cert_args[@]}" --data-dir "$STATE" \
            || die "triforce join $JOIN failed (see above); nothing was started. Check the token (make a new one on the hub: triforce ca token create) and the hub's address, then re-run"
        CHANGED=1
    fi
elif [ ! -f "$STATE/ca/ca.crt" ] && [ ! -f "$STATE/node.crt" ]; then
    step "creating this node's mesh CA (triforce ca init)"
    as_triforce "$TRIFORCE" ca init "${cert_args[@]}" --data-dir "$STATE" >/dev/null || die "triforce ca init failed"
    CHANGED=1
fi

# ---------------------------------------------------------------- the unit
# The one unit file: beside this script (repo, tarball), in the tarball, or from the .deb.
unit_source=""
for candidate in "$here/triforce.service" "$(dirname "$BIN")/triforce.service" /usr/share/triforce/triforce.service; do
    if [ -f "$candidate" ]; then unit_source="$candidate"; break; fi
done
[ -n "$unit_source" ] || die "triforce.service not found beside $0, the binary, or in /usr/share/triforce"
grep -q "^ExecStart=$TRIFORCE serve" "$unit_source" || die "$unit_source does not run $TRIFORCE"
# The growing restart back-off (RestartSteps=, RestartMaxDelaySec=) needs systemd 254; older
# ones warn on every load, so those two lines go and RestartSec= plus the start limit remain.
# The version: the running systemctl, else the installed package, else the one apt would install.
systemd_version() {
    local text=""
    if command -v systemctl >/dev/null 2>&1; then text="$(systemctl --version 2>/dev/null | awk 'NR == 1 {print $2}')"; fi
    [ -n "$text" ] || text="$(dpkg-query -W -f '${Version}' systemd 2>/dev/null || true)"
    [ -n "$text" ] || text="$(apt-cache policy systemd 2>/dev/null | awk '/Candidate:/ {print $2}')"
    text="${text%%[!0-9]*}"
    printf '%s' "${text:-0}"
}
SYSTEMD_VERSION="$(systemd_version)"
if [ "$SYSTEMD_VERSION" -ge 254 ]; then
    cp "$unit_source" "$work/triforce.service"
else
    sed -e "/^# Growing back-off/,/^RestartMaxDelaySec=/c\\# systemd ${SYSTEMD_VERSION} has no RestartSteps= (254+): a fixed RestartSec= and the start limit." \
        -e '/^RestartSteps=/d' -e '/^RestartMaxDelaySec=/d' "$unit_source" > "$work/triforce.service"
fi
put "$work/triforce.service" "$UNIT" 0644

# ---------------------------------------------------------------- run it
SCHEME=http
[ "$PUBLIC" = 1 ] && SCHEME=https
probe_host="$HOST"
case "$probe_host" in 0.0.0.0) probe_host=127.0.0.1 ;; ::) probe_host='[::1]' ;; *:*) probe_host="[$probe_host]" ;; esac
HEALTH_URL="$SCHEME://$probe_host:$PORT/health"
health() { curl -fsS --max-time 5 --cacert "$STATE/ca/ca.crt" "$HEALTH_URL" 2>/dev/null || curl -fsS --max-time 5 -k "$HEALTH_URL"; }

background_pid() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"; }
start_background() {
    step "starting triforce in the background (no systemd here); log: $LOG"
    touch "$LOG"; chown triforce:triforce "$LOG"; chmod 640 "$LOG"
    (
        umask 077
        cd "$STATE"
        set -a
        # shellcheck disable=SC1091
        . "$ETC/triforce.env"; [ -f "$ETC/keys.env" ] && . "$ETC/keys.env"
        set +a
        exec setsid setpriv --reuid=triforce --regid=triforce --init-groups -- env HOME="$STATE" \
            "$TRIFORCE" serve --data-dir "$STATE" </dev/null >>"$LOG" 2>&1
    ) &
    echo $! > "$PIDFILE"
}
stop_background() {
    local pid="$1" i
    step "stopping the running node (pid $pid) to apply changes"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
}

RUNNING=0
if [ "$SYSTEMD" = 1 ]; then
    systemctl daemon-reload
    systemctl enable triforce >/dev/null 2>&1
    if systemctl is-active --quiet triforce; then
        if [ "$CHANGED" = 1 ]; then step "restarting triforce (configuration or binary changed)"; systemctl restart triforce; fi
        RUNNING=1
    elif [ "$START" = 1 ]; then
        step "starting triforce"; systemctl start triforce; RUNNING=1
    fi
else
    say "systemd is not running here: the unit is installed for later; nothing is started by systemd."
    if pid="$(background_pid)"; then
        if [ "$CHANGED" = 1 ]; then stop_background "$pid"; start_background; fi
        RUNNING=1
    elif [ "$START" = 1 ]; then
        start_background; RUNNING=1
    fi
fi

if [ "$RUNNING" = 1 ]; then
    healthy=""
    for _ in $(seq 1 120); do
        if report="$(health)"; then healthy=1; break; fi
        sleep 0.5
    done
    [ -n "$healthy" ] || die "the node did not answer $HEALTH_URL within 60 s (see $([ "$SYSTEMD" = 1 ] && echo 'journalctl -u triforce' || echo "$LOG"))"
fi

# ---------------------------------------------------------------- summary
node_id="$(sed -n 's/^node id: *\([^ ]*\).*/\1/p' "$PASSWORD_FILE" 2>/dev/null | head -n1)"
say ""
say "TriForce $("$TRIFORCE" --version) on $PRETTY_NAME ($ARCH)"
[ "$CHANGED" = 1 ] || say "  no changes: everything was already as asked"
say "  node id:        ${node_id:-see $PASSWORD_FILE}"
say "  API:            $SCHEME://$HOST:$PORT   (health: $HEALTH_URL)"
say "  mesh:           wss://$HOST:$MESH_PORT/mesh"
say "  admin password: in $PASSWORD_FILE (root only; change it with: triforce user passwd EMAIL --data-dir $STATE)"
say "  config:         $ETC/triforce.env (re-run provision.sh to change), provider keys in $ETC/keys.env"
if [ "$RUNNING" = 1 ]; then say "  status:         running, /health answered: $(printf '%s' "$report" | head -c 200)"
else say "  status:         installed, not started (start with --start$([ "$SYSTEMD" = 1 ] && echo ' or: systemctl start triforce'))"; fi
if [ "$PUBLIC" = 1 ]; then say "  firewall:       open TCP $PORT (API, HTTPS) and TCP $MESH_PORT (mesh, mTLS)"; fi
if [ -z "$JOIN" ]; then
    say "  join more nodes: on this node  triforce ca token create --data-dir $STATE"
    say "                   on the new one provision.sh --join wss://<this host>:$MESH_PORT --token <token>"
fi
