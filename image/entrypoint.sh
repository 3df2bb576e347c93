#!/bin/sh
# Container entry: initialise the data volume on first start (the first admin's password
# goes to a file in the volume, never to the log), then run triforce with the given args.
set -eu
data="${TRIFORCE_DATA_DIR:-/data}"
if [ ! -f "$data/triforce.db" ] && [ "${1:-serve}" = serve ]; then
    umask 077
    triforce init --data-dir "$data" > "$data/initial-admin.txt"
    echo "triforce: initialised $data; the first admin's password is in $data/initial-admin.txt" >&2
fi
exec triforce "$@"
