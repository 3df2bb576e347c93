#!/usr/bin/env bash
# Provisions a fresh Debian/Ubuntu node: runtime libraries, a system user, the binary,
# a data dir, an env file for keys, and a systemd unit. Idempotent; run as root.
#   provisioning/provision.sh path/to/triforce [--host 0.0.0.0] [--port 9000]
set -euo pipefail
BIN="${1:?usage: provision.sh path/to/triforce [--host H] [--port P]}"; shift
HOST=127.0.0.1; PORT=9000
while [ $# -gt 0 ]; do
    case "$1" in
        --host) HOST="$2"; shift 2 ;;
        --port) PORT="$2"; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
here="$(cd "$(dirname "$0")" && pwd)"

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libsqlite3-0 libmbedtls14 libmbedx509-1 libmbedcrypto7 libcurl4 ca-certificates >/dev/null

id triforce >/dev/null 2>&1 || useradd --system --home /var/lib/triforce --shell /usr/sbin/nologin triforce
install -d -o triforce -g triforce -m 0750 /var/lib/triforce
install -d -m 0750 /etc/triforce
install -m 0755 "$BIN" /usr/local/bin/triforce
if [ ! -f /etc/triforce/triforce.env ]; then
    umask 077
    cat > /etc/triforce/triforce.env <<ENV
TRIFORCE_HOST=$HOST
TRIFORCE_PORT=$PORT
# Provider keys (uncomment what you have):
# OPENAI_API_KEY=
# ANTHROPIC_API_KEY=
# GEMINI_API_KEY=
# GROQ_API_KEY=
ENV
fi
install -m 0644 "$here/triforce.service" /etc/systemd/system/triforce.service
sudo -u triforce /usr/local/bin/triforce init --data-dir /var/lib/triforce
systemctl daemon-reload
systemctl enable --now triforce
echo "triforce is running: curl http://$HOST:$PORT/health"
