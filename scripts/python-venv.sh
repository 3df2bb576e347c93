#!/bin/sh
# Creates .venv with the real client packages the end-to-end tests drive
# (openai, anthropic, mcp, websockets, pytest). Idempotent.
set -eu
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -c 'import openai, anthropic, mcp, websockets, pytest' 2>/dev/null && exit 0
.venv/bin/pip install -q openai anthropic mcp websockets pytest
