#!/usr/bin/env bash
# JSON micro-benchmark: the old JSONDecoder-based JSONValue decoding against JSONParser,
# JSONEncoder against JSONSerializer, on a typical chat body. Built with swiftc -O straight
# from the sources (Net/JSON has no dependencies beyond FoundationEssentials).
# Usage: bench/json.sh [iterations]
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build-bench
mkdir -p "$out"
swiftc -O -wmo -module-name JSONBench -o "$out/json-bench" \
    Sources/Net/JSON/*.swift bench/json/LegacyJSONValue.swift bench/json/main.swift 2>&1 | grep -v "^$" || true
"$out/json-bench" "${1:-20000}"
