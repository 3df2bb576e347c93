#!/usr/bin/env bash
# The release version from git, usable as a Debian version and a directory name:
# tag v1.2.3 exactly -> 1.2.3; commits after it -> 1.2.3+5.gabc1234; no tag -> BASE+git<count>.g<hash>
# (BASE from Version.swift); uncommitted changes add .dirty.
set -euo pipefail
cd "$(dirname "$0")/.."
if described="$(git describe --tags --match 'v[0-9]*' --dirty=.dirty 2>/dev/null)"; then
    version="${described#v}"
    version="$(printf '%s' "$version" | sed -E 's/-([0-9]+)-g([0-9a-f]+)/+\1.g\2/')"
else
    base="$(sed -n 's/.*static let base = "\(.*\)".*/\1/p' Sources/Appliance/App/Version.swift)"
    version="${base:-0.0.0}+git$(git rev-list --count HEAD).g$(git rev-parse --short=7 HEAD)"
    git diff --quiet HEAD -- 2>/dev/null || version="$version.dirty"
fi
printf '%s\n' "$version"
